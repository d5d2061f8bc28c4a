// The direct reading-session endpoints: GET /v1/reading-sessions (most recent first) and
// POST /v1/reading-sessions (the 20-minute rule).
#include <boost/json.hpp>

#include "domain/direct_reads.hpp"
#include "domain/direct_writes.hpp"
#include "http/handlers/direct_support.hpp"
#include "http/handlers/handlers.hpp"

namespace synclog::http::handlers {
namespace {

using domain::Action;
using domain::MutationType;
using domain::Resource;

void list(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require(ex->ctx(), Resource::kReadingSession, Action::kRead); !st.ok()) {
    return ex->fail(st.error());
  }
  auto page = page_params(ex->request());
  if (!page.ok()) return ex->fail(page.error());
  run_read_body(s, ex, [page = *page](domain::ResourceView& v) { return domain::list_reading_sessions(v, page); });
}

void record(Services& s, const std::shared_ptr<Exchange>& ex) {
  // The same call creates or updates, depending on the latest session's age: either scope will do.
  const auto& ctx = ex->ctx();
  if (!ctx.scopes.allows(Resource::kReadingSession, Action::kCreate) &&
      !ctx.scopes.allows(Resource::kReadingSession, Action::kUpdate)) {
    return ex->fail(require(ctx, Resource::kReadingSession, Action::kCreate).error());
  }
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  auto f = read_as<domain::SessionFields>(MutationType::kCreate, Resource::kReadingSession, body->get_object());
  if (!f.ok()) return ex->fail(f.error());
  run_write(s, ex, [f = std::move(*f)](domain::Ledger& l, const domain::Preconditions& pre) {
    return domain::record_reading_session(l, f, pre);
  });
}

}  // namespace

void add_reading_session_routes(Router& router, Services& s) {
  router.add(Route{"GET", "/v1/reading-sessions", true, [&s](const auto& ex) { list(s, ex); }});
  router.add(Route{"POST", "/v1/reading-sessions", true, [&s](const auto& ex) { record(s, ex); }});
}

}  // namespace synclog::http::handlers
