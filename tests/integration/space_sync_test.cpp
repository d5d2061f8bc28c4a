// A space's sync against the real binary (docs/api.md "A space's sync", "Outcomes",
// "Pre-sync validation"): strict mode as /v1/sync (the first sync from -1, 409 OutOfSyncError on
// a stale head, 422 ValidationError naming the mutation, 403/404, the whole batch or nothing);
// field mode, where rejections (validation, reference, permission, schema) never hold the batch
// back; pulls (pages, metadataOnly, the resources filter, references to a type created later in
// the same batch); dry runs that answer the outcomes and write nothing; field rules (required,
// null, unknown fields) and canonical values (datetimes in UTC, numbers); the lastWriteWins and
// serverWins policies between people; outcomes in /metrics and the request log; and that
// nothing of spaces reaches /v1/sync.
#include "server_process.hpp"
#include "space_helpers.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <istream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace synclog::test {
namespace {

namespace json = boost::json;
using spaces::ack;
using spaces::batch;
using spaces::create;
using spaces::Device;
using spaces::head_of;
using spaces::Mode;
using spaces::num;
using spaces::str;
using spaces::update;

class SpaceSyncTest : public spaces::SpaceTeamTest {
 protected:
  // The types of a pull's entries.
  static std::multiset<std::string> types_of(const json::array& entries) {
    std::multiset<std::string> out;
    for (const auto& e : entries) out.insert(str(e.at("resource")));
    return out;
  }
  // The sync envelope of a 422: code ValidationError, the message naming `what`.
  static void expect_validation_error(const Response& r, const std::string& what) {
    ASSERT_EQ(r.status, 422) << r.body;
    const auto body = r.json();
    EXPECT_EQ(spaces::keys_of(body), (std::set<std::string>{"success", "error"})) << r.body;
    EXPECT_EQ(body.at("error").at("code"), "ValidationError") << r.body;
    EXPECT_NE(str(body.at("error").at("message")).find(what), std::string::npos) << r.body;
  }
};

// ---------------------------------------------------------------------------------------------
// Strict mode.

TEST_F(SpaceSyncTest, StrictModeFollowsTheFirstSyncAndHeadRulesOfV1Sync) {
  lead_.create_space_ok("fresh");
  // A new space's first push names -1.
  const auto first = lead_.push_ok(
      "fresh", -1, batch({create("site", "f1", spaces::site_data("One", "F-1"))}), Mode::kStrict);
  const std::int64_t h1 = head_of(first);
  EXPECT_EQ(num(ack(first, 0).at("timestamp")), h1);
  EXPECT_FALSE(ack(first, 0).contains("outcome"));  // strict acks are /v1/sync's
  // Once it has entries, -1 is out of sync, as is any head but the current one.
  const auto again = lead_.push(
      "fresh", -1, batch({create("site", "f2", spaces::site_data("Two", "F-2"))}), Mode::kStrict);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(spaces::error_code(again), "OutOfSyncError");
  const auto stale =
      lead_.push("fresh", h1 - 1, batch({create("site", "f2", spaces::site_data("Two", "F-2"))}),
                 Mode::kStrict);
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(spaces::error_code(stale), "OutOfSyncError");
  const auto future =
      lead_.push("fresh", h1 + 1000, batch({create("site", "f2", spaces::site_data("Two", "F-2"))}),
                 Mode::kStrict);
  EXPECT_EQ(future.status, 409) << future.body;
  EXPECT_EQ(lead_.head("fresh"), h1);
  // conflictMode=strict is the default mode by name.
  const auto named =
      lead_.push("fresh", h1, batch({create("site", "f2", spaces::site_data("Two", "F-2"))}),
                 Mode::kStrict, {}, "&conflictMode=strict");
  EXPECT_EQ(named.status, 200) << named.body;
  const auto bad_mode = lead_.push("fresh", lead_.head("fresh"), batch({}), Mode::kStrict, {},
                                   "&conflictMode=lenient");
  EXPECT_EQ(bad_mode.status, 422) << bad_mode.body;
}

TEST_F(SpaceSyncTest, StrictModeRefusesTheWholeBatchForABadField) {
  const auto r = bob_.push(kSpace, base_,
                           batch({create("inspection", "i-ok", R"({"site":"s1"})"),
                                  update("inspection", "i1", R"({"status":"finished"})")}),
                           Mode::kStrict);
  expect_validation_error(r, "at mutation[1]");
  EXPECT_NE(spaces::error_message(r).find("status"), std::string::npos) << r.body;
  EXPECT_EQ(owner_.head(kSpace), base_);
  EXPECT_TRUE(owner_.pulled_record(kSpace, "inspection", "i-ok").is_null());
}

TEST_F(SpaceSyncTest, StrictModeRefusesTheWholeBatchForAReferencePermissionOrMissingRecord) {
  const auto ref = bob_.push(kSpace, base_,
                             batch({create("inspection", "i-ok", R"({"site":"s1"})"),
                                    create("inspection", "i-bad", R"({"site":"s404"})")}),
                             Mode::kStrict);
  expect_validation_error(ref, "at mutation[1]");
  const auto perm = bob_.push(kSpace, base_,
                              batch({create("inspection", "i-ok", R"({"site":"s1"})"),
                                     create("site", "s-bob", spaces::site_data("Bob's", "B-1"))}),
                              Mode::kStrict);
  EXPECT_EQ(perm.status, 403) << perm.body;
  const auto missing = bob_.push(kSpace, base_,
                                 batch({create("inspection", "i-ok", R"({"site":"s1"})"),
                                        update("inspection", "i-none", R"({"notes":"x"})")}),
                                 Mode::kStrict);
  EXPECT_EQ(missing.status, 404) << missing.body;
  const auto unknown_type = bob_.push(kSpace, base_,
                                      batch({create("inspection", "i-ok", R"({"site":"s1"})"),
                                             create("report", "r1", R"({"x":1})")}),
                                      Mode::kStrict);
  expect_validation_error(unknown_type, "at mutation[1]");
  EXPECT_EQ(owner_.head(kSpace), base_);
  EXPECT_TRUE(owner_.pulled_record(kSpace, "inspection", "i-ok").is_null());
}

TEST_F(SpaceSyncTest, MalformedBatchesAreValidationErrorsInBothModes) {
  for (Mode mode : {Mode::kStrict, Mode::kField}) {
    SCOPED_TRACE(mode == Mode::kStrict ? "strict" : "field");
    const std::string target = Device::push_target(kSpace, base_, mode);
    expect_validation_error(bob_.call("POST", target, "not json"), "Invalid mutations");
    expect_validation_error(bob_.call("POST", target, R"({"mutations":{}})"), "Invalid mutations");
    expect_validation_error(
        bob_.push(kSpace, base_, R"([{"type":"UPSERT","resource":"inspection","data":{}}])", mode),
        "mutation type");
    expect_validation_error(
        bob_.push(kSpace, base_, R"([{"type":"UPDATE","resource":"inspection","data":{}}])", mode),
        "Missing resourceId");
    expect_validation_error(
        bob_.push(kSpace, base_, R"([{"type":"CREATE","resource":"inspection"}])", mode),
        "Missing data");
  }
  const auto no_cursor = bob_.call("POST", "/v1/spaces/north/sync", R"({"mutations":[]})");
  EXPECT_EQ(no_cursor.status, 400) << no_cursor.body;
  EXPECT_EQ(owner_.head(kSpace), base_);
}

// ---------------------------------------------------------------------------------------------
// Field mode.

TEST_F(SpaceSyncTest, FieldModeRejectionsNeverHoldBackTheBatch) {
  const std::string bad_validation = update("inspection", "i1", R"({"status":"finished"})");
  const auto d = bob_.push_ok(
      kSpace, base_,
      batch({bad_validation,                                                   // validation
             create("inspection", "i-ref", R"({"site":"s404"})"),              // reference
             create("site", "s-bob", spaces::site_data("Bob's", "B-1")),       // permission
             create("report", "r1", R"({"title":"x"})"),                       // schema
             create("inspection", "i-ok", R"({"site":"s1","notes":"fine"})"),  // applied
             update("inspection", "i1", R"({"notes":"also fine"})")}));        // applied
  const char* reasons[] = {"validation", "reference", "permission", "schema"};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(reasons[i]);
    const auto a = ack(d, i);
    EXPECT_EQ(a.at("outcome"), "rejected") << json::serialize(a);
    EXPECT_EQ(a.at("rejection").at("reason"), reasons[i]) << json::serialize(a);
    EXPECT_FALSE(str(a.at("rejection").at("message")).empty());
    EXPECT_FALSE(a.contains("timestamp"));
    EXPECT_TRUE(a.contains("data")) << json::serialize(a);
  }
  EXPECT_EQ(ack(d, 0).at("rejection").at("field"), "status");
  EXPECT_EQ(ack(d, 0).at("data"), json::parse(R"({"status":"finished"})"));
  EXPECT_EQ(ack(d, 1).at("rejection").at("field"), "site");
  EXPECT_EQ(ack(d, 3).at("resource"), "report");
  EXPECT_EQ(ack(d, 3).at("data"), json::parse(R"({"title":"x"})"));
  EXPECT_EQ(ack(d, 4).at("outcome"), "applied");
  EXPECT_EQ(ack(d, 5).at("outcome"), "applied");
  EXPECT_EQ(head_of(d), num(ack(d, 5).at("timestamp")));

