// The SDK's HTTP/1.1 client (make_http_transport, in http_transport.cpp: the only SDK file that
// includes Beast/Asio, which are very slow to compile), the default Transport of the engine.
#pragma once

#include "synclog/client/transport.hpp"

#include <chrono>
#include <memory>
#include <string_view>

namespace synclog::client {

struct HttpTransportOptions {
  std::chrono::milliseconds connect_timeout{10'000};
  /// For the whole exchange once connected: writing the request and reading the answer (for a
  /// stream, its status and headers; its body is read with read()'s own timeouts).
  std::chrono::milliseconds request_timeout{30'000};
};

/// An HTTP/1.1 keep-alive client for `url` ("http://host:port", an optional path prefix is
/// prepended to every target). It connects on the first request and again after any failure
/// or a "Connection: close". kInvalidRequest for a URL it cannot use (https is not supported).
Result<std::unique_ptr<Transport>> make_http_transport(std::string_view url,
                                                       HttpTransportOptions options);

}  // namespace synclog::client
