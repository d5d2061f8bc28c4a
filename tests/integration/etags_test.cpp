// Record versions on the direct endpoints against the real binary (SPEC section 3 "Record
// versions", docs/api.md): ETag and X-Modified-By on single-resource reads and writes,
// If-Match (412 when stale or weak, * needs the resource), If-None-Match: * (create only if
// absent), 304 for a note read whose If-None-Match names the current version (a bookmark or a
// collection read shows other records too, so it is never 304), 400 for malformed
// headers. For every resource that can be updated or deleted (bookmark upsert and delete,
// collection rename and delete, membership add and remove by body and by id, Favorites, note
// update and delete, reading-session update), a failed precondition changes neither the data
// nor the head.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "direct_helpers.hpp"
#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace direct;

Headers if_match(const std::string& tags) { return {{"If-Match", tags}}; }
Headers if_none_match(const std::string& tags) { return {{"If-None-Match", tags}}; }

constexpr const char* kAyah = R"({"key":2,"verseNumber":255})";

void expect_precondition_failed(const Response& r, const std::string& message = "") {
  expect_error(r, 412, "precondition_failed", message, !message.empty());
}

class EtagsTest : public ::testing::Test {
 protected:
  json::value bookmark(const std::string& query) {
    auto r = api_.get("/v1/bookmarks/bookmark?" + query);
    if (r.status == 404) return nullptr;
    return api_.data(r);
  }
  std::vector<std::string> members(const std::string& cid) {
    const auto d = api_.data(api_.get("/v1/collections/" + cid));
    return d.is_object() ? ids_of(d.at("bookmarks")) : std::vector<std::string>{};
  }
  // A GET with If-None-Match: asserts 304 (no body, the current ETag) or 200.
  void expect_not_modified(const std::string& target, const std::string& tags, std::int64_t current) {
    auto r = api_.get(target, if_none_match(tags));
    EXPECT_EQ(r.status, 304) << target << " " << tags << ": " << r.body;
    EXPECT_TRUE(r.body.empty()) << r.body;
    EXPECT_EQ(r.header("etag"), quoted(current));
  }
  void expect_modified(const std::string& target, const std::string& tags, std::int64_t current) {
    auto r = api_.get(target, if_none_match(tags));
    EXPECT_EQ(r.status, 200) << target << " " << tags;
    EXPECT_FALSE(r.body.empty());
    EXPECT_EQ(r.header("etag"), quoted(current));
  }

  ServerProcess server_{server_args()};
  DirectApi api_{server_, "alice"};
  SyncApi sync_{server_, "alice", "other-device"};
};

// ---- bookmarks ----

TEST_F(EtagsTest, BookmarkUpsertAppliesOnlyWhenIfMatchIsCurrent) {
  auto created = api_.post("/v1/bookmarks", kAyah);
  const auto v1 = etag_version(created);
  EXPECT_EQ(v1, mutation_at(created));
  auto updated = api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255,"isReading":true})", if_match(quoted(v1)));
  ASSERT_EQ(updated.status, 200) << updated.body;
  const auto v2 = etag_version(updated);
  EXPECT_GT(v2, v1);
  EXPECT_EQ(v2, mutation_at(updated));

  const auto head = sync_.head();
  const std::string clear = R"({"key":2,"verseNumber":255,"isReading":false})";
  expect_precondition_failed(api_.post("/v1/bookmarks", clear, if_match(quoted(v1))),
                             "If-Match: the resource has changed; its current ETag is " + quoted(v2));
  // Weak tags never match for If-Match (strong comparison), even the current one.
  expect_precondition_failed(api_.post("/v1/bookmarks", clear, if_match("W/" + quoted(v2))));
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(bookmark("key=2&verseNumber=255").at("isReading"), json::value(true));

  // A list matches when any of its tags is current.
  auto listed = api_.post("/v1/bookmarks", clear, if_match(quoted(v1) + ", " + quoted(v2)));
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(bookmark("key=2&verseNumber=255").at("isReading"), json::value(false));
}

