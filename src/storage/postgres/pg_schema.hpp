// The PostgreSQL schema and its migrations: versions recorded in the table synclog_schema,
// applied under an advisory lock so that several nodes starting at once migrate one at a time
// (the others wait, then find nothing left to do).
#pragma once

#include "common/status.hpp"
#include "storage/postgres/pg_connection.hpp"

namespace synclog::storage::postgres {

// The schema version this build writes. A newer database is refused rather than guessed at.
inline constexpr int kPgSchemaVersion = 1;

struct SchemaVersions {
  int before = 0;  // 0: an empty database
  int after = 0;
};

// The database's schema version (0 when synclog never ran on it).
Result<int> schema_version(PgConnection& c);

// Brings the database up to kPgSchemaVersion, each step in its own transaction together with
// its record in synclog_schema. On failure the failed step left nothing behind.
Result<SchemaVersions> migrate(PgConnection& c);

}  // namespace synclog::storage::postgres
