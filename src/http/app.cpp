// Request flow: route -> authenticate (token, client id, rate limit, user) -> handler.
#include "http/app.hpp"

#include "http/envelope.hpp"
#include "http/exchange.hpp"
#include "http/handlers/handlers.hpp"
#include "http/schema_sync.hpp"

#include <future>

#include "common/json_text.hpp"

namespace synclog::http {
namespace {

// The token from x-auth-token, or from "Authorization: Bearer <token>".
std::string_view bearer_token(const HttpRequest& req) {
  if (auto t = req.header("x-auth-token")) return *t;
  if (auto a = req.header("authorization")) {
    constexpr std::string_view kBearer = "bearer ";
    if (a->size() > kBearer.size()) {
      bool match = true;
      for (std::size_t i = 0; i < kBearer.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>((*a)[i])) != kBearer[i]) match = false;
      }
      if (match) return a->substr(kBearer.size());
    }
  }
  return {};
}

bool valid_client_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// Runs a handler step; an exception escaping it (a bug) becomes a 500 for this request instead
// of unwinding into the server.
template <class F>
void guarded(Services& s, const std::shared_ptr<Exchange>& ex, F&& step) {
  try {
    step();
  } catch (const std::exception& e) {
    s.log.error("handler_exception", e.what());
    ex->fail(make_error(ErrorCode::kInternal,
                        "The server encountered an internal error and was unable to complete your request"));
  }
}

// "1.2.3.4:5678" -> "1.2.3.4"; "[::1]:5678" and "::1:5678" -> "::1".
std::string_view remote_ip(std::string_view remote) {
  const auto colon = remote.rfind(':');
  std::string_view ip = colon == std::string_view::npos ? remote : remote.substr(0, colon);
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  return ip;
}

}  // namespace

void too_many_requests(Services& s, const std::shared_ptr<Exchange>& ex, std::int64_t wait,
                       std::string message) {
  s.metrics.counter("synclog_rate_limited_total", "Requests refused with 429").inc();
  ex->ctx().error = message;
  HttpResponse r = error_response(make_error(ErrorCode::kTooManyRequests, std::move(message)));
  r.set_header("Retry-After", std::to_string(wait));
  ex->respond(std::move(r));
}

App::App(AppOptions options, storage::Store& store, const auth::TokenVerifier& verifier,
         const Clock& clock, Registry& metrics, Logger& log)
    : services_{options, store, verifier, clock, metrics, log,
                RateLimiter(options.rate_limit, options.rate_burst),
                RateLimiter(options.auth_failure_rate, options.auth_failure_burst),
                ChangeHub(&metrics.gauge("synclog_event_streams",
                                         "Open change streams (GET /v1/sync/events)")),
                domain::SchemaCatalog(options.schema_limits), SpaceDirectory()} {
  // Before serving, so that no write's move is missed.
  store.watch_heads(with_schema_reloads(services_, services_.changes.head_events(store)));
  handlers::add_sync_routes(router_, services_);
  handlers::add_bookmark_routes(router_, services_);
  handlers::add_collection_routes(router_, services_);
  handlers::add_note_routes(router_, services_);
  handlers::add_reading_session_routes(router_, services_);
  handlers::add_preference_routes(router_, services_);
  handlers::add_ops_routes(router_, services_);
  handlers::add_app_routes(router_, services_);
  handlers::add_space_routes(router_, services_);
  handlers::add_space_sync_routes(router_, services_);
  handlers::add_space_record_routes(router_, services_);
  handlers::add_schema_routes(router_, services_);
}

Status App::prepare(const std::vector<std::string>& documents) {
  std::promise<Result<storage::UserKey>> resolved;
  services_.store.resolve_user(domain::schema_catalog_subject(), services_.clock.now_ms(),
                               [&resolved](Result<storage::UserKey> r) { resolved.set_value(std::move(r)); });
  auto key = resolved.get_future().get();
  if (!key.ok()) return key.error();
  services_.catalog_key.store(*key);
  std::promise<Status> loaded;
  reload_schemas(services_, [&loaded](Status st) { loaded.set_value(std::move(st)); });
  SYNCLOG_RETURN_IF_ERROR(loaded.get_future().get());
  for (const auto& document : documents) {
    std::promise<Result<domain::Registration>> registered;
    register_schema(services_, document,
                    [&registered](Result<domain::Registration> r) { registered.set_value(std::move(r)); });
    auto r = registered.get_future().get();
    if (!r.ok()) return r.error();
    const auto& latest = r->versions.back()->schema;
    JsonObjectWriter w;
    w.str("event", r->existed ? "schema_known" : "schema_registered").str("schema", latest.name)
        .num("version", latest.version).num("minVersion", latest.min_version);
    services_.log.write("info", std::move(w));
  }
  return Status();
}