TEST_F(EtagsTest, BookmarkUpsertWithStarsCreatesOrUpdatesOnlyAsAsked) {
  const auto head = sync_.head();
  expect_precondition_failed(api_.post("/v1/bookmarks", kAyah, if_match("*")), "If-Match: the resource does not exist");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(bookmark("key=2&verseNumber=255").is_null());

  auto created = api_.post("/v1/bookmarks", kAyah, if_none_match("*"));
  ASSERT_EQ(created.status, 200) << created.body;
  const auto v = etag_version(created);
  const auto after_create = sync_.head();
  expect_precondition_failed(api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255,"isReading":true})",
                                       if_none_match("*")),
                             "If-None-Match: * but the resource already exists (ETag " + quoted(v) + ")");
  EXPECT_EQ(sync_.head(), after_create);
  EXPECT_EQ(bookmark("key=2&verseNumber=255").at("isReading"), json::value(false));
  EXPECT_EQ(api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255,"isReading":true})", if_match("*")).status, 200);
}

// A bookmark's representation shows its collectionsCount, which a membership changes without
// changing the bookmark's version: the read carries the version (for If-Match) but always
// answers in full, never 304.
TEST_F(EtagsTest, BookmarkReadsCarryTheVersionButNeverAnswerNotModified) {
  auto created = api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255,"isReading":true})");
  const auto v1 = etag_version(created);
  const std::string id = str(api_.data(created).at("id"));
  const std::string by_details = "/v1/bookmarks/bookmark?key=2&verseNumber=255";
  expect_modified(by_details, quoted(v1), v1);
  expect_modified("/v1/bookmarks/bookmark?isReading=true", quoted(v1), v1);

  const std::string cid = api_.collection("Kept");
  api_.add_to(cid, id);
  auto r = api_.get(by_details, if_none_match(quoted(v1)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("etag"), quoted(v1));
  EXPECT_EQ(r.json().at("data").at("collectionsCount"), json::value(1));

  auto updated = api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255,"isReading":false})");
  const auto v2 = etag_version(updated);
  EXPECT_GT(v2, v1);
  expect_modified(by_details, quoted(v2), v2);
}

TEST_F(EtagsTest, BookmarkDeleteAppliesOnlyWhenIfMatchIsCurrent) {
  auto created = api_.post("/v1/bookmarks", kAyah);
  const auto v1 = etag_version(created);
  auto updated = api_.post("/v1/bookmarks", R"({"key":2,"verseNumber":255,"isReading":true})");
  const auto v2 = etag_version(updated);
  const std::string id = str(api_.data(updated).at("id"));
  const auto head = sync_.head();
  expect_precondition_failed(api_.del("/v1/bookmarks/" + id, {}, if_match(quoted(v1))));
  expect_precondition_failed(api_.del("/v1/bookmarks/" + id, {}, if_match("W/" + quoted(v2))));
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(bookmark("key=2&verseNumber=255").is_object());
  expect_message(api_.del("/v1/bookmarks/" + id, {}, if_match(quoted(v2))), "bookmark deleted");
  EXPECT_TRUE(bookmark("key=2&verseNumber=255").is_null());
}

// ---- collections ----

TEST_F(EtagsTest, CollectionRenameAppliesOnlyWhenIfMatchIsCurrent) {
  auto created = api_.post("/v1/collections", R"({"name":"First"})");
  const auto c1 = etag_version(created);
  const std::string id = str(api_.data(created).at("id"));
  const std::string target = "/v1/collections/" + id;
  auto renamed = api_.post(target, R"({"name":"Second"})", if_match(quoted(c1)));
  expect_message(renamed, "collection renamed");
  const auto c2 = etag_version(renamed);
  EXPECT_EQ(c2, mutation_at(renamed));
  EXPECT_GT(c2, c1);

  const auto head = sync_.head();
  expect_precondition_failed(api_.post(target, R"({"name":"Third"})", if_match(quoted(c1))),
                             "If-Match: the resource has changed; its current ETag is " + quoted(c2));
  expect_precondition_failed(api_.post(target, R"({"name":"Third"})", if_match("W/" + quoted(c2))));
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(api_.data(api_.get(target)).at("collection").at("name").as_string(), "Second");

  // The read carries the collection's version; it lists bookmarks too, so it is never 304.
  expect_modified(target, quoted(c2), c2);
  expect_modified(target, quoted(c1), c2);
  expect_message(api_.post(target, R"({"name":"Third"})", if_match("*")), "collection renamed");
  // A missing collection is 404 whatever the preconditions say.
  expect_404(api_.post("/v1/collections/missing", R"({"name":"x"})", if_match("*")), "Collection not found");
}

