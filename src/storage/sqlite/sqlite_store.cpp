// Threads and transactions of the SQLite backend.
//
// Compaction and paged traversals: a traversal's later pages must see every entry its first
// page counted. Readers that will read further pages call ReadTxn::mark_traversal(); the read
// then records a marker for the user, but only if no compaction of that user's stripe finished
// since the read's snapshot began (checked with a per-stripe epoch that compaction bumps after
// committing, under the stripe lock); otherwise the read runs again on a fresh snapshot.
// Compaction skips users with a recent marker. So once a traversal has a marker, nothing it
// counted disappears until it has been quiet for traversal_quiet_ms.
#include "storage/sqlite/sqlite_store.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/thread_name.hpp"
#include "storage/completion.hpp"
#include "storage/head_cache.hpp"
#include "storage/sqlite/schema.hpp"
#include "storage/sqlite/sqlite_txn.hpp"
#include "storage/user_cache.hpp"

namespace synclog::storage::sqlite {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::size_t kStripes = 64;
// The WAL's length (in pages) at which the checkpointer copies it back into the database file.
// A checkpoint's fsync of the database file holds up the writer's own fsync of the log, so the
// tail of push latency follows the checkpoint's size: with 32 devices pushing at half the
// flat-out rate, p99 was 9.3 ms at SQLite's default of 1000 pages, 12-13 ms at 8000, 3.7-4.4 ms
// at 250, and 3.3-4.3 ms with no checkpoints at all (docs/benchmarks.md). Past the second,
// larger threshold the checkpointer has fallen behind (or readers keep it from finishing) and
// the writer checkpoints too, as SQLite would, so the log stays bounded.
constexpr int kCheckpointPages = 250;
constexpr int kWriterCheckpointPages = 4000;

Error unavailable() { return store_unavailable(); }

// Steps `s` (prepared and bound) through its rows, calling `on_row(s)` for each, and resets it
// whatever happens, so no statement keeps its read position past the query.
template <class OnRow>
Status for_each_row(Statement& s, OnRow on_row) {
  for (;;) {
    auto row = s.step();
    if (!row.ok() || !*row) {
      s.reset();
      return row.ok() ? Status() : Status(row.error());
    }
    on_row(s);
  }
}

struct WriteJob {
  std::function<Status(Connection&)> work;  // runs inside its own savepoint
  std::function<void(Status)> done;         // after the group commits (or fails)
  // Runs alone, outside any transaction (maintenance that manages its own transactions).
  bool standalone = false;
};

struct Stripe {
  std::mutex mu;
  std::atomic<std::uint64_t> epoch{0};
  std::unordered_map<UserKey, SteadyClock::time_point> markers;  // guarded by mu
};

// An exclusive lock on `<database>.lock`, held for the store's life: the heads and counts it
// remembers are right only while this process is the database's only writer, so a second
// server on the same file is refused at start instead of answering stale polls.
class ExclusiveFileLock {
 public:
  ExclusiveFileLock() = default;
  ExclusiveFileLock(const ExclusiveFileLock&) = delete;
  ExclusiveFileLock& operator=(const ExclusiveFileLock&) = delete;
  ~ExclusiveFileLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }

  Status acquire(const std::string& database) {
    const std::string path = database + ".lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) {
      return make_error(ErrorCode::kInternal, "sqlite: cannot open " + path + ": " + std::strerror(errno));
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const bool held = errno == EWOULDBLOCK;
      const std::string why = std::strerror(errno);
      ::close(fd_);
      fd_ = -1;
      if (held) {
        return make_error(ErrorCode::kUnavailable,
                          "sqlite: another process is serving " + database + " (it holds " + path + ")");
      }
      return make_error(ErrorCode::kInternal, "sqlite: cannot lock " + path + ": " + why);
    }
    return Status();
  }

 private:
  int fd_ = -1;
};

}  // namespace

struct SqliteStore::Impl {
  // First, so that it is released last, after the threads and connections are gone.
  ExclusiveFileLock file_lock;
  SqliteOptions options;
  SystemClock system_clock;
  const Clock* clock = nullptr;

  std::unique_ptr<Connection> writer_conn;
  std::vector<std::unique_ptr<Connection>> reader_conns;

