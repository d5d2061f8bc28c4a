// The per-user puller (puller.hpp).
#include "client/puller.hpp"

#include "client/resolve.hpp"

namespace synclog::client {
namespace {

constexpr std::string_view kResources =
    "BOOKMARK,COLLECTION,COLLECTION_BOOKMARK,NOTE,READING_SESSION";

std::string text_or_null(const std::optional<std::string_view>& v) {
  return v ? std::string(*v) : std::string("null");
}

}  // namespace

Status Puller::pull() {
  push_head_ = 0;  // after this pull the cursor is the server's head
  SYNCLOG_ASSIGN_OR_RETURN(std::int64_t cursor, store_.cursor());
  // A pull from 0 (a first sync, a 410) is noted in the file, with what it has yet to bring, so
  // that one cut short by a lost network or a crash still ends by forgetting what the server
  // no longer has.
  SYNCLOG_ASSIGN_OR_RETURN(bool from_zero, store_.resyncing());
  if (!from_zero && cursor <= 0) {
    SYNCLOG_RETURN_IF_ERROR(store_.begin_resync());
    from_zero = true;
  }
  std::int64_t pulled_before_page = 0;
  progress_.phase = SyncProgress::Phase::kPull;
  for (;;) {
    auto r = ctx_.send(ctx_.request("GET", "/v1/sync?mutationsSince=" + std::to_string(cursor) +
                                     "&resources=" + std::string(kResources)));
    if (!r.ok()) return r.error();
    if (r->status == 410) {
      if (cursor == 0) return server_error(*r, "pull");  // cannot happen: 0 is never too old
      SYNCLOG_RETURN_IF_ERROR(store_.begin_resync());
      cursor = 0;
      from_zero = true;
      report_.resynced = true;
      continue;
    }
    if (r->status != 200) return server_error(*r, "pull");
    SYNCLOG_ASSIGN_OR_RETURN(PullPage page, parse_pull(r->body));
    const Status applied = store_.transaction([&]() -> Status {
      for (const auto& e : page.entries) {
        SYNCLOG_RETURN_IF_ERROR(apply_entry(e));
        if (from_zero) SYNCLOG_RETURN_IF_ERROR(store_.seen_in_resync(e.resource, e.id));
      }
      return store_.set_cursor(page.last_mutation_at);
    });
    if (!applied.ok()) {
      ctx_.drop_events();
      return applied;
    }
    ctx_.emit_events();
    report_.pulled += static_cast<std::int64_t>(page.entries.size());
    progress_.pulled = report_.pulled;
    progress_.total = pulled_before_page + page.total;
    pulled_before_page += static_cast<std::int64_t>(page.entries.size());
    SYNCLOG_ASSIGN_OR_RETURN(progress_.queued, store_.queue_length());
    ctx_.emit_progress();
    // A cursor that does not move forward would loop forever; the server never does that with
    // hasMore (each capped page holds at least one entry), but the device must not hang.
    const bool moved = page.last_mutation_at > cursor;
    cursor = page.last_mutation_at;
    if (!page.has_more || !moved) break;
  }
  if (from_zero) return forget_unseen();
  return Status();
}

// After a complete pull from 0: a synced record with nothing queued that no page brought is
// gone on the server. Forgotten, and the pull from 0 ended, in one commit.
Status Puller::forget_unseen() {
  const Status done = store_.transaction([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto unseen, store_.unseen_in_resync());
    for (const auto& [res, id] : unseen) {
      SYNCLOG_ASSIGN_OR_RETURN(auto stored, store_.get_stored(res, id));
      if (!stored || stored->record.version == 0 || stored->record.pending) continue;
      SYNCLOG_RETURN_IF_ERROR(store_.apply_server(res, id, std::nullopt, stored->record.version));
      ctx_.event(Outcome::kSynced, res, id, "gone from the server (found by a full resync)");
    }
    return store_.end_resync();
  });
  if (!done.ok()) {
    ctx_.drop_events();
    return done;
  }
  ctx_.emit_events();
  return Status();
}

