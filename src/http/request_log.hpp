// Recording one finished request: its line in the request log and its request metrics. Used
// for requests the application answered and for those the transport refused, so both look
// the same in logs and dashboards.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace synclog::http {

class Logger;
class Registry;

struct RequestRecord {
  std::string_view request_id;
  std::string_view method;
  std::string_view path;
  std::string_view route;  // a route pattern, "unmatched" or "transport": bounded labels
  std::string_view remote;
  std::string_view user;    // empty: not authenticated
  std::string_view client;  // x-client-id
  std::string_view error;   // the error message, if any
  int status = 0;
  double seconds = 0;
  std::int64_t bytes_in = 0;
  std::int64_t bytes_out = 0;
  std::int64_t mutations = -1;  // negative: not applicable
  std::int64_t entries = -1;
  // conflictMode=field writes: how many mutations were applied, merged, and in conflict
  // (negative: not applicable).
  std::int64_t applied = -1;
  std::int64_t merged = -1;
  std::int64_t conflicts = -1;
  std::int64_t soft_merged = -1;  // spaces only
  std::int64_t rejected = -1;
  // How a streamed response (GET /v1/sync/events) ended; empty for other requests.
  std::string_view stream_end;
};

// A RequestRecord that owns its text, for a line written after the request's own strings are
// gone (a stream's, when it ends).
class OwnedRequestRecord {
 public:
  explicit OwnedRequestRecord(const RequestRecord& r);
  // The record, viewing this object's strings.
  RequestRecord view() const;

 private:
  RequestRecord record_;
  std::string request_id_, method_, path_, route_, remote_, user_, client_, error_;
};

// GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS, else "other": clients choose the method, and
// metric label values must stay a small fixed set.
std::string_view method_label(std::string_view method);

// Counts the request in synclog_http_requests_total{route,method,status} and
// synclog_http_request_duration_seconds{route}, and writes its JSON line to `log`.
void record_request(Registry& metrics, Logger& log, const RequestRecord& r);

}  // namespace synclog::http
