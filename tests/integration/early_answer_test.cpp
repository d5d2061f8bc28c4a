// Answers that arrive before the body does. A client that writes its whole request before it
// reads (many mobile HTTP stacks do) must read the server's early answer (413 for a body over
// the limit, 431, 401 for a bad token, 429 over the rate limit), not a connection reset: a
// client that sees a reset takes it for a network failure and retries the same batch forever.
// The server answers, then keeps reading and dropping what still arrives, within bounds, until
// the client closes (ServerOptions::linger_time).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "raw_socket.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// A push body of exactly `size` bytes (an empty batch padded with a string).
std::string push_body_of(std::size_t size) {
  const std::string prefix = R"({"mutations":[],"pad":")";
  return prefix + std::string(size - prefix.size() - 2, 'a') + "\"}";
}

std::string error_type(const RawResponse& r) {
  json::error_code ec;
  const auto v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("type")) return "(no type in " + r.body + ")";
  return std::string(v.at("type").as_string());
}

class EarlyAnswerTest : public ::testing::Test {
 protected:
  void start(std::vector<std::string> flags = {}) {
    server_ = std::make_unique<ServerProcess>(std::move(flags));
  }
  std::string push_target() {
    return "/v1/sync?lastMutationAt=" + std::to_string(SyncApi(*server_, "alice").head());
  }
  // Writes all of `request` on a new connection before reading anything, then reads the
  // answer. `sent_all` says whether every byte went out.
  RawResponse write_whole_then_read(const std::string& request, bool* sent_all = nullptr) {
    RawSocket s(server_->host(), server_->port());
    EXPECT_TRUE(s.connected());
    const std::size_t sent = s.send_within(request, 30s);
    if (sent_all) *sent_all = sent == request.size();
    return s.read_response(15s);
  }

  std::unique_ptr<ServerProcess> server_;
};

// The defect as a new user met it: 1.2 MB and 3 MB pushes from a client that writes first.
TEST_F(EarlyAnswerTest, OversizedPushWrittenWholeBeforeReadingGets413EveryTime) {
  start();
  const std::string target = push_target();
  for (const std::size_t size : {std::size_t{1'200'000}, std::size_t{3'000'000}}) {
    const std::string request =
        raw_request("POST", target, server_->auth("alice"), push_body_of(size));
    int answered = 0;
    for (int i = 0; i < 20; ++i) {
      bool sent_all = false;
      const RawResponse r = write_whole_then_read(request, &sent_all);
      EXPECT_TRUE(sent_all) << size << " bytes, try " << i << ": the server stopped reading";
      if (r.status == 413 && error_type(r) == "payload_too_large") ++answered;
    }
    EXPECT_EQ(answered, 20) << "413 read by " << answered << " of 20 clients at " << size << " bytes";
  }
}

TEST_F(EarlyAnswerTest, ChunkedBodyOverTheLimitWrittenWholeGets413) {
  start();
  std::string bytes = "POST " + push_target() +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n";
  for (const auto& [k, v] : server_->auth("alice")) bytes += k + ": " + v + "\r\n";
  bytes += "\r\n";
  const std::string chunk(64 * 1024, 'a');
  for (int i = 0; i < 40; ++i) bytes += "10000\r\n" + chunk + "\r\n";  // 2.5 MiB
  bytes += "0\r\n\r\n";
  bool sent_all = false;
  const RawResponse r = write_whole_then_read(bytes, &sent_all);
  EXPECT_TRUE(sent_all);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(error_type(r), "payload_too_large");
}

