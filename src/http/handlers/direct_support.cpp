// The direct endpoints' common paths through storage.
#include "http/handlers/direct_support.hpp"

#include <boost/json.hpp>

#include "common/ids.hpp"
#include "domain/json_input.hpp"
#include "domain/push.hpp"
#include "domain/push_parser.hpp"
#include "http/envelope.hpp"
#include "common/json_text.hpp"
#include "http/handlers/answered_write.hpp"
#include "http/handlers/conflict_outcomes.hpp"
#include "http/handlers/query_params.hpp"

namespace synclog::http::handlers {
namespace json = boost::json;
namespace {

Result<domain::Preconditions> preconditions(const HttpRequest& req) {
  return domain::Preconditions::parse(req.header("if-match"), req.header("if-none-match"));
}

void add_version_headers(std::vector<std::pair<std::string, std::string>>& headers,
                         const domain::DirectResult& result) {
  if (!result.version) return;
  headers.emplace_back("ETag", domain::etag_for(*result.version));
  if (!result.modified_by.empty()) headers.emplace_back("X-Modified-By", result.modified_by);
}

// A write refused under conflictMode=field: 412 in the generic envelope, with the clash.
void refuse_with_conflict(WriteAnswer& answer, const domain::Conflict& conflict) {
  answer.status = 412;
  JsonObjectWriter w;
  w.str("message", "If-Match: the resource has changed since that version, and the change clashes")
      .str("type", error_type(412)).boolean("success", false)
      .raw("conflict", domain::conflict_json(conflict));
  answer.body = std::move(w).finish();
}

}  // namespace

void run_write(Services& s, const std::shared_ptr<Exchange>& ex, WriteOp op, JudgesStaleIfMatch judges) {
  std::optional<std::int64_t> last;
  if (auto text = ex->request().param("lastMutationAt")) {
    auto parsed = parse_last_mutation_at(*text);
    if (!parsed.ok()) return ex->fail(parsed.error());
    last = *parsed;
  }
  auto pre = preconditions(ex->request());
  if (!pre.ok()) return ex->fail(pre.error());
  // conflictMode means something only to the writes that judge a stale If-Match; the others
  // ignore it like any unknown parameter.
  bool field_mode = false;
  if (judges == JudgesStaleIfMatch::kOnRequest) {
    auto mode = conflict_mode_param(ex->request());
    if (!mode.ok()) return ex->fail(mode.error());
    field_mode = *mode == domain::ConflictMode::kField;
  }
  if (field_mode) pre->allow_merge();
  auto judged = std::make_shared<Judged>();
  const Clock& clock = s.clock;
  run_answered_write(
      s, ex,
      [op = std::move(op), pre = std::move(*pre), last, field_mode, judged, &clock,
       client = ex->ctx().client_id](storage::WriteTxn& txn) -> Result<WriteAnswer> {
        SYNCLOG_ASSIGN_OR_RETURN(const storage::UserHead h, txn.head());
        // In field mode a stale lastMutationAt is no conflict by itself (as on POST /v1/sync).
        if (last && !(field_mode && *last <= h.head)) {
          SYNCLOG_RETURN_IF_ERROR(domain::check_last_mutation_at(h, *last));
        }
        domain::Ledger ledger(txn, clock.now_ms(), h.head, client);
        SYNCLOG_ASSIGN_OR_RETURN(domain::DirectResult result, op(ledger, pre));
        const std::int64_t head = ledger.head();
        if (head != h.head) SYNCLOG_RETURN_IF_ERROR(txn.set_head(head));
        judged->clear();
        if (result.judged) judged->push_back(*result.judged);
        WriteAnswer answer;
        answer.headers.emplace_back("X-Mutation-At", std::to_string(head));
        if (result.judged) {
          answer.headers.emplace_back("X-Conflict-Outcome", domain::outcome_name(result.judged->outcome));
        }
        add_version_headers(answer.headers, result);
        if (result.conflict) {
          refuse_with_conflict(answer, *result.conflict);
        } else {
          answer.body = std::move(result.body);
        }
        return answer;
      },
      [&s, ex, field_mode, judged](const Status& st, bool replayed) {
        if (st.ok() && !replayed && field_mode) report_outcomes(s, ex->ctx(), *judged);
      });
}

void run_read(Services& s, const std::shared_ptr<Exchange>& ex, ReadOp op) {
  auto pre = preconditions(ex->request());
  if (!pre.ok()) return ex->fail(pre.error());
  auto result = std::make_shared<domain::DirectResult>();
  s.store.read(
      ex->ctx().user,
      [op = std::move(op), result](storage::ReadTxn& txn) -> Status {
        domain::ResourceView view(txn);
        SYNCLOG_ASSIGN_OR_RETURN(*result, op(view));
        return Status();
      },
      [ex, result, pre = std::move(*pre)](Status st) {
        ex->resume([ex, result, pre, st] {
          if (!st.ok()) return ex->fail(st.error());
          if (result->version && result->version_covers_body && pre.not_modified(*result->version)) {
            HttpResponse r = json_response(304, {});
            add_version_headers(r.headers, *result);
            return ex->respond(std::move(r));
          }
          HttpResponse r = json_response(200, std::move(result->body));
          add_version_headers(r.headers, *result);
          ex->respond(std::move(r));
        });
      });
}

void run_read_body(Services& s, const std::shared_ptr<Exchange>& ex,
                   std::function<Result<std::string>(domain::ResourceView&)> op) {
  run_read(s, ex, [op = std::move(op)](domain::ResourceView& v) -> Result<domain::DirectResult> {
    SYNCLOG_ASSIGN_OR_RETURN(auto body, op(v));
    domain::DirectResult r;
    r.body = std::move(body);
    return r;
  });
}

Status require(const RequestContext& ctx, domain::Resource resource, domain::Action action) {
  if (ctx.scopes.allows(resource, action)) return Status();
  return make_error(ErrorCode::kForbidden, "The access token does not allow this operation on " +
                                               std::string(domain::resource_name(resource)));
}

Status require_family(const RequestContext& ctx, std::string_view family, domain::Action action) {
  if (ctx.scopes.family_allows(family, action)) return Status();
  return make_error(ErrorCode::kForbidden,
                    "The access token does not allow this operation on " + std::string(family));
}

Result<json::value> json_object_body(const HttpRequest& req) {
  SYNCLOG_ASSIGN_OR_RETURN(auto body, domain::parse_json(req.body));
  if (!body.is_object()) return make_error(ErrorCode::kUnprocessable, "The body must be a JSON object");
  return body;
}

Result<std::string> path_id(const Exchange& ex, std::string_view name, std::string_view what) {
  const auto id = ex.path_param(name);
  if (!id || !is_valid_id(*id)) return make_error(ErrorCode::kNotFound, std::string(what) + " not found");
  return std::string(*id);
}

json::object query_object(const HttpRequest& req, std::initializer_list<std::string_view> numeric,
                          std::initializer_list<std::string_view> text,
                          std::initializer_list<std::string_view> boolean) {
  json::object o;
  for (auto name : numeric) {
    if (auto v = req.param(name)) {
      if (auto n = parse_number(*v, /*whole_only=*/true)) {
        o[name] = *n;
      } else {
        o[name] = *v;  // the field reader says what is wrong with it
      }
    }
  }
  for (auto name : text) {
    if (auto v = req.param(name)) o[name] = *v;
  }
  for (auto name : boolean) {
    if (auto v = req.param(name)) {
      if (*v == "true" || *v == "false") {
        o[name] = *v == "true";
      } else {
        o[name] = *v;
      }
    }
  }
  return o;
}

Result<domain::PageParams> page_params(const HttpRequest& req) {
  domain::PageParams p;
  SYNCLOG_ASSIGN_OR_RETURN(p.first, int_param(req, "first", 1, domain::kMaxPageSize));
  SYNCLOG_ASSIGN_OR_RETURN(p.last, int_param(req, "last", 1, domain::kMaxPageSize));
  if (auto a = req.param("after"); a && !a->empty()) p.after = std::string(*a);
  if (auto b = req.param("before"); b && !b->empty()) p.before = std::string(*b);
  return p;
}

const domain::FieldContext& direct_field_context() {
  static const domain::FieldContext kContext{ErrorCode::kUnprocessable, "", ""};
  return kContext;
}

Result<domain::MutationData> read_data(domain::MutationType type, domain::Resource resource,
                                       const json::object& body, domain::ConflictMode mode) {
  domain::FieldReader reader(body, direct_field_context());
  return domain::read_mutation_data(type, resource, reader, mode);
}

Result<std::optional<domain::BookmarkKind>> kind_param(const HttpRequest& req) {
  const auto v = req.param("type");
  if (!v || v->empty()) return std::optional<domain::BookmarkKind>();
  const auto kind = domain::parse_bookmark_kind(*v);
  if (!kind) return make_error(ErrorCode::kUnprocessable, "type must be one of ayah, surah, juz, page");
  return kind;
}

Result<domain::BookmarkDetails> details_from_query(const HttpRequest& req) {
  const json::object q = query_object(req, {"key", "verseNumber", "mushafId", "mushaf"}, {"type"});
  domain::FieldReader reader(q, direct_field_context());
  return domain::read_bookmark_details(reader);
}

}  // namespace synclog::http::handlers
