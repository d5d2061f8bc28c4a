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
// It talks to the server through Transport (client/http_transport.hpp) only, so this file needs
// no Beast/Asio.
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
#include "client/http_transport.hpp"
#include "client/resolve.hpp"
#include "client/space_file.hpp"
#include "client/space_sync.hpp"
#include "client/sync_wire.hpp"
#include "common/ids.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <random>
#include <set>
#include <thread>
#include <utility>

namespace synclog::client {
namespace {

namespace json = boost::json;

constexpr std::string_view kResources =
    "BOOKMARK,COLLECTION,COLLECTION_BOOKMARK,NOTE,READING_SESSION";
// Connecting is quick or hopeless: a phone on a dead network should not wait a whole request
// timeout before the first retry.
constexpr std::chrono::milliseconds kMaxConnectTimeout{10'000};

// kConflicts: acked, but the server applied some mutations only (field mode); the others wait,
// queued, for a pull to settle them.
enum class BatchOutcome { kAcked, kConflicts, kOutOfSync, kRefused, kTooLarge };

// The largest push body the engine builds: under the server's default 1 MiB limit, with room
// for its headers. A batch over it is halved; one mutation over it alone is refused locally.
constexpr std::size_t kMaxPushBodyBytes = 900 * 1024;

Error server_error(const HttpResponse& r, std::string_view what) {
  ErrorCode code = ErrorCode::kInternal;
  switch (r.status) {
    case 400:
      code = ErrorCode::kInvalidRequest;
      break;
    case 401:
      code = ErrorCode::kUnauthorized;
      break;
    case 403:
      code = ErrorCode::kForbidden;
      break;
    case 404:
      code = ErrorCode::kNotFound;
      break;
    case 409:
      code = ErrorCode::kOutOfSync;
      break;
    case 410:
      code = ErrorCode::kResyncRequired;
      break;
    case 422:
      code = ErrorCode::kValidation;
      break;
    case 413:
      code = ErrorCode::kPayloadTooLarge;
      break;
    case 429:
      code = ErrorCode::kTooManyRequests;
      break;
    default:
      if (r.status >= 500 || r.status == 0) code = ErrorCode::kUnavailable;
      else if (r.status >= 400) code = ErrorCode::kInvalidRequest;
      break;
  }
  return make_error(code, std::string(what) + ": the server answered " +
                              std::to_string(r.status) + ": " + error_message(r.body));
}

// 5xx (but 501, which will not change), 408 and 429 may succeed when sent again.
bool retryable(int status) {
  return status == 408 || status == 429 || (status >= 500 && status != 501);
}

std::string text_or_null(const std::optional<std::string_view>& v) {
  return v ? std::string(*v) : std::string("null");
}

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

struct SyncEngine::Impl {
  Impl(LocalStore& s, SyncOptions o) : store(s), options(o), rng(std::random_device{}()) {}

  LocalStore& store;
  SyncOptions options;
  std::function<void(const SyncProgress&)> progress_cb;
  std::function<void(const SyncEvent&)> event_cb;
  ManualResolver resolver;
  std::function<bool(const std::vector<SyncEvent>&)> presync_check;
  std::mt19937_64 rng;

  // One sync()'s state.
  std::shared_ptr<Transport> transport;
  std::string token;
  std::string client_id;
  SyncReport report;
  // The head the last acknowledged push left (0: none since the last pull). The next batch chains
  // on it; the pull cursor stays behind until the pull after the pushes.
  std::int64_t push_head = 0;
  SyncProgress progress;
  // Events of work inside a local transaction wait for its commit: the app must never hear of
  // an outcome the file then rolled back.
  std::vector<SyncEvent> events;

  std::int64_t now_ms() const {
    return options.clock ? options.clock->now_ms() : SystemClock().now_ms();
  }

  void emit_events() {
    auto out = std::move(events);
    events.clear();
    if (!event_cb) return;
    for (const auto& e : out) event_cb(e);
  }
  void emit_progress() {
    if (progress_cb) progress_cb(progress);
  }
  void event(Outcome o, Resource r, std::string id, std::string reason, std::int64_t seq = 0) {
    SyncEvent e;
    e.outcome = o;
    e.resource = r;
    e.id = std::move(id);
    e.reason = std::move(reason);
    e.conflict_seq = seq;
    events.push_back(std::move(e));
  }

  //////// Requests

  HttpRequest request(std::string method, std::string target) const {
    HttpRequest req;
    req.method = std::move(method);
    req.target = std::move(target);
    req.headers = {{"x-auth-token", token}, {"x-client-id", client_id}};
    return req;
  }

  // Sends `req` until it gets an answer that is not worth retrying, waiting between attempts;
  // kUnavailable after max_attempts.
  Result<HttpResponse> send(const HttpRequest& req) {
    std::string last;
    for (int attempt = 0;; ++attempt) {
      std::optional<std::chrono::milliseconds> wait;
      auto r = transport->send(req);
      if (r.ok()) {
        if (!retryable(r->status)) return r;
        last = "the server answered " + std::to_string(r->status);
        if (r->status == 429 || r->status == 503) wait = parse_retry_after(r->header("retry-after"));
      } else {
        last = r.error().message;
      }
      if (attempt + 1 >= options.max_attempts) {
        return make_error(ErrorCode::kUnavailable, req.method + " " + req.target + " failed " +
                                                       std::to_string(attempt + 1) +
                                                       " times; last: " + last);
      }
      ++report.retries;
      std::this_thread::sleep_for(wait ? std::min(*wait, options.backoff_cap)
                                       : backoff(attempt, std::nullopt));
    }
  }

  // The wait before retry number `retry`: exponential from `base` (backoff_base by default) up
  // to backoff_cap, with full jitter. Requests and listen()'s reconnections both wait this way.
  std::chrono::milliseconds backoff(int retry, std::optional<std::chrono::milliseconds> base) {
    const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    return backoff_delay(retry, base.value_or(options.backoff_base), options.backoff_cap, unit);
  }

  HttpTransportOptions transport_options() const {
    HttpTransportOptions topts;
    topts.connect_timeout = std::min(options.request_timeout, kMaxConnectTimeout);
    topts.request_timeout = options.request_timeout;
    return topts;
  }

  //////// Listen

  // The change stream, opened with the credentials the store holds now.
  Result<std::unique_ptr<ResponseStream>> open_stream(HttpRequest req, std::stop_token stop) {
    SYNCLOG_ASSIGN_OR_RETURN(std::string url, store.server_url());
    if (url.empty() && !options.transport) {
      return make_error(ErrorCode::kInvalidRequest, "no server URL set");
    }
    SYNCLOG_ASSIGN_OR_RETURN(std::string stream_token, store.token());
    SYNCLOG_ASSIGN_OR_RETURN(std::string stream_client_id, store.client_id());
    req.headers.emplace_back("x-auth-token", std::move(stream_token));
    req.headers.emplace_back("x-client-id", std::move(stream_client_id));
    if (options.transport) return options.transport->open_stream(req, std::move(stop));
    SYNCLOG_ASSIGN_OR_RETURN(auto t, make_http_transport(url, transport_options()));
    return t->open_stream(req, std::move(stop));
  }

  Status listen(const ListenOptions& listen_options, std::stop_token stop) {
    ListenerSeams seams;
    seams.open = [this](HttpRequest req, std::stop_token opening) {
      return open_stream(std::move(req), std::move(opening));
    };
    seams.cursor = [this] { return store.cursor(); };
    seams.sync = [this] { return sync(); };
    seams.backoff = [this](int retry, std::optional<std::chrono::milliseconds> base) {
      return backoff(retry, base);
    };
    seams.wait = wait_or_stop;
    return ChangeListener(listen_options, std::move(seams)).run(stop);
  }

  //////// Pull and apply

  Status pull() {
    push_head = 0;  // after this pull the cursor is the server's head
    SYNCLOG_ASSIGN_OR_RETURN(std::int64_t cursor, store.cursor());
    bool from_zero = cursor <= 0;
    std::set<std::pair<Resource, std::string>> seen;  // filled while pulling from 0
    std::int64_t pulled_before_page = 0;
    progress.phase = SyncProgress::Phase::kPull;
    for (;;) {
      auto r = send(request("GET", "/v1/sync?mutationsSince=" + std::to_string(cursor) +
                                       "&resources=" + std::string(kResources)));
      if (!r.ok()) return r.error();
      if (r->status == 410) {
        if (cursor == 0) return server_error(*r, "pull");  // cannot happen: 0 is never too old
        SYNCLOG_RETURN_IF_ERROR(store.set_cursor(0));
        cursor = 0;
        from_zero = true;
        seen.clear();
        report.resynced = true;
        continue;
      }
      if (r->status != 200) return server_error(*r, "pull");
      SYNCLOG_ASSIGN_OR_RETURN(PullPage page, parse_pull(r->body));
      const Status applied = store.transaction([&]() -> Status {
        for (const auto& e : page.entries) {
          SYNCLOG_RETURN_IF_ERROR(apply_entry(e));
          if (from_zero) seen.emplace(e.resource, e.id);
        }
        return store.set_cursor(page.last_mutation_at);
      });
      if (!applied.ok()) {
        events.clear();
        return applied;
      }
      emit_events();
      report.pulled += static_cast<std::int64_t>(page.entries.size());
      progress.pulled = report.pulled;
      progress.total = pulled_before_page + page.total;
      pulled_before_page += static_cast<std::int64_t>(page.entries.size());
      SYNCLOG_ASSIGN_OR_RETURN(progress.queued, store.queue_length());
      emit_progress();
      // A cursor that does not move would loop forever; the server never does that with
      // hasMore (each capped page holds at least one entry), but the device must not hang.
      const bool moved = page.last_mutation_at != cursor;
      cursor = page.last_mutation_at;
      if (!page.has_more || !moved) break;
    }
    if (from_zero) return forget_unseen(seen);
    return Status();
  }

  // After a complete pull from 0: a synced record with nothing queued that the server did not
  // send is gone on the server.
  Status forget_unseen(const std::set<std::pair<Resource, std::string>>& seen) {
    return store.transaction([&]() -> Status {
      for (Resource res : kAllResources) {
        SYNCLOG_ASSIGN_OR_RETURN(auto records, store.list(res));
        for (const auto& rec : records) {
          if (rec.version == 0 || rec.pending || seen.count({res, rec.id})) continue;
          SYNCLOG_RETURN_IF_ERROR(store.apply_server(res, rec.id, std::nullopt, rec.version));
        }
      }
      return Status();
    });
  }

  Status apply_entry(const PullEntry& e) {
    const std::optional<std::string_view> server =
        e.data ? std::optional<std::string_view>(*e.data) : std::nullopt;
    SYNCLOG_ASSIGN_OR_RETURN(auto pending, store.pending_for(e.resource, e.id));
    if (pending.empty()) {
      SYNCLOG_RETURN_IF_ERROR(store.apply_server(e.resource, e.id, server, e.timestamp));
      event(Outcome::kSynced, e.resource, e.id, "updated from the server");
      return Status();
    }
    // The server has not changed the record since the local edits began (a resync pulling what
    // the device already has): nothing clashes.
    if (e.timestamp <= pending.front().base_version) return Status();

    SYNCLOG_ASSIGN_OR_RETURN(Strategy strategy, store.strategy(e.resource));
    SYNCLOG_ASSIGN_OR_RETURN(auto stored, store.get_stored(e.resource, e.id));
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
          store.replace_pending(e.resource, e.id, *res.push, keep, server, e.timestamp));
    } else {
      SYNCLOG_RETURN_IF_ERROR(store.drop_pending(e.resource, e.id).status());
      const std::optional<std::string_view> keep =
          res.data ? std::optional<std::string_view>(*res.data) : std::nullopt;
      SYNCLOG_RETURN_IF_ERROR(store.apply_server(e.resource, e.id, keep, e.timestamp));
    }
    if (res.outcome == Outcome::kSynced) {
      // Overlapping edits that agree: no conflict, no log row.
      event(Outcome::kSynced, e.resource, e.id, res.reason);
      return Status();
    }
    row.result = res.data ? *res.data : "null";
    row.resolved = true;
    SYNCLOG_ASSIGN_OR_RETURN(std::int64_t seq, store.append_conflict(row));
    ++report.conflicts;
    event(Outcome::kMerged, e.resource, e.id, res.reason, seq);
    return Status();
  }

