// The SDK's HTTP/1.1 client on Boost.Beast: synchronous for its caller, one keep-alive
// connection over plain TCP. The only SDK translation unit that includes Beast/Asio (they cost
// seconds per file to compile); everything else sees the Transport interface.
//
// Beast's tcp_stream timeouts (expires_after) apply to asynchronous operations only, so each
// step is started asynchronously and the private io_context is run until it completes: a
// synchronous call with a deadline. A streamed body (open_stream) cannot use that timer, which
// closes the socket when it fires: its reads run the io_context until a deadline instead and
// leave the read pending when it passes.
#include "client/http_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>

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

// One TCP connection to the server and the io_context it runs on.
class Connection {
 public:
  Connection(std::string host, std::string port, std::string prefix, HttpTransportOptions options)
      : host_(std::move(host)),
        port_(std::move(port)),
        prefix_(std::move(prefix)),
        options_(options),
        stream_(ioc_) {}
  ~Connection() { close(); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const HttpTransportOptions& options() const { return options_; }
  beast::tcp_stream& stream() { return stream_; }
  bool connected() const { return connected_; }

  // Runs the io_context until the operation started before it completes (or times out).
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  // Starts an asynchronous operation by calling `start` with its completion handler, runs it to
  // completion and returns its error.
  template <class Start>
  boost::system::error_code await(Start start) {
    boost::system::error_code result = asio::error::would_block;
    start([&result](const boost::system::error_code& e, auto&&...) { result = e; });
    run();
    return result;
  }

  // Runs the io_context until `*pending` turns false or `deadline` passes.
  void run_while(const bool* pending, std::chrono::steady_clock::time_point deadline) {
    ioc_.restart();
    while (*pending && ioc_.run_one_until(deadline) > 0) {
    }
  }

  Status connect() {
    boost::system::error_code ec;
    tcp::resolver resolver(ioc_);
    const auto endpoints = resolver.resolve(host_, port_, ec);
    if (ec) return unavailable("cannot resolve " + host_, ec);
    stream_.expires_after(options_.connect_timeout);
    const auto result =
        await([&](auto handler) { stream_.async_connect(endpoints, std::move(handler)); });
    if (result) {
      close();
      return unavailable("cannot connect to " + host_ + ":" + port_, result);
    }
    connected_ = true;
    return Status();
  }

  // Sends `request` within the request timeout (which then keeps running for the answer).
  Status write(const HttpRequest& request) {
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
    const auto result =
        await([&](auto handler) { http::async_write(stream_, req, std::move(handler)); });
    if (result) return unavailable("sending " + request.method + " " + request.target, result);
    return Status();
  }

  void close() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    connected_ = false;
  }

  // close() for another thread. Only the io_context may be touched from there: the close runs
  // inside the wait in progress, or the next one, which then fails at once (operation_aborted,
  // or a closed socket).
  void close_from_any_thread() {
    asio::post(ioc_, [this] { close(); });
  }

 private:
  std::string host_;
  std::string port_;
  std::string prefix_;
  HttpTransportOptions options_;
  asio::io_context ioc_;
  beast::tcp_stream stream_;
  bool connected_ = false;
};

