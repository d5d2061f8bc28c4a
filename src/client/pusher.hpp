// The per-user pusher (docs/client.md, "Pushing in field mode"): chooses batches from the queue
// (dependencies first, at most 100, under the server's body limit), stores each with its
// Idempotency-Key before sending it, sends a batch left in flight by a crash exactly as it was,
// and settles the answer: acks leave the queue, conflicts wait for the puller's settle, a
// refused mutation leaves the queue for the conflict log with its data, a 409 pulls and goes
// again, a bookmark the server matched to one it had is re-keyed. One unit of the engine
// (engine_context.hpp).
#pragma once

#include "client/engine_context.hpp"
#include "client/puller.hpp"

#include <string>
#include <vector>

namespace synclog::client {

/// How a batch ended. kConflicts: acked, but the server applied some mutations only (field
/// mode); the others wait, queued, for a pull to settle them.
enum class BatchOutcome { kAcked, kConflicts, kOutOfSync, kRefused, kTooLarge };

class Pusher {
 public:
  Pusher(EngineContext& ctx, Puller& puller)
      : ctx_(ctx), puller_(puller), store_(ctx.store), options_(ctx.options),
        report_(ctx.report), progress_(ctx.progress), push_head_(ctx.push_head) {}
  /// Sends `batch` (stored in flight already) and settles the answer. On failure the batch
  /// stays in flight: the next sync() sends it again first.
  Result<BatchOutcome> send_batch(const InflightBatch& batch);
  /// Pushes the queue until it is empty or only waits for the person.
  Status push();

 private:
  Status refuse(const QueuedMutation& m, const std::string& message);
  Status adopt(const AdoptedId& a);
  static void cut_before_unsynced_bookmark_references(std::vector<QueuedMutation>& mutations);
  Result<std::string> batch_body(const std::vector<QueuedMutation>& mutations, std::int64_t cursor);

  EngineContext& ctx_;
  Puller& puller_;
  SyncQueue& store_;
  const SyncOptions& options_;
  SyncReport& report_;
  SyncProgress& progress_;
  std::int64_t& push_head_;
};

}  // namespace synclog::client
