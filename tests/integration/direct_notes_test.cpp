// The direct note endpoints against the real binary (contract section 3, docs/openapi.json):
// GET/POST /v1/notes, GET /v1/notes/by-verse/{verseKey}, /by-range, /count-within-range,
// /by-attached-entity, GET/PATCH/DELETE /v1/notes/{id}, and POST /v1/notes/{id}/publish (501).
// Exact answers, generic 422/400/404 errors, cursor/limit paging, scopes, and pulls.
#include <gtest/gtest.h>

#include <set>
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

const std::set<std::string> kNoteKeys = {"id",     "createdAt",        "updatedAt", "body",
                                         "source", "attachedEntities", "ranges"};

class DirectNotesTest : public ::testing::Test {
 protected:
  std::set<std::string> id_set(const std::string& target) {
    const auto body = api_.ok(api_.get(target));
    const auto v = body.contains("data") ? ids_of(body.at("data")) : std::vector<std::string>{};
    return std::set<std::string>(v.begin(), v.end());
  }
  std::vector<std::string> id_list(const std::string& target) {
    const auto body = api_.ok(api_.get(target));
    return body.contains("data") ? ids_of(body.at("data")) : std::vector<std::string>{};
  }

  ServerProcess server_{server_args()};
  DirectApi api_{server_, "alice"};
  SyncApi sync_{server_, "alice", "other-device"};
};

// ---- POST /v1/notes ----

TEST_F(DirectNotesTest, CreateAnswersTheNoteWithItsVersion) {
  const auto before = sync_.head();
  auto r = api_.post("/v1/notes", R"({"body":"On the Throne verse","ranges":["2:255-2:257"],"saveToQR":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value body = r.json();
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data"}));
  const json::value n = body.at("data");
  EXPECT_EQ(keys_of(n), kNoteKeys) << r.body;
  EXPECT_EQ(n.at("body").as_string(), "On the Throne verse");
  EXPECT_EQ(n.at("ranges"), json::parse(R"(["2:255-2:257"])"));
  EXPECT_EQ(n.at("source").as_string(), "test-device");
  EXPECT_TRUE(n.at("attachedEntities").as_array().empty());
  const auto at = expect_versioned_write(r, before, sync_);
  EXPECT_EQ(str(n.at("createdAt")), iso_utc(at));
  EXPECT_EQ(str(n.at("updatedAt")), iso_utc(at));

  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("resource").as_string(), "NOTE");
  EXPECT_EQ(ms[0].at("type").as_string(), "CREATE");
  EXPECT_EQ(ms[0].at("resourceId"), n.at("id"));
  EXPECT_EQ(ms[0].at("data").at("body").as_string(), "On the Throne verse");
  EXPECT_EQ(ms[0].at("data").at("ranges"), n.at("ranges"));
  EXPECT_EQ(ms[0].at("data").at("source").as_string(), "test-device");
  EXPECT_EQ(num(ms[0].at("timestamp")), at);
}

TEST_F(DirectNotesTest, CreateKeepsAnAttachedEntity) {
  const auto n = api_.data(api_.post(
      "/v1/notes",
      R"({"body":"About a reflection","ranges":["1:1-1:7"],"attachedEntity":{"entityId":"r-1","entityType":"reflection","entityMetadata":{"k":"v"}}})"));
  ASSERT_TRUE(n.is_object());
  EXPECT_EQ(n.at("attachedEntities"),
            json::parse(R"([{"entityId":"r-1","entityType":"reflection","entityMetadata":{"k":"v"}}])"));
  EXPECT_EQ(id_set("/v1/notes/by-attached-entity?entityId=r-1&entityType=reflection"),
            (std::set<std::string>{str(n.at("id"))}));
  EXPECT_TRUE(id_set("/v1/notes/by-attached-entity?entityId=r-2&entityType=reflection").empty());
  const auto pulled = pulls::only_entry(pulls::pulled(sync_, 0), "NOTE", str(n.at("id")));
  EXPECT_EQ(pulled.at("data").at("attachedEntities"), n.at("attachedEntities"));
}