  const auto all = dana_.pulled(kSpace, base_);
  EXPECT_EQ(types_of(all), (std::multiset<std::string>{"inspection", "inspection"}))
      << json::serialize(all);
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i1").at("notes"), "also fine");
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i1").at("status"), "draft");
}

TEST_F(SpaceSyncTest, ABatchOfOnlyRejectionsLeavesTheHead) {
  const auto d =
      bob_.push_ok(kSpace, base_, batch({create("inspection", "i-ref", R"({"site":"s404"})")}));
  EXPECT_EQ(ack(d, 0).at("outcome"), "rejected");
  EXPECT_EQ(head_of(d), base_);
  EXPECT_EQ(owner_.head(kSpace), base_);
}

TEST_F(SpaceSyncTest, FieldModeRefusesACursorFromTheFutureAndABadBaseTimestamp) {
  const auto future =
      bob_.push(kSpace, base_ + 100000, batch({update("inspection", "i1", R"({"notes":"x"})")}));
  EXPECT_EQ(future.status, 409) << future.body;
  const auto base = bob_.push(
      kSpace, base_, batch({update("inspection", "i1", R"({"notes":"x"})", base_ + 100000)}));
  expect_validation_error(base, "baseTimestamp at mutation[0]");
  const auto negative = bob_.push(
      kSpace, base_,
      R"([{"type":"UPDATE","resource":"inspection","resourceId":"i1","data":{"notes":"x"},"baseTimestamp":-5}])");
  expect_validation_error(negative, "baseTimestamp at mutation[0]");
  EXPECT_EQ(owner_.head(kSpace), base_);
}

