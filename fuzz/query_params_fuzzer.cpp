// The query parameters of /v1/sync: the input is the query string of a request to
// /v1/sync, decoded by parse_target as the session does, then read as GET /v1/sync reads it
// (parse_sync_pull_params: mutationsSince, resources, metadataOnly, limit, page) and as
// POST /v1/sync reads it (lastMutationAt, conflictMode).
//
// Properties:
// - a pull that parses has mutationsSince >= 0, resources within what the token may read,
//   limit in 1..1000, page in 1..kMaxPage, and the server's cap; a refusal is 400 only when
//   mutationsSince is missing, 422 otherwise;
// - lastMutationAt is refused (400) exactly when it is no number, and an integer is kept as is;
//   conflictMode is strict, field, or a 422;
// - parse_int and parse_number agree, and what they read reads back the same from its decimal;
// - the query, encoded again, decodes to the same parameters.
#include <string>
#include <vector>

#include "domain/tuning.hpp"
#include "fuzz_check.hpp"
#include "http/app.hpp"
#include "http/handlers/pull_params.hpp"
#include "http/handlers/query_params.hpp"
#include "http/message.hpp"

namespace {

namespace handlers = synclog::http::handlers;
using synclog::ErrorCode;
using synclog::domain::Resource;
using synclog::domain::ResourceSet;

void check_numbers(const std::string& value) {
  const auto i = handlers::parse_int(value);
  const auto whole = handlers::parse_number(value, true);
  const auto any = handlers::parse_number(value, false);
  if (i) {
    SYNCLOG_FUZZ_CHECK(whole == i && any == i, "parse_number disagrees with parse_int on " + value);
    SYNCLOG_FUZZ_CHECK(handlers::parse_int(std::to_string(*i)) == i, value);
  }
  if (whole) SYNCLOG_FUZZ_CHECK(any == whole, "a whole number read differently on " + value);
  if (any) {
    SYNCLOG_FUZZ_CHECK(handlers::parse_number(std::to_string(*any), true) == any, value);
  }
}

void check_pull(const synclog::http::HttpRequest& req, ResourceSet readable) {
  const synclog::http::AppOptions options;
  const auto pull = handlers::parse_sync_pull_params(req, options, readable);
  if (!pull.ok()) {
    const bool missing = !req.param("mutationsSince");
    SYNCLOG_FUZZ_CHECK(
        pull.error().code == (missing ? ErrorCode::kInvalidRequest : ErrorCode::kUnprocessable),
        pull.error().message);
    return;
  }
  SYNCLOG_FUZZ_CHECK(pull->since >= 0, std::to_string(pull->since));
  SYNCLOG_FUZZ_CHECK((pull->resources.bits() & ~readable.bits()) == 0,
                     "resources beyond the token's");
  if (pull->limit)
    SYNCLOG_FUZZ_CHECK(*pull->limit >= 1 && *pull->limit <= synclog::domain::kMaxPageLimit,
                       "limit");
  if (pull->page)
    SYNCLOG_FUZZ_CHECK(*pull->page >= 1 && *pull->page <= synclog::domain::kMaxPage, "page");
  SYNCLOG_FUZZ_CHECK(pull->cap == options.pull_cap && pull->max_bytes == options.pull_max_bytes,
                     "cap");
}

void check_push(const synclog::http::HttpRequest& req) {
  if (const auto last = req.param("lastMutationAt")) {
    const auto parsed = handlers::parse_last_mutation_at(*last);
    const bool number = handlers::parse_number(*last, false).has_value();
    SYNCLOG_FUZZ_CHECK(parsed.ok() == number, std::string(*last));
    if (!parsed.ok())
      SYNCLOG_FUZZ_CHECK(parsed.error().code == ErrorCode::kInvalidRequest, parsed.error().message);
    if (const auto i = handlers::parse_int(*last))
      SYNCLOG_FUZZ_CHECK(*parsed == *i, std::string(*last));
  }
  const auto mode = handlers::conflict_mode_param(req);
  const auto text = req.param("conflictMode").value_or("");
  const bool known = text.empty() || text == "strict" || text == "field";
  SYNCLOG_FUZZ_CHECK(mode.ok() == known, std::string(text));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  synclog::http::HttpRequest req;
  req.target = "/v1/sync?" + std::string(synclog::fuzz::text(data, size));
  if (!synclog::http::parse_target(req.target, req.path, req.query)) return 0;

  ResourceSet some;
  some.add(Resource::kBookmark);
  some.add(Resource::kNote);
  check_pull(req, ResourceSet::all());
  check_pull(req, some);
  check_push(req);
  for (const auto& [name, value] : req.query) check_numbers(value);

  const std::string again = "/v1/sync" + synclog::fuzz::percent_encode_query(req.query);
  synclog::http::HttpRequest req2;
  SYNCLOG_FUZZ_CHECK(synclog::http::parse_target(again, req2.path, req2.query), again);
  SYNCLOG_FUZZ_CHECK(req2.query == req.query, "the query changed through " + again);
  return 0;
}
