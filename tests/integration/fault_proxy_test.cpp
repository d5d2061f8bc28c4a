// The fault-injecting proxy of the test harness (tests/support/fault_proxy.hpp) against the
// real binary: that it is transparent when no fault is set (keep-alive, chunked bodies, 304),
// that each fault does to an exchange what it says (a dropped response leaves the push
// applied, a dropped request leaves nothing), that rules apply in order and run out, that it
// follows a restarted server, and that it stops promptly with exchanges still pending. Other
// tests rely on these guarantees, so they are checked here once.
#include "fault_proxy.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "raw_socket.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kBookmark =
    R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"type":"ayah","verseNumber":255}}])";

std::string push_target(std::int64_t head) {
  return "/v1/sync?lastMutationAt=" + std::to_string(head);
}
std::string push_body(const std::string& mutations) { return "{\"mutations\":" + mutations + "}"; }

// Polls `done` until it holds or `timeout` passes (for states the proxy has no waiter for).
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// How many file descriptors this process has open.
std::size_t open_descriptors() {
  std::filesystem::directory_iterator fds("/proc/self/fd");
  return static_cast<std::size_t>(std::distance(begin(fds), end(fds)));
}

class FaultProxyTest : public ::testing::Test {
 protected:
  // A client of the proxy that never sends a request twice, so that a lost answer shows as one.
  HttpClient proxied() const {
    HttpClient c(proxy_.host(), proxy_.port());
    c.set_resend_on_closed_connection(false);
    return c;
  }
  // Alice's entries after `since`, pulled through the proxy on a fresh connection.
  json::array pull_via_proxy(std::int64_t since) {
    auto r = proxied().get("/v1/sync?mutationsSince=" + std::to_string(since), auth_);
    EXPECT_EQ(r.status, 200) << r.transport_error << r.body;
    if (r.status != 200) return {};
    return r.json().at("data").at("mutations").as_array();
  }

  ServerProcess server_;
  FaultProxy proxy_{server_.host(), server_.port()};
  Headers auth_ = server_.auth("alice");
  SyncApi direct_{server_, "alice"};  // straight to the server, for the truth
};

// ---------------------------------------------------------------------------------------------
// Without faults.

TEST_F(FaultProxyTest, PassesExchangesThroughOnOneKeepAliveConnection) {
  auto c = proxied();
  auto health = c.get("/healthz");
  EXPECT_EQ(health.status, 200) << health.transport_error;
  auto pulled = c.get("/v1/sync?mutationsSince=0", auth_);
  ASSERT_EQ(pulled.status, 200) << pulled.transport_error << pulled.body;
  EXPECT_EQ(pulled.json().at("success"), json::value(true));
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(pulled.body, direct_.pull(0).body);

  const auto stats = proxy_.stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.exchanges_started, 2u);
  EXPECT_EQ(stats.requests_forwarded, 2u);
  EXPECT_EQ(stats.exchanges_forwarded, 2u);
  EXPECT_EQ(stats.exchanges_completed, 2u);
  EXPECT_EQ(stats.tunnelled_connections, 0u);
  EXPECT_TRUE(proxy_.wait_for_exchanges(2, 0ms));
  const auto log = proxy_.exchanges();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].method, "GET");
  EXPECT_EQ(log[0].target, "/healthz");
  EXPECT_EQ(log[0].status, 200);
  EXPECT_EQ(log[1].target, "/v1/sync?mutationsSince=0");
  EXPECT_EQ(log[1].fault, Fault::Kind::kPass);
  EXPECT_FALSE(log[1].upstream_failed);
}

