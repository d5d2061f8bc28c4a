// `synclog client --db FILE ...`: a command line that makes a local file behave like a device
// (docs/client.md). It drives the client SDK: `init` points the file at a server with a token,
// `put`/`delete`/`list`/`get` are the app's writes and reads (committed locally, queued for the
// server), `sync` runs the sync engine once (a progress line on a terminal, then a summary),
// `listen` syncs whenever the server's change stream says another device wrote (a summary line
// per sync), `status`, `conflicts` and `strategy` show and set the sync state. The same commands
// with --space act on a shared space's records, and the commands only spaces have (`space`,
// `schema`, `import`, `rejections`, `quarantine`) are in client_space_commands.cpp, registered
// here. Exit codes: 0 ok, 1 a failure the command reports on stderr, 2 a usage error.
#include <CLI/CLI.hpp>

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "cli_values.hpp"
#include "client_device.hpp"
#include "client_space_commands.hpp"
#include "commands.hpp"
#include "common/base64url.hpp"
#include "common/error_code.hpp"
#include "common/json_text.hpp"
#include "common/status.hpp"
#include "synclog/client/local_store.hpp"
#include "synclog/client/spaces.hpp"
#include "synclog/client/sync_engine.hpp"
#include "synclog/client/types.hpp"

namespace synclog::cli {
namespace {

namespace fs = std::filesystem;
using client::LocalStore;
using client::Outcome;
using client::Resource;
using client::Strategy;
using client_cli::fail;
using client_cli::iso_time;
using client_cli::json_or_null;
using client_cli::open_device;
using client_cli::plural;
using client_cli::usage;

struct ClientFlags {
  std::string db;
  // init
  std::string server;
  std::string token;
  // put, delete, list, get, strategy: RESOURCE, then the JSON (put) or the ID (delete, get);
  // with --space, field=value... (put) or the ID (delete, get)
  std::vector<std::string> args;
  std::string resource;
  std::string id;
  std::string data;
  bool json = false;
  // put, delete, list, get, resolve: a shared space's record or conflict
  std::string space;
  std::string type;
  // strategy
  std::string strategy;
  // conflicts
  bool unresolved = false;
  // resolve
  std::int64_t seq = 0;
  bool keep_local = false;
  bool keep_server = false;
  bool accept_server = false;
  std::vector<std::string> fields;
  // listen
  std::string listen_for;
  std::string idle_timeout;
};

CLI::Validator resource_validator() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (client::parse_resource(s)) return "";
        return "unknown resource '" + s +
               "': one of bookmark, collection, collection-bookmark, note, reading-session";
      },
      "RESOURCE");
}

CLI::Validator strategy_validator() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (client::parse_strategy(s)) return "";
        return "unknown strategy '" + s +
               "': one of server-wins, client-wins, last-write-wins, field-merge, manual";
      },
      "NAME");
}

CLI::Validator server_validator() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (s.starts_with("http://")) return "";
        return "the server must be an http:// URL, e.g. http://127.0.0.1:8080 (the SDK does "
               "not speak https)";
      },
      "URL");
}

CLI::Validator duration_validator(bool zero_allowed) {
  return CLI::Validator(
      [zero_allowed](std::string& s) -> std::string {
        const auto d = parse_duration(s);
        if (!d) return "durations look like 500ms, 30s, 15m, 1h or 7d";
        return d->count() > 0 || zero_allowed ? "" : "must be longer than 0";
      },
      "DURATION");
}

CLI::Validator not_empty() {
  return CLI::Validator(
      [](std::string& s) -> std::string { return s.empty() ? "must not be empty" : ""; }, "");
}

// The validators (or record_args) accepted the names, so these cannot fail.
Resource resource_of(const ClientFlags& f) { return *client::parse_resource(f.resource); }

// The token sits in the file as is (LocalStore::set_token), so the file and its WAL companions
// are made readable by their owner only.
void restrict_permissions(const std::string& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ec;
    const fs::path p = db + suffix;
    if (fs::exists(p, ec)) {
      fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace,
                      ec);
    }
  }
}

