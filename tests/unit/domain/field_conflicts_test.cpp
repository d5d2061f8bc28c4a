// conflictMode=field on a real SqliteStore (no mocks), with two devices, "phone" and "tablet":
// disjoint edits merge, a clashing field, an edit of a deleted resource and a delete of an
// edited one are conflicts that apply nothing while the rest of the batch commits; a device's
// own later writes never clash; the retention horizon stands in for purged tombstones; the
// errors that still fail the whole batch; the parser's field-mode rules; and the answer's shape.
#include "domain/field_conflicts.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../support/blocking_store.hpp"
#include "common/clock.hpp"
#include "domain/model_codec.hpp"
#include "domain/push.hpp"
#include "domain/push_parser.hpp"
#include "domain/wire.hpp"

namespace synclog::domain {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr std::int64_t kBaseline = 1'700'000'000'000;

constexpr std::uint8_t kBookmarkKind = static_cast<std::uint8_t>(Resource::kBookmark);
constexpr std::uint8_t kCollectionKind = static_cast<std::uint8_t>(Resource::kCollection);
constexpr std::uint8_t kMembershipKind = static_cast<std::uint8_t>(Resource::kCollectionBookmark);
constexpr std::uint8_t kNoteKind = static_cast<std::uint8_t>(Resource::kNote);
constexpr std::uint8_t kSessionKind = static_cast<std::uint8_t>(Resource::kReadingSession);

const std::string kPhone = "phone";
const std::string kTablet = "tablet";

// ---- mutation JSON ----

// {"type":type,"resource":resource[,"resourceId":id][,"data":{data}][,"baseTimestamp":base]}
std::string item(std::string_view type, std::string_view resource, std::string_view id,
                 std::string_view data = {}, std::optional<std::int64_t> base = std::nullopt) {
  std::string s = R"({"type":")" + std::string(type) + R"(","resource":")" + std::string(resource) + "\"";
  if (!id.empty()) s += R"(,"resourceId":")" + std::string(id) + "\"";
  if (!data.empty()) s += R"(,"data":{)" + std::string(data) + "}";
  if (base) s += R"(,"baseTimestamp":)" + std::to_string(*base);
  return s + "}";
}
std::string note_create(std::string_view id, std::string_view body = "the first body") {
  return item("CREATE", "NOTE", id, R"("body":")" + std::string(body) + R"(","ranges":["1:1-1:7"])");
}
std::string note_update(std::string_view id, std::string_view data,
                        std::optional<std::int64_t> base = std::nullopt) {
  return item("UPDATE", "NOTE", id, data, base);
}
std::string body_is(std::string_view body) { return R"("body":")" + std::string(body) + "\""; }
std::string delete_of(std::string_view resource, std::string_view id,
                      std::optional<std::int64_t> base = std::nullopt) {
  return item("DELETE", resource, id, {}, base);
}
std::string membership(std::string_view type, std::string_view collection_id,
                       std::string_view bookmark_id, std::optional<std::int64_t> base = std::nullopt) {
  return item(type, "COLLECTION_BOOKMARK", {},
              R"("collectionId":")" + std::string(collection_id) + R"(","bookmarkId":")" +
                  std::string(bookmark_id) + "\"",
              base);
}

using test::join;

// A note as a conflict shows it: the pull form plus saveToQR (a judged field it lacks).
json::value shown_in_conflict(const Note& n) {
  auto record = json::parse(wire_data(n)).as_object();
  record["saveToQR"] = n.save_to_qr;
  return record;
}

class FieldConflictTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto options = test::test_store_options(dir_.file("field.db"));
    options.clock = &clock_;
    if (retention_ms_) options.retention_ms = *retention_ms_;
    auto s = storage::sqlite::SqliteStore::open(options);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    auto u = test::resolve_user(*store_, "alice", kBaseline);
    ASSERT_TRUE(u.ok());
    user_ = *u;
  }

  // Validates `items` in `mode` and applies them for `client` at `last`, with the wall clock at
  // `now` (default: a second after the previous push).
  Result<PushResult> push(const std::string& client, std::int64_t last, const std::string& items,
                          ConflictMode mode = ConflictMode::kField,
                          std::optional<std::int64_t> now = std::nullopt) {
    now_ = now.value_or(now_ + 1000);
    auto parsed = parse_push_body(json::parse(R"({"mutations":[)" + items + "]}"), mode);
    if (!parsed.ok()) return parsed.error();
    PushRequest req;
    req.last_mutation_at = last;
    req.mode = mode;
    req.mutations = std::move(*parsed);
    req.client_id = client;
    const std::int64_t at = now_;
    return test::write_result<PushResult>(*store_, user_,
                                          [&req, at](storage::WriteTxn& t) { return apply_push(t, req, at); });
  }

  // A field-mode push that must succeed.
  PushResult push_ok(const std::string& client, std::int64_t last, const std::string& items,
                     std::optional<std::int64_t> now = std::nullopt) {
    auto r = push(client, last, items, ConflictMode::kField, now);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : PushResult{};
  }
  // A field-mode push of one mutation that must succeed; its single ack.
  Ack one(const std::string& client, std::int64_t last, const std::string& mutation) {
    auto r = push_ok(client, last, mutation);
    EXPECT_EQ(r.acks.size(), 1u);
    return r.acks.empty() ? Ack{} : r.acks.front();
  }

  storage::UserHead user_head() {
    auto h = test::head_of(*store_, user_);
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : storage::UserHead{};
  }
  std::int64_t head() { return user_head().head; }

  std::vector<storage::Entry> entries_after(std::int64_t since) {
    auto es = test::entries_after(*store_, user_, since);
    EXPECT_TRUE(es.ok());
    return es.ok() ? std::move(*es) : std::vector<storage::Entry>{};
  }

  std::optional<storage::Record> record(std::uint8_t kind, const std::string& id) {
    auto r = test::record_of(*store_, user_, kind, id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(*r) : std::nullopt;
  }
  std::optional<Note> note(const std::string& id) {
    auto r = record(kNoteKind, id);
    if (!r) return std::nullopt;
    auto n = note_from(*r);
    EXPECT_TRUE(n.ok());
    return n.ok() ? std::optional<Note>(*n) : std::nullopt;
  }
  std::optional<Bookmark> bookmark(const std::string& id) {
    auto r = record(kBookmarkKind, id);
    if (!r) return std::nullopt;
    auto b = bookmark_from(*r);
    EXPECT_TRUE(b.ok());
    return b.ok() ? std::optional<Bookmark>(*b) : std::nullopt;
  }

  // judge_mutation on its own, in a read transaction: the judgement of the single mutation in
  // `items` (field mode) for `who`.
  Judgement judge(const std::string& items, const Vantage& who) {
    auto parsed = parse_push_body(json::parse(R"({"mutations":[)" + items + "]}"), ConflictMode::kField);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    Judgement out;
    if (!parsed.ok() || parsed->size() != 1) return out;
    const Status s = test::read(*store_, user_, [&](storage::ReadTxn& t) -> Status {
      ResourceView view(t);
      SYNCLOG_ASSIGN_OR_RETURN(out, judge_mutation(view, parsed->front(), who));
      return Status();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return out;
  }

  // Checks that `a` is a conflict that applied nothing, and returns its conflict.
  static Conflict conflict_of(const Ack& a) {
    EXPECT_EQ(a.outcome, std::optional<Outcome>(Outcome::kConflict));
    EXPECT_EQ(a.ts, 0);
    EXPECT_TRUE(a.conflict.has_value());
    return a.conflict.value_or(Conflict{});
  }
  static std::vector<std::string> fields_of(const Conflict& c) {
    return std::vector<std::string>(c.fields.begin(), c.fields.end());
  }

  ManualClock clock_{kBaseline};
  std::optional<std::int64_t> retention_ms_;
  test::TempDir dir_;
  std::unique_ptr<storage::sqlite::SqliteStore> store_;
  storage::UserKey user_ = -1;
  std::int64_t now_ = kBaseline;
};

// Phone created note n1; `base_` is the head both devices last pulled at.
class NoteConflictTest : public FieldConflictTest {
 protected:
  void SetUp() override {
    FieldConflictTest::SetUp();
    push_ok(kPhone, -1, note_create("n1"));
    base_ = head();
  }
  std::int64_t base_ = 0;
};

// ---- merges ----

TEST_F(NoteConflictTest, DisjointFieldsMergeAndBothChangesAreKept) {
  const Ack first = one(kTablet, base_, note_update("n1", R"("ranges":["2:1-2:5"])"));
  EXPECT_EQ(first.outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_GT(first.ts, base_);

  const Ack second = one(kPhone, base_, note_update("n1", body_is("the phone body")));
  EXPECT_EQ(second.outcome, std::optional<Outcome>(Outcome::kMerged));
  EXPECT_FALSE(second.conflict.has_value());
  EXPECT_GT(second.ts, first.ts);
  EXPECT_EQ(head(), second.ts);

  const auto n = note("n1");
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->body, "the phone body");
  EXPECT_THAT(n->ranges, ElementsAre("2:1-2:5"));
  EXPECT_EQ(n->version, second.ts);
}

TEST_F(NoteConflictTest, BaseTimestampOverridesAStaleCursor) {
  one(kTablet, base_, note_update("n1", R"("ranges":["2:1-2:5"])"));
  const std::int64_t seen = head();
  // The cursor is the old one, but the item says the device edited from the tablet's version.
  const Ack a = one(kPhone, base_, note_update("n1", R"("ranges":["3:1-3:5"])", seen));
  EXPECT_EQ(a.outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_THAT(note("n1")->ranges, ElementsAre("3:1-3:5"));
}

TEST_F(NoteConflictTest, SettingAFieldToTheValueItAlreadyHasIsNotAClash) {
  one(kTablet, base_, note_update("n1", body_is("the same new body")));
  const Ack a = one(kPhone, base_, note_update("n1", body_is("the same new body")));
  EXPECT_NE(a.outcome, std::optional<Outcome>(Outcome::kConflict));
  EXPECT_FALSE(a.conflict.has_value());
  EXPECT_GT(a.ts, 0);
  EXPECT_EQ(note("n1")->body, "the same new body");
}

TEST_F(NoteConflictTest, SameDeviceSequentialEditsWithAStaleBaseNeverConflict) {
  for (const std::string& data : {body_is("the second body"), body_is("the third body"),
                                 std::string(R"("ranges":["2:1-2:5"])"), body_is("the fourth body")}) {
    const Ack a = one(kPhone, base_, note_update("n1", data));
    EXPECT_EQ(a.outcome, std::optional<Outcome>(Outcome::kApplied)) << data;
    EXPECT_FALSE(a.conflict.has_value()) << data;
  }
  EXPECT_EQ(note("n1")->body, "the fourth body");
  const Ack del = one(kPhone, base_, delete_of("NOTE", "n1"));
  EXPECT_EQ(del.outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_FALSE(note("n1").has_value());
}

// ---- clashes on a note ----

TEST_F(NoteConflictTest, SameFieldIsAConflictThatAppliesNothing) {
  const Ack theirs = one(kTablet, base_, note_update("n1", body_is("the tablet body")));
  const std::int64_t h = head();
  const auto before = record(kNoteKind, "n1");

  const auto r = push_ok(kPhone, base_, note_update("n1", body_is("the phone body")));
  ASSERT_EQ(r.acks.size(), 1u);
  const Ack& a = r.acks[0];
  EXPECT_EQ(a.type, MutationType::kUpdate);
  EXPECT_EQ(a.resource, Resource::kNote);
  EXPECT_EQ(a.resource_id, "n1");
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "changed");
  EXPECT_THAT(fields_of(c), ElementsAre("body"));
  EXPECT_EQ(c.version, theirs.ts);
  EXPECT_EQ(json::parse(c.record), shown_in_conflict(*note("n1")));
  EXPECT_EQ(json::parse(c.record).at("body").as_string(), "the tablet body");

  EXPECT_EQ(r.head, h);
  EXPECT_EQ(head(), h);
  EXPECT_TRUE(entries_after(h).empty());
  ASSERT_TRUE(record(kNoteKind, "n1").has_value());
  EXPECT_EQ(record(kNoteKind, "n1")->version, before->version);
  EXPECT_EQ(record(kNoteKind, "n1")->data, before->data);
}

TEST_F(NoteConflictTest, OnlyTheClashingFieldsAreReported) {
  one(kTablet, base_, note_update("n1", body_is("the tablet body") + R"(,"saveToQR":true)"));
  const Ack a = one(kPhone, base_, note_update("n1", body_is("the phone body") + R"(,"ranges":["2:1-2:5"])"));
  EXPECT_THAT(fields_of(conflict_of(a)), ElementsAre("body"));
  EXPECT_THAT(note("n1")->ranges, ElementsAre("1:1-1:7"));  // nothing of it applied
}

TEST_F(NoteConflictTest, UpdateAfterDeleteIsAConflictWithTheTombstonesTs) {
  const Ack del = one(kTablet, base_, delete_of("NOTE", "n1"));
  const std::int64_t h = head();
  const Ack a = one(kPhone, base_, note_update("n1", body_is("the phone body")));
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "deleted");
  EXPECT_THAT(c.fields, IsEmpty());
  EXPECT_EQ(c.version, del.ts);
  EXPECT_EQ(c.record, "null");
  EXPECT_EQ(head(), h);
  EXPECT_FALSE(note("n1").has_value());
}

TEST_F(NoteConflictTest, UpdateOfAResourceDeletedBeforeTheBaseIsNotFound) {
  one(kTablet, base_, delete_of("NOTE", "n1"));
  auto r = push(kPhone, head(), note_update("n1", body_is("the phone body")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST_F(NoteConflictTest, DeleteAfterUpdateIsAConflict) {
  const Ack theirs = one(kTablet, base_, note_update("n1", body_is("the tablet body")));
  const std::int64_t h = head();
  const Ack a = one(kPhone, base_, delete_of("NOTE", "n1"));
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "changed");
  EXPECT_THAT(fields_of(c), ElementsAre("body"));
  EXPECT_EQ(c.version, theirs.ts);
  EXPECT_EQ(json::parse(c.record).at("body").as_string(), "the tablet body");
  ASSERT_TRUE(note("n1").has_value());
  EXPECT_EQ(head(), h);
  EXPECT_TRUE(entries_after(h).empty());
}

TEST_F(NoteConflictTest, DeleteOfAnUnchangedRecordIsApplied) {
  const Ack a = one(kTablet, base_, delete_of("NOTE", "n1"));
  EXPECT_EQ(a.outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_FALSE(a.conflict.has_value());
  EXPECT_FALSE(note("n1").has_value());
  const auto es = entries_after(base_);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].op, storage::kTombstoneOp);
  EXPECT_EQ(es[0].ts, a.ts);
}

TEST_F(NoteConflictTest, UpsertOfAnExistingIdIsJudgedLikeAnUpdate) {
  one(kTablet, base_, note_update("n1", body_is("the tablet body")));
  const Ack a = one(kPhone, base_, note_create("n1", "the phone body"));
  EXPECT_EQ(a.type, MutationType::kCreate);
  EXPECT_THAT(fields_of(conflict_of(a)), ElementsAre("body"));
}

// ---- a batch ----

TEST_F(NoteConflictTest, BatchWithOneConflictCommitsTheOthers) {
  one(kTablet, base_, note_update("n1", body_is("the tablet body")));
  const std::int64_t h = head();
  // The wall clock is behind the head, so each applied mutation takes exactly head + 1.
  auto r = push(kPhone, base_,
                join({item("CREATE", "COLLECTION", "c9", R"("name":"trip")"),
                      note_update("n1", body_is("the phone body")), note_create("n2")}),
                ConflictMode::kField, kBaseline);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->acks.size(), 3u);
  EXPECT_EQ(r->acks[0].outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_EQ(r->acks[0].ts, h + 1);
  EXPECT_EQ(conflict_of(r->acks[1]).reason, "changed");
  EXPECT_EQ(r->acks[2].outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_EQ(r->acks[2].ts, h + 2);
  EXPECT_EQ(r->head, h + 2);
  EXPECT_EQ(head(), h + 2);

  const auto es = entries_after(h);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].id, "c9");
  EXPECT_EQ(es[1].id, "n2");
  EXPECT_EQ(note("n1")->body, "the tablet body");
  EXPECT_TRUE(note("n2").has_value());
}

TEST_F(NoteConflictTest, BatchOfOnlyConflictsKeepsTheHead) {
  one(kTablet, base_, note_update("n1", body_is("the tablet body")));
  const std::int64_t h = head();
  const auto r = push_ok(kPhone, base_, note_update("n1", body_is("the phone body")));
  EXPECT_EQ(r.head, h);
  EXPECT_EQ(head(), h);
}

TEST_F(NoteConflictTest, EarlierMutationsOfTheBatchCountForLaterOnes) {
  // The tablet's own batch: its second edit sees its first, never a clash.
  const auto r = push_ok(kTablet, base_,
                         join({note_update("n1", body_is("the tablet body")),
                               note_update("n1", body_is("the tablet body, again"))}));
  ASSERT_EQ(r.acks.size(), 2u);
  EXPECT_EQ(r.acks[1].outcome, std::optional<Outcome>(Outcome::kApplied));
  // Phone's batch: its delete of the note clashes with the tablet's edit, and its later
  // update of the note clashes too (the note is still there, edited by the tablet).
  const auto p = push_ok(kPhone, base_, join({delete_of("NOTE", "n1"), note_update("n1", body_is("the phone body"))}));
  ASSERT_EQ(p.acks.size(), 2u);
  EXPECT_EQ(conflict_of(p.acks[0]).reason, "changed");
  EXPECT_EQ(conflict_of(p.acks[1]).reason, "changed");
}

// ---- errors that still fail the whole batch ----

TEST_F(NoteConflictTest, UpdateOfANeverExistingResourceIsNotFoundAndNothingApplies) {
  const std::int64_t h = head();
  auto r = push(kPhone, base_, join({item("CREATE", "COLLECTION", "c9", R"("name":"lost")"),
                                     note_update("ghost", body_is("the phone body"))}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message, "NOTE ghost not found at mutation[1]");
  EXPECT_EQ(head(), h);
  EXPECT_FALSE(record(kCollectionKind, "c9").has_value());
}

TEST_F(NoteConflictTest, BaseTimestampAfterTheHeadIsAValidationError) {
  const std::int64_t h = head();
  auto r = push(kPhone, h, join({note_create("n2"), note_update("n1", body_is("the phone body"), h + 1)}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidation);
  EXPECT_THAT(r.error().message, StartsWith("Invalid baseTimestamp at mutation[1]"));
  EXPECT_EQ(head(), h);
  EXPECT_FALSE(note("n2").has_value());
  // At the head it is fine.
  EXPECT_TRUE(push(kPhone, h, note_update("n1", body_is("the phone body"), h)).ok());
}

TEST_F(NoteConflictTest, LastMutationAtBeyondTheHeadIsOutOfSync) {
  const std::int64_t h = head();
  auto r = push(kPhone, h + 1, note_update("n1", body_is("the phone body")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kOutOfSync);
  EXPECT_EQ(r.error().message, kOutOfSyncMessage);
  EXPECT_EQ(head(), h);
  // Any stale value up to the head is accepted, -1 included (base 0).
  EXPECT_TRUE(push(kPhone, -1, note_update("n1", body_is("the phone body"))).ok());
  EXPECT_TRUE(push(kPhone, kBaseline - 5, note_update("n1", body_is("another body"))).ok());
}

// ---- the other resource types ----

TEST_F(FieldConflictTest, ReadingSessionPositionIsReportedAsChapterAndVerse) {
  push_ok(kPhone, -1, item("CREATE", "READING_SESSION", "rs-1", R"("chapterNumber":2,"verseNumber":5)"));
  const std::int64_t base = head();
  one(kTablet, base, item("UPDATE", "READING_SESSION", "rs-1", R"("chapterNumber":2,"verseNumber":6)"));
  const Ack a = one(kPhone, base, item("UPDATE", "READING_SESSION", "rs-1", R"("chapterNumber":3,"verseNumber":1)"));
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "changed");
  EXPECT_THAT(fields_of(c), ElementsAre("chapterNumber", "verseNumber"));
  EXPECT_EQ(json::parse(c.record).at("verseNumber").as_int64(), 6);
  ASSERT_TRUE(record(kSessionKind, "rs-1").has_value());
  EXPECT_EQ(reading_session_from(*record(kSessionKind, "rs-1"))->verse, 6);
}

TEST_F(FieldConflictTest, CollectionRenameClash) {
  push_ok(kPhone, -1, item("CREATE", "COLLECTION", "c1", R"("name":"trip")"));
  const std::int64_t base = head();
  const Ack theirs = one(kTablet, base, item("UPDATE", "COLLECTION", "c1", R"("name":"journey")"));
  const Ack a = one(kPhone, base, item("UPDATE", "COLLECTION", "c1", R"("name":"voyage")"));
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "changed");
  EXPECT_THAT(fields_of(c), ElementsAre("name"));
  EXPECT_EQ(c.version, theirs.ts);
  EXPECT_EQ(json::parse(c.record).at("name").as_string(), "journey");
  EXPECT_EQ(collection_from(*record(kCollectionKind, "c1"))->name, "journey");
}

// Phone made collection c1 and bookmark bm-1 (in Favorites, so no cascade removes it).
class CollectionConflictTest : public FieldConflictTest {
 protected:
  void SetUp() override {
    FieldConflictTest::SetUp();
    push_ok(kPhone, -1,
            join({item("CREATE", "COLLECTION", "c1", R"("name":"trip")"),
                  item("CREATE", "BOOKMARK", "bm-1", R"("type":"ayah","key":2,"verseNumber":255)"),
                  membership("CREATE", "__default__", "bm-1")}));
    base_ = head();
  }
  std::int64_t base_ = 0;
};

TEST_F(CollectionConflictTest, CollectionDeleteWithAMembershipAddedSinceIsAConflict) {
  one(kTablet, base_, membership("CREATE", "c1", "bm-1"));
  const std::int64_t h = head();
  const Ack a = one(kPhone, base_, delete_of("COLLECTION", "c1"));
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "changed");
  EXPECT_THAT(fields_of(c), ElementsAre("bookmarks"));
  EXPECT_EQ(json::parse(c.record).at("name").as_string(), "trip");
  EXPECT_EQ(head(), h);
  EXPECT_TRUE(record(kCollectionKind, "c1").has_value());
  EXPECT_TRUE(record(kMembershipKind, "c1/bm-1").has_value());
}

TEST_F(CollectionConflictTest, CollectionDeleteAfterARenameAndAnAddReportsBoth) {
  const std::int64_t before = head();
  push_ok(kTablet, base_, join({item("UPDATE", "COLLECTION", "c1", R"("name":"journey")"),
                                membership("CREATE", "c1", "bm-1")}));
  ASSERT_GT(head(), before);
  const Ack a = one(kPhone, base_, delete_of("COLLECTION", "c1"));
  EXPECT_THAT(fields_of(conflict_of(a)), ElementsAre("name", "bookmarks"));
}

TEST_F(CollectionConflictTest, CollectionDeleteAfterItsOwnDevicesAddIsApplied) {
  one(kPhone, base_, membership("CREATE", "c1", "bm-1"));
  const Ack a = one(kPhone, base_, delete_of("COLLECTION", "c1"));
  EXPECT_EQ(a.outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_FALSE(record(kCollectionKind, "c1").has_value());
  EXPECT_FALSE(record(kMembershipKind, "c1/bm-1").has_value());
}

TEST_F(CollectionConflictTest, MembershipCreateIntoACollectionDeletedSinceIsAConflict) {
  const Ack del = one(kTablet, base_, delete_of("COLLECTION", "c1"));
  const std::int64_t h = head();
  const Ack a = one(kPhone, base_, membership("CREATE", "c1", "bm-1"));
  EXPECT_EQ(a.resource, Resource::kCollectionBookmark);
  EXPECT_EQ(a.resource_id, "c1-bm-1");
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "deleted");
  EXPECT_EQ(c.version, del.ts);
  EXPECT_EQ(c.record, "null");
  EXPECT_EQ(head(), h);
  EXPECT_FALSE(record(kMembershipKind, "c1/bm-1").has_value());
}

TEST_F(CollectionConflictTest, MembershipCreateOfABookmarkDeletedSinceIsAConflict) {
  const Ack del = one(kTablet, base_, delete_of("BOOKMARK", "bm-1"));
  const Ack a = one(kPhone, base_, membership("CREATE", "c1", "bm-1"));
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "deleted");
  EXPECT_EQ(c.version, del.ts);
}

TEST_F(CollectionConflictTest, MembershipDeleteAfterAnotherDevicesAddIsAConflict) {
  const Ack add = one(kTablet, base_, membership("CREATE", "c1", "bm-1"));
  const Ack a = one(kPhone, base_, membership("DELETE", "c1", "bm-1"));
  EXPECT_EQ(a.resource_id, "c1-bm-1");
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "changed");
  EXPECT_EQ(c.version, add.ts);
  EXPECT_TRUE(record(kMembershipKind, "c1/bm-1").has_value());
}

