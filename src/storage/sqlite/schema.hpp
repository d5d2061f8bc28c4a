// The SQLite schema and its migrations (docs/storage.md describes every table).
#pragma once

#include "common/status.hpp"
#include "storage/sqlite/statement.hpp"

namespace synclog::storage::sqlite {

// The schema version this build writes. Opening a newer database fails rather than guess.
inline constexpr int kSchemaVersion = 2;

// Brings the database at `c` up to kSchemaVersion, in one transaction per step.
Status migrate(Connection& c);

}  // namespace synclog::storage::sqlite