TEST_F(FaultProxyTest, KeepsFramingAcrossAChunkedPushAndA304) {
  const auto head = direct_.head();
  RawSocket s(proxy_.host(), proxy_.port());
  ASSERT_TRUE(s.connected());

  // A note, then a conditional read of it that the server answers 304 (no body).
  ASSERT_TRUE(s.send(raw_request("POST", "/v1/notes", auth_,
                                 R"({"body":"Through the proxy","ranges":["1:1-1:7"]})")));
  auto created = s.read_response();
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string id(json::parse(created.body).at("data").at("id").as_string());
  ASSERT_TRUE(s.send(raw_request("GET", "/v1/notes/" + id, auth_)));
  auto read = s.read_response();
  ASSERT_EQ(read.status, 200) << read.body;
  ASSERT_FALSE(read.header("etag").empty());
  Headers conditional = auth_;
  conditional.emplace_back("If-None-Match", read.header("etag"));
  ASSERT_TRUE(s.send(raw_request("GET", "/v1/notes/" + id, conditional)));
  EXPECT_EQ(s.read_response().status, 304);

  // A push whose body is chunked, with a chunk extension, sent in pieces.
  const std::string body = push_body(kBookmark);
  // The note moved the head; push at the current one.
  std::string request = "POST " + push_target(direct_.head()) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : auth_) request += k + ": " + v + "\r\n";
  request += "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::size_t half = body.size() / 2;
  auto chunk = [](std::string_view part) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx;piece=1\r\n", part.size());
    return std::string(size) + std::string(part) + "\r\n";
  };
  ASSERT_TRUE(s.send(request + chunk(std::string_view(body).substr(0, half))));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(s.send(chunk(std::string_view(body).substr(half)) + "0\r\n\r\n"));
  auto pushed = s.read_response();
  ASSERT_EQ(pushed.status, 200) << pushed.body;

  // The connection still frames correctly after all of that.
  ASSERT_TRUE(s.send(raw_request("GET", "/healthz", {})));
  EXPECT_EQ(s.read_response().status, 200);
  const auto stats = proxy_.stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.exchanges_forwarded, 5u);
  EXPECT_EQ(stats.tunnelled_connections, 0u);
  EXPECT_EQ(pull_via_proxy(head).size(), 2u);  // the note and the bookmark
}

// ---------------------------------------------------------------------------------------------
// Faults.

TEST_F(FaultProxyTest, DroppedResponseLeavesThePushApplied) {
  const auto head = direct_.head();
  proxy_.fault_matching(FaultProxy::request_is("POST", "/v1/sync"), Fault::drop_response(), 1);
  auto c = proxied();
  auto r = c.post(push_target(head), push_body(kBookmark), auth_);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.transport_error.empty());
  EXPECT_FALSE(c.connected());

  const auto stats = proxy_.stats();
  EXPECT_EQ(stats.requests_forwarded, 1u);
  EXPECT_EQ(stats.responses_dropped, 1u);
  EXPECT_EQ(stats.exchanges_forwarded, 0u);
  const auto log = proxy_.exchanges();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, 200);  // the server did answer
  EXPECT_EQ(log[0].fault, Fault::Kind::kDropResponse);

  // The client never learnt it, but the push was applied.
  const auto entries = pull_via_proxy(head);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_GT(direct_.head(), head);
}

// HttpClient resends a request once when its connection closes before an answer (meant for
// kept-alive connections the server closed while idle). Behind a lost answer, that resends a
// push; a fault test that does not turn it off sees the resend's answer, not the loss.
TEST_F(FaultProxyTest, DefaultHttpClientResendsAPushWhoseAnswerWasLost) {
  const auto head = direct_.head();
  proxy_.fault_next(Fault::drop_response());
  HttpClient c(proxy_.host(), proxy_.port());
  auto r = c.post(push_target(head), push_body(kBookmark), auth_);
  EXPECT_EQ(r.status, 409) << r.body;  // the resend met its own first copy's effect
  const auto log = proxy_.exchanges();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].status, 200);
  EXPECT_EQ(log[0].fault, Fault::Kind::kDropResponse);
  EXPECT_EQ(log[1].status, 409);
  EXPECT_EQ(log[1].fault, Fault::Kind::kPass);
  EXPECT_EQ(pull_via_proxy(head).size(), 1u);
}

TEST_F(FaultProxyTest, CutResponseEndsTheConnectionMidBody) {
  direct_.push_ok(kBookmark);
  Headers closing = auth_;
  closing.emplace_back("Connection", "close");
  const std::string request = raw_request("GET", "/v1/sync?mutationsSince=0", closing);

  // The whole answer first, to place the cut inside its body.
  std::string whole;
  {
    RawSocket s(proxy_.host(), proxy_.port());
    ASSERT_TRUE(s.send(request));
    ASSERT_TRUE(s.wait_closed(10s, &whole));
  }
  ASSERT_EQ(parse_raw_response(whole).status, 200) << whole;
  const std::size_t body_start = whole.find("\r\n\r\n") + 4;
  ASSERT_GT(whole.size() - body_start, 100u);
  const std::size_t cut_at = body_start + (whole.size() - body_start) / 2;

  proxy_.fault_next(Fault::cut_response(cut_at));
  std::string cut;
  {
    RawSocket s(proxy_.host(), proxy_.port());
    ASSERT_TRUE(s.send(request));
    ASSERT_TRUE(s.wait_closed(10s, &cut));
  }
  EXPECT_EQ(cut.size(), cut_at);
  EXPECT_EQ(cut.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(parse_raw_response(cut).status, 0);  // not a whole response

  // HttpClient reports the cut as a transport failure, not as a response.
  proxy_.fault_next(Fault::cut_response(cut_at));
  auto r = proxied().get("/v1/sync?mutationsSince=0", auth_);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.transport_error.empty());
  EXPECT_EQ(proxy_.stats().responses_cut, 2u);
}

