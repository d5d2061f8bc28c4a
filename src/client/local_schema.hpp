// The schema of the device's local file and its migrations (docs/client.md, "Local file").
#pragma once

#include "common/status.hpp"
#include "storage/sqlite/statement.hpp"

namespace synclog::client {

// The schema version this build writes. Opening a newer file fails rather than guess.
inline constexpr int kLocalSchemaVersion = 4;

// Brings the file at `c` up to kLocalSchemaVersion, in one transaction per step.
Status migrate_local(storage::sqlite::Connection& c);

}  // namespace synclog::client
