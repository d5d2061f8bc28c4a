// What every pull shares (GET /v1/sync, a space's GET /v1/spaces/{id}/sync, the feed of spaces
// GET /v1/spaces): its parameters and its answer. Which resources it may return is the caller's.
#pragma once

#include <functional>

#include "common/status.hpp"
#include "domain/pull.hpp"
#include "http/app.hpp"
#include "http/message.hpp"

namespace synclog::http::handlers {

// mutationsSince (required: 400 without it; -1 means 0), then `resources` (which sets which
// resources the pull returns, from the `resources` parameter), metadataOnly, page and limit,
// with the server's cap on a pull with neither page nor limit. 422 naming the first bad value.
Result<domain::PullRequest> parse_pull_params(const HttpRequest& req, const AppOptions& options,
                                              const std::function<Status(domain::PullRequest&)>& resources);

// GET /v1/sync's parameters: parse_pull_params with `resources` (names separated by commas,
// any case; absent, empty or only commas: all of them), narrowed to `readable` (the token's).
Result<domain::PullRequest> parse_sync_pull_params(const HttpRequest& req, const AppOptions& options,
                                                   domain::ResourceSet readable);

// 200 with the pull's body and X-Mutation-At.
HttpResponse pull_response(domain::PullResult result);

}  // namespace synclog::http::handlers
