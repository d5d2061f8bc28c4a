// conflictMode=field against the real binary (SPEC section 3 "Genuine-only conflicts",
// docs/api.md): two devices of one user edit from the same base. Each outcome the issue names
// has its test: disjoint fields merge, the same field is a conflict carrying the server's
// record, an update after a delete and a delete after an update are conflicts, and a device's
// own sequential edits never are. Around them: the rest of a batch commits when one mutation
// clashes, the default mode still answers 409, direct writes judge a stale If-Match when asked,
// and outcomes reach /metrics and the request log.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "direct_helpers.hpp"
#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using pulls::num;
using pulls::str;

// One device of alice's pushing in field mode.
class FieldDevice {
 public:
  FieldDevice(const ServerProcess& server, const std::string& client_id) : api_(server, "alice", client_id) {}

  // POST /v1/sync?conflictMode=field&lastMutationAt=<cursor> with `mutations` (a JSON array).
  Response push(std::int64_t cursor, const std::string& mutations) {
    return api_.client().post("/v1/sync?conflictMode=field&lastMutationAt=" + std::to_string(cursor),
                              R"({"mutations":)" + mutations + "}", api_.headers());
  }
  // push() expecting 200; the answer's data.
  json::object push_ok(std::int64_t cursor, const std::string& mutations) {
    const auto r = push(cursor, mutations);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().at("data").as_object();
  }
  std::int64_t head() { return api_.head(); }
  SyncApi& api() { return api_; }

 private:
  SyncApi api_;
};

std::string note_update(const std::string& id, const std::string& data, std::int64_t base = -1) {
  std::string m = R"({"type":"UPDATE","resource":"NOTE","resourceId":")" + id + R"(","data":)" + data;
  if (base >= 0) m += R"(,"baseTimestamp":)" + std::to_string(base);
  return m + "}";
}

std::string note_delete(const std::string& id) {
  return R"({"type":"DELETE","resource":"NOTE","resourceId":")" + id + R"("})";
}

const json::object& ack(const json::object& data, std::size_t i) {
  return data.at("mutations").as_array().at(i).as_object();
}

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.as_array()) out.push_back(str(s));
  return out;
}

// The note's state in a full pull (null when it is deleted or absent).
json::value pulled_note(SyncApi& api, const std::string& id) {
  json::value found;
  for (const auto& m : pulls::pulled(api, 0)) {
    if (m.at("resource") == "NOTE" && m.at("resourceId") == id.c_str()) {
      found = m.at("type") == "DELETE" ? json::value() : m.at("data");
    }
  }
  return found;
}

class FieldConflictsTest : public ::testing::Test {
 protected:
  FieldConflictsTest() : server_(direct::server_args()) {
    // One note both devices have synced: body, ranges and saveToQR at version `base_`.
    const auto d = phone_.push_ok(-1, R"([{"type":"CREATE","resource":"NOTE","resourceId":"n1",)"
                                      R"("data":{"body":"first body","ranges":["1:1-1:7"]}}])");
    base_ = num(d.at("lastMutationAt"));
  }

  ServerProcess server_;
  FieldDevice phone_{server_, "phone"};
  FieldDevice tablet_{server_, "tablet"};
  std::int64_t base_ = 0;
};

TEST_F(FieldConflictsTest, DisjointFieldsMergeAndKeepBothEdits) {
  const auto a = phone_.push_ok(base_, "[" + note_update("n1", R"({"body":"phone body"})") + "]");
  EXPECT_EQ(ack(a, 0).at("outcome"), "applied");
  const auto b = tablet_.push_ok(base_, "[" + note_update("n1", R"({"ranges":["2:1-2:5"]})") + "]");
  EXPECT_EQ(ack(b, 0).at("outcome"), "merged");
  EXPECT_EQ(num(ack(b, 0).at("timestamp")), num(b.at("lastMutationAt")));
  const auto note = pulled_note(phone_.api(), "n1");
  EXPECT_EQ(note.at("body"), "phone body");
  EXPECT_EQ(strings(note.at("ranges")), std::vector<std::string>{"2:1-2:5"});
}

