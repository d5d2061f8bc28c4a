// GET /v1/sync and POST /v1/sync: parameter parsing and scope checks here, the rest in the
// domain (pull.hpp, push_parser.hpp, push.hpp), run inside store transactions. GET
// /v1/sync/events, the change stream: checks here, the stream in http/change_stream.hpp.
#include <boost/json/value.hpp>


#include "domain/json_input.hpp"
#include "domain/pull.hpp"
#include "domain/push.hpp"
#include "domain/push_parser.hpp"
#include "domain/tuning.hpp"
#include "http/change_stream.hpp"
#include "http/envelope.hpp"
#include "http/exchange.hpp"
#include "http/handlers/answered_write.hpp"
#include "http/handlers/conflict_outcomes.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/pull_params.hpp"
#include "http/handlers/query_params.hpp"

namespace synclog::http::handlers {
namespace {

using domain::Resource;

Error unprocessable(std::string message) {
  return make_error(ErrorCode::kUnprocessable, std::move(message));
}


void get_sync(Services& s, const std::shared_ptr<Exchange>& ex) {
  auto& ctx = ex->ctx();
  if (auto st = require_scope(ctx, "sync"); !st.ok()) return ex->fail(st.error());
  auto parsed = parse_sync_pull_params(ex->request(), s.options, ctx.scopes.readable());
  if (!parsed.ok()) return ex->fail(parsed.error());
  // A metadataOnly poll needs the head alone; a backend that knows it without a transaction
  // answers at once. Polling is what idle devices do all day.
  if (parsed->metadata_only) {
    if (const auto head = s.store.known_head(ctx.user)) {
      return ex->respond(pull_response(domain::head_only(*head)));
    }
  }
  auto result = std::make_shared<domain::PullResult>();
  const auto start = std::chrono::steady_clock::now();
  s.store.read(
      ctx.user,
      [req = *parsed, result](storage::ReadTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(*result, domain::run_pull(txn, req));
        if (result->more_pages) txn.mark_traversal();
        return Status();
      },
      [&s, ex, result, start](Status st) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ex->resume([&s, ex, result, seconds, st] {
          s.metrics.histogram("synclog_storage_read_seconds", "Time to run a pull's read transaction")
              .observe(seconds);
          if (!st.ok()) return ex->fail(st.error());
          ex->ctx().entries = static_cast<std::int64_t>(result->entries);
          s.metrics.counter("synclog_pull_entries_total", "Entries returned by pulls").inc(result->entries);
          ex->respond(pull_response(std::move(*result)));
        });
      });
}

// The scope each mutation needs; the first missing one is reported.
Status check_mutation_scopes(const domain::Scopes& scopes, const std::vector<domain::Mutation>& ms) {
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const auto action = domain::action_for(ms[i].type);
    if (!scopes.allows(ms[i].resource, action)) {
      return make_error(ErrorCode::kForbidden,
                        "The access token does not allow " +
                            std::string(domain::mutation_type_name(ms[i].type)) + " of " +
                            std::string(domain::resource_name(ms[i].resource)) + " (mutation[" +
                            std::to_string(i) + "])");
    }
  }
  return Status();
}

void count_push_outcome(Services& s, const Error& e, bool first_sync) {
  if (e.code != ErrorCode::kOutOfSync) return;
  s.metrics
      .counter("synclog_out_of_sync_total", "409 OutOfSyncError answers by kind",
               first_sync ? "kind=\"first_sync\"" : "kind=\"stale_head\"")
      .inc();
}

