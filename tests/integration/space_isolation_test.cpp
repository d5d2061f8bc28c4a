// Who learns and changes what in a space, against the real binary (docs/api.md "Who learns
// what", roles, "Revocation"): on every space endpoint (info, members, review, sync GET/POST,
// records GET/list/POST/PUT/PATCH/DELETE, pushes with references) a non-member gets exactly the
// 404 of a space that does not exist and changes nothing; a viewer reads but every write is
// refused (field mode: rejected/permission per mutation; strict: 403; record endpoints: 403); a
// removed member gets 403 SpaceAccessRevoked everywhere and changes nothing but the review
// list; a reference to a record of another space does not resolve; members do not write master
// data, leads do.
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
using spaces::ack;
using spaces::batch;
using spaces::create;
using spaces::describe;
using spaces::Device;
using spaces::Mode;
using spaces::num;
using spaces::push_body;
using spaces::send;
using spaces::SpaceCall;
using spaces::str;
using spaces::update;

// Every endpoint of a space, with requests a member could well send.
std::vector<SpaceCall> reads() {
  return {
      {"GET", "/v1/spaces/{space}", "", {}},
      {"GET", "/v1/spaces/{space}/members", "", {}},
      {"GET", "/v1/spaces/{space}/sync?mutationsSince=0", "", {}},
      {"GET", "/v1/spaces/{space}/sync?mutationsSince=0&metadataOnly=true", "", {}},
      {"GET",
       "/v1/spaces/{space}/sync?mutationsSince=0&resources=site,asset&limit=5&page=1",
       "",
       {}},
      {"GET", "/v1/spaces/{space}/records/inspection", "", {}},
      {"GET", "/v1/spaces/{space}/records/inspection?first=1", "", {}},
      {"GET", "/v1/spaces/{space}/records/inspection/i1", "", {}},
      {"GET", "/v1/spaces/{space}/records/site/s1", "", {{"If-None-Match", "*"}}},
      {"GET", "/v1/spaces/{space}/records/site/no-such-site", "", {}},
  };
}

std::vector<SpaceCall> writes() {
  const std::string strict_push =
      push_body(batch({create("inspection", "i-x", R"({"site":"s1"})")}));
  const std::string field_push = push_body(
      batch({create("inspection", "i-y", R"({"site":"s1","asset":"a1"})"),
             update("inspection", "i1", R"({"notes":"changed"})"), spaces::remove("site", "s2")}));
  return {
      {"POST", "/v1/spaces/{space}/sync?lastMutationAt=-1", strict_push, {}, true},
      {"POST", "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field", field_push, {}, true},
      {"POST",
       "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field",
       field_push,
       {{"Idempotency-Key", "iso-1"}},
       true},
      {"POST", "/v1/spaces/{space}/records/inspection", R"({"site":"s1"})", {}, true},
      {"PUT", "/v1/spaces/{space}/records/inspection/i-z", R"({"site":"s1"})", {}, true},
      {"PUT", "/v1/spaces/{space}/records/inspection/i1", R"({"notes":"put"})", {}, true},
      {"PATCH", "/v1/spaces/{space}/records/inspection/i1", R"({"notes":"patched"})", {}, true},
      {"PATCH",
       "/v1/spaces/{space}/records/inspection/i1?conflictMode=field",
       R"({"notes":"patched"})",
       {{"If-Match", "\"1\""}},
       true},
      {"DELETE", "/v1/spaces/{space}/records/inspection/i1", "", {}, true},
      {"DELETE", "/v1/spaces/{space}/records/site/s2", "", {}, true},
  };
}

// Writes that are not a space's data: members and the review list.
std::vector<SpaceCall> management() {
  return {
      {"PUT", "/v1/spaces/{space}/members", R"({"person":"mallory","role":"owner"})", {}},
      {"PUT", "/v1/spaces/{space}/members", R"({"person":"bob","role":"viewer"})", {}},
      {"DELETE", "/v1/spaces/{space}/members?person=bob", "", {}},
      {"GET", "/v1/spaces/{space}/review", "", {}},
      {"DELETE", "/v1/spaces/{space}/review/some-item", "", {}},
  };
}

std::vector<SpaceCall> dry_runs() {
  return {
      {"POST",
       "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field&dryRun=true",
       push_body(batch({create("inspection", "i-d", R"({"site":"s1"})"),
                        create("inspection", "i-e", R"({"site":"s9"})")})),
       {}},
      {"POST",
       "/v1/spaces/{space}/sync?lastMutationAt=-1&dryRun=true",
       push_body(batch({create("inspection", "i-d", R"({"site":"s1"})")})),
       {}},
  };
}

