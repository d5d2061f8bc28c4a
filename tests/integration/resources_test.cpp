// Every synced resource against the real binary: CREATE/UPDATE/DELETE round trips with the exact
// pull data (src/domain/wire.hpp), validation against the Quran's structure, all-or-nothing
// batches, unknown fields, client times, the single reading bookmark and upserts (SPEC section 2,
// contract sections 1 and 2, ambiguities A7-A13, A18-A22).
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;

using namespace pulls;


std::string repeat(const std::string& unit, std::size_t n) {
  std::string out;
  out.reserve(unit.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

const std::set<std::string> kBookmarkAyahKeys = {
    "type", "bookmarkType", "bookmarkGroup", "key", "verseNumber", "isInDefaultCollection",
    "isReading", "clientCreatedAt", "clientUpdatedAt"};

std::set<std::string> with(std::set<std::string> s, std::initializer_list<const char*> more) {
  for (const char* m : more) s.emplace(m);
  return s;
}
std::set<std::string> without(std::set<std::string> s, std::initializer_list<const char*> less) {
  for (const char* m : less) s.erase(m);
  return s;
}

class ResourcesTest : public ::testing::Test {
 protected:
  ServerProcess server_;
  SyncApi api_{server_, "alice", "phone-1"};
};

// ---- round trips ----

TEST_F(ResourcesTest, BookmarkCreateUpdateDeleteRoundTrip) {
  const auto start = api_.head();
  auto created = api_.push_ok(R"([{"resource":"BOOKMARK","type":"CREATE","data":{
      "type":"ayah","key":2,"verseNumber":255,"mushafId":4,
      "clientCreatedAt":"2026-03-29T02:30:00+02:00","clientUpdatedAt":1774744200123}}])");
  const std::string id = ack_id(created, 0);
  const auto created_ts = ack_ts(created, 0);

  auto c = only_entry(pulled(api_, start), "BOOKMARK", id);
  EXPECT_EQ(c.at("type").as_string(), "CREATE");
  EXPECT_EQ(num(c.at("timestamp")), created_ts);
  const auto& d = c.at("data");
  EXPECT_EQ(keys_of(d), with(kBookmarkAyahKeys, {"mushaf"}));
  EXPECT_EQ(d.at("type").as_string(), "ayah");
  EXPECT_EQ(d.at("bookmarkType").as_string(), "ayah");
  EXPECT_EQ(d.at("bookmarkGroup").as_string(), "verses_6236");
  EXPECT_EQ(num(d.at("key")), 2);
  EXPECT_EQ(num(d.at("verseNumber")), 255);
  EXPECT_EQ(num(d.at("mushaf")), 4);
  EXPECT_EQ(d.at("isInDefaultCollection"), json::value(false));
  EXPECT_EQ(d.at("isReading"), json::value(false));
  EXPECT_EQ(d.at("clientCreatedAt").as_string(), "2026-03-29T00:30:00.000Z");
  EXPECT_EQ(d.at("clientUpdatedAt").as_string(), "2026-03-29T00:30:00.123Z");

  auto updated = api_.push_ok(R"([{"resource":"BOOKMARK","type":"UPDATE","resourceId":")" + id +
                              R"(","data":{"isReading":true,"clientUpdatedAt":"2026-04-01T10:00:00Z"}}])");
  EXPECT_EQ(ack_id(updated, 0), id);
  auto u = only_entry(pulled(api_, created_ts), "BOOKMARK", id);
  EXPECT_EQ(u.at("type").as_string(), "UPDATE");
  EXPECT_EQ(num(u.at("timestamp")), ack_ts(updated, 0));
  EXPECT_EQ(u.at("data").at("isReading"), json::value(true));
  EXPECT_EQ(num(u.at("data").at("verseNumber")), 255);
  EXPECT_EQ(num(u.at("data").at("mushaf")), 4);
  EXPECT_EQ(u.at("data").at("clientCreatedAt").as_string(), "2026-03-29T00:30:00.000Z");
  EXPECT_EQ(u.at("data").at("clientUpdatedAt").as_string(), "2026-04-01T10:00:00.000Z");

  auto deleted = api_.push_ok(R"([{"resource":"BOOKMARK","type":"DELETE","resourceId":")" + id + R"("}])");
  EXPECT_EQ(ack_id(deleted, 0), id);
  for (std::int64_t since : {start, ack_ts(updated, 0)}) {
    auto t = only_entry(pulled(api_, since), "BOOKMARK", id);
    EXPECT_EQ(t.at("type").as_string(), "DELETE");
    EXPECT_TRUE(t.at("data").as_object().empty()) << json::serialize(t);
    EXPECT_EQ(num(t.at("timestamp")), ack_ts(deleted, 0));
  }
}