TEST_F(FieldConflictsTest, SameFieldIsAConflictWithTheServersRecordAndChangesNothing) {
  phone_.push_ok(base_, "[" + note_update("n1", R"({"body":"phone body"})") + "]");
  const std::int64_t head = phone_.head();
  const auto b = tablet_.push_ok(base_, "[" + note_update("n1", R"({"body":"tablet body"})") + "]");
  const auto& c = ack(b, 0);
  EXPECT_EQ(c.at("outcome"), "conflict");
  EXPECT_FALSE(c.contains("timestamp"));
  const auto& conflict = c.at("conflict").as_object();
  EXPECT_EQ(conflict.at("reason"), "changed");
  EXPECT_EQ(strings(conflict.at("fields")), std::vector<std::string>{"body"});
  EXPECT_EQ(num(conflict.at("version")), head);
  EXPECT_EQ(conflict.at("record").at("body"), "phone body");
  EXPECT_EQ(num(b.at("lastMutationAt")), head);  // nothing applied
  EXPECT_EQ(tablet_.head(), head);
  EXPECT_EQ(pulled_note(tablet_.api(), "n1").at("body"), "phone body");
}

TEST_F(FieldConflictsTest, WritingTheValueTheFieldAlreadyHasIsNoClash) {
  phone_.push_ok(base_, "[" + note_update("n1", R"({"body":"same words"})") + "]");
  const auto b = tablet_.push_ok(base_, "[" + note_update("n1", R"({"body":"same words"})") + "]");
  EXPECT_EQ(ack(b, 0).at("outcome"), "merged");
}

TEST_F(FieldConflictsTest, UpdateAfterDeleteIsAConflict) {
  const auto a = phone_.push_ok(base_, "[" + note_delete("n1") + "]");
  const std::int64_t deleted_at = num(ack(a, 0).at("timestamp"));
  const auto b = tablet_.push_ok(base_, "[" + note_update("n1", R"({"body":"tablet body"})") + "]");
  const auto& conflict = ack(b, 0).at("conflict").as_object();
  EXPECT_EQ(ack(b, 0).at("outcome"), "conflict");
  EXPECT_EQ(conflict.at("reason"), "deleted");
  EXPECT_TRUE(conflict.at("record").is_null());
  EXPECT_EQ(num(conflict.at("version")), deleted_at);
  EXPECT_TRUE(pulled_note(tablet_.api(), "n1").is_null());
}

TEST_F(FieldConflictsTest, DeleteAfterUpdateIsAConflictAndKeepsTheUpdate) {
  phone_.push_ok(base_, "[" + note_update("n1", R"({"saveToQR":true})") + "]");
  const auto b = tablet_.push_ok(base_, "[" + note_delete("n1") + "]");
  EXPECT_EQ(ack(b, 0).at("outcome"), "conflict");
  EXPECT_EQ(strings(ack(b, 0).at("conflict").at("fields")), std::vector<std::string>{"saveToQR"});
  // The pull form has no saveToQR; the conflict's record shows it, so the clash has both values.
  EXPECT_EQ(ack(b, 0).at("conflict").at("record").at("saveToQR"), true);
  EXPECT_EQ(pulled_note(tablet_.api(), "n1").at("body"), "first body");
  // Once the tablet has seen the update, its delete goes through.
  const std::int64_t seen = tablet_.head();
  const auto c = tablet_.push_ok(seen, "[" + note_delete("n1") + "]");
  EXPECT_EQ(ack(c, 0).at("outcome"), "applied");
  EXPECT_TRUE(pulled_note(tablet_.api(), "n1").is_null());
}

TEST_F(FieldConflictsTest, SameDeviceSequentialEditsNeverConflict) {
  // The phone pushes three edits of one field from the same stale cursor, never pulling.
  for (const char* body : {"edit one", "edit two", "edit three"}) {
    const auto a = phone_.push_ok(base_, "[" + note_update("n1", std::string(R"({"body":")") + body + "\"}") + "]");
    EXPECT_EQ(ack(a, 0).at("outcome"), "applied") << body;
  }
  // Two edits of one field in one batch, from the same base, are sequential too.
  const auto b = phone_.push_ok(base_, "[" + note_update("n1", R"({"body":"edit four"})") + "," +
                                           note_update("n1", R"({"body":"edit five"})") + "]");
  EXPECT_EQ(ack(b, 0).at("outcome"), "applied");
  EXPECT_EQ(ack(b, 1).at("outcome"), "applied");
  EXPECT_EQ(pulled_note(phone_.api(), "n1").at("body"), "edit five");
}

