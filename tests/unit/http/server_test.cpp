// The Beast session's transport limits (server.cpp), in process: a Server on a free loopback
// port in front of a handler that answers 200 to everything, reached with raw bytes.
// Regression_HeaderLimitHoldsWhenTheHeaderArrivesAtOnce was found by the HTTP request fuzzer
// (fuzz/http_request_fuzzer.cpp): Beast holds the request line and the header fields to the
// limit each, so a header that came in one read passed at up to twice --max-header.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "raw_socket.hpp"

namespace synclog::http {
namespace {

using namespace std::chrono_literals;

class AnswerOk final : public RequestHandler {
 public:
  void handle(HttpRequest, std::function<void(HttpResponse)> respond, Post) override {
    HttpResponse r;
    r.body = "{}";
    respond(std::move(r));
  }
};

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(options, handler_, metrics_, log_);
    ASSERT_TRUE(server_->listen().ok());
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    if (!server_) return;
    server_->stop();
    thread_.join();
  }
  // Sends `bytes` in one write and reads the answer.
  int status_of(const std::string& bytes) {
    test::RawSocket socket("127.0.0.1", server_->port());
    EXPECT_TRUE(socket.send(bytes));
    return socket.read_response(10s).status;
  }
  // A GET whose request line and whose fields are each about `part` bytes.
  static std::string request_of_parts(std::size_t part) {
    return "GET /" + std::string(part, 'a') +
           " HTTP/1.1\r\nHost: x\r\nx-padding: " + std::string(part, 'h') + "\r\n\r\n";
  }

  AnswerOk handler_;
  Registry metrics_;
  Logger log_{-1};
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

TEST_F(ServerTest, Regression_HeaderLimitHoldsWhenTheHeaderArrivesAtOnce) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  start(options);
  // 600 + 600 bytes: each part within the limit, the header beyond it.
  EXPECT_EQ(status_of(request_of_parts(600)), 431);
}

TEST_F(ServerTest, HeaderWithinTheLimitIsServed) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  start(options);
  const std::string request = request_of_parts(450);
  ASSERT_LE(request.size(), 1024u);
  EXPECT_EQ(status_of(request), 200);
}

}  // namespace
}  // namespace synclog::http