TEST_F(ResourcesTest, BookmarkKindsHaveTheirGroupsAndOnlyTheirKeys) {
  struct Case {
    const char* data;
    const char* kind;
    const char* group;
    int key;
    std::optional<int> mushaf;
  };
  const Case cases[] = {
      {R"({"type":"surah","key":114})", "surah", "surahs_114", 114, std::nullopt},
      {R"({"type":"juz","key":30})", "juz", "juzs_30", 30, std::nullopt},
      {R"({"type":"page","key":604})", "page", "pages_604", 604, std::nullopt},
      {R"({"type":"page","key":610,"mushafId":6})", "page", "pages_610", 610, 6},
      {R"({"type":"page","key":548,"mushaf":7})", "page", "pages_548", 548, 7},
      {R"({"type":"page","key":12,"mushafId":1})", "page", "pages_604", 12, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.data);
    const auto before = api_.head();
    auto data = api_.push_ok(std::string(R"([{"resource":"BOOKMARK","type":"CREATE","data":)") +
                             c.data + "}]");
    const std::string id = ack_id(data, 0);
    auto e = only_entry(pulled(api_, before), "BOOKMARK", id);
    const auto& d = e.at("data");
    auto expected_keys = without(kBookmarkAyahKeys, {"verseNumber"});
    if (c.mushaf) expected_keys.emplace("mushaf");
    EXPECT_EQ(keys_of(d), expected_keys);
    EXPECT_EQ(d.at("type").as_string(), c.kind);
    EXPECT_EQ(d.at("bookmarkType").as_string(), c.kind);
    EXPECT_EQ(d.at("bookmarkGroup").as_string(), c.group);
    EXPECT_EQ(num(d.at("key")), c.key);
    if (c.mushaf) {
      EXPECT_EQ(num(d.at("mushaf")), *c.mushaf);
    }
  }
}

TEST_F(ResourcesTest, AyahBookmarkWithoutMushafOmitsIt) {
  auto data = api_.push_ok(R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":114,"verseNumber":6}}])");
  auto e = only_entry(pulled(api_, 0), "BOOKMARK", ack_id(data, 0));
  EXPECT_EQ(keys_of(e.at("data")), kBookmarkAyahKeys);
  EXPECT_EQ(e.at("data").at("type").as_string(), "ayah");  // the default type (A19)
}

TEST_F(ResourcesTest, CollectionCreateUpdateDeleteRoundTrip) {
  const auto start = api_.head();
  auto created = api_.push_ok(R"([{"resource":"COLLECTION","type":"CREATE","data":{
      "name":"My Favourite Verses","isDefault":false,"isSystem":false,
      "clientCreatedAt":1774744200000,"clientUpdatedAt":"2026-03-29T02:30:00+02:00"}}])");
  const std::string id = ack_id(created, 0);
  auto c = only_entry(pulled(api_, start), "COLLECTION", id);
  EXPECT_EQ(c.at("type").as_string(), "CREATE");
  const auto& d = c.at("data");
  EXPECT_EQ(keys_of(d), (std::set<std::string>{"name", "slug", "isPrivate", "clientCreatedAt",
                                                "clientUpdatedAt"}));
  EXPECT_EQ(d.at("name").as_string(), "My Favourite Verses");
  EXPECT_EQ(d.at("slug").as_string(), "my-favourite-verses");
  EXPECT_EQ(d.at("isPrivate"), json::value(true));
  EXPECT_EQ(d.at("clientCreatedAt").as_string(), "2026-03-29T00:30:00.000Z");
  EXPECT_EQ(d.at("clientUpdatedAt").as_string(), "2026-03-29T00:30:00.000Z");

  auto updated = api_.push_ok(R"([{"resource":"COLLECTION","type":"UPDATE","resourceId":")" + id +
                              R"(","data":{"name":"Night Reading"}}])");
  auto u = only_entry(pulled(api_, ack_ts(created, 0)), "COLLECTION", id);
  EXPECT_EQ(u.at("type").as_string(), "UPDATE");
  EXPECT_EQ(u.at("data").at("name").as_string(), "Night Reading");
  EXPECT_EQ(u.at("data").at("slug").as_string(), "night-reading");
  EXPECT_EQ(u.at("data").at("clientCreatedAt").as_string(), "2026-03-29T00:30:00.000Z");

  api_.push_ok(R"([{"resource":"COLLECTION","type":"DELETE","resourceId":")" + id + R"("}])");
  auto t = only_entry(pulled(api_, ack_ts(updated, 0)), "COLLECTION", id);
  EXPECT_EQ(t.at("type").as_string(), "DELETE");
  EXPECT_TRUE(t.at("data").as_object().empty());
}