  // A conflict only the user can settle: logged, offered to the manual resolver, and, without an
  // answer, held back from the push with the local state kept.
  Status needs_user(const PullEntry& e, std::optional<std::string_view> server,
                    const std::optional<std::string>& local, ConflictRecord row) {
    SYNCLOG_ASSIGN_OR_RETURN(row.seq, store.append_conflict(row));
    std::optional<std::string> answer;
    if (resolver) answer = resolver(row);
    if (answer) {
      const Status settled = store.transaction([&]() -> Status {
        if (*answer == "null") {
          if (!server) {
            SYNCLOG_RETURN_IF_ERROR(store.drop_pending(e.resource, e.id).status());
            SYNCLOG_RETURN_IF_ERROR(
                store.apply_server(e.resource, e.id, std::nullopt, e.timestamp));
          } else {
            SYNCLOG_RETURN_IF_ERROR(store.replace_pending(e.resource, e.id, MutationType::kDelete,
                                                          std::nullopt, server, e.timestamp));
          }
        } else {
          const auto type = server ? MutationType::kUpdate : MutationType::kCreate;
          SYNCLOG_RETURN_IF_ERROR(store.replace_pending(e.resource, e.id, type,
                                                        std::string_view(*answer), server,
                                                        e.timestamp));
        }
        return store.mark_resolved(row.seq, *answer);
      });
      if (settled.ok()) {
        ++report.conflicts;
        event(Outcome::kNeedsUser, e.resource, e.id, row.reason + " (settled by the app)",
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
        store.replace_pending(e.resource, e.id, keep_type, keep, server, e.timestamp));
    SYNCLOG_RETURN_IF_ERROR(store.hold_pending(e.resource, e.id, row.seq));
    ++report.needs_user;
    event(Outcome::kNeedsUser, e.resource, e.id, row.reason, row.seq);
    return Status();
  }

  //////// Push

  Result<BatchOutcome> send_batch(const InflightBatch& batch) {
    HttpRequest req = request("POST", batch.target);
    req.headers.emplace_back("content-type", "application/json");
    req.headers.emplace_back("idempotency-key", batch.key);
    req.body = batch.body;
    // On failure the batch stays in flight: the next sync() sends it again first.
    SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, send(req));
    if (r.status == 200) {
      SYNCLOG_ASSIGN_OR_RETURN(PushAnswer answer, parse_push_answer(r.body));
      if (is_field_mode_target(batch.target) && !answer.acks.empty()) {
        SYNCLOG_RETURN_IF_ERROR(store.set_server_field_mode(answer.has_outcomes));
      }
      // The pull cursor stays: the server may have done more than the acks say (a collection's
      // cascade, the previous reading bookmark cleared, derived fields, another device's fields
      // a merge kept), and the pull after the push brings it. The next batch chains on this
      // answer's head.
      SYNCLOG_ASSIGN_OR_RETURN(auto adopted, store.finish_batch(batch.key, answer.acks, 0));
      push_head = answer.last_mutation_at;
      std::int64_t conflicts = 0;
      for (std::size_t i = 0; i < batch.mutations.size(); ++i) {
        const QueuedMutation& m = batch.mutations[i];
        const AckOutcome outcome = answer.acks[i].outcome;  // finish_batch checked the count
        if (outcome == AckOutcome::kConflict) {
          ++conflicts;
          continue;
        }
        ++report.pushed;
        const bool was_adopted = std::any_of(adopted.begin(), adopted.end(), [&](const auto& a) {
          return a.resource == m.resource && a.local_id == m.id;
        });
        if (was_adopted) continue;
        event(Outcome::kSynced, m.resource, m.id,
              outcome == AckOutcome::kMerged
                  ? "pushed to the server, which kept another device's changes of other fields"
                  : "pushed to the server");
      }
      report.server_conflicts += conflicts;
      ++report.batches;
      for (const auto& a : adopted) SYNCLOG_RETURN_IF_ERROR(adopt(a));
      emit_events();
      progress.phase = SyncProgress::Phase::kPush;
      progress.batches_pushed = report.batches;
      progress.mutations_pushed = report.pushed;
      SYNCLOG_ASSIGN_OR_RETURN(progress.queued, store.queue_length());
      emit_progress();
      return conflicts > 0 ? BatchOutcome::kConflicts : BatchOutcome::kAcked;
    }
    if (r.status == 409) {
      SYNCLOG_RETURN_IF_ERROR(store.abandon_batch(batch.key));
      return BatchOutcome::kOutOfSync;
    }
    if (r.status == 422 || r.status == 404) {
      const std::string message = error_message(r.body);
      SYNCLOG_RETURN_IF_ERROR(store.abandon_batch(batch.key));
      // A key the server already used for another request (a batch rebuilt after its answer was
      // purged): the mutations are fine, the next round sends them under a fresh key.
      if (message.find("Idempotency-Key") != std::string::npos) return BatchOutcome::kOutOfSync;
      const auto index = refused_index(message);
      if (!index || *index >= batch.mutations.size()) return server_error(r, "push");
      if (refused_for_omitted_body(batch, *index, message)) {
        SYNCLOG_RETURN_IF_ERROR(store.set_server_field_mode(false));
        return BatchOutcome::kOutOfSync;
      }
      SYNCLOG_RETURN_IF_ERROR(refuse(batch.mutations[*index], message));
      return BatchOutcome::kRefused;
    }
    if (r.status == 413) {
      SYNCLOG_RETURN_IF_ERROR(store.abandon_batch(batch.key));
      if (batch.mutations.size() > 1) return BatchOutcome::kTooLarge;
      SYNCLOG_RETURN_IF_ERROR(refuse(batch.mutations.front(), "it is larger than the server accepts"));
      return BatchOutcome::kRefused;
    }
    if (r.status == 403) {
      // A scope the token lacks for one mutation: that one is refused, the others go on.
      const std::string message = error_message(r.body);
      SYNCLOG_RETURN_IF_ERROR(store.abandon_batch(batch.key));
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
      SYNCLOG_RETURN_IF_ERROR(store.abandon_batch(batch.key));
    }
    return server_error(r, "push");
  }

  // The server refused `m` (master data gone, e.g. a bookmark into a collection another device
  // deleted): it leaves the queue, loudly.
  Status refuse(const QueuedMutation& m, const std::string& message) {
    const Status done = store.transaction([&]() -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(auto stored, store.get_stored(m.resource, m.id));
      SYNCLOG_ASSIGN_OR_RETURN(Strategy strategy, store.strategy(m.resource));
      ConflictRecord row;
      row.resource = m.resource;
      row.id = m.id;
      row.strategy = strategy;
      row.outcome = Outcome::kNeedsUser;
      row.local = m.type == MutationType::kDelete ? "null" : m.data;
      row.server = "null";
      row.reason = "The server refused this " + std::string(mutation_type_name(m.type)) +
                   " and it was taken out of the queue: " + message;
      SYNCLOG_ASSIGN_OR_RETURN(std::int64_t seq, store.append_conflict(row));
      SYNCLOG_RETURN_IF_ERROR(store.drop_pending(m.resource, m.id).status());
      // Never on the server: the device forgets it too (the log row keeps its data). On the
      // server: the device goes back to the server's state, so it does not drift from the other
      // devices (the log row keeps what was refused).
      if (stored && stored->record.version == 0) {
        SYNCLOG_RETURN_IF_ERROR(store.apply_server(m.resource, m.id, std::nullopt, 0));
      } else if (stored && !stored->base.empty()) {
        SYNCLOG_RETURN_IF_ERROR(
            store.apply_server(m.resource, m.id, std::string_view(stored->base), stored->record.version));
      }
      ++report.needs_user;
      event(Outcome::kNeedsUser, m.resource, m.id, row.reason, seq);
      return Status();
    });
    if (!done.ok()) {
      events.clear();
      return done;
    }
    emit_events();
    return Status();
  }

