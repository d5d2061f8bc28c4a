// One sync of the person's shared spaces (docs/client.md, "Shared spaces"), run by
// SyncEngine::sync() after the per-user data: the feed first (spaces added, roles changed,
// spaces removed: purged, with their unsynced edits quarantined), then, for each space, the
// push left in flight, a pull, the queue's pushes and a pull of what they did. The puller and
// the pusher (space_puller.hpp, space_pusher.hpp) each do one half; this is what they share.
#pragma once

#include "synclog/client/sync_engine.hpp"
#include "synclog/client/transport.hpp"

#include "client/space_file.hpp"
#include "common/status.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace synclog::client {

/// What a space sync needs from the engine.
struct SpaceSyncContext {
  SpaceFile& file;
  const SyncOptions& options;
  SyncReport& report;
  /// Sends a request with the person's credentials, retrying what may succeed when sent again
  /// (lost answers, 5xx, 429) with backoff; an error when no answer came.
  std::function<Result<HttpResponse>(HttpRequest)> send;
  std::function<void(const SyncEvent&)> event;
  std::function<void(const SyncProgress&)> progress;
  /// Asked with the problems a pre-sync check predicts; false holds the space's pushes back
  /// until the next sync. Empty: push anyway.
  std::function<bool(const std::vector<SyncEvent>&)> presync_check;
  /// When the device last completed a sync (0: never): a pre-sync check runs after a long
  /// time offline.
  std::int64_t last_sync_ms = 0;
  /// The engine's clock's now (SyncOptions::clock), for the time offline.
  std::int64_t now_ms = 0;
};

/// How a space answered, where it is not a plain success.
enum class SpaceStep {
  kDone,
  kGone,             ///< removed from it (403 SpaceAccessRevoked) or it is no more (404)
  kUpgradeRequired,  ///< 426: the app's schema version is below the space's window
  kResync,           ///< 410: the cursor is older than the space's retention horizon
};

/// Reads a space endpoint's answer: kDone for 200; kGone, kUpgradeRequired (`min_version`
/// set) and kResync for their statuses; an error for anything else (kUnauthorized for 401).
Result<SpaceStep> space_answer(const HttpResponse& r, std::string_view what, std::int64_t& min_version);

/// The X-Schema-Version header a space's requests carry, when the app pinned its schema.
void add_schema_header(SpaceFile& file, const SpaceRow& row, HttpRequest& req);

/// The whole space sync.
Status sync_spaces(SpaceSyncContext& ctx);

}  // namespace synclog::client
