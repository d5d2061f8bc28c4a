// Pushing a shared space's queue (space_pusher.hpp).
#include "client/space_pusher.hpp"

#include "client/sync_wire.hpp"
#include "client/json_answer.hpp"
#include "client/space_wire.hpp"
#include "common/ids.hpp"

#include <algorithm>
#include <optional>

namespace synclog::client {
namespace {

// As the per-user engine: under the server's default 1 MiB body limit, with room for headers.
constexpr std::size_t kMaxSpacePushBytes = 900 * 1024;
constexpr std::size_t kMaxSpaceBatch = 100;

HttpRequest post(const SpaceBatch& batch) {
  HttpRequest req;
  req.method = "POST";
  req.target = batch.target;
  req.body = batch.body;
  req.headers = {{"content-type", "application/json"}, {"idempotency-key", batch.key}};
  return req;
}

}  // namespace

std::string SpacePusher::target(const SpaceRow& row) const {
  return "/v1/spaces/" + row.id + "/sync?conflictMode=field&lastMutationAt=" +
         std::to_string(row.cursor > 0 ? row.cursor : -1);
}

Result<SpaceStep> SpacePusher::send(SpaceRow& row, const SpaceBatch& batch) {
  HttpRequest req = post(batch);
  add_schema_header(ctx_.file, row, req);
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, ctx_.send(std::move(req)));
  std::vector<SyncEvent> events;
  if (r.status == 413 || r.status == 422) {
    // The server refused the batch as a whole (its envelope, its size): nothing of it was
    // applied. The edit a 422 names is refused and the rest goes again, so one bad edit never
    // wedges the queue; a 413 of several edits is split by the caller. In one transaction, so
    // that an edit made meanwhile is never dropped with the refused one.
    const std::string message = error_message(r.body);
    const auto index = refused_index(message);
    const bool one_named = r.status == 422 && index && *index < batch.edits.size();
    const bool one_too_large = r.status == 413 && batch.edits.size() == 1;
    std::optional<SyncEvent> refused;
    const Status settled = ctx_.file.atomically([&]() -> Status {
      SYNCLOG_RETURN_IF_ERROR(ctx_.file.abandon_batch(batch.key));
      if (!one_named && !one_too_large) return Status();
      SYNCLOG_ASSIGN_OR_RETURN(
          refused, ctx_.file.reject(batch.edits[one_named ? *index : 0], "validation", "", message));
      return Status();
    });
    SYNCLOG_RETURN_IF_ERROR(settled);
    if (refused) {
      ctx_.event(*refused);
      return SpaceStep::kDone;
    }
    if (r.status == 413) return SpaceStep::kDone;  // halved by the caller
    // A refusal that names no edit of the batch (a header, the envelope): refusing every edit
    // for it would throw away good ones; they stay queued, and this space's sync fails.
    return make_error(ErrorCode::kValidation, "pushing to space " + row.id + ": " + message);
  }
  SYNCLOG_ASSIGN_OR_RETURN(SpaceStep step, space_answer(r, "pushing to space " + row.id, min_version_));
  if (step == SpaceStep::kUpgradeRequired || step == SpaceStep::kResync) {
    SYNCLOG_RETURN_IF_ERROR(ctx_.file.abandon_batch(batch.key));
    if (step == SpaceStep::kUpgradeRequired) row.needed_version = min_version_;
  }
  // kGone keeps the batch in flight: the purge moves it to the quarantine with the rest.
  if (step != SpaceStep::kDone) return step;
  auto answer = parse_space_push(r.body);
  if (answer.ok() && answer->acks.size() != batch.edits.size()) {
    answer = bad_answer(std::to_string(answer->acks.size()) + " acks for " +
                        std::to_string(batch.edits.size()) + " edits");
  }
  if (!answer.ok()) {
    // An answer this SDK cannot read would be replayed, the same, for the same key forever:
    // the edits go back to the queue and the next sync sends them under a new key (the server
    // never counts a device's own change against it; client-chosen ids make a CREATE again an
    // upsert). A local failure to settle a readable answer (below) keeps the batch in flight
    // instead: sent again, it is answered again, and applied once.
    SYNCLOG_RETURN_IF_ERROR(ctx_.file.abandon_batch(batch.key));
    return answer.error();
  }
  SYNCLOG_ASSIGN_OR_RETURN(events, ctx_.file.finish_batch(batch, answer->acks));
  ++ctx_.report().space_batches;
  for (const auto& ev : events) {
    if (ev.kind == "applied" || ev.kind == "softMerged" || ev.kind == "settled" ||
        ev.kind == "merged") {
      ++ctx_.report().space_pushed;
    }
    if (ev.outcome == Outcome::kNeedsUser) ++ctx_.report().needs_user;
    if (ev.kind == "conflict") ++ctx_.report().server_conflicts;
    ctx_.event(ev);
  }
  return SpaceStep::kDone;
}

