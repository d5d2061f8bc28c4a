// The loop behind SyncEngine::listen() (src/client/change_listener.hpp) against scripted
// streams: when it syncs and when not, what it sends when it reconnects, how long it waits,
// which answers end it, and that a silent, garbled or cut stream is replaced rather than
// trusted.
#include "client/change_listener.hpp"

#include "client/sse_parser.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace synclog::client {
namespace {

using std::chrono::milliseconds;

// One step of a scripted stream body.
struct Step {
  enum class Kind { kData, kIdle, kEnd, kCut } kind = Kind::kData;
  std::string data;
  static Step bytes(std::string d) { return {Kind::kData, std::move(d)}; }
  static Step idle() { return {Kind::kIdle, {}}; }
  static Step end() { return {Kind::kEnd, {}}; }
  static Step cut() { return {Kind::kCut, {}}; }
};

std::string head_event(std::int64_t head) {
  return "id: " + std::to_string(head) + "\nevent: head\ndata: {\"lastMutationAt\":" +
         std::to_string(head) + "}\n\n";
}

class ScriptedStream final : public ResponseStream {
 public:
  ScriptedStream(HttpResponse response, std::deque<Step> steps)
      : response_(std::move(response)), steps_(std::move(steps)) {}
  const HttpResponse& response() const override { return response_; }
  Result<BodyChunk> read(milliseconds timeout) override {
    if (steps_.empty()) {  // the script is over: a quiet, open connection
      std::this_thread::sleep_for(timeout);
      return BodyChunk{};
    }
    Step step = std::move(steps_.front());
    steps_.pop_front();
    switch (step.kind) {
      case Step::Kind::kData:
        return BodyChunk{std::move(step.data), false};
      case Step::Kind::kIdle:
        std::this_thread::sleep_for(timeout);
        return BodyChunk{};
      case Step::Kind::kEnd:
        return BodyChunk{"", true};
      case Step::Kind::kCut:
        break;
    }
    return make_error(ErrorCode::kUnavailable, "reading the stream: connection reset");
  }

 private:
  HttpResponse response_;
  std::deque<Step> steps_;
};

// One attempt to open the stream: a failure to connect, or an answer and its body.
struct Attempt {
  std::optional<Error> error;
  HttpResponse response;
  std::deque<Step> steps;

  static Attempt stream(std::deque<Step> steps) {
    Attempt a;
    a.response.status = 200;
    a.response.headers = {{"Content-Type", "text/event-stream"}};
    a.steps = std::move(steps);
    return a;
  }
  static Attempt answer(int status, std::string body = "{}",
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    Attempt a;
    a.response.status = status;
    a.response.body = std::move(body);
    a.response.headers = std::move(headers);
    return a;
  }
  static Attempt refused(ErrorCode code = ErrorCode::kUnavailable) {
    Attempt a;
    a.error = make_error(code, "cannot connect");
    return a;
  }
};

class ChangeListenerTest : public ::testing::Test {
 protected:
  ChangeListenerTest() {
    options_.poll_interval = milliseconds(5);
    options_.idle_timeout = milliseconds(2000);
    options_.reconnect_delay = milliseconds(1000);
    options_.on_sync = [this](const Result<SyncReport>& r) { sync_results_.push_back(r.status()); };
    options_.on_disconnect = [this](const Error& e, milliseconds) { disconnects_.push_back(e); };
  }

  ListenerSeams seams() {
    ListenerSeams s;
    s.open = [this](HttpRequest req, std::stop_token) -> Result<std::unique_ptr<ResponseStream>> {
      if (req.target == "/v1/spaces/events") {
        space_requests_.push_back(req);
        if (space_attempts_.empty()) return make_error(ErrorCode::kUnavailable, "not scripted");
        Attempt a = std::move(space_attempts_.front());
        space_attempts_.pop_front();
        if (a.error) return *a.error;
        return std::unique_ptr<ResponseStream>(
            new ScriptedStream(std::move(a.response), std::move(a.steps)));
      }
      requests_.push_back(req);
      if (attempts_.empty()) {
        stop_.request_stop();  // the script is over
        return make_error(ErrorCode::kUnavailable, "no more attempts scripted");
      }
      Attempt a = std::move(attempts_.front());
      attempts_.pop_front();
      if (a.error) return *a.error;
      return std::unique_ptr<ResponseStream>(
          new ScriptedStream(std::move(a.response), std::move(a.steps)));
    };
    s.cursor = [this]() -> Result<std::int64_t> { return cursor_; };
    s.sync = [this]() -> Result<SyncReport> {
      ++syncs_;
      if (!sync_errors_.empty()) {
        Error e = sync_errors_.front();
        sync_errors_.pop_front();
        return e;
      }
      cursor_ = server_head_;
      space_cursors_ = space_heads_;
      SyncReport r;
      r.cursor = cursor_;
      return r;
    };
    s.backoff = [this](int retry, std::optional<milliseconds> base) {
      backoffs_.emplace_back(retry, base);
      // Deterministic and recognisable: the base times 1, 2, 3... (the sync's base: 1 ms).
      return base.value_or(milliseconds(1)) * (retry + 1);
    };
    s.wait = [this](milliseconds d, std::stop_token) { waits_.push_back(d); };
    if (follow_spaces_) {
      s.space_cursor = [this](const std::string& space) -> Result<std::int64_t> {
        const auto it = space_cursors_.find(space);
        return it == space_cursors_.end() ? 0 : it->second;
      };
    }
    return s;
  }

