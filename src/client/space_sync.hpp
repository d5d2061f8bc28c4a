// One sync of the person's shared spaces (docs/client.md, "Shared spaces"), run by
// SyncEngine::sync() after the per-user data: the feed first (spaces added, roles changed,
// spaces removed: purged, with their unsynced edits quarantined), then, for each space, the
// push left in flight, a pull, the queue's pushes and a pull of what they did. The puller and
// the pusher (space_puller.hpp, space_pusher.hpp) each do one half; this is what they share.
#pragma once

#include "synclog/client/sync_engine.hpp"
#include "synclog/client/transport.hpp"

#include "client/engine_context.hpp"
#include "client/space_file.hpp"
#include "common/status.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace synclog::client {

/// What a space sync needs from the engine: the device file's spaces, the engine's shared state
/// (requests with the person's credentials and retries, events, progress, the report), and when
/// the device last completed a sync (0: never; a pre-sync check runs after a long time offline).
struct SpaceSyncContext {
  SpaceFile& file;
  EngineContext& engine;
  std::int64_t last_sync_ms = 0;

  Result<HttpResponse> send(HttpRequest req) { return engine.send(std::move(req)); }
  /// Tells the app at once: space work reports an event after the transaction it describes.
  void event(const SyncEvent& e) {
    engine.event(e);
    engine.emit_events();
  }
  void progress(const SyncProgress& p) {
    if (engine.progress_cb) engine.progress_cb(p);
  }
  const SyncOptions& options() const { return engine.options; }
  SyncReport& report() { return engine.report; }
};

/// How a space answered, where it is not a plain success.
enum class SpaceStep {
  kDone,
  kGone,             ///< removed from it (403 SpaceAccessRevoked)
  kMissing,          ///< 404: a stranger's answer, or a proxy's; the feed tells which
  kUpgradeRequired,  ///< 426: the app's schema version is below the space's window
  kResync,           ///< 410: the cursor is older than the space's retention horizon
};

/// Reads a space endpoint's answer: kDone for 200; kGone, kMissing, kUpgradeRequired
/// (`min_version` set) and kResync for their statuses; an error for anything else (kUnauthorized for 401).
Result<SpaceStep> space_answer(const HttpResponse& r, std::string_view what, std::int64_t& min_version);

/// The X-Schema-Version header a space's requests carry, when the app pinned its schema.
void add_schema_header(SpaceFile& file, const SpaceRow& row, HttpRequest& req);

/// The whole space sync.
Status sync_spaces(SpaceSyncContext& ctx);

}  // namespace synclog::client
