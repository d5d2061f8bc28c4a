// The sync engine's pure helpers (src/client/sync_wire.hpp): the push body it writes, the pull
// and push answers it reads, the refused index, Retry-After and the backoff arithmetic.
#include "client/sync_wire.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace synclog::client {
namespace {

using std::chrono::milliseconds;

QueuedMutation mutation(Resource r, std::string id, MutationType t, std::string data) {
  QueuedMutation m;
  m.resource = r;
  m.id = std::move(id);
  m.type = t;
  m.data = std::move(data);
  return m;
}

TEST(SyncWireTest, PushBodyCarriesClientIdsAndDataWhereTheServerNeedsThem) {
  const std::vector<QueuedMutation> q = {
      mutation(Resource::kCollection, "c1", MutationType::kCreate, R"({"name":"Duas"})"),
      mutation(Resource::kNote, "n1", MutationType::kUpdate, R"({"body":"edited body"})"),
      mutation(Resource::kNote, "n2", MutationType::kDelete, "{}"),
      mutation(Resource::kCollectionBookmark, "c1-b1", MutationType::kDelete,
               R"({"collectionId":"c1","bookmarkId":"b1"})"),
  };
  EXPECT_EQ(push_body(q),
            R"({"mutations":[)"
            R"({"type":"CREATE","resource":"COLLECTION","resourceId":"c1","data":{"name":"Duas"}},)"
            R"({"type":"UPDATE","resource":"NOTE","resourceId":"n1","data":{"body":"edited body"}},)"
            R"({"type":"DELETE","resource":"NOTE","resourceId":"n2"},)"
            R"({"type":"DELETE","resource":"COLLECTION_BOOKMARK",)"
            R"("data":{"collectionId":"c1","bookmarkId":"b1"}}]})");
}

TEST(SyncWireTest, AMembershipUpdateIsSentAsItsIdempotentCreate) {
  const auto body = push_body({mutation(Resource::kCollectionBookmark, "c1-b1",
                                        MutationType::kUpdate,
                                        R"({"collectionId":"c1","bookmarkId":"b1"})")});
  EXPECT_NE(body.find(R"("type":"CREATE")"), std::string::npos) << body;
  EXPECT_EQ(body.find("resourceId"), std::string::npos) << body;
}

TEST(SyncWireTest, ParsePullReadsEntriesTombstonesAndMembershipIds) {
  const auto page = parse_pull(
      R"({"success":true,"data":{"mutations":[)"
      R"({"type":"CREATE","resource":"NOTE","resourceId":"n1","data":{"body":"hello world"},"timestamp":5},)"
      R"({"type":"DELETE","resource":"BOOKMARK","resourceId":"b1","data":{},"timestamp":6},)"
      R"({"type":"CREATE","resource":"COLLECTION_BOOKMARK","data":{"collectionId":"c","bookmarkId":"b"},"timestamp":7}],)"
      R"("page":1,"limit":10000,"total":3,"hasMore":false,"lastMutationAt":7}})");
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->entries.size(), 3u);
  EXPECT_EQ(page->entries[0].id, "n1");
  EXPECT_EQ(*page->entries[0].data, R"({"body":"hello world"})");
  EXPECT_EQ(page->entries[1].type, MutationType::kDelete);
  EXPECT_FALSE(page->entries[1].data.has_value());
  EXPECT_EQ(page->entries[2].id, "c-b");
  EXPECT_EQ(page->last_mutation_at, 7);
  EXPECT_EQ(page->total, 3);
  EXPECT_FALSE(page->has_more);
}

TEST(SyncWireTest, ParsePullRefusesWhatItCannotStore) {
  EXPECT_FALSE(parse_pull(R"({"success":true,"data":{"mutations":[{"type":"CREATE",)"
                          R"("resource":"PLANET","resourceId":"x","data":{},"timestamp":1}],)"
                          R"("lastMutationAt":1}})")
                   .ok());
  EXPECT_FALSE(parse_pull("not json").ok());
  EXPECT_FALSE(parse_pull(R"({"success":true,"data":{"mutations":[]}})").ok());
}

TEST(SyncWireTest, ParsePushAnswerReadsAcksInOrder) {
  const auto a = parse_push_answer(
      R"({"success":true,"data":{"mutations":[{"type":"CREATE","resource":"NOTE",)"
      R"("resourceId":"n1","timestamp":11},{"type":"CREATE","resource":"BOOKMARK",)"
      R"("resourceId":"other","timestamp":12}],"lastMutationAt":12}})");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->acks.size(), 2u);
  EXPECT_EQ(a->acks[1].resource_id, "other");
  EXPECT_EQ(a->acks[1].timestamp, 12);
  EXPECT_EQ(a->last_mutation_at, 12);
  EXPECT_EQ(*parse_head(R"({"success":true,"data":{"lastMutationAt":42}})"), 42);
}