TEST_F(SpaceSyncTest, FieldModeAnUpdateOfARecordThatNeverExistedDoesNotHoldBackTheBatch) {
  // In field mode no mutation holds back the rest of the batch: an UPDATE of a record id the
  // space never had is refused on its own, and the technician's other records are applied.
  const auto r = bob_.push(
      kSpace, base_,
      batch({update("inspection", "i-none", R"({"notes":"lost?"})"),
             create("inspection", "i-new", R"({"site":"s1","notes":"captured offline"})")}));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto d = r.json().at("data").as_object();
  const auto missing = ack(d, 0);
  EXPECT_FALSE(missing.contains("timestamp")) << json::serialize(missing);
  EXPECT_TRUE(missing.at("outcome") == "rejected" || missing.at("outcome") == "conflict")
      << json::serialize(missing);
  EXPECT_EQ(missing.at("data").at("notes"), "lost?");
  EXPECT_EQ(ack(d, 1).at("outcome"), "applied");
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i-new").at("notes"), "captured offline");
}

TEST_F(SpaceSyncTest, ACreateThatWouldBringBackAnIdDeletedSinceTheBaseIsAConflict) {
  owner_.push_at_head(kSpace, batch({spaces::remove("inspection", "i1")}));
  const std::int64_t deleted_at = owner_.head(kSpace);
  const auto d = bob_.push_ok(
      kSpace, base_, batch({create("inspection", "i1", R"({"site":"s1","notes":"mine"})")}));
  EXPECT_EQ(ack(d, 0).at("outcome"), "conflict") << json::serialize(d);
  EXPECT_EQ(ack(d, 0).at("conflict").at("reason"), "deleted");
  EXPECT_EQ(num(ack(d, 0).at("conflict").at("version")), deleted_at);
  EXPECT_TRUE(owner_.pulled_record(kSpace, "inspection", "i1").is_null());
  // Having seen the deletion, the device may create it again.
  const auto again = bob_.push_ok(
      kSpace, deleted_at, batch({create("inspection", "i1", R"({"site":"s1","notes":"mine"})")}));
  EXPECT_EQ(ack(again, 0).at("outcome"), "applied") << json::serialize(again);
}

TEST_F(SpaceSyncTest, ACreateOfAnExistingIdIsJudgedAsAnEdit) {
  bob_.push_ok(kSpace, base_, batch({update("inspection", "i1", R"({"status":"in_progress"})")}));
  const auto d = dana_.push_ok(
      kSpace, base_, batch({create("inspection", "i1", R"({"site":"s1","status":"submitted"})")}));
  EXPECT_EQ(ack(d, 0).at("outcome"), "conflict") << json::serialize(d);
  EXPECT_EQ(spaces::strings(ack(d, 0).at("conflict").at("fields")),
            std::vector<std::string>{"status"});
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("status"), "in_progress");
}

TEST_F(SpaceSyncTest, AnUpsertKeepsTheFieldsItDoesNotSendEvenThoseWithADefault) {
  // An upsert is judged as an UPDATE of the fields it sends: filling the others with defaults
  // would clash with changes dana never touched (field mode) or undo them (strict mode).
  bob_.push_ok(kSpace, base_, batch({update("inspection", "i1", R"({"status":"in_progress"})")}));
  const auto m = dana_.push_ok(
      kSpace, base_, batch({create("inspection", "i1", R"({"site":"s1","result":"pass"})")}));
  EXPECT_EQ(ack(m, 0).at("outcome"), "merged") << json::serialize(m);
  const auto rec = owner_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(rec.at("status"), "in_progress");

  lead_.push_at_head(kSpace, batch({update("site", "s1", R"({"active":false})")}));
  lead_.push_at_head(
      kSpace,
      batch({create("site", "s1", spaces::site_data("Meridian Primary School", "MAN-0001"))}));
  EXPECT_EQ(owner_.pulled_record(kSpace, "site", "s1").at("active"), false);
}

TEST_F(SpaceSyncTest, AnUpdateOfARecordDeletedSinceTheBaseIsAConflict) {
  owner_.push_at_head(kSpace, batch({spaces::remove("inspection", "i1")}));
  const auto d =
      bob_.push_ok(kSpace, base_, batch({update("inspection", "i1", R"({"notes":"x"})")}));
  EXPECT_EQ(ack(d, 0).at("outcome"), "conflict") << json::serialize(d);
  EXPECT_EQ(ack(d, 0).at("conflict").at("reason"), "deleted");
  EXPECT_TRUE(ack(d, 0).at("conflict").at("record").is_null());
}

// ---------------------------------------------------------------------------------------------
// Field rules.