void post_sync(Services& s, const std::shared_ptr<Exchange>& ex) {
  auto& ctx = ex->ctx();
  const HttpRequest& req = ex->request();
  if (auto st = require_scope(ctx, "sync"); !st.ok()) return ex->fail(st.error());
  const auto last = req.param("lastMutationAt");
  if (!last) return ex->fail(make_error(ErrorCode::kInvalidRequest, "lastMutationAt is required"));
  domain::PushRequest push;
  auto last_value = parse_last_mutation_at(*last);
  if (!last_value.ok()) return ex->fail(last_value.error());
  push.last_mutation_at = *last_value;
  auto mode = conflict_mode_param(req);
  // POST /v1/sync answers its 422s in the sync envelope.
  if (!mode.ok()) return ex->fail(make_error(ErrorCode::kValidation, mode.error().message));
  push.mode = *mode;
  auto body = domain::parse_json(req.body);
  if (!body.ok()) {
    // Text that is not JSON at all is "malformed mutations" in the upstream's words; broken
    // UTF-8, excessive nesting and numbers out of range keep their own clear 400s.
    const bool syntax = body.error().message.rfind(domain::kNotJsonMessage, 0) == 0;
    return ex->fail(syntax ? make_error(ErrorCode::kValidation, "Invalid mutations") : body.error());
  }
  auto mutations = domain::parse_push_body(*body, push.mode);
  if (!mutations.ok()) return ex->fail(mutations.error());
  if (auto st = check_mutation_scopes(ctx.scopes, *mutations); !st.ok()) return ex->fail(st.error());
  ctx.mutations = static_cast<std::int64_t>(mutations->size());
  push.mutations = std::move(*mutations);
  push.client_id = ctx.client_id;

  auto first_sync = std::make_shared<bool>(false);
  auto judged = std::make_shared<Judged>();
  const auto start = std::chrono::steady_clock::now();
  auto shared_push = std::make_shared<domain::PushRequest>(std::move(push));
  const Clock& clock = s.clock;
  run_answered_write(
      s, ex,
      [shared_push, first_sync, judged, &clock](storage::WriteTxn& txn) -> Result<WriteAnswer> {
        auto result = domain::apply_push(txn, *shared_push, clock.now_ms());
        if (!result.ok()) {
          *first_sync = result.error().message == domain::kFirstSyncMessage;
          return result.error();
        }
        judged->clear();
        for (const auto& ack : result->acks) {
          if (ack.outcome) judged->push_back(domain::JudgedOutcome{ack.resource, *ack.outcome});
        }
        WriteAnswer answer;
        answer.headers.emplace_back("X-Mutation-At", std::to_string(result->head));
        answer.body = domain::push_response_body(*result);
        return answer;
      },
      [&s, ex, first_sync, judged, shared_push, start](const Status& st, bool replayed) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        s.metrics.histogram("synclog_storage_write_seconds", "Time from queueing a push to its durable commit")
            .observe(seconds);
        if (!st.ok()) return count_push_outcome(s, st.error(), *first_sync);
        if (replayed) return;  // applied once already, and counted then
        s.metrics.counter("synclog_pushes_total", "Applied POST /v1/sync batches").inc();
        if (shared_push->mode == domain::ConflictMode::kField) report_outcomes(s, ex->ctx(), *judged);
        for (std::size_t i = 0; i < shared_push->mutations.size(); ++i) {
          const auto& m = shared_push->mutations[i];
          if (i < judged->size() && (*judged)[i].outcome == domain::Outcome::kConflict) continue;
          s.metrics
              .counter("synclog_mutations_total", "Applied mutations by resource and type",
                       "resource=\"" + std::string(domain::resource_name(m.resource)) +
                           "\",type=\"" + std::string(domain::mutation_type_name(m.type)) + "\"")
              .inc();
        }
      });
}

// What a change stream's client has seen: Last-Event-ID (an EventSource reconnecting) or else
// lastMutationAt; nothing when neither is given (an empty Last-Event-ID is none, as
// EventSource means it) or when the value is -1.
Result<std::optional<std::int64_t>> parse_seen_head(const HttpRequest& req) {
  std::string_view name = "Last-Event-ID";
  auto text = req.header("last-event-id");
  if (!text || text->empty()) {
    name = "lastMutationAt";
    text = req.param("lastMutationAt");
  }
  if (!text) return std::optional<std::int64_t>();
  const auto v = parse_int(*text);
  if (!v || *v < -1) {
    return unprocessable(std::string(name) + " must be a head in milliseconds (an integer, or -1)");
  }
  if (*v == -1) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(*v);
}

void get_events(Services& s, const std::shared_ptr<Exchange>& ex) {
  auto& ctx = ex->ctx();
  if (auto st = require_scope(ctx, "sync"); !st.ok()) return ex->fail(st.error());
  auto seen = parse_seen_head(ex->request());
  if (!seen.ok()) return ex->fail(seen.error());
  if (s.draining.load()) {
    return ex->fail(make_error(ErrorCode::kUnavailable, "The server is shutting down, please connect again"));
  }
  ChangeStream::Options options;
  options.heartbeat = s.options.events_heartbeat;
  options.retry = s.options.events_retry;
  options.events_sent = &s.metrics.counter("synclog_events_sent_total", "Change stream events sent");
  auto stream = std::make_shared<ChangeStream>(s.changes, ctx.user, options);
  // At the cap, the user's oldest stream ends (cleanly: its client reconnects after `retry:`)
  // rather than this one being refused. The server cannot tell a dead client from a quiet one:
  // a device that dropped off a network leaves a stream that TCP_USER_TIMEOUT finds only after
  // about two heartbeats, and behind a proxy (docs/deploy.md) never, since the proxy keeps
  // acknowledging. Refusing would lock out the one device known to be alive, the one that just
  // connected, for as long as its dead streams hold the slots. The cap stays hard. The cost
  // falls on a user with more live listeners than the cap: they take turns, each reconnection
  // ending the next oldest (about one per retry delay, logged as stream_end "evicted").
  stream->join(s.options.events_per_user);
  // Joined first, read second: a move committed in between is kept by the stream.
  read_head(s.store, ctx.user, [ex, stream, seen = *seen](Result<std::int64_t> head) {
    ex->resume([ex, stream, seen, head = std::move(head)] {
      if (!head.ok()) return ex->fail(head.error());
      stream->begin(*head, seen);
      HttpResponse r;
      r.content_type = "text/event-stream";
      r.set_header("Cache-Control", "no-store");
      r.set_header("X-Accel-Buffering", "no");  // nginx: pass events on at once
      r.stream = stream;
      ex->respond(std::move(r));
    });
  });
}

}  // namespace

void add_sync_routes(Router& router, Services& services) {
  router.add(Route{"GET", "/v1/sync", true, [&services](const auto& ex) { get_sync(services, ex); }});
  router.add(Route{"GET", "/v1/sync/events", true, [&services](const auto& ex) { get_events(services, ex); }});
  router.add(Route{"POST", "/v1/sync", true, [&services](const auto& ex) { post_sync(services, ex); }});
}

}  // namespace synclog::http::handlers