// The user a JWT names (its `sub`), read without verifying it (the server does that): only to
// tell one account from another. "" for a token that is not a readable JWT.
std::string token_subject(std::string_view token) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return "";
  const auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  if (!payload) return "";
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(*payload, ec);
  if (ec || !v.is_object()) return "";
  const auto* sub = v.as_object().if_contains("sub");
  return sub && sub->is_string() ? std::string(sub->as_string()) : "";
}

int run_init(const ClientFlags& f) {
  auto store = LocalStore::open(f.db);
  if (!store.ok()) return fail(f.db, store.error());
  restrict_permissions(f.db);
  std::string server = f.server;
  while (server.size() > std::string_view("http://").size() && server.ends_with('/')) {
    server.pop_back();
  }
  auto& s = **store;
  const std::string account = server + " " + token_subject(f.token);
  bool foreign = false;
  Status set = s.transaction([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(const std::string current, s.account());
    if (!current.empty() && current != account) {
      // Another server or user: refreshing the token is fine, taking the data elsewhere is not.
      // The file belongs to an account once it has synced as it (a cursor); before that, a
      // token the server refused may still be replaced by the right one.
      SYNCLOG_ASSIGN_OR_RETURN(const std::int64_t cursor, s.cursor());
      if (cursor > 0) {
        foreign = true;
        return Status();
      }
    }
    SYNCLOG_RETURN_IF_ERROR(s.set_account(account));
    SYNCLOG_RETURN_IF_ERROR(s.set_server_url(server));
    return s.set_token(f.token);
  });
  if (!set.ok()) return fail(f.db, set.error());
  if (foreign) {
    return fail(f.db + " holds the data of another account (" + *s.account() +
                "): use a new file for " + account);
  }
  auto client_id = s.client_id();
  if (!client_id.ok()) return fail(f.db, client_id.error());
  std::cout << "initialised " << f.db << ": device " << *client_id << ", server " << server << "\n";
  return 0;
}