TEST_F(CollectionConflictTest, RemovalFromFavoritesAfterAnotherDevicesAddIsAConflict) {
  // A bookmark outside Favorites that the tablet adds to it after the phone's base.
  push_ok(kPhone, -1, item("CREATE", "BOOKMARK", "bm-2", R"("type":"ayah","key":3,"verseNumber":1)"));
  const std::int64_t base = head();
  const Ack add = one(kTablet, base, membership("CREATE", "__default__", "bm-2"));
  const Ack a = one(kPhone, base, membership("DELETE", "__default__", "bm-2"));
  EXPECT_EQ(a.resource_id, "__default__-bm-2");
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "changed");
  EXPECT_THAT(fields_of(c), ElementsAre("isInDefaultCollection"));
  EXPECT_EQ(c.version, add.ts);
  EXPECT_TRUE(json::parse(c.record).at("isInDefaultCollection").as_bool());
  EXPECT_TRUE(bookmark("bm-2")->in_default);
}

TEST_F(CollectionConflictTest, RemovalFromFavoritesByDetailsThatClashesNamesTheBookmark) {
  push_ok(kPhone, -1, item("CREATE", "BOOKMARK", "bm-2", R"("type":"ayah","key":3,"verseNumber":1)"));
  const std::int64_t base = head();
  const std::string by_details = R"("collectionId":"__default__","type":"ayah","key":3,"verseNumber":1)";
  one(kTablet, base, item("CREATE", "COLLECTION_BOOKMARK", {}, by_details));
  const Ack a = one(kPhone, base, item("DELETE", "COLLECTION_BOOKMARK", {}, by_details));
  EXPECT_THAT(fields_of(conflict_of(a)), ElementsAre("isInDefaultCollection"));
  // The id an applied removal of the same target answers with.
  const Ack applied = one(kTablet, base, item("DELETE", "COLLECTION_BOOKMARK", {}, by_details));
  ASSERT_EQ(applied.outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_EQ(applied.resource_id, "__default__-bm-2");
  EXPECT_EQ(a.resource_id, applied.resource_id);
}

TEST_F(CollectionConflictTest, RemovalFromFavoritesThatNobodyTouchedIsApplied) {
  const Ack a = one(kTablet, base_, membership("DELETE", "__default__", "bm-1"));
  EXPECT_EQ(a.outcome, std::optional<Outcome>(Outcome::kApplied));
  EXPECT_FALSE(bookmark("bm-1")->in_default);
}

TEST_F(FieldConflictTest, BookmarkIsReadingClash) {
  push_ok(kPhone, -1, item("CREATE", "BOOKMARK", "bm-1", R"("type":"ayah","key":2,"verseNumber":255)"));
  const std::int64_t base = head();
  const Ack theirs = one(kTablet, base, item("UPDATE", "BOOKMARK", "bm-1", R"("isReading":true)"));
  const Ack a = one(kPhone, base, item("UPDATE", "BOOKMARK", "bm-1", R"("isReading":false)"));
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "changed");
  EXPECT_THAT(fields_of(c), ElementsAre("isReading"));
  EXPECT_EQ(c.version, theirs.ts);
  EXPECT_TRUE(json::parse(c.record).at("isReading").as_bool());
  EXPECT_TRUE(bookmark("bm-1")->is_reading);
}

