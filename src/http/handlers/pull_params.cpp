// Pull parameters (GET /v1/sync's `resources` too) and answers.
#include "http/handlers/pull_params.hpp"

#include <cctype>

#include "domain/tuning.hpp"
#include "http/envelope.hpp"
#include "http/handlers/query_params.hpp"

namespace synclog::http::handlers {
namespace {

Error unprocessable(std::string message) { return make_error(ErrorCode::kUnprocessable, std::move(message)); }

std::string trim_upper(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

Result<domain::ResourceSet> parse_resources(std::optional<std::string_view> param) {
  if (!param || param->empty()) return domain::ResourceSet::all();
  domain::ResourceSet set;
  std::string_view rest = *param;
  while (true) {
    const auto comma = rest.find(',');
    const std::string name = trim_upper(rest.substr(0, comma));
    if (!name.empty()) {
      const auto r = domain::parse_resource(name);
      if (!r) return unprocessable("Invalid resources: \"" + name + "\"");
      set.add(*r);
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (set.empty()) return domain::ResourceSet::all();
  return set;
}

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

Result<domain::PullRequest> parse_sync_pull_params(const HttpRequest& req, const AppOptions& options,
                                                   domain::ResourceSet readable) {
  return parse_pull_params(req, options, [&](domain::PullRequest& p) -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(p.resources, parse_resources(req.param("resources")));
    p.resources = p.resources & readable;
    return Status();
  });
}

HttpResponse pull_response(domain::PullResult result) {
  HttpResponse r = json_response(200, std::move(result.body));
  r.set_header("X-Mutation-At", std::to_string(result.last_mutation_at));
  return r;
}

}  // namespace synclog::http::handlers
