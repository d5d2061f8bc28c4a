// The lost answer (issue: "the request arrived, the response did not. The app retries. Nothing
// may be duplicated"): requests go through the fault-injecting proxy of tests/support, which
// delivers them to the real server and then drops or cuts the answer. The client's retry with
// the same Idempotency-Key gets the original answer and creates nothing twice; without a key
// the same retry of a direct create makes a duplicate, which is why keys exist.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

#include "fault_proxy.hpp"
#include "http_client.hpp"
#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;

class LostResponseTest : public ::testing::Test {
 protected:
  LostResponseTest() { client_.set_resend_on_closed_connection(false); }

  Headers keyed(const std::string& key) const {
    Headers h = headers_;
    if (!key.empty()) h.emplace_back("Idempotency-Key", key);
    return h;
  }
  Response push(std::int64_t last, const std::string& body, const std::string& key) {
    return client_.post("/v1/sync?lastMutationAt=" + std::to_string(last), body, keyed(key));
  }
  // Notes whose body is `body`, by a full pull straight from the server.
  int notes_with_body(const std::string& body) {
    int n = 0;
    for (const auto& m : pulls::pulled(direct_, 0)) {
      if (m.at("resource") == "NOTE" && m.at("type") != "DELETE" && m.at("data").at("body") == body.c_str()) ++n;
    }
    return n;
  }

  ServerProcess server_{{"--rate-limit", "0"}};
  FaultProxy proxy_{server_.host(), server_.port()};
  HttpClient client_{proxy_.host(), proxy_.port()};
  Headers headers_ = server_.auth("alice", "phone");
  SyncApi direct_{server_, "alice", "checker"};
};

std::string note_push(const std::string& body) {
  return R"({"mutations":[{"type":"CREATE","resource":"NOTE","data":{"body":")" + body +
         R"(","ranges":["2:255-2:255"]}}]})";
}

TEST_F(LostResponseTest, APushWhoseAnswerWasLostIsAppliedOnceAndItsRetryReplaysTheAnswer) {
  const auto head = direct_.head();
  proxy_.fault_next(Fault::drop_response());
  auto lost = push(head, note_push("Written in the basement"), "batch-1");
  EXPECT_EQ(lost.status, 0) << lost.body;
  ASSERT_EQ(proxy_.exchanges().back().status, 200);  // the server did apply it
  const auto applied_head = direct_.head();
  EXPECT_GT(applied_head, head);

  // The app retries exactly what it sent; its lastMutationAt is stale now, yet no 409.
  auto retry = push(head, note_push("Written in the basement"), "batch-1");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(pulls::num(retry.json().at("data").at("lastMutationAt")), applied_head);
  EXPECT_EQ(direct_.head(), applied_head);
  EXPECT_EQ(notes_with_body("Written in the basement"), 1);
}

TEST_F(LostResponseTest, AnAnswerCutMidBodyIsReplayedWhole) {
  const auto head = direct_.head();
  proxy_.fault_next(Fault::cut_response(120));  // past the headers, inside the body
  auto cut = push(head, note_push("Cut off mid answer"), "batch-cut");
  EXPECT_EQ(cut.status, 0);
  EXPECT_FALSE(cut.transport_error.empty());
  auto retry = push(head, note_push("Cut off mid answer"), "batch-cut");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(notes_with_body("Cut off mid answer"), 1);
}

TEST_F(LostResponseTest, ARequestThatNeverArrivedIsAppliedByItsRetry) {
  const auto head = direct_.head();
  proxy_.fault_next(Fault::drop_request());
  EXPECT_EQ(push(head, note_push("Lost on the way in"), "batch-in").status, 0);
  EXPECT_EQ(direct_.head(), head);
  auto retry = push(head, note_push("Lost on the way in"), "batch-in");
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_FALSE(retry.has_header("idempotent-replayed"));  // the first attempt changed nothing
  EXPECT_EQ(notes_with_body("Lost on the way in"), 1);
}

TEST_F(LostResponseTest, ADirectCreateRetriedWithItsKeyIsNotDuplicated) {
  const std::string body = R"({"body":"Direct note, answer lost","ranges":["1:1-1:7"]})";
  proxy_.fault_next(Fault::drop_response(), 2);  // lose the answer twice in a row
  EXPECT_EQ(client_.post("/v1/notes", body, keyed("note-create")).status, 0);
  EXPECT_EQ(client_.post("/v1/notes", body, keyed("note-create")).status, 0);
  auto retry = client_.post("/v1/notes", body, keyed("note-create"));
  ASSERT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  EXPECT_EQ(notes_with_body("Direct note, answer lost"), 1);
  // The replayed answer is the first one: the id the server gave the note then.
  const auto pulled = pulls::pulled(direct_, 0);
  EXPECT_EQ(pulls::str(retry.json().at("data").at("id")), pulls::str(pulled.back().at("resourceId")));
}

TEST_F(LostResponseTest, WithoutAKeyTheSameRetryCreatesADuplicate) {
  // The hazard keys remove: the upstream protocol cannot tell a retry from a new note.
  const std::string body = R"({"body":"Unkeyed note, answer lost","ranges":["1:1-1:7"]})";
  proxy_.fault_next(Fault::drop_response());
  EXPECT_EQ(client_.post("/v1/notes", body, headers_).status, 0);
  ASSERT_EQ(client_.post("/v1/notes", body, headers_).status, 200);
  EXPECT_EQ(notes_with_body("Unkeyed note, answer lost"), 2);
}

}  // namespace
}  // namespace synclog::test