TEST_F(FieldConflictTest, BookmarkCreateByDetailsThatClashesNamesTheBookmark) {
  // No resourceId: the CREATE updates the bookmark its details match, so a clash is about it.
  const std::string id =
      one(kPhone, -1, item("CREATE", "BOOKMARK", {}, R"("type":"ayah","key":2,"verseNumber":255)")).resource_id;
  const std::int64_t base = head();
  one(kTablet, base, item("UPDATE", "BOOKMARK", id, R"("isReading":true)"));
  const auto r = push_ok(kPhone, base, item("CREATE", "BOOKMARK", {}, R"("type":"ayah","key":2,"verseNumber":255,"isReading":false)"));
  ASSERT_EQ(r.acks.size(), 1u);
  EXPECT_THAT(fields_of(conflict_of(r.acks[0])), ElementsAre("isReading"));
  EXPECT_EQ(r.acks[0].resource_id, id);
  EXPECT_EQ(json::parse(push_response_body(r)).at("data").at("mutations").at(0).at("resourceId").as_string(), id);
}

// ---- who is asking ----

TEST_F(NoteConflictTest, EmptyClientIdMakesEveryLaterStampUnseen) {
  // Without a client id no write is the asker's own: a second edit from the same stale base
  // clashes with the first.
  const Ack first = one("", base_, note_update("n1", body_is("the first edit")));
  EXPECT_EQ(first.outcome, std::optional<Outcome>(Outcome::kApplied));
  const Ack second = one("", base_, note_update("n1", body_is("the second edit")));
  const Conflict c = conflict_of(second);
  EXPECT_THAT(fields_of(c), ElementsAre("body"));
  EXPECT_EQ(note("n1")->body, "the first edit");
}