TEST_F(FieldConflictsTest, BaseTimestampOverridesTheCursor) {
  phone_.push_ok(base_, "[" + note_update("n1", R"({"body":"phone body"})") + "]");
  const std::int64_t seen = tablet_.head();
  // A cursor from before the phone's edit, but the tablet edited from the version it pulled.
  const auto b = tablet_.push_ok(base_, "[" + note_update("n1", R"({"body":"tablet body"})", seen) + "]");
  EXPECT_EQ(ack(b, 0).at("outcome"), "applied");
  const auto r = tablet_.push(base_, "[" + note_update("n1", R"({"body":"x body"})", seen + 1000000) + "]");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("Invalid baseTimestamp at mutation[0]"), std::string::npos) << r.body;
}

TEST_F(FieldConflictsTest, TheRestOfABatchCommitsAroundAConflict) {
  phone_.push_ok(base_, "[" + note_update("n1", R"({"body":"phone body"})") + "]");
  const std::int64_t head = phone_.head();
  const auto b = tablet_.push_ok(
      base_, R"([{"type":"CREATE","resource":"NOTE","resourceId":"n2","data":{"body":"second note","ranges":["1:1-1:2"]}},)" +
                 note_update("n1", R"({"body":"tablet body"})") + "," +
                 note_update("n1", R"({"ranges":["3:1-3:4"]})") + "]");
  EXPECT_EQ(ack(b, 0).at("outcome"), "applied");
  EXPECT_EQ(ack(b, 1).at("outcome"), "conflict");
  EXPECT_EQ(ack(b, 2).at("outcome"), "merged");
  EXPECT_EQ(num(b.at("lastMutationAt")), num(ack(b, 2).at("timestamp")));
  EXPECT_GT(num(ack(b, 0).at("timestamp")), head);
  EXPECT_EQ(pulled_note(tablet_.api(), "n2").at("body"), "second note");
  EXPECT_EQ(strings(pulled_note(tablet_.api(), "n1").at("ranges")), std::vector<std::string>{"3:1-3:4"});
}

TEST_F(FieldConflictsTest, TheDefaultModeStillAnswers409) {
  phone_.push_ok(base_, "[" + note_update("n1", R"({"body":"phone body"})") + "]");
  const auto r = tablet_.api().push(base_, "[" + note_update("n1", R"({"body":"tablet body"})") + "]");
  EXPECT_EQ(r.status, 409) << r.body;
  const auto strict = tablet_.api().client().post(
      "/v1/sync?conflictMode=strict&lastMutationAt=" + std::to_string(base_),
      "{\"mutations\":[" + note_update("n1", R"({"body":"tablet body"})") + "]}", tablet_.api().headers());
  EXPECT_EQ(strict.status, 409) << strict.body;
  const auto bad = tablet_.api().client().post("/v1/sync?conflictMode=merge&lastMutationAt=" + std::to_string(base_),
                                               R"({"mutations":[]})", tablet_.api().headers());
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.json().at("error").at("code"), "ValidationError");
  // Field mode accepts a stale cursor, not one from the future.
  const auto future = tablet_.push(phone_.head() + 1, "[]");
  EXPECT_EQ(future.status, 409) << future.body;
  // The default mode keeps the upstream's required body on a NOTE UPDATE.
  const auto partial = tablet_.api().push(phone_.head(), "[" + note_update("n1", R"({"ranges":["2:1-2:5"]})") + "]");
  EXPECT_EQ(partial.status, 422) << partial.body;
}

