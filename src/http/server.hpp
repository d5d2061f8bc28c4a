// The HTTP/1.1 server: Boost.Beast on Asio with C++20 coroutines, keep-alive, all cores.
// It enforces the transport limits (header and body size, timeouts for slow or stalled
// clients, a connection cap), hands each request to a RequestHandler, writes responses that
// carry an EventStream as endless chunked bodies, and drains on SIGTERM: stop accepting, fail
// readiness, close idle connections, end event streams, finish requests in flight, exit.
// This file's implementation is the only place on the server side that includes Beast.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/status.hpp"
#include "http/logger.hpp"
#include "http/metrics.hpp"
#include "http/request_handler.hpp"

namespace synclog::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;  // 0: any free port (see Server::port)
  int threads = 0;            // 0: one per core
  std::size_t max_body_bytes = 1 << 20;      // 413 beyond
  std::size_t max_header_bytes = 16 * 1024;  // 431 beyond
  // Waiting for the next request on an open connection.
  std::chrono::milliseconds idle_timeout{60'000};
  // Receiving one whole request once its first byte arrived (408 beyond).
  std::chrono::milliseconds request_timeout{30'000};
  // Writing one response, or one chunk of an event stream (which then ends).
  std::chrono::milliseconds write_timeout{30'000};
  std::size_t max_connections = 10'000;  // 503 beyond
  // After an answer given while the client may still be sending (413, 431, 408, 400, or a 401
  // or 429 decided from the header alone), the connection is not closed at once: closing a
  // socket with unread bytes sends a reset, and a client that writes its whole body before it
  // reads loses the answer to it. What still arrives is read and dropped until the client
  // closes, for at most this long and this many bytes (nginx's lingering close).
  std::chrono::milliseconds linger_time{30'000};
  std::size_t linger_max_bytes = 16u << 20;
  std::chrono::milliseconds drain_timeout{30'000};
  std::string ready_file;  // if set, "host:port" is written there once listening
};

class Server {
 public:
  Server(ServerOptions options, RequestHandler& handler, Registry& metrics, Logger& log);
  ~Server();

  // Binds and listens. Fails (kUnavailable) if the address cannot be bound.
  Status listen();
  std::uint16_t port() const;
  // Serves until SIGTERM or SIGINT (or stop()), drains, and returns once every connection is
  // closed and every thread has finished.
  void run();
  // Starts draining, from any thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace synclog::http
