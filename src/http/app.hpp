// The application behind the HTTP server: routing, authentication, rate limiting, and the
// handlers of every route. Stateless apart from caches: everything durable is in the store.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "auth/jwt.hpp"
#include "common/clock.hpp"
#include "http/change_hub.hpp"
#include "http/logger.hpp"
#include "http/metrics.hpp"
#include "http/rate_limiter.hpp"
#include "http/request_handler.hpp"
#include "http/router.hpp"
#include "http/space_directory.hpp"
#include "domain/schema_catalog.hpp"
#include "domain/spaces.hpp"
#include "storage/store.hpp"

namespace synclog::http {

struct AppOptions {
  int pull_cap = 10000;        // entries in a GET /v1/sync without page or limit
  std::size_t pull_max_bytes = 8u << 20;  // and its size
  double rate_limit = 100;     // requests per second per user; <= 0 disables
  double rate_burst = 200;
  // Failed authentications per second per client IP before 429 (token guessing, floods of
  // unauthenticated requests); <= 0 disables.
  double auth_failure_rate = 10;
  double auth_failure_burst = 30;
  // The change stream (GET /v1/sync/events).
  std::size_t events_per_user = 16;              // open streams per user; the oldest ends beyond
  std::chrono::milliseconds events_heartbeat{15'000};  // a comment after this much silence
  std::chrono::milliseconds events_retry{1'000};       // the reconnect delay hint sent first
  // Shared spaces (docs/api.md, "Spaces").
  domain::SpaceLimits space_limits;
  domain::SchemaLimits schema_limits;
  // The web app's built files, served under /app/ (app_files.hpp); empty: /app/ answers 404.
  std::string app_dir;
};

// Everything a handler may use. Owned by the App; handlers get a reference.
struct Services {
  AppOptions options;
  storage::Store& store;
  const auth::TokenVerifier& verifier;
  const Clock& clock;
  Registry& metrics;
  Logger& log;
  RateLimiter limiter;        // per user
  RateLimiter auth_failures;  // per client IP, for requests whose token fails
  ChangeHub changes;          // the open change streams, fed by the store's HeadEvents
  domain::SchemaCatalog schemas;  // every registered schema version
  SpaceDirectory spaces;          // spaces' keys and schemas
  std::atomic<storage::UserKey> catalog_key{0};  // the log of schema documents (App::prepare)
  std::atomic<bool> draining{false};
};

// Answers 429 with `Retry-After: <wait_seconds>` and `message`, and counts it.
void too_many_requests(Services& s, const std::shared_ptr<Exchange>& ex, std::int64_t wait_seconds,
                       std::string message);

class App final : public RequestHandler {
 public:
  App(AppOptions options, storage::Store& store, const auth::TokenVerifier& verifier,
      const Clock& clock, Registry& metrics, Logger& log);
  void handle(HttpRequest request, std::function<void(HttpResponse)> respond, Post post) override;
  // A request to an authenticated route whose token fails (401, or 429 once its address has
  // failed too often), whose x-client-id is malformed (400), or whose user is over the rate
  // limit (429). Only failed authentications are counted here; the rate limit is charged when
  // the whole request is handled.
  std::optional<HttpResponse> answer_before_body(const HttpRequest& head) override;
  void set_draining() override { services_.draining = true; }
  // Before serving: loads the registered schemas, then registers `documents` (a server's
  // --schema files; a version registered with the same document is no change). Blocks.
  Status prepare(const std::vector<std::string>& documents);

 private:
  // The checks that need only the request's header: the token, the client id, the rate
  // limits. On refusal answers through `ex` and returns false. `charge` false only asks the
  // per-user limiter whether it would refuse.
  bool admit(const std::shared_ptr<Exchange>& ex, bool charge);
  void authenticate_then(const std::shared_ptr<Exchange>& ex, const Route& route);
  Services services_;
  Router router_;
};

}  // namespace synclog::http