TEST_F(ResourcesTest, CollectionBookmarkCreateDeleteRoundTrip) {
  auto setup = api_.push_ok(R"([
      {"resource":"COLLECTION","type":"CREATE","data":{"name":"Duas"}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"verseNumber":201}}])");
  const std::string cid = ack_id(setup, 0);
  const std::string bid = ack_id(setup, 1);
  const auto after_setup = setup.at("lastMutationAt").to_number<std::int64_t>();

  auto added = api_.push_ok(R"([{"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{
      "collectionId":")" + cid + R"(","bookmarkId":")" + bid +
                            R"(","clientCreatedAt":"2026-01-01T00:00:00-05:00"}}])");
  EXPECT_EQ(ack_id(added, 0), cid + "-" + bid);
  const auto ms = pulled(api_, after_setup);
  ASSERT_EQ(ms.size(), 1u) << json::serialize(ms);
  const auto& e = ms[0].as_object();
  EXPECT_EQ(e.at("resource").as_string(), "COLLECTION_BOOKMARK");
  EXPECT_EQ(e.at("type").as_string(), "CREATE");
  EXPECT_FALSE(e.contains("resourceId"));
  EXPECT_EQ(keys_of(e.at("data")),
            (std::set<std::string>{"collectionId", "bookmarkId", "clientCreatedAt", "clientUpdatedAt"}));
  EXPECT_EQ(e.at("data").at("collectionId").as_string(), cid);
  EXPECT_EQ(e.at("data").at("bookmarkId").as_string(), bid);
  EXPECT_EQ(e.at("data").at("clientCreatedAt").as_string(), "2026-01-01T05:00:00.000Z");

  auto removed = api_.push_ok(R"([{"resource":"COLLECTION_BOOKMARK","type":"DELETE","data":{
      "collectionId":")" + cid + R"(","bookmarkId":")" + bid + R"("}}])");
  EXPECT_EQ(ack_id(removed, 0), cid + "-" + bid);
  const auto after = pulled(api_, ack_ts(added, 0));
  ASSERT_EQ(after.size(), 1u) << json::serialize(after);
  EXPECT_EQ(after[0].at("type").as_string(), "DELETE");
  EXPECT_FALSE(after[0].as_object().contains("resourceId"));
  EXPECT_EQ(after[0].at("data"), json::parse(R"({"collectionId":")" + cid + R"(","bookmarkId":")" +
                                             bid + R"("})"));
}

TEST_F(ResourcesTest, NoteCreateUpdateDeleteRoundTrip) {
  const auto start = api_.head();
  auto created = api_.push_ok(R"([{"resource":"NOTE","type":"CREATE","data":{
      "body":"Reflect on patience","ranges":["2:153-2:157","3:200-3:200"],"saveToQR":false,
      "attachedEntity":{"entityId":"refl-1","entityType":"reflection","entityMetadata":{"lang":"en"}}}}])");
  const std::string id = ack_id(created, 0);
  auto c = only_entry(pulled(api_, start), "NOTE", id);
  EXPECT_EQ(c.at("type").as_string(), "CREATE");
  const auto& d = c.at("data");
  EXPECT_EQ(keys_of(d), (std::set<std::string>{"body", "ranges", "source", "attachedEntities",
                                                "clientCreatedAt", "clientUpdatedAt"}));
  EXPECT_EQ(d.at("body").as_string(), "Reflect on patience");
  EXPECT_EQ(d.at("ranges"), json::parse(R"(["2:153-2:157","3:200-3:200"])"));
  EXPECT_EQ(d.at("source").as_string(), "phone-1");  // the creating request's x-client-id
  EXPECT_EQ(d.at("attachedEntities"),
            json::parse(R"([{"entityId":"refl-1","entityType":"reflection","entityMetadata":{"lang":"en"}}])"));

  // Another device edits it: the source stays the creator.
  SyncApi tablet(server_, "alice", "tablet-2");
  auto updated = tablet.push_ok(R"([{"resource":"NOTE","type":"UPDATE","resourceId":")" + id +
                                R"(","data":{"body":"Reflect on patience and prayer"}}])");
  auto u = only_entry(pulled(api_, ack_ts(created, 0)), "NOTE", id);
  EXPECT_EQ(u.at("type").as_string(), "UPDATE");
  EXPECT_EQ(u.at("data").at("body").as_string(), "Reflect on patience and prayer");
  EXPECT_EQ(u.at("data").at("ranges"), json::parse(R"(["2:153-2:157","3:200-3:200"])"));
  EXPECT_EQ(u.at("data").at("source").as_string(), "phone-1");
  EXPECT_EQ(u.at("data").at("attachedEntities").as_array().size(), 1u);

  api_.push_ok(R"([{"resource":"NOTE","type":"DELETE","resourceId":")" + id + R"("}])");
  auto t = only_entry(pulled(api_, ack_ts(updated, 0)), "NOTE", id);
  EXPECT_EQ(t.at("type").as_string(), "DELETE");
  EXPECT_TRUE(t.at("data").as_object().empty());
}