TEST_F(SpaceSyncTest, AMissingRequiredFieldIsRejectedForValidation) {
  const auto d =
      bob_.push_ok(kSpace, base_,
                   batch({create("inspection", "i-x", R"({"notes":"no site"})"),
                          create("finding", "f-x", R"({"inspection":"i1","severity":"low"})")}));
  EXPECT_EQ(ack(d, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(d, 0).at("rejection").at("reason"), "validation");
  EXPECT_EQ(ack(d, 0).at("rejection").at("field"), "site");
  EXPECT_EQ(ack(d, 1).at("rejection").at("reason"), "validation");
  EXPECT_EQ(ack(d, 1).at("rejection").at("field"), "description");
  EXPECT_EQ(head_of(d), base_);
  // A default fills a required field that is not sent.
  const auto ok = lead_.push_ok(
      kSpace, base_, batch({create("site", "s-d", R"({"name":"Default","code":"D-1"})")}));
  EXPECT_EQ(ack(ok, 0).at("outcome"), "applied");
  EXPECT_EQ(owner_.pulled_record(kSpace, "site", "s-d").at("active"), true);
}

TEST_F(SpaceSyncTest, NullClearsAnOptionalFieldButNotARequiredOne) {
  const auto d = bob_.push_ok(kSpace, base_,
                              batch({update("inspection", "i1", R"({"site":null})"),
                                     update("inspection", "i1", R"({"notes":null})")}));
  EXPECT_EQ(ack(d, 0).at("outcome"), "rejected") << json::serialize(d);
  EXPECT_EQ(ack(d, 0).at("rejection").at("reason"), "validation");
  EXPECT_EQ(ack(d, 0).at("rejection").at("field"), "site");
  EXPECT_EQ(ack(d, 1).at("outcome"), "applied");
  const auto rec = owner_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(rec.at("site"), "s1");
  EXPECT_FALSE(rec.as_object().contains("notes")) << json::serialize(rec);
  // A field with a default that is not required may be cleared too.
  const auto s = lead_.push_ok(kSpace, base_, batch({update("site", "s1", R"({"active":null})")}));
  EXPECT_EQ(ack(s, 0).at("outcome"), "applied") << json::serialize(s);
  // In strict mode clearing a required field fails the batch.
  const auto strict =
      bob_.push(kSpace, owner_.head(kSpace),
                batch({update("inspection", "i1", R"({"site":null})")}), Mode::kStrict);
  expect_validation_error(strict, "site");
}

TEST_F(SpaceSyncTest, AnUnknownFieldIsRejectedNamingIt) {
  const auto d = bob_.push_ok(
      kSpace, base_, batch({update("inspection", "i1", R"({"notes":"ok","temperature":21})")}));
  EXPECT_EQ(ack(d, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(d, 0).at("rejection").at("reason"), "validation");
  EXPECT_EQ(ack(d, 0).at("rejection").at("field"), "temperature");
  EXPECT_NE(str(ack(d, 0).at("rejection").at("message")).find("temperature"), std::string::npos);
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("notes"), "start");
  // The reserved names are not fields either: id is ignored, updatedBy is the server's.
  const auto r =
      bob_.push_ok(kSpace, base_,
                   batch({update("inspection", "i1", R"({"notes":"mine","updatedBy":"alice"})")}));
  EXPECT_EQ(ack(r, 0).at("outcome"), "applied") << json::serialize(r);
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("updatedBy"), "bob");
}

TEST_F(SpaceSyncTest, ValuesOutsideTheirTypeOrBoundsAreRejected) {
  const auto d = lead_.push_ok(
      kSpace, base_,
      batch({update("site", "s1", R"({"latitude":91})"), update("site", "s1", R"({"name":7})"),
             update("asset", "a1", R"({"floor":2.5})"),
             update("asset", "a1", R"({"category":"toaster"})"),
             update("site", "s1", R"({"active":"yes"})"),
             update("asset", "a1", R"({"installedOn":"yesterday"})"),
             update("checklistTemplate", "t1", R"({"items":"one item"})"),
             update("asset", "a1", R"({"site":42})"),
             update("site", "s1", std::string(R"({"code":")") + std::string(33, 'C') + R"("})")}));
  const char* fields[] = {"latitude",    "name",  "floor", "category", "active",
                          "installedOn", "items", "site",  "code"};
  for (std::size_t i = 0; i < 9; ++i) {
    SCOPED_TRACE(fields[i]);
    EXPECT_EQ(ack(d, i).at("outcome"), "rejected") << json::serialize(ack(d, i));
    EXPECT_EQ(ack(d, i).at("rejection").at("reason"), "validation");
    EXPECT_EQ(ack(d, i).at("rejection").at("field"), fields[i]);
  }
  EXPECT_EQ(head_of(d), base_);
}

TEST_F(SpaceSyncTest, DatetimesAreKeptInUtcAndNumbersCanonically) {
  const auto d = lead_.push_ok(
      kSpace, base_,
      batch(
          {update("site", "s1", R"({"latitude":53.4507500,"longitude":-2.0e0})"),
           update("asset", "a1", R"({"installedOn":"2011-06-14T02:00:00+02:00","floor":3.0})"),
           update(
               "inspection", "i1",
               R"({"scheduledFor":"2026-07-01T09:30:00-04:00","completedAt":"2026-07-01T18:00:00.250Z"})")}));
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(ack(d, i).at("outcome"), "applied") << json::serialize(d);
  // The ack's data shows the canonical values too.
  EXPECT_EQ(ack(d, 1).at("data").at("installedOn"), "2011-06-14T00:00:00.000Z");

  const auto pulled = dana_.pull(kSpace, base_);
  ASSERT_EQ(pulled.status, 200);
  EXPECT_NE(pulled.body.find(R"("latitude":53.45075,"longitude":-2)"), std::string::npos)
      << pulled.body;
  EXPECT_NE(pulled.body.find(R"("floor":3)"), std::string::npos) << pulled.body;
  const auto asset = dana_.pulled_record(kSpace, "asset", "a1");
  EXPECT_EQ(asset.at("installedOn"), "2011-06-14T00:00:00.000Z");
  EXPECT_TRUE(asset.at("floor").is_int64() || asset.at("floor").is_uint64())
      << json::serialize(asset);
  const auto insp = dana_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(insp.at("scheduledFor"), "2026-07-01T13:30:00.000Z");
  EXPECT_EQ(insp.at("completedAt"), "2026-07-01T18:00:00.250Z");
  // Writing the same instant in another offset changes nothing: no new entry is needed to tell.
  const auto same = lead_.push_ok(
      kSpace, head_of(d),
      batch({update("asset", "a1", R"({"installedOn":"2011-06-13T19:00:00-05:00"})")}));
  EXPECT_EQ(ack(same, 0).at("data").at("installedOn"), "2011-06-14T00:00:00.000Z");
}

// ---------------------------------------------------------------------------------------------
// Pulls.

TEST_F(SpaceSyncTest, PullsPageWithLimitAndPage) {
  std::string sites = "[";
  for (int i = 0; i < 5; ++i) {
    if (i) sites += ",";
    sites += create("site", "p" + std::to_string(i),
                    spaces::site_data("Paged " + std::to_string(i), "P-" + std::to_string(i)));
  }
  lead_.push_at_head(kSpace, sites + "]");
  const std::int64_t head = lead_.head(kSpace);

  std::vector<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    const auto d = dana_.pull_data(kSpace, base_, "&limit=2&page=" + std::to_string(page));
    EXPECT_EQ(num(d.at("page")), page);
    EXPECT_EQ(num(d.at("limit")), 2);
    EXPECT_EQ(num(d.at("total")), 5);
    EXPECT_EQ(d.at("hasMore"), page < 3);
    EXPECT_EQ(num(d.at("lastMutationAt")), head);
    for (const auto& e : d.at("mutations").as_array()) seen.push_back(str(e.at("resourceId")));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"p0", "p1", "p2", "p3", "p4"}));
  // A pull from the head has nothing.
  const auto none = dana_.pull_data(kSpace, head);
  EXPECT_TRUE(none.at("mutations").as_array().empty());
  EXPECT_EQ(num(none.at("lastMutationAt")), head);
  // Bad parameters are 422 / 400, as on /v1/sync.
  EXPECT_EQ(dana_.pull(kSpace, 0, "&limit=0").status, 422);
  EXPECT_EQ(dana_.get("/v1/spaces/north/sync").status, 400);
}

