// The statements of compaction and retention, and the per-user transaction they share.
#include "storage/postgres/pg_maintenance.hpp"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace synclog::storage::postgres {
namespace {

constexpr PgStatement kTryTurn{"mnt_try_turn", "SELECT pg_try_advisory_lock(8320803159843759874)"};
constexpr PgStatement kEndTurn{"mnt_end_turn", "SELECT pg_advisory_unlock(8320803159843759874)"};
constexpr PgStatement kBegin{nullptr, "BEGIN ISOLATION LEVEL READ COMMITTED"};
constexpr PgStatement kCommit{nullptr, "COMMIT"};
// Locks the user's row; true when a paged traversal was seen within $2 ms (database time).
constexpr PgStatement kLockQuiet{
    "mnt_lock_quiet",
    "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint - traversal_ms < $2::bigint "
    "FROM users WHERE uid=$1 FOR UPDATE"};
constexpr PgStatement kCompactionCandidates{
    "mnt_compaction_candidates",
    "SELECT DISTINCT uid FROM entries WHERE superseded_at > 0 AND superseded_at < $1 AND uid > $2 "
    "ORDER BY uid LIMIT $3"};
constexpr PgStatement kCompactUser{
    "mnt_compact_user",
    "WITH d AS (DELETE FROM entries WHERE uid=$1 AND superseded_at > 0 AND superseded_at < $2 RETURNING 1) "
    "UPDATE users SET compactions = compactions + (CASE WHEN EXISTS(SELECT 1 FROM d) THEN 1 ELSE 0 END) "
    "WHERE uid=$1 RETURNING (SELECT count(*) FROM d)"};
constexpr PgStatement kOldTombstones{
    "mnt_old_tombstones",
    "SELECT uid, ts FROM entries WHERE op=$1 AND superseded_at=0 AND ts<$2 ORDER BY ts LIMIT $3"};
constexpr PgStatement kPurgeUser{
    "mnt_purge_user",
    "WITH d AS (DELETE FROM entries WHERE uid=$1 AND op=$3 AND superseded_at=0 AND ts<=$2 RETURNING ts) "
    "UPDATE users SET horizon = greatest(horizon, coalesce((SELECT max(ts) FROM d), 0)), "
    "compactions = compactions + (CASE WHEN EXISTS(SELECT 1 FROM d) THEN 1 ELSE 0 END) "
    "WHERE uid=$1 RETURNING (SELECT count(*) FROM d)"};
constexpr PgStatement kPurgeAnswers{
    "mnt_purge_answers",
    "DELETE FROM idempotency WHERE (uid, key) IN "
    "(SELECT uid, key FROM idempotency WHERE created_ms < $1 ORDER BY created_ms LIMIT $2)"};

// Runs `removal` (whose one row and column is how many rows it removed) for user `uid` in a
// transaction holding the user's row, unless the user has a paged traversal in progress.
Result<std::int64_t> remove_for_quiet_user(PgConnection& c, UserKey uid, const MaintenanceOptions& o,
                                           const PgStatement& removal, const PgParams& params) {
  Status s = c.defer(kBegin);
  std::int64_t removed = 0;
  if (s.ok()) {
    auto quiet = c.query(kLockQuiet, PgParams().add(uid).add(o.traversal_quiet_ms));
    if (!quiet.ok()) {
      s = quiet.status();
    } else if (quiet->rows() == 1 && quiet->text_at(0, 0) == "f") {
      auto r = c.query(removal, params);
      if (r.ok()) {
        removed = r->rows() == 1 ? r->int_at(0, 0) : 0;
      } else {
        s = r.status();
      }
    }
  }
  if (s.ok()) s = c.defer(kCommit);
  if (s.ok()) s = c.sync();
  if (!s.ok()) {
    c.sync().ignore();
    if (c.ok() && c.in_transaction()) c.exec("ROLLBACK").ignore();
    return s.error();
  }
  return removed;
}

}  // namespace

Result<bool> try_maintenance_turn(PgConnection& c) {
  SYNCLOG_ASSIGN_OR_RETURN(PgResult r, c.query(kTryTurn));
  return r.rows() == 1 && r.text_at(0, 0) == "t";
}

void end_maintenance_turn(PgConnection& c) { c.query(kEndTurn).status().ignore(); }

Result<std::int64_t> compact(PgConnection& c, const MaintenanceOptions& o, const Clock& clock, UserKey* cursor) {
  const std::int64_t cutoff = clock.now_ms() - o.compact_after_ms;
  std::vector<UserKey> candidates;
  {
    SYNCLOG_ASSIGN_OR_RETURN(
        PgResult r, c.query(kCompactionCandidates,
                            PgParams().add(cutoff).add(*cursor).add(std::int64_t{kCompactionUsersPerPass})));
    for (int i = 0; i < r.rows(); ++i) candidates.push_back(r.int_at(i, 0));
  }
  *cursor = candidates.size() < static_cast<std::size_t>(kCompactionUsersPerPass) ? 0 : candidates.back();
  std::int64_t removed = 0;
  for (UserKey u : candidates) {
    SYNCLOG_ASSIGN_OR_RETURN(const std::int64_t n,
                             remove_for_quiet_user(c, u, o, kCompactUser, PgParams().add(u).add(cutoff)));
    removed += n;
  }
  return removed;
}

Result<std::int64_t> purge_expired(PgConnection& c, const MaintenanceOptions& o, const Clock& clock) {
  const std::int64_t now = clock.now_ms();
  std::int64_t removed = 0;
  for (int batch = 0; batch < kPurgeBatchesPerPass; ++batch) {
    // The oldest tombstones first, a bounded number, reduced to each user's latest.
    std::unordered_map<UserKey, std::int64_t> latest;
    int rows = 0;
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          PgResult r, c.query(kOldTombstones, PgParams().add(std::int64_t{kTombstoneOp}).add(now - o.retention_ms)
                                                  .add(std::int64_t{kPurgeBatchRows})));
      rows = r.rows();
      for (int i = 0; i < rows; ++i) {
        auto& ts = latest[r.int_at(i, 0)];
        ts = std::max(ts, r.int_at(i, 1));
      }
    }
    if (latest.empty()) break;
    std::int64_t n = 0;
    for (const auto& [uid, ts] : latest) {
      SYNCLOG_ASSIGN_OR_RETURN(
          const std::int64_t one,
          remove_for_quiet_user(c, uid, o, kPurgeUser, PgParams().add(uid).add(ts).add(std::int64_t{kTombstoneOp})));
      n += one;
    }
    removed += n;
    // Users held back by a traversal keep their tombstones for now; do not select them again
    // and again in this pass.
    if (n == 0 || rows < kPurgeBatchRows) break;
  }
  for (int batch = 0; batch < kPurgeBatchesPerPass; ++batch) {
    SYNCLOG_ASSIGN_OR_RETURN(
        PgResult r, c.query(kPurgeAnswers, PgParams().add(now - o.response_ttl_ms).add(std::int64_t{kPurgeBatchRows})));
    removed += r.affected();
    if (r.affected() < kPurgeBatchRows) break;
  }
  return removed;
}

}  // namespace synclog::storage::postgres