TEST_F(ResourcesTest, NoteWithoutAttachmentHasAnEmptyAttachedEntitiesArray) {
  auto created = api_.push_ok(
      R"([{"resource":"NOTE","type":"CREATE","data":{"body":"six ch","ranges":["1:1-1:7"]}}])");
  auto e = only_entry(pulled(api_, 0), "NOTE", ack_id(created, 0));
  EXPECT_EQ(e.at("data").at("attachedEntities"), json::array());
  EXPECT_EQ(e.at("data").at("body").as_string(), "six ch");
}

TEST_F(ResourcesTest, ReadingSessionCreateUpdateDeleteRoundTrip) {
  const auto start = api_.head();
  auto created = api_.push_ok(
      R"([{"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":18,"verseNumber":10}}])");
  const std::string id = ack_id(created, 0);
  auto c = only_entry(pulled(api_, start), "READING_SESSION", id);
  EXPECT_EQ(c.at("type").as_string(), "CREATE");
  EXPECT_EQ(keys_of(c.at("data")), (std::set<std::string>{"chapterNumber", "verseNumber",
                                                           "clientCreatedAt", "clientUpdatedAt"}));
  EXPECT_EQ(num(c.at("data").at("chapterNumber")), 18);
  EXPECT_EQ(num(c.at("data").at("verseNumber")), 10);

  auto updated = api_.push_ok(R"([{"resource":"READING_SESSION","type":"UPDATE","resourceId":")" + id +
                              R"(","data":{"chapterNumber":114,"verseNumber":6}}])");
  auto u = only_entry(pulled(api_, ack_ts(created, 0)), "READING_SESSION", id);
  EXPECT_EQ(u.at("type").as_string(), "UPDATE");
  EXPECT_EQ(num(u.at("data").at("chapterNumber")), 114);
  EXPECT_EQ(num(u.at("data").at("verseNumber")), 6);

  api_.push_ok(R"([{"resource":"READING_SESSION","type":"DELETE","resourceId":")" + id + R"("}])");
  auto t = only_entry(pulled(api_, ack_ts(updated, 0)), "READING_SESSION", id);
  EXPECT_EQ(t.at("type").as_string(), "DELETE");
  EXPECT_TRUE(t.at("data").as_object().empty());
}

// ---- validation against the Quran's structure and the field limits ----

struct BadItem {
  const char* name;
  std::string item;   // one mutation (JSON)
  const char* field;  // named in the message, e.g. "data.key"
};

std::string bookmark(const std::string& data) {
  return R"({"resource":"BOOKMARK","type":"CREATE","data":)" + data + "}";
}
std::string note(const std::string& data) {
  return R"({"resource":"NOTE","type":"CREATE","data":)" + data + "}";
}
std::string collection(const std::string& name) {
  return R"({"resource":"COLLECTION","type":"CREATE","data":{"name":")" + name + R"("}})";
}

std::vector<BadItem> bad_items() {
  return {
      {"Surah0", bookmark(R"({"key":0,"verseNumber":1})"), "data.key"},
      {"Surah115", bookmark(R"({"key":115,"verseNumber":1})"), "data.key"},
      {"SurahBookmark115", bookmark(R"({"type":"surah","key":115})"), "data.key"},
      {"Ayah0", bookmark(R"({"key":1,"verseNumber":0})"), "data.verseNumber"},
      {"Ayah1_8", bookmark(R"({"key":1,"verseNumber":8})"), "data.verseNumber"},
      {"Ayah2_287", bookmark(R"({"key":2,"verseNumber":287})"), "data.verseNumber"},
      {"AyahWithoutVerse", bookmark(R"({"key":2})"), "data.verseNumber"},
      {"VerseOnSurahBookmark", bookmark(R"({"type":"surah","key":2,"verseNumber":3})"), "data.verseNumber"},
      {"Juz31", bookmark(R"({"type":"juz","key":31})"), "data.key"},
      {"Page605", bookmark(R"({"type":"page","key":605})"), "data.key"},
      {"Page611Mushaf6", bookmark(R"({"type":"page","key":611,"mushafId":6})"), "data.key"},
      {"Page549Mushaf7", bookmark(R"({"type":"page","key":549,"mushafId":7})"), "data.key"},
      {"MushafId8", bookmark(R"({"key":1,"verseNumber":1,"mushafId":8})"), "data.mushafId"},
      {"MushafAlias8", bookmark(R"({"key":1,"verseNumber":1,"mushaf":8})"), "data.mushaf"},
      {"UnknownBookmarkType", bookmark(R"({"type":"hizb","key":1})"), "data.type"},
      {"RangePastSurah", note(R"({"body":"a valid body","ranges":["2:300-2:301"]})"), "data.ranges"},
      {"RangeReversed", note(R"({"body":"a valid body","ranges":["3:1-2:5"]})"), "data.ranges"},
      {"RangeNotARange", note(R"({"body":"a valid body","ranges":["abc"]})"), "data.ranges"},
      {"RangesEmpty", note(R"({"body":"a valid body","ranges":[]})"), "data.ranges"},
      {"RangesMissing", note(R"({"body":"a valid body"})"), "data.ranges"},
      {"NoteBody5", note(R"({"body":"12345","ranges":["1:1-1:7"]})"), "data.body"},
      {"NoteBody10001Arabic", note(R"({"body":")" + repeat("\xD8\xA8", 10001) + R"(","ranges":["1:1-1:7"]})"),
       "data.body"},
      {"CollectionName0", collection(""), "data.name"},
      {"CollectionName256", collection(repeat("a", 256)), "data.name"},
      {"SessionAyah1_8",
       R"({"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":1,"verseNumber":8}})",
       "data.verseNumber"},
      {"SessionSurah115",
       R"({"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":115,"verseNumber":1}})",
       "data.chapterNumber"},
      {"ClientTimeWithoutOffset",
       bookmark(R"({"key":1,"verseNumber":1,"clientCreatedAt":"2026-03-29T02:30:00"})"),
       "data.clientCreatedAt"},
  };
}

