// Idempotency-Key against the real binary (SPEC section 3, docs/api.md "Idempotency keys"): a
// retried write with the same key and request gets the original answer byte for byte and
// applies nothing again, even after the head moved or the server restarted; the same key with
// another request is 422; keys are per user; a failed write leaves its key unused; stored
// answers are purged after --idempotency-ttl. Notes are created without client ids here, so a
// write applied twice would show as two notes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "direct_helpers.hpp"
#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;

Headers with(const Headers& base, const std::string& key) {
  Headers h = base;
  h.emplace_back("Idempotency-Key", key);
  return h;
}

// Note bodies need at least 6 characters; every body here is "Note: <text>".
std::string note_body(const std::string& text) { return "Note: " + text; }

std::string note_mutations(const std::string& text) {
  return R"([{"type":"CREATE","resource":"NOTE","data":{"body":")" + note_body(text) + R"(","ranges":["1:1-1:7"]}}])";
}
std::string note_create(const std::string& text) { return R"({"mutations":)" + note_mutations(text) + "}"; }

class IdempotencyTest : public ::testing::Test {
 protected:
  explicit IdempotencyTest(std::vector<std::string> args = {"--rate-limit", "0"}) : server_(std::move(args)) {}

  Response push(SyncApi& api, std::int64_t last, const std::string& body, const std::string& key) {
    return api.client().post("/v1/sync?lastMutationAt=" + std::to_string(last), body, with(api.headers(), key));
  }
  // How many notes with the body "Note: <text>" the user has, by a full pull.
  int notes_with_body(SyncApi& api, const std::string& text) {
    const std::string body = note_body(text);
    int n = 0;
    for (const auto& m : pulls::pulled(api, 0)) {
      if (m.at("resource") == "NOTE" && m.at("type") != "DELETE" && m.at("data").at("body") == body.c_str()) ++n;
    }
    return n;
  }

  ServerProcess server_;
  SyncApi alice_{server_, "alice", "phone"};
};

TEST_F(IdempotencyTest, ARetriedPushReplaysTheOriginalAnswerByteForByte) {
  const auto head = alice_.head();
  auto first = push(alice_, head, note_create("once"), "key-1");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_FALSE(first.has_header("idempotent-replayed"));
  const auto after = alice_.head();

  auto retry = push(alice_, head, note_create("once"), "key-1");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.header("x-mutation-at"), first.header("x-mutation-at"));
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(alice_.head(), after);
  EXPECT_EQ(notes_with_body(alice_, "once"), 1);
}

TEST_F(IdempotencyTest, TheReplayHoldsAfterTheHeadMovedOn) {
  const auto head = alice_.head();
  auto first = push(alice_, head, note_create("mine"), "key-moved");
  ASSERT_EQ(first.status, 200) << first.body;
  // Another device writes: the retry's lastMutationAt is now stale, yet it is a replay, not 409.
  SyncApi tablet(server_, "alice", "tablet");
  tablet.push_ok(note_mutations("theirs"));
  auto retry = push(alice_, head, note_create("mine"), "key-moved");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(notes_with_body(alice_, "mine"), 1);
  // Without the key the same request is an ordinary stale push.
  EXPECT_EQ(alice_.push(head, R"([])").status, 409);
}

// SPEC section 3: "a retry with the same key and body returns the stored response, even when
// the head has moved since", also when the retry names the new head.
TEST_F(IdempotencyTest, ARetryNamingTheNewHeadIsStillTheSameRequest) {
  const auto head = alice_.head();
  auto first = push(alice_, head, note_create("rebased retry"), "key-rebased");
  ASSERT_EQ(first.status, 200) << first.body;
  const auto after = alice_.head();
  auto retry = push(alice_, after, note_create("rebased retry"), "key-rebased");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(notes_with_body(alice_, "rebased retry"), 1);
}