Status Puller::apply_entry(const PullEntry& e) {
  const std::optional<std::string_view> server =
      e.data ? std::optional<std::string_view>(*e.data) : std::nullopt;
  SYNCLOG_ASSIGN_OR_RETURN(auto pending, store_.pending_for(e.resource, e.id));
  if (pending.empty()) {
    SYNCLOG_RETURN_IF_ERROR(store_.apply_server(e.resource, e.id, server, e.timestamp));
    ctx_.event(Outcome::kSynced, e.resource, e.id, "updated from the server");
    return Status();
  }
  // The server has not changed the record since the local edits began (a resync pulling what
  // the device already has): nothing clashes.
  if (e.timestamp <= pending.front().base_version) return Status();

  SYNCLOG_ASSIGN_OR_RETURN(Strategy strategy, store_.strategy(e.resource));
  SYNCLOG_ASSIGN_OR_RETURN(auto stored, store_.get_stored(e.resource, e.id));
  const QueuedMutation& last = pending.back();
  ConflictSides sides;
  if (stored && !stored->base.empty()) sides.base = stored->base;
  std::optional<std::string> local;
  if (last.type != MutationType::kDelete) local = stored ? stored->record.data : last.data;
  if (local) sides.local = *local;
  sides.server = server;
  if (last.type == MutationType::kDelete) sides.local_deleted_at_ms = last.client_updated_at;
  if (!server) sides.server_deleted_at_ms = e.timestamp;
  const Resolution res = resolve_conflict(strategy, sides);

  ConflictRecord row;
  row.resource = e.resource;
  row.id = e.id;
  row.strategy = strategy;
  row.outcome = res.outcome;
  row.local = local ? *local : "null";
  row.server = text_or_null(server);
  row.clashing_fields = res.clashing_fields;
  row.reason = res.reason;

  if (res.outcome == Outcome::kNeedsUser) return needs_user(e, server, local, row);

  if (res.push) {
    const std::optional<std::string_view> keep =
        res.data ? std::optional<std::string_view>(*res.data) : std::nullopt;
    SYNCLOG_RETURN_IF_ERROR(
        store_.replace_pending(e.resource, e.id, *res.push, keep, server, e.timestamp));
  } else {
    SYNCLOG_RETURN_IF_ERROR(store_.drop_pending(e.resource, e.id).status());
    const std::optional<std::string_view> keep =
        res.data ? std::optional<std::string_view>(*res.data) : std::nullopt;
    SYNCLOG_RETURN_IF_ERROR(store_.apply_server(e.resource, e.id, keep, e.timestamp));
  }
  if (res.outcome == Outcome::kSynced) {
    // Overlapping edits that agree: no conflict, no log row.
    ctx_.event(Outcome::kSynced, e.resource, e.id, res.reason);
    return Status();
  }
  row.result = res.data ? *res.data : "null";
  row.resolved = true;
  SYNCLOG_ASSIGN_OR_RETURN(std::int64_t seq, store_.append_conflict(row));
  ++report_.conflicts;
  ctx_.event(Outcome::kMerged, e.resource, e.id, res.reason, seq);
  return Status();
}

// A conflict only the user can settle: logged, offered to the manual resolver, and, without an
// answer, held back from the push with the local state kept.
Status Puller::needs_user(const PullEntry& e, std::optional<std::string_view> server,
                          const std::optional<std::string>& local, ConflictRecord row) {
  SYNCLOG_ASSIGN_OR_RETURN(row.seq, store_.append_conflict(row));
  std::optional<std::string> answer;
  if (ctx_.resolver) answer = ctx_.resolver(row);
  if (answer) {
    const Status settled = store_.transaction([&]() -> Status {
      if (*answer == "null") {
        if (!server) {
          SYNCLOG_RETURN_IF_ERROR(store_.drop_pending(e.resource, e.id).status());
          SYNCLOG_RETURN_IF_ERROR(
              store_.apply_server(e.resource, e.id, std::nullopt, e.timestamp));
        } else {
          SYNCLOG_RETURN_IF_ERROR(store_.replace_pending(e.resource, e.id, MutationType::kDelete,
                                                        std::nullopt, server, e.timestamp));
        }
      } else {
        const auto type = server ? MutationType::kUpdate : MutationType::kCreate;
        SYNCLOG_RETURN_IF_ERROR(store_.replace_pending(e.resource, e.id, type,
                                                      std::string_view(*answer), server,
                                                      e.timestamp));
      }
      return store_.mark_resolved(row.seq, *answer);
    });
    if (settled.ok()) {
      ++report_.conflicts;
      ctx_.event(Outcome::kNeedsUser, e.resource, e.id, row.reason + " (settled by the app)",
            row.seq);
      return Status();
    }
    // An answer the store refuses (not a JSON object): the conflict waits, as unanswered.
  }
  const MutationType keep_type = !local   ? MutationType::kDelete
                                 : server ? MutationType::kUpdate
                                          : MutationType::kCreate;
  const std::optional<std::string_view> keep =
      local ? std::optional<std::string_view>(*local) : std::nullopt;
  SYNCLOG_RETURN_IF_ERROR(
      store_.replace_pending(e.resource, e.id, keep_type, keep, server, e.timestamp));
  SYNCLOG_RETURN_IF_ERROR(store_.hold_pending(e.resource, e.id, row.seq));
  ++report_.needs_user;
  ctx_.event(Outcome::kNeedsUser, e.resource, e.id, row.reason, row.seq);
  return Status();
}

}  // namespace synclog::client
