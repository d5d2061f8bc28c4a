// A space's records one by one (docs/api.md, "Spaces"), with versions and conditional requests
// as the user's direct endpoints have them:
//   GET    /v1/spaces/{spaceId}/records/{type}              a page of them (first, after)
//   POST   /v1/spaces/{spaceId}/records/{type}              create one (the server picks its id)
//   GET    /v1/spaces/{spaceId}/records/{type}/{recordId}   one, with ETag (304 on If-None-Match)
//   PUT    /v1/spaces/{spaceId}/records/{type}/{recordId}   create it, or set the fields given
//   PATCH  /v1/spaces/{spaceId}/records/{type}/{recordId}   set the fields given (404 if absent)
//   DELETE /v1/spaces/{spaceId}/records/{type}/{recordId}
// Writes go through the same plan, judge and apply as a space's push: the writer's role, the
// references, X-Schema-Version. If-Match / If-None-Match: * are checked against the record's
// version (412); with conflictMode=field a stale If-Match is judged field by field instead, and
// a clash is a 412 carrying both sides. lastMutationAt, when sent, is checked against the
// space's head (409) like a direct write's. A removed member's write is refused and kept for
// review, as their pushes are.
#include <boost/json.hpp>

#include "common/ids.hpp"
#include "common/json_text.hpp"
#include "domain/apply.hpp"
#include "domain/cursor_page.hpp"
#include "domain/declared_fields.hpp"
#include "domain/direct_wire.hpp"
#include "domain/preconditions.hpp"
#include "domain/push.hpp"
#include "http/envelope.hpp"
#include "http/exchange.hpp"
#include "http/handlers/answered_write.hpp"
#include "http/handlers/conflict_outcomes.hpp"
#include "http/handlers/direct_support.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/query_params.hpp"
#include "http/handlers/space_access.hpp"

namespace synclog::http::handlers {
namespace json = boost::json;
namespace {

// The record's representation: its id, then its wire form.
std::string record_json(const domain::DeclaredRecord& r) {
  std::string out = "{\"id\":";
  append_json_string(out, r.id);
  const std::string data = domain::wire_data(r);
  if (data.size() > 2) out.push_back(',');
  out.append(data, 1, std::string::npos);
  return out;
}

// The path's {type} in the space's current schema (404 when it has none).
Result<const domain::TypeSpec*> type_of(const Exchange& ex, const domain::CompiledSchema& schema) {
  const auto name = ex.path_param("type");
  const domain::TypeSpec* t = name ? schema.schema.type(*name) : nullptr;
  if (!t) {
    return make_error(ErrorCode::kNotFound, "Schema " + schema.schema.name + " has no type " +
                                                std::string(name.value_or("")));
  }
  return t;
}

void add_version_headers(HttpResponse& r, const domain::DeclaredRecord& rec) {
  r.set_header("ETag", domain::etag_for(rec.version));
  r.set_header("X-Modified-By", rec.modified_person);
}

void get_record(Services& s, const std::shared_ptr<Exchange>& ex) {
  auto id = path_id(*ex, "recordId", "Record");
  if (!id.ok()) return ex->fail(id.error());
  auto pre = domain::Preconditions::parse(ex->request().header("if-match"), ex->request().header("if-none-match"));
  if (!pre.ok()) return ex->fail(pre.error());
  with_space(s, ex, [&s, ex, id = *id, pre = *pre](SpaceTarget t) {
    auto type = type_of(*ex, *t.schema);
    if (!type.ok()) return refuse_in_space(s, ex, t, refusal(type.error()), 0);
    auto found = std::make_shared<std::optional<domain::DeclaredRecord>>();
    const std::string person = ex->ctx().subject;
    s.store.read(
        t.known.key,
        [t, person, id, found, kind = (*type)->kind](storage::ReadTxn& txn) -> Status {
          SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
          SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kViewer));
          domain::ResourceView view(txn, t.schema->types);
          SYNCLOG_ASSIGN_OR_RETURN(auto rec, view.get_any(kind, id));
          if (rec) *found = std::get<domain::DeclaredRecord>(std::move(*rec));
          return Status();
        },
        [ex, found, pre, t, id](Status st) {
          ex->resume([ex, found, pre, t, id, st] {
            if (!st.ok()) return ex->fail(st.error());
            if (!*found) return ex->fail(make_error(ErrorCode::kNotFound, "Record " + id + " not found"));
            const auto& rec = **found;
            if (pre.not_modified(rec.version)) {
              HttpResponse r = json_response(304, {});
              add_version_headers(r, rec);
              return ex->respond(std::move(r));
            }
            HttpResponse r = json_response(200, domain::success_body(record_json(rec)));
            add_version_headers(r, rec);
            ex->respond(std::move(r));
          });
        });
  });
}