TEST_F(SpaceSyncTest, MetadataOnlyAnswersTheHeadAlone) {
  const auto d = dana_.pull_data(kSpace, 0, "&metadataOnly=true");
  EXPECT_EQ(num(d.at("lastMutationAt")), base_);
  EXPECT_FALSE(d.contains("mutations") && !d.at("mutations").as_array().empty())
      << json::serialize(d);
}

TEST_F(SpaceSyncTest, TheResourcesFilterKeepsTheNamedTypes) {
  const auto sites = dana_.pulled(kSpace, 0, "&resources=site");
  EXPECT_EQ(types_of(sites), (std::multiset<std::string>{"site", "site"}));
  const auto master = dana_.pulled(kSpace, 0, "&resources=site,asset,checklistTemplate");
  EXPECT_EQ(types_of(master),
            (std::multiset<std::string>{"site", "site", "asset", "checklistTemplate"}));
  const auto spaced = dana_.pulled(kSpace, 0, "&resources=inspection,%20asset");
  EXPECT_EQ(types_of(spaced), (std::multiset<std::string>{"inspection", "asset"}));
  const auto everything = dana_.pulled(kSpace, 0);
  EXPECT_EQ(everything.size(), 5u);

  const auto unknown = dana_.pull(kSpace, 0, "&resources=site,weather");
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_NE(spaces::error_message(unknown).find("weather"), std::string::npos) << unknown.body;
}

TEST_F(SpaceSyncTest, PulledRecordsShowTheirFieldsThenTheirTimesAndWriter) {
  const auto all = dana_.pulled(kSpace, 0);
  const auto e = spaces::entries_for(all, "inspection", "i1");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].at("type"), "CREATE");
  const auto& data = e[0].at("data").as_object();
  std::vector<std::string> keys;
  for (const auto& kv : data) keys.emplace_back(kv.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"site", "status", "notes", "clientCreatedAt",
                                            "clientUpdatedAt", "updatedBy"}));
  EXPECT_EQ(data.at("updatedBy"), "alice");
}