class ResourceValidationTest : public ::testing::TestWithParam<BadItem> {
 protected:
  ServerProcess server_;
  SyncApi api_{server_, "alice"};
};

// The bad item is second, after a valid one: the message names index 1 and nothing is applied.
TEST_P(ResourceValidationTest, RejectsTheWholeBatchNamingIndexAndField) {
  const auto head = api_.head();
  auto r = api_.push(head, R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1}},)" +
                               GetParam().item + "]");
  expect_validation_error(r, 1, GetParam().field);
  EXPECT_EQ(api_.head(), head);
  EXPECT_TRUE(pulled(api_, 0).empty());
}

INSTANTIATE_TEST_SUITE_P(Resources, ResourceValidationTest, ::testing::ValuesIn(bad_items()),
                         [](const auto& p) { return std::string(p.param.name); });

TEST_F(ResourcesTest, ValuesAtTheEdgesOfTheQuranAndTheLimitsAreAccepted) {
  const std::string arabic = repeat("\xD8\xA8", 10000);  // 10000 characters, 20000 bytes
  auto data = api_.push_ok("[" +
      bookmark(R"({"key":1,"verseNumber":7})") + "," +
      bookmark(R"({"key":2,"verseNumber":286})") + "," +
      bookmark(R"({"key":114,"verseNumber":6})") + "," +
      bookmark(R"({"type":"juz","key":1})") + "," +
      bookmark(R"({"type":"page","key":1})") + "," +
      bookmark(R"({"type":"page","key":610,"mushafId":6})") + "," +
      bookmark(R"({"type":"page","key":610,"mushafId":3})") + "," +
      bookmark(R"({"key":3,"verseNumber":1,"mushafId":19})") + "," +
      note(R"({"body":"123456","ranges":["1:1-114:6"]})") + "," +
      note(R"({"body":")" + arabic + R"(","ranges":["2:255-2:255"]})") + "," +
      collection("a") + "," + collection(repeat("z", 255)) + "]");
  ASSERT_EQ(data.at("mutations").as_array().size(), 12u);
  auto long_note = only_entry(pulled(api_, 0), "NOTE", ack_id(data, 9));
  EXPECT_EQ(long_note.at("data").at("body").as_string(), arabic);
  auto long_name = only_entry(pulled(api_, 0), "COLLECTION", ack_id(data, 11));
  EXPECT_EQ(long_name.at("data").at("name").as_string(), repeat("z", 255));
}

// ---- batches ----

TEST_F(ResourcesTest, UpdateOfAMissingResourceIs404AndRollsBackTheBatch) {
  const auto head = api_.head();
  auto r = api_.push(head, R"([
      {"resource":"COLLECTION","type":"CREATE","data":{"name":"Kept?"}},
      {"resource":"NOTE","type":"UPDATE","resourceId":"no-such-note","data":{"body":"changed body"}}])");
  ASSERT_EQ(r.status, 404) << r.body;
  const auto body = r.json();
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "message", "type"}));
  EXPECT_EQ(body.at("success"), json::value(false));
  EXPECT_EQ(body.at("type").as_string(), "not_found");
  EXPECT_NE(str(body.at("message")).find("mutation[1]"), std::string::npos) << r.body;
  EXPECT_EQ(api_.head(), head);
  EXPECT_TRUE(pulled(api_, 0).empty());
}