  std::mutex write_mu;
  std::condition_variable write_cv;
  std::deque<WriteJob> write_queue;  // guarded by write_mu
  bool stopping = false;             // guarded by write_mu (and read_mu for readers)

  std::mutex read_mu;
  std::condition_variable read_cv;
  std::deque<std::function<void(Connection&)>> read_queue;  // guarded by read_mu
  bool readers_stopping = false;

  UserCache users;  // subject -> uid
  CountCache counts;  // entry counts along traversals, for the readers
  HeadCache heads;    // committed heads: this process is the database's only writer

  std::array<Stripe, kStripes> stripes;
  UserKey compaction_cursor = 0;  // writer thread only
  std::atomic<bool> failed{false};
  std::mutex failure_mu;
  std::string failure;  // guarded by failure_mu; the first storage failure

  HeadEvents head_events;  // set before the first write, then read on the writer thread only

  // WAL checkpoints run on a thread and connection of their own. SQLite's automatic checkpoint
  // runs inside the commit that crosses its threshold, on the writer thread, and with its
  // fsync of the database file it was a sixth of the writer's time under load
  // (docs/benchmarks.md): every write queued behind it waited.
  std::unique_ptr<Connection> checkpoint_conn;
  std::mutex checkpoint_mu;
  std::condition_variable checkpoint_cv;
  bool checkpoint_due = false;       // guarded by checkpoint_mu
  bool checkpoint_stopping = false;  // guarded by checkpoint_mu
  std::thread checkpointer;

  std::thread writer;
  std::vector<std::thread> readers;
  std::once_flag shutdown_once;

  Stripe& stripe_of(UserKey u) { return stripes[static_cast<std::size_t>(u) % kStripes]; }

  void enqueue_write(WriteJob job) {
    {
      std::lock_guard lock(write_mu);
      if (!stopping) {
        write_queue.push_back(std::move(job));
        write_cv.notify_one();
        return;
      }
    }
    job.done(unavailable());
  }

  void enqueue_read(std::function<void(Connection&)> task, const Done& on_reject) {
    {
      std::lock_guard lock(read_mu);
      if (!readers_stopping) {
        read_queue.push_back(std::move(task));
        read_cv.notify_one();
        return;
      }
    }
    on_reject(unavailable());
  }

  // ---- checkpoints ----