TEST_F(IdempotencyTest, TheSameKeyForAnotherRequestIs422AndChangesNothing) {
  const auto head = alice_.head();
  ASSERT_EQ(push(alice_, head, note_create("first"), "key-reused").status, 200);
  const auto after = alice_.head();
  const std::string message =
      "Idempotency-Key was already used for a different request; use a new key for a new request";
  // Another body (at the new head, and at the old one), another endpoint.
  direct::expect_error(push(alice_, after, note_create("second"), "key-reused"), 422, "unprocessable_entity",
                       message, true);
  direct::expect_error(push(alice_, head, note_create("first") + " ", "key-reused"), 422, "unprocessable_entity",
                       message, true);
  direct::DirectApi direct_api(server_, "alice", "phone");
  direct::expect_error(direct_api.post("/v1/notes", R"({"body":"Note: first","ranges":["1:1-1:7"]})",
                                       {{"Idempotency-Key", "key-reused"}}),
                       422, "unprocessable_entity", message, true);
  EXPECT_EQ(alice_.head(), after);
  EXPECT_EQ(notes_with_body(alice_, "second"), 0);
}

TEST_F(IdempotencyTest, KeysBelongToOneUser) {
  SyncApi bob(server_, "bob", "phone");
  ASSERT_EQ(push(alice_, alice_.head(), note_create("alice's"), "shared-key").status, 200);
  auto r = push(bob, bob.head(), note_create("bob's"), "shared-key");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.has_header("idempotent-replayed"));
  EXPECT_EQ(notes_with_body(bob, "bob's"), 1);
  EXPECT_EQ(notes_with_body(bob, "alice's"), 0);
}

TEST_F(IdempotencyTest, AFailedWriteLeavesItsKeyUnused) {
  const auto head = alice_.head();
  auto stale = push(alice_, head - 1, note_create("late"), "key-after-409");
  ASSERT_EQ(stale.status, 409) << stale.body;
  // Nothing was stored: the same request fails the same way, and is not a replay.
  auto again = push(alice_, head - 1, note_create("late"), "key-after-409");
  EXPECT_EQ(again.status, 409);
  EXPECT_FALSE(again.has_header("idempotent-replayed"));
  // The corrected request (another target) may use the key: nothing was stored under it.
  auto fixed = push(alice_, head, note_create("late"), "key-after-409");
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  EXPECT_EQ(notes_with_body(alice_, "late"), 1);
}

TEST_F(IdempotencyTest, MalformedKeysAre400) {
  const auto head = alice_.head();
  for (const std::string& key : {std::string(), std::string("\"\""), std::string(256, 'k'),
                                std::string("has space"), std::string("\"esc\\\"aped\"")}) {
    SCOPED_TRACE(key);
    direct::expect_error(push(alice_, head, note_create("x"), key), 400, "invalid_request", "Idempotency-Key");
  }
  EXPECT_EQ(alice_.head(), head);
  // A structured-field string and the same bare text name the same key.
  ASSERT_EQ(push(alice_, head, note_create("quoted"), "\"k-123\"").status, 200);
  auto bare = push(alice_, head, note_create("quoted"), "k-123");
  EXPECT_EQ(bare.header("idempotent-replayed"), "true");
  EXPECT_EQ(notes_with_body(alice_, "quoted"), 1);
}