TEST_F(SpaceSyncTest, AnEntryMayReferenceARecordCreatedEarlierInTheSameBatch) {
  for (Mode mode : {Mode::kStrict, Mode::kField}) {
    const std::string suffix = mode == Mode::kStrict ? "-strict" : "-field";
    const auto d = lead_.push_ok(
        kSpace, lead_.head(kSpace),
        batch(
            {create("site", "s" + suffix, spaces::site_data("New site" + suffix, "N" + suffix)),
             create("asset", "a" + suffix,
                    R"({"site":"s)" + suffix + R"(","tag":"GEN-1","category":"generator"})"),
             create("inspection", "i" + suffix,
                    R"({"site":"s)" + suffix + R"(","asset":"a)" + suffix + R"("})"),
             create("finding", "f" + suffix,
                    R"({"inspection":"i)" + suffix + R"(","severity":"low","description":"ok"})")}),
        mode);
    EXPECT_EQ(d.at("mutations").as_array().size(), 4u) << json::serialize(d);
    if (mode == Mode::kField) {
      for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(ack(d, i).at("outcome"), "applied") << json::serialize(d);
    }
    // Pulled in order, the later types after the records they name.
    const auto pulled = dana_.pulled(kSpace, 0, "&resources=asset");
    EXPECT_EQ(spaces::entries_for(pulled, "asset", "a" + suffix).size(), 1u);
  }
  // A reference to a record created later in the batch does not resolve.
  const auto late = lead_.push_ok(
      kSpace, lead_.head(kSpace),
      batch({create("asset", "a-late", R"({"site":"s-late","tag":"GEN-2","category":"generator"})"),
             create("site", "s-late", spaces::site_data("Late", "L-8"))}));
  EXPECT_EQ(ack(late, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(late, 0).at("rejection").at("reason"), "reference");
  EXPECT_EQ(ack(late, 1).at("outcome"), "applied");
}

// ---------------------------------------------------------------------------------------------
// Dry runs.

TEST_F(SpaceSyncTest, ADryRunAnswersTheOutcomesAndWritesNothing) {
  lead_.push_at_head(kSpace, batch({spaces::remove("site", "s2")}));
  const std::int64_t head = owner_.head(kSpace);
  const std::string mutations = batch({create("inspection", "i-dry", R"({"site":"s1"})"),
                                       create("inspection", "i-gone", R"({"site":"s2"})"),
                                       update("inspection", "i1", R"({"notes":"dry"})"),
                                       create("site", "s-dry", spaces::site_data("Dry", "D-1"))});
  const auto r = bob_.push(kSpace, base_, mutations, Mode::kField, {}, "&dryRun=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.has_header("x-mutation-at"));
  const auto d = r.json().at("data").as_object();
  EXPECT_EQ(d.at("dryRun"), true);
  EXPECT_EQ(ack(d, 0).at("outcome"), "applied");
  EXPECT_TRUE(ack(d, 0).contains("timestamp"));
  EXPECT_EQ(ack(d, 1).at("outcome"), "rejected");
  EXPECT_EQ(ack(d, 1).at("rejection").at("reason"), "reference");
  EXPECT_NE(str(ack(d, 1).at("rejection").at("message")).find("deleted"), std::string::npos);
  EXPECT_EQ(ack(d, 2).at("outcome"), "applied");
  EXPECT_EQ(ack(d, 3).at("outcome"), "rejected");
  EXPECT_EQ(ack(d, 3).at("rejection").at("reason"), "permission");
  EXPECT_GT(head_of(d), head);

  // Nothing was written.
  EXPECT_EQ(owner_.head(kSpace), head);
  EXPECT_TRUE(owner_.pulled_record(kSpace, "inspection", "i-dry").is_null());
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("notes"), "start");

  // The real push answers the same outcomes.
  const auto real = bob_.push_ok(kSpace, base_, mutations);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(ack(real, i).at("outcome"), ack(d, i).at("outcome")) << i;
  EXPECT_FALSE(real.contains("dryRun"));
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i-dry").at("site"), "s1");
}

TEST_F(SpaceSyncTest, ADryRunStoresNoAnswerUnderItsIdempotencyKey) {
  const std::string m = batch({create("inspection", "i-key", R"({"site":"s1"})")});
  const Headers key{{"Idempotency-Key", "dry-then-real"}};
  const auto dry = bob_.push(kSpace, base_, m, Mode::kField, key, "&dryRun=true");
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(owner_.head(kSpace), base_);
  const auto real = bob_.push(kSpace, base_, m, Mode::kField, key);
  ASSERT_EQ(real.status, 200) << real.body;
  EXPECT_FALSE(real.has_header("idempotent-replayed"));
  EXPECT_FALSE(real.json().at("data").as_object().contains("dryRun"));
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i-key").at("site"), "s1");
}

TEST_F(SpaceSyncTest, AStrictDryRunAnswersWhatTheStrictPushWould) {
  const auto ok =
      bob_.push(kSpace, base_, batch({create("inspection", "i-dry", R"({"site":"s1"})")}),
                Mode::kStrict, {}, "&dryRun=true");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json().at("data").at("dryRun"), true);
  const auto bad =
      bob_.push(kSpace, base_, batch({create("inspection", "i-dry", R"({"site":"s404"})")}),
                Mode::kStrict, {}, "&dryRun=true");
  expect_validation_error(bad, "at mutation[0]");
  const auto stale =
      bob_.push(kSpace, base_ - 1, batch({create("inspection", "i-dry", R"({"site":"s1"})")}),
                Mode::kStrict, {}, "&dryRun=true");
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(owner_.head(kSpace), base_);
  EXPECT_TRUE(owner_.pulled_record(kSpace, "inspection", "i-dry").is_null());
  EXPECT_EQ(bob_.push(kSpace, base_, batch({}), Mode::kStrict, {}, "&dryRun=maybe").status / 100,
            4);
}

// ---------------------------------------------------------------------------------------------
// Metrics, the request log, and /v1/sync.

