// The sync domain applied to a real SqliteStore (no mocks): apply_push's optimistic
// concurrency and its two 409 messages, the mutation clock, upserts, the reading bookmark,
// cascades, the virtual Favorites collection, client-chosen ids, 404s and no-op deletes; and
// run_pull's paged and capped shapes over what the pushes wrote.
#include "domain/apply.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "../support/blocking_store.hpp"
#include "common/time_format.hpp"
#include "domain/model_codec.hpp"
#include "domain/pull.hpp"
#include "domain/push.hpp"
#include "domain/push_parser.hpp"

namespace synclog::domain {
namespace {

namespace json = boost::json;
using ::testing::StartsWith;
using storage::Entry;

constexpr std::int64_t kBaseline = 1'700'000'000'000;

constexpr std::uint8_t kBookmarkKind = static_cast<std::uint8_t>(Resource::kBookmark);
constexpr std::uint8_t kCollectionKind = static_cast<std::uint8_t>(Resource::kCollection);
constexpr std::uint8_t kMembershipKind = static_cast<std::uint8_t>(Resource::kCollectionBookmark);
constexpr std::uint8_t kNoteKind = static_cast<std::uint8_t>(Resource::kNote);
constexpr std::uint8_t kCreateOp = static_cast<std::uint8_t>(MutationType::kCreate);
constexpr std::uint8_t kUpdateOp = static_cast<std::uint8_t>(MutationType::kUpdate);
constexpr std::uint8_t kDeleteOp = static_cast<std::uint8_t>(MutationType::kDelete);

// Short builders for mutation JSON.
std::string collection_create(std::string_view name, std::string_view id = {}) {
  std::string s = R"({"type":"CREATE","resource":"COLLECTION",)";
  if (!id.empty()) s += R"("resourceId":")" + std::string(id) + R"(",)";
  return s + R"("data":{"name":")" + std::string(name) + R"("}})";
}
std::string ayah_create(int surah, int ayah, std::string_view extra = {}) {
  return R"({"type":"CREATE","resource":"BOOKMARK","data":{"type":"ayah","key":)" +
         std::to_string(surah) + R"(,"verseNumber":)" + std::to_string(ayah) + std::string(extra) +
         "}}";
}
std::string membership(std::string_view type, std::string_view collection_id,
                       std::string_view bookmark_id) {
  return R"({"type":")" + std::string(type) + R"(","resource":"COLLECTION_BOOKMARK","data":{"collectionId":")" +
         std::string(collection_id) + R"(","bookmarkId":")" + std::string(bookmark_id) + R"("}})";
}
std::string delete_of(std::string_view resource, std::string_view id) {
  return R"({"type":"DELETE","resource":")" + std::string(resource) + R"(","resourceId":")" +
         std::string(id) + R"("})";
}

using test::join;

class ApplyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto s = storage::sqlite::SqliteStore::open(test::test_store_options(dir_.file("apply.db")));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    user_ = new_user("alice");
  }

  storage::UserKey new_user(const std::string& subject) {
    auto u = test::resolve_user(*store_, subject, kBaseline);
    EXPECT_TRUE(u.ok());
    return u.ok() ? *u : -1;
  }

  // Validates and applies `items` (comma-separated mutation objects) at `last`, with the
  // wall clock at `now` (default: a second after the previous push).
  Result<PushResult> push(std::int64_t last, const std::string& items,
                          std::optional<std::int64_t> now = std::nullopt,
                          std::optional<storage::UserKey> who = std::nullopt) {
    now_ = now.value_or(now_ + 1000);
    auto parsed = parse_push_body(json::parse(R"({"mutations":[)" + items + "]}"));
    if (!parsed.ok()) return parsed.error();
    PushRequest req;
    req.last_mutation_at = last;
    req.mutations = std::move(*parsed);
    req.client_id = "test-device";
    const std::int64_t at = now_;
    return test::write_result<PushResult>(*store_, who.value_or(user_),
                                          [&req, at](storage::WriteTxn& t) { return apply_push(t, req, at); });
  }

  // A push at the current head that must succeed.
  PushResult push_ok(const std::string& items, std::optional<std::int64_t> now = std::nullopt) {
    auto r = push(head(), items, now);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : PushResult{};
  }

  storage::UserHead user_head(std::optional<storage::UserKey> who = std::nullopt) {
    auto h = test::head_of(*store_, who.value_or(user_));
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : storage::UserHead{};
  }
  std::int64_t head() { return user_head().head; }

  // Every log entry after `since`, superseded ones included, ascending.
  std::vector<Entry> entries_after(std::int64_t since) {
    auto es = test::entries_after(*store_, user_, since);
    EXPECT_TRUE(es.ok());
    return es.ok() ? std::move(*es) : std::vector<Entry>{};
  }

  std::optional<storage::Record> record(std::uint8_t kind, const std::string& id) {
    auto r = test::record_of(*store_, user_, kind, id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(*r) : std::nullopt;
  }
  std::vector<storage::Record> records(std::uint8_t kind) {
    std::vector<storage::Record> r;
    EXPECT_TRUE(test::read(*store_, user_, [&](storage::ReadTxn& t) -> Status {
                  SYNCLOG_ASSIGN_OR_RETURN(r, t.list(kind));
                  return Status();
                }).ok());
    return r;
  }
  std::optional<Bookmark> bookmark(const std::string& id) {
    auto r = record(kBookmarkKind, id);
    if (!r) return std::nullopt;
    auto b = bookmark_from(*r);
    EXPECT_TRUE(b.ok());
    return b.ok() ? std::optional<Bookmark>(*b) : std::nullopt;
  }
  bool has_membership(const std::string& cid, const std::string& bid) {
    return record(kMembershipKind, cid + "/" + bid).has_value();
  }

  PullResult pull(const PullRequest& req) {
    PullResult out;
    const Status s = test::read(*store_, user_, [&](storage::ReadTxn& t) -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(out, run_pull(t, req));
      return Status();
    });
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.message());
    return out;
  }
  // The `data` object of a pull's 200 body.
  json::object pull_data(const PullRequest& req) {
    const json::value v = json::parse(pull(req).body);
    EXPECT_TRUE(v.as_object().at("success").as_bool());
    return v.as_object().at("data").as_object();
  }
  static PullRequest paged(std::int64_t since, std::int64_t page, int limit) {
    PullRequest r;
    r.since = since;
    r.page = page;
    r.limit = limit;
    return r;
  }
  static PullRequest capped(std::int64_t since, int cap = 10000) {
    PullRequest r;
    r.since = since;
    r.cap = cap;
    return r;
  }

  static json::object data_of(const Entry& e) { return json::parse(e.data).as_object(); }

  test::TempDir dir_;
  std::unique_ptr<storage::sqlite::SqliteStore> store_;
  storage::UserKey user_ = -1;
  std::int64_t now_ = kBaseline;
};