TEST_F(NoteConflictTest, JudgeExemptsOnlyTheAskersOwnStamps) {
  const Ack theirs = one(kTablet, base_, note_update("n1", body_is("the tablet body")));
  const std::string mine = note_update("n1", body_is("the other body"));
  const std::int64_t now = head();  // the head a new request's transaction would begin at
  EXPECT_EQ(judge(mine, Vantage{base_, 0, kTablet, now}).outcome, Outcome::kApplied);
  EXPECT_EQ(judge(mine, Vantage{base_, 0, kPhone, now}).outcome, Outcome::kConflict);
  EXPECT_EQ(judge(mine, Vantage{base_, 0, "", now}).outcome, Outcome::kConflict);
  // A base at or after the change has seen it.
  EXPECT_EQ(judge(mine, Vantage{theirs.ts, 0, kPhone, now}).outcome, Outcome::kApplied);
  EXPECT_EQ(judge(mine, Vantage{theirs.ts, 0, "", now}).outcome, Outcome::kApplied);
  // Changes after the request began are its own (an earlier mutation of the same batch).
  EXPECT_EQ(judge(mine, Vantage{base_, 0, "", theirs.ts - 1}).outcome, Outcome::kApplied);
  // Another field is a merge.
  EXPECT_EQ(judge(note_update("n1", R"("ranges":["2:1-2:5"])"), Vantage{base_, 0, kPhone, now}).outcome,
            Outcome::kMerged);
}