// Requests whose content a member would get refused for (an unknown type, field, version,
// filter): for a stranger, those must not tell the space's schema either.
std::vector<SpaceCall> invalid_content() {
  return {
      {"GET", "/v1/spaces/{space}/records/bogus", "", {}},
      {"GET", "/v1/spaces/{space}/records/bogus/x", "", {}},
      {"POST", "/v1/spaces/{space}/records/bogus", R"({"a":1})", {}, true},
      {"PATCH", "/v1/spaces/{space}/records/inspection/i1", R"({"bogus":1})", {}, true},
      {"GET", "/v1/spaces/{space}/sync?mutationsSince=0&resources=bogus", "", {}},
      {"POST",
       "/v1/spaces/{space}/sync?lastMutationAt=-1",
       push_body(batch({create("inspection", "i-x", R"({"site":"s1","bogus":1})")})),
       {},
       true},
      {"POST",
       "/v1/spaces/{space}/sync?lastMutationAt=-1",
       push_body(batch({create("bogus", "b1", R"({})")})),
       {},
       true},
      {"POST",
       "/v1/spaces/{space}/sync?lastMutationAt=-1&conflictMode=field",
       push_body(batch({create("inspection", "i-x", R"({"site":"s1"})")})),
       {{"X-Schema-Version", "99"}},
       true},
      {"POST",
       "/v1/spaces/{space}/sync?lastMutationAt=-1&conflictMode=field",
       push_body(batch({create("inspection", "i-x", R"({"site":"s1"})")})),
       {{"X-Schema-Version", "0"}},
       true},
  };
}

class SpaceIsolationTest : public spaces::SpaceTeamTest {
 protected:
  spaces::SpaceSnapshot snapshot() { return spaces::snapshot(owner_, kSpace); }

  // A stranger gets, on `space` and on a space that does not exist, the same 404.
  void expect_stranger_404(const std::vector<SpaceCall>& calls) {
    for (const auto& c : calls) {
      SCOPED_TRACE(describe(c));
      const auto there = send(stranger_, c, kSpace);
      const auto nowhere = send(stranger_, c, "nowhere");
      EXPECT_EQ(nowhere.status, 404) << nowhere.body;
      EXPECT_EQ(nowhere.body, spaces::not_found_body("nowhere"));
      EXPECT_EQ(there.status, 404) << there.body;
      EXPECT_EQ(there.body, spaces::not_found_body(kSpace));
      EXPECT_EQ(there.header("content-type"), nowhere.header("content-type"));
      EXPECT_FALSE(there.has_header("etag"));
      EXPECT_FALSE(there.has_header("x-mutation-at"));
    }
  }

  // A removed member gets 403 SpaceAccessRevoked naming the space.
  void expect_revoked(Device& d, const SpaceCall& c) {
    SCOPED_TRACE(describe(c));
    const auto r = send(d, c, kSpace);
    const bool revoked = r.status == 403 && spaces::error_code(r) == "SpaceAccessRevoked" &&
                         spaces::contains(spaces::error_message(r), std::string("space ") + kSpace);
    EXPECT_TRUE(revoked) << r.status << " " << r.body;
    if (c.write && revoked) {
      const auto e = r.json().at("error");
      EXPECT_EQ(e.at("spaceId"), kSpace) << r.body;
      EXPECT_FALSE(str(e.at("reviewId")).empty()) << r.body;
    }
  }

  std::size_t review_items() {
    const auto r = owner_.review(kSpace);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json().at("data").at("items").as_array().size() : 0;
  }
};

// ---------------------------------------------------------------------------------------------
// Strangers.

TEST_F(SpaceIsolationTest, AStrangerReadingGetsTheSame404AsForASpaceThatDoesNotExist) {
  const auto before = snapshot();
  expect_stranger_404(reads());
  EXPECT_TRUE(snapshot() == before);
}