TEST_F(IdempotencyTest, DirectWritesReplayTooWithTheirHeaders) {
  direct::DirectApi api(server_, "alice", "phone");
  const Headers key = {{"Idempotency-Key", "note-create-1"}};
  auto first = api.post("/v1/notes", R"({"body":"Note: direct","ranges":["2:255-2:255"]})", key);
  ASSERT_EQ(first.status, 200) << first.body;
  auto retry = api.post("/v1/notes", R"({"body":"Note: direct","ranges":["2:255-2:255"]})", key);
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  for (const char* h : {"x-mutation-at", "etag", "x-modified-by"}) {
    EXPECT_EQ(retry.header(h), first.header(h)) << h;
  }
  EXPECT_EQ(notes_with_body(alice_, "direct"), 1);
  const std::string id = direct::str(api.data(first).at("id"));

  // An update and a delete, each retried after the note changed again.
  auto patched = api.patch("/v1/notes/" + id, R"({"body":"Note: direct v2"})", {{"Idempotency-Key", "patch-1"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  ASSERT_EQ(api.patch("/v1/notes/" + id, R"({"body":"Note: direct v3"})").status, 200);
  auto patch_retry = api.patch("/v1/notes/" + id, R"({"body":"Note: direct v2"})", {{"Idempotency-Key", "patch-1"}});
  EXPECT_EQ(patch_retry.body, patched.body);
  EXPECT_EQ(direct::str(api.data(api.get("/v1/notes/" + id)).at("body")), "Note: direct v3");

  auto deleted = api.del("/v1/notes/" + id, {}, {{"Idempotency-Key", "delete-1"}});
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  auto delete_retry = api.del("/v1/notes/" + id, {}, {{"Idempotency-Key", "delete-1"}});
  EXPECT_EQ(delete_retry.status, 200) << delete_retry.body;  // not the 404 of a second delete
  EXPECT_EQ(delete_retry.body, deleted.body);

  // Preferences move no head, but their writes are keyed like the others.
  const Headers pref_key = {{"Idempotency-Key", "pref-1"}};
  auto pref = api.post("/v1/preferences", R"({"group":"theme","key":"type","value":"dark"})", pref_key);
  ASSERT_EQ(pref.status, 200) << pref.body;
  EXPECT_EQ(api.post("/v1/preferences", R"({"group":"theme","key":"type","value":"light"})", pref_key).status, 422);
  EXPECT_EQ(api.post("/v1/preferences", R"({"group":"theme","key":"type","value":"dark"})", pref_key)
                .header("idempotent-replayed"),
            "true");
}

TEST_F(IdempotencyTest, ConcurrentRetriesWithOneKeyApplyOnce) {
  const auto head = alice_.head();
  constexpr int kThreads = 8;
  std::vector<Response> answers(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      SyncApi device(server_, "alice", "phone");
      answers[i] = push(device, head, note_create("raced"), "raced-key");
    });
  }
  for (auto& t : threads) t.join();
  int replays = 0;
  for (const auto& a : answers) {
    ASSERT_EQ(a.status, 200) << a.body;
    EXPECT_EQ(a.body, answers[0].body);
    if (a.has_header("idempotent-replayed")) ++replays;
  }
  EXPECT_EQ(replays, kThreads - 1);
  EXPECT_EQ(notes_with_body(alice_, "raced"), 1);
}

TEST_F(IdempotencyTest, StoredAnswersSurviveARestart) {
  const auto head = alice_.head();
  auto first = push(alice_, head, note_create("durable"), "restart-key");
  ASSERT_EQ(first.status, 200);
  server_.kill9();
  server_.restart();
  SyncApi again(server_, "alice", "phone");
  auto retry = push(again, head, note_create("durable"), "restart-key");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(notes_with_body(again, "durable"), 1);
}

class IdempotencyPurgeTest : public IdempotencyTest {
 protected:
  IdempotencyPurgeTest()
      : IdempotencyTest({"--rate-limit", "0", "--idempotency-ttl", "300ms", "--maintenance-interval", "50ms"}) {}
};

TEST_F(IdempotencyPurgeTest, AnswersAreForgottenAfterTheirTtl) {
  const auto head = alice_.head();
  ASSERT_EQ(push(alice_, head, note_create("expiring"), "short-lived").status, 200);
  // Once purged, the retry is a new request again: at a stale head, an ordinary 409.
  Response retry;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    retry = push(alice_, head, note_create("expiring"), "short-lived");
  } while (retry.status == 200 && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(retry.status, 409) << retry.body;
  EXPECT_EQ(notes_with_body(alice_, "expiring"), 1);
}

}  // namespace
}  // namespace synclog::test