TEST_F(FieldConflictsTest, DirectWritesJudgeAStaleIfMatchWhenAsked) {
  direct::DirectApi phone(server_, "alice", "phone");
  direct::DirectApi tablet(server_, "alice", "tablet");
  const Headers stale{{"If-Match", "\"" + std::to_string(base_) + "\""}};
  ASSERT_EQ(phone.patch("/v1/notes/n1", R"({"body":"phone body"})").status, 200);

  // Without the opt-in a stale If-Match stays 412.
  EXPECT_EQ(tablet.patch("/v1/notes/n1", R"({"body":"tablet body","ranges":["2:1-2:5"]})", stale).status, 412);
  // With it, a disjoint edit is merged...
  const auto merged = tablet.patch("/v1/notes/n1?conflictMode=field", R"({"ranges":["2:1-2:5"]})", stale);
  EXPECT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(merged.header("x-conflict-outcome"), "merged");
  EXPECT_EQ(merged.json().at("data").at("body"), "phone body");
  // ...and a clashing one is 412 with the clash.
  const auto clash = tablet.patch("/v1/notes/n1?conflictMode=field", R"({"body":"tablet body"})", stale);
  EXPECT_EQ(clash.status, 412) << clash.body;
  EXPECT_EQ(clash.header("x-conflict-outcome"), "conflict");
  const auto body = clash.json();
  EXPECT_EQ(body.at("type"), "precondition_failed");
  EXPECT_EQ(strings(body.at("conflict").at("fields")), std::vector<std::string>{"body"});
  EXPECT_EQ(body.at("conflict").at("record").at("body"), "phone body");
  // A delete from the stale version clashes with the phone's body edit.
  const auto del = tablet.del("/v1/notes/n1?conflictMode=field", {}, stale);
  EXPECT_EQ(del.status, 412) << del.body;
  EXPECT_FALSE(pulled_note(tablet_.api(), "n1").is_null());
}

TEST_F(FieldConflictsTest, OutcomesReachMetricsAndTheRequestLog) {
  phone_.push_ok(base_, "[" + note_update("n1", R"({"body":"phone body"})") + "]");
  tablet_.push_ok(base_, "[" + note_update("n1", R"({"body":"tablet body"})") + "," +
                             note_update("n1", R"({"saveToQR":true})") + "]");
  const std::string metrics = server_.client().get("/metrics").body;
  EXPECT_NE(metrics.find(R"(synclog_conflict_outcomes_total{resource="NOTE",outcome="conflict"} 1)"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find(R"(synclog_conflict_outcomes_total{resource="NOTE",outcome="merged"} 1)"), std::string::npos);
  // The create in the fixture and the phone's edit.
  EXPECT_NE(metrics.find(R"(synclog_conflict_outcomes_total{resource="NOTE",outcome="applied"} 2)"), std::string::npos);
  std::istringstream log(server_.access_log());
  std::string line, last_push;
  while (std::getline(log, line)) {
    if (line.find("\"outcomes\"") != std::string::npos) last_push = line;
  }
  ASSERT_FALSE(last_push.empty());
  const auto outcomes = json::parse(last_push).at("outcomes");
  EXPECT_EQ(num(outcomes.at("applied")), 0);
  EXPECT_EQ(num(outcomes.at("merged")), 1);
  EXPECT_EQ(num(outcomes.at("conflict")), 1);
}

// ---- What cascades would take unseen, edits that change nothing, and stale If-Match edge cases ----

// The latest pulled state of (resource, id): null when deleted or absent.
json::value pulled_state(SyncApi& api, const std::string& resource, const std::string& id) {
  json::value found;
  for (const auto& m : pulls::pulled(api, 0)) {
    if (m.at("resource") == resource.c_str() && m.at("resourceId") == id.c_str()) {
      found = m.at("type") == "DELETE" ? json::value() : m.at("data");
    }
  }
  return found;
}

bool has_membership(SyncApi& api, const std::string& collection_id, const std::string& bookmark_id) {
  bool present = false;
  for (const auto& m : pulls::pulled(api, 0)) {
    if (m.at("resource") != "COLLECTION_BOOKMARK") continue;
    const auto& d = m.at("data");
    if (d.at("collectionId") == collection_id.c_str() && d.at("bookmarkId") == bookmark_id.c_str()) {
      present = m.at("type") != "DELETE";
    }
  }
  return present;
}

std::string collection_create(const std::string& id) {
  return R"({"type":"CREATE","resource":"COLLECTION","resourceId":")" + id + R"(","data":{"name":")" + id + R"("}})";
}
std::string ayah_create(const std::string& id, int surah, int ayah) {
  return R"({"type":"CREATE","resource":"BOOKMARK","resourceId":")" + id + R"(","data":{"key":)" +
         std::to_string(surah) + R"(,"verseNumber":)" + std::to_string(ayah) + "}}";
}
std::string membership(const char* type, const std::string& collection_id, const std::string& bookmark_id) {
  return std::string(R"({"type":")") + type + R"(","resource":"COLLECTION_BOOKMARK","data":{"collectionId":")" +
         collection_id + R"(","bookmarkId":")" + bookmark_id + R"("}})";
}
std::string delete_of(const std::string& resource, const std::string& id) {
  return R"({"type":"DELETE","resource":")" + resource + R"(","resourceId":")" + id + R"("})";
}
std::string bookmark_update(const std::string& id, const std::string& data) {
  return R"({"type":"UPDATE","resource":"BOOKMARK","resourceId":")" + id + R"(","data":)" + data + "}";
}