// The value of one Prometheus series (`name{labels}` as rendered), or -1 if absent.
double metric_value(const ServerProcess& server, const std::string& series) {
  std::istringstream in(server.client().get("/metrics").body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST_F(SpaceSyncTest, OutcomesReachTheMetricsAndTheRequestLog) {
  const double pushes = metric_value(server_, "synclog_space_pushes_total");
  bob_.push_ok(kSpace, base_, batch({update("inspection", "i1", R"({"notes":"bob"})")}));
  const auto d = dana_.push_ok(kSpace, base_,
                               batch({update("inspection", "i1", R"({"notes":"dana"})"),
                                      create("inspection", "i-m", R"({"site":"s404"})"),
                                      create("inspection", "i-n", R"({"site":"s1"})")}));
  ASSERT_EQ(ack(d, 0).at("outcome"), "conflict");
  EXPECT_EQ(metric_value(server_, "synclog_space_pushes_total"), pushes + 2);
  EXPECT_GE(
      metric_value(server_,
                   R"(synclog_conflict_outcomes_total{resource="inspection",outcome="conflict"})"),
      1);
  EXPECT_GE(
      metric_value(
          server_,
          R"(synclog_conflict_outcomes_total{resource="inspection",outcome="rejected",reason="reference"})"),
      1);
  EXPECT_GE(
      metric_value(server_,
                   R"(synclog_conflict_outcomes_total{resource="inspection",outcome="applied"})"),
      2);

  bool found = false;
  std::istringstream in(server_.access_log());
  for (std::string line; std::getline(in, line);) {
    json::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object() || !v.as_object().contains("outcomes")) continue;
    if (v.at("user") != "dana" || v.at("route") != "/v1/spaces/{spaceId}/sync") continue;
    found = true;
    EXPECT_EQ(v.at("outcomes"),
              json::parse(R"({"applied":1,"merged":0,"conflict":1,"softMerged":0,"rejected":1})"))
        << line;
    EXPECT_EQ(num(v.at("mutations")), 3);
  }
  EXPECT_TRUE(found) << server_.access_log();
}

TEST_F(SpaceSyncTest, NothingOfSpacesReachesTheUsersOwnSync) {
  const auto before = bob_.get("/v1/sync?mutationsSince=0");
  ASSERT_EQ(before.status, 200) << before.body;
  bob_.push_ok(kSpace, base_, batch({update("inspection", "i1", R"({"notes":"bob"})")}));
  ASSERT_EQ(bob_.post_record(kSpace, "inspection", R"({"site":"s1"})").status, 201);
  owner_.add_member_ok(kSpace, "bob", "lead");
  const auto after = bob_.get("/v1/sync?mutationsSince=0");
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.body, before.body);
  EXPECT_TRUE(after.json().at("data").at("mutations").as_array().empty()) << after.body;
}

TEST(SpaceRetentionTest, APullFromBeforeAPurgedTombstoneIsResyncRequired) {
  ServerProcess server(spaces::server_args(
      {"--retention", "500ms", "--maintenance-interval", "50ms", "--compact-after", "0s"}));
  Device lead(server, "lee", "lee-laptop");
  lead.create_space_ok("north");
  const auto created = lead.push_ok("north", -1,
                                    batch({create("site", "s1", spaces::site_data("One", "S-1")),
                                           create("site", "s2", spaces::site_data("Two", "S-2"))}),
                                    Mode::kStrict);
  const std::int64_t start = num(ack(created, 0).at("timestamp")) - 1;
  lead.push_at_head("north", batch({spaces::remove("site", "s2")}));

  // Polls until the background purge has run (the answer turns 410), for at most 20 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  Response r = lead.pull("north", start);
  while (r.status == 200 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = lead.pull("north", start);
  }
  ASSERT_EQ(r.status, 410) << r.body;
  EXPECT_EQ(spaces::error_code(r), "ResyncRequired");
  // A pull from 0 has the live records only.
  const auto all = lead.pulled("north", 0);
  ASSERT_EQ(all.size(), 1u) << json::serialize(all);
  EXPECT_EQ(all[0].at("resourceId"), "s1");
  EXPECT_EQ(lead.pull("north", start, "&metadataOnly=true").status, 200);
}

// ---------------------------------------------------------------------------------------------
// The lastWriteWins and serverWins policies, on a schema of their own.

class SpacePoliciesTest : public ::testing::Test {
 protected:
  SpacePoliciesTest() : server_(spaces::server_args()) {
    const auto r = server_.client().post(
        "/v1/schemas",
        R"({"name":"boards","version":1,"types":{)"
        R"("card":{"conflictPolicy":"lastWriteWins","fields":{"text":{"type":"string"},"color":{"type":"string"}}},)"
        R"("tally":{"conflictPolicy":"serverWins","fields":{"count":{"type":"integer"},"label":{"type":"string"}}}}})",
        {{"x-auth-token", server_.token("ops", "sync admin")}});
    EXPECT_EQ(r.status, 201) << r.body;
    alice_.create_space_ok("board", "Board", "boards");
    alice_.add_member_ok("board", "bob", "member");
    alice_.push_ok("board", -1,
                   batch({create("card", "c1", R"({"text":"first","color":"red"})"),
                          create("tally", "t1", R"({"count":1,"label":"visits"})")}),
                   Mode::kStrict);
    base_ = alice_.head("board");
  }

  static std::string at(const std::string& data, const std::string& captured) {
    return data.substr(0, data.size() - 1) + R"(,"clientUpdatedAt":")" + captured + R"("})";
  }

  ServerProcess server_;
  Device alice_{server_, "alice", "alice-phone"};
  Device bob_{server_, "bob", "bob-phone"};
  std::int64_t base_ = 0;
};