TEST_F(DirectNotesTest, CreateRejectsBadNotesWithTheFieldNamed) {
  const auto head = sync_.head();
  const std::string ok_ranges = R"("ranges":["1:1-1:2"])";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{" + ok_ranges + "}", "Missing body"},
      {R"({"body":"short",)" + ok_ranges + "}", "Invalid body: must be 6-10000 characters"},
      {R"({"body":")" + std::string(10001, 'x') + R"(",)" + ok_ranges + "}", "Invalid body: must be 6-10000 characters"},
      {R"({"body":"long enough"})", "Missing ranges"},
      {R"({"body":"long enough","ranges":[]})", R"(Invalid ranges: must be an array of 1-100 ranges like "2:255-2:257")"},
      {R"({"body":"long enough","ranges":"2:1-2:2"})", R"(Invalid ranges: must be an array of 1-100 ranges like "2:255-2:257")"},
      {R"({"body":"long enough","ranges":[5]})", "Invalid ranges: each range must be a string"},
      {R"({"body":"long enough","ranges":["2:300-2:301"]})",
       R"(Invalid ranges: "2:300-2:301" is not a valid range chapter:verse-chapter:verse)"},
      {R"({"body":"long enough","ranges":["2:5-2:1"]})",
       R"(Invalid ranges: "2:5-2:1" is not a valid range chapter:verse-chapter:verse)"},
      {R"({"body":"long enough",)" + ok_ranges + R"(,"saveToQR":"yes"})", "Invalid saveToQR: must be true or false"},
      {R"({"body":"long enough",)" + ok_ranges + R"(,"attachedEntity":"r-1"})",
       "Invalid attachedEntity: must be an object"},
      {R"({"body":"long enough",)" + ok_ranges + R"(,"attachedEntity":{"entityId":"r-1","entityType":"post"}})",
       R"(Invalid attachedEntity: entityType must be "reflection")"},
      {R"({"body":"long enough",)" + ok_ranges + R"(,"attachedEntity":{"entityType":"reflection"}})",
       "Invalid attachedEntity: entityId must be a string of 1-255 characters"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body.substr(0, 80));
    expect_422(api_.post("/v1/notes", body), message);
  }
  expect_error(api_.post("/v1/notes", "not json"), 400, "invalid_request");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(id_list("/v1/notes").empty());
}

// ---- PATCH, GET, DELETE /v1/notes/{id} ----