// ---- optimistic concurrency ----

TEST_F(ApplyTest, NewUserPushesAtItsPositiveHead) {
  EXPECT_EQ(head(), kBaseline);
  auto r = push(kBaseline, collection_create("a"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->acks.size(), 1u);
  EXPECT_GT(r->head, kBaseline);
  EXPECT_EQ(head(), r->head);
}

TEST_F(ApplyTest, NewUserMayPushMinusOne) {
  auto r = push(-1, collection_create("a"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(head(), r->head);
}

TEST_F(ApplyTest, NewUserWithAnyOtherValueGetsTheFirstSyncMessage) {
  for (std::int64_t wrong : {kBaseline + 1, kBaseline - 1, std::int64_t{0}, std::int64_t{-2}}) {
    auto r = push(wrong, collection_create("a"));
    ASSERT_FALSE(r.ok()) << wrong;
    EXPECT_EQ(r.error().code, ErrorCode::kOutOfSync);
    EXPECT_EQ(r.error().message, "First sync detected. Please use lastMutationAt=-1 for initial sync.");
  }
  EXPECT_EQ(head(), kBaseline);
  EXPECT_TRUE(entries_after(0).empty());
}

TEST_F(ApplyTest, OnceTheUserHasMutationsAWrongValueGetsTheResyncMessage) {
  push_ok(collection_create("a"));
  const std::int64_t h = head();
  for (std::int64_t wrong : {kBaseline, std::int64_t{-1}, h - 1, h + 1, std::int64_t{0}}) {
    auto r = push(wrong, collection_create("b"));
    ASSERT_FALSE(r.ok()) << wrong;
    EXPECT_EQ(r.error().code, ErrorCode::kOutOfSync);
    EXPECT_EQ(r.error().message, "Invalid lastMutationAt, please re-sync your data and try again.");
  }
  EXPECT_EQ(head(), h);
  EXPECT_EQ(records(kCollectionKind).size(), 1u);
  EXPECT_TRUE(push(h, collection_create("b")).ok());
}

TEST_F(ApplyTest, EmptyBatchKeepsTheHeadAndTheUserNew) {
  auto r = push(-1, "");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->acks.empty());
  EXPECT_EQ(r->head, kBaseline);
  EXPECT_EQ(user_head().head, user_head().baseline);
  EXPECT_TRUE(push(-1, collection_create("a")).ok());  // still a first sync
}

// ---- the clock and the acks ----

TEST_F(ApplyTest, AcksHaveStrictlyIncreasingTsAndTheLastIsTheNewHead) {
  push_ok(ayah_create(1, 1, R"(,"isReading":true)"));
  const std::int64_t before = head();
  // The second reading bookmark cascades an UPDATE of the first: it takes a ts too.
  const auto r = push_ok(join({collection_create("a"), ayah_create(2, 255, R"(,"isReading":true)"),
                               R"({"type":"CREATE","resource":"NOTE","data":{"body":"a good note","ranges":["1:1-1:7"]}})",
                               delete_of("READING_SESSION", "ghost")}));
  ASSERT_EQ(r.acks.size(), 4u);
  std::int64_t prev = before;
  for (const auto& a : r.acks) {
    EXPECT_GT(a.ts, prev);
    prev = a.ts;
  }
  EXPECT_EQ(r.head, r.acks.back().ts);
  EXPECT_EQ(head(), r.head);
  EXPECT_EQ(entries_after(before).back().ts, r.acks[2].ts);  // the note's entry is the last
}

TEST_F(ApplyTest, FirstTsIsTheWallClockWhenItIsAheadOfTheHead) {
  const auto r = push_ok(join({collection_create("a"), collection_create("b")}), kBaseline + 50'000);
  EXPECT_EQ(r.acks[0].ts, kBaseline + 50'000);
  EXPECT_EQ(r.acks[1].ts, kBaseline + 50'001);
}

TEST_F(ApplyTest, TsNeverGoesBackwardsWhenTheWallClockStepsBack) {
  push_ok(collection_create("a"), kBaseline + 50'000);
  const std::int64_t h = head();
  const auto r = push_ok(collection_create("b"), kBaseline + 10'000);
  EXPECT_EQ(r.acks[0].ts, h + 1);
  EXPECT_EQ(head(), h + 1);
}

TEST_F(ApplyTest, AckEchoesTypeResourceAndRequestData) {
  const auto r = push_ok(R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"x","isDefault":false,
                            "clientCreatedAt":"2026-01-02T03:04:05+02:00"}})");
  ASSERT_EQ(r.acks.size(), 1u);
  EXPECT_EQ(r.acks[0].type, MutationType::kCreate);
  EXPECT_EQ(r.acks[0].resource, Resource::kCollection);
  EXPECT_FALSE(r.acks[0].resource_id.empty());
  EXPECT_EQ(json::parse(r.acks[0].data),
            json::parse(R"({"name":"x","clientCreatedAt":"2026-01-02T01:04:05.000Z"})"));
  const auto body = json::parse(push_response_body(r)).as_object();
  EXPECT_TRUE(body.at("success").as_bool());
  const auto& m = body.at("data").at("mutations").as_array().at(0).as_object();
  EXPECT_EQ(m.at("type").as_string(), "CREATE");
  EXPECT_EQ(m.at("resource").as_string(), "COLLECTION");
  EXPECT_EQ(m.at("resourceId").as_string(), r.acks[0].resource_id);
  EXPECT_EQ(m.at("timestamp").as_int64(), r.acks[0].ts);
  EXPECT_EQ(body.at("data").at("lastMutationAt").as_int64(), r.head);
}

TEST_F(ApplyTest, ClientTimesAreStoredNormalisedAndDefaultToTheTs) {
  const auto r = push_ok(join({R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"x",
                                 "clientCreatedAt":"2026-01-02T03:04:05+02:00","clientUpdatedAt":1751326200000}})",
                               collection_create("y")}));
  const auto es = entries_after(kBaseline);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(data_of(es[0]).at("clientCreatedAt").as_string(), "2026-01-02T01:04:05.000Z");
  EXPECT_EQ(data_of(es[0]).at("clientUpdatedAt").as_string(), "2025-06-30T23:30:00.000Z");
  EXPECT_EQ(data_of(es[1]).at("clientCreatedAt").as_string(), format_iso8601_ms(r.acks[1].ts));
  EXPECT_EQ(data_of(es[1]).at("clientUpdatedAt").as_string(), format_iso8601_ms(r.acks[1].ts));
}

// ---- bookmarks ----

TEST_F(ApplyTest, BookmarkCreateWithMatchingDetailsUpsertsTheSameBookmark) {
  const auto first = push_ok(ayah_create(2, 255));
  const std::string id = first.acks[0].resource_id;
  const std::int64_t cursor = head();
  const auto again = push_ok(ayah_create(2, 255, R"(,"mushafId":4)"));
  EXPECT_EQ(again.acks[0].resource_id, id);
  EXPECT_EQ(again.acks[0].type, MutationType::kCreate);  // echoes the request
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].id, id);
  EXPECT_EQ(es[0].op, kUpdateOp);
  EXPECT_EQ(records(kBookmarkKind).size(), 1u);
  EXPECT_EQ(bookmark(id)->details.mushaf, 4);
}