void list_records(Services& s, const std::shared_ptr<Exchange>& ex) {
  auto page = page_params(ex->request());
  if (!page.ok()) return ex->fail(page.error());
  with_space(s, ex, [&s, ex, page = *page](SpaceTarget t) {
    auto type = type_of(*ex, *t.schema);
    if (!type.ok()) return refuse_in_space(s, ex, t, refusal(type.error()), 0);
    auto body = std::make_shared<std::string>();
    const std::string person = ex->ctx().subject;
    s.store.read(
        t.known.key,
        [t, person, page, body, kind = (*type)->kind](storage::ReadTxn& txn) -> Status {
          SYNCLOG_ASSIGN_OR_RETURN(auto standing, domain::read_standing(txn, person));
          SYNCLOG_RETURN_IF_ERROR(admit(standing, t.id, domain::Role::kViewer));
          SYNCLOG_ASSIGN_OR_RETURN(auto records, txn.list(kind));  // ordered by id
          std::vector<std::string> keys;
          keys.reserve(records.size());
          for (const auto& r : records) keys.push_back(r.id);
          SYNCLOG_ASSIGN_OR_RETURN(auto window, domain::select_page(keys, page));
          const domain::TypeRegistry& types = t.schema->types;
          std::string list = "[";
          for (std::size_t i = window.begin; i < window.end; ++i) {
            SYNCLOG_ASSIGN_OR_RETURN(auto rec, types.find(kind)->decode(records[i]));
            if (list.size() > 1) list.push_back(',');
            list += record_json(std::get<domain::DeclaredRecord>(rec));
          }
          list.push_back(']');
          *body = domain::success_body(list, domain::pagination_json(keys, window));
          return Status();
        },
        [ex, body](Status st) {
          ex->resume([ex, body, st] {
            if (!st.ok()) return ex->fail(st.error());
            ex->respond(json_response(200, std::move(*body)));
          });
        });
  });
}

// A 412 for a write judged under conflictMode=field that clashes, with both sides, and the
// record's current version.
WriteAnswer conflict_answer(const domain::Conflict& conflict) {
  WriteAnswer a;
  a.status = 412;
  a.headers.emplace_back("X-Conflict-Outcome", "conflict");
  a.headers.emplace_back("ETag", domain::etag_for(conflict.version));
  JsonObjectWriter w;
  w.str("message", "If-Match: the record has changed since that version, and the change clashes")
      .str("type", error_type(412)).boolean("success", false).raw("conflict", domain::conflict_json(conflict));
  a.body = std::move(w).finish();
  return a;
}

struct WriteRequest {
  domain::Mutation mutation;
  domain::Preconditions pre;
  std::optional<std::int64_t> last;
  bool field_mode = false;
};