TEST_F(DirectNotesTest, PatchUpdatesTheBodyAndKeepsRangesAndSource) {
  auto created = api_.post("/v1/notes", R"({"body":"First version","ranges":["3:1-3:5"]})");
  const auto original = api_.data(created);
  const std::string id = str(original.at("id"));
  DirectApi tablet(server_, "alice", "tablet");
  const auto before = sync_.head();
  auto r = tablet.patch("/v1/notes/" + id, R"({"body":"Second version"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const json::value body = r.json();
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data"}));
  const json::value n = body.at("data");
  EXPECT_EQ(keys_of(n), kNoteKeys);
  EXPECT_EQ(n.at("id").as_string(), id);
  EXPECT_EQ(n.at("body").as_string(), "Second version");
  EXPECT_EQ(n.at("ranges"), original.at("ranges"));
  EXPECT_EQ(n.at("createdAt"), original.at("createdAt"));
  EXPECT_EQ(n.at("source").as_string(), "test-device");  // who created it
  const auto at = mutation_at(r);
  EXPECT_EQ(str(n.at("updatedAt")), iso_utc(at));
  EXPECT_EQ(r.header("etag"), quoted(at));
  EXPECT_EQ(r.header("x-modified-by"), "tablet");  // who changed it last
  EXPECT_EQ(sync_.head(), at);

  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("type").as_string(), "UPDATE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), id);
  EXPECT_EQ(ms[0].at("data").at("body").as_string(), "Second version");
  EXPECT_EQ(num(ms[0].at("timestamp")), at);
}

TEST_F(DirectNotesTest, PatchRejectsABadBodyAndAMissingNote) {
  const std::string id = api_.note("Stays the same");
  const auto head = sync_.head();
  expect_422(api_.patch("/v1/notes/" + id, "{}"), "Missing body");
  expect_422(api_.patch("/v1/notes/" + id, R"({"body":"tiny"})"), "Invalid body: must be 6-10000 characters");
  expect_422(api_.patch("/v1/notes/" + id, R"({"body":"long enough","saveToQR":1})"),
             "Invalid saveToQR: must be true or false");
  expect_404(api_.patch("/v1/notes/missing", R"({"body":"long enough"})"), "Note not found");
  expect_404(api_.patch("/v1/notes/bad.id", R"({"body":"long enough"})"), "Note not found");
  EXPECT_EQ(sync_.head(), head);
  EXPECT_EQ(api_.data(api_.get("/v1/notes/" + id)).at("body").as_string(), "Stays the same");
}

TEST_F(DirectNotesTest, GetOneAnswersTheNoteWithItsVersion) {
  auto created = api_.post("/v1/notes", R"({"body":"Read me back","ranges":["1:1-1:7"]})");
  const std::string id = str(api_.data(created).at("id"));
  auto r = api_.get("/v1/notes/" + id);
  const auto n = api_.data(r);
  ASSERT_TRUE(n.is_object());
  EXPECT_EQ(keys_of(n), kNoteKeys);
  EXPECT_EQ(n, api_.data(created));
  EXPECT_EQ(r.header("etag"), created.header("etag"));
  EXPECT_EQ(r.header("x-modified-by"), "test-device");
  EXPECT_FALSE(r.has_header("x-mutation-at"));
  expect_404(api_.get("/v1/notes/missing"), "Note not found");
}

TEST_F(DirectNotesTest, DeleteAnswersSuccessAndIsPulledAsATombstone) {
  const std::string id = api_.note("Soon gone");
  const auto before = sync_.head();
  auto r = api_.del("/v1/notes/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json::parse(R"({"success":true,"data":{"success":true}})"));
  const auto at = mutation_at(r);
  EXPECT_GT(at, before);
  EXPECT_EQ(sync_.head(), at);
  EXPECT_FALSE(r.has_header("etag"));
  const auto ms = pulls::pulled(sync_, before);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].at("type").as_string(), "DELETE");
  EXPECT_EQ(ms[0].at("resourceId").as_string(), id);
  EXPECT_TRUE(ms[0].at("data").as_object().empty());
  expect_404(api_.get("/v1/notes/" + id), "Note not found");
  expect_404(api_.del("/v1/notes/" + id), "Note not found");
  EXPECT_EQ(sync_.head(), at);
}

// ---- GET /v1/notes ----