TEST(SyncWireTest, ParsePushAnswerReadsFieldModeOutcomes) {
  const auto a = parse_push_answer(
      R"({"success":true,"data":{"mutations":[)"
      R"({"type":"UPDATE","resource":"NOTE","resourceId":"n1","timestamp":11,"outcome":"merged"},)"
      R"({"type":"UPDATE","resource":"NOTE","resourceId":"n2","outcome":"conflict",)"
      R"("conflict":{"reason":"changed","fields":["body"],"version":9,"record":{}}},)"
      R"({"type":"CREATE","resource":"NOTE","resourceId":"n3","timestamp":12,"outcome":"applied"}],)"
      R"("lastMutationAt":12}})");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_TRUE(a->has_outcomes);
  ASSERT_EQ(a->acks.size(), 3u);
  EXPECT_EQ(a->acks[0].outcome, AckOutcome::kMerged);
  EXPECT_EQ(a->acks[1].outcome, AckOutcome::kConflict);
  EXPECT_EQ(a->acks[1].timestamp, 0);
  EXPECT_EQ(a->acks[2].outcome, AckOutcome::kApplied);
  // Without outcomes (a server that does not know field mode): applied, as before.
  const auto plain = parse_push_answer(
      R"({"success":true,"data":{"mutations":[{"type":"CREATE","resource":"NOTE",)"
      R"("resourceId":"n1","timestamp":11}],"lastMutationAt":11}})");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->has_outcomes);
  EXPECT_EQ(plain->acks[0].outcome, AckOutcome::kApplied);
  // Only a conflict may come without a timestamp.
  EXPECT_FALSE(parse_push_answer(R"({"success":true,"data":{"mutations":[{"type":"CREATE",)"
                                 R"("resource":"NOTE","resourceId":"n1","outcome":"merged"}],)"
                                 R"("lastMutationAt":11}})")
                   .ok());
  EXPECT_FALSE(parse_push_answer(R"({"success":true,"data":{"mutations":[{"type":"CREATE",)"
                                 R"("resource":"NOTE","resourceId":"n1","timestamp":1,)"
                                 R"("outcome":"maybe"}],"lastMutationAt":11}})")
                   .ok());
}

TEST(SyncWireTest, FieldPushBodyNamesBasesAndSendsOnlyTheFieldsAnUpdateChanged) {
  auto edited = mutation(Resource::kNote, "n1", MutationType::kUpdate,
                         R"({"body":"same body","ranges":["2:1-2:5"],"clientUpdatedAt":"t2"})");
  auto created = mutation(Resource::kNote, "n2", MutationType::kCreate,
                          R"({"body":"a new note","ranges":["1:1-1:2"]})");
  auto renamed = mutation(Resource::kCollection, "c1", MutationType::kUpdate,
                          R"({"name":"New name","slug":"old-name"})");
  const std::vector<FieldBase> bases = {
      {100, R"({"body":"same body","ranges":["1:1-1:2"],"clientUpdatedAt":"t1"})"},
      {0, std::nullopt},
      {90, R"({"name":"Old name","slug":"old-name"})"},
  };
  EXPECT_EQ(field_push_body({edited, created, renamed}, bases),
            R"({"mutations":[)"
            R"({"type":"UPDATE","resource":"NOTE","resourceId":"n1",)"
            R"("data":{"ranges":["2:1-2:5"],"clientUpdatedAt":"t2"},"baseTimestamp":100},)"
            R"({"type":"CREATE","resource":"NOTE","resourceId":"n2",)"
            R"("data":{"body":"a new note","ranges":["1:1-1:2"]}},)"
            R"({"type":"UPDATE","resource":"COLLECTION","resourceId":"c1",)"
            R"("data":{"name":"New name","slug":"old-name"},"baseTimestamp":90}]})");
}

TEST(SyncWireTest, ErrorMessageReadsBothEnvelopes) {
  EXPECT_EQ(error_message(R"({"success":false,"error":{"code":"X","message":"sync one"}})"),
            "sync one");
  EXPECT_EQ(error_message(R"({"message":"generic one","type":"t","success":false})"),
            "generic one");
  EXPECT_EQ(error_message("plain"), "plain");
}

TEST(SyncWireTest, RefusedIndexIsTheMutationTheMessageNames) {
  EXPECT_EQ(refused_index("Invalid data.collectionId at mutation[3]: not found"), 3u);
  EXPECT_EQ(refused_index("NOTE n1 not found at mutation[0]"), 0u);
  EXPECT_FALSE(refused_index("Invalid mutations").has_value());
  EXPECT_FALSE(refused_index("at mutation[x]").has_value());
  EXPECT_FALSE(refused_index("at mutation[12").has_value());
}

TEST(SyncWireTest, AHeadEventCarriesAPositiveLastMutationAt) {
  const auto head = parse_head_event(R"({"lastMutationAt":1700000000123})");
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(*head, 1700000000123);
  EXPECT_TRUE(parse_head_event(R"({"lastMutationAt":5,"more":"later"})").ok());
  for (const char* bad : {"", "5", "[]", R"({"lastMutationAt":"5"})", R"({"lastMutationAt":0})",
                          R"({"lastMutationAt":-3})", R"({"head":5})", "{\"lastMutationAt\":5"}) {
    const auto r = parse_head_event(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInternal) << bad;
    }
  }
}

TEST(SyncWireTest, RetryAfterIsDeltaSecondsOnly) {
  EXPECT_EQ(parse_retry_after("3"), milliseconds(3000));
  EXPECT_EQ(parse_retry_after(" 0 "), milliseconds(0));
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
  EXPECT_FALSE(parse_retry_after("").has_value());
  EXPECT_FALSE(parse_retry_after("-1").has_value());
}

TEST(SyncWireTest, BackoffIsFullJitterUnderADoublingCappedCeiling) {
  const milliseconds base(200), cap(30'000);
  EXPECT_EQ(backoff_delay(0, base, cap, 0.0), milliseconds(0));
  EXPECT_EQ(backoff_delay(0, base, cap, 0.5), milliseconds(100));
  EXPECT_EQ(backoff_delay(3, base, cap, 0.5), milliseconds(800));   // ceiling 1600
  EXPECT_EQ(backoff_delay(20, base, cap, 0.5), milliseconds(15'000));  // capped at 30 s
  EXPECT_EQ(backoff_delay(1000, base, cap, 0.999), milliseconds(29'970));
}

}  // namespace
}  // namespace synclog::client