// The JSON to put: the argument, or standard input for "-".
std::string put_data(const ClientFlags& f) {
  if (f.data != "-") return f.data;
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

// The positional arguments of put, delete, list and get take two forms: RESOURCE first for the
// per-user data, or, with --space and --type naming a space's records, none of it. Fills
// f.resource, f.id and f.data (or leaves f.args as the field=value list of a space's put);
// returns a usage error's message, or "" when they fit.
std::string record_args(ClientFlags& f, std::string_view command) {
  const std::string cmd(command);
  if (!f.space.empty() || !f.type.empty()) {
    if (f.type.empty()) return cmd + ": --space needs --type, the records' type in the space's schema";
    if (f.space.empty()) return cmd + ": --type names a space's records: give --space too";
    if (command == "put") {
      return f.args.empty() ? "put: give the fields to set, as field=value" : "";
    }
    if (command == "list") return f.args.empty() ? "" : "list: with --space, no RESOURCE (--type names the records)";
    if (f.args.size() != 1 || f.args[0].empty()) return cmd + ": give the record's ID (and only it)";
    f.id = f.args[0];
    return "";
  }
  if (f.args.empty()) return cmd + ": give a RESOURCE, or --space SPACE --type TYPE for a space's records";
  f.resource = f.args[0];
  if (!client::parse_resource(f.resource)) {
    return cmd + ": unknown resource '" + f.resource +
           "': one of bookmark, collection, collection-bookmark, note, reading-session";
  }
  const std::size_t want = command == "list" ? 1 : 2;
  if (f.args.size() != want) {
    if (command == "put") return "put: give RESOURCE and its JSON";
    if (command == "list") return "list: give only the RESOURCE";
    return cmd + ": give RESOURCE and the record's ID";
  }
  if (command == "put") {
    f.data = f.args[1];
  } else if (want == 2) {
    if (f.args[1].empty()) return cmd + ": the ID must not be empty";
    f.id = f.args[1];
  }
  return "";
}

SpaceRecordArgs space_record(const ClientFlags& f) {
  SpaceRecordArgs a;
  a.db = f.db;
  a.space = f.space;
  a.type = f.type;
  a.id = f.id;
  a.assignments = f.args;
  a.json = f.json;
  return a;
}

int run_put(const ClientFlags& f) {
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  const Resource r = resource_of(f);
  auto id = (*store)->put(r, put_data(f),
                          f.id.empty() ? std::nullopt : std::optional<std::string_view>(f.id));
  if (!id.ok()) return fail("put " + std::string(client::resource_name(r)), id.error());
  std::cout << *id << "\n";
  return 0;
}

int run_delete(const ClientFlags& f) {
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  const Resource r = resource_of(f);
  const std::string what = "delete " + std::string(client::resource_name(r)) + " " + f.id;
  Status removed = (*store)->remove(r, f.id);
  if (!removed.ok()) {
    if (removed.code() == ErrorCode::kNotFound)
      return fail(what + ": this device has no such record");
    return fail(what, removed.error());
  }
  return 0;
}

int run_list(const ClientFlags& f) {
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  const Resource r = resource_of(f);
  auto records = (*store)->list(r);
  if (!records.ok()) return fail("list " + std::string(client::resource_name(r)), records.error());
  if (f.json) {
    std::string out = "[";
    for (const auto& rec : *records) {
      if (out.size() > 1) out += ",";
      JsonObjectWriter w;
      w.str("id", rec.id)
          .raw("data", json_or_null(rec.data))
          .num("version", rec.version)
          .boolean("pending", rec.pending);
      out += std::move(w).finish();
    }
    std::cout << out << "]\n";
    return 0;
  }
  // One line per record: id, '*' when a local change waits to be pushed ('-' otherwise), data.
  for (const auto& rec : *records) {
    std::cout << rec.id << "\t" << (rec.pending ? "*" : "-") << "\t" << rec.data << "\n";
  }
  return 0;
}

int run_get(const ClientFlags& f) {
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  const Resource r = resource_of(f);
  const std::string what = "get " + std::string(client::resource_name(r)) + " " + f.id;
  auto record = (*store)->get(r, f.id);
  if (!record.ok()) return fail(what, record.error());
  if (!*record) return fail(what + ": this device has no such record");
  JsonObjectWriter w;
  w.str("id", (*record)->id)
      .raw("data", json_or_null((*record)->data))
      .num("version", (*record)->version)
      .boolean("pending", (*record)->pending);
  std::cout << std::move(w).finish() << "\n";
  return 0;
}

// The redrawn progress line of `sync` on a terminal.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}

  // The per-user data's progress.
  void draw(const client::SyncProgress& p) {
    std::string line = "pulled " + std::to_string(p.pulled);
    if (p.total > 0 && p.total >= p.pulled) line += "/" + std::to_string(p.total);
    line += " entries, pushed " + plural(p.batches_pushed, "batch", "batches") + " (" +
            plural(p.mutations_pushed, "mutation", "mutations") + "), " + std::to_string(p.queued) +
            " queued";
    show(line);
  }
  // Any line (a space's first pull: SpaceSyncOutput::progress_line).
  void show(const std::string& line) {
    if (!enabled_) return;
    std::cerr << "\r" << line << "\x1b[K" << std::flush;
    drawn_ = true;
  }
  // Erases the line, so what follows starts on a clean one.
  void clear() {
    if (!drawn_) return;
    std::cerr << "\r\x1b[K" << std::flush;
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
};

// The events of one sync, as the app would count them.
struct EventTally {
  std::int64_t synced = 0;
  std::int64_t merged = 0;
  std::vector<client::SyncEvent> needs_user;

  void add(const client::SyncEvent& e) {
    switch (e.outcome) {
      case Outcome::kSynced:
        ++synced;
        break;
      case Outcome::kMerged:
        ++merged;
        break;
      case Outcome::kNeedsUser:
        needs_user.push_back(e);
        break;
    }
  }
};

// "sync failed (code): why; advice; N mutations still queued".
std::string sync_failure(const ClientFlags& f, LocalStore& store, const Error& error) {
  std::string why = "sync failed (" + std::string(error_code_name(error.code)) + "): " + error.message;
  if (error.code == ErrorCode::kUnauthorized) {
    why += "; run `synclog client --db " + f.db + " init` again with a new --token";
  }
  auto queued = store.queue_length();
  if (queued.ok()) why += "; " + plural(*queued, "mutation", "mutations") + " still queued";
  return why;
}

// The one line `sync` prints, and `listen` prints after each sync.
std::string sync_summary(const client::SyncReport& report, const EventTally& events) {
  std::string summary = "synced: pulled " + plural(report.pulled, "entry", "entries") +
                        ", pushed " + plural(report.pushed, "mutation", "mutations") + " in " +
                        plural(report.batches, "batch", "batches") + ", cursor " +
                        std::to_string(report.cursor);
  if (report.resynced) summary += ", resynced from 0";
  if (report.out_of_sync > 0) {
    summary += ", " + plural(report.out_of_sync, "out-of-sync round", "out-of-sync rounds");
  }
  if (report.retries > 0) summary += ", " + plural(report.retries, "retry", "retries");
  summary += "; events: " + std::to_string(events.synced) + " synced, " +
             std::to_string(events.merged) + " merged, " +
             std::to_string(events.needs_user.size()) + " need the user";
  return summary;
}

int run_sync(const ClientFlags& f) {
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  ProgressLine progress(::isatty(STDERR_FILENO) == 1);
  EventTally events;
  SpaceSyncOutput spaces;
  client::SyncEngine engine(**store);
  engine.on_progress([&](const client::SyncProgress& p) {
    if (p.space.empty()) return progress.draw(p);
    if (auto line = spaces.progress_line(p)) progress.show(*line);
  });
  engine.on_event([&](const client::SyncEvent& e) { e.space.empty() ? events.add(e) : spaces.add(e); });
  auto report = engine.sync();
  progress.clear();
  if (!report.ok()) return fail(sync_failure(f, **store, report.error()));
  std::cout << sync_summary(*report, events) << "\n";
  const auto& needs_user = events.needs_user;
  for (const auto& e : needs_user) {
    std::cout << "  needs the user: " << client::resource_name(e.resource) << " " << e.id;
    if (!e.reason.empty()) std::cout << ": " << e.reason;
    if (e.conflict_seq != 0) std::cout << " (conflict " << e.conflict_seq << ")";
    std::cout << "\n";
  }
  if (!needs_user.empty()) {
    std::cout << "  see `synclog client --db " << f.db << " conflicts`\n";
  }
  spaces.print(*report, f.db, std::cout);
  return 0;
}

// Stops `stop` on SIGINT or SIGTERM, or once `limit` has passed, whichever comes first. The
// signals are blocked for the whole process while it lives and taken with sigtimedwait on its own
// thread: a stop_source must not be touched from a signal handler.
class StopOnSignal {
 public:
  StopOnSignal(std::stop_source stop, std::optional<std::chrono::milliseconds> limit) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
    const auto deadline = limit ? std::optional(std::chrono::steady_clock::now() + *limit)
                                : std::nullopt;
    thread_ = std::thread([this, stop, deadline]() mutable {
      constexpr timespec kTick{0, 100'000'000};  // how late --for may stop, at most
      while (!done_) {
        const int sig = sigtimedwait(&signals_, nullptr, &kTick);
        if (sig == SIGINT || sig == SIGTERM ||
            (deadline && std::chrono::steady_clock::now() >= *deadline)) {
          stop.request_stop();
          return;
        }
      }
    });
  }
  ~StopOnSignal() {
    done_ = true;
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  sigset_t signals_{};
  sigset_t previous_{};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

int run_listen(const ClientFlags& f) {
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  // The validators accepted both.
  const auto limit = f.listen_for.empty() ? std::nullopt : parse_duration(f.listen_for);
  client::ListenOptions options;
  if (!f.idle_timeout.empty()) options.idle_timeout = *parse_duration(f.idle_timeout);
  EventTally events;
  SpaceSyncOutput spaces;
  client::SyncEngine engine(**store);
  engine.on_event([&](const client::SyncEvent& e) { e.space.empty() ? events.add(e) : spaces.add(e); });
  options.on_sync = [&](const Result<client::SyncReport>& report) {
    if (report.ok()) {
      std::cout << sync_summary(*report, events) << "\n";
      spaces.print(*report, f.db, std::cout);
      std::cout << std::flush;
    } else {
      std::cerr << "synclog client: " << sync_failure(f, **store, report.error())
                << "; trying again" << std::endl;
      spaces.forget();
    }
    events = EventTally{};
  };
  options.on_disconnect = [](const Error& why, std::chrono::milliseconds wait) {
    std::cerr << "synclog client: the event stream was lost (" << why.message
              << "); reconnecting in " << wait.count() << " ms" << std::endl;
  };
  std::stop_source stop;
  Status listened;
  {
    StopOnSignal stopper(stop, limit);
    listened = engine.listen(options, stop.get_token());
    stop.request_stop();  // lets the stopper's thread end even if listening failed
  }
  if (!listened.ok()) {
    std::string why = "listen failed (" + std::string(error_code_name(listened.code())) +
                      "): " + listened.message();
    if (listened.code() == ErrorCode::kUnauthorized) {
      why += "; run `synclog client --db " + f.db + " init` again with a new --token";
    }
    return fail(why);
  }
  return 0;
}

// "3", or "3 (1 held until a conflict is answered, a batch in flight)".
std::string queue_detail(std::int64_t queued, std::int64_t held, bool inflight) {
  std::string notes;
  if (held > 0) notes = std::to_string(held) + " held until the user answers a conflict";
  if (inflight) notes += std::string(notes.empty() ? "" : ", ") + "a batch in flight";
  return std::to_string(queued) + (notes.empty() ? "" : " (" + notes + ")");
}

int run_status(const ClientFlags& f) {
  auto opened = open_device(f.db);
  if (!opened.ok()) return fail(opened.error().message);
  LocalStore& s = **opened;
  auto server = s.server_url();
  auto client_id = s.client_id();
  auto cursor = s.cursor();
  auto queued = s.queue_length();
  auto inflight = s.inflight_batch();
  auto last_sync = s.last_sync_ms();
  auto held = s.held_count();
  auto open_conflicts = s.conflicts(/*unresolved_only=*/true);
  for (const Status& st : {server.status(), client_id.status(), cursor.status(), queued.status(),
                           inflight.status(), held.status(), last_sync.status(),
                           open_conflicts.status()}) {
    if (!st.ok()) return fail(f.db, st.error());
  }
  std::string strategies;
  for (Resource r : client::kAllResources) {
    auto st = s.strategy(r);
    if (!st.ok()) return fail(f.db, st.error());
    if (!strategies.empty()) strategies += ", ";
    strategies +=
        std::string(client::resource_name(r)) + " " + std::string(client::strategy_name(*st));
  }
  std::cout << "file:        " << f.db << "\n"
            << "server:      " << *server << "\n"
            << "client id:   " << *client_id << "\n"
            << "cursor:      " << *cursor << "\n"
            << "queued:      " << queue_detail(*queued, *held, inflight->has_value()) << "\n"
            << "last sync:   " << (*last_sync == 0 ? "never" : iso_time(*last_sync)) << "\n"
            << "conflicts:   " << open_conflicts->size() << " unresolved\n"
            << "strategies:  " << strategies << "\n";
  return 0;
}

std::string conflicts_json(const std::vector<client::ConflictRecord>& log) {
  std::string out = "[";
  for (const auto& c : log) {
    if (out.size() > 1) out += ",";
    std::string fields = "[";
    for (const auto& field : c.clashing_fields) {
      if (fields.size() > 1) fields += ",";
      append_json_string(fields, field);
    }
    fields += "]";
    JsonObjectWriter w;
    w.num("seq", c.seq)
        .str("at", iso_time(c.at_ms))
        .str("resource", client::resource_name(c.resource))
        .str("id", c.id)
        .str("strategy", client::strategy_name(c.strategy))
        .str("outcome", client::outcome_name(c.outcome))
        .boolean("resolved", c.resolved)
        .raw("clashingFields", fields)
        .str("reason", c.reason)
        .raw("local", json_or_null(c.local))
        .raw("server", json_or_null(c.server))
        .raw("result", json_or_null(c.result));
    out += std::move(w).finish();
  }
  return out + "]";
}

// The conflict log as a table, one row per conflict.
void print_conflicts_table(const std::vector<client::ConflictRecord>& log) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"SEQ", "WHEN", "RESOURCE", "ID", "STRATEGY", "OUTCOME", "STATE", "FIELDS", "REASON"});
  for (const auto& c : log) {
    std::string fields;
    for (const auto& field : c.clashing_fields) fields += (fields.empty() ? "" : ",") + field;
    rows.push_back({std::to_string(c.seq), iso_time(c.at_ms),
                    std::string(client::resource_name(c.resource)), c.id,
                    std::string(client::strategy_name(c.strategy)),
                    std::string(client::outcome_name(c.outcome)), c.resolved ? "resolved" : "open",
                    fields.empty() ? "-" : fields, c.reason});
  }
  client_cli::print_table(rows, std::cout);
}

