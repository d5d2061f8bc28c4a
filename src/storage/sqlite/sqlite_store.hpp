// The embedded SQLite backend: one database file in WAL mode, one writer thread that commits
// many users' writes together (group commit: one fsync for a whole group, each job in its own
// savepoint so one failing job does not affect the others), and a pool of reader threads with a
// connection each (WAL readers never wait for the writer).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "storage/store.hpp"

namespace synclog::storage::sqlite {

struct SqliteOptions {
  std::string path;        // the database file; created if missing
  int readers = 2;         // reader threads (and connections)
  int max_group = 64;      // most write jobs committed together
  // Superseded log entries older than this are compacted away...
  std::int64_t compact_after_ms = 60 * 1000;
  // ...unless the user had an offset-paged traversal in progress within this window.
  std::int64_t traversal_quiet_ms = 15 * 60 * 1000;
  // Tombstones older than this are purged, and the user's horizon moves past them.
  std::int64_t retention_ms = 90LL * 24 * 3600 * 1000;
  // Answers stored under idempotency keys are kept at least this long.
  std::int64_t response_ttl_ms = 24LL * 3600 * 1000;
  std::chrono::milliseconds maintenance_interval{10 * 1000};
  const Clock* clock = nullptr;  // wall clock for compaction cut-offs; defaults to the system's
};

class SqliteStore final : public Store {
 public:
  // Opens or creates the database, migrates it, and starts the threads.
  static Result<std::unique_ptr<SqliteStore>> open(const SqliteOptions& options);
  ~SqliteStore() override;

  void resolve_user(std::string subject, std::int64_t now_ms, UserDone done) override;
  void read(UserKey user, ReadFn fn, Done done) override;
  void write(UserKey user, WriteFn fn, Done done) override;
  void watch_heads(HeadEvents events) override;
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
