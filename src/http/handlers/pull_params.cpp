// Pull parameters and answers.
#include "http/handlers/pull_params.hpp"

#include "domain/tuning.hpp"
#include "http/envelope.hpp"
#include "http/handlers/query_params.hpp"

namespace synclog::http::handlers {
namespace {

Error unprocessable(std::string message) { return make_error(ErrorCode::kUnprocessable, std::move(message)); }

}  // namespace

Result<domain::PullRequest> parse_pull_params(const HttpRequest& req, const AppOptions& options,
                                              const std::function<Status(domain::PullRequest&)>& resources) {
  domain::PullRequest p;
  p.cap = options.pull_cap;
  p.max_bytes = options.pull_max_bytes;
  const auto since = req.param("mutationsSince");
  if (!since) return make_error(ErrorCode::kInvalidRequest, "mutationsSince is required");
  const auto since_value = parse_number(*since, false);
  if (!since_value || *since_value < -1) {
    return unprocessable("mutationsSince must be a timestamp in milliseconds (or -1)");
  }
  p.since = std::max<std::int64_t>(0, *since_value);
  SYNCLOG_RETURN_IF_ERROR(resources(p));
  SYNCLOG_ASSIGN_OR_RETURN(const auto metadata_only, bool_param(req, "metadataOnly"));
  p.metadata_only = metadata_only.value_or(false);
  if (auto limit = req.param("limit")) {
    const auto v = parse_number(*limit, true);
    if (!v || *v < 1 || *v > domain::kMaxPageLimit) {
      return unprocessable("limit must be an integer from 1 to 1000");
    }
    p.limit = static_cast<int>(*v);
  }
  if (auto page = req.param("page")) {
    const auto v = parse_number(*page, true);
    if (!v || *v < 1 || *v > domain::kMaxPage) {
      return unprocessable("page must be an integer from 1 to " + std::to_string(domain::kMaxPage));
    }
    p.page = *v;
  }
  return p;
}

HttpResponse pull_response(domain::PullResult result) {
  HttpResponse r = json_response(200, std::move(result.body));
  r.set_header("X-Mutation-At", std::to_string(result.last_mutation_at));
  return r;
}

}  // namespace synclog::http::handlers
