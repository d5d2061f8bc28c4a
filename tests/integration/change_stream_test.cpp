// GET /v1/sync/events, the change stream (docs/api.md "Change stream"), against the real
// binary: the retry hint and the current head first, other devices' pushes as they commit and
// no other user's, Last-Event-ID and lastMutationAt, coalescing with rising ids, heartbeats,
// errors before the stream, the per-user cap (the oldest stream makes room) and the connection
// cap, the drain on SIGTERM, and clients that leave.
#include <gtest/gtest.h>
#include <signal.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "event_stream_client.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string note(const std::string& body) {
  return R"([{"resource":"NOTE","type":"CREATE","data":{"body":"Note: )" + body +
         R"(","ranges":["2:1-2:5"]}}])";
}

std::int64_t id_of(const SseMessage& m) { return std::stoll(m.id); }

// Opens a stream as `user` (all scopes) with `extra` headers; `query` starts with '?'.
EventStreamClient open_stream(const ServerProcess& server, const std::string& user,
                              const std::string& query = "", const Headers& extra = {}) {
  Headers h = server.auth(user, "listener");
  h.insert(h.end(), extra.begin(), extra.end());
  return EventStreamClient(server.host(), server.port(), "/v1/sync/events" + query, h);
}

// Reads the retry hint and, if `head` is given, the immediate event, which must carry it.
void expect_greeting(EventStreamClient& s, std::optional<std::int64_t> head) {
  ASSERT_EQ(s.status(), 200) << s.body();
  auto hint = s.next(5s);
  ASSERT_TRUE(hint.has_value()) << "no retry hint";
  EXPECT_EQ(hint->retry, 1000);
  if (!head) return;
  auto first = s.next(5s);
  ASSERT_TRUE(first.has_value()) << "no immediate event";
  EXPECT_EQ(first->event, "head");
  EXPECT_EQ(id_of(*first), *head);
}