TEST_F(ResourcesTest, DeleteOfAMissingResourceIsANoOpSuccess) {
  const auto head = api_.head();
  auto r = api_.push(head, R"([
      {"resource":"BOOKMARK","type":"DELETE","resourceId":"gone-1"},
      {"resource":"COLLECTION","type":"DELETE","resourceId":"gone-2"},
      {"resource":"NOTE","type":"DELETE","resourceId":"gone-3"},
      {"resource":"READING_SESSION","type":"DELETE","resourceId":"gone-4"}])");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  const auto& acks = body.at("data").at("mutations").as_array();
  ASSERT_EQ(acks.size(), 4u);
  for (std::size_t i = 0; i < acks.size(); ++i) {
    EXPECT_EQ(acks[i].at("resourceId").as_string(), "gone-" + std::to_string(i + 1));
    EXPECT_EQ(acks[i].at("type").as_string(), "DELETE");
  }
  EXPECT_TRUE(pulled(api_, 0).empty());
}

TEST_F(ResourcesTest, UnknownFieldsInDataAreIgnored) {
  auto data = api_.push_ok(R"([
      {"resource":"COLLECTION","type":"CREATE","data":{"name":"Extras","isDefault":false,"isSystem":false,"color":"red"}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":2,"group":"x","createdAt":"?"}},
      {"resource":"NOTE","type":"CREATE","data":{"body":"extra fields","ranges":["1:1-1:2"],"isPublic":true}},
      {"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":1,"verseNumber":1,"device":"x"}}])");
  const auto ms = pulled(api_, 0);
  ASSERT_EQ(ms.size(), 4u);
  auto c = only_entry(ms, "COLLECTION", ack_id(data, 0));
  EXPECT_EQ(keys_of(c.at("data")), (std::set<std::string>{"name", "slug", "isPrivate",
                                                           "clientCreatedAt", "clientUpdatedAt"}));
  EXPECT_EQ(c.at("data").at("name").as_string(), "Extras");
  EXPECT_EQ(keys_of(only_entry(ms, "BOOKMARK", ack_id(data, 1)).at("data")), kBookmarkAyahKeys);
  EXPECT_FALSE(only_entry(ms, "NOTE", ack_id(data, 2)).at("data").as_object().contains("isPublic"));
  EXPECT_FALSE(only_entry(ms, "READING_SESSION", ack_id(data, 3)).at("data").as_object().contains("device"));
}

// ---- client times ----

TEST_F(ResourcesTest, ClientTimesWithOffsetsOrEpochMsComeBackAsUtcIsoWithZ) {
  const std::string times =
      R"("clientCreatedAt":"2026-03-29T02:30:00+02:00","clientUpdatedAt":1774744200123)";
  auto setup = api_.push_ok(R"([
      {"resource":"COLLECTION","type":"CREATE","data":{"name":"Times",)" + times + R"(}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":5,"verseNumber":3,)" + times + R"(}},
      {"resource":"NOTE","type":"CREATE","data":{"body":"times note","ranges":["5:3-5:3"],)" + times + R"(}},
      {"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":5,"verseNumber":3,)" + times + R"(}}])");
  const std::string cid = ack_id(setup, 0);
  const std::string bid = ack_id(setup, 1);
  auto member = api_.push_ok(R"([{"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":")" +
                             cid + R"(","bookmarkId":")" + bid + R"(",)" + times + R"(}}])");
  // The acks echo them normalised, too.
  for (const auto* acks : {&setup, &member}) {
    for (const auto& a : acks->at("mutations").as_array()) {
      EXPECT_EQ(a.at("data").at("clientCreatedAt").as_string(), "2026-03-29T00:30:00.000Z");
      EXPECT_EQ(a.at("data").at("clientUpdatedAt").as_string(), "2026-03-29T00:30:00.123Z");
    }
  }
  const auto ms = pulled(api_, 0);
  ASSERT_EQ(ms.size(), 5u);
  for (const auto& m : ms) {
    SCOPED_TRACE(json::serialize(m));
    EXPECT_EQ(m.at("data").at("clientCreatedAt").as_string(), "2026-03-29T00:30:00.000Z");
    EXPECT_EQ(m.at("data").at("clientUpdatedAt").as_string(), "2026-03-29T00:30:00.123Z");
  }
  // A negative offset too.
  api_.push_ok(
      R"([{"resource":"COLLECTION","type":"UPDATE","resourceId":")" + cid +
      R"(","data":{"name":"Times","clientUpdatedAt":"2026-03-28T19:30:00-05:00"}}])");
  auto e = only_entry(pulled(api_, ack_ts(member, 0)), "COLLECTION", cid);
  EXPECT_EQ(e.at("data").at("clientUpdatedAt").as_string(), "2026-03-29T00:30:00.000Z");
  EXPECT_EQ(e.at("data").at("clientCreatedAt").as_string(), "2026-03-29T00:30:00.000Z");
}

