// Operating the real binary (SPEC section 3 "Operations", section 1 "durable before any
// 200"): health and readiness, Prometheus metrics, one JSON access-log line per request with
// a request id, graceful drain on SIGTERM (requests in flight finish, idle connections are
// closed, exit 0, acknowledged data kept), durability across SIGKILL, and keep-alive.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <sstream>
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

// The access log's request lines (event "request"), parsed.
std::vector<json::object> request_lines(const ServerProcess& server) {
  std::vector<json::object> out;
  std::istringstream in(server.access_log());
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json::error_code ec;
    auto v = json::parse(line, ec);
    EXPECT_FALSE(ec) << "access log line is not JSON: " << line;
    if (ec || !v.is_object()) continue;
    if (v.as_object().contains("event") && v.at("event") == "request") out.push_back(v.as_object());
  }
  return out;
}

// The value of one Prometheus series (`name{labels}` exactly as rendered), or -1 if absent.
double metric_value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// Waits until the server has logged that it is draining.
bool wait_for_draining(const ServerProcess& server) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (server.access_log().find("\"event\":\"draining\"") != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// A batch of `n` distinct NOTE creates whose bodies start with `tag`.
std::string notes(int n, const std::string& tag) {
  std::string m = "[";
  for (int i = 0; i < n; ++i) {
    if (i > 0) m += ",";
    m += R"({"resource":"NOTE","type":"CREATE","data":{"body":")" + tag + "-" + std::to_string(i) +
         R"(","ranges":["2:1-2:5"]}})";
  }
  return m + "]";
}

class OpsTest : public ::testing::Test {
 protected:
  ServerProcess server_;
};

// ---------------------------------------------------------------------------------------------
// Health, readiness, metrics.

TEST_F(OpsTest, HealthzAnswers200WithoutAToken) {
  auto r = server_.client().get("/healthz");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "ok");
}

TEST_F(OpsTest, ReadyzAnswers200WhenServing) {
  auto r = server_.client().get("/readyz");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("status").as_string(), "ready");
}