TEST_F(FieldConflictTest, JudgeTreatsAMissingResourceBeforeTheHorizonAsDeleted) {
  push_ok(kPhone, -1, note_create("n1"));
  const std::int64_t h = head();
  const std::string upd = note_update("ghost", body_is("the phone body"));
  const Judgement j = judge(upd, Vantage{h - 10, h - 5, kPhone, h});
  ASSERT_TRUE(j.conflict.has_value());
  EXPECT_EQ(j.outcome, Outcome::kConflict);
  EXPECT_EQ(j.conflict->reason, "deleted");
  EXPECT_EQ(j.conflict->version, h - 5);
  EXPECT_EQ(j.conflict->record, "null");
  // From at or after the horizon, a missing resource is left to apply (a 404).
  EXPECT_EQ(judge(upd, Vantage{h - 5, h - 5, kPhone, h}).outcome, Outcome::kApplied);
  EXPECT_FALSE(judge(upd, Vantage{h - 5, h - 5, kPhone, h}).conflict.has_value());
}

// ---- retention ----

class RetentionConflictTest : public FieldConflictTest {
 protected:
  RetentionConflictTest() { retention_ms_ = 1000; }
};

TEST_F(RetentionConflictTest, BaseOlderThanTheHorizonWithThePurgedTombstoneIsDeleted) {
  push_ok(kPhone, -1, note_create("n1"));
  const std::int64_t base = head();
  const Ack del = one(kTablet, base, delete_of("NOTE", "n1"));
  clock_.set(del.ts + 60'000);
  auto purged = store_->test_purge_now();
  ASSERT_TRUE(purged.ok()) << purged.error().message;
  ASSERT_GE(*purged, 1);
  ASSERT_EQ(user_head().horizon, del.ts);
  for (const auto& e : entries_after(0)) EXPECT_NE(e.op, storage::kTombstoneOp);  // it is gone

  const std::int64_t h = head();
  const Ack a = one(kPhone, base, note_update("n1", body_is("the phone body")));
  const Conflict c = conflict_of(a);
  EXPECT_EQ(c.reason, "deleted");
  EXPECT_EQ(c.version, del.ts);
  EXPECT_EQ(c.record, "null");
  EXPECT_EQ(head(), h);
}

// ---- strict mode ----

TEST_F(NoteConflictTest, StrictModeIgnoresBaseTimestampAndRefusesAStaleCursor) {
  one(kTablet, base_, note_update("n1", body_is("the tablet body")));
  const std::int64_t h = head();
  auto stale = push(kPhone, base_, note_update("n1", body_is("the phone body"), h), ConflictMode::kStrict);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kOutOfSync);
  EXPECT_EQ(stale.error().message, kOutOfSyncMessage);
  EXPECT_EQ(head(), h);

  // At the head it applies regardless of a base that would clash in field mode.
  auto r = push(kPhone, h, note_update("n1", body_is("the phone body"), base_), ConflictMode::kStrict);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->acks.size(), 1u);
  EXPECT_FALSE(r->acks[0].outcome.has_value());
  EXPECT_FALSE(r->acks[0].conflict.has_value());
  EXPECT_EQ(note("n1")->body, "the phone body");
  const auto m = json::parse(push_response_body(*r)).at("data").at("mutations").at(0).as_object();
  EXPECT_FALSE(m.contains("outcome"));
  EXPECT_FALSE(m.contains("conflict"));
  EXPECT_TRUE(m.contains("timestamp"));
}