TEST_F(ApplyTest, BookmarksWithOtherDetailsAreOtherBookmarks) {
  const auto r = push_ok(join({ayah_create(2, 255), ayah_create(2, 256),
                               R"({"type":"CREATE","resource":"BOOKMARK","data":{"type":"page","key":10,"mushafId":1}})",
                               R"({"type":"CREATE","resource":"BOOKMARK","data":{"type":"page","key":10,"mushafId":3}})"}));
  EXPECT_EQ(records(kBookmarkKind).size(), 4u);
}

TEST_F(ApplyTest, IsReadingTrueMovesTheSingleReadingBookmark) {
  const std::string b1 = push_ok(ayah_create(1, 1, R"(,"isReading":true)")).acks[0].resource_id;
  EXPECT_TRUE(bookmark(b1)->is_reading);
  const std::int64_t cursor = head();
  const auto r = push_ok(ayah_create(2, 255, R"(,"isReading":true)"));
  const std::string b2 = r.acks[0].resource_id;
  ASSERT_NE(b1, b2);

  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].id, b1);
  EXPECT_EQ(es[0].op, kUpdateOp);
  EXPECT_FALSE(data_of(es[0]).at("isReading").as_bool());
  EXPECT_EQ(es[1].id, b2);
  EXPECT_EQ(es[1].op, kCreateOp);
  EXPECT_TRUE(data_of(es[1]).at("isReading").as_bool());
  EXPECT_EQ(r.acks[0].ts, es[1].ts);

  EXPECT_FALSE(bookmark(b1)->is_reading);
  EXPECT_TRUE(bookmark(b2)->is_reading);
}

TEST_F(ApplyTest, SettingIsReadingAgainOnTheReadingBookmarkTouchesNoOther) {
  const std::string b1 = push_ok(ayah_create(1, 1, R"(,"isReading":true)")).acks[0].resource_id;
  const std::int64_t cursor = head();
  push_ok(R"({"type":"UPDATE","resource":"BOOKMARK","resourceId":")" + b1 + R"(","data":{"isReading":true}})");
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].id, b1);
  EXPECT_TRUE(bookmark(b1)->is_reading);
}

TEST_F(ApplyTest, IsReadingFalseOrNullClearsTheFlag) {
  const std::string b1 = push_ok(ayah_create(1, 1, R"(,"isReading":true)")).acks[0].resource_id;
  push_ok(R"({"type":"UPDATE","resource":"BOOKMARK","resourceId":")" + b1 + R"(","data":{"isReading":null}})");
  EXPECT_FALSE(bookmark(b1)->is_reading);
}