TEST_F(ResourcesTest, MissingClientTimesDefaultToTheServerTimestamp) {
  auto created = api_.push_ok(R"([
      {"resource":"COLLECTION","type":"CREATE","data":{"name":"No times"}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":7,"verseNumber":7}},
      {"resource":"NOTE","type":"CREATE","data":{"body":"no times here","ranges":["7:7-7:7"]}},
      {"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":7,"verseNumber":7}}])");
  const auto ms = pulled(api_, 0);
  ASSERT_EQ(ms.size(), 4u);
  for (const auto& m : ms) {
    SCOPED_TRACE(json::serialize(m));
    const auto ts = num(m.at("timestamp"));
    EXPECT_EQ(m.at("data").at("clientCreatedAt").as_string(), iso_utc(ts));
    EXPECT_EQ(m.at("data").at("clientUpdatedAt").as_string(), iso_utc(ts));
  }
  // An update without times keeps clientCreatedAt and stamps clientUpdatedAt with its own time.
  const std::string cid = ack_id(created, 0);
  auto updated = api_.push_ok(R"([{"resource":"COLLECTION","type":"UPDATE","resourceId":")" + cid +
                              R"(","data":{"name":"Still no times"}}])");
  auto e = only_entry(pulled(api_, 0), "COLLECTION", cid);
  EXPECT_EQ(e.at("data").at("clientCreatedAt").as_string(), iso_utc(ack_ts(created, 0)));
  EXPECT_EQ(e.at("data").at("clientUpdatedAt").as_string(), iso_utc(ack_ts(updated, 0)));
}

// ---- the reading bookmark ----

TEST_F(ResourcesTest, IsReadingMovesTheSingleReadingBookmark) {
  auto first = api_.push_ok(
      R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":18,"verseNumber":1,"isReading":true}}])");
  const std::string a = ack_id(first, 0);
  auto second = api_.push_ok(
      R"([{"resource":"BOOKMARK","type":"CREATE","data":{"type":"page","key":300,"isReading":true}}])");
  const std::string b = ack_id(second, 0);
  EXPECT_EQ(second.at("mutations").as_array().size(), 1u);  // the cascade is not an ack

  // A device that saw the first bookmark learns that it is no longer the reading one.
  auto since_first = pulled(api_, ack_ts(first, 0));
  auto a_now = only_entry(since_first, "BOOKMARK", a);
  EXPECT_EQ(a_now.at("type").as_string(), "UPDATE");
  EXPECT_EQ(a_now.at("data").at("isReading"), json::value(false));
  EXPECT_EQ(only_entry(since_first, "BOOKMARK", b).at("data").at("isReading"), json::value(true));
  EXPECT_LT(num(a_now.at("timestamp")), ack_ts(second, 0));

  // UPDATE moves it back.
  api_.push_ok(R"([{"resource":"BOOKMARK","type":"UPDATE","resourceId":")" + a +
               R"(","data":{"isReading":true}}])");
  auto all = pulled(api_, 0);
  EXPECT_EQ(only_entry(all, "BOOKMARK", a).at("data").at("isReading"), json::value(true));
  EXPECT_EQ(only_entry(all, "BOOKMARK", b).at("data").at("isReading"), json::value(false));

  // false and null clear it.
  api_.push_ok(R"([{"resource":"BOOKMARK","type":"UPDATE","resourceId":")" + a +
               R"(","data":{"isReading":null}}])");
  all = pulled(api_, 0);
  for (const auto& m : all) EXPECT_EQ(m.at("data").at("isReading"), json::value(false));
}

TEST_F(ResourcesTest, ReadingFlagInOneBatchEndsOnTheLastBookmark) {
  auto data = api_.push_ok(R"([
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"isReading":true}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":2,"isReading":true}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":3,"isReading":true}}])");
  const auto all = pulled(api_, 0);
  ASSERT_EQ(all.size(), 3u);
  int reading = 0;
  for (const auto& m : all) reading += m.at("data").at("isReading").as_bool() ? 1 : 0;
  EXPECT_EQ(reading, 1);
  EXPECT_EQ(only_entry(all, "BOOKMARK", ack_id(data, 2)).at("data").at("isReading"), json::value(true));
}

// ---- upserts ----