TEST_F(EarlyAnswerTest, HeaderOverTheLimitWithABodyGets431) {
  start({"--max-header", "4KiB"});
  Headers big = server_->auth("alice");
  big.emplace_back("x-padding", std::string(8 * 1024, 'h'));
  bool sent_all = false;
  const RawResponse r =
      write_whole_then_read(raw_request("POST", "/v1/sync?lastMutationAt=1", big, push_body_of(900'000)), &sent_all);
  EXPECT_TRUE(sent_all);
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(error_type(r), "request_header_fields_too_large");
}

// A bad token is refused from the header alone: the body is never read, and the answer still
// reaches a client that sends it all first.
TEST_F(EarlyAnswerTest, BadTokenIsAnswered401BeforeTheBody) {
  // A body under the limit and larger than the sockets' buffers hold.
  start({"--max-body", "8MiB"});
  const Headers bad{{"x-auth-token", "not-a-token"}};
  bool sent_all = false;
  const RawResponse r =
      write_whole_then_read(raw_request("POST", "/v1/sync?lastMutationAt=1", bad, push_body_of(6'000'000)), &sent_all);
  EXPECT_TRUE(sent_all);
  EXPECT_EQ(r.status, 401);

  // With Expect: 100-continue the client is told no before it sends anything.
  RawSocket s(server_->host(), server_->port());
  Headers expecting = bad;
  expecting.emplace_back("Expect", "100-continue");
  std::string head = raw_request("POST", "/v1/sync?lastMutationAt=1", expecting, push_body_of(900'000));
  head.resize(head.find("\r\n\r\n") + 4);
  ASSERT_TRUE(s.send(head));
  const RawResponse answer = s.read_response(10s);
  EXPECT_EQ(answer.status, 401) << "expected the refusal instead of 100 Continue";
  EXPECT_TRUE(s.wait_closed(10s)) << "the refused connection stays open";

  // The refusal is logged like any other request.
  const std::string log = server_->access_log();
  EXPECT_NE(log.find("\"request_id\":\"" + answer.header("x-request-id") + "\""), std::string::npos) << log;
}

TEST_F(EarlyAnswerTest, OverTheRateLimitIsAnswered429BeforeTheBody) {
  start({"--rate-limit", "0.01", "--rate-burst", "2", "--max-body", "8MiB"});
  SyncApi alice(*server_, "alice");
  const std::string target = "/v1/sync?lastMutationAt=" + std::to_string(alice.head());  // 1 token
  // A request whose body follows its header is charged once, not once for the header too.
  RawSocket first(server_->host(), server_->port());
  const std::string request = raw_request("POST", target, server_->auth("alice"), R"({"mutations":[]})");
  const auto split = request.find("\r\n\r\n") + 4;
  ASSERT_TRUE(first.send(request.substr(0, split)));
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(first.send(request.substr(split)));
  EXPECT_EQ(first.read_response(10s).status, 200);  // the second token

  bool sent_all = false;
  const RawResponse r =
      write_whole_then_read(raw_request("POST", target, server_->auth("alice"), push_body_of(6'000'000)), &sent_all);
  EXPECT_TRUE(sent_all);
  EXPECT_EQ(r.status, 429);
  EXPECT_FALSE(r.header("retry-after").empty());
}

// A client that never stops sending is closed once the linger budget is spent; the server
// does not read on its behalf forever.
TEST_F(EarlyAnswerTest, LingeringIsBoundedInBytesAndTime) {
  start({"--linger-bytes", "2MiB", "--linger-time", "2s"});
  RawSocket endless(server_->host(), server_->port());
  std::string head = raw_request("POST", push_target(), server_->auth("alice"), "x");
  head.replace(head.find("Content-Length: 1"), 17, "Content-Length: 500000000");
  head.pop_back();  // the body follows, endlessly
  ASSERT_TRUE(endless.send(head));
  const std::string chunk(1 << 20, 'a');
  std::size_t sent = 0;
  for (int i = 0; i < 64; ++i) {
    const std::size_t n = endless.send_within(chunk, 5s);
    sent += n;
    if (n < chunk.size()) break;
  }
  EXPECT_LT(sent, std::size_t{64} << 20) << "the server read 64 MiB it had refused";

  // A client that trickles is closed once the linger time is over (its sends then fail; the
  // answer and the end of the server's side arrive at once, so reading tells nothing).
  RawSocket trickle(server_->host(), server_->port());
  ASSERT_TRUE(trickle.send(head));
  const auto begun = std::chrono::steady_clock::now();
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() - begun < 30s) {
    closed = trickle.send_within("a", 1s) == 0;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(closed) << "a trickling client held the connection past the linger time";
  EXPECT_EQ(server_->client().get("/healthz").status, 200);
}

}  // namespace
}  // namespace synclog::test