int run_conflicts(const ClientFlags& f) {
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  auto log = (*store)->conflicts(f.unresolved);
  if (!log.ok()) return fail(f.db, log.error());
  auto space_log = client::SpaceStore(**store).conflicts(f.unresolved);
  if (!space_log.ok()) return fail(f.db, space_log.error());
  if (f.json) {
    // One array, the per-user rows as they always were, so a reader of those is unaffected.
    std::string out = conflicts_json(*log);
    out.pop_back();
    for (const auto& c : *space_log) {
      if (out.size() > 1) out += ",";
      out += space_conflict_json(c);
    }
    std::cout << out << "]\n";
  } else if (log->empty() && space_log->empty()) {
    std::cout << (f.unresolved ? "no unresolved conflicts" : "no conflicts") << "\n";
  } else {
    if (!log->empty()) print_conflicts_table(*log);
    for (const auto& c : *space_log) {
      if (&c != &space_log->front() || !log->empty()) std::cout << "\n";
      print_space_conflict(c, f.db, std::cout);
    }
  }
  return 0;
}

int run_strategy(const ClientFlags& f) {
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  const Resource r = resource_of(f);
  if (!f.strategy.empty()) {
    Status set = (*store)->set_strategy(r, *client::parse_strategy(f.strategy));
    if (!set.ok()) return fail(f.db, set.error());
  }
  auto current = (*store)->strategy(r);
  if (!current.ok()) return fail(f.db, current.error());
  std::cout << client::resource_name(r) << " " << client::strategy_name(*current) << "\n";
  return 0;
}

