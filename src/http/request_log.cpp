// The request log line and request metrics.
#include "http/request_log.hpp"

#include <string>

#include "common/json_text.hpp"
#include "http/logger.hpp"
#include "http/metrics.hpp"

namespace synclog::http {

std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

OwnedRequestRecord::OwnedRequestRecord(const RequestRecord& r)
    : record_(r),
      request_id_(r.request_id),
      method_(r.method),
      path_(r.path),
      route_(r.route),
      remote_(r.remote),
      user_(r.user),
      client_(r.client),
      error_(r.error) {
  record_.stream_end = {};  // a literal or the caller's: set again by whoever writes the line
}

RequestRecord OwnedRequestRecord::view() const {
  RequestRecord r = record_;
  r.request_id = request_id_;
  r.method = method_;
  r.path = path_;
  r.route = route_;
  r.remote = remote_;
  r.user = user_;
  r.client = client_;
  r.error = error_;
  return r;
}

void record_request(Registry& metrics, Logger& log, const RequestRecord& r) {
  metrics
      .counter("synclog_http_requests_total", "HTTP requests by route, method and status",
               "route=" + label_value(r.route) + ",method=\"" + std::string(method_label(r.method)) +
                   "\",status=\"" + std::to_string(r.status) + "\"")
      .inc();
  metrics
      .histogram("synclog_http_request_duration_seconds", "HTTP request latency by route",
                 "route=" + label_value(r.route))
      .observe(r.seconds);
  if (!log.enabled()) return;
  constexpr std::size_t kMaxMethodInLog = 32;  // methods are free-form tokens
  JsonObjectWriter w;
  w.str("event", "request").str("request_id", r.request_id)
      .str("method", r.method.substr(0, kMaxMethodInLog)).str("path", r.path).str("route", r.route)
      .num("status", r.status).raw("duration_ms", std::to_string(r.seconds * 1000.0))
      .num("bytes_in", r.bytes_in).num("bytes_out", r.bytes_out).str("remote", r.remote);
  if (!r.user.empty()) w.str("user", r.user);
  if (!r.client.empty()) w.str("client", r.client);
  if (r.mutations >= 0) w.num("mutations", r.mutations);
  if (r.entries >= 0) w.num("entries", r.entries);
  if (r.applied >= 0) {
    JsonObjectWriter o;
    o.num("applied", r.applied).num("merged", r.merged).num("conflict", r.conflicts);
    if (r.soft_merged >= 0) o.num("softMerged", r.soft_merged).num("rejected", r.rejected);
    w.raw("outcomes", std::move(o).finish());
  }
  if (!r.stream_end.empty()) w.str("stream_end", r.stream_end);
  if (!r.error.empty()) w.str("error", r.error);
  log.write(r.status >= 500 ? "error" : "info", std::move(w));
}

}  // namespace synclog::http
