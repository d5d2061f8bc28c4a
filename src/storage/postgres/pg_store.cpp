// Threads and transactions of the PostgreSQL backend. Every job runs on whichever worker takes
// it; writes for one user serialise on the user's row in the database (PgTxn), not here, so
// several nodes may write for one user at once. Traversal markers and compaction's bumps live
// in the users row (pg_maintenance.hpp explains the protocol).
#include "storage/postgres/pg_store.hpp"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/thread_name.hpp"
#include "storage/completion.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/postgres/pg_listener.hpp"
#include "storage/postgres/pg_maintenance.hpp"
#include "storage/postgres/pg_schema.hpp"
#include "storage/postgres/pg_txn.hpp"
#include "storage/user_cache.hpp"

namespace synclog::storage::postgres {
namespace {

constexpr PgStatement kFindSubject{"store_find_subject", "SELECT uid FROM subjects WHERE subject=$1"};
// One statement, so it commits whole: concurrent first resolves on several nodes wait on the
// subject's unique key, and all but one insert nothing and then find the winner's uid.
constexpr PgStatement kCreateUser{
    "store_create_user",
    "WITH s AS (INSERT INTO subjects(subject, uid) VALUES($1, nextval('user_ids')) "
    "ON CONFLICT (subject) DO NOTHING RETURNING uid), "
    "u AS (INSERT INTO users(uid, head, baseline) SELECT uid, $2::bigint, $2::bigint FROM s RETURNING uid) "
    "SELECT uid FROM u"};
constexpr PgStatement kCommit{nullptr, "COMMIT"};
// Records a paged traversal (database time) unless a compaction committed since the snapshot.
constexpr PgStatement kMarkTraversal{
    "store_mark_traversal",
    "UPDATE users SET traversal_ms = (extract(epoch FROM clock_timestamp()) * 1000)::bigint "
    "WHERE uid=$1 AND compactions=$2"};

using Job = std::function<void(PgConnection&)>;

// Whether `s` failed because the link to the server is gone (the session was terminated, the
// server restarted or failed over, an idle session timed out), rather than because of a
// statement.
bool link_lost(const PgConnection& c, const Status& s) {
  return !s.ok() && (s.code() == ErrorCode::kUnavailable || !c.ok());
}

// What a job's caller (and through it, an HTTP client) is told: the database's own text goes to
// stderr for the operator, the caller gets a generic message of the same code. Errors that are
// not the database's (the caller's own, refusals) pass unchanged.
Error for_caller(const Error& e) {
  if (!e.message.starts_with(kPgErrorPrefix)) return e;
  std::fprintf(stderr, "synclog: storage error: %s\n", e.message.c_str());
  return make_error(e.code, e.code == ErrorCode::kUnavailable ? "The database is unavailable, please try again later"
                                                              : "The database failed to complete the request");
}

Status for_caller(const Status& s) { return s.ok() ? s : Status(for_caller(s.error())); }

}  // namespace

struct PgStore::Impl {
  PgOptions options;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::atomic<std::int64_t> round_trips{0};

  std::vector<std::unique_ptr<PgConnection>> conns;
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;  // guarded by mu
  bool stopping = false;  // guarded by mu

  UserCache users;  // subject -> uid

  std::unique_ptr<PgListener> listener;

  std::thread maintainer;
  std::mutex maintainer_mu;
  std::condition_variable maintainer_cv;
  bool maintainer_stopping = false;  // guarded by maintainer_mu
  std::atomic<bool> maintenance_queued{false};
  std::mutex pass_mu;             // one pass at a time in this process
  UserKey compaction_cursor = 0;  // guarded by pass_mu

  std::once_flag shutdown_once;

  bool enqueue(Job job) {
    {
      std::lock_guard lock(mu);
      if (stopping) return false;
      queue.push_back(std::move(job));
    }
    cv.notify_one();
    return true;
  }

