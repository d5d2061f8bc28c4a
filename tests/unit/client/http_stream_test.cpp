// Transport::open_stream (src/client/http_transport.hpp) against a scripted server on a loopback
// socket: a chunked body read piece by piece as it is sent, a read that times out leaving the
// connection usable, the end of the body, a cut connection and broken chunk framing, an error
// answer read whole, and an opening cut short by a stop.
#include "client/http_transport.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>

namespace synclog::client {
namespace {

using std::chrono::milliseconds;

// Accepts one connection, reads the request head, then runs the test's script on the socket.
class ScriptedServer {
 public:
  using Script = std::function<void(ScriptedServer&)>;

  explicit ScriptedServer(Script script) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listen_fd_, 1) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script = std::move(script)] {
      fd_ = ::accept(listen_fd_, nullptr, nullptr);
      if (fd_ < 0) return;
      char buf[4096];
      while (request_.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) return;
        request_.append(buf, static_cast<std::size_t>(n));
      }
      script(*this);
    });
  }
  ~ScriptedServer() {
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
    ::close(listen_fd_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& request() const { return request_; }  // read once the script ran

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  static std::string chunk(std::string_view data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return size + std::string(data) + "\r\n";
  }
  void pause(milliseconds d) { std::this_thread::sleep_for(d); }
  // Waits until the client closes its end (or `limit` passes).
  void wait_for_close(milliseconds limit) {
    pollfd p{fd_, POLLIN, 0};
    char buf[256];
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (::poll(&p, 1, 10) > 0 && ::recv(fd_, buf, sizeof buf, 0) <= 0) return;
    }
  }
  void close() {
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int listen_fd_ = -1;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::string request_;
  std::thread thread_;
};

constexpr std::string_view kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";

Result<std::unique_ptr<ResponseStream>> open(const std::string& url,
                                             milliseconds request_timeout = milliseconds(5000),
                                             std::stop_token stop = {}) {
  HttpTransportOptions options;
  options.connect_timeout = milliseconds(5000);
  options.request_timeout = request_timeout;
  auto transport = make_http_transport(url, options);
  if (!transport.ok()) return transport.error();
  HttpRequest req;
  req.target = "/v1/sync/events";
  req.headers = {{"last-event-id", "42"}, {"accept", "text/event-stream"}};
  return (*transport)->open_stream(req, stop);  // the stream outlives its transport
}

// Reads until `want` bytes arrived or `limit` passes.
std::string read_at_least(ResponseStream& s, std::size_t want, milliseconds limit) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (got.size() < want && std::chrono::steady_clock::now() < deadline) {
    auto chunk = s.read(milliseconds(50));
    if (!chunk.ok() || chunk->end) break;
    got += chunk->data;
  }
  return got;
}

