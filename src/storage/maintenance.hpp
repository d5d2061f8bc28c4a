// What every backend's background maintenance keeps and for how long (docs/storage.md,
// "Superseded entries and compaction" and "Retention"), and the pacing of its passes. The
// windows are the product's (the same flags for every backend), so they live here rather than
// in each backend's options.
#pragma once

#include <chrono>
#include <cstdint>

#include "common/clock.hpp"

namespace synclog::storage {

struct MaintenanceOptions {
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

// A read that marked a traversal runs again at most this often when compactions keep racing
// with it (then it answers from its last snapshot: a later page may shift, nothing is lost).
inline constexpr int kMaxReadAttempts = 4;
// Users a compaction pass looks at; the next pass continues after the last one.
inline constexpr int kCompactionUsersPerPass = 256;
// Retention deletes in transactions of this many rows, at most kPurgeBatchesPerPass of them per
// maintenance pass, so a large backlog (a first pass after an upgrade) never holds the database
// for long; the rest waits for the next pass.
inline constexpr int kPurgeBatchRows = 1000;
inline constexpr int kPurgeBatchesPerPass = 20;

}  // namespace synclog::storage