void run_record_write(Services& s, const std::shared_ptr<Exchange>& ex, SpaceTarget t,
                      std::shared_ptr<WriteRequest> w) {
  const std::int64_t now = s.clock.now_ms();
  auto judged = std::make_shared<Judged>();
  run_answered_write(
      s, ex, OtherLog{t.known.key, ex->ctx().subject},
      [t, w, now, judged, write = refused_write(*ex)](storage::WriteTxn& txn) -> Result<WriteAnswer> {
        SYNCLOG_ASSIGN_OR_RETURN(auto writer, admit_writer(txn, t.id, write, 1, now));
        const std::string& person = write.person;
        const std::string& client = write.client;
        if (writer.revoked) return std::move(*writer.revoked);
        const domain::Role role = writer.member.role;
        SYNCLOG_ASSIGN_OR_RETURN(const storage::UserHead h, txn.head());
        // In field mode a stale lastMutationAt is no conflict by itself.
        if (w->last && !(w->field_mode && *w->last <= h.head)) {
          SYNCLOG_RETURN_IF_ERROR(domain::check_last_mutation_at(h, *w->last));
        }
        const domain::Mutation& m = w->mutation;
        domain::Ledger ledger(txn, t.schema->types, now, h.head, client);
        ledger.set_person(person);
        const std::uint8_t kind = static_cast<std::uint8_t>(m.resource);
        std::optional<std::int64_t> version;
        if (!m.resource_id.empty()) {
          SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get_any(kind, m.resource_id));
          if (existing) version = domain::record_version(*existing);
        }
        const domain::FieldContext ctx{ErrorCode::kUnprocessable, "", ""};
        domain::Ack ack;
        // A DELETE the judge settled in the server's favour removes nothing: its answer is the
        // record as kept, not "deleted", or the device would drop a record the space still has.
        bool kept = false;
        const auto base = version ? w->pre.merge_base(*version) : std::nullopt;
        if (base) {
          domain::Vantage who{*base, h.horizon, client, h.head};
          who.person = person;
          who.captured = domain::times_of(m.data).updated.value_or(now);
          SYNCLOG_ASSIGN_OR_RETURN(const domain::RecordType* type, domain::type_of(ledger, m));
          SYNCLOG_ASSIGN_OR_RETURN(
              auto jp, domain::judge_and_plan(ledger, *type, m, domain::PlanContext{ctx, client, role}, who));
          judged->clear();
          judged->emplace_back(m.resource, jp.judgement.outcome, std::string_view(m.type_name));
          if (jp.judgement.conflict) return conflict_answer(*jp.judgement.conflict);
          kept = jp.plan->step == domain::Plan::Step::kNothing && jp.plan->current.has_value();
          SYNCLOG_ASSIGN_OR_RETURN(ack, domain::apply_plan(ledger, *type, m, *jp.plan, ctx));
        } else {
          SYNCLOG_RETURN_IF_ERROR(w->pre.check_write(version));
          SYNCLOG_ASSIGN_OR_RETURN(ack, domain::apply_mutation(ledger, m, ctx, role));
        }
        if (ledger.head() != h.head) SYNCLOG_RETURN_IF_ERROR(txn.set_head(ledger.head()));
        WriteAnswer answer;
        answer.headers.emplace_back("X-Mutation-At", std::to_string(ledger.head()));
        if (base) answer.headers.emplace_back("X-Conflict-Outcome", domain::outcome_name(judged->back().outcome));
        if (m.type == domain::MutationType::kDelete && !kept) {
          JsonObjectWriter d;
          d.str("id", ack.resource_id).boolean("deleted", true);
          answer.body = domain::success_body(std::move(d).finish());
          return answer;
        }
        SYNCLOG_ASSIGN_OR_RETURN(auto saved, ledger.get_any(kind, ack.resource_id));
        if (!saved) return make_error(ErrorCode::kInternal, "the record just written is gone");
        const auto& rec = std::get<domain::DeclaredRecord>(*saved);
        answer.status = version ? 200 : 201;
        answer.headers.emplace_back("ETag", domain::etag_for(rec.version));
        answer.headers.emplace_back("X-Modified-By", rec.modified_person);
        answer.body = domain::success_body(record_json(rec));
        return answer;
      },
      [&s, ex, judged](const Status& st, bool replayed) {
        if (st.ok() && !replayed && !judged->empty()) report_outcomes(s, ex->ctx(), *judged, /*space=*/true);
      });
}