TEST_F(DirectNotesTest, ListPagesNewestFirstWithCursorAndLimit) {
  std::vector<std::string> ids;
  for (int i = 1; i <= 5; ++i) ids.push_back(api_.note("Note number " + std::to_string(i)));
  const std::vector<std::string> newest = {ids[4], ids[3], ids[2], ids[1], ids[0]};

  const auto all = api_.ok(api_.get("/v1/notes"));
  EXPECT_EQ(keys_of(all), (std::set<std::string>{"success", "data", "pagination"}));
  EXPECT_EQ(ids_of(all.at("data")), newest);
  for (const auto& n : all.at("data").as_array()) EXPECT_EQ(keys_of(n), kNoteKeys);
  EXPECT_EQ(keys_of(all.at("pagination")),
            (std::set<std::string>{"startCursor", "endCursor", "hasNextPage", "hasPreviousPage"}));

  std::vector<std::string> walked;
  std::string cursor;
  for (int page = 0; page < 5; ++page) {
    const auto body = api_.ok(api_.get("/v1/notes?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    for (const auto& id : ids_of(body.at("data"))) walked.push_back(id);
    EXPECT_LE(body.at("data").as_array().size(), 2u);
    if (body.at("pagination").at("hasNextPage") == json::value(false)) break;
    cursor = str(body.at("pagination").at("endCursor"));
  }
  EXPECT_EQ(walked, newest);

  EXPECT_EQ(id_list("/v1/notes?sortBy=oldest"), ids);
  EXPECT_EQ(id_list("/v1/notes?sortBy=newest&limit=1"), (std::vector<std::string>{ids[4]}));
  expect_422(api_.get("/v1/notes?limit=0"), "limit must be an integer from 1 to 100");
  expect_422(api_.get("/v1/notes?limit=101"), "limit must be an integer from 1 to 100");
  expect_422(api_.get("/v1/notes?sortBy=random"), "sortBy must be newest or oldest");
  expect_error(api_.get("/v1/notes?cursor=!!!"), 422, "unprocessable_entity");
}

// ---- by verse, by range, count, by attached entity ----

TEST_F(DirectNotesTest, ByVerseListsTheNotesCoveringThatAyah) {
  const std::string a = api_.note("Throne verse and after", R"(["2:255-2:257"])");
  const std::string b = api_.note("Before the Throne verse", R"(["2:250-2:255","3:1-3:2"])");
  api_.note("The Opening", R"(["1:1-1:7"])");
  const auto body = api_.ok(api_.get("/v1/notes/by-verse/2:255"));
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data", "pagination"}));
  EXPECT_EQ(ids_of(body.at("data")), (std::vector<std::string>{b, a}));  // newest first
  EXPECT_EQ(id_list("/v1/notes/by-verse/2:256"), (std::vector<std::string>{a}));
  EXPECT_EQ(id_list("/v1/notes/by-verse/3:2"), (std::vector<std::string>{b}));
  EXPECT_TRUE(id_list("/v1/notes/by-verse/2:1").empty());
  expect_422(api_.get("/v1/notes/by-verse/2:300"), "verseKey must be a verse key like 2:255");
  expect_422(api_.get("/v1/notes/by-verse/abc"), "verseKey must be a verse key like 2:255");
}

TEST_F(DirectNotesTest, ByRangeListsTheNotesOverlappingIt) {
  const std::string a = api_.note("Throne verse and after", R"(["2:255-2:257"])");
  const std::string b = api_.note("Before the Throne verse", R"(["2:250-2:255"])");
  const std::string c = api_.note("The Opening", R"(["1:1-1:7"])");
  const auto body = api_.ok(api_.get("/v1/notes/by-range?from=2:255&to=3:1"));
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data"}));
  EXPECT_EQ(id_set("/v1/notes/by-range?from=2:255&to=3:1"), (std::set<std::string>{a, b}));
  EXPECT_EQ(id_set("/v1/notes/by-range?from=2:256&to=2:256"), (std::set<std::string>{a}));
  EXPECT_EQ(id_set("/v1/notes/by-range?from=1:7&to=2:250"), (std::set<std::string>{b, c}));
  EXPECT_TRUE(id_set("/v1/notes/by-range?from=4:1&to=4:5").empty());
  expect_error(api_.get("/v1/notes/by-range?to=2:5"), 400, "invalid_request", "from is required", true);
  expect_error(api_.get("/v1/notes/by-range?from=2:5"), 400, "invalid_request", "to is required", true);
  expect_422(api_.get("/v1/notes/by-range?from=2:6&to=2:5"), "from must not be after to");
  expect_422(api_.get("/v1/notes/by-range?from=2:0&to=2:5"), "from must be a verse key like 2:255");
  expect_422(api_.get("/v1/notes/by-range?from=2:1&to=115:1"), "to must be a verse key like 2:255");
}

TEST_F(DirectNotesTest, CountWithinRangeCountsNotesPerAyah) {
  api_.note("Throne verse and after", R"(["2:255-2:257"])");
  api_.note("Before the Throne verse", R"(["2:250-2:255","2:255-2:255"])");  // counted once per ayah
  auto r = api_.get("/v1/notes/count-within-range?from=2:254&to=2:256");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json::parse(R"({"success":true,"data":{"2:254":1,"2:255":2,"2:256":1}})"));
  auto none = api_.get("/v1/notes/count-within-range?from=3:1&to=3:5");
  EXPECT_EQ(none.json(), json::parse(R"({"success":true,"data":{}})"));
  expect_error(api_.get("/v1/notes/count-within-range?from=3:1"), 400, "invalid_request", "to is required", true);
}

TEST_F(DirectNotesTest, ByAttachedEntityNeedsBothParameters) {
  const auto body = api_.ok(api_.get("/v1/notes/by-attached-entity?entityId=x&entityType=reflection"));
  EXPECT_EQ(keys_of(body), (std::set<std::string>{"success", "data"}));
  EXPECT_TRUE(body.at("data").as_array().empty());
  expect_error(api_.get("/v1/notes/by-attached-entity?entityType=reflection"), 400, "invalid_request",
               "entityId is required", true);
  expect_error(api_.get("/v1/notes/by-attached-entity?entityId=x"), 400, "invalid_request",
               "entityType is required", true);
  expect_422(api_.get("/v1/notes/by-attached-entity?entityId=x&entityType=post"), "entityType must be reflection");
}

// ---- publish, scopes ----

TEST_F(DirectNotesTest, PublishIsNotImplemented) {
  const std::string id = api_.note("Worth sharing");
  const auto head = sync_.head();
  auto r = api_.post("/v1/notes/" + id + "/publish", R"({"body":"Worth sharing"})");
  expect_error(r, 501, "not_implemented", "QuranReflect");
  EXPECT_EQ(sync_.head(), head);
  auto anonymous = server_.client().post("/v1/notes/" + id + "/publish", "{}");
  EXPECT_EQ(anonymous.status, 401);
}

TEST_F(DirectNotesTest, ScopesGateEachEndpoint) {
  const std::string id = api_.note("Scoped note");
  const std::string create = R"({"body":"Another note","ranges":["1:1-1:2"]})";
  const std::string update = R"({"body":"Changed body"})";

  DirectApi read(server_, "alice", "reader", "note.read");
  expect_403(read.post("/v1/notes", create));
  expect_403(read.patch("/v1/notes/" + id, update));
  expect_403(read.del("/v1/notes/" + id));
  for (const std::string target : {"/v1/notes", "/v1/notes/by-verse/1:1", "/v1/notes/by-range?from=1:1&to=1:2",
                                   "/v1/notes/count-within-range?from=1:1&to=1:2",
                                   "/v1/notes/by-attached-entity?entityId=x&entityType=reflection"}) {
    EXPECT_EQ(read.get(target).status, 200) << target;
  }
  EXPECT_EQ(read.get("/v1/notes/" + id).status, 200);

  DirectApi creator(server_, "alice", "creator", "note.create");
  EXPECT_EQ(creator.post("/v1/notes", create).status, 200);
  expect_403(creator.patch("/v1/notes/" + id, update));
  expect_403(creator.get("/v1/notes"));

  DirectApi updater(server_, "alice", "updater", "note.update");
  EXPECT_EQ(updater.patch("/v1/notes/" + id, update).status, 200);
  expect_403(updater.del("/v1/notes/" + id));

  DirectApi others(server_, "alice", "others", "sync bookmark collection reading_session");
  expect_403(others.get("/v1/notes"));
  expect_403(others.get("/v1/notes/" + id));
  expect_403(others.post("/v1/notes", create));
  expect_403(others.get("/v1/notes/by-verse/1:1"));

  DirectApi remover(server_, "alice", "remover", "note.delete");
  EXPECT_EQ(remover.del("/v1/notes/" + id).status, 200);
}

TEST_F(DirectNotesTest, NotesPushedThroughSyncAreReadDirectly) {
  auto pushed = sync_.push_ok(R"([{"resource":"NOTE","type":"CREATE","data":{"body":"From the phone","ranges":["2:1-2:5"]}}])");
  const std::string id = pulls::ack_id(pushed, 0);
  auto r = api_.get("/v1/notes/" + id);
  const auto n = api_.data(r);
  ASSERT_TRUE(n.is_object());
  EXPECT_EQ(n.at("body").as_string(), "From the phone");
  EXPECT_EQ(n.at("source").as_string(), "other-device");
  EXPECT_EQ(r.header("x-modified-by"), "other-device");
  EXPECT_EQ(etag_version(r), pulls::ack_ts(pushed, 0));
  EXPECT_EQ(id_list("/v1/notes/by-verse/2:3"), (std::vector<std::string>{id}));
}

}  // namespace
}  // namespace synclog::test
