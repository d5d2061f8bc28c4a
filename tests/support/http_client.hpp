// A small synchronous HTTP/1.1 client for tests and benchmarks: keep-alive, timeouts, and raw
// byte access for requests no well-behaved client would send. Not thread-safe; use one per
// thread. Independent of GoogleTest so bench/ can use it too.
#pragma once

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclog::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;  // 0: no response (connection failed or closed)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  // Why there is no response when status is 0 ("connect: ...", "write: ...", "read: ..."),
  // from the last attempt; empty when a response arrived.
  std::string transport_error;

  std::string header(const std::string& lower_name) const;
  bool has_header(const std::string& lower_name) const { return headers.count(lower_name) > 0; }
  // The body parsed as JSON; throws std::runtime_error (a test failure) if it is not JSON.
  boost::json::value json() const;
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;

  Response request(std::string_view method, std::string_view target, std::string_view body = {},
                   const Headers& headers = {});
  Response get(std::string_view target, const Headers& headers = {}) {
    return request("GET", target, {}, headers);
  }
  Response post(std::string_view target, std::string_view body, const Headers& headers = {}) {
    return request("POST", target, body, headers);
  }

  // Opens a fresh connection, sends `bytes`, and returns everything received until the server
  // closes or `timeout` passes.
  std::string raw(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Whether the kept-alive connection is still open (false after the server closed it).
  bool connected() const;
  void close();

  // By default, when the connection turns out to be closed (the write fails, or the read meets
  // end of stream or a reset), request() reconnects and sends the request once more: right
  // for a kept-alive connection the server closed while idle, but it also sends again a request
  // whose response was lost on the way, which a fault-injection test must see instead. Off:
  // such a request returns status 0 with transport_error set, and is never sent twice.
  void set_resend_on_closed_connection(bool resend) { resend_on_closed_ = resend; }

  std::string host() const { return host_; }
  std::uint16_t port() const { return port_; }

 private:
  struct Impl;
  std::string host_;
  std::uint16_t port_;
  bool resend_on_closed_ = true;
  std::unique_ptr<Impl> impl_;
};

}  // namespace synclog::test
