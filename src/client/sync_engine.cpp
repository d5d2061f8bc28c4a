// The sync engine (docs/client.md, "Sync: pull -> apply -> push"). One sync():
//   1. settles a batch left in flight by an earlier sync or a crashed process (the same request,
//      byte for byte, under its Idempotency-Key: the server replays the answer if it applied it);
//   2. pulls by cursor in the capped shape, applying each page in one local transaction with the
//      cursor, settling records that also changed locally with the resource type's strategy;
//   3. pushes the queue in batches, each stored with its key before it is sent, in
//      conflictMode=field (docs/api.md, "Genuine-only conflicts"): each mutation carries its
//      base version as baseTimestamp and an UPDATE only the fields it changed, so the server
//      merges a race with another device's edit of other fields instead of answering 409; a
//      mutation it reports as a conflict stays queued and is settled by the pull that follows,
//      with the resource type's strategy, as a 409 would have been.
// It talks to the server through Transport (synclog/client/transport.hpp) only, so this file
// needs no Beast/Asio. The units (docs/client.md, "The engine's shape"): EngineContext (what they
// share: the file's engine view SyncQueue, the request path, events), Puller, Pusher, and the
// spaces' sync (space_sync.hpp); this file puts them in order and listens.
//
// Decisions where docs/client.md is silent:
//  - The push's lastMutationAt is the cursor, which a completed pull has made the server head
//    (the server gives even a user without mutations a positive head, and a POST with it
//    succeeds: docs/api.md "The clock and the head"), or the head the previous batch's answer
//    left, so a server that ignores conflictMode (the upstream) still takes the next batch
//    without a 409; -1 is sent only if the cursor is still 0. In field mode that value judges
//    nothing: every mutation names its base (its record's version, or the cursor for a record
//    the device never synced, whose absence is all the device saw).
//  - Whole records where the server needs them: a server that answers a field-mode push without
//    outcomes, or refuses a NOTE UPDATE that left out its unchanged body (only field mode allows
//    that), is remembered (LocalStore::server_field_mode) and then gets whole records, as in
//    strict mode; the refused batch is rebuilt under a new key (nothing of it was applied).
//  - A `merged` ack is reported as synced, not as "merged automatically": that event means a
//    conflict a strategy settled, and the server merged edits that never clashed. A `conflict`
//    ack is no event and no conflict-log row by itself: the settle after the pull decides both.
//  - A conflict that needs the user and gets no answer from the manual resolver is rebased on
//    the server's state (so the answer, whenever it comes, is pushed with the right type) and
//    held (LocalStore::hold_pending) until its conflict-log row is resolved.
//  - A refused mutation (422/404 naming "mutation[i]") leaves the queue with the record's other
//    pending mutations (they build on it); a refused CREATE of a record the server never had
//    also leaves the device's records. Its data stays in the needs-user conflict-log row.
//  - A pulled DELETE's time for last-write-wins is the entry's server timestamp (a tombstone
//    carries no clientUpdatedAt).
//  - A pull from 0 (a first sync or a 410 resync) ends by forgetting synced records the server
//    no longer has: their tombstones may have been purged, and the device must converge.
//  - 401/403 on a push leave the batch in flight: nothing was applied, and the same request
//    with a better token is still the right one.
#include "synclog/client/sync_engine.hpp"

#include "client/change_listener.hpp"
#include "client/engine_context.hpp"
#include "client/puller.hpp"
#include "client/pusher.hpp"
#include "client/space_file.hpp"
#include "client/space_sync.hpp"

#include <utility>

namespace synclog::client {

struct SyncEngine::Impl {
  Impl(LocalStore& s, SyncOptions o) : local(s), ctx(s, std::move(o)), puller(ctx), pusher(ctx, puller) {}

  LocalStore& local;
  EngineContext ctx;
  Puller puller;
  Pusher pusher;

  Status listen(const ListenOptions& listen_options, std::stop_token stop) {
    ListenerSeams seams;
    seams.open = [this](HttpRequest req, std::stop_token opening) {
      return ctx.open_stream(std::move(req), std::move(opening));
    };
    seams.cursor = [this] { return ctx.store.cursor(); };
    seams.sync = [this] { return sync(); };
    seams.backoff = [this](int retry, std::optional<std::chrono::milliseconds> base) {
      return ctx.backoff(retry, base);
    };
    seams.wait = wait_or_stop;
    if (ctx.options.spaces) {
      seams.space_cursor = [this](const std::string& space) -> Result<std::int64_t> {
        SYNCLOG_ASSIGN_OR_RETURN(auto row, SpaceFile(local).space(space));
        return row ? row->cursor : 0;
      };
    }
    return ChangeListener(listen_options, std::move(seams)).run(stop);
  }

  Result<SyncReport> sync() {
    SYNCLOG_RETURN_IF_ERROR(ctx.begin_sync());
    SYNCLOG_ASSIGN_OR_RETURN(const std::int64_t last_sync, ctx.store.last_sync_ms());
    // 1. A batch an earlier sync (or process) left in flight goes first, exactly as it was.
    SYNCLOG_ASSIGN_OR_RETURN(auto inflight, ctx.store.inflight_batch());
    if (inflight) {
      SYNCLOG_ASSIGN_OR_RETURN(BatchOutcome o, pusher.send_batch(*inflight));
      if (o == BatchOutcome::kOutOfSync) ++ctx.report.out_of_sync;
    }
    // 2. Pull and apply.
    SYNCLOG_RETURN_IF_ERROR(puller.pull());
    // 3. Push, pulling again after each 409.
    SYNCLOG_RETURN_IF_ERROR(pusher.push());
    // 4. Pull what the pushes did on the server (cascades, derived fields, own entries), so the
    // device ends where the server is.
    if (ctx.push_head > 0) SYNCLOG_RETURN_IF_ERROR(puller.pull());
    // 5. The shared spaces.
    if (ctx.options.spaces) {
      SpaceFile file(local);
      SpaceSyncContext spaces{file, ctx, last_sync};
      SYNCLOG_RETURN_IF_ERROR(sync_spaces(spaces));
    }
    SYNCLOG_RETURN_IF_ERROR(ctx.store.set_last_sync_ms(ctx.now_ms()));
    SYNCLOG_ASSIGN_OR_RETURN(ctx.report.cursor, ctx.store.cursor());
    ctx.end_sync();
    return ctx.report;
  }
};

SyncEngine::SyncEngine(LocalStore& store, SyncOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}
SyncEngine::~SyncEngine() = default;

void SyncEngine::on_progress(std::function<void(const SyncProgress&)> callback) {
  impl_->ctx.progress_cb = std::move(callback);
}
void SyncEngine::on_event(std::function<void(const SyncEvent&)> callback) {
  impl_->ctx.event_cb = std::move(callback);
}
void SyncEngine::set_presync_check(std::function<bool(const std::vector<SyncEvent>&)> check) {
  impl_->ctx.presync_check = std::move(check);
}
void SyncEngine::set_manual_resolver(ManualResolver resolver) {
  impl_->ctx.resolver = std::move(resolver);
}

Result<SyncReport> SyncEngine::sync() { return impl_->sync(); }

Status SyncEngine::listen(const ListenOptions& options, std::stop_token stop) {
  return impl_->listen(options, std::move(stop));
}

}  // namespace synclog::client