// Lost edit: deleting a collection cascades to the bookmarks it orphans, and the judge never
// looks at them, so the tablet's unseen mushaf edit of the bookmark vanishes with "applied".
TEST_F(FieldConflictsTest, CollectionDeleteDoesNotSilentlyDropAnOrphansUnseenEdit) {
  phone_.push_ok(base_, "[" + collection_create("c1") + "," + ayah_create("bk", 2, 255) + "," +
                            membership("CREATE", "c1", "bk") + "]");
  const std::int64_t base = phone_.head();
  const auto t = tablet_.push_ok(base, "[" + bookmark_update("bk", R"({"mushafId":2})") + "]");
  ASSERT_EQ(ack(t, 0).at("outcome"), "applied");
  const auto p = phone_.push_ok(base, "[" + delete_of("COLLECTION", "c1") + "]");
  const bool kept = !pulled_state(phone_.api(), "BOOKMARK", "bk").is_null();
  EXPECT_TRUE(ack(p, 0).at("outcome") == "conflict" || kept)
      << "the tablet's mushaf edit was deleted unseen; outcome " << ack(p, 0).at("outcome");
}

// Lost edit: a bookmark DELETE removes its memberships, but unlike a collection DELETE the judge
// does not look at memberships added since the base: the tablet's add to c2 is dropped unseen.
TEST_F(FieldConflictsTest, BookmarkDeleteDoesNotSilentlyDropAnUnseenMembership) {
  phone_.push_ok(base_, "[" + collection_create("c1") + "," + collection_create("c2") + "," +
                            ayah_create("bk", 2, 255) + "," + membership("CREATE", "c1", "bk") + "]");
  const std::int64_t base = phone_.head();
  const auto t = tablet_.push_ok(base, "[" + membership("CREATE", "c2", "bk") + "]");
  ASSERT_EQ(ack(t, 0).at("outcome"), "applied");
  const auto p = phone_.push_ok(base, "[" + delete_of("BOOKMARK", "bk") + "]");
  EXPECT_EQ(ack(p, 0).at("outcome"), "conflict") << "the tablet's membership c2/bk was dropped unseen";
  EXPECT_TRUE(has_membership(phone_.api(), "c2", "bk"));
}

// Lost edit through the reading-flag cascade: the tablet chose b1 as its reading bookmark after
// the phone's base; the phone's stale choice of b2 clears b1's flag and is "applied".
TEST_F(FieldConflictsTest, TakingTheReadingFlagDoesNotSilentlyUndoAnUnseenChoice) {
  phone_.push_ok(base_, "[" + ayah_create("b1", 2, 255) + "," + ayah_create("b2", 3, 7) + "]");
  const std::int64_t base = phone_.head();
  const auto t = tablet_.push_ok(base, "[" + bookmark_update("b1", R"({"isReading":true})") + "]");
  ASSERT_EQ(ack(t, 0).at("outcome"), "applied");
  const auto p = phone_.push_ok(base, "[" + bookmark_update("b2", R"({"isReading":true})") + "]");
  EXPECT_EQ(ack(p, 0).at("outcome"), "conflict")
      << "b1's isReading, set by the tablet after the base, was cleared unseen";
}

