// The shared-space half of `synclog client` (docs/client.md, "Two inspectors from the command
// line"), kept apart from client_command.cpp, which registers it:
//  - subcommands of their own: `space` (list, create, members, add, remove, role), `schema use`,
//    `import`, `rejections` and `quarantine`;
//  - the space forms of put, delete, list, get and resolve, which client_command.cpp runs when
//    given --space;
//  - the spaces' part of `conflicts` and of `sync`/`listen` (a progress bar while a space is
//    pulled for the first time, and the space events after the per-user ones).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "synclog/client/local_store.hpp"
#include "synclog/client/spaces.hpp"
#include "synclog/client/sync_engine.hpp"

namespace CLI {
class App;
}

namespace synclog::cli {

/// Registers `space`, `schema`, `import`, `rejections` and `quarantine` under `client`. The
/// function returned runs the one that was parsed, on the device file `db`, and returns its
/// exit code; nullopt when none of them was.
std::function<std::optional<int>(const std::string& db)> add_client_space_commands(CLI::App& client);

/// A record of a space, as put, delete, list and get name it.
struct SpaceRecordArgs {
  std::string db;
  std::string space;
  std::string type;
  std::string id;                        ///< put: empty for a new record
  std::vector<std::string> assignments;  ///< put: field=value
  bool json = false;                     ///< list
};

int run_space_put(const SpaceRecordArgs& a);
int run_space_delete(const SpaceRecordArgs& a);
int run_space_list(const SpaceRecordArgs& a);
int run_space_get(const SpaceRecordArgs& a);

/// `resolve --space SPACE SEQ`: exactly one of the answers is set (the caller checked).
struct SpaceResolveArgs {
  std::string db;
  std::string space;
  std::int64_t seq = 0;
  bool accept_server = false;
  bool keep_local = false;
  std::vector<std::string> fields;  ///< field=value
};

int run_space_resolve(const SpaceResolveArgs& a);

/// One space conflict as an element of `conflicts --json` (it has "space"; a per-user one has
/// "resource").
std::string space_conflict_json(const client::SpaceConflict& c);
/// One space conflict as `conflicts` shows it: a heading, the clashing fields side by side, and
/// the command that settles it.
void print_space_conflict(const client::SpaceConflict& c, const std::string& db, std::ostream& out);

/// The spaces' part of a sync's output: a bar for a space's first pull (every record of the
/// space, master data first), then the report's counters and the events.
class SpaceSyncOutput {
 public:
  /// The progress line to show for `p` (a space's first pull); nullopt for anything else.
  std::optional<std::string> progress_line(const client::SyncProgress& p) const;
  /// Keeps a space event (SyncEvent::space not empty) for print().
  void add(const client::SyncEvent& e);
  /// A line of the report's space counters and a line per event, when there was anything in a
  /// space; then forgets the events (listen prints once per sync).
  void print(const client::SyncReport& report, const std::string& db, std::ostream& out);
  /// Drops the events of a sync that failed.
  void forget() { events_.clear(); }

 private:
  std::vector<client::SyncEvent> events_;
};

}  // namespace synclog::cli
