// A space's sync, with the envelope, parameters and rules of /v1/sync (docs/api.md, "Spaces"):
//   GET  /v1/spaces/{spaceId}/sync?mutationsSince=C[&resources=site,asset][&page&limit]
//        [&metadataOnly=true]
//   POST /v1/spaces/{spaceId}/sync?lastMutationAt=H[&conflictMode=field][&dryRun=true]
// The writer's standing is read in the push's own transaction: a removed member's push is
// refused (403 SpaceAccessRevoked) and kept in the space's review list, in that same
// transaction. A dry run answers what the push would do and writes nothing.
#include <boost/json/value.hpp>

#include "common/json_text.hpp"
#include "domain/json_input.hpp"
#include "domain/pull.hpp"
#include "domain/push.hpp"
#include "domain/space_push_parser.hpp"
#include "http/envelope.hpp"
#include "http/exchange.hpp"
#include "http/handlers/answered_write.hpp"
#include "http/handlers/conflict_outcomes.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/pull_params.hpp"
#include "http/handlers/query_params.hpp"
#include "http/handlers/space_access.hpp"
#include "http/spaces_change_stream.hpp"

namespace synclog::http::handlers {
namespace {

// `resources` as type names of the space's schema (all when absent or empty); 422 naming one it
// does not have.
Result<domain::ResourceSet> parse_types(std::optional<std::string_view> param, const domain::CompiledSchema& schema) {
  domain::ResourceSet set;
  std::string_view rest = param.value_or("");
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view name = rest.substr(0, comma);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!name.empty()) {
      const domain::TypeSpec* t = schema.schema.type(name);
      if (!t) return make_error(ErrorCode::kUnprocessable, "Invalid resources: \"" + std::string(name) + "\"");
      set.add_kind(t->kind);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (set.empty()) {
    for (const auto& t : schema.schema.types) set.add_kind(t.kind);
  }
  return set;
}

// The pull itself, once the space and the device's schema version are known.
void pull_space(Services& s, const std::shared_ptr<Exchange>& ex, SpaceTarget t) {
  auto parsed = parse_pull_params(ex->request(), s.options, [&](domain::PullRequest& p) -> Status {
    p.types = &t.schema->types;
    SYNCLOG_ASSIGN_OR_RETURN(p.resources, parse_types(ex->request().param("resources"), *t.schema));
    return Status();
  });
  if (!parsed.ok()) return refuse_in_space(s, ex, t, refusal(parsed.error()), 0);
  auto result = std::make_shared<domain::PullResult>();
  const std::string person = ex->ctx().subject;
  s.store.read(
      t.known.key,
      [req = *parsed, result, t, person](storage::ReadTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
        SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kViewer));
        SYNCLOG_ASSIGN_OR_RETURN(*result, domain::run_pull(txn, req));
        if (result->more_pages) txn.mark_traversal();
        return Status();
      },
      [&s, ex, result](Status st) {
        ex->resume([&s, ex, result, st] {
          if (!st.ok()) return ex->fail(st.error());
          ex->ctx().entries = static_cast<std::int64_t>(result->entries);
          s.metrics.counter("synclog_space_pull_entries_total", "Entries returned by spaces' pulls").inc(result->entries);
          ex->respond(pull_response(std::move(*result)));
        });
      });
}

void get_space_sync(Services& s, const std::shared_ptr<Exchange>& ex) {
  with_space(s, ex, [&s, ex](SpaceTarget t) {
    // An app too old for the space's schema is told so on its pulls too: it would read shapes it
    // does not know. Its writes wait on the device until it is updated.
    with_device_schema(s, ex, t, 0, [&s, ex, t](domain::SchemaPtr, domain::SchemaPtr current) mutable {
      t.schema = current;
      pull_space(s, ex, std::move(t));
    });
  });
}

// How many changes a push's body carries, as far as can be told before reading them: its
// mutations, or one.
std::size_t changes_sent(const boost::json::value& body) {
  const auto* o = body.if_object();
  const auto* m = o ? o->if_contains("mutations") : nullptr;
  const auto* list = m ? m->if_array() : nullptr;
  return list && !list->empty() ? list->size() : 1;
}

// A push's acks for the metrics and the log line.
Judged judged_of(const domain::PushResult& result) {
  Judged judged;
  for (const auto& ack : result.acks) {
    if (!ack.outcome) continue;
    judged.emplace_back(ack.resource, *ack.outcome, std::string_view(ack.type_name),
                        ack.rejection ? ack.rejection->reason : std::string_view());
  }
  return judged;
}