HttpResponse response_head(const http::response_header<>& head) {
  HttpResponse out;
  out.status = static_cast<int>(head.result_int());
  for (const auto& field : head) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

// A streamed answer. Its body is parsed into a fixed buffer piece by piece (Beast's
// buffer_body), so the chunked framing is undone by Beast and memory stays bounded however
// long the stream runs. A read that has not completed when read() times out stays pending,
// into the same buffer, and the next read() waits for it.
class HttpResponseStream final : public ResponseStream {
 public:
  HttpResponseStream(std::string host, std::string port, std::string prefix,
                     HttpTransportOptions options)
      : conn_(std::move(host), std::move(port), std::move(prefix), options) {
    // A stream has no length; an error answer is bounded by read_error_body().
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
  }

  ~HttpResponseStream() override {
    // A read still pending refers to this object: closing the socket makes it complete (with
    // operation_aborted) before the members it uses are destroyed.
    conn_.close();
    conn_.run();
  }

  Status open(const HttpRequest& request, std::stop_token stop) {
    // Without this, a stop would wait out the connect and request timeouts (40 s by default)
    // against a server that accepts and never answers.
    const std::stop_callback on_stop(stop, [this] { conn_.close_from_any_thread(); });
    Status opened = open_until_answered(request);
    if (!opened.ok() && stop.stop_requested()) {
      return make_error(ErrorCode::kUnavailable, "opening " + request.target + ": stopped");
    }
    return opened;
  }

  const HttpResponse& response() const override { return response_; }

  Result<BodyChunk> read(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (failed_) return *failed_;
      if (parser_.is_done()) return BodyChunk{"", true};
      if (!pending_) start_read();
      conn_.run_while(&pending_, deadline);
      if (pending_) return BodyChunk{};
      boost::system::error_code ec = result_;
      if (ec == http::error::need_buffer) ec = {};  // the piece is full: not an error
      if (ec) {
        failed_ = unavailable("reading the stream", ec);
        conn_.close();
        return *failed_;
      }
      const std::size_t n = piece_.size() - parser_.get().body().size;
      if (n > 0) return BodyChunk{std::string(piece_.data(), n), false};
      // Framing only (a chunk's size line): read on while there is time.
      if (std::chrono::steady_clock::now() >= deadline) return BodyChunk{};
    }
  }

 private:
  // An error answer is read whole, like send()'s, but bounded: it explains a refusal.
  static constexpr std::size_t kMaxErrorBody = 64 * 1024;

  Status open_until_answered(const HttpRequest& request) {
    SYNCLOG_RETURN_IF_ERROR(conn_.connect());
    SYNCLOG_RETURN_IF_ERROR(conn_.write(request));
    const auto result = conn_.await([&](auto handler) {
      http::async_read_header(conn_.stream(), buffer_, parser_, std::move(handler));
    });
    if (result) return unavailable("reading the answer to " + request.target, result);
    // From here on the caller's read() timeouts apply: the stream's own timer would close the
    // connection of a stream that is merely quiet.
    conn_.stream().expires_never();
    response_ = response_head(parser_.get().base());
    if (response_.status != 200) return read_error_body(request.target);
    return Status();
  }

  void start_read() {
    parser_.get().body().data = piece_.data();
    parser_.get().body().size = piece_.size();
    pending_ = true;
    http::async_read_some(conn_.stream(), buffer_, parser_,
                          [this](const boost::system::error_code& e, std::size_t) {
                            result_ = e;
                            pending_ = false;
                          });
  }

  Status read_error_body(const std::string& target) {
    const auto deadline = std::chrono::steady_clock::now() + conn_.options().request_timeout;
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        return make_error(ErrorCode::kUnavailable, "reading the answer to " + target + ": timed out");
      }
      SYNCLOG_ASSIGN_OR_RETURN(
          BodyChunk chunk,
          read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
               std::chrono::milliseconds(1)));
      if (chunk.end) return Status();
      if (response_.body.size() + chunk.data.size() > kMaxErrorBody) {
        return make_error(ErrorCode::kUnavailable,
                          "reading the answer to " + target + ": over " +
                              std::to_string(kMaxErrorBody) + " bytes");
      }
      response_.body += chunk.data;
    }
  }

  Connection conn_;
  http::response_parser<http::buffer_body> parser_;
  beast::flat_buffer buffer_;
  std::array<char, 16 * 1024> piece_{};
  bool pending_ = false;  // an async_read_some into piece_ has not completed
  boost::system::error_code result_;
  std::optional<Error> failed_;
  HttpResponse response_;
};

class HttpTransport final : public Transport {
 public:
  HttpTransport(std::string host, std::string port, std::string prefix,
                HttpTransportOptions options)
      : conn_(host, port, prefix, options),
        host_(std::move(host)),
        port_(std::move(port)),
        prefix_(std::move(prefix)) {}

  Result<HttpResponse> send(const HttpRequest& request) override {
    if (!conn_.connected()) SYNCLOG_RETURN_IF_ERROR(conn_.connect());
    Result<HttpResponse> r = exchange(request);
    // After any failure the connection's state is unknown (half a request sent, half an answer
    // read): the next request starts on a new one.
    if (!r.ok()) conn_.close();
    return r;
  }

  Result<std::unique_ptr<ResponseStream>> open_stream(const HttpRequest& request,
                                                      std::stop_token stop) override {
    auto stream = std::make_unique<HttpResponseStream>(host_, port_, prefix_, conn_.options());
    SYNCLOG_RETURN_IF_ERROR(stream->open(request, std::move(stop)));
    return std::unique_ptr<ResponseStream>(std::move(stream));
  }

 private:
  Result<HttpResponse> exchange(const HttpRequest& request) {
    SYNCLOG_RETURN_IF_ERROR(conn_.write(request));
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    beast::flat_buffer buffer;
    const auto result = conn_.await(
        [&](auto handler) { http::async_read(conn_.stream(), buffer, parser, std::move(handler)); });
    if (result) return unavailable("reading the answer to " + request.target, result);
    conn_.stream().expires_never();

    auto res = parser.release();
    HttpResponse out = response_head(res.base());
    out.body = std::move(res.body());
    if (!res.keep_alive()) conn_.close();
    return out;
  }

  Connection conn_;
  std::string host_;
  std::string port_;
  std::string prefix_;
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