void App::handle(HttpRequest request, std::function<void(HttpResponse)> respond, Post post) {
  auto ex = std::make_shared<Exchange>(std::move(request), std::move(respond), std::move(post),
                                       services_.log, services_.metrics);
  auto match = router_.match(ex->request().method, ex->request().path);
  if (!match.route) {
    if (!match.allow.empty()) {
      HttpResponse r = error_response(make_error(
          ErrorCode::kMethodNotAllowed, "Method " + ex->request().method + " is not allowed here"));
      r.set_header("Allow", match.allow);
      ex->ctx().error = "method not allowed";
      return ex->respond(std::move(r));
    }
    return ex->fail(make_error(ErrorCode::kNotFound, "The requested resource could not be found"));
  }
  ex->ctx().route = match.route->label();
  ex->ctx().path_params = std::move(match.params);
  const Route& route = *match.route;
  guarded(services_, ex, [&] {
    if (!route.needs_auth) return route.handler(ex);
    authenticate_then(ex, route);
  });
}

std::optional<HttpResponse> App::answer_before_body(const HttpRequest& head) {
  auto match = router_.match(head.method, head.path);
  if (!match.route || !match.route->needs_auth) return std::nullopt;
  std::optional<HttpResponse> early;
  auto ex = std::make_shared<Exchange>(
      head, [&early](HttpResponse r) { early = std::move(r); }, [](std::function<void()>) {},
      services_.log, services_.metrics);
  ex->ctx().route = match.route->label();
  guarded(services_, ex, [&] {
    if (admit(ex, /*charge=*/false)) ex->dismiss();
  });
  return early;
}

bool App::admit(const std::shared_ptr<Exchange>& ex, bool charge) {
  const HttpRequest& req = ex->request();
  auto claims = services_.verifier.verify(bearer_token(req));
  if (!claims.ok()) {
    if (const std::int64_t wait = services_.auth_failures.acquire(remote_ip(req.remote)); wait > 0) {
      too_many_requests(services_, ex, wait,
                        "Too many failed authentication attempts, please try again later");
      return false;
    }
    ex->fail(claims.error());
    return false;
  }
  auto& ctx = ex->ctx();
  ctx.subject = claims->subject;
  ctx.scopes = domain::Scopes::from_list(claims->scopes);
  if (auto client = req.header("x-client-id")) {
    if (!valid_client_id(*client)) {
      ex->fail(make_error(ErrorCode::kInvalidRequest,
                          "x-client-id must be 1-128 printable ASCII characters"));
      return false;
    }
    ctx.client_id = std::string(*client);
  }
  const std::int64_t wait =
      charge ? services_.limiter.acquire(ctx.subject) : services_.limiter.would_wait(ctx.subject);
  if (wait > 0) {
    too_many_requests(services_, ex, wait, "Too many requests, please try again later");
    return false;
  }
  return true;
}

void App::authenticate_then(const std::shared_ptr<Exchange>& ex, const Route& route) {
  if (!admit(ex, /*charge=*/true)) return;
  auto& ctx = ex->ctx();
  const Handler* handler = &route.handler;
  Services* services = &services_;
  services_.store.resolve_user(
      ctx.subject, services_.clock.now_ms(), [ex, handler, services](Result<storage::UserKey> user) {
        // Possibly on a store thread: continue on the request's own thread.
        ex->resume([ex, handler, services, user = std::move(user)] {
          if (!user.ok()) return ex->fail(user.error());
          ex->ctx().user = *user;
          guarded(*services, ex, [&] { (*handler)(ex); });
        });
      });
}

}  // namespace synclog::http