  // SQLite's WAL hook: runs on the writer thread after each commit, with the log's length.
  static int on_wal_commit(void* arg, sqlite3* db, const char* name, int pages) {
    auto* p = static_cast<Impl*>(arg);
    if (pages >= kWriterCheckpointPages) {
      // A PASSIVE checkpoint never waits; what it cannot copy now, a later one will.
      sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (pages >= kCheckpointPages) {
      {
        std::lock_guard lock(p->checkpoint_mu);
        p->checkpoint_due = true;
      }
      p->checkpoint_cv.notify_one();
    }
    return SQLITE_OK;
  }

  void checkpoint_loop() {
    std::unique_lock lock(checkpoint_mu);
    for (;;) {
      checkpoint_cv.wait(lock, [&] { return checkpoint_due || checkpoint_stopping; });
      if (checkpoint_stopping) return;
      checkpoint_due = false;
      lock.unlock();
      // PASSIVE: copies what no reader still needs, never blocks the writer or the readers. A
      // failure leaves the pages in the log, where they are durable; the next commit past the
      // threshold asks again, and an I/O error shows on the writer's own next commit.
      sqlite3_wal_checkpoint_v2(checkpoint_conn->handle(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
  }

  // ---- writer ----

  void writer_loop() {
    auto next_maintenance = SteadyClock::now() + options.maintenance_interval;
    for (;;) {
      std::vector<WriteJob> group;
      {
        std::unique_lock lock(write_mu);
        write_cv.wait_until(lock, next_maintenance,
                            [&] { return stopping || !write_queue.empty(); });
        while (!write_queue.empty() && group.size() < static_cast<std::size_t>(options.max_group)) {
          if (write_queue.front().standalone && !group.empty()) break;
          group.push_back(std::move(write_queue.front()));
          write_queue.pop_front();
          if (group.back().standalone) break;
        }
        if (group.empty() && stopping) return;
      }
      if (group.size() == 1 && group.front().standalone) {
        complete(group.front().done, guarded([&] { return group.front().work(*writer_conn); }));
      } else if (!group.empty()) {
        commit_group(group);
      }
      if (SteadyClock::now() >= next_maintenance) {
        compact().status().ignore();
        purge_expired().status().ignore();
        next_maintenance = SteadyClock::now() + options.maintenance_interval;
      }
    }
  }

  void commit_group(std::vector<WriteJob>& group) {
    Connection& c = *writer_conn;
    std::vector<Status> results(group.size());
    Status begin = c.exec_cached("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (auto& job : group) complete(job.done, begin);
      return;
    }
    // Set when SQLite rolled back the whole transaction on its own (SQLITE_FULL, IOERR, NOMEM,
    // BUSY, INTERRUPT may do that): earlier jobs are then gone too, and later jobs must not run
    // (outside a transaction, each statement would commit by itself).
    Status lost;
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (!lost.ok()) {
        results[i] = lost;
        continue;
      }
      Status s = c.exec_cached("SAVEPOINT job");
      if (s.ok()) s = guarded([&] { return group[i].work(c); });
      if (s.ok()) {
        s = c.exec_cached("RELEASE job");
      } else {
        c.exec("ROLLBACK TO job; RELEASE job").ignore();
      }
      results[i] = s;
      if (!s.ok() && sqlite3_get_autocommit(c.handle()) != 0) {
        lost = make_error(s.code() == ErrorCode::kInsufficientStorage ? ErrorCode::kInsufficientStorage
                                                                      : ErrorCode::kUnavailable,
                          "storage error, nothing was applied: " + s.message());
        note_failure(lost);
        for (std::size_t j = 0; j < i; ++j) {
          if (results[j].ok()) results[j] = lost;
        }
      }
    }
    if (lost.ok()) {
      Status commit = c.exec_cached("COMMIT");
      if (!commit.ok()) {
        c.exec_cached("ROLLBACK").ignore();
        note_failure(commit);
        for (auto& r : results) {
          if (r.ok()) r = make_error(commit.code(), "commit failed: " + commit.message());
        }
      } else {
        note_recovery();
      }
    }
    for (std::size_t i = 0; i < group.size(); ++i) complete(group[i].done, results[i]);
  }

  void note_failure(const Status& s) {
    std::lock_guard lock(failure_mu);
    if (failure.empty()) failure = s.message();
    failed.store(true);
  }

  // A commit made durable again (a full disk has space, a passing I/O error is over): the store
  // is ready again. The failed transactions stay failed; only later ones were acknowledged.
  void note_recovery() {
    if (!failed.load()) return;
    std::lock_guard lock(failure_mu);
    failure.clear();
    failed.store(false);
  }

  // Forgets traversal markers older than the quiet window (they no longer hold anything back).
  void sweep_markers() {
    const auto cutoff = SteadyClock::now() - std::chrono::milliseconds(options.traversal_quiet_ms);
    for (auto& stripe : stripes) {
      std::lock_guard lock(stripe.mu);
      std::erase_if(stripe.markers, [&](const auto& kv) { return kv.second < cutoff; });
    }
  }

  // Removes superseded entries old enough, for users with no recent paged traversal. Each pass
  // takes the next users after the previous pass's last one (wrapping around), so users held
  // back by traversals never keep the others from being compacted.
  Result<std::int64_t> compact() {
    sweep_markers();
    Connection& c = *writer_conn;
    const std::int64_t cutoff = clock->now_ms() - options.compact_after_ms;
    std::vector<UserKey> candidates;
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s, c.prepare("SELECT DISTINCT uid FROM entries "
                                   "WHERE superseded_at > 0 AND superseded_at < ? AND uid > ? "
                                   "ORDER BY uid LIMIT ?"));
      s->bind(1, cutoff).bind(2, compaction_cursor).bind(3, kCompactionUsersPerPass);
      SYNCLOG_RETURN_IF_ERROR(for_each_row(*s, [&](const Statement& row) { candidates.push_back(row.int_at(0)); }));
    }
    compaction_cursor =
        candidates.size() < static_cast<std::size_t>(kCompactionUsersPerPass) ? 0 : candidates.back();
    if (candidates.empty()) return std::int64_t{0};

    return remove_for_quiet_users(candidates, [&](UserKey u) -> Result<std::int64_t> {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * stmt, c.prepare("DELETE FROM entries WHERE uid=? AND superseded_at > 0 AND superseded_at < ?"));
      const Status st = stmt->bind(1, u).bind(2, cutoff).run();
      stmt->reset();
      SYNCLOG_RETURN_IF_ERROR(st);
      return std::int64_t{sqlite3_changes64(c.handle())};
    });
  }