TEST_F(FaultProxyTest, DroppedRequestNeverReachesTheServer) {
  const auto head = direct_.head();
  proxy_.fault_matching(FaultProxy::request_is("POST", "/v1/sync"), Fault::drop_request(), 1);
  auto r = proxied().post(push_target(head), push_body(kBookmark), auth_);
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.transport_error.empty());

  const auto stats = proxy_.stats();
  EXPECT_EQ(stats.requests_dropped, 1u);
  EXPECT_EQ(stats.requests_forwarded, 0u);
  EXPECT_EQ(proxy_.exchanges().at(0).status, 0);
  EXPECT_EQ(direct_.head(), head);
  EXPECT_TRUE(pull_via_proxy(head).empty());

  // The rule is used up: the same push now goes through.
  auto again = proxied().post(push_target(head), push_body(kBookmark), auth_);
  EXPECT_EQ(again.status, 200) << again.transport_error << again.body;
}

TEST_F(FaultProxyTest, DroppedRequestSwallowsABodyThatWaitsFor100Continue) {
  const auto head = direct_.head();
  proxy_.fault_next(Fault::drop_request());
  Headers expecting = auth_;
  expecting.emplace_back("Expect", "100-continue");
  const std::string body = push_body(kBookmark);
  const std::string request = raw_request("POST", push_target(head), expecting, body);
  RawSocket s(proxy_.host(), proxy_.port());
  ASSERT_TRUE(s.send(request.substr(0, request.size() - body.size())));
  EXPECT_EQ(s.read_response(5s).status, 100);
  ASSERT_TRUE(s.send(body));
  EXPECT_TRUE(s.wait_closed(5s));
  EXPECT_EQ(proxy_.stats().requests_dropped, 1u);
  EXPECT_EQ(direct_.head(), head);
}

TEST_F(FaultProxyTest, DelayedResponseArrivesAfterTheDelay) {
  proxy_.fault_next(Fault::delay_response(300ms));
  auto c = proxied();
  const auto start = std::chrono::steady_clock::now();
  auto r = c.get("/healthz");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.status, 200) << r.transport_error;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.get("/healthz").status, 200);  // the next exchange is not delayed
  const auto stats = proxy_.stats();
  EXPECT_EQ(stats.responses_delayed, 1u);
  EXPECT_EQ(stats.exchanges_forwarded, 2u);
}

TEST_F(FaultProxyTest, RulesApplyInOrderUntilUsedUpOrCleared) {
  proxy_.fault_next(Fault::drop_request(), 2);
  proxy_.fault_matching(FaultProxy::request_is("GET", "/readyz"), Fault::drop_response());
  // The first rule takes the next two exchanges, whatever they are.
  EXPECT_EQ(proxied().get("/readyz").status, 0);
  EXPECT_EQ(proxied().get("/healthz").status, 0);
  // Then only /readyz is faulted, for as long as the rule stays.
  EXPECT_EQ(proxied().get("/healthz").status, 200);
  EXPECT_EQ(proxied().get("/readyz").status, 0);
  EXPECT_EQ(proxied().get("/readyz").status, 0);
  proxy_.clear_faults();
  EXPECT_EQ(proxied().get("/readyz").status, 200);

  const auto stats = proxy_.stats();
  EXPECT_EQ(stats.requests_dropped, 2u);
  EXPECT_EQ(stats.responses_dropped, 2u);
  EXPECT_EQ(stats.exchanges_forwarded, 2u);
  EXPECT_EQ(stats.exchanges_completed, 6u);
  const auto log = proxy_.exchanges();
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[0].fault, Fault::Kind::kDropRequest);
  EXPECT_EQ(log[3].target, "/readyz");
  EXPECT_EQ(log[3].fault, Fault::Kind::kDropResponse);
  EXPECT_EQ(log[3].status, 200);
}