TEST_F(ApplyTest, BookmarkUpdateCannotChangeItsIdentity) {
  const std::string b1 = push_ok(ayah_create(1, 1)).acks[0].resource_id;
  auto r = push(head(), R"({"type":"UPDATE","resource":"BOOKMARK","resourceId":")" + b1 +
                            R"(","data":{"key":2}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidation);
  EXPECT_THAT(r.error().message, StartsWith("Invalid data.key at mutation[0]: "));
}

TEST_F(ApplyTest, BookmarkDeleteDeletesItsMembershipsFirst) {
  const auto setup = push_ok(join({collection_create("one", "c1"), collection_create("two", "c2"),
                                   ayah_create(2, 255)}));
  const std::string b = setup.acks[2].resource_id;
  push_ok(join({membership("CREATE", "c1", b), membership("CREATE", "c2", b)}));
  const std::int64_t cursor = head();

  const auto r = push_ok(delete_of("BOOKMARK", b));
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 3u);
  EXPECT_EQ(es[0].kind, kMembershipKind);
  EXPECT_EQ(es[0].op, kDeleteOp);
  EXPECT_EQ(es[1].kind, kMembershipKind);
  EXPECT_EQ(es[1].op, kDeleteOp);
  EXPECT_EQ(es[2].kind, kBookmarkKind);
  EXPECT_EQ(es[2].op, kDeleteOp);
  EXPECT_EQ(es[2].id, b);
  EXPECT_EQ(data_of(es[0]).at("bookmarkId").as_string(), b);
  EXPECT_EQ(r.acks[0].ts, es[2].ts);
  EXPECT_EQ(r.acks[0].resource_id, b);

  EXPECT_FALSE(bookmark(b).has_value());
  EXPECT_FALSE(has_membership("c1", b));
  EXPECT_FALSE(has_membership("c2", b));
  EXPECT_EQ(records(kCollectionKind).size(), 2u);  // collections stay
}

// ---- collections ----

TEST_F(ApplyTest, CollectionDeleteRemovesMembershipsAndOrphanedBookmarksOnly) {
  const auto setup = push_ok(join({collection_create("doomed", "c1"), collection_create("other", "c2"),
                                   ayah_create(1, 1), ayah_create(1, 2), ayah_create(1, 3),
                                   ayah_create(1, 4, R"(,"isReading":true)")}));
  const std::string orphan = setup.acks[2].resource_id;
  const std::string shared = setup.acks[3].resource_id;
  const std::string favorite = setup.acks[4].resource_id;
  const std::string reading = setup.acks[5].resource_id;
  push_ok(join({membership("CREATE", "c1", orphan), membership("CREATE", "c1", shared),
                membership("CREATE", "c1", favorite), membership("CREATE", "c1", reading),
                membership("CREATE", "c2", shared), membership("CREATE", "__default__", favorite)}));
  const std::int64_t cursor = head();

  const auto r = push_ok(delete_of("COLLECTION", "c1"));
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 6u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(es[i].kind, kMembershipKind) << i;
    EXPECT_EQ(es[i].op, kDeleteOp) << i;
    EXPECT_EQ(data_of(es[i]).at("collectionId").as_string(), "c1");
  }
  EXPECT_EQ(es[4].kind, kBookmarkKind);
  EXPECT_EQ(es[4].op, kDeleteOp);
  EXPECT_EQ(es[4].id, orphan);
  EXPECT_EQ(es[5].kind, kCollectionKind);
  EXPECT_EQ(es[5].op, kDeleteOp);
  EXPECT_EQ(es[5].id, "c1");
  EXPECT_EQ(r.acks[0].ts, es[5].ts);
  EXPECT_EQ(r.head, es[5].ts);

  EXPECT_FALSE(bookmark(orphan).has_value());
  EXPECT_TRUE(bookmark(shared).has_value());
  EXPECT_TRUE(bookmark(favorite).has_value());
  EXPECT_TRUE(bookmark(reading).has_value());
  EXPECT_TRUE(has_membership("c2", shared));
  for (const auto& b : {orphan, shared, favorite, reading}) EXPECT_FALSE(has_membership("c1", b));
  EXPECT_FALSE(record(kCollectionKind, "c1").has_value());
  EXPECT_TRUE(record(kCollectionKind, "c2").has_value());
}

TEST_F(ApplyTest, CollectionRenameUpdatesNameAndSlug) {
  push_ok(collection_create("Old Name", "c1"));
  push_ok(R"({"type":"UPDATE","resource":"COLLECTION","resourceId":"c1","data":{"name":"New Name!"}})");
  const auto c = collection_from(*record(kCollectionKind, "c1"));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->name, "New Name!");
  EXPECT_EQ(c->slug, "new-name");
}

// ---- collection bookmarks and Favorites ----

TEST_F(ApplyTest, FavoritesAddFlipsIsInDefaultCollectionAndLogsOnlyABookmarkEntry) {
  const std::string b = push_ok(ayah_create(2, 255)).acks[0].resource_id;
  const std::int64_t cursor = head();
  const auto r = push_ok(membership("CREATE", "__default__", b));
  ASSERT_EQ(r.acks.size(), 1u);
  EXPECT_EQ(r.acks[0].resource, Resource::kCollectionBookmark);
  EXPECT_EQ(r.acks[0].type, MutationType::kCreate);
  EXPECT_EQ(r.acks[0].resource_id, "__default__-" + b);

  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, kBookmarkKind);
  EXPECT_EQ(es[0].op, kUpdateOp);
  EXPECT_EQ(es[0].id, b);
  EXPECT_TRUE(data_of(es[0]).at("isInDefaultCollection").as_bool());
  EXPECT_EQ(r.acks[0].ts, es[0].ts);
  EXPECT_TRUE(bookmark(b)->in_default);
  EXPECT_TRUE(records(kMembershipKind).empty());
}