void write_record(Services& s, const std::shared_ptr<Exchange>& ex, domain::MutationType type) {
  const HttpRequest& req = ex->request();
  auto w = std::make_shared<WriteRequest>();
  w->mutation.type = type;
  if (type != domain::MutationType::kCreate || req.method == "PUT") {
    auto id = path_id(*ex, "recordId", "Record");
    if (!id.ok()) return ex->fail(id.error());
    w->mutation.resource_id = std::move(*id);
  }
  if (auto text = req.param("lastMutationAt")) {
    auto parsed = parse_last_mutation_at(*text);
    if (!parsed.ok()) return ex->fail(parsed.error());
    w->last = *parsed;
  }
  auto pre = domain::Preconditions::parse(req.header("if-match"), req.header("if-none-match"));
  if (!pre.ok()) return ex->fail(pre.error());
  w->pre = std::move(*pre);
  // Before the space is looked up: a stranger learns nothing from it (space_access.hpp).
  if (auto st = check_idempotency_key(req); !st.ok()) return ex->fail(st.error());
  auto mode = conflict_mode_param(req);
  if (!mode.ok()) return ex->fail(mode.error());
  w->field_mode = *mode == domain::ConflictMode::kField;
  if (w->field_mode) w->pre.allow_merge();
  std::optional<json::value> body;
  if (type != domain::MutationType::kDelete) {
    auto parsed = json_object_body(req);
    if (!parsed.ok()) return ex->fail(parsed.error());
    body = std::move(*parsed);
  }
  with_space(s, ex, [&s, ex, w, body = std::move(body)](SpaceTarget t) {
    with_device_schema(s, ex, t, 1, [&s, ex, w, body, t](domain::SchemaPtr device, domain::SchemaPtr current) {
      auto current_type = type_of(*ex, *current);
      if (!current_type.ok()) return refuse_in_space(s, ex, t, refusal(current_type.error()), 1);
      const domain::TypeSpec* device_type = device->schema.type((*current_type)->name);
      if (!device_type) {
        return refuse_in_space(s, ex, t,
                               refusal(make_error(ErrorCode::kUnprocessable,
                                                  "Schema " + device->schema.name + " version " +
                                                      std::to_string(device->schema.version) + " has no type " +
                                                      (*current_type)->name)),
                               1);
      }
      domain::Mutation& m = w->mutation;
      m.resource = static_cast<domain::Resource>((*current_type)->kind);
      m.type_name = (*current_type)->name;
      static const json::object kEmpty;
      auto read = domain::read_declared_fields(m.type, *device_type, **current_type,
                                               body ? body->get_object() : kEmpty, "", "");
      if (auto* problem = std::get_if<domain::FieldProblem>(&read)) {
        return refuse_in_space(s, ex, t, refusal(make_error(ErrorCode::kUnprocessable, problem->message)), 1);
      }
      auto& fields = std::get<domain::ReadFields>(read);
      m.data = std::move(fields.fields);
      m.ack_data = std::move(fields.echo);
      SpaceTarget target = t;
      target.schema = current;
      run_record_write(s, ex, std::move(target), w);
    });
  });
}

}  // namespace

void add_space_record_routes(Router& router, Services& services) {
  Services* s = &services;
  using domain::MutationType;
  router.add(Route{"GET", "/v1/spaces/{spaceId}/records/{type}", true, [s](const auto& ex) { list_records(*s, ex); }});
  router.add(Route{"POST", "/v1/spaces/{spaceId}/records/{type}", true,
                   [s](const auto& ex) { write_record(*s, ex, MutationType::kCreate); }});
  router.add(Route{"GET", "/v1/spaces/{spaceId}/records/{type}/{recordId}", true,
                   [s](const auto& ex) { get_record(*s, ex); }});
  router.add(Route{"PUT", "/v1/spaces/{spaceId}/records/{type}/{recordId}", true,
                   [s](const auto& ex) { write_record(*s, ex, MutationType::kCreate); }});
  router.add(Route{"PATCH", "/v1/spaces/{spaceId}/records/{type}/{recordId}", true,
                   [s](const auto& ex) { write_record(*s, ex, MutationType::kUpdate); }});
  router.add(Route{"DELETE", "/v1/spaces/{spaceId}/records/{type}/{recordId}", true,
                   [s](const auto& ex) { write_record(*s, ex, MutationType::kDelete); }});
}

}  // namespace synclog::http::handlers