TEST_F(FaultProxyTest, FollowsARestartedServerThroughSetUpstream) {
  direct_.push_ok(kBookmark);
  const auto head = direct_.head();
  const auto old_port = server_.port();
  auto kept_alive = proxied();
  ASSERT_EQ(kept_alive.get("/healthz").status, 200);

  server_.restart();
  // Until told, the proxy still points at the old port, where nothing listens any more (unless
  // the new server happened to get the same port).
  if (server_.port() != old_port) {
    auto r = proxied().get("/healthz");
    EXPECT_EQ(r.status, 0);
    EXPECT_GE(proxy_.stats().upstream_failures, 1u);
  }
  proxy_.set_upstream(server_.host(), server_.port());
  auto r = proxied().get("/v1/sync?mutationsSince=0&metadataOnly=true", auth_);
  ASSERT_EQ(r.status, 200) << r.transport_error << r.body;
  EXPECT_EQ(r.json().at("data").at("lastMutationAt").to_number<std::int64_t>(), head);
  EXPECT_EQ(pull_via_proxy(0).size(), 1u);
}

TEST_F(FaultProxyTest, DestructorEndsPendingExchangesPromptlyAndLeaksNoDescriptor) {
  const std::size_t fds_before = open_descriptors();
  auto proxy = std::make_unique<FaultProxy>(server_.host(), server_.port());
  proxy->fault_next(Fault::delay_response(60s));
  const std::string host = proxy->host();
  const std::uint16_t port = proxy->port();
  RawSocket idle(host, port);
  ASSERT_TRUE(idle.connected());
  Response delayed;
  std::thread waiting([&] {
    HttpClient c(host, port);
    c.set_resend_on_closed_connection(false);
    delayed = c.get("/healthz");
  });
  ASSERT_TRUE(eventually([&] { return proxy->stats().exchanges_started == 1; }));

  const auto start = std::chrono::steady_clock::now();
  proxy.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  waiting.join();
  EXPECT_EQ(delayed.status, 0);
  EXPECT_TRUE(idle.wait_closed(5s));
  idle.close();
  EXPECT_EQ(open_descriptors(), fds_before);
}

// ---------------------------------------------------------------------------------------------
// Framings the real server never produces, from a scripted stand-in.

// Answers each request on its one connection with the next canned response, sent a few bytes
// at a time so that the proxy sees every boundary split; closes after the last.
class ScriptedUpstream {
 public:
  explicit ScriptedUpstream(std::vector<std::string> responses) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 4) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("scripted upstream: cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, responses = std::move(responses)] { serve(responses); });
  }
  ~ScriptedUpstream() {
    thread_.join();
    ::close(fd_);
  }
  ScriptedUpstream(const ScriptedUpstream&) = delete;
  ScriptedUpstream& operator=(const ScriptedUpstream&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  static bool readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 10'000) > 0;
  }

  void serve(const std::vector<std::string>& responses) {
    if (!readable(fd_)) return;
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::string received;
    for (const auto& response : responses) {
      while (received.find("\r\n\r\n") == std::string::npos) {
        char buf[4096];
        const ssize_t n = readable(c) ? ::recv(c, buf, sizeof buf, 0) : -1;
        if (n <= 0) {
          ::close(c);
          return;
        }
        received.append(buf, static_cast<std::size_t>(n));
      }
      received.erase(0, received.find("\r\n\r\n") + 4);
      for (std::size_t at = 0; at < response.size(); at += 7) {
        const std::string_view piece = std::string_view(response).substr(at, 7);
        if (::send(c, piece.data(), piece.size(), MSG_NOSIGNAL) < 0) break;
        std::this_thread::sleep_for(1ms);
      }
    }
    ::close(c);
  }

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(FaultProxyFramingTest, FindsTheEndOfChunkedAndUntilCloseResponses) {
  ScriptedUpstream upstream({
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone",
      "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
  });
  FaultProxy proxy("127.0.0.1", upstream.port());
  HttpClient c(proxy.host(), proxy.port());
  c.set_resend_on_closed_connection(false);
  auto chunked = c.get("/chunked");
  EXPECT_EQ(chunked.status, 200) << chunked.transport_error;
  EXPECT_EQ(chunked.body, "hello world");
  auto sized = c.get("/sized");
  EXPECT_EQ(sized.body, "done") << sized.transport_error;
  auto until_close = c.get("/until-close");
  EXPECT_EQ(until_close.body, "until the end") << until_close.transport_error;

  const auto stats = proxy.stats();
  EXPECT_EQ(stats.connections_accepted, 1u);
  EXPECT_EQ(stats.exchanges_forwarded, 3u);
  EXPECT_EQ(stats.upstream_failures, 0u);
}

}  // namespace
}  // namespace synclog::test