  void worker_loop(PgConnection& c) {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;  // stopping and drained
        job = std::move(queue.front());
        queue.pop_front();
      }
      // A link lost since the last job: try once to get it back (the job fails if not).
      if (!c.ok()) c.reset().ignore();
      try {
        job(c);
      } catch (...) {
        // Completions run through complete(); anything else escaping is a bug, and the
        // connection may hold an open transaction: end it so the next job starts clean.
        c.sync().ignore();
        if (c.ok() && c.in_transaction()) c.exec("ROLLBACK").ignore();
      }
    }
  }

  // A pooled connection whose session died while idle looks alive until it is used: the first
  // job on it fails. A job that fails that way before anything of its own reached the server
  // (any read; a write at BEGIN or its user's lock) runs once more on a fresh connection.
  bool retry_on_fresh_link(PgConnection& c, const Status& s, bool* retried) {
    if (*retried || !link_lost(c, s)) return false;
    *retried = true;
    return c.reset().ok();
  }

  void run_write(PgConnection& c, UserKey user, const WriteFn& fn, const Done& done) {
    bool retried = false;
    for (;;) {
      PgTxn txn(c, user);
      Status s = txn.begin_write();
      if (!s.ok()) {
        txn.rollback();
        if (retry_on_fresh_link(c, s, &retried)) continue;
        return complete(done, for_caller(s));
      }
      s = guarded([&] { return fn(txn); });
      if (s.ok()) {
        s = txn.commit();
      } else {
        txn.rollback();
      }
      return complete(done, for_caller(s));
    }
  }

  void run_read(PgConnection& c, UserKey user, const ReadFn& fn, const Done& done) {
    bool retried = false;
    for (int attempt = 0; attempt < kMaxReadAttempts; ++attempt) {
      PgTxn txn(c, user);
      Status s = txn.begin_read();
      if (s.ok()) s = guarded([&] { return fn(txn); });
      if (!s.ok()) {
        txn.rollback();
        if (retry_on_fresh_link(c, s, &retried)) {
          --attempt;
          continue;
        }
        return complete(done, for_caller(s));
      }
      if (!txn.traversal_marked()) return complete(done, for_caller(txn.commit()));
      // COMMIT and the marker go to the server together.
      s = c.defer(kCommit);
      if (!s.ok()) {
        txn.rollback();
        return complete(done, for_caller(s));
      }
      auto marked = c.query(kMarkTraversal, PgParams().add(user).add(txn.compactions_seen()));
      if (!marked.ok()) {
        txn.rollback();
        return complete(done, for_caller(marked.status()));
      }
      if (marked->affected() == 1) return complete(done, Status());
      // A compaction committed after this snapshot began: its offsets may be stale. Read again.
    }
    complete(done, Status());
  }

  Result<UserKey> resolve_on(PgConnection& c, const std::string& subject, std::int64_t now_ms) {
    {
      SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c.query(kFindSubject, PgParams().add(subject)));
      if (r.rows() == 1) return r.int_at(0, 0);
    }
    // New user: create it with a positive, stable head (the moment it was first seen).
    {
      SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c.query(kCreateUser, PgParams().add(subject).add(now_ms)));
      if (r.rows() == 1) return r.int_at(0, 0);
    }
    SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c.query(kFindSubject, PgParams().add(subject)));
    if (r.rows() == 1) return r.int_at(0, 0);
    return make_error(ErrorCode::kInternal, "postgres: user row vanished while resolving it");
  }

  // ---- maintenance ----

  template <class Pass>
  Result<std::int64_t> run_pass(PgConnection& c, Pass pass) {
    std::lock_guard lock(pass_mu);
    return pass(c);
  }

  Result<std::int64_t> compact_on(PgConnection& c) {
    return run_pass(c, [&](PgConnection& conn) { return compact(conn, options, *clock, &compaction_cursor); });
  }

  Result<std::int64_t> purge_on(PgConnection& c) {
    return run_pass(c, [&](PgConnection& conn) { return purge_expired(conn, options, *clock); });
  }

  // Every interval, queues one maintenance job (never a second while one waits); the job does
  // nothing when another node holds the maintenance turn.
  void maintainer_loop() {
    std::unique_lock lock(maintainer_mu);
    for (;;) {
      if (maintainer_cv.wait_for(lock, options.maintenance_interval, [&] { return maintainer_stopping; })) return;
      if (maintenance_queued.exchange(true)) continue;
      const bool queued = enqueue([this](PgConnection& c) {
        maintenance_queued.store(false);
        auto turn = try_maintenance_turn(c);
        if (!turn.ok() || !*turn) return;
        compact_on(c).status().ignore();
        purge_on(c).status().ignore();
        end_maintenance_turn(c);
      });
      if (!queued) return;
    }
  }

  void shutdown() {
    std::call_once(shutdown_once, [&] {
      {
        std::lock_guard lock(maintainer_mu);
        maintainer_stopping = true;
      }
      maintainer_cv.notify_all();
      if (maintainer.joinable()) maintainer.join();
      {
        std::lock_guard lock(mu);
        stopping = true;
      }
      cv.notify_all();
      for (auto& t : workers) {
        if (t.joinable()) t.join();
      }
      if (listener) listener->stop();
    });
  }
};

PgStore::PgStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PgStore::~PgStore() { shutdown(); }

