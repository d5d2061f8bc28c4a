// The per-user pusher (pusher.hpp).
#include "client/pusher.hpp"

#include "common/ids.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <set>

namespace synclog::client {
namespace {

namespace json = boost::json;

// The largest push body the engine builds: under the server's default 1 MiB limit, with room
// for its headers. A batch over it is halved; one mutation over it alone is refused locally.
constexpr std::size_t kMaxPushBodyBytes = 900 * 1024;

bool is_field_mode_target(std::string_view target) {
  return target.find("conflictMode=field") != std::string_view::npos;
}

// A NOTE UPDATE sent without `body` (which only field mode allows) that the server refused
// naming `body`: a server that does not know field mode.
bool refused_for_omitted_body(const InflightBatch& batch, std::size_t index,
                              std::string_view message) {
  const QueuedMutation& m = batch.mutations[index];
  if (m.resource != Resource::kNote || m.type != MutationType::kUpdate ||
      message.find("body") == std::string_view::npos) {
    return false;
  }
  boost::system::error_code ec;
  const json::value sent = json::parse(batch.body, ec);
  if (ec || !sent.is_object()) return false;
  const auto* items = sent.as_object().if_contains("mutations");
  if (!items || !items->is_array() || index >= items->as_array().size()) return false;
  const auto& item = items->as_array()[index];
  const auto* data = item.is_object() ? item.as_object().if_contains("data") : nullptr;
  return data && data->is_object() && !data->as_object().contains("body");
}

}  // namespace

Result<BatchOutcome> Pusher::send_batch(const InflightBatch& batch) {
  HttpRequest req = ctx_.request("POST", batch.target);
  req.headers.emplace_back("content-type", "application/json");
  req.headers.emplace_back("idempotency-key", batch.key);
  req.body = batch.body;
  // On failure the batch stays in flight: the next sync() sends it again first.
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, ctx_.send(req));
  if (r.status == 200) {
    SYNCLOG_ASSIGN_OR_RETURN(PushAnswer answer, parse_push_answer(r.body));
    if (is_field_mode_target(batch.target) && !answer.acks.empty()) {
      SYNCLOG_RETURN_IF_ERROR(store_.set_server_field_mode(answer.has_outcomes));
    }
    // The pull cursor stays: the server may have done more than the acks say (a collection's
    // cascade, the previous reading bookmark cleared, derived fields, another device's fields
    // a merge kept), and the pull after the push brings it. The next batch chains on this
    // answer's head.
    // The acks and the re-keying of adopted records commit together: a batch settled without
    // its adoptions would leave a record under a local id that nothing queues or re-keys any
    // more. If the commit fails, the batch is still in flight and is sent again.
    std::vector<AdoptedId> adopted;
    const Status settled = store_.transaction([&]() -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(adopted, store_.finish_batch(batch.key, answer.acks, 0));
      for (const auto& a : adopted) SYNCLOG_RETURN_IF_ERROR(adopt(a));
      return Status();
    });
    if (!settled.ok()) {
      ctx_.drop_events();
      return settled.error();
    }
    push_head_ = answer.last_mutation_at;
    std::int64_t conflicts = 0;
    for (std::size_t i = 0; i < batch.mutations.size(); ++i) {
      const QueuedMutation& m = batch.mutations[i];
      const AckOutcome outcome = answer.acks[i].outcome;  // finish_batch checked the count
      if (outcome == AckOutcome::kConflict) {
        ++conflicts;
        continue;
      }
      ++report_.pushed;
      const bool was_adopted = std::any_of(adopted.begin(), adopted.end(), [&](const auto& a) {
        return a.resource == m.resource && a.local_id == m.id;
      });
      if (was_adopted) continue;
      ctx_.event(Outcome::kSynced, m.resource, m.id,
            outcome == AckOutcome::kMerged
                ? "pushed to the server, which kept another device's changes of other fields"
                : "pushed to the server");
    }
    report_.server_conflicts += conflicts;
    ++report_.batches;
    ctx_.emit_events();
    progress_.phase = SyncProgress::Phase::kPush;
    progress_.batches_pushed = report_.batches;
    progress_.mutations_pushed = report_.pushed;
    SYNCLOG_ASSIGN_OR_RETURN(progress_.queued, store_.queue_length());
    ctx_.emit_progress();
    return conflicts > 0 ? BatchOutcome::kConflicts : BatchOutcome::kAcked;
  }
  if (r.status == 409) {
    SYNCLOG_RETURN_IF_ERROR(store_.abandon_batch(batch.key));
    return BatchOutcome::kOutOfSync;
  }
  if (r.status == 422 || r.status == 404) {
    const std::string message = error_message(r.body);
    SYNCLOG_RETURN_IF_ERROR(store_.abandon_batch(batch.key));
    // A key the server already used for another request (a batch rebuilt after its answer was
    // purged): the mutations are fine, the next round sends them under a fresh key.
    if (message.find("Idempotency-Key") != std::string::npos) return BatchOutcome::kOutOfSync;
    const auto index = refused_index(message);
    if (!index || *index >= batch.mutations.size()) return server_error(r, "push");
    if (refused_for_omitted_body(batch, *index, message)) {
      SYNCLOG_RETURN_IF_ERROR(store_.set_server_field_mode(false));
      return BatchOutcome::kOutOfSync;
    }
    SYNCLOG_RETURN_IF_ERROR(refuse(batch.mutations[*index], message));
    return BatchOutcome::kRefused;
  }
  if (r.status == 413) {
    SYNCLOG_RETURN_IF_ERROR(store_.abandon_batch(batch.key));
    if (batch.mutations.size() > 1) return BatchOutcome::kTooLarge;
    SYNCLOG_RETURN_IF_ERROR(refuse(batch.mutations.front(), "it is larger than the server accepts"));
    return BatchOutcome::kRefused;
  }
  if (r.status == 403) {
    // A scope the token lacks for one mutation: that one is refused, the others go on.
    const std::string message = error_message(r.body);
    SYNCLOG_RETURN_IF_ERROR(store_.abandon_batch(batch.key));
    const auto index = refused_index(message);
    if (index && *index < batch.mutations.size()) {
      SYNCLOG_RETURN_IF_ERROR(refuse(batch.mutations[*index], message));
      return BatchOutcome::kRefused;
    }
    return server_error(r, "push");
  }
  if (r.status >= 400 && r.status < 500 && r.status != 408 && r.status != 429 && r.status != 401) {
    // Any other refusal would be refused again forever: the batch leaves the flight (its
    // mutations stay queued) so that pulls and later pushes are not blocked behind it.
    SYNCLOG_RETURN_IF_ERROR(store_.abandon_batch(batch.key));
  }
  return server_error(r, "push");
}

