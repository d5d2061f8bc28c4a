// What every direct endpoint handler shares: running a write in the user's write transaction
// (the optional lastMutationAt check, preconditions, the new head in X-Mutation-At) or a read
// in one read snapshot (304 for a matching If-None-Match), and reading the request's pieces.
#pragma once

#include <boost/json/fwd.hpp>

#include <functional>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "common/status.hpp"
#include "domain/cursor_page.hpp"
#include "domain/direct_result.hpp"
#include "domain/field_reader.hpp"
#include "domain/ledger.hpp"
#include "domain/preconditions.hpp"
#include "domain/resource_view.hpp"
#include "domain/scopes.hpp"
#include "http/app.hpp"
#include "http/exchange.hpp"

namespace synclog::http::handlers {

using WriteOp =
    std::function<Result<domain::DirectResult>(domain::Ledger&, const domain::Preconditions&)>;
using ReadOp = std::function<Result<domain::DirectResult>(domain::ResourceView&)>;

// Whether a write takes ?conflictMode=field, judging a stale If-Match field by field (the op
// then calls Preconditions::merge_base) and accepting a stale lastMutationAt.
enum class JudgesStaleIfMatch : bool { kNever, kOnRequest };

// Answers 200 with the op's body, X-Mutation-At (the head after the write) and, for a single
// resource, ETag and X-Modified-By. A lastMutationAt query parameter that is not the head is
// the 409 of POST /v1/sync; malformed If-Match/If-None-Match are 400. A judged write that
// clashes is 412 with the clash (docs/api.md, "Genuine-only conflicts").
void run_write(Services& s, const std::shared_ptr<Exchange>& ex, WriteOp op,
               JudgesStaleIfMatch judges = JudgesStaleIfMatch::kNever);
// Answers 200 with the op's body (ETag and X-Modified-By for a single resource), or 304 when
// If-None-Match names the resource's current version.
void run_read(Services& s, const std::shared_ptr<Exchange>& ex, ReadOp op);
// run_read for ops that produce only a body.
void run_read_body(Services& s, const std::shared_ptr<Exchange>& ex,
                   std::function<Result<std::string>(domain::ResourceView&)> op);

// 403 unless the token allows `action` on `resource` (or on any of `resources`).
Status require(const RequestContext& ctx, domain::Resource resource, domain::Action action);
Status require_family(const RequestContext& ctx, std::string_view family, domain::Action action);

// The body as a JSON object (400 when it is not JSON, 422 when it is not an object).
Result<boost::json::value> json_object_body(const HttpRequest& req);
// A path parameter that must be an id; 404 when it cannot be one.
Result<std::string> path_id(const Exchange& ex, std::string_view name, std::string_view what);
// Query parameters as a JSON object for the domain's field readers: `numeric` ones become
// numbers when they parse as integers, the rest stay strings.
boost::json::object query_object(const HttpRequest& req, std::initializer_list<std::string_view> numeric,
                                 std::initializer_list<std::string_view> text,
                                 std::initializer_list<std::string_view> boolean = {});
// first/last/after/before.
Result<domain::PageParams> page_params(const HttpRequest& req);

// A direct body read with the same field rules as a sync mutation's data (422 naming the
// field, without the "data." prefix and mutation index).
// In conflictMode=field an update carries only the fields it changes.
Result<domain::MutationData> read_data(domain::MutationType type, domain::Resource resource,
                                       const boost::json::object& body,
                                       domain::ConflictMode mode = domain::ConflictMode::kStrict);
template <class T>
Result<T> read_as(domain::MutationType type, domain::Resource resource, const boost::json::object& body,
                  domain::ConflictMode mode = domain::ConflictMode::kStrict) {
  SYNCLOG_ASSIGN_OR_RETURN(auto data, read_data(type, resource, body, mode));
  return std::get<T>(std::move(data));
}
// The optional `type` query parameter as a bookmark kind (422 for other values).
Result<std::optional<domain::BookmarkKind>> kind_param(const HttpRequest& req);
// A bookmark's details from query parameters (key, type, verseNumber, mushafId/mushaf).
Result<domain::BookmarkDetails> details_from_query(const HttpRequest& req);
// The direct contexts' error wording: 422, no prefix, no mutation index.
const domain::FieldContext& direct_field_context();

}  // namespace synclog::http::handlers