// The value of one Prometheus series (`name{labels}` as rendered), or -1 if absent.
double metric_value(const ServerProcess& server, const std::string& series) {
  std::istringstream in(server.client().get("/metrics").body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

// The access log's request lines for the change stream, parsed.
std::vector<json::object> stream_log_lines(const ServerProcess& server) {
  std::vector<json::object> out;
  std::istringstream in(server.access_log());
  for (std::string line; std::getline(in, line);) {
    json::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object() || !v.as_object().contains("route")) continue;
    if (v.at("route") == "/v1/sync/events" && v.at("status") == 200) out.push_back(v.as_object());
  }
  return out;
}

// Waits until `ok()` holds, up to `timeout`.
template <class F>
bool eventually(F ok, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return ok();
}

class ChangeStreamTest : public ::testing::Test {
 protected:
  ServerProcess server_;
};

TEST_F(ChangeStreamTest, SendsTheRetryHintThenTheCurrentHead) {
  SyncApi alice(server_, "alice");
  const auto head = alice.push_ok(note("first")).at("lastMutationAt").to_number<std::int64_t>();
  auto s = open_stream(server_, "alice");
  ASSERT_EQ(s.status(), 200) << s.body();
  EXPECT_EQ(s.header("content-type"), "text/event-stream");
  EXPECT_EQ(s.header("cache-control"), "no-store");
  EXPECT_EQ(s.header("x-accel-buffering"), "no");
  EXPECT_EQ(s.header("transfer-encoding"), "chunked");
  EXPECT_FALSE(s.header("x-request-id").empty());
  auto hint = s.next(5s);
  ASSERT_TRUE(hint.has_value());
  EXPECT_EQ(hint->retry, 1000);
  EXPECT_FALSE(hint->is_event());
  auto first = s.next(5s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->event, "head");
  EXPECT_EQ(first->id, std::to_string(head));
  EXPECT_EQ(json::parse(first->data), json::parse("{\"lastMutationAt\":" + std::to_string(head) + "}"));
}

TEST_F(ChangeStreamTest, ANewUserHearsItsBaselineHead) {
  SyncApi carol(server_, "carol");
  const auto head = carol.head();
  auto s = open_stream(server_, "carol");
  expect_greeting(s, head);
}

TEST_F(ChangeStreamTest, AnotherDevicesPushArrivesAsItCommits) {
  SyncApi phone(server_, "alice", "phone");
  auto s = open_stream(server_, "alice");
  expect_greeting(s, phone.head());
  for (int i = 0; i < 3; ++i) {
    const auto pushed = phone.push_ok(note("from the phone " + std::to_string(i)));
    const auto head = pushed.at("lastMutationAt").to_number<std::int64_t>();
    const auto sent = Clock::now();
    auto ev = s.next_event(3s);
    ASSERT_TRUE(ev.has_value()) << "push " << i << " was not told";
    EXPECT_EQ(id_of(*ev), head);
    EXPECT_EQ(json::parse(ev->data).at("lastMutationAt").to_number<std::int64_t>(), head);
    // Told by the commit, not found by polling: well inside a second.
    EXPECT_LT(Clock::now() - sent, 1s);
  }
}

TEST_F(ChangeStreamTest, AnotherUsersPushIsNotSeen) {
  SyncApi alice(server_, "alice", "laptop");
  SyncApi bob(server_, "bob");
  auto s = open_stream(server_, "alice");
  expect_greeting(s, alice.head());
  for (int i = 0; i < 3; ++i) bob.push_ok(note("bob's " + std::to_string(i)));
  auto ev = s.next_event(700ms);
  EXPECT_FALSE(ev.has_value()) << "alice's stream told " << ev->id;
  const auto head = alice.push_ok(note("alice's")).at("lastMutationAt").to_number<std::int64_t>();
  ev = s.next_event(3s);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(id_of(*ev), head);
}

TEST_F(ChangeStreamTest, ALastEventIdAtTheHeadSendsNothingAtOnceALowerOneSendsTheHead) {
  SyncApi alice(server_, "alice", "laptop");
  const auto old_head = alice.head();
  const auto head = alice.push_ok(note("one")).at("lastMutationAt").to_number<std::int64_t>();

  auto at_head = open_stream(server_, "alice", "", {{"Last-Event-ID", std::to_string(head)}});
  expect_greeting(at_head, std::nullopt);
  EXPECT_FALSE(at_head.next_event(500ms).has_value());

  auto behind = open_stream(server_, "alice", "", {{"Last-Event-ID", std::to_string(old_head)}});
  expect_greeting(behind, head);

  auto query_at_head = open_stream(server_, "alice", "?lastMutationAt=" + std::to_string(head));
  expect_greeting(query_at_head, std::nullopt);
  EXPECT_FALSE(query_at_head.next_event(300ms).has_value());

  auto query_behind = open_stream(server_, "alice", "?lastMutationAt=" + std::to_string(old_head));
  expect_greeting(query_behind, head);

  // Last-Event-ID (the reconnect) wins over the query parameter of the first connect.
  auto both = open_stream(server_, "alice", "?lastMutationAt=" + std::to_string(old_head),
                          {{"Last-Event-ID", std::to_string(head)}});
  expect_greeting(both, std::nullopt);
  EXPECT_FALSE(both.next_event(300ms).has_value());

  // Every stream hears the next move, once.
  const auto next = alice.push_ok(note("two")).at("lastMutationAt").to_number<std::int64_t>();
  for (auto* s : {&at_head, &behind, &query_at_head, &query_behind, &both}) {
    auto ev = s->next_event(3s);
    ASSERT_TRUE(ev.has_value());
    EXPECT_EQ(id_of(*ev), next);
  }
}

TEST_F(ChangeStreamTest, ACursorAboveTheHeadGetsNothingAtOnceButEveryLaterMove) {
  SyncApi alice(server_, "alice", "laptop");
  const auto head = alice.head();
  auto s = open_stream(server_, "alice", "", {{"Last-Event-ID", std::to_string(head + 1'000'000'000)}});
  expect_greeting(s, std::nullopt);
  EXPECT_FALSE(s.next_event(300ms).has_value());
  const auto next = alice.push_ok(note("moves")).at("lastMutationAt").to_number<std::int64_t>();
  auto ev = s.next_event(3s);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(id_of(*ev), next);
}

TEST_F(ChangeStreamTest, MalformedLastEventIdOrLastMutationAtIs422BeforeTheStream) {
  struct Case {
    std::string query;
    Headers headers;
  };
  const std::vector<Case> cases = {
      {"", {{"Last-Event-ID", "abc"}}},
      {"", {{"Last-Event-ID", "12x"}}},
      {"", {{"Last-Event-ID", "-2"}}},
      {"", {{"Last-Event-ID", "99999999999999999999999"}}},
      {"?lastMutationAt=1.5", {}},
      {"?lastMutationAt=", {}},
      {"?lastMutationAt=ten", {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.query + (c.headers.empty() ? "" : " Last-Event-ID: " + c.headers[0].second));
    auto s = open_stream(server_, "alice", c.query, c.headers);
    ASSERT_EQ(s.status(), 422) << s.body();
    EXPECT_EQ(s.header("content-type").rfind("application/json", 0), 0u);
    const auto body = json::parse(s.body());
    EXPECT_EQ(body.at("success"), false);
    EXPECT_EQ(body.at("type"), "unprocessable_entity");
  }
}

TEST_F(ChangeStreamTest, MissingTokenIs401AndATokenWithoutSyncIs403) {
  EventStreamClient anonymous(server_.host(), server_.port(), "/v1/sync/events");
  ASSERT_EQ(anonymous.status(), 401) << anonymous.body();
  EXPECT_EQ(json::parse(anonymous.body()).at("type"), "unauthorized");

  EventStreamClient bearer(server_.host(), server_.port(), "/v1/sync/events",
                           {{"Authorization", "Bearer " + server_.token("alice")}});
  EXPECT_EQ(bearer.status(), 200);

  EventStreamClient no_sync(server_.host(), server_.port(), "/v1/sync/events",
                            server_.auth("alice", "dev", "bookmark"));
  ASSERT_EQ(no_sync.status(), 403) << no_sync.body();
  EXPECT_EQ(json::parse(no_sync.body()).at("type"), "forbidden");
}

TEST_F(ChangeStreamTest, ABurstOfPushesGivesStrictlyRisingIdsEndingAtTheHead) {
  SyncApi writer(server_, "alice", "writer");
  auto s = open_stream(server_, "alice");
  const auto start = writer.head();
  expect_greeting(s, start);
  constexpr int kPushes = 40;
  std::atomic<std::int64_t> final_head{0};
  std::thread pushes([&] {
    SyncApi w(server_, "alice", "writer");
    std::int64_t head = start;
    for (int i = 0; i < kPushes; ++i) {
      auto r = w.push(head, note("burst " + std::to_string(i)));
      if (r.status != 200) return;
      head = r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
    }
    final_head = head;
  });
  std::vector<std::int64_t> ids;
  const auto deadline = Clock::now() + 20s;
  while (Clock::now() < deadline) {
    auto ev = s.next_event(1s);
    if (ev) ids.push_back(id_of(*ev));
    if (final_head.load() != 0 && !ids.empty() && ids.back() == final_head.load()) break;
  }
  pushes.join();
  ASSERT_NE(final_head.load(), 0) << "the pushes failed";
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.back(), final_head.load());
  EXPECT_GT(ids.front(), start);
  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]) << "at " << i;
  EXPECT_LE(ids.size(), static_cast<std::size_t>(kPushes));
  // Nothing after the final head.
  EXPECT_FALSE(s.next_event(300ms).has_value());
}

TEST_F(ChangeStreamTest, HeartbeatCommentsArriveWhenNothingMoves) {
  ServerProcess server({"--events-heartbeat", "200ms"});
  auto s = open_stream(server, "alice");
  expect_greeting(s, SyncApi(server, "alice").head());
  int heartbeats = 0;
  const auto deadline = Clock::now() + 1500ms;
  while (Clock::now() < deadline) {
    auto m = s.next(500ms);
    ASSERT_TRUE(m.has_value()) << "silent for 500 ms with a 200 ms heartbeat";
    ASSERT_TRUE(m->is_heartbeat()) << "unexpected message " << m->event << " " << m->data;
    EXPECT_EQ(m->comments, std::vector<std::string>{"heartbeat"});
    ++heartbeats;
  }
  EXPECT_GE(heartbeats, 4);
  EXPECT_LE(heartbeats, 9);
}

TEST_F(ChangeStreamTest, TheIdleAndRequestTimeoutsDoNotCutAStream) {
  ServerProcess server({"--idle-timeout", "300ms", "--request-timeout", "300ms"});
  SyncApi alice(server, "alice", "laptop");
  auto s = open_stream(server, "alice");
  expect_greeting(s, alice.head());
  EXPECT_FALSE(s.next(1500ms).has_value());  // quiet: nothing, not even an end
  EXPECT_FALSE(s.ended());
  const auto head = alice.push_ok(note("later")).at("lastMutationAt").to_number<std::int64_t>();
  auto ev = s.next_event(3s);
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(id_of(*ev), head);
}

// A device whose network changed reconnects while its old stream still holds a slot (the
// server cannot tell it is dead): the newest stream is served, and the oldest makes room.
TEST_F(ChangeStreamTest, ThePerUserCapEndsTheOldestStreamToMakeRoomForANewOne) {
  ServerProcess server({"--events-per-user", "2"});
  SyncApi alice(server, "alice");
  auto first = open_stream(server, "alice");
  expect_greeting(first, alice.head());
  auto second = open_stream(server, "alice");
  expect_greeting(second, alice.head());
  auto third = open_stream(server, "alice");
  expect_greeting(third, alice.head());
  // The oldest ends cleanly, so its client reconnects after the retry hint; the others stay.
  EXPECT_TRUE(first.wait_ended(5s)) << "the oldest stream stayed open";
  EXPECT_TRUE(first.ended_cleanly()) << "the oldest stream did not end with the last chunk";
  EXPECT_TRUE(eventually([&] { return metric_value(server, "synclog_event_streams") == 2; }));
  // Other users have their own: bob's stream evicts none of alice's.
  auto bob = open_stream(server, "bob");
  expect_greeting(bob, SyncApi(server, "bob").head());
  const auto head = alice.push_ok(note("heard by the two newest")).at("lastMutationAt").to_number<std::int64_t>();
  for (auto* s : {&second, &third}) {
    auto ev = s->next_event(5s);
    ASSERT_TRUE(ev.has_value()) << "a stream that kept its slot missed the push";
    EXPECT_EQ(id_of(*ev), head);
  }
  // The cap stays hard: however many a user opens, it never holds more than two.
  std::vector<EventStreamClient> more;
  for (int i = 0; i < 3; ++i) {
    more.push_back(open_stream(server, "alice"));
    expect_greeting(more.back(), head);
  }
  EXPECT_TRUE(eventually([&] { return metric_value(server, "synclog_event_streams") == 3; }));
  for (auto* s : {&second, &third, &more[0]}) EXPECT_TRUE(s->wait_ended(5s));
  EXPECT_FALSE(more[1].wait_ended(200ms));
  ASSERT_EQ(server.terminate(), 0);
  int evicted = 0;
  for (const auto& line : stream_log_lines(server)) evicted += line.at("stream_end") == "evicted";
  EXPECT_EQ(evicted, 4) << server.access_log();
}

TEST_F(ChangeStreamTest, StreamsCountTowardTheConnectionCap) {
  ServerProcess server({"--max-connections", "2"});
  auto a = open_stream(server, "alice");
  auto b = open_stream(server, "bob");
  ASSERT_EQ(a.status(), 200);
  ASSERT_EQ(b.status(), 200);
  EXPECT_EQ(server.client().get("/healthz").status, 503);
  a.close();
  EXPECT_TRUE(eventually([&] { return server.client().get("/healthz").status == 200; }));
}

TEST_F(ChangeStreamTest, SigtermEndsOpenStreamsPromptlyAndTheServerExitsZero) {
  // A long drain timeout: the process can only exit promptly if the streams end by themselves.
  ServerProcess server({"--drain-timeout", "60s"});
  std::vector<EventStreamClient> streams;
  for (const char* user : {"alice", "alice", "bob"}) {
    streams.push_back(open_stream(server, user));
    expect_greeting(streams.back(), SyncApi(server, user).head());
  }
  const auto signalled = Clock::now();
  ASSERT_EQ(::kill(server.pid(), SIGTERM), 0);
  for (auto& s : streams) {
    EXPECT_TRUE(s.wait_ended(5s)) << "a stream stayed open through the drain";
    EXPECT_TRUE(s.ended_cleanly()) << "the stream did not end with the last chunk";
  }
  EXPECT_EQ(server.terminate(20s), 0) << server.event_log();
  EXPECT_LT(Clock::now() - signalled, 10s);
  const auto lines = stream_log_lines(server);
  ASSERT_EQ(lines.size(), 3u) << server.access_log();
  for (const auto& line : lines) EXPECT_EQ(line.at("stream_end"), "draining");
}

TEST_F(ChangeStreamTest, AClientThatLeavesIsRemovedAndItsStreamLogged) {
  const std::string gauge = "synclog_event_streams";
  auto s = open_stream(server_, "alice");
  expect_greeting(s, SyncApi(server_, "alice").head());
  EXPECT_EQ(metric_value(server_, gauge), 1);
  EXPECT_GE(metric_value(server_, "synclog_events_sent_total"), 1);
  std::this_thread::sleep_for(300ms);
  s.close();
  EXPECT_TRUE(eventually([&] { return metric_value(server_, gauge) == 0; }))
      << "the stream of a client that left is still counted";
  std::vector<json::object> lines;
  ASSERT_TRUE(eventually([&] { return (lines = stream_log_lines(server_)).size() == 1; }))
      << server_.access_log();
  const auto& line = lines[0];
  EXPECT_EQ(line.at("stream_end"), "client_closed");
  EXPECT_EQ(line.at("method"), "GET");
  EXPECT_EQ(line.at("user"), "alice");
  EXPECT_EQ(line.at("client"), "listener");
  EXPECT_GE(line.at("duration_ms").to_number<double>(), 250.0);
  EXPECT_GT(line.at("bytes_out").to_number<std::int64_t>(), 0);
}

}  // namespace
}  // namespace synclog::test