// The server refused `m` (master data gone, e.g. a bookmark into a collection another device
// deleted): it leaves the queue, loudly.
Status Pusher::refuse(const QueuedMutation& m, const std::string& message) {
  const Status done = store_.transaction([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto stored, store_.get_stored(m.resource, m.id));
    SYNCLOG_ASSIGN_OR_RETURN(Strategy strategy, store_.strategy(m.resource));
    ConflictRecord row;
    row.resource = m.resource;
    row.id = m.id;
    row.strategy = strategy;
    row.outcome = Outcome::kNeedsUser;
    row.local = m.type == MutationType::kDelete ? "null" : m.data;
    row.server = "null";
    row.reason = "The server refused this " + std::string(mutation_type_name(m.type)) +
                 " and it was taken out of the queue: " + message;
    SYNCLOG_ASSIGN_OR_RETURN(std::int64_t seq, store_.append_conflict(row));
    SYNCLOG_RETURN_IF_ERROR(store_.drop_pending(m.resource, m.id).status());
    // Never on the server: the device forgets it too (the log row keeps its data). On the
    // server: the device goes back to the server's state, so it does not drift from the other
    // devices (the log row keeps what was refused).
    if (stored && stored->record.version == 0) {
      SYNCLOG_RETURN_IF_ERROR(store_.apply_server(m.resource, m.id, std::nullopt, 0));
    } else if (stored && !stored->base.empty()) {
      SYNCLOG_RETURN_IF_ERROR(
          store_.apply_server(m.resource, m.id, std::string_view(stored->base), stored->record.version));
    }
    ++report_.needs_user;
    ctx_.event(Outcome::kNeedsUser, m.resource, m.id, row.reason, seq);
    return Status();
  });
  if (!done.ok()) {
    ctx_.drop_events();
    return done;
  }
  ctx_.emit_events();
  return Status();
}