// ---- the parser in each mode ----

Result<std::vector<Mutation>> parse_one(std::string_view mutation, ConflictMode mode) {
  return parse_push_body(json::parse(R"({"mutations":[)" + std::string(mutation) + "]}"), mode);
}

TEST(FieldModeParserTest, FieldModeAcceptsANoteUpdateWithoutBody) {
  auto r = parse_one(note_update("n1", R"("ranges":["2:1-2:5"])"), ConflictMode::kField);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& u = std::get<NoteUpdate>(r->at(0).data);
  EXPECT_FALSE(u.body.has_value());
  ASSERT_TRUE(u.ranges.has_value());
  EXPECT_THAT(*u.ranges, ElementsAre("2:1-2:5"));
  // A body, when sent, is still validated.
  auto short_body = parse_one(note_update("n1", body_is("tiny")), ConflictMode::kField);
  ASSERT_FALSE(short_body.ok());
  EXPECT_EQ(short_body.error().code, ErrorCode::kValidation);
}

TEST(FieldModeParserTest, StrictModeStillRequiresTheBody) {
  auto r = parse_one(note_update("n1", R"("ranges":["2:1-2:5"])"), ConflictMode::kStrict);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kValidation);
  EXPECT_EQ(r.error().message, "Missing data.body at mutation[0]");
}

TEST(FieldModeParserTest, FieldModeReadsBaseTimestamp) {
  for (const std::int64_t base : {std::int64_t{0}, kBaseline}) {
    auto r = parse_one(note_update("n1", body_is("the phone body"), base), ConflictMode::kField);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->at(0).base_ts, std::optional<std::int64_t>(base));
  }
  auto absent = parse_one(note_update("n1", body_is("the phone body")), ConflictMode::kField);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->at(0).base_ts.has_value());
  auto null = parse_one(R"({"type":"DELETE","resource":"NOTE","resourceId":"n1","baseTimestamp":null})",
                        ConflictMode::kField);
  ASSERT_TRUE(null.ok()) << null.error().message;
  EXPECT_FALSE(null->at(0).base_ts.has_value());
}