  // Removes log entries of `candidates` with `remove_one(user)` (which returns how many it
  // removed) in one transaction, skipping users with an offset-paged traversal seen within
  // traversal_quiet_ms: removing an entry such a traversal has counted would shift its later
  // pages, and one entry would never reach the client. The stripes involved stay locked until
  // their epochs are bumped, so a paged read that overlapped runs again on a fresh snapshot.
  Result<std::int64_t> remove_for_quiet_users(const std::vector<UserKey>& candidates,
                                              const std::function<Result<std::int64_t>(UserKey)>& remove_one) {
    Connection& c = *writer_conn;
    // Lock the stripes involved in index order (readers take at most one: no deadlock).
    std::vector<std::size_t> stripe_ids;
    for (UserKey u : candidates) stripe_ids.push_back(static_cast<std::size_t>(u) % kStripes);
    std::sort(stripe_ids.begin(), stripe_ids.end());
    stripe_ids.erase(std::unique(stripe_ids.begin(), stripe_ids.end()), stripe_ids.end());
    std::vector<std::unique_lock<std::mutex>> locks;
    for (std::size_t id : stripe_ids) locks.emplace_back(stripes[id].mu);

    const auto now = SteadyClock::now();
    const auto quiet = std::chrono::milliseconds(options.traversal_quiet_ms);
    std::vector<UserKey> quiet_users;
    for (UserKey u : candidates) {
      auto& markers = stripe_of(u).markers;
      auto it = markers.find(u);
      if (it != markers.end() && now - it->second < quiet) continue;
      if (it != markers.end()) markers.erase(it);
      quiet_users.push_back(u);
    }
    std::int64_t removed = 0;
    if (!quiet_users.empty()) {
      // The only place entries are deleted: remembered counts are void from here to the commit.
      MaintenanceWindow window(counts);
      SYNCLOG_RETURN_IF_ERROR(c.exec_cached("BEGIN IMMEDIATE"));
      Status s;
      for (UserKey u : quiet_users) {
        auto n = remove_one(u);
        if (!n.ok()) {
          s = n.error();
          break;
        }
        removed += *n;
      }
      if (s.ok()) s = c.exec_cached("COMMIT");
      if (!s.ok()) {
        c.exec_cached("ROLLBACK").ignore();
        return s.error();
      }
    }
    for (std::size_t id : stripe_ids) stripes[id].epoch.fetch_add(1);
    return removed;
  }

  // Runs `sql` (which deletes at most kPurgeBatchRows rows, its ?1 bound to `cutoff`) in its
  // own transaction until it deletes fewer, or kPurgeBatchesPerPass times.
  Result<std::int64_t> purge_in_batches(const char* sql, std::int64_t cutoff) {
    Connection& c = *writer_conn;
    std::int64_t removed = 0;
    for (int batch = 0; batch < kPurgeBatchesPerPass; ++batch) {
      SYNCLOG_RETURN_IF_ERROR(c.exec_cached("BEGIN IMMEDIATE"));
      auto stmt = c.prepare(sql);
      Status s = stmt.ok() ? (*stmt)->bind(1, cutoff).bind(2, std::int64_t{kPurgeBatchRows}).run()
                           : stmt.status();
      if (stmt.ok()) (*stmt)->reset();
      const std::int64_t n = s.ok() ? sqlite3_changes64(c.handle()) : 0;
      if (s.ok()) s = c.exec_cached("COMMIT");
      if (!s.ok()) {
        c.exec_cached("ROLLBACK").ignore();
        return s.error();
      }
      removed += n;
      if (n < kPurgeBatchRows) break;
    }
    return removed;
  }