void push(Services& s, const std::shared_ptr<Exchange>& ex, const SpaceTarget& t,
          std::shared_ptr<domain::PushRequest> req, bool dry_run) {
  const std::string person = ex->ctx().subject;
  const std::string client = ex->ctx().client_id;
  const std::int64_t now = s.clock.now_ms();
  if (dry_run) {
    // Everything a push does, in its transaction, which is then abandoned.
    auto body = std::make_shared<std::string>();
    s.store.write(
        t.known.key,
        [req, t, person, body, now](storage::WriteTxn& txn) -> Status {
          SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
          SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kViewer));
          req->role = standing.member->role;
          SYNCLOG_ASSIGN_OR_RETURN(auto result, domain::apply_push(txn, *req, now));
          *body = domain::push_response_body(result);
          return make_error(ErrorCode::kInternal, "dry run: rolled back");
        },
        [ex, body](Status st) {
          ex->resume([ex, body, st] {
            if (body->empty()) return ex->fail(st.error());
            // The answer says it was a dry run, so that nobody takes its head for a cursor.
            constexpr std::string_view kPrefix = R"({"success":true,"data":{)";
            body->insert(kPrefix.size(), R"("dryRun":true,)");
            ex->respond(json_response(200, std::move(*body)));
          });
        });
    return;
  }
  auto judged = std::make_shared<Judged>();
  auto first_sync = std::make_shared<bool>(false);
  run_answered_write(
      s, ex, OtherLog{t.known.key, person},
      [req, t, judged, first_sync, now, write = refused_write(*ex)](storage::WriteTxn& txn) -> Result<WriteAnswer> {
        SYNCLOG_ASSIGN_OR_RETURN(auto writer, admit_writer(txn, t.id, write, req->mutations.size(), now));
        if (writer.revoked) return std::move(*writer.revoked);
        req->role = writer.member.role;
        auto result = domain::apply_push(txn, *req, now);
        if (!result.ok()) {
          *first_sync = result.error().message == domain::kFirstSyncMessage;
          return result.error();
        }
        *judged = judged_of(*result);
        WriteAnswer answer;
        answer.headers.emplace_back("X-Mutation-At", std::to_string(result->head));
        answer.body = domain::push_response_body(*result);
        return answer;
      },
      [&s, ex, judged, req](const Status& st, bool replayed) {
        if (!st.ok() || replayed) return;
        s.metrics.counter("synclog_space_pushes_total", "Applied POST /v1/spaces/{id}/sync batches").inc();
        if (req->mode == domain::ConflictMode::kField) report_outcomes(s, ex->ctx(), *judged, /*space=*/true);
      });
}

void post_space_sync(Services& s, const std::shared_ptr<Exchange>& ex) {
  const HttpRequest& req = ex->request();
  const auto last = req.param("lastMutationAt");
  if (!last) return ex->fail(make_error(ErrorCode::kInvalidRequest, "lastMutationAt is required"));
  auto last_value = parse_last_mutation_at(*last);
  if (!last_value.ok()) return ex->fail(last_value.error());
  auto mode = conflict_mode_param(req);
  if (!mode.ok()) return ex->fail(make_error(ErrorCode::kValidation, mode.error().message));
  auto dry_run = bool_param(req, "dryRun");
  if (!dry_run.ok()) return ex->fail(dry_run.error());
  // A dry run stores nothing under its key; a push does, and checks it before finding the space.
  if (!dry_run->value_or(false)) {
    if (auto st = check_idempotency_key(req); !st.ok()) return ex->fail(st.error());
  }
  auto body = domain::parse_json(req.body);
  if (!body.ok()) {
    const bool syntax = body.error().message.rfind(domain::kNotJsonMessage, 0) == 0;
    return ex->fail(syntax ? make_error(ErrorCode::kValidation, "Invalid mutations") : body.error());
  }
  // What a removed member's push is kept as when it is refused before its mutations are read.
  const std::size_t kept = dry_run->value_or(false) ? 0 : changes_sent(*body);
  with_space(s, ex, [&s, ex, last = *last_value, mode = *mode, dry_run = dry_run->value_or(false), kept,
                     body = std::move(*body)](SpaceTarget t) {
    with_device_schema(s, ex, t, kept, [&s, ex, t, last, mode, dry_run, kept, body](domain::SchemaPtr device,
                                                                                    domain::SchemaPtr current) {
      auto mutations = domain::parse_space_push_body(body, mode, device->schema, *current);
      if (!mutations.ok()) return refuse_in_space(s, ex, t, refusal(mutations.error()), kept);
      ex->ctx().mutations = static_cast<std::int64_t>(mutations->size());
      auto request = std::make_shared<domain::PushRequest>();
      request->last_mutation_at = last;
      request->mode = mode;
      request->mutations = std::move(*mutations);
      request->client_id = ex->ctx().client_id;
      request->types = &current->types;
      request->person = ex->ctx().subject;
      SpaceTarget target = t;
      target.schema = current;  // keeps the types alive as long as the request
      push(s, ex, target, std::move(request), dry_run);
    });
  });
}