Result<bool> SpacePusher::presync(SpaceRow& row, const std::vector<SpaceEdit>& edits) {
  HttpRequest req;
  req.method = "POST";
  req.target = target(row) + "&dryRun=true";
  req.body = space_push_body(edits, row.cursor);
  req.headers = {{"content-type", "application/json"}};
  add_schema_header(ctx_.file, row, req);
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, ctx_.send(std::move(req)));
  std::int64_t ignored = 0;
  if (r.status != 200) {
    // The real push will meet the same answer and handle it; a check is only advice.
    (void)space_answer(r, "checking space " + row.id, ignored);
    return true;
  }
  SYNCLOG_ASSIGN_OR_RETURN(SpacePushAnswer answer, parse_space_push(r.body));
  std::vector<SyncEvent> problems;
  for (std::size_t i = 0; i < answer.acks.size() && i < edits.size(); ++i) {
    const SpaceAck& a = answer.acks[i];
    if (a.outcome != "conflict" && a.outcome != "rejected") continue;
    SyncEvent ev;
    ev.outcome = Outcome::kNeedsUser;
    ev.kind = "presync";
    ev.space = row.id;
    ev.type = edits[i].type;
    ev.id = edits[i].id;
    ev.fields = a.fields;
    if (a.outcome == "rejected" && !a.field.empty()) ev.fields = {a.field};
    ev.reason = a.outcome == "conflict"
                    ? "Would conflict: someone else changed the same fields."
                    : "Would be refused: " + a.message + " " + rejection_advice(a.reason, a.field);
    problems.push_back(std::move(ev));
  }
  for (const auto& ev : problems) ctx_.event(ev);
  if (problems.empty() || !ctx_.engine.presync_check) return true;
  return ctx_.engine.presync_check(problems);
}

Result<SpaceStep> SpacePusher::push(SpaceRow& row, bool& pushed) {
  pushed = false;
  SYNCLOG_ASSIGN_OR_RETURN(auto inflight, ctx_.file.inflight(row.id));
  if (inflight) {
    // Exactly what was sent, under its key: the server answers it again if it applied it.
    pushed = true;
    SYNCLOG_ASSIGN_OR_RETURN(SpaceStep step, send(row, *inflight));
    if (step != SpaceStep::kDone) return step;
  }
  const std::int64_t offline_for = ctx_.engine.now_ms() - ctx_.last_sync_ms;
  bool check = ctx_.options().presync_after.count() > 0 && ctx_.last_sync_ms > 0 &&
               offline_for > ctx_.options().presync_after.count();
  std::size_t max = kMaxSpaceBatch;
  // Each round sends a batch, and every batch answered takes edits out of the queue or halves
  // the next one; a server that neither takes nor refuses would otherwise keep this loop going.
  SYNCLOG_ASSIGN_OR_RETURN(const std::int64_t queued, ctx_.file.pending_count(row.id));
  const std::int64_t max_rounds = 2 * queued + 16;
  for (std::int64_t round = 0;; ++round) {
    if (round > max_rounds) {
      return make_error(ErrorCode::kUnavailable,
                        "pushing to space " + row.id + ": the server took nothing in " +
                            std::to_string(round) + " rounds (everything stays queued)");
    }
    if (check) {
      // Asked before the batch is chosen: the person may take a while to answer, and the
      // batch must be what the queue holds when it is marked.
      check = false;
      SYNCLOG_ASSIGN_OR_RETURN(auto preview, ctx_.file.next_edits(row.id, max));
      if (!preview.empty()) {
        SYNCLOG_ASSIGN_OR_RETURN(bool go_on, presync(row, preview));
        if (!go_on) return SpaceStep::kDone;
      }
    }
    SpaceBatch batch;
    std::optional<SyncEvent> too_large;
    // Chosen, formed and marked in flight in one local transaction: an edit the app makes
    // meanwhile lands before (and is in the body) or after (and waits for the next batch).
    const Status chosen = ctx_.file.atomically([&]() -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(batch.edits, ctx_.file.next_edits(row.id, max));
      if (batch.edits.empty()) return Status();
      batch.body = space_push_body(batch.edits, row.cursor);
      while (batch.body.size() > kMaxSpacePushBytes && batch.edits.size() > 1) {
        batch.edits.resize(batch.edits.size() / 2);
        batch.body = space_push_body(batch.edits, row.cursor);
      }
      if (batch.body.size() > kMaxSpacePushBytes) {
        SYNCLOG_ASSIGN_OR_RETURN(too_large,
                                 ctx_.file.reject(batch.edits.front(), "validation", "",
                                                  "The edit is larger than the server accepts."));
        return Status();
      }
      batch.key = "space-" + new_resource_id();
      batch.space = row.id;
      batch.target = target(row);
      return ctx_.file.begin_batch(batch);
    });
    SYNCLOG_RETURN_IF_ERROR(chosen);
    if (too_large) {
      ctx_.event(*too_large);
      continue;
    }
    if (batch.edits.empty()) return SpaceStep::kDone;
    pushed = true;
    const std::size_t sent = batch.edits.size();
    SYNCLOG_ASSIGN_OR_RETURN(SpaceStep step, send(row, batch));
    if (step != SpaceStep::kDone) return step;
    // A batch too large for the server goes again in halves.
    SYNCLOG_ASSIGN_OR_RETURN(auto still, ctx_.file.next_edits(row.id, 1));
    if (!still.empty() && still.front().seq == batch.edits.front().seq) {
      max = std::max<std::size_t>(1, sent / 2);
    }
  }
}

}  // namespace synclog::client