  // Retention: tombstones older than retention_ms go, and each user's horizon moves to the
  // latest one purged, in the same transaction, so a pull from before it is told to start
  // again (it may have missed a deletion). Like compaction, it waits for a user's paged
  // traversal to be quiet: a traversal from 0 is not refused by the horizon, so a tombstone
  // removed under it would shift its pages silently. Stored idempotent answers older than
  // response_ttl_ms go too. Superseded entries are compaction's (compact()).
  Result<std::int64_t> purge_expired() {
    Connection& c = *writer_conn;
    const std::int64_t now = clock->now_ms();
    std::int64_t removed = 0;
    for (int batch = 0; batch < kPurgeBatchesPerPass; ++batch) {
      // The oldest tombstones first, a bounded number, reduced to each user's latest.
      std::unordered_map<UserKey, std::int64_t> latest;
      std::int64_t rows = 0;
      {
        SYNCLOG_ASSIGN_OR_RETURN(
            Statement * s, c.prepare("SELECT uid, ts FROM entries WHERE op=?1 AND superseded_at=0 AND ts<?2 "
                                     "ORDER BY ts LIMIT ?3"));
        s->bind(1, std::int64_t{kTombstoneOp}).bind(2, now - options.retention_ms)
            .bind(3, std::int64_t{kPurgeBatchRows});
        SYNCLOG_RETURN_IF_ERROR(for_each_row(*s, [&](const Statement& row) {
          ++rows;
          auto& ts = latest[row.int_at(0)];
          ts = std::max(ts, row.int_at(1));
        }));
      }
      if (latest.empty()) break;
      std::vector<UserKey> holders;
      for (const auto& kv : latest) holders.push_back(kv.first);
      SYNCLOG_ASSIGN_OR_RETURN(
          const std::int64_t n, remove_for_quiet_users(holders, [&](UserKey uid) -> Result<std::int64_t> {
            const std::int64_t ts = latest.at(uid);
            SYNCLOG_ASSIGN_OR_RETURN(Statement * horizon,
                                     c.prepare("UPDATE users SET horizon=max(horizon, ?1) WHERE uid=?2"));
            Status st = horizon->bind(1, ts).bind(2, uid).run();
            horizon->reset();
            SYNCLOG_RETURN_IF_ERROR(st);
            SYNCLOG_ASSIGN_OR_RETURN(
                Statement * del, c.prepare("DELETE FROM entries WHERE uid=?1 AND op=?2 AND superseded_at=0 AND ts<=?3"));
            st = del->bind(1, uid).bind(2, std::int64_t{kTombstoneOp}).bind(3, ts).run();
            del->reset();
            SYNCLOG_RETURN_IF_ERROR(st);
            return std::int64_t{sqlite3_changes64(c.handle())};
          }));
      removed += n;
      // Users held back by a traversal keep their tombstones for now; do not select them again
      // and again in this pass.
      if (n == 0) break;
      if (rows < kPurgeBatchRows) break;
    }
    SYNCLOG_ASSIGN_OR_RETURN(
        const std::int64_t answers,
        purge_in_batches("DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency "
                         "WHERE created_ms < ?1 ORDER BY created_ms LIMIT ?2)",
                         now - options.response_ttl_ms));
    return removed + answers;
  }

  // ---- readers ----

  void reader_loop(Connection& c) {
    for (;;) {
      std::function<void(Connection&)> task;
      {
        std::unique_lock lock(read_mu);
        read_cv.wait(lock, [&] { return readers_stopping || !read_queue.empty(); });
        if (read_queue.empty()) return;  // stopping and drained
        task = std::move(read_queue.front());
        read_queue.pop_front();
      }
      try {
        task(c);
      } catch (...) {
        // Completions are called through complete(); anything else escaping is a bug, and the
        // connection may hold an open transaction: end it so the next task starts clean.
        c.exec_cached("ROLLBACK").ignore();
      }
    }
  }

  void run_read(Connection& c, UserKey user, const ReadFn& fn, const Done& done) {
    Stripe& stripe = stripe_of(user);
    for (int attempt = 0; attempt < kMaxReadAttempts; ++attempt) {
      const std::uint64_t epoch = stripe.epoch.load();
      // Taken before the snapshot begins (count_cache.hpp, head_cache.hpp).
      const SqliteTxn::ReadCaches caches{counts, heads, counts.generation().load(), heads.epoch()};
      Status s = c.exec_cached("BEGIN");
      SqliteTxn txn(c, user, caches);
      if (s.ok()) s = guarded([&] { return fn(txn); });
      const Status end = c.exec_cached(s.ok() ? "COMMIT" : "ROLLBACK");
      if (s.ok() && !end.ok()) s = end;
      if (!s.ok() || !txn.traversal_marked()) return complete(done, s);
      bool marked = false;
      {
        std::lock_guard lock(stripe.mu);
        if (stripe.epoch.load() == epoch) {
          stripe.markers[user] = SteadyClock::now();
          marked = true;
        }
      }
      if (marked) return complete(done, Status());
      // A compaction finished after this snapshot began: its offsets may be stale. Read again.
    }
    complete(done, Status());
  }