TEST_F(EtagsTest, CollectionDeleteAppliesOnlyWhenIfMatchIsCurrent) {
  auto created = api_.post("/v1/collections", R"({"name":"Doomed"})");
  const auto c1 = etag_version(created);
  const std::string id = str(api_.data(created).at("id"));
  api_.ok(api_.post("/v1/collections/" + id + "/bookmarks", kAyah));
  auto renamed = api_.post("/v1/collections/" + id, R"({"name":"Still doomed"})");
  const auto c2 = etag_version(renamed);
  const auto head = sync_.head();
  expect_precondition_failed(api_.del("/v1/collections/" + id, {}, if_match(quoted(c1))));
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(members(id).size(), 1u);  // no cascade happened either
  EXPECT_TRUE(bookmark("key=2&verseNumber=255").is_object());
  expect_message(api_.del("/v1/collections/" + id, {}, if_match(quoted(c2))), "collection deleted");
  expect_404(api_.get("/v1/collections/" + id), "Collection not found");
}

TEST_F(EtagsTest, CollectionCreateHonoursStars) {
  const auto head = sync_.head();
  // A new collection never exists yet.
  expect_precondition_failed(api_.post("/v1/collections", R"({"name":"x"})", if_match("*")),
                             "If-Match: the resource does not exist");
  EXPECT_EQ(sync_.head(), head);
  auto created = api_.post("/v1/collections", R"({"name":"x"})", if_none_match("*"));
  ASSERT_EQ(created.status, 200) << created.body;
  EXPECT_EQ(etag_version(created), mutation_at(created));
}

// ---- memberships ----

TEST_F(EtagsTest, MembershipAddAndRemoveHonourPreconditions) {
  const std::string cid = api_.collection("Members");
  const std::string bid = api_.bookmark(R"("key":3,"verseNumber":3)");
  const std::string add_target = "/v1/collections/" + cid + "/bookmarks";
  const std::string by_id = R"({"bookmarkId":")" + bid + R"("})";

  auto head = sync_.head();
  expect_precondition_failed(api_.post(add_target, by_id, if_match("*")), "If-Match: the resource does not exist");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(members(cid).empty());

  auto added = api_.post(add_target, by_id, if_none_match("*"));
  expect_message(added, "collection bookmark added");
  const auto m1 = etag_version(added);
  EXPECT_EQ(m1, mutation_at(added));
  head = sync_.head();
  expect_precondition_failed(api_.post(add_target, by_id, if_none_match("*")),
                             "If-None-Match: * but the resource already exists (ETag " + quoted(m1) + ")");
  EXPECT_EQ(sync_.head(), head);

  // Re-adding is an upsert that gives the membership a new version.
  auto readded = api_.post(add_target, by_id, if_match(quoted(m1)));
  expect_message(readded, "collection bookmark added");
  const auto m2 = etag_version(readded);
  EXPECT_GT(m2, m1);

  head = sync_.head();
  expect_precondition_failed(api_.del(add_target, by_id, if_match(quoted(m1))),
                             "If-Match: the resource has changed; its current ETag is " + quoted(m2));
  expect_precondition_failed(api_.del(add_target + "/" + bid, {}, if_match(quoted(m1))));
  expect_precondition_failed(api_.del(add_target + "/" + bid, {}, if_match("W/" + quoted(m2))));
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(members(cid), (std::vector<std::string>{bid}));

  // By path...
  expect_message(api_.del(add_target + "/" + bid, {}, if_match(quoted(m2))), "collection bookmark deleted");
  EXPECT_TRUE(members(cid).empty());
  // ...and by body.
  auto again = api_.post(add_target, R"({"key":3,"verseNumber":4})");
  const auto m3 = etag_version(again);
  const std::string details = R"({"key":3,"verseNumber":4})";
  expect_precondition_failed(api_.del(add_target, details, if_match("\"1\"")));
  EXPECT_EQ(members(cid).size(), 1u);
  auto removed = api_.del(add_target, details, if_match(quoted(m3)));
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_TRUE(members(cid).empty());
}

