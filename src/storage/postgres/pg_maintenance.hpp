// Compaction of superseded entries and retention of tombstones and stored answers on
// PostgreSQL, with the SQLite backend's windows and traversal protection (docs/storage.md).
//
// Each user's entries are removed in a transaction that first locks the user's row and skips
// the user when users.traversal_ms (database time of its latest offset-paged read that will
// read further pages) is within traversal_quiet_ms; one that removes anything bumps
// users.compactions. A paged read records its marker only if compactions is still what its
// snapshot saw (PgStore::read), so once a traversal has a marker nothing it counted disappears
// until it has been quiet for the window, whichever nodes read and compact.
#pragma once

#include <cstdint>

#include "common/clock.hpp"
#include "storage/maintenance.hpp"
#include "storage/postgres/pg_connection.hpp"
#include "storage/store.hpp"

namespace synclog::storage::postgres {

// Takes this node's turn at maintenance if no other node has it (a session advisory lock);
// false: another node is maintaining now.
Result<bool> try_maintenance_turn(PgConnection& c);
void end_maintenance_turn(PgConnection& c);

// Removes superseded entries older than compact_after_ms for up to kCompactionUsersPerPass
// users after `*cursor` (which moves on, wrapping around, so users held back by traversals
// never starve the others). Returns how many entries it removed.
Result<std::int64_t> compact(PgConnection& c, const MaintenanceOptions& o, const Clock& clock, UserKey* cursor);

// Purges tombstones older than retention_ms (raising each user's horizon to the latest purged)
// and stored answers older than response_ttl_ms, in bounded batches. Returns the rows removed.
Result<std::int64_t> purge_expired(PgConnection& c, const MaintenanceOptions& o, const Clock& clock);

}  // namespace synclog::storage::postgres