TEST_F(SpacePoliciesTest, LastWriteWinsSettlesAnotherPersonsClashByCaptureTime) {
  alice_.push_ok(
      "board", base_,
      batch({update("card", "c1", at(R"({"text":"alice's"})", "2026-12-07T09:00:00Z"))}));
  const auto later = bob_.push_ok(
      "board", base_,
      batch({update("card", "c1", at(R"({"text":"bob's"})", "2026-12-07T09:30:00Z"))}));
  const auto a = ack(later, 0);
  EXPECT_EQ(a.at("outcome"), "merged") << json::serialize(a);
  const auto s = spaces::clash_for(a.at("settled"), "text");
  EXPECT_EQ(s.at("kept"), "device");
  EXPECT_EQ(s.at("server").at("by"), "alice");
  EXPECT_EQ(alice_.pulled_record("board", "card", "c1").at("text"), "bob's");

  const auto earlier = bob_.push_ok(
      "board", base_,
      batch({update("card", "c1",
                    at(R"({"text":"bob's old","color":"blue"})", "2026-12-07T08:00:00Z"))}));
  // The text's last change is now bob's own (the same device): no clash, whatever its capture time.
  const auto b = ack(earlier, 0);
  EXPECT_EQ(b.at("outcome"), "applied") << json::serialize(b);
  EXPECT_FALSE(b.contains("settled"));
  EXPECT_EQ(alice_.pulled_record("board", "card", "c1").at("text"), "bob's old");
  EXPECT_EQ(alice_.pulled_record("board", "card", "c1").at("color"), "blue");

  // Earlier than alice's change, from another device of bob's: alice's value stays.
  alice_.push_ok("board", base_,
                 batch({update("card", "c1", at(R"({"color":"green"})", "2026-12-07T11:00:00Z"))}));
  Device bob_tablet(server_, "bob", "bob-tablet");
  const auto older = bob_tablet.push_ok(
      "board", base_,
      batch({update("card", "c1", at(R"({"color":"black"})", "2026-12-07T10:00:00Z"))}));
  EXPECT_EQ(ack(older, 0).at("outcome"), "merged") << json::serialize(older);
  EXPECT_EQ(spaces::clash_for(ack(older, 0).at("settled"), "color").at("kept"), "server");
  EXPECT_EQ(alice_.pulled_record("board", "card", "c1").at("color"), "green");
}

TEST_F(SpacePoliciesTest, LastWriteWinsKeepsTheServersValueOnATie) {
  alice_.push_ok(
      "board", base_,
      batch({update("card", "c1", at(R"({"text":"alice's"})", "2026-12-07T09:00:00+01:00"))}));
  const auto r = bob_.push_ok(
      "board", base_,
      batch({update("card", "c1", at(R"({"text":"bob's"})", "2026-12-07T08:00:00Z"))}));
  EXPECT_EQ(ack(r, 0).at("outcome"), "merged") << json::serialize(r);
  EXPECT_EQ(spaces::clash_for(ack(r, 0).at("settled"), "text").at("kept"), "server");
  EXPECT_EQ(alice_.pulled_record("board", "card", "c1").at("text"), "alice's");
}

TEST_F(SpacePoliciesTest, ServerWinsKeepsTheServersValueAndAppliesTheRest) {
  alice_.push_ok("board", base_,
                 batch({update("tally", "t1", at(R"({"count":5})", "2026-12-07T09:00:00Z"))}));
  const auto r = bob_.push_ok(
      "board", base_,
      batch({update("tally", "t1", at(R"({"count":7,"label":"calls"})", "2026-12-07T10:00:00Z"))}));
  const auto a = ack(r, 0);
  EXPECT_EQ(a.at("outcome"), "merged") << json::serialize(a);
  const auto s = spaces::clash_for(a.at("settled"), "count");
  EXPECT_EQ(s.at("kept"), "server");
  EXPECT_EQ(num(s.at("server").at("value")), 5);
  EXPECT_EQ(num(s.at("device").at("value")), 7);
  const auto rec = alice_.pulled_record("board", "tally", "t1");
  EXPECT_EQ(num(rec.at("count")), 5);
  EXPECT_EQ(rec.at("label"), "calls");
}

TEST_F(SpacePoliciesTest, ADeleteSettledInTheServersFavourDeletesNothing) {
  alice_.push_ok("board", base_,
                 batch({update("card", "c1", at(R"({"text":"alice's"})", "2026-12-07T09:00:00Z")),
                        update("tally", "t1", R"({"count":9})")}));
  const auto r = bob_.push_ok(
      "board", base_,
      R"([{"type":"DELETE","resource":"card","resourceId":"c1","data":{"clientUpdatedAt":"2026-12-07T08:00:00Z"}},)"
      R"({"type":"DELETE","resource":"tally","resourceId":"t1"}])");
  EXPECT_EQ(ack(r, 0).at("outcome"), "merged") << json::serialize(r);
  EXPECT_EQ(spaces::clash_for(ack(r, 0).at("settled"), "text").at("kept"), "server");
  EXPECT_EQ(ack(r, 1).at("outcome"), "merged") << json::serialize(r);
  EXPECT_EQ(spaces::clash_for(ack(r, 1).at("settled"), "count").at("kept"), "server");
  EXPECT_EQ(alice_.pulled_record("board", "card", "c1").at("text"), "alice's");
  EXPECT_EQ(num(alice_.pulled_record("board", "tally", "t1").at("count")), 9);
  // A delete captured after the change wins under lastWriteWins.
  const auto later = bob_.push_ok(
      "board", base_,
      R"([{"type":"DELETE","resource":"card","resourceId":"c1","data":{"clientUpdatedAt":"2026-12-07T10:00:00Z"}}])");
  EXPECT_EQ(ack(later, 0).at("outcome"), "merged") << json::serialize(later);
  EXPECT_TRUE(alice_.pulled_record("board", "card", "c1").is_null());
}

}  // namespace
}  // namespace synclog::test
