// How the sync engine talks to the server: one request/response seam, so that an app can give the
// engine its own (a platform HTTP stack, a test double, an in-process server) and the engine,
// like any test that fakes the network, never includes Beast or Asio. The SDK's own HTTP/1.1
// client implements it and is the default (SyncOptions::transport).
#pragma once

#include "common/status.hpp"

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclog::client {


struct HttpRequest {
  std::string method = "GET";
  std::string target;  ///< path and query, e.g. "/v1/sync?mutationsSince=0"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The first header named `name` (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
};

/// The next piece of a streamed body.
struct BodyChunk {
  std::string data;  ///< empty when nothing arrived in time
  bool end = false;  ///< the response is complete: nothing more will come
};

/// A response whose body is read as it arrives (the change stream, GET /v1/sync/events, never
/// ends on its own). It owns its connection, which closes when it is destroyed. Not thread-safe.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  /// The status and headers. For any status but 200, the whole body too (the stream is then at
  /// its end); for 200, no body: read() gives it.
  virtual const HttpResponse& response() const = 0;
  /// Waits at most `timeout` for more of the body: some bytes; none (the time ran out, the
  /// connection is still usable: call again); or the end. kUnavailable when the connection was
  /// cut or the framing (chunked or not) is malformed; the stream is then dead and every later
  /// call fails the same way.
  virtual Result<BodyChunk> read(std::chrono::milliseconds timeout) = 0;
};

/// Sends one request and returns the whole response. An answer of any status is a response;
/// an error means no whole response arrived (the request may or may not have been applied):
/// kUnavailable for a refused or lost connection, a timeout, or a cut or malformed answer.
/// Not thread-safe: one request at a time.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<HttpResponse> send(const HttpRequest& request) = 0;
  /// Sends `request` on a new connection that the returned stream owns (the keep-alive one
  /// stays free for send()), and returns once the answer's status and headers have arrived
  /// (for a status other than 200, the whole answer), within the connect and request timeouts.
  /// Errors as send()'s. Requesting `stop` (from any thread) cuts the wait short: connecting,
  /// sending and waiting for the answer end at once with kUnavailable; only the name lookup
  /// (the system resolver) is not interrupted.
  virtual Result<std::unique_ptr<ResponseStream>> open_stream(const HttpRequest& request,
                                                              std::stop_token stop) = 0;
};

}  // namespace synclog::client
