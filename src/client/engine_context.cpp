// What the units of the sync engine share (engine_context.hpp).
#include "client/engine_context.hpp"

#include "client/sync_wire.hpp"

#include <algorithm>
#include <thread>

namespace synclog::client {
namespace {

// Connecting is quick or hopeless: a phone on a dead network should not wait a whole request
// timeout before the first retry.
constexpr std::chrono::milliseconds kMaxConnectTimeout{10'000};

// 5xx (but 501, which will not change), 408 and 429 may succeed when sent again.
bool retryable(int status) {
  return status == 408 || status == 429 || (status >= 500 && status != 501);
}

bool has_header(const HttpRequest& req, std::string_view name) {
  return std::any_of(req.headers.begin(), req.headers.end(),
                     [&](const auto& h) { return h.first == name; });
}

}  // namespace

Error server_error(const HttpResponse& r, std::string_view what) {
  ErrorCode code = ErrorCode::kInternal;
  switch (r.status) {
    case 400: code = ErrorCode::kInvalidRequest; break;
    case 401: code = ErrorCode::kUnauthorized; break;
    case 403: code = ErrorCode::kForbidden; break;
    case 404: code = ErrorCode::kNotFound; break;
    case 409: code = ErrorCode::kOutOfSync; break;
    case 410: code = ErrorCode::kResyncRequired; break;
    case 422: code = ErrorCode::kValidation; break;
    case 413: code = ErrorCode::kPayloadTooLarge; break;
    case 429: code = ErrorCode::kTooManyRequests; break;
    default:
      if (r.status >= 500 || r.status == 0) code = ErrorCode::kUnavailable;
      else if (r.status >= 400) code = ErrorCode::kInvalidRequest;
      break;
  }
  return make_error(code, std::string(what) + ": the server answered " +
                              std::to_string(r.status) + ": " + error_message(r.body));
}

EngineContext::EngineContext(LocalStore& s, SyncOptions o)
    : store(s), options(std::move(o)), rng_(std::random_device{}()) {}

Status EngineContext::begin_sync() {
  report = SyncReport{};
  progress = SyncProgress{};
  push_head = 0;
  events_.clear();
  SYNCLOG_ASSIGN_OR_RETURN(std::string url, store.server_url());
  SYNCLOG_ASSIGN_OR_RETURN(token_, store.token());
  SYNCLOG_ASSIGN_OR_RETURN(client_id_, store.client_id());
  if (options.transport) {
    transport_ = options.transport;
    return Status();
  }
  if (url.empty()) return make_error(ErrorCode::kInvalidRequest, "no server URL set");
  SYNCLOG_ASSIGN_OR_RETURN(transport_, make_http_transport(url, transport_options()));
  return Status();
}

std::int64_t EngineContext::now_ms() const {
  return options.clock ? options.clock->now_ms() : SystemClock().now_ms();
}

void EngineContext::event(Outcome o, Resource r, std::string id, std::string reason,
                          std::int64_t seq) {
  SyncEvent e;
  e.outcome = o;
  e.resource = r;
  e.id = std::move(id);
  e.reason = std::move(reason);
  e.conflict_seq = seq;
  events_.push_back(std::move(e));
}

void EngineContext::emit_events() {
  auto out = std::move(events_);
  events_.clear();
  if (!event_cb) return;
  for (const auto& e : out) event_cb(e);
}

void EngineContext::emit_progress() {
  if (progress_cb) progress_cb(progress);
}

HttpRequest EngineContext::request(std::string method, std::string target) const {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  return req;
}

Result<HttpResponse> EngineContext::send(HttpRequest req) {
  if (!has_header(req, "x-auth-token")) {
    req.headers.emplace_back("x-auth-token", token_);
    req.headers.emplace_back("x-client-id", client_id_);
  }
  std::string last;
  for (int attempt = 0;; ++attempt) {
    std::optional<std::chrono::milliseconds> wait;
    auto r = transport_->send(req);
    if (r.ok()) {
      if (!retryable(r->status)) return r;
      last = "the server answered " + std::to_string(r->status);
      if (r->status == 429 || r->status == 503) wait = parse_retry_after(r->header("retry-after"));
    } else {
      last = r.error().message;
    }
    if (attempt + 1 >= options.max_attempts) {
      return make_error(ErrorCode::kUnavailable, req.method + " " + req.target + " failed " +
                                                     std::to_string(attempt + 1) +
                                                     " times; last: " + last);
    }
    ++report.retries;
    std::this_thread::sleep_for(wait ? std::min(*wait, options.backoff_cap)
                                     : backoff(attempt, std::nullopt));
  }
}

std::chrono::milliseconds EngineContext::backoff(int retry,
                                                 std::optional<std::chrono::milliseconds> base) {
  const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
  return backoff_delay(retry, base.value_or(options.backoff_base), options.backoff_cap, unit);
}

HttpTransportOptions EngineContext::transport_options() const {
  HttpTransportOptions topts;
  topts.connect_timeout = std::min(options.request_timeout, kMaxConnectTimeout);
  topts.request_timeout = options.request_timeout;
  return topts;
}

Result<std::unique_ptr<ResponseStream>> EngineContext::open_stream(HttpRequest req,
                                                                   std::stop_token stop) {
  SYNCLOG_ASSIGN_OR_RETURN(std::string url, store.server_url());
  if (url.empty() && !options.transport) {
    return make_error(ErrorCode::kInvalidRequest, "no server URL set");
  }
  SYNCLOG_ASSIGN_OR_RETURN(std::string stream_token, store.token());
  SYNCLOG_ASSIGN_OR_RETURN(std::string stream_client_id, store.client_id());
  req.headers.emplace_back("x-auth-token", std::move(stream_token));
  req.headers.emplace_back("x-client-id", std::move(stream_client_id));
  if (options.transport) return options.transport->open_stream(req, std::move(stop));
  SYNCLOG_ASSIGN_OR_RETURN(auto t, make_http_transport(url, transport_options()));
  return t->open_stream(req, std::move(stop));
}

}  // namespace synclog::client