TEST_F(ApplyTest, FavoritesRemoveClearsTheFlagAndKeepsTheBookmark) {
  const std::string b = push_ok(ayah_create(2, 255)).acks[0].resource_id;
  push_ok(membership("CREATE", "__default__", b));
  const std::int64_t cursor = head();
  const auto r = push_ok(membership("DELETE", "__default__", b));
  EXPECT_EQ(r.acks[0].resource_id, "__default__-" + b);
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, kBookmarkKind);
  EXPECT_EQ(es[0].op, kUpdateOp);
  EXPECT_FALSE(data_of(es[0]).at("isInDefaultCollection").as_bool());
  ASSERT_TRUE(bookmark(b).has_value());
  EXPECT_FALSE(bookmark(b)->in_default);
}

TEST_F(ApplyTest, FavoritesAddByDetailsCreatesTheBookmark) {
  const auto r = push_ok(R"({"type":"CREATE","resource":"COLLECTION_BOOKMARK",
                            "data":{"collectionId":"__default__","key":2,"verseNumber":255}})");
  const auto es = entries_after(kBaseline);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, kBookmarkKind);
  EXPECT_EQ(es[0].op, kCreateOp);
  EXPECT_EQ(r.acks[0].resource_id, "__default__-" + es[0].id);
  EXPECT_TRUE(bookmark(es[0].id)->in_default);
}

TEST_F(ApplyTest, MembershipByDetailsCreatesTheBookmarkFirst) {
  push_ok(collection_create("c", "c1"));
  const std::int64_t cursor = head();
  const auto r = push_ok(R"({"type":"CREATE","resource":"COLLECTION_BOOKMARK",
                            "data":{"collectionId":"c1","key":2,"verseNumber":255}})");
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].kind, kBookmarkKind);
  EXPECT_EQ(es[0].op, kCreateOp);
  const std::string b = es[0].id;
  EXPECT_EQ(es[1].kind, kMembershipKind);
  EXPECT_EQ(es[1].op, kCreateOp);
  EXPECT_EQ(es[1].id, "c1/" + b);
  EXPECT_EQ(r.acks[0].resource_id, "c1-" + b);
  EXPECT_EQ(r.acks[0].ts, es[1].ts);
  EXPECT_TRUE(has_membership("c1", b));
}

TEST_F(ApplyTest, MembershipByDetailsUsesAMatchingBookmark) {
  push_ok(collection_create("c", "c1"));
  const std::string b = push_ok(ayah_create(2, 255)).acks[0].resource_id;
  const auto r = push_ok(R"({"type":"CREATE","resource":"COLLECTION_BOOKMARK",
                            "data":{"collectionId":"c1","key":2,"verseNumber":255}})");
  EXPECT_EQ(r.acks[0].resource_id, "c1-" + b);
  EXPECT_EQ(records(kBookmarkKind).size(), 1u);
}

TEST_F(ApplyTest, RepeatedMembershipAddIsAnIdempotentUpsert) {
  push_ok(collection_create("c", "c1"));
  const std::string b = push_ok(ayah_create(2, 255)).acks[0].resource_id;
  const auto first = push_ok(membership("CREATE", "c1", b));
  const auto second = push_ok(membership("CREATE", "c1", b));
  EXPECT_EQ(first.acks[0].resource_id, second.acks[0].resource_id);
  EXPECT_EQ(records(kMembershipKind).size(), 1u);
}