// Finds the keys of `ids` (the spaces of a feed), one after another, then calls `done`.
void find_space_keys(Services& s, std::shared_ptr<std::vector<std::string>> ids, std::size_t next,
                     std::shared_ptr<std::vector<SpacesChangeStream::Space>> found,
                     std::function<void(Status)> done) {
  for (; next < ids->size(); ++next) {
    const std::string& id = (*ids)[next];
    if (auto known = s.spaces.find(id)) {
      found->push_back({id, known->key});
      continue;
    }
    s.store.find_user(domain::space_subject(id), [&s, ids, next, found, done = std::move(done)](
                                                     Result<std::optional<storage::UserKey>> key) mutable {
      if (!key.ok()) return done(key.error());
      if (*key) found->push_back({(*ids)[next], **key});
      find_space_keys(s, ids, next + 1, found, std::move(done));
    });
    return;
  }
  done(Status());
}

void get_spaces_events(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_scope(ex->ctx(), "sync"); !st.ok()) return ex->fail(st.error());
  if (s.draining.load()) {
    return ex->fail(make_error(ErrorCode::kUnavailable, "The server is shutting down, please connect again"));
  }
  s.store.resolve_user(domain::feed_subject(ex->ctx().subject), s.clock.now_ms(), [&s, ex](Result<storage::UserKey> feed) {
    ex->resume([&s, ex, feed = std::move(feed)] {
      if (!feed.ok()) return ex->fail(feed.error());
      // The spaces the person belongs to now, and the feed's head as of that list.
      auto ids = std::make_shared<std::vector<std::string>>();
      auto head = std::make_shared<std::int64_t>(0);
      const storage::UserKey feed_key = *feed;
      s.store.read(
          feed_key,
          [ids, head](storage::ReadTxn& txn) -> Status {
            SYNCLOG_ASSIGN_OR_RETURN(const auto h, txn.head());
            *head = h.head;
            SYNCLOG_ASSIGN_OR_RETURN(auto records, txn.list(0));
            for (auto& r : records) ids->push_back(std::move(r.id));
            return Status();
          },
          [&s, ex, ids, head, feed_key](Status st) {
            if (!st.ok()) return ex->resume([ex, st] { ex->fail(st.error()); });
            auto found = std::make_shared<std::vector<SpacesChangeStream::Space>>();
            find_space_keys(s, ids, 0, found, [&s, ex, found, head, feed_key](Status found_st) {
              ex->resume([&s, ex, found, head, feed_key, found_st] {
                if (!found_st.ok()) return ex->fail(found_st.error());
                SpacesChangeStream::Options options;
                options.heartbeat = s.options.events_heartbeat;
                options.retry = s.options.events_retry;
                options.events_sent = &s.metrics.counter("synclog_events_sent_total", "Change stream events sent");
                auto stream = std::make_shared<SpacesChangeStream>(s.changes, feed_key, std::move(*found), options);
                stream->begin(*head);
                stream->join(s.options.events_per_user);
                // A membership that changed between the list's read and joining ends the stream
                // at once: its client connects again and gets the new list.
                read_head(s.store, feed_key, [stream](Result<std::int64_t> now) {
                  if (now.ok()) stream->feed_head(*now);
                });
                HttpResponse r;
                r.content_type = "text/event-stream";
                r.set_header("Cache-Control", "no-store");
                r.set_header("X-Accel-Buffering", "no");
                r.stream = stream;
                ex->respond(std::move(r));
              });
            });
          });
    });
  });
}

}  // namespace

void add_space_sync_routes(Router& router, Services& services) {
  Services* s = &services;
  router.add(Route{"GET", "/v1/spaces/{spaceId}/sync", true, [s](const auto& ex) { get_space_sync(*s, ex); }});
  router.add(Route{"POST", "/v1/spaces/{spaceId}/sync", true, [s](const auto& ex) { post_space_sync(*s, ex); }});
  router.add(Route{"GET", "/v1/spaces/events", true, [s](const auto& ex) { get_spaces_events(*s, ex); }});
}

}  // namespace synclog::http::handlers
