// The response path: headers every response carries, the request log line, request metrics.
#include "http/exchange.hpp"

#include "common/ids.hpp"
#include "http/envelope.hpp"
#include "http/event_stream.hpp"
#include "http/logger.hpp"
#include "http/metrics.hpp"
#include "http/request_log.hpp"

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

Exchange::Exchange(HttpRequest request, std::function<void(HttpResponse)> sink,
                   std::function<void(std::function<void()>)> post, Logger& log, Registry& metrics)
    : request_(std::move(request)),
      sink_(std::move(sink)),
      post_(std::move(post)),
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

Status require_scope(const RequestContext& ctx, std::string_view scope) {
  if (ctx.scopes.has(scope)) return Status();
  return make_error(ErrorCode::kForbidden, "The access token lacks the " + std::string(scope) + " scope");
}

void Exchange::fail(const Error& error) {
  ctx_.error = error.message;
  respond(error_response(error));
}

RequestRecord Exchange::record(int status, std::int64_t bytes_out) const {
  RequestRecord record;
  record.request_id = ctx_.request_id;
  record.method = request_.method;
  record.path = request_.path;
  record.route = ctx_.route;
  record.remote = request_.remote;
  record.user = ctx_.subject;
  record.client = ctx_.client_id;
  record.error = ctx_.error;
  record.status = status;
  record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  record.bytes_in = static_cast<std::int64_t>(request_.body.size());
  record.bytes_out = bytes_out;
  record.mutations = ctx_.mutations;
  record.entries = ctx_.entries;
  record.applied = ctx_.applied;
  record.merged = ctx_.merged;
  record.conflicts = ctx_.conflicts;
  record.soft_merged = ctx_.soft_merged;
  record.rejected = ctx_.rejected;
  return record;
}

void Exchange::respond(HttpResponse response) {
  if (responded_.exchange(true)) return;
  response.set_header("X-Request-Id", ctx_.request_id);
  if (response.stream) {
    // A stream's line is written when it ends, with its whole duration; the exchange is gone
    // by then, so the line keeps its own copy of the text.
    auto kept = std::make_shared<OwnedRequestRecord>(record(response.status, 0));
    response.stream->on_ended([kept, start = start_, &metrics = metrics_, &log = log_](
                                  std::int64_t bytes_out, std::string_view why) {
      RequestRecord r = kept->view();
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      r.bytes_out = bytes_out;
      r.stream_end = why;
      record_request(metrics, log, r);
    });
  } else {
    // A HEAD's body is not sent (server.cpp), only its length.
    const std::size_t sent = request_.method == "HEAD" ? 0 : response.body.size();
    record_request(metrics_, log_, record(response.status, static_cast<std::int64_t>(sent)));
  }
  sink_(std::move(response));
}

}  // namespace synclog::http