TEST_F(ApplyTest, MembershipOfAMissingCollectionIsAValidationErrorAndNothingApplies) {
  const std::string b = push_ok(ayah_create(2, 255)).acks[0].resource_id;
  const std::int64_t h = head();
  auto r = push(h, join({collection_create("kept?", "c9"), membership("CREATE", "nope", b)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidation);
  EXPECT_THAT(r.error().message, StartsWith("Invalid data.collectionId at mutation[1]"));
  EXPECT_EQ(head(), h);
  EXPECT_FALSE(record(kCollectionKind, "c9").has_value());
}

TEST_F(ApplyTest, MembershipOfAMissingBookmarkIdIsAValidationError) {
  push_ok(collection_create("c", "c1"));
  for (const char* cid : {"c1", "__default__"}) {
    auto r = push(head(), membership("CREATE", cid, "no-such-bookmark"));
    ASSERT_FALSE(r.ok()) << cid;
    EXPECT_EQ(r.error().code, ErrorCode::kValidation);
    EXPECT_THAT(r.error().message, StartsWith("Invalid data.bookmarkId at mutation[0]")) << cid;
  }
}

TEST_F(ApplyTest, MembershipDeleteThroughSyncNeverDeletesTheBookmark) {
  push_ok(collection_create("c", "c1"));
  const std::string b = push_ok(ayah_create(2, 255)).acks[0].resource_id;
  push_ok(membership("CREATE", "c1", b));
  const std::int64_t cursor = head();
  const auto r = push_ok(membership("DELETE", "c1", b));
  EXPECT_EQ(r.acks[0].resource_id, "c1-" + b);
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, kMembershipKind);
  EXPECT_EQ(es[0].op, kDeleteOp);
  EXPECT_FALSE(has_membership("c1", b));
  EXPECT_TRUE(bookmark(b).has_value());  // now an orphan, but kept
}

// ---- missing resources ----

TEST_F(ApplyTest, UpdateOfAMissingResourceIsNotFoundAndNothingApplies) {
  const std::int64_t h = push_ok(collection_create("a")).head;
  for (const std::string upd :
       {R"({"type":"UPDATE","resource":"BOOKMARK","resourceId":"ghost","data":{"isReading":true}})",
        R"({"type":"UPDATE","resource":"COLLECTION","resourceId":"ghost","data":{"name":"x"}})",
        R"({"type":"UPDATE","resource":"NOTE","resourceId":"ghost","data":{"body":"edited note"}})",
        R"({"type":"UPDATE","resource":"READING_SESSION","resourceId":"ghost","data":{"chapterNumber":1,"verseNumber":1}})"}) {
    auto r = push(h, join({collection_create("lost"), upd}));
    ASSERT_FALSE(r.ok()) << upd;
    EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << upd;
  }
  EXPECT_EQ(head(), h);
  EXPECT_EQ(records(kCollectionKind).size(), 1u);
}

TEST_F(ApplyTest, DeleteOfAMissingResourceIsANoOpThatStillGetsATs) {
  push_ok(collection_create("a"));
  const std::int64_t h = head();
  const auto r = push_ok(join({delete_of("NOTE", "ghost"), delete_of("BOOKMARK", "ghost"),
                               delete_of("COLLECTION", "ghost"), delete_of("READING_SESSION", "ghost"),
                               membership("DELETE", "ghost", "ghost")}));
  ASSERT_EQ(r.acks.size(), 5u);
  EXPECT_EQ(r.acks[0].resource_id, "ghost");
  EXPECT_EQ(r.acks[1].resource_id, "ghost");
  EXPECT_EQ(r.acks[4].resource_id, "ghost-ghost");
  EXPECT_GT(r.acks[0].ts, h);
  for (std::size_t i = 1; i < r.acks.size(); ++i) EXPECT_GT(r.acks[i].ts, r.acks[i - 1].ts);
  EXPECT_EQ(head(), r.acks.back().ts);
  EXPECT_TRUE(entries_after(h).empty());
}

TEST_F(ApplyTest, DeleteRemovesTheResource) {
  push_ok(collection_create("a", "c1"));
  const std::string n = push_ok(R"({"type":"CREATE","resource":"NOTE","data":{"body":"a good note","ranges":["1:1-1:7"]}})")
                            .acks[0].resource_id;
  push_ok(join({delete_of("COLLECTION", "c1"), delete_of("NOTE", n)}));
  EXPECT_FALSE(record(kCollectionKind, "c1").has_value());
  EXPECT_FALSE(record(kNoteKind, n).has_value());
}

// ---- client-chosen ids ----

TEST_F(ApplyTest, ClientChosenIdIsUsedAndARepeatIsAnUpsert) {
  const auto first = push_ok(collection_create("first", "my-list"));
  EXPECT_EQ(first.acks[0].resource_id, "my-list");
  const std::int64_t cursor = head();
  const auto again = push_ok(collection_create("second", "my-list"));
  EXPECT_EQ(again.acks[0].resource_id, "my-list");
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].op, kUpdateOp);
  ASSERT_EQ(records(kCollectionKind).size(), 1u);
  EXPECT_EQ(collection_from(*record(kCollectionKind, "my-list"))->name, "second");
}

TEST_F(ApplyTest, ClientChosenIdWorksForEveryResourceWithAnId) {
  const auto r = push_ok(join({
      R"({"type":"CREATE","resource":"BOOKMARK","resourceId":"bm-1","data":{"key":1,"verseNumber":1}})",
      R"({"type":"CREATE","resource":"NOTE","resourceId":"note-1","data":{"body":"a good note","ranges":["1:1-1:7"]}})",
      R"({"type":"CREATE","resource":"READING_SESSION","resourceId":"rs-1","data":{"chapterNumber":1,"verseNumber":1}})"}));
  EXPECT_EQ(r.acks[0].resource_id, "bm-1");
  EXPECT_EQ(r.acks[1].resource_id, "note-1");
  EXPECT_EQ(r.acks[2].resource_id, "rs-1");
  push_ok(R"({"type":"CREATE","resource":"NOTE","resourceId":"note-1","data":{"body":"another body","ranges":["1:1-1:7"]}})");
  EXPECT_EQ(records(kNoteKind).size(), 1u);
  EXPECT_EQ(note_from(*record(kNoteKind, "note-1"))->body, "another body");
}

TEST_F(ApplyTest, OfflineDeviceCanCreateAndFillACollectionInOneBatch) {
  const auto r = push_ok(join({collection_create("trip", "coll-1"),
                               R"({"type":"CREATE","resource":"BOOKMARK","resourceId":"bm-1","data":{"key":18,"verseNumber":10}})",
                               membership("CREATE", "coll-1", "bm-1")}));
  ASSERT_EQ(r.acks.size(), 3u);
  EXPECT_EQ(r.acks[2].resource_id, "coll-1-bm-1");
  EXPECT_TRUE(has_membership("coll-1", "bm-1"));
}

TEST_F(ApplyTest, ServerMintedIdsAreDistinct) {
  const auto r = push_ok(join({collection_create("a"), collection_create("a"), collection_create("a")}));
  EXPECT_NE(r.acks[0].resource_id, r.acks[1].resource_id);
  EXPECT_NE(r.acks[1].resource_id, r.acks[2].resource_id);
  EXPECT_EQ(records(kCollectionKind).size(), 3u);
}

