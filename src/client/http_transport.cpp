// The SDK's HTTP/1.1 client on Boost.Beast: synchronous for its caller, one keep-alive
// connection over plain TCP. The only SDK translation unit that includes Beast/Asio (they cost
// seconds per file to compile); everything else sees the Transport interface.
//
// Beast's tcp_stream timeouts (expires_after) apply to asynchronous operations only, so each
// step is started asynchronously and the private io_context is run until it completes: a
// synchronous call with a deadline.
#include "client/http_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace synclog::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The capped pull answers about 8 MiB by default (docs/api.md); a server configured for more
// still fits, and a runaway answer cannot exhaust the device's memory.
constexpr std::uint64_t kMaxResponseBody = 64ull * 1024 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

Error unavailable(std::string_view what, const boost::system::error_code& ec) {
  return make_error(ErrorCode::kUnavailable, std::string(what) + ": " + ec.message());
}

class HttpTransport final : public Transport {
 public:
  HttpTransport(std::string host, std::string port, std::string prefix,
                HttpTransportOptions options)
      : host_(std::move(host)),
        port_(std::move(port)),
        prefix_(std::move(prefix)),
        options_(options),
        stream_(ioc_) {}

  ~HttpTransport() override { close(); }

  Result<HttpResponse> send(const HttpRequest& request) override {
    if (!connected_) SYNCLOG_RETURN_IF_ERROR(connect());
    Result<HttpResponse> r = exchange(request);
    // After any failure the connection's state is unknown (half a request sent, half an answer
    // read): the next request starts on a new one.
    if (!r.ok()) close();
    return r;
  }

 private:
  // Runs the io_context until the operation started before it completes (or times out).
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  Status connect() {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    const auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) return unavailable("cannot resolve " + host_, ec);
    stream_.expires_after(options_.connect_timeout);
    boost::system::error_code result = asio::error::would_block;
    stream_.async_connect(endpoints,
                          [&](const boost::system::error_code& e, const tcp::endpoint&) {
                            result = e;
                          });
    run();
    if (result) {
      close();
      return unavailable("cannot connect to " + host_ + ":" + port_, result);
    }
    connected_ = true;
    return Status();
  }

  Result<HttpResponse> exchange(const HttpRequest& request) {
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(prefix_ + request.target);
    req.version(11);
    req.set(http::field::host, host_ + ":" + port_);
    req.set(http::field::user_agent, "synclog-client");
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.body() = request.body;
    req.prepare_payload();

    stream_.expires_after(options_.request_timeout);
    boost::system::error_code result = asio::error::would_block;
    http::async_write(stream_, req,
                      [&](const boost::system::error_code& e, std::size_t) { result = e; });
    run();
    if (result) return unavailable("sending " + request.method + " " + request.target, result);

    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    beast::flat_buffer buffer;
    result = asio::error::would_block;
    http::async_read(stream_, buffer, parser,
                     [&](const boost::system::error_code& e, std::size_t) { result = e; });
    run();
    if (result) return unavailable("reading the answer to " + request.target, result);
    stream_.expires_never();

    auto res = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }

  void close() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    connected_ = false;
  }

  std::string host_;
  std::string port_;
  std::string prefix_;
  HttpTransportOptions options_;
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  bool connected_ = false;
};

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (iequals(n, name)) return v;
  }
  return {};
}

Result<std::unique_ptr<Transport>> make_http_transport(std::string_view url,
                                                       HttpTransportOptions options) {
  constexpr std::string_view kScheme = "http://";
  if (url.size() < kScheme.size() || !iequals(url.substr(0, kScheme.size()), kScheme)) {
    return make_error(ErrorCode::kInvalidRequest,
                      "the server URL must be http://host:port (https is not supported): " +
                          std::string(url));
  }
  std::string_view rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  std::string prefix(slash == std::string_view::npos ? std::string_view() : rest.substr(slash));
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  const std::string_view authority = rest.substr(0, slash);
  std::string host(authority);
  std::string port = "80";
  if (const auto colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = std::string(authority.substr(0, colon));
    port = std::string(authority.substr(colon + 1));
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return make_error(ErrorCode::kInvalidRequest, "bad port in server URL: " + std::string(url));
    }
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    return make_error(ErrorCode::kInvalidRequest, "no host in server URL: " + std::string(url));
  }
  return std::unique_ptr<Transport>(
      new HttpTransport(std::move(host), std::move(port), std::move(prefix), options));
}

}  // namespace synclog::client