TEST_F(SpaceIsolationTest, AStrangerWritingGetsTheSame404AndChangesNothing) {
  const auto before = snapshot();
  expect_stranger_404(writes());
  expect_stranger_404(dry_runs());
  EXPECT_TRUE(snapshot() == before);
  // The key the stranger used is no one's answer: bob's own request under it is his.
  const auto r = bob_.push(kSpace, base_, batch({update("inspection", "i1", R"({"notes":"bob"})")}),
                           Mode::kField, {{"Idempotency-Key", "iso-1"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.has_header("idempotent-replayed"));
}

TEST_F(SpaceIsolationTest, AStrangerManagingMembersGetsTheSame404AndChangesNothing) {
  const auto before = snapshot();
  expect_stranger_404(management());
  EXPECT_TRUE(snapshot() == before);
  EXPECT_TRUE(stranger_.feed_entries(0).empty());
}

TEST_F(SpaceIsolationTest, AStrangerSendingContentTheSchemaRefusesGetsTheSame404) {
  // What is wrong with a request in the light of the space (a type, a field, a schema version,
  // a filter) would tell a stranger the space exists and what its schema holds: they get the
  // 404 of a space that does not exist instead.
  const auto before = snapshot();
  expect_stranger_404(invalid_content());
  EXPECT_TRUE(snapshot() == before);
}

TEST_F(SpaceIsolationTest, AStrangersPushReferencingTheSpacesRecordsLearnsNothingOfThem) {
  // A push naming a site that exists and one that does not: the same 404 either way.
  for (const char* site : {"s1", "no-such-site"}) {
    const std::string m =
        batch({create("inspection", "", std::string(R"({"site":")") + site + R"("})")});
    for (Mode mode : {Mode::kStrict, Mode::kField}) {
      const auto r = stranger_.push(kSpace, 0, m, mode);
      EXPECT_EQ(r.status, 404) << site << ": " << r.body;
      EXPECT_EQ(r.body, spaces::not_found_body(kSpace));
    }
  }
  EXPECT_EQ(owner_.head(kSpace), base_);
}

// ---------------------------------------------------------------------------------------------
// Viewers.

TEST_F(SpaceIsolationTest, AViewerReadsEverything) {
  for (const auto& c : reads()) {
    SCOPED_TRACE(describe(c));
    const auto r = send(viewer_, c, kSpace);
    if (spaces::contains(c.path, "no-such-site")) {
      EXPECT_EQ(r.status, 404) << r.body;
      EXPECT_EQ(spaces::error_message(r), "Record no-such-site not found");
    } else if (c.headers.empty()) {
      EXPECT_EQ(r.status, 200) << r.body;
    } else {
      EXPECT_EQ(r.status, 304) << r.body;  // If-None-Match: * on a record that exists
    }
  }
  EXPECT_EQ(viewer_.pulled_record(kSpace, "inspection", "i1").at("notes"), "start");
  EXPECT_EQ(viewer_.info(kSpace).json().at("data").at("role"), "viewer");
}

TEST_F(SpaceIsolationTest, AViewersFieldModePushIsRejectedMutationByMutationForPermission) {
  const auto d =
      viewer_.push_ok(kSpace, base_,
                      batch({create("inspection", "i-v", R"({"site":"s1"})"),
                             update("inspection", "i1", R"({"notes":"viewer"})"),
                             spaces::remove("inspection", "i1"),
                             create("site", "s-v", spaces::site_data("Viewer site", "V-1"))}));
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    const auto a = ack(d, i);
    EXPECT_EQ(a.at("outcome"), "rejected") << json::serialize(a);
    EXPECT_EQ(a.at("rejection").at("reason"), "permission");
    EXPECT_FALSE(a.contains("timestamp"));
  }
  EXPECT_EQ(spaces::head_of(d), base_);
  EXPECT_EQ(owner_.head(kSpace), base_);
}

TEST_F(SpaceIsolationTest, AViewersStrictPushAndRecordWritesAre403AndChangeNothing) {
  const auto before = snapshot();
  const auto strict = viewer_.push(
      kSpace, base_, batch({update("inspection", "i1", R"({"notes":"viewer"})")}), Mode::kStrict);
  EXPECT_EQ(strict.status, 403) << strict.body;
  for (const auto& c : writes()) {
    SCOPED_TRACE(describe(c));
    const bool sync = c.path.find("/sync") != std::string::npos;
    if (sync && c.path.find("conflictMode=field") == std::string::npos) continue;  // strict: above
    const auto r = send(viewer_, c, kSpace);
    if (sync) {
      ASSERT_EQ(r.status, 200) << r.body;
      const auto body = r.json();
      for (const auto& a : body.at("data").at("mutations").as_array()) {
        EXPECT_EQ(a.at("outcome"), "rejected") << r.body;
        EXPECT_EQ(a.at("rejection").at("reason"), "permission") << r.body;
      }
    } else {
      EXPECT_EQ(r.status, 403) << r.body;
      EXPECT_EQ(spaces::error_code(r), "forbidden") << r.body;
    }
  }
  for (const auto& c : management()) {
    SCOPED_TRACE(describe(c));
    EXPECT_EQ(send(viewer_, c, kSpace).status, 403);
  }
  EXPECT_TRUE(snapshot() == before);
}

TEST_F(SpaceIsolationTest, AViewersDryRunSaysWhatARealPushWould) {
  const auto r =
      viewer_.push(kSpace, base_, batch({create("inspection", "i-v", R"({"site":"s1"})")}),
                   Mode::kField, {}, "&dryRun=true");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto d = r.json().at("data").as_object();
  EXPECT_EQ(d.at("dryRun"), true);
  EXPECT_EQ(ack(d, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(d, 0).at("rejection").at("reason"), "permission");
}

// ---------------------------------------------------------------------------------------------
// Removed members.

TEST_F(SpaceIsolationTest, ARemovedMemberIsRefusedEverywhereAndOnlyTheReviewListChanges) {
  ASSERT_EQ(owner_.remove_member(kSpace, "bob").status, 200);
  const auto before = snapshot();
  for (const auto& c : reads()) expect_revoked(bob_, c);
  for (const auto& c : management()) expect_revoked(bob_, c);
  EXPECT_EQ(review_items(), 0u);
  // Dry runs are refused and keep nothing.
  for (const auto& c : dry_runs()) expect_revoked(bob_, c);
  EXPECT_EQ(review_items(), 0u);

  const auto data_writes = writes();
  for (const auto& c : data_writes) expect_revoked(bob_, c);
  // Each refused write is kept, whole, for review (a retry under a key is answered, not kept
  // again).
  const auto r = owner_.review(kSpace);
  ASSERT_EQ(r.status, 200);
  const auto body = r.json();
  const auto& items = body.at("data").at("items").as_array();
  EXPECT_EQ(items.size(), data_writes.size()) << r.body;
  for (const auto& item : items) {
    EXPECT_EQ(item.at("person"), "bob");
    EXPECT_EQ(item.at("client"), "bob-phone");
  }

  // The rest is as it was.
  const auto after = snapshot();
  EXPECT_EQ(after.head, before.head);
  EXPECT_EQ(after.members, before.members);
  EXPECT_EQ(after.records, before.records);
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("notes"), "start");
  EXPECT_FALSE(owner_.pulled_record(kSpace, "site", "s2").is_null());
}

TEST_F(SpaceIsolationTest, ARemovedMembersRetryUnderTheSameKeyIsAnsweredTheSame) {
  ASSERT_EQ(owner_.remove_member(kSpace, "bob").status, 200);
  const std::string m = batch({update("inspection", "i1", R"({"notes":"offline"})")});
  const auto a = bob_.push(kSpace, base_, m, Mode::kField, {{"Idempotency-Key", "removed-1"}});
  ASSERT_EQ(a.status, 403) << a.body;
  const auto b = bob_.push(kSpace, base_, m, Mode::kField, {{"Idempotency-Key", "removed-1"}});
  EXPECT_EQ(b.status, 403) << b.body;
  EXPECT_EQ(spaces::error_code(b), "SpaceAccessRevoked");
  EXPECT_GE(review_items(), 1u);
  EXPECT_EQ(owner_.head(kSpace), base_);
}

TEST_F(SpaceIsolationTest, ARemovedMemberSendingContentTheSchemaRefusesIsStillRevoked) {
  // A removed member is told first that they were removed, even when the request would have
  // been refused anyway, and their writes are kept for review like valid ones.
  ASSERT_EQ(owner_.remove_member(kSpace, "bob").status, 200);
  std::size_t writes_sent = 0;
  for (const auto& c : invalid_content()) {
    expect_revoked(bob_, c);
    if (c.write) ++writes_sent;
  }
  EXPECT_EQ(review_items(), writes_sent);
  EXPECT_EQ(owner_.head(kSpace), base_);
}

// ---------------------------------------------------------------------------------------------
// References across spaces, and master data.

class SpaceReferencesTest : public SpaceIsolationTest {
 protected:
  SpaceReferencesTest() {
    // Another team, with bob in it too: their site s-south and inspection i-south.
    lead_.create_space_ok("south", "South team");
    lead_.add_member_ok("south", "bob", "member");
    lead_.push_ok(
        "south", -1,
        batch({create("site", "s-south", spaces::site_data("Speer Apartments", "DEN-0001")),
               create("asset", "a-south",
                      R"({"site":"s-south","tag":"ELV-0001","category":"elevator"})"),
               create("inspection", "i-south", R"({"site":"s-south"})")}),
        Mode::kStrict);
  }
};

TEST_F(SpaceReferencesTest, ARecordOfAnotherSpaceDoesNotResolve) {
  const auto d =
      bob_.push_ok(kSpace, base_,
                   batch({create("inspection", "i-x", R"({"site":"s-south"})"),
                          update("inspection", "i1", R"({"asset":"a-south"})"),
                          create("finding", "f-x",
                                 R"({"inspection":"i-south","severity":"low","description":"x"})"),
                          create("inspection", "i-ok", R"({"site":"s1","asset":"a1"})")}));
  const char* fields[] = {"site", "asset", "inspection"};
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(ack(d, i).at("outcome"), "rejected") << json::serialize(d);
    EXPECT_EQ(ack(d, i).at("rejection").at("reason"), "reference");
    EXPECT_EQ(ack(d, i).at("rejection").at("field"), fields[i]);
  }
  EXPECT_EQ(ack(d, 3).at("outcome"), "applied");
  EXPECT_TRUE(owner_.pulled_record(kSpace, "inspection", "i-x").is_null());
  EXPECT_FALSE(owner_.pulled_record(kSpace, "inspection", "i1").as_object().contains("asset"));

  // Strict mode: a 422 for the whole batch.
  const std::int64_t head = owner_.head(kSpace);
  const auto strict = bob_.push(
      kSpace, head, batch({create("inspection", "i-y", R"({"site":"s-south"})")}), Mode::kStrict);
  EXPECT_EQ(strict.status, 422) << strict.body;
  EXPECT_EQ(spaces::error_code(strict), "ValidationError");
  // A record write: 422.
  const auto rec = bob_.post_record(kSpace, "inspection", R"({"site":"s-south"})");
  EXPECT_EQ(rec.status, 422) << rec.body;
  EXPECT_EQ(owner_.head(kSpace), head);
  // The same ids in their own space resolve.
  const auto south = bob_.push_ok("south", lead_.head("south"),
                                  batch({create("inspection", "i-y", R"({"site":"s-south"})")}));
  EXPECT_EQ(ack(south, 0).at("outcome"), "applied");
}

TEST_F(SpaceIsolationTest, AMemberCannotWriteMasterDataButALeadCan) {
  const auto d = bob_.push_ok(
      kSpace, base_,
      batch({create("site", "s-bob", spaces::site_data("Bob's site", "B-1")),
             update("site", "s1", R"({"name":"Renamed by bob"})"), spaces::remove("site", "s2"),
             create("asset", "a-bob", R"({"site":"s1","tag":"X-1","category":"roof"})"),
             update("checklistTemplate", "t1", R"({"revision":2})"),
             create("inspection", "i-bob", R"({"site":"s1"})")}));
  for (std::size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(ack(d, i).at("outcome"), "rejected") << json::serialize(d);
    EXPECT_EQ(ack(d, i).at("rejection").at("reason"), "permission");
  }
  EXPECT_EQ(ack(d, 5).at("outcome"), "applied");
  const std::int64_t head = owner_.head(kSpace);
  const auto strict = bob_.push(
      kSpace, head, batch({update("site", "s1", R"({"name":"Renamed by bob"})")}), Mode::kStrict);
  EXPECT_EQ(strict.status, 403) << strict.body;
  EXPECT_EQ(bob_.put_record(kSpace, "site", "s-bob", spaces::site_data("Bob's site", "B-1")).status,
            403);
  EXPECT_EQ(bob_.patch_record(kSpace, "site", "s1", R"({"name":"Renamed by bob"})").status, 403);
  EXPECT_EQ(bob_.delete_record(kSpace, "site", "s2").status, 403);
  EXPECT_EQ(
      bob_.post_record(kSpace, "asset", R"({"site":"s1","tag":"X-1","category":"roof"})").status,
      403);
  EXPECT_EQ(owner_.head(kSpace), head);
  EXPECT_EQ(owner_.pulled_record(kSpace, "site", "s1").at("name"), "Meridian Primary School");

  // The lead writes all of it.
  const auto l =
      lead_.push_ok(kSpace, head,
                    batch({create("site", "s-lee", spaces::site_data("Lee's site", "L-1")),
                           update("site", "s1", R"({"name":"Renamed by lee"})"),
                           update("checklistTemplate", "t1", R"({"revision":2})")}));
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(ack(l, i).at("outcome"), "applied") << json::serialize(l);
  EXPECT_EQ(lead_.patch_record(kSpace, "site", "s2", R"({"city":"Chicago"})").status, 200);
  EXPECT_EQ(owner_.pulled_record(kSpace, "site", "s1").at("name"), "Renamed by lee");
}

}  // namespace
}  // namespace synclog::test