// A BOOKMARK CREATE the server matched to an existing bookmark (same details): the device
// re-keys its record to the server's id, and memberships it queued for the old id follow.
Status Pusher::adopt(const AdoptedId& a) {
  return store_.transaction([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto stored, store_.get_stored(a.resource, a.local_id));
    SYNCLOG_ASSIGN_OR_RETURN(auto later, store_.pending_for(a.resource, a.local_id));
    SYNCLOG_ASSIGN_OR_RETURN(auto taken, store_.pending_for(a.resource, a.server_id));
    ConflictRecord row;
    row.resource = a.resource;
    row.id = a.local_id;
    SYNCLOG_ASSIGN_OR_RETURN(row.strategy, store_.strategy(a.resource));
    row.local = stored ? stored->record.data : "null";
    row.server = "null";
    if (!stored || !later.empty() || !taken.empty()) {
      // Edited again since it was pushed, or the server's id has local edits too: which state
      // wins is the user's call.
      row.outcome = Outcome::kNeedsUser;
      row.reason = "The server already had this bookmark as " + a.server_id +
                   "; the device keeps it as " + a.local_id + " until the user settles it";
      SYNCLOG_ASSIGN_OR_RETURN(std::int64_t seq, store_.append_conflict(row));
      ++report_.needs_user;
      ctx_.event(Outcome::kNeedsUser, a.resource, a.local_id, row.reason, seq);
      return Status();
    }
    SYNCLOG_RETURN_IF_ERROR(store_.apply_server(a.resource, a.local_id, std::nullopt, 0));
    SYNCLOG_RETURN_IF_ERROR(
        store_.apply_server(a.resource, a.server_id, stored->record.data, a.timestamp));
    if (a.resource == Resource::kBookmark) {
      SYNCLOG_ASSIGN_OR_RETURN(auto memberships, store_.list(Resource::kCollectionBookmark));
      for (const auto& mb : memberships) {
        boost::system::error_code ec;
        json::value v = json::parse(mb.data, ec);
        if (ec || !v.is_object()) continue;
        auto& o = v.as_object();
        const auto* b = o.if_contains("bookmarkId");
        if (!b || !b->is_string() || b->as_string() != a.local_id) continue;
        // The server never had a membership of the local id: re-queue it for the server's.
        SYNCLOG_RETURN_IF_ERROR(store_.drop_pending(Resource::kCollectionBookmark, mb.id).status());
        SYNCLOG_RETURN_IF_ERROR(
            store_.apply_server(Resource::kCollectionBookmark, mb.id, std::nullopt, 0));
        o["bookmarkId"] = a.server_id;
        SYNCLOG_RETURN_IF_ERROR(
            store_.put(Resource::kCollectionBookmark, json::serialize(o)).status());
      }
    }
    row.outcome = Outcome::kMerged;
    row.result = stored->record.data;
    row.resolved = true;
    row.reason = "The server already had this bookmark as " + a.server_id +
                 "; the device now uses that id";
    SYNCLOG_ASSIGN_OR_RETURN(std::int64_t seq, store_.append_conflict(row));
    ++report_.conflicts;
    ctx_.event(Outcome::kMerged, a.resource, a.server_id, row.reason, seq);
    return Status();
  });
}

// A membership CREATE naming a bookmark created in the same batch and never synced is cut off
// with everything after it: the server may match that bookmark to one it has (same details)
// and ack another id, which the membership must then name (adopt() re-keys it for the next
// batch). Ordering puts bookmarks before memberships, so the cut keeps the bookmark.
void Pusher::cut_before_unsynced_bookmark_references(
    std::vector<QueuedMutation>& mutations) {
  std::set<std::string> new_bookmarks;
  for (std::size_t i = 0; i < mutations.size(); ++i) {
    const auto& m = mutations[i];
    if (m.resource == Resource::kBookmark && m.type == MutationType::kCreate && m.base_version == 0) {
      new_bookmarks.insert(m.id);
    } else if (m.resource == Resource::kCollectionBookmark && m.type == MutationType::kCreate) {
      boost::system::error_code ec;
      const json::value v = json::parse(m.data, ec);
      const auto* b = !ec && v.is_object() ? v.as_object().if_contains("bookmarkId") : nullptr;
      if (i > 0 && b && b->is_string() && new_bookmarks.count(std::string(b->as_string()))) {
        mutations.resize(i);
        return;
      }
    }
  }
}