TEST_F(ResourcesTest, CreateWithMatchingDetailsUpdatesTheSameBookmark) {
  auto first = api_.push_ok(R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"verseNumber":255}}])");
  const std::string id = ack_id(first, 0);
  auto again = api_.push_ok(R"([{"resource":"BOOKMARK","type":"CREATE","data":{
      "type":"ayah","key":2,"verseNumber":255,"mushafId":4,"isReading":true}}])");
  EXPECT_EQ(ack_id(again, 0), id);
  EXPECT_EQ(again.at("mutations").at(0).at("type").as_string(), "CREATE");  // same type as sent
  auto all = pulled(api_, 0);
  ASSERT_EQ(all.size(), 1u) << json::serialize(all);
  EXPECT_EQ(all[0].at("resourceId").as_string(), id);
  EXPECT_EQ(all[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(num(all[0].at("data").at("mushaf")), 4);
  EXPECT_EQ(all[0].at("data").at("isReading"), json::value(true));
  // A device that had the first version sees an UPDATE.
  auto later = only_entry(pulled(api_, ack_ts(first, 0)), "BOOKMARK", id);
  EXPECT_EQ(later.at("type").as_string(), "UPDATE");

  // Twice in one batch: one bookmark, both acks name it.
  auto twice = api_.push_ok(R"([
      {"resource":"BOOKMARK","type":"CREATE","data":{"type":"juz","key":5}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"type":"juz","key":5}}])");
  EXPECT_EQ(ack_id(twice, 0), ack_id(twice, 1));
  EXPECT_EQ(pulled(api_, 0).size(), 2u);
}

TEST_F(ResourcesTest, PageBookmarksOfDifferentLayoutsAreDifferentBookmarks) {
  auto data = api_.push_ok(R"([
      {"resource":"BOOKMARK","type":"CREATE","data":{"type":"page","key":10}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"type":"page","key":10,"mushafId":6}},
      {"resource":"BOOKMARK","type":"CREATE","data":{"type":"page","key":10,"mushafId":1}}])");
  EXPECT_NE(ack_id(data, 0), ack_id(data, 1));
  EXPECT_EQ(ack_id(data, 0), ack_id(data, 2));  // mushaf 1 has the standard 604 pages
  EXPECT_EQ(pulled(api_, 0).size(), 2u);
}

TEST_F(ResourcesTest, ClientChosenIdIsUsedAndARepeatUpserts) {
  auto first = api_.push_ok(R"([
      {"resource":"COLLECTION","type":"CREATE","resourceId":"Reading-list_01","data":{"name":"First"}},
      {"resource":"NOTE","type":"CREATE","resourceId":"note-1","data":{"body":"first body","ranges":["1:1-1:1"]}},
      {"resource":"READING_SESSION","type":"CREATE","resourceId":"session-1","data":{"chapterNumber":1,"verseNumber":1}},
      {"resource":"BOOKMARK","type":"CREATE","resourceId":")" + repeat("b", 64) + R"(","data":{"key":9,"verseNumber":9}}])");
  EXPECT_EQ(ack_id(first, 0), "Reading-list_01");
  EXPECT_EQ(ack_id(first, 1), "note-1");
  EXPECT_EQ(ack_id(first, 2), "session-1");
  EXPECT_EQ(ack_id(first, 3), repeat("b", 64));
  auto second = api_.push_ok(R"([
      {"resource":"COLLECTION","type":"CREATE","resourceId":"Reading-list_01","data":{"name":"Second"}},
      {"resource":"NOTE","type":"CREATE","resourceId":"note-1","data":{"body":"second body","ranges":["1:2-1:3"]}},
      {"resource":"READING_SESSION","type":"CREATE","resourceId":"session-1","data":{"chapterNumber":2,"verseNumber":2}}])");
  EXPECT_EQ(ack_id(second, 0), "Reading-list_01");
  const auto all = pulled(api_, 0);
  ASSERT_EQ(all.size(), 4u) << json::serialize(all);
  EXPECT_EQ(only_entry(all, "COLLECTION", "Reading-list_01").at("data").at("name").as_string(), "Second");
  auto n = only_entry(all, "NOTE", "note-1");
  EXPECT_EQ(n.at("data").at("body").as_string(), "second body");
  EXPECT_EQ(n.at("data").at("ranges"), json::parse(R"(["1:2-1:3"])"));
  EXPECT_EQ(num(only_entry(all, "READING_SESSION", "session-1").at("data").at("chapterNumber")), 2);
}

TEST_F(ResourcesTest, MalformedClientChosenIdIsRejected) {
  const auto head = api_.head();
  for (const std::string& bad : {std::string("has space"), std::string("bang!"), repeat("x", 65),
                                 std::string("slash/id")}) {
    SCOPED_TRACE(bad);
    auto r = api_.push(head, R"([{"resource":"COLLECTION","type":"CREATE","resourceId":")" + bad +
                                 R"(","data":{"name":"Bad id"}}])");
    ASSERT_EQ(r.status, 422) << r.body;
    const auto body = r.json();
    EXPECT_EQ(body.at("error").at("code").as_string(), "ValidationError");
    EXPECT_EQ(body.at("error").at("message").as_string(), "Invalid resourceId at mutation[0]");
  }
  EXPECT_EQ(api_.head(), head);
}

}  // namespace
}  // namespace synclog::test
