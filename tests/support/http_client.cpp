// The test client on Beast's synchronous API.
#include "http_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>
#include <boost/json.hpp>

namespace synclog::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string Response::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

boost::json::value Response::json() const {
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec) {
    throw std::runtime_error("response body is not JSON (status " + std::to_string(status) +
                             "): " + body.substr(0, 300));
  }
  return v;
}

struct HttpClient::Impl {
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(std::string host, std::uint16_t port)
    : host_(std::move(host)), port_(port), impl_(std::make_unique<Impl>()) {}
HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;

bool HttpClient::connected() const { return impl_->stream && impl_->stream->socket().is_open(); }

void HttpClient::close() {
  if (impl_->stream) {
    beast::error_code ec;
    impl_->stream->socket().shutdown(tcp::socket::shutdown_both, ec);
    impl_->stream->socket().close(ec);
  }
  impl_->stream.reset();
  impl_->buffer.clear();
}

Response HttpClient::request(std::string_view method, std::string_view target, std::string_view body,
                             const Headers& headers) {
  // Status 0, saying why.
  auto failed = [](const char* step, const beast::error_code& ec) {
    Response out;
    out.transport_error = std::string(step) + ": " + ec.message();
    return out;
  };
  Response last_failure;
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!impl_->stream) {
      impl_->stream = std::make_unique<beast::tcp_stream>(impl_->ioc);
      impl_->stream->expires_after(std::chrono::seconds(10));
      impl_->stream->connect(tcp::endpoint(asio::ip::make_address(host_), port_), ec);
      if (ec) {
        close();
        return failed("connect", ec);
      }
    }
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), std::string(target), 11};
    req.set(bhttp::field::host, host_ + ":" + std::to_string(port_));
    bool has_content_type = false;
    for (const auto& [k, v] : headers) {
      req.insert(k, v);
      if (beast::iequals(k, "content-type")) has_content_type = true;
    }
    if (!body.empty() && !has_content_type) req.set(bhttp::field::content_type, "application/json");
    req.body() = std::string(body);
    req.prepare_payload();
    impl_->stream->expires_after(std::chrono::seconds(30));
    bhttp::write(*impl_->stream, req, ec);
    if (ec) {
      close();
      last_failure = failed("write", ec);
      if (!resend_on_closed_) return last_failure;
      continue;  // the kept-alive connection was closed by the server: reconnect once
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 * 1024 * 1024);
    if (method == "HEAD") parser.skip(true);  // the answer is a header alone
    bhttp::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      close();
      if (resend_on_closed_ && attempt == 0 &&
          (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset)) {
        continue;
      }
      return failed("read", ec);
    }
    auto res = parser.release();
    Response out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) close();
    return out;
  }
  return last_failure;
}

std::string HttpClient::raw(std::string_view bytes, std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.expires_after(timeout);
  stream.connect(tcp::endpoint(asio::ip::make_address(host_), port_), ec);
  if (ec) return {};
  asio::write(stream, asio::buffer(bytes.data(), bytes.size()), ec);
  std::string received;
  char buf[8192];
  for (;;) {
    stream.expires_after(timeout);
    const std::size_t n = stream.read_some(asio::buffer(buf), ec);
    received.append(buf, n);
    if (ec) break;
  }
  return received;
}

}  // namespace synclog::test
