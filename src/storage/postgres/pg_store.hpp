// The PostgreSQL backend, for several server nodes on one database: a pool of connections,
// each owned by a worker thread taking read and write jobs from one queue; a listener thread
// (PgListener) that turns every node's head moves into HeadEvents; and periodic maintenance
// (compaction, retention) that runs on every node but on one node at a time. Nothing in it
// relies on in-process state for correctness: user locks, traversal markers and maintenance
// turns live in the database (the subject -> uid cache holds values that never change).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "storage/maintenance.hpp"
#include "storage/store.hpp"

namespace synclog::storage::postgres {

// The maintenance windows are the base's (shared with the SQLite backend).
struct PgOptions : MaintenanceOptions {
  std::string conninfo;  // postgres://... or postgresql://... (or libpq key=value pairs)
  int connections = 8;   // worker threads, one connection each
  // Send statements that return nothing together with the next one that is waited for.
  bool pipeline = true;
};

class PgStore final : public Store {
 public:
  // Connects, migrates the schema (see pg_schema.hpp) and starts the threads. Fails with a
  // message naming the database when it cannot be reached.
  static Result<std::unique_ptr<PgStore>> open(const PgOptions& options);
  ~PgStore() override;

  void resolve_user(std::string subject, std::int64_t now_ms, UserDone done) override;
  void find_user(std::string subject, std::function<void(Result<std::optional<UserKey>>)> done) override;
  void read(UserKey user, ReadFn fn, Done done) override;
  void write(UserKey user, WriteFn fn, Done done) override;
  // Moves come from the database's notifications, this node's own included.
  void watch_heads(HeadEvents events) override;
  Status check() override;
  void shutdown() override;

  // Waits for the server so far (statements prepared or run, pipelines synced), all
  // connections together.
  std::int64_t round_trips() const;

  // Runs one compaction pass now (on this node, whether or not another node is maintaining)
  // and waits for it; returns how many entries it removed.
  Result<std::int64_t> test_compact_now();
  // Runs one retention pass now and waits for it; returns how many rows it removed.
  Result<std::int64_t> test_purge_now();

  struct Impl;

 private:
  explicit PgStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace synclog::storage::postgres