TEST_F(EtagsTest, FavoritesMembershipVersionIsTheBookmarksVersion) {
  auto added = api_.post("/v1/collections/__default__/bookmarks", R"({"key":36,"verseNumber":1})");
  expect_message(added, "collection bookmark added");
  const auto f1 = etag_version(added);
  auto read = api_.get("/v1/bookmarks/bookmark?key=36&verseNumber=1");
  EXPECT_EQ(etag_version(read), f1);
  const std::string bid = str(api_.data(read).at("id"));
  expect_precondition_failed(
      api_.post("/v1/collections/__default__/bookmarks", R"({"bookmarkId":")" + bid + R"("})", if_none_match("*")));

  // Any change to the bookmark is a change to its Favorites membership.
  auto reading = api_.post("/v1/bookmarks", R"({"key":36,"verseNumber":1,"isReading":true})");
  const auto b2 = etag_version(reading);
  const auto head = sync_.head();
  expect_precondition_failed(api_.del("/v1/collections/__default__/bookmarks/" + bid, {}, if_match(quoted(f1))));
  expect_precondition_failed(
      api_.del("/v1/collections/__default__/bookmarks", R"({"bookmarkId":")" + bid + R"("})", if_match(quoted(f1))));
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(bookmark("key=36&verseNumber=1").at("isInDefaultCollection"), json::value(true));

  expect_message(api_.del("/v1/collections/__default__/bookmarks/" + bid, {}, if_match(quoted(b2))),
                 "collection bookmark deleted");
  const auto now = bookmark("key=36&verseNumber=1");  // kept: it is the reading bookmark
  ASSERT_TRUE(now.is_object());
  EXPECT_EQ(now.at("isInDefaultCollection"), json::value(false));
}

// ---- notes ----

TEST_F(EtagsTest, NotePatchAndDeleteApplyOnlyWhenIfMatchIsCurrent) {
  auto created = api_.post("/v1/notes", R"({"body":"Version one","ranges":["1:1-1:7"]})");
  const auto n1 = etag_version(created);
  EXPECT_EQ(n1, mutation_at(created));
  const std::string id = str(api_.data(created).at("id"));
  const std::string target = "/v1/notes/" + id;
  expect_not_modified(target, quoted(n1), n1);

  auto patched = api_.patch(target, R"({"body":"Version two"})", if_match(quoted(n1)));
  ASSERT_EQ(patched.status, 200) << patched.body;
  const auto n2 = etag_version(patched);
  EXPECT_EQ(n2, mutation_at(patched));
  EXPECT_GT(n2, n1);

  const auto head = sync_.head();
  expect_precondition_failed(api_.patch(target, R"({"body":"Version three"})", if_match(quoted(n1))),
                             "If-Match: the resource has changed; its current ETag is " + quoted(n2));
  expect_precondition_failed(api_.patch(target, R"({"body":"Version three"})", if_match("W/" + quoted(n2))));
  expect_precondition_failed(api_.del(target, {}, if_match(quoted(n1))));
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(api_.data(api_.get(target)).at("body").as_string(), "Version two");
  expect_modified(target, quoted(n1), n2);
  expect_not_modified(target, quoted(n2), n2);
  // If-None-Match compares weakly, and a list matches when any tag does.
  expect_not_modified(target, "W/" + quoted(n2), n2);
  expect_not_modified(target, "\"1\", " + quoted(n2), n2);
  expect_not_modified(target, "*", n2);
  expect_modified(target, "\"1\", " + quoted(n1), n2);

  expect_precondition_failed(api_.post("/v1/notes", R"({"body":"Brand new","ranges":["1:1-1:2"]})", if_match("*")));
  EXPECT_EQ(sync_.head(), head);

  auto removed = api_.del(target, {}, if_match(quoted(n2)));
  ASSERT_EQ(removed.status, 200) << removed.body;
  expect_404(api_.get(target), "Note not found");
}

// ---- reading sessions ----