  Status run() { return ChangeListener(options_, seams()).run(stop_.get_token()); }

  std::string header(std::size_t request, const std::string& name) const {
    for (const auto& [n, v] : requests_.at(request).headers) {
      if (n == name) return v;
    }
    return "";
  }

  ListenOptions options_;
  std::stop_source stop_;
  std::deque<Attempt> attempts_;
  std::int64_t cursor_ = 0;
  std::int64_t server_head_ = 0;  // where a sync takes the cursor
  std::deque<Error> sync_errors_;
  int syncs_ = 0;
  std::vector<Status> sync_results_;
  std::vector<Error> disconnects_;
  std::vector<HttpRequest> requests_;
  std::vector<std::pair<int, std::optional<milliseconds>>> backoffs_;
  std::vector<milliseconds> waits_;
  // The spaces' stream, when followed.
  bool follow_spaces_ = false;
  std::deque<Attempt> space_attempts_;
  std::vector<HttpRequest> space_requests_;
  std::map<std::string, std::int64_t> space_cursors_;
  std::map<std::string, std::int64_t> space_heads_;  // where a sync takes the spaces' cursors
};

std::string space_event(const std::string& space, std::int64_t head) {
  return "event: space\ndata: {\"spaceId\":\"" + space + "\",\"lastMutationAt\":" +
         std::to_string(head) + "}\n\n";
}

// A per-user stream that stays open, quiet, for about `steps` poll intervals, then ends.
Attempt quiet_stream(int steps) {
  std::deque<Step> quiet(static_cast<std::size_t>(steps), Step::idle());
  quiet.push_back(Step::end());
  return Attempt::stream(std::move(quiet));
}

TEST_F(ChangeListenerTest, SyncsOnlyWhenAHeadIsPastTheCursor) {
  cursor_ = 100;
  server_head_ = 150;
  attempts_.push_back(Attempt::stream({Step::bytes("retry: 3000\n\n" + head_event(100)),
                                       Step::bytes(": heartbeat\n\n"), Step::idle(),
                                       Step::bytes(head_event(150)), Step::idle(),
                                       Step::bytes(head_event(150) + head_event(120)),
                                       Step::end()}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(syncs_, 1);
  EXPECT_EQ(cursor_, 150);
  // The first connection names the device's cursor, so the server stays quiet if it has not
  // moved; the second names the newest head heard.
  EXPECT_EQ(requests_.at(0).method, "GET");
  EXPECT_EQ(requests_.at(0).target, "/v1/sync/events?lastMutationAt=100");
  EXPECT_EQ(header(0, "accept"), "text/event-stream");
  EXPECT_EQ(header(0, "last-event-id"), "");
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(requests_.at(1).target, "/v1/sync/events");
  EXPECT_EQ(header(1, "last-event-id"), "150");
}

TEST_F(ChangeListenerTest, ADeviceThatNeverSyncedHearsTheHeadAtOnceAndSyncs) {
  server_head_ = 42;
  attempts_.push_back(Attempt::stream({Step::bytes(head_event(42)), Step::end()}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(requests_.at(0).target, "/v1/sync/events");
  EXPECT_EQ(syncs_, 1);
  EXPECT_EQ(cursor_, 42);
}

TEST_F(ChangeListenerTest, SeveralHeadsInOnePieceCostOneSync) {
  server_head_ = 9;
  attempts_.push_back(
      Attempt::stream({Step::bytes(head_event(7) + head_event(8) + head_event(9)), Step::end()}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(syncs_, 1);
}

TEST_F(ChangeListenerTest, ASyncThatDoesNotReachTheHeadIsNotRepeatedForTheSameHead) {
  server_head_ = 5;  // the sync's pull stops short of the announced 9
  attempts_.push_back(Attempt::stream(
      {Step::bytes(head_event(9)), Step::idle(), Step::bytes(head_event(9)), Step::end()}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(syncs_, 1);
}

TEST_F(ChangeListenerTest, ReconnectsAfterAnEndACutAndGarbageWithTheLastHeadHeard) {
  server_head_ = 10;
  attempts_.push_back(Attempt::stream({Step::bytes(head_event(10)), Step::end()}));
  attempts_.push_back(Attempt::stream({Step::bytes(": heartbeat\n\n"), Step::cut()}));
  attempts_.push_back(Attempt::stream({Step::bytes(std::string(kMaxSseLineBytes + 1, 'x'))}));
  attempts_.push_back(
      Attempt::stream({Step::bytes("event: head\ndata: {\"lastMutationAt\":\"soon\"}\n\n")}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(syncs_, 1);
  ASSERT_EQ(requests_.size(), 5u);
  for (std::size_t i = 1; i < requests_.size(); ++i) {
    EXPECT_EQ(header(i, "last-event-id"), "10") << i;
  }
  ASSERT_EQ(disconnects_.size(), 4u);
  EXPECT_NE(disconnects_[0].message.find("ended"), std::string::npos) << disconnects_[0].message;
  EXPECT_NE(disconnects_[1].message.find("reset"), std::string::npos) << disconnects_[1].message;
  EXPECT_NE(disconnects_[2].message.find("longer than"), std::string::npos)
      << disconnects_[2].message;
  EXPECT_NE(disconnects_[3].message.find("lastMutationAt"), std::string::npos)
      << disconnects_[3].message;
}

TEST_F(ChangeListenerTest, BackoffGrowsWhileAttemptsFailAndStartsOverAfterAHealthyStream) {
  attempts_.push_back(Attempt::refused());
  attempts_.push_back(Attempt::answer(500));
  attempts_.push_back(Attempt::stream({Step::cut()}));  // opened, but nothing came: a failure
  attempts_.push_back(Attempt::stream({Step::bytes(": heartbeat\n\n"), Step::end()}));
  attempts_.push_back(Attempt::refused());
  ASSERT_TRUE(run().ok());
  std::vector<int> retries;
  for (const auto& [retry, base] : backoffs_) {
    retries.push_back(retry);
    EXPECT_EQ(base, milliseconds(1000));  // reconnect_delay: no retry field came
  }
  EXPECT_EQ(retries, (std::vector<int>{0, 1, 2, 0, 1}));
  EXPECT_EQ(waits_, (std::vector<milliseconds>{milliseconds(1000), milliseconds(2000),
                                               milliseconds(3000), milliseconds(1000),
                                               milliseconds(2000)}));
}

TEST_F(ChangeListenerTest, TheServersRetryFieldSetsTheReconnectionDelay) {
  attempts_.push_back(Attempt::stream({Step::bytes("retry: 250\n: heartbeat\n\n"), Step::end()}));
  attempts_.push_back(Attempt::refused());
  // A server that asks for no delay at all still gets a little: it may be closing every stream.
  attempts_.push_back(Attempt::stream({Step::bytes("retry: 0\n: heartbeat\n\n"), Step::end()}));
  ASSERT_TRUE(run().ok());
  ASSERT_EQ(backoffs_.size(), 3u);
  EXPECT_EQ(backoffs_[0].second, milliseconds(250));
  EXPECT_EQ(backoffs_[1].second, milliseconds(250));  // kept across connections
  EXPECT_EQ(backoffs_[2].second, milliseconds(100));
}

TEST_F(ChangeListenerTest, RetryAfterIsWaitedAtLeast) {
  attempts_.push_back(Attempt::answer(429, R"({"success":false,"message":"Too many requests"})",
                                      {{"Retry-After", "7"}}));
  attempts_.push_back(Attempt::answer(503, "{}", {{"retry-after", "0"}}));
  ASSERT_TRUE(run().ok());
  ASSERT_GE(waits_.size(), 2u);
  EXPECT_EQ(waits_[0], milliseconds(7000));
  EXPECT_EQ(waits_[1], milliseconds(2000));  // the backoff, which is longer
  EXPECT_NE(disconnects_[0].message.find("Too many requests"), std::string::npos)
      << disconnects_[0].message;
}

TEST_F(ChangeListenerTest, ASilentConnectionIsReplacedAfterTheIdleTimeout) {
  options_.idle_timeout = milliseconds(60);
  attempts_.push_back(Attempt::stream({Step::bytes(": heartbeat\n\n")}));  // then silence
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(run().ok());
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(disconnects_.size(), 1u);
  EXPECT_NE(disconnects_[0].message.find("no event or heartbeat for 60 ms"), std::string::npos)
      << disconnects_[0].message;
  EXPECT_GE(took, milliseconds(60));
  EXPECT_LT(took, milliseconds(2000));
  EXPECT_EQ(requests_.size(), 2u);
}

TEST_F(ChangeListenerTest, AnAnswerThatIsNotAnEventStreamIsReconnectedFrom) {
  Attempt html = Attempt::answer(200, "");
  html.response.headers = {{"Content-Type", "text/html"}};
  html.steps = {Step::bytes("<html>")};
  attempts_.push_back(std::move(html));
  ASSERT_TRUE(run().ok());
  ASSERT_EQ(disconnects_.size(), 1u);
  EXPECT_NE(disconnects_[0].message.find("text/html"), std::string::npos);
}

TEST_F(ChangeListenerTest, AnswersThatRetryingCannotHelpEndListen) {
  const std::vector<std::pair<int, ErrorCode>> cases = {{401, ErrorCode::kUnauthorized},
                                                        {403, ErrorCode::kForbidden},
                                                        {404, ErrorCode::kNotImplemented},
                                                        {501, ErrorCode::kNotImplemented}};
  for (const auto& [status, code] : cases) {
    attempts_.clear();
    attempts_.push_back(Attempt::answer(status, R"({"success":false,"message":"nope"})"));
    const Status s = run();
    ASSERT_FALSE(s.ok()) << status;
    EXPECT_EQ(s.code(), code) << status;
    EXPECT_NE(s.message().find("nope"), std::string::npos) << s.message();
  }
  attempts_.clear();
  attempts_.push_back(Attempt::refused(ErrorCode::kInvalidRequest));
  const Status s = run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidRequest);
}

TEST_F(ChangeListenerTest, AFailedSyncIsTriedAgainAfterBackoffOnTheSameStream) {
  server_head_ = 30;
  sync_errors_.push_back(make_error(ErrorCode::kUnavailable, "server busy"));
  sync_errors_.push_back(make_error(ErrorCode::kOutOfSync, "kept moving"));
  attempts_.push_back(Attempt::stream({Step::bytes(head_event(30)), Step::idle(), Step::idle(),
                                       Step::idle(), Step::idle(), Step::end()}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(syncs_, 3);
  ASSERT_EQ(sync_results_.size(), 3u);
  EXPECT_FALSE(sync_results_[0].ok());
  EXPECT_FALSE(sync_results_[1].ok());
  EXPECT_TRUE(sync_results_[2].ok());
  EXPECT_EQ(cursor_, 30);
  // The sync's retries use the engine's own base (nullopt), growing.
  ASSERT_GE(backoffs_.size(), 2u);
  EXPECT_EQ(backoffs_[0], (std::pair<int, std::optional<milliseconds>>{0, std::nullopt}));
  EXPECT_EQ(backoffs_[1], (std::pair<int, std::optional<milliseconds>>{1, std::nullopt}));
  EXPECT_EQ(requests_.size(), 2u);  // no reconnection was needed for it
}

TEST_F(ChangeListenerTest, ATokenTheServerRefusesToASyncEndsListen) {
  server_head_ = 3;
  sync_errors_.push_back(make_error(ErrorCode::kUnauthorized, "expired"));
  attempts_.push_back(Attempt::stream({Step::bytes(head_event(3))}));
  const Status s = run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(syncs_, 1);
}

TEST_F(ChangeListenerTest, SyncWantedRunsASyncWithoutAnEvent) {
  int asked = 0;
  options_.sync_wanted = [&] { return ++asked == 3; };
  attempts_.push_back(Attempt::stream({Step::idle(), Step::idle(), Step::idle(), Step::end()}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(syncs_, 1);
}

TEST_F(ChangeListenerTest, SyncWantedIsHonouredWhileWaitingToReconnect) {
  int asked = 0;
  options_.sync_wanted = [&] { return ++asked == 4; };
  options_.reconnect_delay = milliseconds(40);
  attempts_.push_back(Attempt::refused());
  attempts_.push_back(Attempt::refused());
  ListenerSeams s = seams();
  s.wait = wait_or_stop;  // real time: the wait is cut into poll_interval slices
  ASSERT_TRUE(ChangeListener(options_, std::move(s)).run(stop_.get_token()).ok());
  EXPECT_EQ(syncs_, 1);
  EXPECT_GE(asked, 4);
}

TEST_F(ChangeListenerTest, EventsOfOtherKindsAreIgnored) {
  attempts_.push_back(Attempt::stream(
      {Step::bytes("data: hello\n\nevent: news\ndata: {}\n\n"), Step::end()}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(syncs_, 0);
  EXPECT_EQ(disconnects_.size(), 1u);  // only the end
}

TEST_F(ChangeListenerTest, AStopRequestedWhileTheStreamIsQuietEndsItWithinAPollInterval) {
  options_.poll_interval = milliseconds(20);
  attempts_.push_back(Attempt::stream({}));  // open and silent
  std::jthread stopper([this] {
    std::this_thread::sleep_for(milliseconds(100));
    stop_.request_stop();
  });
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(run().ok());
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, milliseconds(1000));
  EXPECT_TRUE(disconnects_.empty());  // stopping is no disconnection to report
}

TEST(WaitOrStopTest, ReturnsAtOnceWhenStopIsRequested) {
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(milliseconds(50));
    stop.request_stop();
  });
  const auto started = std::chrono::steady_clock::now();
  wait_or_stop(milliseconds(60'000), stop.get_token());
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(5000));
  const auto again = std::chrono::steady_clock::now();
  wait_or_stop(milliseconds(60'000), stop.get_token());  // already stopped
  EXPECT_LT(std::chrono::steady_clock::now() - again, milliseconds(100));
}

TEST_F(ChangeListenerTest, TheSpacesStreamOwesASyncWhenItOpensAndForASpacePastItsCursor) {
  follow_spaces_ = true;
  space_cursors_ = {{"north", 40}};
  space_heads_ = {{"north", 40}};
  attempts_.push_back(quiet_stream(40));
  space_attempts_.push_back(Attempt::stream({Step::idle(), Step::idle(), Step::idle(),
                                             Step::bytes(space_event("north", 40)), Step::idle(),
                                             Step::bytes(space_event("north", 55))}));
  // The sync after the second event brings north to 55.
  ASSERT_TRUE(run().ok());
  // One sync when the stream opened (its events carry no id: what moved while it was closed is
  // pulled once), none for a head the device has, one for a head past it.
  EXPECT_EQ(syncs_, 2);
  ASSERT_EQ(space_requests_.size(), 1u);
  EXPECT_EQ(space_requests_[0].headers.at(0).second, "text/event-stream");
}

TEST_F(ChangeListenerTest, ASpacesEventOwesASyncAndTheSpacesStreamIsOpenedAgain) {
  follow_spaces_ = true;
  options_.reconnect_delay = milliseconds(1);  // the floor (100 ms) applies
  attempts_.push_back(quiet_stream(120));
  space_attempts_.push_back(Attempt::stream({Step::idle(), Step::idle(),
                                             Step::bytes("event: spaces\ndata: {\"lastMutationAt\":7}\n\n"),
                                             Step::end()}));
  space_attempts_.push_back(Attempt::stream({}));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(space_requests_.size(), 2u);
  // Opening, the `spaces` event, opening again.
  EXPECT_EQ(syncs_, 3);
  // Losing the spaces' stream never ends the per-user session.
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(disconnects_.size(), 1u);
}

TEST_F(ChangeListenerTest, AServerWithoutSpacesIsNotAskedAgainAndThePerUserStreamGoesOn) {
  follow_spaces_ = true;
  server_head_ = 9;
  attempts_.push_back(Attempt::stream({Step::idle(), Step::bytes(head_event(9)), Step::idle(),
                                       Step::idle(), Step::end()}));
  attempts_.push_back(quiet_stream(5));
  space_attempts_.push_back(Attempt::answer(404));
  ASSERT_TRUE(run().ok());
  EXPECT_EQ(space_requests_.size(), 1u);
  EXPECT_EQ(syncs_, 1);  // the per-user head only
}

TEST_F(ChangeListenerTest, A401OnTheSpacesStreamEndsListening) {
  follow_spaces_ = true;
  attempts_.push_back(quiet_stream(5));
  space_attempts_.push_back(Attempt::answer(401, R"({"message":"token expired"})"));
  const Status s = run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kUnauthorized);
}

}  // namespace
}  // namespace synclog::client
