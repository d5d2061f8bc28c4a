// The response path: headers every response carries, the request log line, request metrics.
#include "http/exchange.hpp"

#include "common/ids.hpp"
#include "http/envelope.hpp"
#include "http/logger.hpp"
#include "http/metrics.hpp"

namespace synclog::http {
namespace {

bool is_safe_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

}  // namespace

Exchange::Exchange(HttpRequest request, std::function<void(HttpResponse)> sink, Logger& log,
                   Registry& metrics)
    : request_(std::move(request)),
      sink_(std::move(sink)),
      log_(log),
      metrics_(metrics),
      start_(std::chrono::steady_clock::now()) {
  const auto given = request_.header("x-request-id");
  ctx_.request_id = given && is_safe_request_id(*given) ? std::string(*given) : new_resource_id();
  ctx_.route = "unmatched";
}

Exchange::~Exchange() {
  if (!responded_.load()) {
    fail(make_error(ErrorCode::kInternal,
                    "The server encountered an internal error and was unable to complete your request"));
  }
}

std::optional<std::string_view> Exchange::path_param(std::string_view name) const {
  for (const auto& [k, v] : ctx_.path_params) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

void Exchange::fail(const Error& error) {
  ctx_.error = error.message;
  respond(error_response(error));
}

void Exchange::respond(HttpResponse response) {
  if (responded_.exchange(true)) return;
  response.set_header("X-Request-Id", ctx_.request_id);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string status = std::to_string(response.status);

  metrics_
      .counter("synclog_http_requests_total", "HTTP requests by route, method and status",
               "route=" + label_value(ctx_.route) + ",method=" + label_value(request_.method) +
                   ",status=\"" + status + "\"")
      .inc();
  metrics_
      .histogram("synclog_http_request_duration_seconds", "HTTP request latency by route",
                 "route=" + label_value(ctx_.route))
      .observe(seconds);

  if (log_.enabled()) {
    JsonObjectWriter w;
    w.str("event", "request").str("request_id", ctx_.request_id).str("method", request_.method)
        .str("path", request_.path).str("route", ctx_.route).num("status", response.status)
        .raw("duration_ms", std::to_string(seconds * 1000.0))
        .num("bytes_in", static_cast<std::int64_t>(request_.body.size()))
        .num("bytes_out", static_cast<std::int64_t>(response.body.size()))
        .str("remote", request_.remote);
    if (!ctx_.subject.empty()) w.str("user", ctx_.subject);
    if (!ctx_.client_id.empty()) w.str("client", ctx_.client_id);
    if (ctx_.mutations >= 0) w.num("mutations", ctx_.mutations);
    if (ctx_.entries >= 0) w.num("entries", ctx_.entries);
    if (!ctx_.error.empty()) w.str("error", ctx_.error);
    log_.write(response.status >= 500 ? "error" : "info", std::move(w));
  }
  sink_(std::move(response));
}

}  // namespace synclog::http