// The request body for `mutations`, formed once, when the batch is (a retry resends it as is).
// `cursor`: what the device has seen of the server.
Result<std::string> Pusher::batch_body(const std::vector<QueuedMutation>& mutations,
                                       std::int64_t cursor) {
  if (!options_.field_mode) return push_body(mutations);
  SYNCLOG_ASSIGN_OR_RETURN(auto known, store_.server_field_mode());
  const bool partial = known.value_or(true);
  std::vector<FieldBase> bases;
  for (const auto& m : mutations) {
    FieldBase b;
    b.version = m.base_version > 0 ? m.base_version : cursor;
    if (partial && m.type == MutationType::kUpdate && m.base_version > 0) {
      SYNCLOG_ASSIGN_OR_RETURN(auto stored, store_.get_stored(m.resource, m.id));
      // The base the UPDATE was written on; a record rebased since sends its whole state.
      if (stored && stored->record.version == m.base_version && !stored->base.empty()) {
        b.data = std::move(stored->base);
      }
    }
    bases.push_back(std::move(b));
  }
  return field_push_body(mutations, bases);
}

// Pushes the queue in batches, pulling again after each 409 or batch with conflicts.
Status Pusher::push() {
  int rounds = 0;
  std::size_t max_mutations = kMaxBatchMutations;
  for (;;) {
    InflightBatch batch;
    // Chosen and marked in flight in one local transaction: a write another handle on the file
    // makes meanwhile either lands before (and is in the body) or after (and waits).
    const Status chosen = store_.transaction([&]() -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(auto mutations, store_.next_batch(max_mutations));
      cut_before_unsynced_bookmark_references(mutations);
      SYNCLOG_ASSIGN_OR_RETURN(std::int64_t cursor, store_.cursor());
      SYNCLOG_ASSIGN_OR_RETURN(std::string body, batch_body(mutations, cursor));
      while (body.size() > kMaxPushBodyBytes && mutations.size() > 1) {
        mutations.resize(mutations.size() / 2);
        SYNCLOG_ASSIGN_OR_RETURN(body, batch_body(mutations, cursor));
      }
      if (mutations.empty()) return Status();
      const std::int64_t head = push_head_ > 0 ? push_head_ : cursor;
      batch.key = "sync-" + new_resource_id();
      batch.target = std::string(options_.field_mode ? "/v1/sync?conflictMode=field&"
                                                    : "/v1/sync?") +
                     "lastMutationAt=" + std::to_string(head > 0 ? head : -1);
      batch.body = std::move(body);
      std::vector<std::int64_t> seqs;
      for (const auto& m : mutations) seqs.push_back(m.seq);
      batch.mutations = std::move(mutations);
      if (batch.body.size() > kMaxPushBodyBytes) return Status();  // refused below, alone
      return store_.begin_batch(batch.key, batch.target, batch.body, seqs);
    });
    SYNCLOG_RETURN_IF_ERROR(chosen);
    if (batch.mutations.empty()) break;
    if (batch.body.size() > kMaxPushBodyBytes) {
      SYNCLOG_RETURN_IF_ERROR(refuse(batch.mutations.front(), "it is larger than the server accepts"));
      continue;
    }
    SYNCLOG_ASSIGN_OR_RETURN(BatchOutcome o, send_batch(batch));
    if (o == BatchOutcome::kTooLarge) {
      max_mutations = std::max<std::size_t>(1, batch.mutations.size() / 2);
      continue;
    }
    if (o == BatchOutcome::kOutOfSync || o == BatchOutcome::kConflicts) {
      if (o == BatchOutcome::kOutOfSync) ++report_.out_of_sync;
      if (++rounds > options_.max_conflict_rounds) {
        return make_error(ErrorCode::kOutOfSync,
                          "the server kept moving: gave up after " +
                              std::to_string(rounds) + " rounds (everything stays queued)");
      }
      SYNCLOG_RETURN_IF_ERROR(puller_.pull());
    }
  }
  return Status();
}

}  // namespace synclog::client