TEST_F(ApplyTest, WritesRecordTheClientAsModifiedBy) {
  push_ok(collection_create("a", "c1"));
  EXPECT_EQ(collection_from(*record(kCollectionKind, "c1"))->modified_by, "test-device");
}

TEST_F(ApplyTest, UsersAreIsolated) {
  push_ok(collection_create("a", "c1"));
  const auto bob = new_user("bob");
  EXPECT_EQ(user_head(bob).head, kBaseline);
  auto r = push(kBaseline, delete_of("COLLECTION", "c1"), std::nullopt, bob);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(record(kCollectionKind, "c1").has_value());  // alice's is untouched
}

// ---- pulls ----

class PullTest : public ApplyTest {
 protected:
  // Five collections, one entry each; returns their ts.
  std::vector<std::int64_t> five() {
    const auto r = push_ok(join({collection_create("a", "c1"), collection_create("b", "c2"),
                                 collection_create("c", "c3"), collection_create("d", "c4"),
                                 collection_create("e", "c5")}));
    std::vector<std::int64_t> ts;
    for (const auto& a : r.acks) ts.push_back(a.ts);
    return ts;
  }
  static std::vector<std::int64_t> timestamps(const json::object& data) {
    std::vector<std::int64_t> out;
    for (const auto& m : data.at("mutations").as_array()) out.push_back(m.at("timestamp").as_int64());
    return out;
  }
};

TEST_F(PullTest, PagedPullEchoesPageAndLimitAndComputesHasMore) {
  const auto ts = five();
  const std::int64_t h = head();
  auto p1 = pull_data(paged(0, 1, 2));
  EXPECT_EQ(timestamps(p1), (std::vector<std::int64_t>{ts[0], ts[1]}));
  EXPECT_EQ(p1.at("page").as_int64(), 1);
  EXPECT_EQ(p1.at("limit").as_int64(), 2);
  EXPECT_EQ(p1.at("total").as_int64(), 5);
  EXPECT_TRUE(p1.at("hasMore").as_bool());
  EXPECT_EQ(p1.at("lastMutationAt").as_int64(), h);

  auto p2 = pull_data(paged(0, 2, 2));
  EXPECT_EQ(timestamps(p2), (std::vector<std::int64_t>{ts[2], ts[3]}));
  EXPECT_TRUE(p2.at("hasMore").as_bool());
  EXPECT_EQ(p2.at("lastMutationAt").as_int64(), h);

  auto p3 = pull_data(paged(0, 3, 2));
  EXPECT_EQ(timestamps(p3), (std::vector<std::int64_t>{ts[4]}));
  EXPECT_FALSE(p3.at("hasMore").as_bool());
  EXPECT_EQ(p3.at("lastMutationAt").as_int64(), h);

  auto p4 = pull_data(paged(0, 4, 2));
  EXPECT_TRUE(p4.at("mutations").as_array().empty());
  EXPECT_FALSE(p4.at("hasMore").as_bool());
  EXPECT_EQ(p4.at("total").as_int64(), 5);
}

TEST_F(PullTest, HasMoreIsFalseWhenTheLastPageIsExactlyFull) {
  five();
  EXPECT_FALSE(pull_data(paged(0, 1, 5)).at("hasMore").as_bool());
  EXPECT_TRUE(pull_data(paged(0, 1, 4)).at("hasMore").as_bool());
  EXPECT_FALSE(pull_data(paged(0, 5, 1)).at("hasMore").as_bool());
}

TEST_F(PullTest, PagedPullDefaultsToPageOne) {
  five();
  PullRequest r;
  r.limit = 3;
  const auto d = pull_data(r);
  EXPECT_EQ(d.at("page").as_int64(), 1);
  EXPECT_EQ(d.at("mutations").as_array().size(), 3u);
  const auto res = pull(r);
  EXPECT_TRUE(res.more_pages);
}

TEST_F(PullTest, PagedPullKeepsSupersededEntriesSoOffsetsDoNotShift) {
  const auto ts = five();
  const auto page1 = pull_data(paged(0, 1, 2));
  // Another device renames c1 (on page 1) while this client pages.
  push_ok(R"({"type":"UPDATE","resource":"COLLECTION","resourceId":"c1","data":{"name":"renamed"}})");
  const auto page2 = pull_data(paged(0, 2, 2));
  EXPECT_EQ(timestamps(page2), (std::vector<std::int64_t>{ts[2], ts[3]}));
  const auto page3 = pull_data(paged(0, 3, 2));
  ASSERT_EQ(page3.at("mutations").as_array().size(), 2u);
  EXPECT_EQ(page3.at("mutations").as_array()[1].at("data").at("name").as_string(), "renamed");
  EXPECT_EQ(page3.at("total").as_int64(), 6);
  // A capped pull shows one entry per resource.
  EXPECT_EQ(pull_data(capped(0)).at("total").as_int64(), 5);
}

TEST_F(PullTest, CappedPullCutAtTheCapReportsTheLastEntrysTs) {
  const auto ts = five();
  auto d = pull_data(capped(0, 3));
  EXPECT_EQ(timestamps(d), (std::vector<std::int64_t>{ts[0], ts[1], ts[2]}));
  EXPECT_TRUE(d.at("hasMore").as_bool());
  EXPECT_EQ(d.at("lastMutationAt").as_int64(), ts[2]);
  EXPECT_EQ(d.at("total").as_int64(), 5);
  EXPECT_EQ(d.at("page").as_int64(), 1);
  EXPECT_FALSE(pull(capped(0, 3)).more_pages);

  // Resuming from the reported value returns exactly the rest.
  auto rest = pull_data(capped(ts[2], 3));
  EXPECT_EQ(timestamps(rest), (std::vector<std::int64_t>{ts[3], ts[4]}));
  EXPECT_FALSE(rest.at("hasMore").as_bool());
  EXPECT_EQ(rest.at("lastMutationAt").as_int64(), head());
}

