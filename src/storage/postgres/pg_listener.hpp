// The head-move listener of a PostgreSQL store: its own connection and thread, LISTENing on
// channel synclog_heads, where every node's write transactions notify '<uid> <head>' on commit.
// Each notification becomes HeadEvents::moved. When the connection is lost it reconnects with
// backoff, LISTENs again and calls HeadEvents::resync (moves may have been missed meanwhile).
// Its link doubles as the store's liveness probe (health()); an idle link is probed every few
// seconds, so a database that went away is noticed even when nobody writes. Nothing on its
// thread waits on the network without a deadline: a probe unanswered within seconds (a
// half-open link) counts as a lost link, and stop() returns without waiting for the server.
// Its session is named synclog-listener (application_name).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/store.hpp"

namespace synclog::storage::postgres {

class PgListener {
 public:
  explicit PgListener(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  ~PgListener() { stop(); }
  PgListener(const PgListener&) = delete;
  PgListener& operator=(const PgListener&) = delete;

  // Connects and LISTENs (failing if the database cannot be reached), then starts the thread.
  Status start();
  // Who is told; may be called while the thread runs. Thread-safe.
  void set_events(HeadEvents events);
  // OK while the link is up, else kUnavailable with the reason. Thread-safe.
  Status health() const;
  // Stops the thread and closes the link. Idempotent.
  void stop();

 private:
  using Deadline = std::chrono::steady_clock::time_point;
  enum class Ready { kYes, kTimeout, kStopping };

  void run();
  // Connects and LISTENs, giving up at `deadline` or on stop().
  Status connect_and_listen(Deadline deadline);
  // Runs `sql` on `c` and waits for its results until `deadline` or stop(); kUnavailable when
  // it failed, was not answered in time or the listener is stopping.
  Status command(PgConnection& c, const char* sql, Deadline deadline);
  // Waits until `c`'s socket is ready for `events` (poll flags), `deadline`, or stop().
  Ready await(PgConnection& c, short events, Deadline deadline);
  void deliver_notifications();
  void set_down(const std::string& why);
  // Waits up to `ms` for the link's socket (if any) or a stop; false when stopping.
  bool wait(int ms, bool* readable);

  std::string conninfo_;
  std::unique_ptr<PgConnection> conn_;  // the listener thread's once started
  mutable std::mutex mu_;
  HeadEvents events_;      // guarded by mu_
  std::string down_;       // guarded by mu_; empty while the link is up
  int wake_[2] = {-1, -1};  // a pipe that interrupts the thread's waits
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace synclog::storage::postgres