TEST_F(EtagsTest, ReadingSessionUpdateAppliesOnlyWhenIfMatchIsCurrent) {
  const std::string target = "/v1/reading-sessions";
  expect_precondition_failed(api_.post(target, R"({"chapterNumber":1,"verseNumber":1})", if_match("*")),
                             "If-Match: the resource does not exist");
  auto created = api_.post(target, R"({"chapterNumber":1,"verseNumber":1})", if_none_match("*"));
  expect_message(created, "reading session created");
  const auto s1 = etag_version(created);
  EXPECT_EQ(s1, mutation_at(created));

  auto updated = api_.post(target, R"({"chapterNumber":1,"verseNumber":2})", if_match(quoted(s1)));
  expect_message(updated, "reading session updated");
  const auto s2 = etag_version(updated);
  EXPECT_GT(s2, s1);

  const auto head = sync_.head();
  expect_precondition_failed(api_.post(target, R"({"chapterNumber":1,"verseNumber":3})", if_match(quoted(s1))),
                             "If-Match: the resource has changed; its current ETag is " + quoted(s2));
  // A recent session exists, so If-None-Match: * cannot start a new one.
  expect_precondition_failed(api_.post(target, R"({"chapterNumber":1,"verseNumber":3})", if_none_match("*")));
  EXPECT_EQ(sync_.head(), head);
  const auto sessions = api_.ok(api_.get(target));
  ASSERT_EQ(sessions.at("data").as_array().size(), 1u);
  EXPECT_EQ(num(sessions.at("data").at(0).at("verseNumber")), 2);

  expect_message(api_.post(target, R"({"chapterNumber":1,"verseNumber":3})", if_match(quoted(s2))),
                 "reading session updated");
}

// ---- across devices and endpoints ----

TEST_F(EtagsTest, VersionsAreSharedWithSyncAndNameTheLastWriter) {
  auto created = api_.post("/v1/notes", R"({"body":"Written on the phone","ranges":["1:1-1:7"]})");
  const std::string id = str(api_.data(created).at("id"));
  const auto n1 = etag_version(created);
  auto pushed = sync_.push_ok(R"([{"resource":"NOTE","type":"UPDATE","resourceId":")" + id +
                              R"(","data":{"body":"Edited through sync"}}])");
  const auto n2 = pulls::ack_ts(pushed, 0);
  auto read = api_.get("/v1/notes/" + id);
  EXPECT_EQ(etag_version(read), n2);
  EXPECT_EQ(read.header("x-modified-by"), "other-device");
  // The phone's copy is stale now: its conditional write is refused.
  expect_precondition_failed(api_.patch("/v1/notes/" + id, R"({"body":"Phone overwrites"})", if_match(quoted(n1))));
  EXPECT_EQ(api_.data(api_.get("/v1/notes/" + id)).at("body").as_string(), "Edited through sync");

  DirectApi tablet(server_, "alice", "tablet");
  auto patched = tablet.patch("/v1/notes/" + id, R"({"body":"Tablet edits"})", if_match(quoted(n2)));
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.header("x-modified-by"), "tablet");
  auto again = api_.get("/v1/notes/" + id);
  EXPECT_EQ(again.header("x-modified-by"), "tablet");
  EXPECT_EQ(etag_version(again), etag_version(patched));
}

TEST_F(EtagsTest, MalformedPreconditionsAre400AndChangeNothing) {
  const std::string id = api_.note("Untouched note");
  const auto head = sync_.head();
  const std::string if_match_message = R"(If-Match must be * or a list of entity tags like "1795427285926")";
  for (const std::string bad : {"abc", "\"unterminated", "W/abc", "\"1\" \"2\"", "\"1\", x"}) {
    SCOPED_TRACE(bad);
    expect_error(api_.patch("/v1/notes/" + id, R"({"body":"Changed body"})", if_match(bad)), 400, "invalid_request",
                 if_match_message, true);
  }
  expect_error(api_.post("/v1/bookmarks", kAyah, if_none_match("abc")), 400, "invalid_request",
               R"(If-None-Match must be * or a list of entity tags like "1795427285926")", true);
  expect_error(api_.get("/v1/notes/" + id, if_none_match("abc")), 400, "invalid_request");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(api_.data(api_.get("/v1/notes/" + id)).at("body").as_string(), "Untouched note");
}

// RFC 9110 ties an entity tag to the representation; this one lists the collection's bookmarks,
// so answering 304 after a bookmark was added would tell a caching client its stale list is
// current.
TEST_F(EtagsTest, CollectionReadIsNotAnsweredNotModifiedAfterItsBookmarksChange) {
  auto created = api_.post("/v1/collections", R"({"name":"Watched"})");
  const auto c1 = etag_version(created);
  const std::string id = str(api_.data(created).at("id"));
  api_.ok(api_.post("/v1/collections/" + id + "/bookmarks", kAyah));
  auto r = api_.get("/v1/collections/" + id, if_none_match(quoted(c1)));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json().at("data").at("bookmarks").as_array().size(), 1u);
}

}  // namespace
}  // namespace synclog::test
