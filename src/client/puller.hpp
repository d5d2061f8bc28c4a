// The per-user puller (docs/client.md, "Sync: pull -> apply -> push"): pulls GET /v1/sync by
// cursor in the capped shape, applies each page in one local transaction with the cursor, and
// settles a record that also changed locally with its resource type's strategy (a conflict only
// the person can settle goes to the conflict log and the manual resolver, and is held back from
// the push). A 410 makes it pull from 0, and a pull from 0 forgets synced records the server no
// longer has. One unit of the engine (engine_context.hpp); the pusher calls it after a 409.
#pragma once

#include "client/engine_context.hpp"
#include "client/sync_wire.hpp"

#include <string>
#include <utility>

namespace synclog::client {

class Puller {
 public:
  explicit Puller(EngineContext& ctx)
      : ctx_(ctx), store_(ctx.store), options_(ctx.options), report_(ctx.report),
        progress_(ctx.progress), push_head_(ctx.push_head) {}
  /// Brings the device up to the server's head; the cursor moves with each page applied.
  Status pull();

 private:
  Status forget_unseen();
  Status apply_entry(const PullEntry& e);
  Status needs_user(const PullEntry& e, std::optional<std::string_view> server,
                    const std::optional<std::string>& local, ConflictRecord row);

  EngineContext& ctx_;
  SyncQueue& store_;
  const SyncOptions& options_;
  SyncReport& report_;
  SyncProgress& progress_;
  std::int64_t& push_head_;
};

}  // namespace synclog::client
