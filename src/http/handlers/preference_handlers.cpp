// The preference endpoints: GET /v1/preferences, POST /v1/preferences?mushafId= (one key),
// POST /v1/preferences/bulk?mushafId= (groups). Preferences are kept per user, outside the
// sync log: writing them moves no head and answers no X-Mutation-At (contract A5).
// Preferences are not kept per mushaf: mushafId, which upstream requires, is validated when
// present and may be absent, because the official JS SDK (@quranjs/api) sends none with its
// preferences.update/bulkUpdate.
#include <boost/json.hpp>

#include "domain/direct_wire.hpp"
#include "domain/preferences.hpp"
#include "domain/quran.hpp"
#include "http/envelope.hpp"
#include "http/handlers/answered_write.hpp"
#include "http/handlers/direct_support.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/query_params.hpp"

namespace synclog::http::handlers {
namespace {

namespace json = boost::json;
using domain::Action;

Result<std::string> stored_preferences(storage::ReadTxn& txn) {
  SYNCLOG_ASSIGN_OR_RETURN(auto rec, txn.get(domain::kPreferencesKind, domain::kPreferencesId));
  return rec ? rec->data : std::string("{}");
}

void get(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_family(ex->ctx(), "preference", Action::kRead); !st.ok()) return ex->fail(st.error());
  auto body = std::make_shared<std::string>();
  s.store.read(
      ex->ctx().user,
      [body](storage::ReadTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(const std::string stored, stored_preferences(txn));
        *body = domain::preferences_body(stored);
        return Status();
      },
      [ex, body](Status st) {
        ex->resume([ex, body, st] {
          if (!st.ok()) return ex->fail(st.error());
          ex->respond(json_response(200, std::move(*body)));
        });
      });
}

using Merge = Result<std::string> (*)(std::string_view, const json::value&);

void set(Services& s, const std::shared_ptr<Exchange>& ex, Merge merge, std::string_view message) {
  const auto& ctx = ex->ctx();
  if (!ctx.scopes.family_allows("preference", Action::kUpdate) &&
      !ctx.scopes.family_allows("preference", Action::kCreate)) {
    return ex->fail(require_family(ctx, "preference", Action::kUpdate).error());
  }
  auto mushaf = int_param(ex->request(), "mushafId", 1, 19);
  if (!mushaf.ok()) return ex->fail(mushaf.error());
  if (*mushaf && !domain::quran::is_known_mushaf(static_cast<int>(**mushaf))) {
    return ex->fail(make_error(ErrorCode::kUnprocessable, "mushafId must be one of 1, 2, 3, 4, 5, 6, 7, 11, 19"));
  }
  auto body = json_object_body(ex->request());
  if (!body.ok()) return ex->fail(body.error());
  // Validate before queueing the write: a bad key never reaches storage.
  auto checked = merge("{}", *body);
  if (!checked.ok()) return ex->fail(checked.error());
  run_answered_write(s, ex,
                     [merge, body = std::move(*body), message = std::string(message)](
                         storage::WriteTxn& txn) -> Result<WriteAnswer> {
                       SYNCLOG_ASSIGN_OR_RETURN(const std::string stored, stored_preferences(txn));
                       SYNCLOG_ASSIGN_OR_RETURN(std::string updated, merge(stored, body));
                       storage::Record r;
                       r.kind = domain::kPreferencesKind;
                       r.id = std::string(domain::kPreferencesId);
                       r.data = std::move(updated);
                       SYNCLOG_RETURN_IF_ERROR(txn.put(r));
                       return WriteAnswer{200, {}, domain::message_body(message)};
                     });
}

}  // namespace

void add_preference_routes(Router& router, Services& s) {
  router.add(Route{"GET", "/v1/preferences", true, [&s](const auto& ex) { get(s, ex); }});
  router.add(Route{"POST", "/v1/preferences", true, [&s](const auto& ex) {
                     set(s, ex, &domain::set_preference, "preference updated");
                   }});
  router.add(Route{"POST", "/v1/preferences/bulk", true, [&s](const auto& ex) {
                     set(s, ex, &domain::set_preferences_bulk, "preferences updated");
                   }});
}

}  // namespace synclog::http::handlers
