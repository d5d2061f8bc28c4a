// Pushing a shared space's queue (docs/client.md, "Shared spaces"): batches in conflictMode=field,
// each stored with its Idempotency-Key before it is sent, so a lost answer or a crash is
// settled by sending the same request again; every edit's outcome (applied, merged,
// softMerged, conflict, rejected) becomes an event, and none blocks the rest of the queue.
#pragma once

#include "client/space_sync.hpp"

namespace synclog::client {

class SpacePusher {
 public:
  explicit SpacePusher(SpaceSyncContext& ctx) : ctx_(ctx) {}
  /// Settles the push a crash or a lost answer left in flight, then pushes the queue. `pushed`:
  /// whether anything was sent (the caller then pulls what the server made of it).
  Result<SpaceStep> push(SpaceRow& row, bool& pushed);

 private:
  Result<SpaceStep> send(SpaceRow& row, const SpaceBatch& batch);
  // The server's pre-sync validation of the next batch; false: the app chose to wait.
  Result<bool> presync(SpaceRow& row, const std::vector<SpaceEdit>& edits);
  std::string target(const SpaceRow& row) const;
  SpaceSyncContext& ctx_;
  std::int64_t min_version_ = 0;
};

}  // namespace synclog::client
