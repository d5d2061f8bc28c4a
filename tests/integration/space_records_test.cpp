// A space's records one by one against the real binary (docs/api.md "A space's records one by
// one"): POST creates with a minted id (201, ETag, X-Modified-By), GET answers the ETag and 304
// on If-None-Match, PUT creates then sets the fields given, PATCH sets fields (404 when absent),
// If-Match stale is 412 and If-None-Match: * on an existing record is 412, conflictMode=field
// judges a stale If-Match (a clash: 412 with the conflict and X-Conflict-Outcome: conflict;
// otherwise applied, merged), DELETE, the list's first/after pages, Idempotency-Key replays,
// and that record writes are entries of the space's log like pushes.
#include "server_process.hpp"
#include "space_helpers.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace synclog::test {
namespace {

namespace json = boost::json;
using spaces::Device;
using spaces::num;
using spaces::str;

std::string etag_of(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }
std::int64_t version_of(const std::string& etag) {
  return etag.size() > 2 ? std::stoll(etag.substr(1, etag.size() - 2)) : -1;
}

class SpaceRecordsTest : public spaces::SpaceTeamTest {
 protected:
  // The current ETag of an inspection.
  std::string etag(const std::string& id) {
    const auto r = bob_.get_record(kSpace, "inspection", id);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.header("etag");
  }
};

TEST_F(SpaceRecordsTest, PostCreatesARecordWithAMintedId) {
  const auto r = bob_.post_record(kSpace, "inspection", R"({"site":"s1","notes":"by post"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto d = r.json().at("data").as_object();
  const std::string id = str(d.at("id"));
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(d.at("site"), "s1");
  EXPECT_EQ(d.at("notes"), "by post");
  EXPECT_EQ(d.at("status"), "draft");  // the default
  EXPECT_EQ(d.at("updatedBy"), "bob");
  EXPECT_TRUE(d.at("clientCreatedAt").is_string());
  EXPECT_EQ(r.header("x-modified-by"), "bob");
  const std::int64_t at = std::stoll(r.header("x-mutation-at"));
  EXPECT_EQ(r.header("etag"), etag_of(at));
  EXPECT_GT(at, base_);

  // Another POST mints another id.
  const auto r2 = bob_.post_record(kSpace, "inspection", R"({"site":"s1","notes":"by post"})");
  ASSERT_EQ(r2.status, 201) << r2.body;
  EXPECT_NE(str(r2.json().at("data").at("id")), id);

  // The write is an entry of the space's log, like a push's.
  const auto rec = dana_.pulled_record(kSpace, "inspection", id);
  EXPECT_EQ(rec.at("notes"), "by post");
  EXPECT_EQ(rec.at("updatedBy"), "bob");
}

TEST_F(SpaceRecordsTest, GetAnswersTheRecordWithItsETagAnd304WhenUnchanged) {
  const auto r = dana_.get_record(kSpace, "inspection", "i1");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto d = r.json().at("data").as_object();
  EXPECT_EQ(d.at("id"), "i1");
  EXPECT_EQ(d.at("site"), "s1");
  EXPECT_EQ(d.at("notes"), "start");
  EXPECT_EQ(d.at("updatedBy"), "alice");
  EXPECT_EQ(r.header("x-modified-by"), "alice");
  EXPECT_EQ(r.header("etag"), etag_of(base_));

  const auto same =
      dana_.get_record(kSpace, "inspection", "i1", {{"If-None-Match", r.header("etag")}});
  EXPECT_EQ(same.status, 304) << same.body;
  EXPECT_TRUE(same.body.empty());
  EXPECT_EQ(same.header("etag"), r.header("etag"));
  const auto weak =
      dana_.get_record(kSpace, "inspection", "i1", {{"If-None-Match", "W/" + r.header("etag")}});
  EXPECT_EQ(weak.status, 304);
  const auto other = dana_.get_record(kSpace, "inspection", "i1", {{"If-None-Match", "\"12345\""}});
  EXPECT_EQ(other.status, 200);
  const auto bad = dana_.get_record(kSpace, "inspection", "i1", {{"If-None-Match", "not-a-tag"}});
  EXPECT_EQ(bad.status, 400) << bad.body;

  EXPECT_EQ(dana_.get_record(kSpace, "inspection", "nope").status, 404);
  const auto no_type = dana_.get_record(kSpace, "weather", "i1");
  EXPECT_EQ(no_type.status, 404) << no_type.body;
}

TEST_F(SpaceRecordsTest, PutCreatesThenSetsTheFieldsGiven) {
  const auto created =
      bob_.put_record(kSpace, "inspection", "i-put", R"({"site":"s1","notes":"first"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json().at("data").at("id"), "i-put");
  const auto updated =
      bob_.put_record(kSpace, "inspection", "i-put", R"({"status":"in_progress"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  const auto d = updated.json().at("data").as_object();
  EXPECT_EQ(d.at("status"), "in_progress");
  EXPECT_EQ(d.at("notes"), "first");  // not given: kept
  EXPECT_NE(updated.header("etag"), created.header("etag"));
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i-put").at("status"), "in_progress");
  // A PUT that creates must give the required fields.
  const auto incomplete = bob_.put_record(kSpace, "inspection", "i-put2", R"({"notes":"no site"})");
  EXPECT_EQ(incomplete.status, 422) << incomplete.body;
  EXPECT_TRUE(bob_.record(kSpace, "inspection", "i-put2").is_null());
}

TEST_F(SpaceRecordsTest, PutOnAnExistingRecordKeepsFieldsNotGivenEvenThoseWithADefault) {
  // Defaults are for new records: a PUT on an existing one sets the fields given and nothing
  // else, so a deactivated site is not made active again by an edit that did not mention it.
  ASSERT_EQ(bob_.patch_record(kSpace, "inspection", "i1", R"({"status":"submitted"})").status, 200);
  const auto r = bob_.put_record(kSpace, "inspection", "i1", R"({"notes":"only the notes"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("data").at("notes"), "only the notes");
  EXPECT_EQ(r.json().at("data").at("status"), "submitted") << r.body;
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i1").at("status"), "submitted");

  ASSERT_EQ(lead_.patch_record(kSpace, "site", "s1", R"({"active":false})").status, 200);
  const auto site = lead_.put_record(kSpace, "site", "s1", R"({"city":"Manchester"})");
  ASSERT_EQ(site.status, 200) << site.body;
  EXPECT_EQ(site.json().at("data").at("active"), false) << site.body;
}

TEST_F(SpaceRecordsTest, PatchSetsTheFieldsGivenAndIs404WhenAbsent) {
  const auto r = bob_.patch_record(kSpace, "inspection", "i1", R"({"result":"pass","notes":null})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto d = r.json().at("data").as_object();
  EXPECT_EQ(d.at("result"), "pass");
  EXPECT_FALSE(d.contains("notes"));
  EXPECT_EQ(d.at("site"), "s1");
  EXPECT_EQ(d.at("updatedBy"), "bob");
  EXPECT_EQ(r.header("x-modified-by"), "bob");

  const auto missing = bob_.patch_record(kSpace, "inspection", "i-none", R"({"result":"pass"})");
  EXPECT_EQ(missing.status, 404) << missing.body;
  const auto invalid = bob_.patch_record(kSpace, "inspection", "i1", R"({"result":"maybe"})");
  EXPECT_EQ(invalid.status, 422) << invalid.body;
  const auto reference = bob_.patch_record(kSpace, "inspection", "i1", R"({"asset":"a404"})");
  EXPECT_EQ(reference.status, 422) << reference.body;
  const auto required = bob_.patch_record(kSpace, "inspection", "i1", R"({"site":null})");
  EXPECT_EQ(required.status, 422) << required.body;
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i1").at("result"), "pass");
}

TEST_F(SpaceRecordsTest, AStaleIfMatchIs412AndChangesNothing) {
  const std::string old = etag("i1");
  ASSERT_EQ(dana_.patch_record(kSpace, "inspection", "i1", R"({"notes":"dana"})").status, 200);
  const std::int64_t head = owner_.head(kSpace);

  const auto stale =
      bob_.patch_record(kSpace, "inspection", "i1", R"({"result":"fail"})", {{"If-Match", old}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(spaces::error_code(stale), "precondition_failed");
  const auto stale_put =
      bob_.put_record(kSpace, "inspection", "i1", R"({"result":"fail"})", {{"If-Match", old}});
  EXPECT_EQ(stale_put.status, 412) << stale_put.body;
  const auto stale_delete = bob_.delete_record(kSpace, "inspection", "i1", {{"If-Match", old}});
  EXPECT_EQ(stale_delete.status, 412) << stale_delete.body;
  EXPECT_EQ(owner_.head(kSpace), head);
  EXPECT_FALSE(bob_.record(kSpace, "inspection", "i1").as_object().contains("result"));

  // The current one applies; so do a list naming it, and *.
  const auto current = bob_.patch_record(kSpace, "inspection", "i1", R"({"result":"fail"})",
                                         {{"If-Match", etag("i1")}});
  EXPECT_EQ(current.status, 200) << current.body;
  const auto listed = bob_.patch_record(kSpace, "inspection", "i1", R"({"result":"pass"})",
                                        {{"If-Match", old + ", " + etag("i1")}});
  EXPECT_EQ(listed.status, 200) << listed.body;
  const auto any =
      bob_.patch_record(kSpace, "inspection", "i1", R"({"result":"fail"})", {{"If-Match", "*"}});
  EXPECT_EQ(any.status, 200) << any.body;
  // If-Match on a record that does not exist is 412 too.
  const auto absent =
      bob_.put_record(kSpace, "inspection", "i-new", R"({"site":"s1"})", {{"If-Match", "*"}});
  EXPECT_EQ(absent.status, 412) << absent.body;
  EXPECT_EQ(
      bob_.put_record(kSpace, "inspection", "i1", R"({"site":"s1"})", {{"If-Match", "garbage"}})
          .status,
      400);
}

TEST_F(SpaceRecordsTest, IfNoneMatchStarCreatesOnly) {
  const auto exists = bob_.put_record(kSpace, "inspection", "i1",
                                      R"({"site":"s1","notes":"again"})", {{"If-None-Match", "*"}});
  EXPECT_EQ(exists.status, 412) << exists.body;
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i1").at("notes"), "start");
  const auto fresh = bob_.put_record(kSpace, "inspection", "i-fresh", R"({"site":"s1"})",
                                     {{"If-None-Match", "*"}});
  EXPECT_EQ(fresh.status, 201) << fresh.body;
  const auto twice = bob_.put_record(kSpace, "inspection", "i-fresh", R"({"site":"s2"})",
                                     {{"If-None-Match", "*"}});
  EXPECT_EQ(twice.status, 412) << twice.body;
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i-fresh").at("site"), "s1");
}

TEST_F(SpaceRecordsTest, FieldModeJudgesAStaleIfMatch) {
  const std::string old = etag("i1");
  ASSERT_EQ(dana_.patch_record(kSpace, "inspection", "i1", R"({"status":"in_progress"})").status,
            200);
  const std::string now = etag("i1");

  // bob changes the same field from the old version: a clash with dana, a 412 with both sides.
  const auto clash = bob_.patch_record(kSpace, "inspection", "i1", R"({"status":"submitted"})",
                                       {{"If-Match", old}}, "?conflictMode=field");
  ASSERT_EQ(clash.status, 412) << clash.body;
  EXPECT_EQ(clash.header("x-conflict-outcome"), "conflict");
  const auto body = clash.json();
  EXPECT_EQ(body.at("success"), false);
  EXPECT_EQ(body.at("type"), "precondition_failed");
  const auto& c = body.at("conflict").as_object();
  EXPECT_EQ(c.at("reason"), "changed");
  EXPECT_EQ(spaces::strings(c.at("fields")), std::vector<std::string>{"status"});
  EXPECT_EQ(etag_of(num(c.at("version"))), now);
  EXPECT_EQ(c.at("record").at("status"), "in_progress");
  const auto s = spaces::clash_for(c.at("clashes"), "status");
  EXPECT_EQ(s.at("server").at("by"), "dana");
  EXPECT_EQ(s.at("server").at("client"), "dana-tablet");
  EXPECT_EQ(s.at("device").at("value"), "submitted");
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i1").at("status"), "in_progress");

  // Another field from the old version: merged and applied.
  const auto merged = bob_.patch_record(kSpace, "inspection", "i1", R"({"notes":"bob's"})",
                                        {{"If-Match", old}}, "?conflictMode=field");
  ASSERT_EQ(merged.status, 200) << merged.body;
  EXPECT_EQ(merged.header("x-conflict-outcome"), "merged");
  EXPECT_EQ(merged.json().at("data").at("status"), "in_progress");
  EXPECT_EQ(merged.json().at("data").at("notes"), "bob's");

  // Resolved from the conflict's version: applied.
  const auto resolved = bob_.patch_record(kSpace, "inspection", "i1", R"({"status":"submitted"})",
                                          {{"If-Match", etag("i1")}}, "?conflictMode=field");
  EXPECT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i1").at("status"), "submitted");

  // A version the record never had (from the future) is the plain 412.
  const auto future =
      bob_.patch_record(kSpace, "inspection", "i1", R"({"notes":"x"})",
                        {{"If-Match", etag_of(version_of(now) + 10000000)}}, "?conflictMode=field");
  EXPECT_EQ(future.status, 412) << future.body;
  EXPECT_FALSE(future.has_header("x-conflict-outcome"));
}

TEST_F(SpaceRecordsTest, FieldModeSamePersonOnAnotherDeviceIsSoftMerged) {
  const std::string old = etag("i1");
  Device bob_tablet(server_, "bob", "bob-tablet");
  ASSERT_EQ(
      bob_.patch_record(kSpace, "inspection", "i1",
                        R"({"status":"in_progress","clientUpdatedAt":"2026-12-07T09:00:00Z"})")
          .status,
      200);
  const auto r =
      bob_tablet.patch_record(kSpace, "inspection", "i1",
                              R"({"status":"submitted","clientUpdatedAt":"2026-12-07T09:10:00Z"})",
                              {{"If-Match", old}}, "?conflictMode=field");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-conflict-outcome"), "softMerged");
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i1").at("status"), "submitted");
}

TEST_F(SpaceRecordsTest, AFieldModeDeleteSettledForTheServerAnswersTheRecordItKept) {
  // bob's tablet changed the inspection, captured after the phone's DELETE (which is captured
  // when it arrives): the later capture wins, the record stays, and the phone must not be told
  // it was deleted.
  const std::string old = etag("i1");
  Device bob_tablet(server_, "bob", "bob-tablet");
  ASSERT_EQ(bob_tablet
                .patch_record(kSpace, "inspection", "i1",
                              R"({"notes":"kept","clientUpdatedAt":"2099-01-01T00:00:00Z"})")
                .status,
            200);
  const auto r = bob_.delete_record(kSpace, "inspection", "i1", {{"If-Match", old}}, "?conflictMode=field");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("x-conflict-outcome"), "softMerged");
  const auto d = r.json().at("data").as_object();
  EXPECT_FALSE(d.contains("deleted")) << r.body;
  EXPECT_EQ(d.at("id"), "i1");
  EXPECT_EQ(d.at("notes"), "kept");
  EXPECT_EQ(r.header("etag"), etag("i1"));
  EXPECT_EQ(bob_.get_record(kSpace, "inspection", "i1").status, 200);
}

TEST_F(SpaceRecordsTest, DeleteRemovesTheRecord) {
  const auto r = bob_.delete_record(kSpace, "inspection", "i1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().at("data"), json::parse(R"({"id":"i1","deleted":true})"));
  EXPECT_FALSE(r.header("x-mutation-at").empty());
  EXPECT_EQ(bob_.get_record(kSpace, "inspection", "i1").status, 404);
  const auto entries = spaces::entries_for(dana_.pulled(kSpace, base_), "inspection", "i1");
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].at("type"), "DELETE");
  // A PATCH of the deleted record is 404; a PUT creates it again.
  EXPECT_EQ(bob_.patch_record(kSpace, "inspection", "i1", R"({"notes":"x"})").status, 404);
  EXPECT_EQ(bob_.put_record(kSpace, "inspection", "i1", R"({"site":"s1"})").status, 201);
}

TEST_F(SpaceRecordsTest, TheListPagesWithFirstAndAfter) {
  for (const char* id : {"i-a", "i-b", "i-c", "i-d"}) {
    ASSERT_EQ(bob_.put_record(kSpace, "inspection", id, R"({"site":"s1"})").status, 201);
  }
  std::vector<std::string> ids;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    const auto r = dana_.list_records(kSpace, "inspection",
                                      "?first=2" + (after.empty() ? "" : "&after=" + after));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto body = r.json();
    for (const auto& rec : body.at("data").as_array()) ids.push_back(str(rec.at("id")));
    const auto& p = body.at("pagination");
    if (!p.at("hasNextPage").as_bool()) break;
    after = str(p.at("endCursor"));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"i-a", "i-b", "i-c", "i-d", "i1"}));

  const auto all = dana_.list_records(kSpace, "site");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.json().at("data").as_array().size(), 2u);
  EXPECT_EQ(all.json().at("data").at(0).at("id"), "s1");
  EXPECT_EQ(dana_.list_records(kSpace, "inspection", "?first=101").status, 422);
  EXPECT_EQ(dana_.list_records(kSpace, "weather").status, 404);
}

TEST_F(SpaceRecordsTest, AnIdempotencyKeyReplaysTheWrite) {
  const Headers key{{"Idempotency-Key", "\"rec-0001\""}};
  const auto first = bob_.post_record(kSpace, "inspection", R"({"site":"s1","notes":"once"})", key);
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_FALSE(first.has_header("idempotent-replayed"));
  const auto again = bob_.post_record(kSpace, "inspection", R"({"site":"s1","notes":"once"})",
                                      {{"Idempotency-Key", "rec-0001"}});
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("etag"), first.header("etag"));
  EXPECT_EQ(again.header("x-mutation-at"), first.header("x-mutation-at"));
  int found = 0;
  for (const auto& m : dana_.pulled(kSpace, base_)) {
    if (m.at("resource") == "inspection" && m.at("data").at("notes") == "once") ++found;
  }
  EXPECT_EQ(found, 1);
  // The same key with another request is 422 and changes nothing.
  const auto other =
      bob_.post_record(kSpace, "inspection", R"({"site":"s1","notes":"twice"})", key);
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_NE(spaces::error_message(other).find("Idempotency-Key"), std::string::npos) << other.body;
  // Another member's same key is theirs.
  const auto dana = dana_.post_record(kSpace, "inspection", R"({"site":"s1","notes":"once"})", key);
  EXPECT_EQ(dana.status, 201) << dana.body;
  EXPECT_FALSE(dana.has_header("idempotent-replayed"));
}

TEST_F(SpaceRecordsTest, AWriteNamingTheHeadIs409WhenStale) {
  const std::int64_t head = owner_.head(kSpace);
  const auto ok = bob_.patch_record(kSpace, "inspection", "i1", R"({"notes":"at head"})", {},
                                    "?lastMutationAt=" + std::to_string(head));
  EXPECT_EQ(ok.status, 200) << ok.body;
  const auto stale = bob_.patch_record(kSpace, "inspection", "i1", R"({"notes":"stale"})", {},
                                       "?lastMutationAt=" + std::to_string(head));
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(bob_.record(kSpace, "inspection", "i1").at("notes"), "at head");
}

}  // namespace
}  // namespace synclog::test