  Result<std::optional<UserKey>> lookup_user(Connection& c, const std::string& subject) {
    SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c.prepare("SELECT uid FROM users WHERE subject=?"));
    s->bind(1, subject);
    auto row = s->step();
    std::optional<UserKey> uid;
    if (row.ok() && *row) uid = s->int_at(0);
    s->reset();
    if (!row.ok()) return row.error();
    return uid;
  }

  void shutdown() {
    std::call_once(shutdown_once, [&] {
      {
        std::lock_guard lock(write_mu);
        stopping = true;
      }
      write_cv.notify_all();
      if (writer.joinable()) writer.join();
      {
        std::lock_guard lock(checkpoint_mu);
        checkpoint_stopping = true;
      }
      checkpoint_cv.notify_all();
      if (checkpointer.joinable()) checkpointer.join();
      {
        std::lock_guard lock(read_mu);
        readers_stopping = true;
      }
      read_cv.notify_all();
      for (auto& t : readers) {
        if (t.joinable()) t.join();
      }
    });
  }
};

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteStore::~SqliteStore() { shutdown(); }

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const SqliteOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock ? options.clock : &impl->system_clock;
  SYNCLOG_RETURN_IF_ERROR(impl->file_lock.acquire(options.path));
  SYNCLOG_ASSIGN_OR_RETURN(impl->writer_conn, Connection::open(options.path, /*create=*/true));
  SYNCLOG_RETURN_IF_ERROR(migrate(*impl->writer_conn));
  const int readers = std::max(1, options.readers);
  for (int i = 0; i < readers; ++i) {
    SYNCLOG_ASSIGN_OR_RETURN(auto conn, Connection::open(options.path, /*create=*/false));
    impl->reader_conns.push_back(std::move(conn));
  }
  SYNCLOG_ASSIGN_OR_RETURN(impl->checkpoint_conn, Connection::open(options.path, /*create=*/false));
  Impl* p = impl.get();
  // Replaces SQLite's automatic checkpoint on the writer's connection.
  sqlite3_wal_hook(p->writer_conn->handle(), &Impl::on_wal_commit, p);
  p->checkpointer = std::thread([p] {
    name_this_thread("sqlite-ckpt");
    p->checkpoint_loop();
  });
  p->writer = std::thread([p] {
    name_this_thread("sqlite-writer");
    p->writer_loop();
  });
  for (auto& conn : p->reader_conns) {
    Connection* c = conn.get();
    p->readers.emplace_back([p, c] {
      name_this_thread("sqlite-reader");
      p->reader_loop(*c);
    });
  }
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

void SqliteStore::resolve_user(std::string subject, std::int64_t now_ms, UserDone done) {
  Impl* p = impl_.get();
  if (const auto cached = p->users.find(subject)) return done(*cached);
  auto shared_done = std::make_shared<UserDone>(std::move(done));
  auto on_reject = [shared_done](Status s) { (*shared_done)(s.error()); };
  p->enqueue_read(
      [p, subject, now_ms, shared_done](Connection& c) {
        auto found = p->lookup_user(c, subject);
        if (!found.ok()) return (*shared_done)(found.error());
        if (*found) {
          p->users.remember(subject, **found);
          return (*shared_done)(**found);
        }
        // New user: create it with a positive, stable head (the moment it was first seen).
        auto uid = std::make_shared<UserKey>(0);
        p->enqueue_write(WriteJob{
            [p, subject, now_ms, uid](Connection& wc) -> Status {
              SYNCLOG_ASSIGN_OR_RETURN(
                  Statement * ins,
                  wc.prepare("INSERT INTO users(subject, head, baseline) VALUES(?,?,?) "
                             "ON CONFLICT(subject) DO NOTHING"));
              const Status s = ins->bind(1, subject).bind(2, now_ms).bind(3, now_ms).run();
              ins->reset();
              SYNCLOG_RETURN_IF_ERROR(s);
              SYNCLOG_ASSIGN_OR_RETURN(auto got, p->lookup_user(wc, subject));
              if (!got) return make_error(ErrorCode::kInternal, "user row vanished");
              *uid = *got;
              return Status();
            },
            [p, subject, uid, shared_done](Status s) {
              if (!s.ok()) return (*shared_done)(s.error());
              p->users.remember(subject, *uid);
              (*shared_done)(*uid);
            }});
      },
      on_reject);
}