// Lost edit (SPEC: "or a resource deleted since, is a conflict"): a client-chosen-id CREATE of a
// note the phone deleted after the tablet's base resurrects it and is "applied".
TEST_F(FieldConflictsTest, CreateOfAnIdDeletedSinceTheBaseIsAConflict) {
  phone_.push_ok(base_, "[" + note_delete("n1") + "]");
  const auto t = tablet_.push_ok(base_, R"([{"type":"CREATE","resource":"NOTE","resourceId":"n1",)"
                                        R"("data":{"body":"tablet body","ranges":["1:1-1:7"]}}])");
  EXPECT_EQ(ack(t, 0).at("outcome"), "conflict");
  EXPECT_TRUE(pulled_note(tablet_.api(), "n1").is_null()) << "the phone's delete was undone unseen";
}

// False conflict: re-adding an existing membership changes nothing, but it moves the membership's
// version, so the phone's removal from an unchanged base is reported as "delete after update".
TEST_F(FieldConflictsTest, ReAddingAnExistingMembershipIsNoChange) {
  phone_.push_ok(base_, "[" + collection_create("c1") + "," + ayah_create("bk", 2, 255) + "," +
                            membership("CREATE", "c1", "bk") + "]");
  const std::int64_t base = phone_.head();
  tablet_.push_ok(base, "[" + membership("CREATE", "c1", "bk") + "]");  // already a member
  const auto p = phone_.push_ok(base, "[" + membership("DELETE", "c1", "bk") + "]");
  EXPECT_EQ(ack(p, 0).at("outcome"), "applied") << "no two edits clashed";
}

// Contract: POST /v1/sync refuses a baseTimestamp after the head (422), but a direct write
// takes any If-Match version as its base, even one the server never handed out; a "base" from the
// future makes every change look seen and overwrites the phone's body.
TEST_F(FieldConflictsTest, DirectIfMatchFromTheFutureIsNotABase) {
  direct::DirectApi phone(server_, "alice", "phone");
  direct::DirectApi tablet(server_, "alice", "tablet");
  ASSERT_EQ(phone.patch("/v1/notes/n1", R"({"body":"phone body"})").status, 200);
  const Headers future{{"If-Match", "\"" + std::to_string(phone_.head() + 1000000) + "\""}};
  const auto r = tablet.patch("/v1/notes/n1?conflictMode=field", R"({"body":"tablet body"})", future);
  EXPECT_EQ(r.status, 412) << r.body;
  EXPECT_EQ(pulled_note(phone_.api(), "n1").at("body"), "phone body");
}

// False conflict: DELETE /v1/bookmarks/{id} of a bookmark kept for its collections only clears
// its reading flag (here a no-op), yet it is judged as a delete and refused over a mushaf edit.
TEST_F(FieldConflictsTest, DirectDeleteOfAKeptBookmarkIsJudgedAsWhatItDoes) {
  phone_.push_ok(base_, "[" + collection_create("c1") + "," + ayah_create("bk", 2, 255) + "," +
                            membership("CREATE", "c1", "bk") + "]");
  const std::int64_t base = phone_.head();
  tablet_.push_ok(base, "[" + bookmark_update("bk", R"({"mushafId":2})") + "]");
  direct::DirectApi phone(server_, "alice", "phone");
  const auto r = phone.del("/v1/bookmarks/bk?conflictMode=field", {}, {{"If-Match", "\"" + std::to_string(base) + "\""}});
  EXPECT_EQ(r.status, 200) << r.body;
}

// False conflict: without x-client-id every stamp counts as somebody else's, even one made by an
// earlier mutation of the same batch, so one request's two sequential edits clash with each other.
TEST_F(FieldConflictsTest, OneBatchWithoutClientIdDoesNotClashWithItself) {
  const Headers anonymous{{"x-auth-token", server_.token("alice")}};
  const auto r = server_.client().post(
      "/v1/sync?conflictMode=field&lastMutationAt=" + std::to_string(base_),
      R"({"mutations":[)" + note_update("n1", R"({"body":"edit one"})") + "," +
          note_update("n1", R"({"body":"edit two"})") + "]}",
      anonymous);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto data = r.json().at("data").as_object();
  EXPECT_EQ(ack(data, 0).at("outcome"), "applied");
  EXPECT_EQ(ack(data, 1).at("outcome"), "applied");
}

}  // namespace
}  // namespace synclog::test
