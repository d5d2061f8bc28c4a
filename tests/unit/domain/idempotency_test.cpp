// Idempotency keys in the domain (domain/idempotency.hpp): which header values are keys, what
// makes two requests the same, and the replay rule on a real SQLite store: a stored answer is
// found for the same request and refused (422) for another under the same key.
#include "domain/idempotency.hpp"

#include <gtest/gtest.h>

#include "../support/blocking_store.hpp"

namespace synclog::domain {
namespace {

TEST(IdempotencyKeyTest, BareAndQuotedKeysOfVisibleAsciiAreAccepted) {
  for (const auto& [header, key] : std::vector<std::pair<std::string, std::string>>{
           {"8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324"},
           {"\"8e03978e-40d5\"", "8e03978e-40d5"},
           {"a", "a"},
           {std::string(255, 'k'), std::string(255, 'k')},
           {"!#$%&'()*+,-./:;<=>?@[]^_`{|}~", "!#$%&'()*+,-./:;<=>?@[]^_`{|}~"}}) {
    auto parsed = parse_idempotency_key(header);
    ASSERT_TRUE(parsed.ok()) << header << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, key);
  }
}

TEST(IdempotencyKeyTest, EmptyLongEscapedAndNonAsciiKeysAreRefused) {
  for (const std::string& header :
       {std::string(), std::string("\"\""), std::string(256, 'k'), "\"" + std::string(256, 'k') + "\"",
        std::string("two words"), std::string("tab\there"), std::string("\"a\\\"b\""), std::string("caf\xc3\xa9"),
        std::string("quote\"inside"), std::string(1, '\x7f')}) {
    auto parsed = parse_idempotency_key(header);
    ASSERT_FALSE(parsed.ok()) << header;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidRequest);
    EXPECT_EQ(parsed.error().message.rfind("Idempotency-Key ", 0), 0u) << parsed.error().message;
  }
}

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(IdempotencyKeyTest, TheFingerprintCoversMethodPathParametersAndBody) {
  const auto base = request_fingerprint("POST", "/v1/notes", {{"mushafId", "4"}}, "{}");
  EXPECT_EQ(base, request_fingerprint("POST", "/v1/notes", {{"mushafId", "4"}}, "{}"));
  EXPECT_EQ(base.size(), 64u);
  EXPECT_NE(base, request_fingerprint("PATCH", "/v1/notes", {{"mushafId", "4"}}, "{}"));
  EXPECT_NE(base, request_fingerprint("POST", "/v1/notes/x", {{"mushafId", "4"}}, "{}"));
  EXPECT_NE(base, request_fingerprint("POST", "/v1/notes", {{"mushafId", "5"}}, "{}"));
  EXPECT_NE(base, request_fingerprint("POST", "/v1/notes", {}, "{}"));
  EXPECT_NE(base, request_fingerprint("POST", "/v1/notes", {{"mushafId", "4"}}, "{ }"));
  // Lengths separate the parts: moving bytes between them changes the fingerprint.
  EXPECT_NE(request_fingerprint("POST", "/a", {}, "b"), request_fingerprint("POST", "/ab", {}, ""));
  EXPECT_NE(request_fingerprint("POST", "/a", {{"k", "v"}}, ""), request_fingerprint("POST", "/a", {{"kv", ""}}, ""));
}

TEST(IdempotencyKeyTest, TheFingerprintIgnoresParameterOrderAndTheHead) {
  const auto base = request_fingerprint("POST", "/v1/sync", {{"a", "1"}, {"lastMutationAt", "10"}, {"b", "2"}}, "{}");
  EXPECT_EQ(base, request_fingerprint("POST", "/v1/sync", {{"b", "2"}, {"a", "1"}, {"lastMutationAt", "99"}}, "{}"));
  EXPECT_EQ(base, request_fingerprint("POST", "/v1/sync", {{"b", "2"}, {"a", "1"}}, "{}"));
}

class IdempotencyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto s = storage::sqlite::SqliteStore::open(test::test_store_options(dir_.file("synclog.db")));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    auto u = test::resolve_user(*store_, "alice", 1'700'000'000'000);
    ASSERT_TRUE(u.ok());
    user_ = *u;
  }
  Result<std::optional<storage::StoredResponse>> find(const IdempotentRequest& req) {
    Result<std::optional<storage::StoredResponse>> out = std::optional<storage::StoredResponse>();
    const Status s = test::write(*store_, user_, [&](storage::WriteTxn& t) -> Status {
      out = find_replay(t, req);
      return Status();
    });
    EXPECT_TRUE(s.ok());
    return out;
  }

  test::TempDir dir_;
  std::unique_ptr<storage::sqlite::SqliteStore> store_;
  storage::UserKey user_ = 0;
};

TEST_F(IdempotencyStoreTest, ANewKeyFindsNothingAndARememberedAnswerIsReplayedForTheSameRequest) {
  const IdempotentRequest req{"key-1", request_fingerprint("POST", "/v1/notes", {}, R"({"body":"x"})")};
  auto none = find(req);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  ASSERT_TRUE(test::write(*store_, user_, [&](storage::WriteTxn& t) {
                storage::StoredResponse answer;
                answer.status = 200;
                answer.headers = "X-Mutation-At: 42\n";
                answer.body = R"({"success":true})";
                return remember_answer(t, req, answer, 1'700'000'000'123);
              }).ok());
  auto found = find(req);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->status, 200);
  EXPECT_EQ((*found)->headers, "X-Mutation-At: 42\n");
  EXPECT_EQ((*found)->body, R"({"success":true})");
  EXPECT_EQ((*found)->fingerprint, req.fingerprint);
  EXPECT_EQ((*found)->created_ms, 1'700'000'000'123);
}

TEST_F(IdempotencyStoreTest, TheSameKeyForAnotherRequestIsUnprocessable) {
  const IdempotentRequest req{"key-2", request_fingerprint("POST", "/v1/notes", {}, "a")};
  ASSERT_TRUE(test::write(*store_, user_, [&](storage::WriteTxn& t) {
                return remember_answer(t, req, storage::StoredResponse{}, 1);
              }).ok());
  auto other = find(IdempotentRequest{"key-2", request_fingerprint("POST", "/v1/notes", {}, "b")});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kUnprocessable);
  EXPECT_NE(other.error().message.find("different request"), std::string::npos);
}

}  // namespace
}  // namespace synclog::domain