int run_resolve(const ClientFlags& f) {
  // The per-user log and the spaces' number their conflicts apart: --space says which one SEQ
  // is in, and each takes only its own answers.
  if (!f.space.empty()) {
    if (f.keep_server || !f.data.empty() || !(f.accept_server || f.keep_local || !f.fields.empty())) {
      return usage("resolve --space: answer a space's conflict with --accept-server, --keep-local or "
                   "--field name=value (--keep-server and --data answer the per-user data's)");
    }
    SpaceResolveArgs a;
    a.db = f.db;
    a.space = f.space;
    a.seq = f.seq;
    a.accept_server = f.accept_server;
    a.keep_local = f.keep_local;
    a.fields = f.fields;
    return run_space_resolve(a);
  }
  if (f.accept_server || !f.fields.empty()) {
    return usage("resolve: --accept-server and --field answer a shared space's conflict: give its --space "
                 "(`conflicts` shows it)");
  }
  auto store = open_device(f.db);
  if (!store.ok()) return fail(store.error().message);
  auto log = (*store)->conflicts(/*unresolved_only=*/false);
  if (!log.ok()) return fail(f.db, log.error());
  const auto row = std::find_if(log->begin(), log->end(), [&](const auto& c) { return c.seq == f.seq; });
  if (row == log->end()) return fail("resolve " + std::to_string(f.seq) + ": no such conflict (see `conflicts`)");
  const std::string answer = f.keep_local ? row->local : f.keep_server ? row->server : put_data(f);
  Status done = (*store)->answer_conflict(f.seq, answer);
  if (!done.ok()) return fail("resolve " + std::to_string(f.seq), done.error());
  std::cout << "resolved " << f.seq << ": " << client::resource_name(row->resource) << " " << row->id
            << " will be pushed at the next sync\n";
  return 0;
}

}  // namespace