TEST_F(PullTest, CappedPullThatFitsReportsTheHead) {
  five();
  push_ok(delete_of("NOTE", "ghost"));  // moves the head without an entry
  auto d = pull_data(capped(0, 5));
  EXPECT_EQ(d.at("mutations").as_array().size(), 5u);
  EXPECT_FALSE(d.at("hasMore").as_bool());
  EXPECT_EQ(d.at("lastMutationAt").as_int64(), head());
}

TEST_F(PullTest, MutationsSinceIsExclusiveAndEntriesAscend) {
  const auto ts = five();
  EXPECT_EQ(timestamps(pull_data(capped(ts[1]))), (std::vector<std::int64_t>{ts[2], ts[3], ts[4]}));
  EXPECT_TRUE(pull_data(capped(ts[4])).at("mutations").as_array().empty());
}

TEST_F(PullTest, ResourceCreatedAfterTheCursorIsReportedAsCreate) {
  push_ok(collection_create("old", "c1"));
  const std::int64_t t1 = head();
  push_ok(R"({"type":"UPDATE","resource":"COLLECTION","resourceId":"c1","data":{"name":"new"}})");
  const std::int64_t t2 = head();

  const auto full = pull_data(capped(0)).at("mutations").as_array();
  ASSERT_EQ(full.size(), 1u);
  EXPECT_EQ(full[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(full[0].at("timestamp").as_int64(), t2);
  EXPECT_EQ(full[0].at("data").at("name").as_string(), "new");

  const auto since_create = pull_data(capped(t1)).at("mutations").as_array();
  ASSERT_EQ(since_create.size(), 1u);
  EXPECT_EQ(since_create[0].at("type").as_string(), "UPDATE");

  push_ok(delete_of("COLLECTION", "c1"));
  const auto after_delete = pull_data(capped(0)).at("mutations").as_array();
  ASSERT_EQ(after_delete.size(), 1u);
  EXPECT_EQ(after_delete[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(after_delete[0].at("resourceId").as_string(), "c1");
  EXPECT_TRUE(after_delete[0].at("data").as_object().empty());
}

TEST_F(PullTest, PullItemsHaveTheDocumentedShape) {
  push_ok(collection_create("c", "c1"));
  const std::string b = push_ok(ayah_create(2, 255)).acks[0].resource_id;
  push_ok(join({membership("CREATE", "c1", b), membership("CREATE", "__default__", b)}));
  const auto ms = pull_data(capped(0)).at("mutations").as_array();
  ASSERT_EQ(ms.size(), 3u);  // c1, the bookmark (in Favorites), the membership
  bool saw_membership = false;
  for (const auto& v : ms) {
    const auto& m = v.as_object();
    EXPECT_TRUE(m.contains("type"));
    EXPECT_TRUE(m.contains("resource"));
    EXPECT_TRUE(m.contains("data"));
    EXPECT_TRUE(m.contains("timestamp"));
    if (m.at("resource").as_string() == "COLLECTION_BOOKMARK") {
      saw_membership = true;
      EXPECT_FALSE(m.contains("resourceId"));
      EXPECT_EQ(m.at("data").at("collectionId").as_string(), "c1");
    } else {
      EXPECT_TRUE(m.contains("resourceId"));
    }
    if (m.at("resource").as_string() == "BOOKMARK") {
      EXPECT_TRUE(m.at("data").at("isInDefaultCollection").as_bool());
    }
  }
  EXPECT_TRUE(saw_membership);
}

TEST_F(PullTest, ResourceFilterNarrowsEntriesAndTotal) {
  five();
  push_ok(R"({"type":"CREATE","resource":"NOTE","data":{"body":"a good note","ranges":["1:1-1:7"]}})");
  PullRequest notes = capped(0);
  notes.resources = ResourceSet();
  notes.resources.add(Resource::kNote);
  const auto d = pull_data(notes);
  EXPECT_EQ(d.at("total").as_int64(), 1);
  EXPECT_EQ(d.at("mutations").as_array()[0].at("resource").as_string(), "NOTE");
  EXPECT_EQ(d.at("lastMutationAt").as_int64(), head());  // the head is not filtered

  PullRequest nothing = capped(0);
  nothing.resources = ResourceSet();
  const auto e = pull_data(nothing);
  EXPECT_EQ(e.at("total").as_int64(), 0);
  EXPECT_TRUE(e.at("mutations").as_array().empty());
}

TEST_F(PullTest, MetadataOnlyAnswersTheHeadAlone) {
  five();
  PullRequest r = capped(0);
  r.metadata_only = true;
  const auto res = pull(r);
  EXPECT_EQ(res.body, R"({"success":true,"data":{"lastMutationAt":)" + std::to_string(head()) + "}}");
  EXPECT_EQ(res.last_mutation_at, head());
}

TEST_F(PullTest, NewUserPullsNothingAtItsBaseline) {
  const auto d = pull_data(capped(0));
  EXPECT_TRUE(d.at("mutations").as_array().empty());
  EXPECT_EQ(d.at("lastMutationAt").as_int64(), kBaseline);
  EXPECT_FALSE(d.at("hasMore").as_bool());
}

}  // namespace
}  // namespace synclog::domain