TEST(FieldModeParserTest, FieldModeRejectsANegativeOrNonIntegerBaseTimestamp) {
  for (const std::string bad : {"-1", "1.5", "1e3", "\"1700000000000\"", "true", "[]", "{}",
                                "18446744073709551615"}) {
    SCOPED_TRACE(bad);
    const std::string items = join({note_create("n2"), R"({"type":"DELETE","resource":"NOTE","resourceId":"n1","baseTimestamp":)" + bad + "}"});
    auto r = parse_push_body(json::parse(R"({"mutations":[)" + items + "]}"), ConflictMode::kField);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kValidation);
    EXPECT_THAT(r.error().message, StartsWith("Invalid baseTimestamp at mutation[1]"));
  }
}

TEST(FieldModeParserTest, StrictModeIgnoresBaseTimestamp) {
  for (const std::string any : {"-1", "1.5", "\"x\"", "1700000000000"}) {
    SCOPED_TRACE(any);
    auto r = parse_one(R"({"type":"DELETE","resource":"NOTE","resourceId":"n1","baseTimestamp":)" + any + "}",
                       ConflictMode::kStrict);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE(r->at(0).base_ts.has_value());
  }
}

// ---- the answer ----

TEST_F(NoteConflictTest, ResponseBodyHasAnOutcomePerAckAndAConflictInsteadOfATimestamp) {
  push_ok(kTablet, base_, join({note_update("n1", body_is("the tablet body")), note_create("n2")}));
  const Ack theirs_n2 = one(kTablet, head(), note_update("n2", R"("ranges":["2:1-2:5"])"));
  const auto r = push_ok(kPhone, base_,
                         join({note_update("n1", body_is("the phone body")), item("CREATE", "COLLECTION", "c9", R"("name":"trip")"),
                               note_update("n2", body_is("the phone body"), theirs_n2.ts - 1)}));
  ASSERT_EQ(r.acks.size(), 3u);
  const auto body = json::parse(push_response_body(r)).as_object();
  EXPECT_TRUE(body.at("success").as_bool());
  EXPECT_EQ(body.at("data").at("lastMutationAt").as_int64(), r.head);
  const auto& ms = body.at("data").at("mutations").as_array();
  ASSERT_EQ(ms.size(), 3u);

  const auto& clash = ms[0].as_object();
  EXPECT_EQ(clash.at("type").as_string(), "UPDATE");
  EXPECT_EQ(clash.at("resource").as_string(), "NOTE");
  EXPECT_EQ(clash.at("resourceId").as_string(), "n1");
  EXPECT_EQ(clash.at("data"), json::parse(R"({"body":"the phone body"})"));
  EXPECT_EQ(clash.at("outcome").as_string(), "conflict");
  EXPECT_FALSE(clash.contains("timestamp"));
  const auto& c = clash.at("conflict").as_object();
  EXPECT_EQ(c.at("reason").as_string(), "changed");
  EXPECT_EQ(c.at("fields"), json::parse(R"(["body"])"));
  EXPECT_EQ(c.at("version").as_int64(), note("n1")->version);
  EXPECT_EQ(c.at("record"), shown_in_conflict(*note("n1")));

  const auto& applied = ms[1].as_object();
  EXPECT_EQ(applied.at("outcome").as_string(), "applied");
  EXPECT_EQ(applied.at("timestamp").as_int64(), r.acks[1].ts);
  EXPECT_FALSE(applied.contains("conflict"));

  const auto& merged = ms[2].as_object();
  EXPECT_EQ(merged.at("outcome").as_string(), "merged");
  EXPECT_EQ(merged.at("timestamp").as_int64(), r.acks[2].ts);
  EXPECT_FALSE(merged.contains("conflict"));
}

TEST_F(NoteConflictTest, DeletedConflictInTheBodyHasANullRecord) {
  one(kTablet, base_, delete_of("NOTE", "n1"));
  const auto r = push_ok(kPhone, base_, note_update("n1", body_is("the phone body")));
  const auto m = json::parse(push_response_body(r)).at("data").at("mutations").at(0).as_object();
  EXPECT_EQ(m.at("outcome").as_string(), "conflict");
  EXPECT_FALSE(m.contains("timestamp"));
  EXPECT_EQ(m.at("conflict"), json::parse(R"({"reason":"deleted","fields":[],"version":)" +
                                          std::to_string(r.acks.empty() ? 0 : r.acks[0].conflict->version) +
                                          R"(,"record":null})"));
}

TEST(ConflictJsonTest, ConflictObjectShape) {
  Conflict c;
  c.reason = "changed";
  c.fields = {"chapterNumber", "verseNumber"};
  c.version = 42;
  c.record = R"({"chapterNumber":1,"verseNumber":2})";
  EXPECT_EQ(json::parse(conflict_json(c)),
            json::parse(R"({"reason":"changed","fields":["chapterNumber","verseNumber"],"version":42,
                            "record":{"chapterNumber":1,"verseNumber":2}})"));
  EXPECT_EQ(outcome_name(Outcome::kApplied), "applied");
  EXPECT_EQ(outcome_name(Outcome::kMerged), "merged");
  EXPECT_EQ(outcome_name(Outcome::kConflict), "conflict");
}

}  // namespace
}  // namespace synclog::domain