Command add_client_command(CLI::App& app) {
  auto f = std::make_shared<ClientFlags>();
  auto* cmd = app.add_subcommand(
      "client", "Make a local file behave like a device: write offline, then sync with a server");
  cmd->add_option("--db", f->db, "The device's local file (created by init)")
      ->envname("SYNCLOG_CLIENT_DB")
      ->required();
  cmd->require_subcommand(1);
  // `synclog client init --db FILE ...` works too.
  cmd->fallthrough();

  auto* init = cmd->add_subcommand("init", "Create the file (or update it) for a server and token");
  init->add_option("--server", f->server, "The server's base URL, e.g. http://127.0.0.1:8080")
      ->required()
      ->check(server_validator());
  init->add_option("--token", f->token, "The access token to sync with (stored in the file)")
      ->required()
      ->check(not_empty());

  // put, delete, list and get: RESOURCE first for the per-user data, or --space and --type for a
  // space's records (record_args reads ARGS; CLI11 cannot tell the two forms apart).
  const auto space_options = [f](CLI::App* c) {
    c->add_option("--space", f->space, "A shared space's id: act on its records instead (with --type)");
    c->add_option("--type", f->type, "With --space: the records' type in the space's schema");
  };
  auto* put = cmd->add_subcommand("put", "Write a record and queue it; prints its id");
  put->footer(
      "put RESOURCE [--id ID] JSON: the fields in the wire form, laid over the current ones (- reads stdin).\n"
      "put --space S --type T [--id ID] field=value...: the fields to set in a space's record. A value is "
      "JSON when it reads as a JSON number, true, false, null, array or \"string\", else plain text: "
      "status=draft floor=3 active=false code='\"007\"'; null clears a field.");
  put->add_option("ARGS", f->args, "RESOURCE JSON, or with --space: field=value...")->required();
  put->add_option("--id", f->id, "The record's id (default: a new record with a fresh id)");
  space_options(put);

  auto* del = cmd->add_subcommand("delete", "Delete a record and queue the deletion");
  del->footer("delete RESOURCE ID, or delete --space S --type T ID");
  del->add_option("ARGS", f->args, "RESOURCE ID, or with --space: ID")->required();
  space_options(del);

  auto* list = cmd->add_subcommand("list", "The device's records of a type: id, a state mark, data");
  list->footer(
      "list RESOURCE: '*' a change waits to be pushed, '-' not.\n"
      "list --space S --type T: '!' in conflict, 'x' refused by the server, '*' waiting to be pushed, "
      "'-' as the server has it.");
  list->add_option("ARGS", f->args, "RESOURCE (none with --space)");
  list->add_flag("--json", f->json,
                 "A JSON array of {id, data, version, pending} (a space's records add inConflict and rejected)");
  space_options(list);

  auto* get = cmd->add_subcommand("get", "One record, as an element of `list --json`");
  get->footer("get RESOURCE ID, or get --space S --type T ID");
  get->add_option("ARGS", f->args, "RESOURCE ID, or with --space: ID")->required();
  space_options(get);

  auto* sync = cmd->add_subcommand("sync", "Pull, settle conflicts and push the queue, once");

  auto* listen = cmd->add_subcommand(
      "listen",
      "Listen to the server's change stream and sync whenever another device writes, printing a "
      "line per sync, until --for passes or SIGINT/SIGTERM");
  listen->add_option("--for", f->listen_for, "Stop after this long, e.g. 30s or 1h (default: never)")
      ->check(duration_validator(/*zero_allowed=*/true));
  listen
      ->add_option("--idle-timeout", f->idle_timeout,
                   "Reconnect when no event or heartbeat came for this long (default 37500ms: "
                   "2.5 times the server's default --events-heartbeat of 15s)")
      ->check(duration_validator(/*zero_allowed=*/false));

  auto* status = cmd->add_subcommand(
      "status", "Server, client id, cursor, queue, last sync, conflicts, strategies");

  auto* conflicts = cmd->add_subcommand("conflicts", "The conflict log, and the shared spaces' conflicts");
  conflicts->footer(
      "The per-user data's log is a table. Each space conflict shows its clashing fields side by side: "
      "the server's value, who changed it on which device and when; this device's value and when it "
      "was captured; the value both started from; and the command that settles it.");
  conflicts->add_flag("--json", f->json,
                      "One JSON array: the per-user conflicts (with \"resource\"), then the spaces' (with "
                      "\"space\" and \"clashes\")");
  conflicts->add_flag("--unresolved", f->unresolved, "Only the conflicts waiting for the user");

  auto* strategy = cmd->add_subcommand(
      "strategy", "Set (or, without NAME, show) how a resource type's conflicts are settled");
  strategy->add_option("RESOURCE", f->resource, "The resource type")
      ->required()
      ->check(resource_validator());
  strategy
      ->add_option("NAME", f->strategy,
                   "server-wins, client-wins, last-write-wins, field-merge or manual")
      ->check(strategy_validator());

  auto* resolve = cmd->add_subcommand(
      "resolve", "Answer a conflict that waits for the user; what is kept is pushed at the next sync");
  resolve->footer(
      "resolve SEQ --keep-local | --keep-server | --data JSON: a conflict of the per-user data.\n"
      "resolve --space S SEQ --accept-server | --keep-local | --field name=value...: a space's. The two "
      "logs number their conflicts apart: --space says which one SEQ is in.");
  resolve->add_option("SEQ", f->seq, "The conflict's number (see `conflicts --unresolved`)")->required();
  resolve->add_option("--space", f->space, "The space whose conflict SEQ is (as `conflicts` shows it)");
  auto* keep = resolve->add_option_group("answer", "What to keep")->require_option(1);
  keep->add_flag("--keep-local", f->keep_local, "This device's version (its values of the clashing fields)");
  keep->add_flag("--keep-server", f->keep_server, "The server's version (per-user data)");
  keep->add_option("--data", f->data, "A state of your own: the record's fields (JSON), or null to delete it (per-user data)");
  keep->add_flag("--accept-server", f->accept_server, "The server's values of the clashing fields (a space's)");
  keep->add_option("--field", f->fields,
                   "A space's clashing field and the value to keep, as field=value (repeatable; a clashing "
                   "field not named keeps this device's value)")
      ->allow_extra_args(false);  // one value per --field, so a SEQ after it stays the SEQ

  const auto space_commands = add_client_space_commands(*cmd);

  return [f, init, put, del, list, get, sync, listen, status, conflicts, strategy, resolve, space_commands]() -> int {
    // A shared space's record: record_args says which form was meant.
    for (const auto& [c, name] : {std::pair{put, "put"}, std::pair{del, "delete"}, std::pair{list, "list"},
                                  std::pair{get, "get"}}) {
      if (!c->parsed()) continue;
      if (const std::string bad = record_args(*f, name); !bad.empty()) return usage(bad);
      if (f->space.empty()) break;
      if (c == put) return run_space_put(space_record(*f));
      if (c == del) return run_space_delete(space_record(*f));
      if (c == list) return run_space_list(space_record(*f));
      return run_space_get(space_record(*f));
    }
    if (init->parsed()) return run_init(*f);
    if (put->parsed()) return run_put(*f);
    if (del->parsed()) return run_delete(*f);
    if (list->parsed()) return run_list(*f);
    if (get->parsed()) return run_get(*f);
    if (sync->parsed()) return run_sync(*f);
    if (listen->parsed()) return run_listen(*f);
    if (status->parsed()) return run_status(*f);
    if (conflicts->parsed()) return run_conflicts(*f);
    if (strategy->parsed()) return run_strategy(*f);
    if (resolve->parsed()) return run_resolve(*f);
    if (auto code = space_commands(f->db)) return *code;
    return 2;  // require_subcommand(1) makes this unreachable
  };
}

}  // namespace synclog::cli