TEST(HttpStreamTest, AChunkedBodyArrivesPieceByPieceAsItIsSent) {
  ScriptedServer server([](ScriptedServer& s) {
    s.send(kStreamHead);
    s.send(ScriptedServer::chunk("retry: 10\n\n"));
    s.pause(milliseconds(300));
    // A chunk whose size line and data arrive apart.
    const std::string second = ScriptedServer::chunk(": heartbeat\n\n");
    s.send(second.substr(0, 3));
    s.pause(milliseconds(50));
    s.send(second.substr(3));
    s.pause(milliseconds(50));
    s.send("0\r\n\r\n");
    s.wait_for_close(milliseconds(5000));
  });
  auto stream = open(server.url());
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  auto& s = **stream;
  EXPECT_EQ(s.response().status, 200);
  EXPECT_EQ(s.response().header("content-type"), "text/event-stream");
  EXPECT_EQ(read_at_least(s, 11, milliseconds(5000)), "retry: 10\n\n");
  // Nothing more for a while: the read times out, and the connection is still good.
  const auto before = std::chrono::steady_clock::now();
  auto quiet = s.read(milliseconds(100));
  ASSERT_TRUE(quiet.ok()) << quiet.error().message;
  EXPECT_EQ(quiet->data, "");
  EXPECT_FALSE(quiet->end);
  EXPECT_GE(std::chrono::steady_clock::now() - before, milliseconds(100));
  EXPECT_EQ(read_at_least(s, 13, milliseconds(5000)), ": heartbeat\n\n");
  Result<BodyChunk> last = BodyChunk{};
  for (int i = 0; i < 100 && last.ok() && !last->end; ++i) last = s.read(milliseconds(50));
  ASSERT_TRUE(last.ok()) << last.error().message;
  EXPECT_TRUE(last->end);
  auto after = s.read(milliseconds(10));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->end);
  stream->reset();  // closes the connection, which the server is waiting for
  EXPECT_NE(server.request().find("GET /v1/sync/events HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(server.request().find("last-event-id: 42\r\n"), std::string::npos) << server.request();
}

TEST(HttpStreamTest, ACutConnectionIsUnavailableAndStaysSo) {
  ScriptedServer server([](ScriptedServer& s) {
    s.send(kStreamHead);
    s.send(ScriptedServer::chunk("data: 1\n\n"));
    s.send("20\r\nonly part of a chunk");
    s.pause(milliseconds(50));
    s.close();
  });
  auto stream = open(server.url());
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  Result<BodyChunk> r = BodyChunk{};
  std::string got;
  for (int i = 0; i < 200 && r.ok(); ++i) {
    r = (*stream)->read(milliseconds(50));
    if (r.ok()) {
      ASSERT_FALSE(r->end);
      got += r->data;
    }
  }
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(got.substr(0, 9), "data: 1\n\n");
  EXPECT_FALSE((*stream)->read(milliseconds(10)).ok());
}

TEST(HttpStreamTest, BrokenChunkFramingIsUnavailable) {
  ScriptedServer server([](ScriptedServer& s) {
    s.send(kStreamHead);
    s.send("zz\r\nnot a chunk\r\n");
    s.wait_for_close(milliseconds(5000));
  });
  auto stream = open(server.url());
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  Result<BodyChunk> r = BodyChunk{};
  for (int i = 0; i < 100 && r.ok(); ++i) r = (*stream)->read(milliseconds(50));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST(HttpStreamTest, AnErrorAnswerIsReadWhole) {
  ScriptedServer server([](ScriptedServer& s) {
    const std::string body = R"({"success":false,"message":"Too many requests","type":"rate_limited"})";
    s.send("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 3\r\n"
           "Transfer-Encoding: chunked\r\n\r\n");
    s.send(ScriptedServer::chunk(body.substr(0, 10)));
    s.pause(milliseconds(50));
    s.send(ScriptedServer::chunk(body.substr(10)) + "0\r\n\r\n");
    s.wait_for_close(milliseconds(5000));
  });
  auto stream = open(server.url());
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  const HttpResponse& r = (*stream)->response();
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("retry-after"), "3");
  EXPECT_EQ(r.body, R"({"success":false,"message":"Too many requests","type":"rate_limited"})");
  auto next = (*stream)->read(milliseconds(10));
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->end);
}

TEST(HttpStreamTest, AServerThatNeverAnswersTimesOutOpening) {
  ScriptedServer server([](ScriptedServer& s) { s.wait_for_close(milliseconds(5000)); });
  const auto before = std::chrono::steady_clock::now();
  auto stream = open(server.url(), milliseconds(200));
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.error().code, ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(3000));
}

// Stopping listen() must not wait out the connect and request timeouts against a server that
// takes the connection and never answers (a wedged proxy, a captive portal): the stop token
// cuts the opening short, whether it was requested before or during it.
TEST(HttpStreamTest, OpeningEndsAtOnceWhenStopIsRequested) {
  for (const milliseconds stop_after : {milliseconds(0), milliseconds(300)}) {
    ScriptedServer server([](ScriptedServer& s) { s.wait_for_close(milliseconds(10'000)); });
    std::stop_source stop;
    if (stop_after == milliseconds(0)) stop.request_stop();
    std::jthread stopper([&] {
      std::this_thread::sleep_for(stop_after);
      stop.request_stop();
    });
    const auto before = std::chrono::steady_clock::now();
    auto stream = open(server.url(), milliseconds(30'000), stop.get_token());
    const auto took = std::chrono::steady_clock::now() - before;
    ASSERT_FALSE(stream.ok()) << stop_after.count();
    EXPECT_EQ(stream.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(stream.error().message.find("stopped"), std::string::npos) << stream.error().message;
    EXPECT_LT(took, stop_after + milliseconds(1000)) << stop_after.count();
  }
}

TEST(HttpStreamTest, AStreamDestroyedWhileAReadIsPendingClosesCleanly) {
  ScriptedServer server([](ScriptedServer& s) {
    s.send(kStreamHead);
    s.wait_for_close(milliseconds(5000));
  });
  auto stream = open(server.url());
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  auto quiet = (*stream)->read(milliseconds(20));  // leaves its read pending
  ASSERT_TRUE(quiet.ok());
  EXPECT_EQ(quiet->data, "");
  stream->reset();
}

}  // namespace
}  // namespace synclog::client