Result<std::unique_ptr<PgStore>> PgStore::open(const PgOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock ? options.clock : &impl->system_clock;
  const int n = std::max(1, options.connections);
  for (int i = 0; i < n; ++i) {
    SYNCLOG_ASSIGN_OR_RETURN(auto conn, PgConnection::connect(options.conninfo, options.pipeline, &impl->round_trips,
                                                              "synclog-worker"));
    if (i == 0) SYNCLOG_RETURN_IF_ERROR(migrate(*conn).status());
    impl->conns.push_back(std::move(conn));
  }
  impl->listener = std::make_unique<PgListener>(options.conninfo);
  SYNCLOG_RETURN_IF_ERROR(impl->listener->start());
  Impl* p = impl.get();
  for (auto& conn : p->conns) {
    PgConnection* c = conn.get();
    p->workers.emplace_back([p, c] {
      name_this_thread("pg-worker");
      p->worker_loop(*c);
    });
  }
  p->maintainer = std::thread([p] {
    name_this_thread("pg-maintainer");
    p->maintainer_loop();
  });
  return std::unique_ptr<PgStore>(new PgStore(std::move(impl)));
}

void PgStore::resolve_user(std::string subject, std::int64_t now_ms, UserDone done) {
  Impl* p = impl_.get();
  if (const auto cached = p->users.find(subject)) return done(*cached);
  auto shared_done = std::make_shared<UserDone>(std::move(done));
  const bool queued = p->enqueue([p, subject = std::move(subject), now_ms, shared_done](PgConnection& c) {
    // Resolving is idempotent (its one write inserts only what is missing): safe to run again.
    auto uid = p->resolve_on(c, subject, now_ms);
    bool retried = false;
    if (!uid.ok() && p->retry_on_fresh_link(c, uid.status(), &retried)) uid = p->resolve_on(c, subject, now_ms);
    if (!uid.ok()) return complete(*shared_done, Result<UserKey>(for_caller(uid.error())));
    p->users.remember(subject, *uid);
    complete(*shared_done, std::move(uid));
  });
  if (!queued) (*shared_done)(store_unavailable());
}

void PgStore::find_user(std::string subject, std::function<void(Result<std::optional<UserKey>>)> done) {
  Impl* p = impl_.get();
  if (const auto cached = p->users.find(subject)) return done(std::optional<UserKey>(*cached));
  auto shared_done = std::make_shared<std::function<void(Result<std::optional<UserKey>>)>>(std::move(done));
  const bool queued = p->enqueue([p, subject = std::move(subject), shared_done](PgConnection& c) {
    const auto find = [&]() -> Result<std::optional<UserKey>> {
      SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c.query(kFindSubject, PgParams().add(subject)));
      if (r.rows() == 1) return std::optional<UserKey>(r.int_at(0, 0));
      return std::optional<UserKey>();
    };
    auto found = find();
    bool retried = false;
    if (!found.ok() && p->retry_on_fresh_link(c, found.status(), &retried)) found = find();
    if (!found.ok()) return complete(*shared_done, Result<std::optional<UserKey>>(for_caller(found.error())));
    if (*found) p->users.remember(subject, **found);
    complete(*shared_done, std::move(found));
  });
  if (!queued) (*shared_done)(store_unavailable());
}

void PgStore::read(UserKey user, ReadFn fn, Done done) {
  Impl* p = impl_.get();
  auto shared_done = std::make_shared<Done>(std::move(done));
  const bool queued = p->enqueue([p, user, fn = std::move(fn), shared_done](PgConnection& c) {
    p->run_read(c, user, fn, *shared_done);
  });
  if (!queued) (*shared_done)(store_unavailable());
}

void PgStore::write(UserKey user, WriteFn fn, Done done) {
  Impl* p = impl_.get();
  auto shared_done = std::make_shared<Done>(std::move(done));
  const bool queued = p->enqueue([p, user, fn = std::move(fn), shared_done](PgConnection& c) {
    p->run_write(c, user, fn, *shared_done);
  });
  if (!queued) (*shared_done)(store_unavailable());
}

void PgStore::watch_heads(HeadEvents events) { impl_->listener->set_events(std::move(events)); }

Status PgStore::check() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return store_unavailable();
  }
  return impl_->listener->health();
}

void PgStore::shutdown() { impl_->shutdown(); }

std::int64_t PgStore::round_trips() const { return impl_->round_trips.load(); }

namespace {

// Runs a maintenance pass of `p` on a worker now and waits for the number of rows it removed.
template <class Pass>
Result<std::int64_t> run_pass_now(PgStore::Impl* p, Pass pass) {
  std::promise<Result<std::int64_t>> finished;
  auto result = finished.get_future();
  if (!p->enqueue([p, pass, &finished](PgConnection& c) { finished.set_value((p->*pass)(c)); })) {
    return store_unavailable();
  }
  return result.get();
}

}  // namespace

Result<std::int64_t> PgStore::test_compact_now() { return run_pass_now(impl_.get(), &Impl::compact_on); }

Result<std::int64_t> PgStore::test_purge_now() { return run_pass_now(impl_.get(), &Impl::purge_on); }

}  // namespace synclog::storage::postgres
