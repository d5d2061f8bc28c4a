// The embedded SQLite backend: one database file in WAL mode, one writer thread that commits
// many users' writes together (group commit: one fsync for a whole group, each job in its own
// savepoint so one failing job does not affect the others), a pool of reader threads with a
// connection each (WAL readers never wait for the writer), and a checkpointer thread that
// copies the WAL back into the database file off the writer's path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/maintenance.hpp"
#include "storage/store.hpp"

namespace synclog::storage::sqlite {

// The maintenance windows are the base's (shared with the PostgreSQL backend).
struct SqliteOptions : MaintenanceOptions {
  std::string path;        // the database file; created if missing
  int readers = 2;         // reader threads (and connections)
  int max_group = 64;      // most write jobs committed together
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database, migrates it, and starts the threads.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override;

  void resolve_user(std::string subject, std::int64_t now_ms, UserDone done) override;
  void find_user(std::string subject, std::function<void(Result<std::optional<UserKey>>)> done) override;
  void read(UserKey user, ReadFn fn, Done done) override;
  void write(UserKey user, WriteFn fn, Done done) override;
  void watch_heads(HeadEvents events) override;
  std::optional<std::int64_t> known_head(UserKey user) override;
  Status check() override;
  void shutdown() override;

  // Runs one compaction pass now and waits for it; returns how many entries it removed.
  Result<std::int64_t> test_compact_now();
  // Runs one retention pass (tombstones and stored answers past their windows) now and waits
  // for it; returns how many rows it removed.
  Result<std::int64_t> test_purge_now();

  struct Impl;

 private:
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace synclog::storage::sqlite