  // A BOOKMARK CREATE the server matched to an existing bookmark (same details): the device
  // re-keys its record to the server's id, and memberships it queued for the old id follow.
  Status adopt(const AdoptedId& a) {
    return store.transaction([&]() -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(auto stored, store.get_stored(a.resource, a.local_id));
      SYNCLOG_ASSIGN_OR_RETURN(auto later, store.pending_for(a.resource, a.local_id));
      SYNCLOG_ASSIGN_OR_RETURN(auto taken, store.pending_for(a.resource, a.server_id));
      ConflictRecord row;
      row.resource = a.resource;
      row.id = a.local_id;
      SYNCLOG_ASSIGN_OR_RETURN(row.strategy, store.strategy(a.resource));
      row.local = stored ? stored->record.data : "null";
      row.server = "null";
      if (!stored || !later.empty() || !taken.empty()) {
        // Edited again since it was pushed, or the server's id has local edits too: which state
        // wins is the user's call.
        row.outcome = Outcome::kNeedsUser;
        row.reason = "The server already had this bookmark as " + a.server_id +
                     "; the device keeps it as " + a.local_id + " until the user settles it";
        SYNCLOG_ASSIGN_OR_RETURN(std::int64_t seq, store.append_conflict(row));
        ++report.needs_user;
        event(Outcome::kNeedsUser, a.resource, a.local_id, row.reason, seq);
        return Status();
      }
      SYNCLOG_RETURN_IF_ERROR(store.apply_server(a.resource, a.local_id, std::nullopt, 0));
      SYNCLOG_RETURN_IF_ERROR(
          store.apply_server(a.resource, a.server_id, stored->record.data, a.timestamp));
      if (a.resource == Resource::kBookmark) {
        SYNCLOG_ASSIGN_OR_RETURN(auto memberships, store.list(Resource::kCollectionBookmark));
        for (const auto& mb : memberships) {
          boost::system::error_code ec;
          json::value v = json::parse(mb.data, ec);
          if (ec || !v.is_object()) continue;
          auto& o = v.as_object();
          const auto* b = o.if_contains("bookmarkId");
          if (!b || !b->is_string() || b->as_string() != a.local_id) continue;
          // The server never had a membership of the local id: re-queue it for the server's.
          SYNCLOG_RETURN_IF_ERROR(store.drop_pending(Resource::kCollectionBookmark, mb.id).status());
          SYNCLOG_RETURN_IF_ERROR(
              store.apply_server(Resource::kCollectionBookmark, mb.id, std::nullopt, 0));
          o["bookmarkId"] = a.server_id;
          SYNCLOG_RETURN_IF_ERROR(
              store.put(Resource::kCollectionBookmark, json::serialize(o)).status());
        }
      }
      row.outcome = Outcome::kMerged;
      row.result = stored->record.data;
      row.resolved = true;
      row.reason = "The server already had this bookmark as " + a.server_id +
                   "; the device now uses that id";
      SYNCLOG_ASSIGN_OR_RETURN(std::int64_t seq, store.append_conflict(row));
      ++report.conflicts;
      event(Outcome::kMerged, a.resource, a.server_id, row.reason, seq);
      return Status();
    });
  }