TEST_F(OpsTest, ReadyzIs503WhileDraining) {
  // A request that has started but not finished arriving when SIGTERM comes keeps its
  // connection through the drain, so its answer shows the drain from the inside.
  // "100 Continue" proves the server holds the request's header before the signal.
  RawSocket s(server_.host(), server_.port());
  ASSERT_TRUE(s.send("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                     "Content-Length: 1\r\n\r\n"));
  ASSERT_EQ(s.read_response().status, 100);
  ASSERT_EQ(::kill(server_.pid(), SIGTERM), 0);
  ASSERT_TRUE(wait_for_draining(server_));
  ASSERT_TRUE(s.send("x"));
  auto r = s.read_response();
  ASSERT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(json::parse(r.body).at("status").as_string(), "draining");
  EXPECT_EQ(server_.terminate(), 0);
}

TEST_F(OpsTest, MetricsArePrometheusTextWithRequestsPushesMutationsAndConflicts) {
  SyncApi alice(server_, "alice");
  const auto head = alice.head();
  auto ok = alice.push(head, R"([
    {"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"type":"ayah","verseNumber":255}},
    {"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"type":"ayah","verseNumber":256}},
    {"resource":"NOTE","type":"CREATE","data":{"body":"Counted note","ranges":["2:255-2:256"]}}])");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(alice.push(head, notes(1, "stale")).status, 409);  // a stale head
  SyncApi bob(server_, "bob");
  EXPECT_EQ(bob.push(bob.head() - 7, notes(1, "wrong")).status, 409);  // first-sync kind

  auto r = server_.client().get("/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type").rfind("text/plain", 0), 0u) << r.header("content-type");
  const std::string& m = r.body;
  EXPECT_NE(m.find("# TYPE synclog_http_requests_total counter"), std::string::npos) << m;
  EXPECT_EQ(metric_value(m, R"(synclog_http_requests_total{route="/v1/sync",method="POST",status="200"})"), 1) << m;
  EXPECT_EQ(metric_value(m, R"(synclog_http_requests_total{route="/v1/sync",method="POST",status="409"})"), 2) << m;
  EXPECT_EQ(metric_value(m, R"(synclog_http_requests_total{route="/v1/sync",method="GET",status="200"})"), 2) << m;
  EXPECT_EQ(metric_value(m, "synclog_pushes_total"), 1) << m;
  EXPECT_EQ(metric_value(m, R"(synclog_mutations_total{resource="BOOKMARK",type="CREATE"})"), 2) << m;
  EXPECT_EQ(metric_value(m, R"(synclog_mutations_total{resource="NOTE",type="CREATE"})"), 1) << m;
  EXPECT_EQ(metric_value(m, R"(synclog_out_of_sync_total{kind="stale_head"})"), 1) << m;
  EXPECT_EQ(metric_value(m, R"(synclog_out_of_sync_total{kind="first_sync"})"), 1) << m;
  EXPECT_NE(m.find("# TYPE synclog_storage_write_seconds histogram"), std::string::npos) << m;
  EXPECT_GE(metric_value(m, R"(synclog_storage_write_seconds_bucket{le="+Inf"})"), 1) << m;
  EXPECT_GE(metric_value(m, "synclog_storage_write_seconds_count"), 1) << m;
  // Every sample line is `name[{labels}] value`.
  std::istringstream in(m);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    ASSERT_NE(space, std::string::npos) << line;
    EXPECT_NO_THROW((void)std::stod(line.substr(space + 1))) << line;
    EXPECT_EQ(line.rfind("synclog_", 0), 0u) << line;
  }
}

TEST_F(OpsTest, MetricLabelsStayBoundedWhateverMethodsClientsInvent) {
  // Regression: every distinct method a client sent became a new series forever.
  auto c = server_.client();
  for (int i = 0; i < 20; ++i) {
    const std::string reply =
        c.raw("INVENTED" + std::to_string(i) + " /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(reply.rfind("HTTP/1.1 404", 0), 0u) << reply;
  }
  const std::string m = server_.client().get("/metrics").body;
  EXPECT_EQ(m.find("INVENTED"), std::string::npos);
  EXPECT_EQ(metric_value(m, R"(synclog_http_requests_total{route="unmatched",method="other",status="404"})"), 20) << m;
}

TEST_F(OpsTest, InvalidUtf8FromTheWireNeverReachesJsonOutput) {
  SyncApi alice(server_, "alice");
  auto r = alice.client().get("/v1/sync?mutationsSince=0&resources=%FF", alice.headers());
  ASSERT_EQ(r.status, 422);
  EXPECT_NO_THROW(json::parse(r.body)) << r.body;  // Boost.JSON refuses invalid UTF-8
  EXPECT_EQ(server_.client().get("/%FF%FE").status, 404);
  for (const auto& line : request_lines(server_)) EXPECT_FALSE(line.empty());  // each parsed
}

// ---------------------------------------------------------------------------------------------
// The access log.

TEST_F(OpsTest, EveryRequestLogsExactlyOneJsonLineWithItsRequestId) {
  const Headers alice = server_.auth("alice");
  auto with_id = [&](const std::string& id) {
    Headers h = alice;
    h.emplace_back("X-Request-Id", id);
    return h;
  };
  struct Sent {
    std::string method, path;
    Response response;
    std::string given_id;  // empty: let the server choose
  };
  std::vector<Sent> sent;
  auto c = server_.client();
  auto send = [&](const std::string& method, const std::string& target, const std::string& body,
                  const Headers& h, const std::string& given_id = "") {
    const std::string path = target.substr(0, target.find('?'));
    sent.push_back(Sent{method, path, c.request(method, target, body, h), given_id});
  };
  send("GET", "/healthz", "", {});
  send("GET", "/readyz", "", {{"X-Request-Id", "ready-check.1"}}, "ready-check.1");
  send("GET", "/v1/sync?mutationsSince=0&metadataOnly=true", "", alice);
  const auto head = sent.back().response.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
  send("POST", "/v1/sync?lastMutationAt=" + std::to_string(head),
       "{\"mutations\":" + notes(2, "logged") + "}", with_id("push-1"), "push-1");
  send("POST", "/v1/sync?lastMutationAt=" + std::to_string(head),
       "{\"mutations\":" + notes(1, "stale") + "}", with_id("push_2"), "push_2");
  send("GET", "/v1/sync?mutationsSince=0", "", alice);
  send("GET", "/v1/sync?mutationsSince=0", "", {});                 // 401
  send("GET", "/v1/sync?mutationsSince=zero", "", alice);           // 422
  send("GET", "/nowhere", "", with_id("lost-1"), "lost-1");         // 404
  send("PUT", "/v1/sync", "{}", alice);                              // 405
  send("GET", "/v1/sync?mutationsSince=0", "", server_.auth("alice", "dev", "bookmark"));  // 403
  send("GET", "/metrics", "", {});

  const auto lines = request_lines(server_);
  ASSERT_EQ(lines.size(), sent.size()) << server_.access_log();
  std::map<std::string, json::object> by_id;
  for (const auto& line : lines) {
    ASSERT_TRUE(line.contains("request_id")) << json::serialize(line);
    const std::string id(line.at("request_id").as_string());
    EXPECT_FALSE(id.empty());
    EXPECT_TRUE(by_id.emplace(id, line).second) << "request id logged twice: " << id;
  }
  for (const auto& s : sent) {
    SCOPED_TRACE(s.method + " " + s.path);
    ASSERT_NE(s.response.status, 0);
    const std::string id = s.response.header("x-request-id");
    ASSERT_FALSE(id.empty()) << "no X-Request-Id in the response";
    if (!s.given_id.empty()) {
      EXPECT_EQ(id, s.given_id) << "the client's X-Request-Id is not echoed";
    }
    auto it = by_id.find(id);
    ASSERT_NE(it, by_id.end()) << "no access log line for " << id;
    const auto& line = it->second;
    EXPECT_EQ(line.at("method").as_string(), s.method);
    EXPECT_EQ(line.at("path").as_string(), s.path);
    EXPECT_EQ(line.at("status").to_number<int>(), s.response.status);
    ASSERT_TRUE(line.contains("duration_ms"));
    EXPECT_TRUE(line.at("duration_ms").is_number()) << json::serialize(line);
    EXPECT_GE(line.at("duration_ms").to_number<double>(), 0.0);
  }
  // Server-chosen ids are unique per request.
  std::set<std::string> ids;
  for (const auto& s : sent) ids.insert(s.response.header("x-request-id"));
  EXPECT_EQ(ids.size(), sent.size());
}

TEST_F(OpsTest, UnsafeClientRequestIdIsReplaced) {
  auto c = server_.client();
  for (const std::string& bad : {std::string(65, 'a'), std::string("a/b"), std::string("x\"y"),
                                 std::string("{\"json\":1}")}) {
    auto r = c.get("/healthz", {{"X-Request-Id", bad}});
    ASSERT_EQ(r.status, 200);
    EXPECT_FALSE(r.header("x-request-id").empty());
    EXPECT_NE(r.header("x-request-id"), bad);
  }
  // The log stays one JSON line per request.
  EXPECT_EQ(request_lines(server_).size(), 4u) << server_.access_log();
}

TEST_F(OpsTest, RequestsRefusedBeforeRoutingAreLoggedOnce) {
  ServerProcess small({"--max-body", "1KiB"});
  const std::string body(4096, 'x');
  const std::string bytes = raw_request("POST", "/v1/sync?lastMutationAt=1", {}, body);
  const std::string received = small.client().raw(bytes, 15s);
  ASSERT_EQ(parse_raw_response(received).status, 413) << received;
  const auto lines = request_lines(small);
  ASSERT_EQ(lines.size(), 1u) << small.access_log();
  EXPECT_EQ(lines[0].at("status").to_number<int>(), 413);
}

// ---------------------------------------------------------------------------------------------
// Graceful drain.

TEST_F(OpsTest, SigtermLetsARequestInFlightFinishThenExitsZero) {
  SyncApi alice(server_, "alice");
  const auto head = alice.head();
  const std::string body = "{\"mutations\":" + notes(100, "in-flight") + "}";
  Headers h = server_.auth("alice");
  h.emplace_back("Expect", "100-continue");  // its answer proves the header has arrived
  const std::string request =
      raw_request("POST", "/v1/sync?lastMutationAt=" + std::to_string(head), h, body);
  RawSocket s(server_.host(), server_.port());
  ASSERT_TRUE(s.send(request.substr(0, request.size() - body.size() + 100)));
  ASSERT_EQ(s.read_response().status, 100);
  ASSERT_EQ(::kill(server_.pid(), SIGTERM), 0);
  ASSERT_TRUE(wait_for_draining(server_));
  ASSERT_TRUE(s.send(request.substr(request.size() - body.size() + 100)));
  auto r = s.read_response();
  ASSERT_EQ(r.status, 200) << r.body;
  const auto acked_head =
      json::parse(r.body).at("data").at("lastMutationAt").to_number<std::int64_t>();
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(s.wait_closed(20s));
  EXPECT_EQ(server_.terminate(), 0) << server_.event_log();

  server_.restart();
  SyncApi after(server_, "alice");
  EXPECT_EQ(after.head(), acked_head);
  const auto pulled = after.pull(0).json();
  EXPECT_EQ(pulled.at("data").at("mutations").as_array().size(), 100u);
}

TEST_F(OpsTest, AcknowledgedPushesSurviveASigtermUnderLoad) {
  constexpr int kUsers = 4;
  std::atomic<int> acks{0};
  std::atomic<bool> unexpected{false};
  std::vector<std::vector<std::string>> acked(kUsers);
  std::vector<std::string> errors(kUsers);
  std::vector<std::thread> threads;
  for (int u = 0; u < kUsers; ++u) {
    threads.emplace_back([&, u] {
      SyncApi api(server_, "user" + std::to_string(u));
      auto r = api.client().get("/v1/sync?mutationsSince=0&metadataOnly=true", api.headers());
      if (r.status != 200) return;
      auto head = r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
      for (int i = 0; i < 100000; ++i) {
        auto p = api.push(head, notes(3, "u" + std::to_string(u) + "-" + std::to_string(i)));
        if (p.status == 0) return;  // the server has gone away
        if (p.status != 200) {
          unexpected = true;
          errors[u] = std::to_string(p.status) + " " + p.body;
          return;
        }
        const auto data = p.json().at("data");
        head = data.at("lastMutationAt").to_number<std::int64_t>();
        for (const auto& m : data.at("mutations").as_array()) {
          acked[u].emplace_back(m.at("resourceId").as_string());
        }
        ++acks;
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (acks.load() < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ::kill(server_.pid(), SIGTERM);
  for (auto& t : threads) t.join();
  for (const auto& e : errors) EXPECT_TRUE(e.empty()) << e;
  EXPECT_FALSE(unexpected.load());
  EXPECT_EQ(server_.terminate(), 0) << server_.event_log();
  ASSERT_GE(acks.load(), 20);

  server_.restart();
  for (int u = 0; u < kUsers; ++u) {
    SyncApi api(server_, "user" + std::to_string(u));
    const auto body = api.pull(0).json();
    std::set<std::string> present;
    for (const auto& m : body.at("data").at("mutations").as_array()) {
      present.emplace(m.at("resourceId").as_string());
    }
    for (const auto& id : acked[u]) EXPECT_TRUE(present.count(id)) << "user" << u << " lost " << id;
  }
}

TEST_F(OpsTest, SigtermClosesIdleKeepAliveConnections) {
  // A long drain timeout: the process can only exit promptly if idle connections are closed.
  ServerProcess server({"--drain-timeout", "300s", "--idle-timeout", "300s"});
  RawSocket silent(server.host(), server.port());
  RawSocket kept(server.host(), server.port());
  ASSERT_TRUE(kept.send(raw_request("GET", "/healthz", {})));
  ASSERT_EQ(kept.read_response().status, 200);
  auto client = server.client();
  ASSERT_EQ(client.get("/healthz").status, 200);  // a third, kept-alive connection

  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  EXPECT_TRUE(silent.wait_closed(30s)) << "a connection that never sent a byte stayed open";
  EXPECT_TRUE(kept.wait_closed(30s)) << "an idle keep-alive connection stayed open";
  EXPECT_EQ(server.terminate(std::chrono::seconds(60)), 0) << server.event_log();
}

// ---------------------------------------------------------------------------------------------
// Durability and connections.

TEST_F(OpsTest, AcknowledgedDataSurvivesSigkill) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(round);
    SyncApi alice(server_, "alice");
    auto data = alice.push_ok(notes(5, "round" + std::to_string(round)));
    ASSERT_FALSE(data.empty());
    const auto acked_head = data.at("lastMutationAt").to_number<std::int64_t>();
    server_.kill9();
    server_.restart();
    SyncApi after(server_, "alice");
    EXPECT_EQ(after.head(), acked_head);
    const auto body = after.pull(0).json();
    EXPECT_EQ(body.at("data").at("mutations").as_array().size(), static_cast<std::size_t>(5 * (round + 1)));
  }
}

TEST_F(OpsTest, KeepAliveServesManyRequestsOnOneConnection) {
  const Headers alice = server_.auth("alice");
  RawSocket s(server_.host(), server_.port());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(s.send(raw_request("GET", "/v1/sync?mutationsSince=0", alice))) << i;
    auto r = s.read_response();
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_NE(r.header("connection"), "close");
  }
  // Pipelined: twenty requests in one write, twenty answers in order.
  std::string batch;
  for (int i = 0; i < 20; ++i) {
    Headers h = alice;
    h.emplace_back("X-Request-Id", "pipe-" + std::to_string(i));
    batch += raw_request("GET", "/v1/sync?mutationsSince=0&metadataOnly=true", h);
  }
  ASSERT_TRUE(s.send(batch));
  for (int i = 0; i < 20; ++i) {
    auto r = s.read_response();
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.header("x-request-id"), "pipe-" + std::to_string(i));
  }
  // All of it came over one connection: one remote address in the log.
  std::set<std::string> remotes;
  for (const auto& line : request_lines(server_)) remotes.emplace(line.at("remote").as_string());
  EXPECT_EQ(remotes.size(), 1u);
  EXPECT_EQ(request_lines(server_).size(), 120u);
}

}  // namespace
}  // namespace synclog::test