void SqliteStore::read(UserKey user, ReadFn fn, Done done) {
  Impl* p = impl_.get();
  auto shared_done = std::make_shared<Done>(std::move(done));
  p->enqueue_read(
      [p, user, fn = std::move(fn), shared_done](Connection& c) {
        p->run_read(c, user, fn, *shared_done);
      },
      [shared_done](Status s) { (*shared_done)(s); });
}

void SqliteStore::find_user(std::string subject, std::function<void(Result<std::optional<UserKey>>)> done) {
  Impl* p = impl_.get();
  if (const auto cached = p->users.find(subject)) return done(std::optional<UserKey>(*cached));
  auto shared_done = std::make_shared<std::function<void(Result<std::optional<UserKey>>)>>(std::move(done));
  p->enqueue_read(
      [p, subject = std::move(subject), shared_done](Connection& c) {
        auto found = p->lookup_user(c, subject);
        if (found.ok() && *found) p->users.remember(subject, **found);
        complete(*shared_done, std::move(found));
      },
      [shared_done](Status s) { (*shared_done)(s.error()); });
}

void SqliteStore::write(UserKey user, WriteFn fn, Done done) {
  // The heads the job set travel from its work to its completion, which runs after the commit.
  using Moves = std::vector<std::pair<UserKey, std::int64_t>>;
  auto moved = std::make_shared<Moves>();
  impl_->enqueue_write(WriteJob{[user, fn = std::move(fn), moved](Connection& c) {
                                  SqliteTxn txn(c, user);
                                  Status s = fn(txn);
                                  if (s.ok()) txn.heads_set(*moved);
                                  return s;
                                },
                                [p = impl_.get(), moved, done = std::move(done)](Status s) {
                                  if (s.ok()) {
                                    for (const auto& [u, head] : *moved) {
                                      p->heads.raise(u, head);
                                      if (p->head_events.moved) complete(p->head_events.moved, u, head);
                                    }
                                  }
                                  done(s);
                                }});
}

void SqliteStore::watch_heads(HeadEvents events) { impl_->head_events = std::move(events); }

std::optional<std::int64_t> SqliteStore::known_head(UserKey user) { return impl_->heads.find(user); }

Status SqliteStore::check() {
  Impl* p = impl_.get();
  {
    std::lock_guard lock(p->write_mu);
    if (p->stopping) return unavailable();
  }
  if (p->failed.load()) {
    std::lock_guard lock(p->failure_mu);
    return make_error(ErrorCode::kUnavailable, "storage failed: " + p->failure);
  }
  return Status();
}

void SqliteStore::shutdown() { impl_->shutdown(); }

namespace {

// Runs a maintenance pass of `p` on the writer thread (it uses the writer's connection) now,
// and waits for the number of rows it removed.
template <class Pass>
Result<std::int64_t> run_pass_now(SqliteStore::Impl* p, Pass pass) {
  std::int64_t removed = 0;
  std::promise<Status> finished;
  p->enqueue_write(WriteJob{[p, pass, &removed](Connection&) -> Status {
                              SYNCLOG_ASSIGN_OR_RETURN(removed, (p->*pass)());
                              return Status();
                            },
                            [&finished](Status s) { finished.set_value(s); },
                            /*standalone=*/true});
  SYNCLOG_RETURN_IF_ERROR(finished.get_future().get());
  return removed;
}

}  // namespace

Result<std::int64_t> SqliteStore::test_compact_now() {
  return run_pass_now(impl_.get(), &Impl::compact);
}

Result<std::int64_t> SqliteStore::test_purge_now() {
  return run_pass_now(impl_.get(), &Impl::purge_expired);
}

}  // namespace synclog::storage::sqlite