  // A membership CREATE naming a bookmark created in the same batch and never synced is cut off
  // with everything after it: the server may match that bookmark to one it has (same details)
  // and ack another id, which the membership must then name (adopt() re-keys it for the next
  // batch). Ordering puts bookmarks before memberships, so the cut keeps the bookmark.
  static void cut_before_unsynced_bookmark_references(std::vector<QueuedMutation>& mutations) {
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
  Result<std::string> batch_body(const std::vector<QueuedMutation>& mutations,
                                 std::int64_t cursor) {
    if (!options.field_mode) return push_body(mutations);
    SYNCLOG_ASSIGN_OR_RETURN(auto known, store.server_field_mode());
    const bool partial = known.value_or(true);
    std::vector<FieldBase> bases;
    for (const auto& m : mutations) {
      FieldBase b;
      b.version = m.base_version > 0 ? m.base_version : cursor;
      if (partial && m.type == MutationType::kUpdate && m.base_version > 0) {
        SYNCLOG_ASSIGN_OR_RETURN(auto stored, store.get_stored(m.resource, m.id));
        // The base the UPDATE was written on; a record rebased since sends its whole state.
        if (stored && stored->record.version == m.base_version && !stored->base.empty()) {
          b.data = std::move(stored->base);
        }
      }
      bases.push_back(std::move(b));
    }
    return field_push_body(mutations, bases);
  }

  Status sync_spaces(std::int64_t last_sync) {
    SpaceFile file(store);
    SpaceSyncContext ctx{file, options, report, {}, {}, {}, {}, 0, now_ms()};
    ctx.send = [this](HttpRequest req) {
      req.headers.emplace_back("x-auth-token", token);
      req.headers.emplace_back("x-client-id", client_id);
      return send(req);
    };
    ctx.event = [this](const SyncEvent& e) {
      if (event_cb) event_cb(e);
    };
    ctx.progress = [this](const SyncProgress& p) {
      if (progress_cb) progress_cb(p);
    };
    ctx.presync_check = presync_check;
    ctx.last_sync_ms = last_sync;
    return client::sync_spaces(ctx);
  }

  Result<SyncReport> sync() {
    report = SyncReport{};
    push_head = 0;
    progress = SyncProgress{};
    events.clear();
    SYNCLOG_ASSIGN_OR_RETURN(std::string url, store.server_url());
    SYNCLOG_ASSIGN_OR_RETURN(token, store.token());
    SYNCLOG_ASSIGN_OR_RETURN(client_id, store.client_id());
    if (url.empty() && !options.transport) {
      return make_error(ErrorCode::kInvalidRequest, "no server URL set");
    }
    if (options.transport) {
      transport = options.transport;
    } else {
      SYNCLOG_ASSIGN_OR_RETURN(transport, make_http_transport(url, transport_options()));
    }

    SYNCLOG_ASSIGN_OR_RETURN(const std::int64_t last_sync, store.last_sync_ms());
    // 1. A batch an earlier sync (or process) left in flight goes first, exactly as it was.
    SYNCLOG_ASSIGN_OR_RETURN(auto inflight, store.inflight_batch());
    if (inflight) {
      SYNCLOG_ASSIGN_OR_RETURN(BatchOutcome o, send_batch(*inflight));
      if (o == BatchOutcome::kOutOfSync) ++report.out_of_sync;
    }
    // 2. Pull and apply.
    SYNCLOG_RETURN_IF_ERROR(pull());
    // 3. Push, pulling again after each 409.
    int rounds = 0;
    std::size_t max_mutations = kMaxBatchMutations;
    for (;;) {
      InflightBatch batch;
      // Chosen and marked in flight in one local transaction: a write another handle on the file
      // makes meanwhile either lands before (and is in the body) or after (and waits).
      const Status chosen = store.transaction([&]() -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(auto mutations, store.next_batch(max_mutations));
        cut_before_unsynced_bookmark_references(mutations);
        SYNCLOG_ASSIGN_OR_RETURN(std::int64_t cursor, store.cursor());
        SYNCLOG_ASSIGN_OR_RETURN(std::string body, batch_body(mutations, cursor));
        while (body.size() > kMaxPushBodyBytes && mutations.size() > 1) {
          mutations.resize(mutations.size() / 2);
          SYNCLOG_ASSIGN_OR_RETURN(body, batch_body(mutations, cursor));
        }
        if (mutations.empty()) return Status();
        const std::int64_t head = push_head > 0 ? push_head : cursor;
        batch.key = "sync-" + new_resource_id();
        batch.target = std::string(options.field_mode ? "/v1/sync?conflictMode=field&"
                                                      : "/v1/sync?") +
                       "lastMutationAt=" + std::to_string(head > 0 ? head : -1);
        batch.body = std::move(body);
        std::vector<std::int64_t> seqs;
        for (const auto& m : mutations) seqs.push_back(m.seq);
        batch.mutations = std::move(mutations);
        if (batch.body.size() > kMaxPushBodyBytes) return Status();  // refused below, alone
        return store.begin_batch(batch.key, batch.target, batch.body, seqs);
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
        if (o == BatchOutcome::kOutOfSync) ++report.out_of_sync;
        if (++rounds > options.max_conflict_rounds) {
          return make_error(ErrorCode::kOutOfSync,
                            "the server kept moving: gave up after " +
                                std::to_string(rounds) + " rounds (everything stays queued)");
        }
        SYNCLOG_RETURN_IF_ERROR(pull());
      }
    }
    // 4. Pull what the pushes did on the server (cascades, derived fields, own entries), so the
    // device ends where the server is.
    if (push_head > 0) SYNCLOG_RETURN_IF_ERROR(pull());
    // 5. The shared spaces.
    if (options.spaces) SYNCLOG_RETURN_IF_ERROR(sync_spaces(last_sync));
    SYNCLOG_RETURN_IF_ERROR(store.set_last_sync_ms(now_ms()));
    SYNCLOG_ASSIGN_OR_RETURN(report.cursor, store.cursor());
    transport.reset();
    return report;
  }
};

SyncEngine::SyncEngine(LocalStore& store, SyncOptions options)
    : impl_(std::make_unique<Impl>(store, options)) {}
SyncEngine::~SyncEngine() = default;

void SyncEngine::on_progress(std::function<void(const SyncProgress&)> callback) {
  impl_->progress_cb = std::move(callback);
}
void SyncEngine::on_event(std::function<void(const SyncEvent&)> callback) {
  impl_->event_cb = std::move(callback);
}
void SyncEngine::set_presync_check(std::function<bool(const std::vector<SyncEvent>&)> check) {
  impl_->presync_check = std::move(check);
}
void SyncEngine::set_manual_resolver(ManualResolver resolver) {
  impl_->resolver = std::move(resolver);
}

Result<SyncReport> SyncEngine::sync() { return impl_->sync(); }

Status SyncEngine::listen(const ListenOptions& options, std::stop_token stop) {
  return impl_->listen(options, std::move(stop));
}

}  // namespace synclog::client
