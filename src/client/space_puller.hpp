// Pulling a shared space (docs/client.md, "Shared spaces"): by cursor, each page applied in one
// local transaction with the cursor; a first pull fetches the master-data types first (a
// person can start capturing against the sites and assets before the rest arrives) and reports
// progress; a 410 makes it start again from 0.
#pragma once

#include "client/space_sync.hpp"

namespace synclog::client {

class SpacePuller {
 public:
  explicit SpacePuller(SpaceSyncContext& ctx) : ctx_(ctx) {}
  /// Brings `row`'s records up to the space's head and moves its cursor (row.cursor too).
  /// `all_types`: every type the space's schema has now (the latest version), for a first
  /// pull; empty: the device's schema's types.
  Result<SpaceStep> pull(SpaceRow& row, const std::vector<std::string>& all_types = {});

 private:
  // Pulls entries of `types` (all when empty) after `since`; returns the head it reached.
  // `move_cursor`: each page moves the space's cursor with it (not during a first pull by type,
  // whose cursor is the smaller head of its phases).
  Result<SpaceStep> pull_from(SpaceRow& row, std::int64_t since, const std::vector<std::string>& types,
                              bool move_cursor, std::int64_t& head);
  SpaceSyncContext& ctx_;
  SyncProgress progress_;
};

}  // namespace synclog::client
