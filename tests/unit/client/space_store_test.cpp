// The device's spaces without a server (include/synclog/client/spaces.hpp SpaceStore, on a real
// device file): a space row and its records are set up through the engine's side of the file
// (src/client/space_file.hpp: upsert_space from a feed entry, set_schema, apply_entry as a pull
// would), then the app's side is exercised: checked and queued puts, UPDATEs of changed fields
// only, squashing, the shown record (base with queued edits over it), remove, list and get,
// rejections and their dismissal, the quarantine of a purged space, and settling a conflict
// that a push's acks (begin_batch + finish_batch) created.
#include "synclog/client/spaces.hpp"

#include "client/space_file.hpp"
#include "client/space_validation.hpp"
#include "client/space_wire.hpp"
#include "common/clock.hpp"
#include "temp_dir.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <gmock/gmock.h>
#include "status_matchers.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace synclog::client {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

constexpr std::int64_t kT0 = 1779185730123;
constexpr std::string_view kT0Iso = "2026-05-19T10:15:30.123Z";
constexpr std::string_view kSpace = "north";

template <class T>
T value_of(Result<T> r) {
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return T{};
  }
  return std::move(r).value();
}

template <class T>
ErrorCode code_of(const Result<T>& r) {
  return r.ok() ? ErrorCode::kInternal : r.error().code;
}
ErrorCode code_of(const Status& s) { return s.ok() ? ErrorCode::kInternal : s.error().code; }

// JSON texts compared as values (member order aside).
json::value parsed(std::string_view text) { return json::parse(text); }
#define EXPECT_JSON_EQ(actual, expected) EXPECT_EQ(parsed(actual), parsed(expected)) << (actual)

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(SYNCLOG_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FeedEntry added(std::string space, std::string role, std::string name = "North region") {
  FeedEntry e;
  e.type = MutationType::kCreate;
  e.space = std::move(space);
  e.name = std::move(name);
  e.schema = "inspections";
  e.role = std::move(role);
  e.timestamp = 1;
  return e;
}

// A conflict ack as parse_space_push reads the server's (docs/api.md, "Outcomes").
SpaceAck conflict_ack(std::int64_t version, std::string record, std::string clashes,
                      std::vector<std::string> fields, std::string reason = "changed") {
  SpaceAck a;
  a.outcome = "conflict";
  a.conflict_reason = std::move(reason);
  a.conflict_version = version;
  a.fields = std::move(fields);
  a.server_record = std::move(record);
  a.clashes = std::move(clashes);
  return a;
}

SpaceAck applied_ack(std::int64_t ts) {
  SpaceAck a;
  a.outcome = "applied";
  a.timestamp = ts;
  return a;
}

// One clash of `field`: the server's value (bob's, from his phone) against the device's.
std::string clash(const std::string& field, const std::string& server_value,
                  const std::string& device_value) {
  return R"({"field":")" + field + R"(","server":{"value":)" + server_value +
         R"(,"by":"bob","client":"bob-phone","at":"2026-12-07T13:23:53.079Z",)"
         R"("capturedAt":"2026-12-07T09:00:00.000Z"},"device":{"value":)" +
         device_value + R"(,"capturedAt":"2026-05-19T10:15:30.123Z"}})";
}

class SpaceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    LocalStore::Options options;
    options.clock = &clock_;
    auto s = LocalStore::open(dir_.file("device.db"), options);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    file_.emplace(*store_);
    spaces_.emplace(*store_);
    schema_ = read_source_file("examples/inspections/schema.json");
    ASSERT_FALSE(schema_.empty());
    join(kSpace, "member");
    ASSERT_OK(file().set_schema("inspections", 1, schema_, /*pinned=*/false));
    // Master data a pull brought: a site, and an inspection of it.
    pulled("site", "s1", R"({"name":"Depot","code":"D1","active":true,)"
                         R"("clientCreatedAt":"2026-05-01T08:00:00.000Z",)"
                         R"("clientUpdatedAt":"2026-05-01T08:00:00.000Z","updatedBy":"ann"})",
           10);
    pulled("inspection", "i1", R"({"site":"s1","status":"draft","notes":"a",)"
                               R"("clientCreatedAt":"2026-05-01T09:00:00.000Z",)"
                               R"("clientUpdatedAt":"2026-05-01T09:00:00.000Z","updatedBy":"ann"})",
           20);
  }

  SpaceFile& file() { return *file_; }
  SpaceStore& spaces() { return *spaces_; }

  void join(std::string_view space, const std::string& role) {
    ASSERT_OK(file().upsert_space(added(std::string(space), role)));
  }

  // The server's state of a record, as a pull brings it (nullopt data: a tombstone).
  void pulled(const std::string& type, const std::string& id, std::optional<std::string> data,
              std::int64_t version, std::string_view space = kSpace) {
    SpaceEntry e;
    e.type = data ? MutationType::kUpdate : MutationType::kDelete;
    e.record_type = type;
    e.id = id;
    e.data = std::move(data);
    e.timestamp = version;
    ASSERT_OK(file().apply_entry(space, e));
  }

  std::vector<SpaceEdit> queued(std::string_view space = kSpace) {
    return value_of(file().next_edits(space, 1000));
  }

  std::optional<SpaceRecord> record(const std::string& type, const std::string& id) {
    return value_of(spaces().get(kSpace, type, id));
  }

  // Sends every free edit of the space as one push and settles it with `acks`.
  std::vector<SyncEvent> push(const std::vector<SpaceAck>& acks) {
    SpaceBatch b;
    b.key = "key-" + std::to_string(++batches_);
    b.space = std::string(kSpace);
    b.target = "/v1/spaces/north/sync?conflictMode=field";
    b.edits = queued();
    b.body = space_push_body(b.edits, 20);
    EXPECT_OK(file().begin_batch(b));
    return value_of(file().finish_batch(b, acks));
  }

  // i1 edited here ({"status":"submitted","notes":"b"} from draft/a) and by bob since: the push
  // answers a conflict on status at version 30. Returns the conflict's seq.
  std::int64_t conflict_on_status() {
    EXPECT_OK(spaces().put(kSpace, "inspection", R"({"status":"submitted","notes":"b"})", "i1"));
    const auto events = push({conflict_ack(
        30, R"({"site":"s1","status":"in_progress","notes":"a","updatedBy":"bob"})",
        "[" + clash("status", R"("in_progress")", R"("submitted")") + "]", {"status"})});
    EXPECT_EQ(events.size(), 1u);
    return events.empty() ? -1 : events[0].conflict_seq;
  }

  test::TempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<LocalStore> store_;
  std::optional<SpaceFile> file_;
  std::optional<SpaceStore> spaces_;
  std::string schema_;
  int batches_ = 0;
};

//////// Spaces

TEST_F(SpaceStoreTest, TheSpaceTheFeedAddedIsListedWithItsRoleAndCounts) {
  const auto all = value_of(spaces().spaces());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "north");
  EXPECT_EQ(all[0].name, "North region");
  EXPECT_EQ(all[0].schema, "inspections");
  EXPECT_EQ(all[0].role, "member");
  EXPECT_EQ(all[0].cursor, 0);
  EXPECT_EQ(all[0].pending, 0);
  EXPECT_EQ(all[0].conflicts, 0);
  EXPECT_EQ(all[0].rejected, 0);
  EXPECT_EQ(value_of(spaces().schema_version("inspections")), 1);
  EXPECT_EQ(value_of(spaces().schema_version("audits")), 0);
  EXPECT_FALSE(value_of(spaces().space("south")).has_value());
}

//////// put

TEST_F(SpaceStoreTest, PutChecksANewRecordAndQueuesItsCreate) {
  const auto id = value_of(spaces().put(kSpace, "inspection",
                                        R"({"site":"s1","scheduledFor":"2026-05-20T09:00:00+02:00"})"));
  ASSERT_FALSE(id.empty());
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kCreate);
  EXPECT_EQ(q[0].type, "inspection");
  EXPECT_EQ(q[0].id, id);
  // Canonical: the time in UTC.
  EXPECT_JSON_EQ(q[0].fields, R"({"site":"s1","scheduledFor":"2026-05-20T07:00:00.000Z"})");
  EXPECT_EQ(q[0].base_version, 0);
  EXPECT_EQ(q[0].captured_ms, kT0);
  const auto r = record("inspection", id);
  ASSERT_TRUE(r.has_value());
  EXPECT_JSON_EQ(r->data, q[0].fields);
  EXPECT_EQ(r->version, 0);
  EXPECT_TRUE(r->pending);
  EXPECT_FALSE(r->in_conflict);
  EXPECT_FALSE(r->rejected);
  EXPECT_EQ(value_of(spaces().space(kSpace))->pending, 1);
}

TEST_F(SpaceStoreTest, PutWithAnIdCreatesThatRecord) {
  EXPECT_EQ(value_of(spaces().put(kSpace, "inspection", R"({"site":"s1"})", "i-mine")), "i-mine");
  ASSERT_EQ(queued().size(), 1u);
  EXPECT_EQ(queued()[0].id, "i-mine");
  EXPECT_EQ(code_of(spaces().put(kSpace, "inspection", R"({"site":"s1"})", "no spaces")),
            ErrorCode::kInvalidRequest);
}

TEST_F(SpaceStoreTest, PutTakesTheCaptureTimeTheAppGives) {
  const auto id = value_of(spaces().put(
      kSpace, "inspection", R"({"site":"s1","clientUpdatedAt":"2026-05-19T12:00:00.000+02:00"})"));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].captured_ms, kT0 - (15 * 60 + 30) * 1000 - 123);  // 10:00:00.000Z
  EXPECT_JSON_EQ(q[0].fields, R"({"site":"s1"})");
  EXPECT_EQ(code_of(spaces().put(kSpace, "inspection", R"({"site":"s1","clientUpdatedAt":"soon"})")),
            ErrorCode::kInvalidRequest);
  (void)id;
}

TEST_F(SpaceStoreTest, PutRefusesWhatTheServerWouldAndQueuesNothing) {
  // A member writing master data.
  EXPECT_EQ(code_of(spaces().put(kSpace, "site", R"({"name":"Yard","code":"Y1"})")),
            ErrorCode::kForbidden);
  // A field the schema does not have, a bad enum value, a missing required field.
  const auto unknown = spaces().put(kSpace, "inspection", R"({"site":"s1","colour":"red"})");
  EXPECT_EQ(code_of(unknown), ErrorCode::kValidation);
  if (!unknown.ok()) {
    EXPECT_THAT(unknown.error().message, HasSubstr("colour"));
  }
  EXPECT_EQ(code_of(spaces().put(kSpace, "inspection", R"({"site":"s1","status":"done"})")),
            ErrorCode::kValidation);
  EXPECT_EQ(code_of(spaces().put(kSpace, "inspection", R"({"notes":"no site"})")),
            ErrorCode::kValidation);
  // A reference to a record the device does not have in this space.
  const auto ref = spaces().put(kSpace, "inspection", R"({"site":"s404"})");
  EXPECT_EQ(code_of(ref), ErrorCode::kValidation);
  if (!ref.ok()) {
    EXPECT_THAT(ref.error().message, HasSubstr("s404"));
  }
  // An unknown type, data that is not an object.
  EXPECT_EQ(code_of(spaces().put(kSpace, "vehicle", "{}")), ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(spaces().put(kSpace, "inspection", "[1]")), ErrorCode::kInvalidRequest);
  EXPECT_TRUE(queued().empty());
  EXPECT_EQ(value_of(spaces().space(kSpace))->pending, 0);
}

TEST_F(SpaceStoreTest, AReferenceResolvesOnlyInsideItsOwnSpace) {
  join("south", "lead");
  pulled("site", "s-south", R"({"name":"South","code":"S"})", 5, "south");
  EXPECT_EQ(code_of(spaces().put(kSpace, "inspection", R"({"site":"s-south"})")),
            ErrorCode::kValidation);
  EXPECT_TRUE(spaces().put("south", "inspection", R"({"site":"s-south"})").ok());
}

TEST_F(SpaceStoreTest, ARecordCreatedOnTheDeviceCanBeReferencedAtOnce) {
  join("west", "lead");
  const auto site = value_of(spaces().put("west", "site", R"({"name":"Yard","code":"Y1"})"));
  const auto put = spaces().put("west", "asset",
                                R"({"site":")" + site + R"(","tag":"B-1","category":"boiler"})");
  EXPECT_TRUE(put.ok()) << put.error().message;
}

TEST_F(SpaceStoreTest, AViewerMayPutNothing) {
  join("east", "viewer");
  pulled("site", "s-east", R"({"name":"East","code":"E"})", 5, "east");
  EXPECT_EQ(code_of(spaces().put("east", "inspection", R"({"site":"s-east"})")), ErrorCode::kForbidden);
  EXPECT_EQ(code_of(spaces().remove("east", "site", "s-east")), ErrorCode::kForbidden);
  EXPECT_TRUE(queued("east").empty());
}

TEST_F(SpaceStoreTest, PutInAnUnknownSpaceOrWithoutASchemaOrAwaitingAnUpdateFails) {
  EXPECT_EQ(code_of(spaces().put("south", "inspection", R"({"site":"s1"})")), ErrorCode::kNotFound);
  FeedEntry other = added("audit", "owner");
  other.schema = "audits";
  ASSERT_OK(file().upsert_space(other));
  EXPECT_EQ(code_of(spaces().put("audit", "visit", "{}")), ErrorCode::kPreconditionFailed);
  ASSERT_OK(file().set_needed_version(kSpace, 2));
  EXPECT_EQ(code_of(spaces().put(kSpace, "inspection", R"({"site":"s1"})")),
            ErrorCode::kPreconditionFailed);
  EXPECT_EQ(value_of(spaces().space(kSpace))->update_required, 2);
  EXPECT_TRUE(queued().empty());
}

//////// UPDATEs carry what changed

TEST_F(SpaceStoreTest, AnUpdateCarriesOnlyTheFieldsThatChanged) {
  ASSERT_OK(spaces().put(kSpace, "inspection",
                         R"({"site":"s1","status":"draft","notes":"b","updatedBy":"me"})", "i1"));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kUpdate);
  EXPECT_EQ(q[0].id, "i1");
  EXPECT_JSON_EQ(q[0].fields, R"({"notes":"b"})");
  EXPECT_EQ(q[0].base_version, 20);
}

TEST_F(SpaceStoreTest, PuttingTheSameValuesQueuesNothing) {
  EXPECT_EQ(value_of(spaces().put(kSpace, "inspection", R"({"site":"s1","status":"draft","notes":"a"})",
                                  "i1")),
            "i1");
  // Absent and null are the same: clearing what is not there changes nothing.
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"result":null,"clientUpdatedAt":1779185700000})", "i1"));
  EXPECT_TRUE(queued().empty());
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->pending);
  EXPECT_EQ(r->version, 20);
}

// The same instant in another offset or as epoch milliseconds, or 53 sent as 53.0, is no change:
// put compares values in their canonical form, so nothing is queued and nothing can clash.
TEST_F(SpaceStoreTest, TheSameInstantWithAnotherOffsetIsNoChange) {
  pulled("inspection", "i2", R"({"site":"s1","scheduledFor":"2026-05-20T07:00:00.000Z"})", 21);
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"scheduledFor":"2026-05-20T09:00:00.000+02:00"})", "i2"));
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"scheduledFor":1779260400000})", "i2"));
  const auto q = queued();
  EXPECT_TRUE(q.empty()) << q.size() << " edit(s) queued; the first carries " << (q.empty() ? "" : q[0].fields);
  // The same with a number: 53.0 is the 53 the device shows.
  join("west", "lead");
  pulled("site", "w1", R"({"name":"West","code":"W","latitude":53})", 5, "west");
  ASSERT_OK(spaces().put("west", "site", R"({"latitude":53.0})", "w1"));
  const auto w = queued("west");
  EXPECT_TRUE(w.empty()) << w.size() << " edit(s) queued; the first carries " << (w.empty() ? "" : w[0].fields);
}

TEST_F(SpaceStoreTest, ClearingAnOptionalFieldIsAChangeAndARequiredOneIsRefused) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":null})", "i1"));
  ASSERT_EQ(queued().size(), 1u);
  EXPECT_JSON_EQ(queued()[0].fields, R"({"notes":null})");
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","status":"draft","notes":null,)"
                          R"("clientCreatedAt":"2026-05-01T09:00:00.000Z",)"
                          R"("clientUpdatedAt":"2026-05-01T09:00:00.000Z","updatedBy":"ann"})");
  EXPECT_EQ(code_of(spaces().put(kSpace, "inspection", R"({"site":null})", "i1")), ErrorCode::kValidation);
}

//////// Squashing

TEST_F(SpaceStoreTest, ACreateAndItsUpdatesAreOneCreate) {
  const auto id = value_of(spaces().put(kSpace, "inspection", R"({"site":"s1","notes":"first"})"));
  clock_.advance(5000);
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"second","status":"in_progress"})", id));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kCreate);
  EXPECT_JSON_EQ(q[0].fields, R"({"site":"s1","notes":"second","status":"in_progress"})");
  EXPECT_EQ(q[0].base_version, 0);
  EXPECT_EQ(q[0].captured_ms, kT0 + 5000);  // the latest capture
}

TEST_F(SpaceStoreTest, UpdatesOfASyncedRecordAreOneUpdate) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"status":"in_progress"})", "i1"));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kUpdate);
  EXPECT_JSON_EQ(q[0].fields, R"({"notes":"b","status":"in_progress"})");
  EXPECT_EQ(q[0].base_version, 20);
}

TEST_F(SpaceStoreTest, ACreateAndADeleteOfANeverSyncedRecordAreNothing) {
  const auto id = value_of(spaces().put(kSpace, "inspection", R"({"site":"s1"})"));
  ASSERT_OK(spaces().remove(kSpace, "inspection", id));
  EXPECT_TRUE(queued().empty());
  EXPECT_FALSE(record("inspection", id).has_value());
  EXPECT_EQ(value_of(spaces().space(kSpace))->pending, 0);
  EXPECT_EQ(value_of(spaces().list(kSpace, "inspection")).size(), 1u);  // i1 only
}

TEST_F(SpaceStoreTest, AnUpdateAndADeleteOfASyncedRecordAreOneDelete) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  ASSERT_OK(spaces().remove(kSpace, "inspection", "i1"));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kDelete);
  EXPECT_EQ(q[0].fields, "{}");
  EXPECT_EQ(q[0].base_version, 20);
}

//////// What the device shows

TEST_F(SpaceStoreTest, ARecordShowsItsBaseWithTheQueuedEditsOverIt) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"mine"})", "i1"));
  auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","status":"draft","notes":"mine",)"
                          R"("clientCreatedAt":"2026-05-01T09:00:00.000Z",)"
                          R"("clientUpdatedAt":"2026-05-01T09:00:00.000Z","updatedBy":"ann"})");
  EXPECT_TRUE(r->pending);
  EXPECT_EQ(r->version, 20);
  // A pull brings someone's change of another field: it shows, under the person's edit.
  pulled("inspection", "i1", R"({"site":"s1","status":"in_progress","notes":"theirs","updatedBy":"bob"})", 25);
  r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","status":"in_progress","notes":"mine","updatedBy":"bob"})");
  EXPECT_EQ(r->version, 25);
  EXPECT_TRUE(r->pending);
  // The edit is still what the person changed, based where they made it.
  ASSERT_EQ(queued().size(), 1u);
  EXPECT_JSON_EQ(queued()[0].fields, R"({"notes":"mine"})");
  EXPECT_EQ(queued()[0].base_version, 20);
}

TEST_F(SpaceStoreTest, ARecordAPullDeletedIsGone) {
  pulled("inspection", "i1", std::nullopt, 26);
  EXPECT_FALSE(record("inspection", "i1").has_value());
  EXPECT_TRUE(value_of(spaces().list(kSpace, "inspection")).empty());
  EXPECT_EQ(code_of(spaces().remove(kSpace, "inspection", "i1")), ErrorCode::kNotFound);
}

TEST_F(SpaceStoreTest, AnAppliedAckMakesTheEditTheBase) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  const auto events = push({applied_ack(31)});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome, Outcome::kSynced);
  EXPECT_EQ(events[0].kind, "applied");
  EXPECT_TRUE(queued().empty());
  EXPECT_FALSE(value_of(file().inflight(kSpace)).has_value());
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->pending);
}
// Regression: an applied UPDATE showed the record's old server state again until the next pull.
TEST_F(SpaceStoreTest, AnAppliedUpdateKeepsShowingTheNewValueWithTheNewVersion) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  (void)push({applied_ack(31)});
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->pending);
  EXPECT_EQ(r->version, 31);
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","status":"draft","notes":"b",)"
                          R"("clientCreatedAt":"2026-05-01T09:00:00.000Z",)"
                          R"("clientUpdatedAt":"2026-05-01T09:00:00.000Z","updatedBy":"ann"})");
  const auto listed = value_of(spaces().list(kSpace, "inspection"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(parsed(listed[0].data).as_object().at("notes"), "b");
  // The pull that follows brings the server's state, which is no older than the ack's.
  pulled("inspection", "i1", R"({"site":"s1","status":"draft","notes":"b","updatedBy":"me"})", 31);
  EXPECT_JSON_EQ(record("inspection", "i1")->data,
                 R"({"site":"s1","status":"draft","notes":"b","updatedBy":"me"})");
}

// A merged UPDATE (others changed other fields meanwhile) keeps the version the device has seen:
// the others' changes are not on the device yet.
// Regression: a merged UPDATE showed the record's old server state again until the next pull.
TEST_F(SpaceStoreTest, AMergedUpdateKeepsShowingTheNewValueAtTheVersionSeen) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  SpaceAck merged;
  merged.outcome = "merged";
  merged.timestamp = 31;
  const auto events = push({merged});
  ASSERT_EQ(events.size(), 1u);
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->pending);
  EXPECT_EQ(r->version, 20);
  EXPECT_EQ(parsed(r->data).as_object().at("notes"), "b");
}

// Regression: an applied CREATE vanished from list and get, and could not be referenced.
TEST_F(SpaceStoreTest, AnAppliedCreateStaysListedAndCanBeReferenced) {
  const std::string id = "i2";
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"site":"s1","notes":"new"})", id));
  (void)push({applied_ack(31)});
  EXPECT_TRUE(queued().empty());
  const auto r = record("inspection", id);
  ASSERT_TRUE(r.has_value()) << "the created record is gone after its applied ack";
  EXPECT_FALSE(r->pending);
  EXPECT_FALSE(r->rejected);
  EXPECT_EQ(r->version, 31);
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","notes":"new"})");
  const auto listed = value_of(spaces().list(kSpace, "inspection"));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id + " " + listed[1].id, "i1 i2");
  const auto finding = spaces().put(
      kSpace, "finding", R"({"inspection":")" + id + R"(","severity":"low","description":"d"})");
  ASSERT_TRUE(finding.ok()) << finding.error().message;
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kCreate);
  EXPECT_EQ(q[0].type, "finding");
}

// Regression: after an applied UPDATE notes:"b", putting notes "a" again queued nothing (lost).
TEST_F(SpaceStoreTest, RestoringTheOldValueAfterAnAppliedUpdateQueuesAnEdit) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  (void)push({applied_ack(31)});
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"a"})", "i1"));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u) << "putting notes back to \"a\" queued nothing";
  EXPECT_EQ(q[0].op, MutationType::kUpdate);
  EXPECT_JSON_EQ(q[0].fields, R"({"notes":"a"})");
  EXPECT_EQ(q[0].base_version, 31);
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->pending);
  EXPECT_EQ(parsed(r->data).as_object().at("notes"), "a");
}

//////// remove, list, get

TEST_F(SpaceStoreTest, RemoveQueuesADeleteAndTheRecordIsGone) {
  clock_.advance(1000);
  ASSERT_OK(spaces().remove(kSpace, "inspection", "i1"));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kDelete);
  EXPECT_EQ(q[0].id, "i1");
  EXPECT_EQ(q[0].fields, "{}");
  EXPECT_EQ(q[0].base_version, 20);
  EXPECT_EQ(q[0].captured_ms, kT0 + 1000);
  EXPECT_FALSE(record("inspection", "i1").has_value());
  EXPECT_TRUE(value_of(spaces().list(kSpace, "inspection")).empty());
  EXPECT_EQ(value_of(spaces().space(kSpace))->pending, 1);
  // Put again, it is made anew.
  const auto again = spaces().put(kSpace, "inspection", R"({"site":"s1"})", "i1");
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST_F(SpaceStoreTest, RemoveOfWhatTheDeviceDoesNotHaveOrMayNotWriteFails) {
  EXPECT_EQ(code_of(spaces().remove(kSpace, "inspection", "i404")), ErrorCode::kNotFound);
  EXPECT_EQ(code_of(spaces().remove("south", "inspection", "i1")), ErrorCode::kNotFound);
  EXPECT_EQ(code_of(spaces().remove(kSpace, "site", "s1")), ErrorCode::kForbidden);
  EXPECT_TRUE(queued().empty());
  EXPECT_TRUE(record("site", "s1").has_value());
}

TEST_F(SpaceStoreTest, ListGivesARecordsOfOneTypeInOneSpaceById) {
  join("south", "member");
  pulled("site", "s-south", R"({"name":"South","code":"S"})", 5, "south");
  pulled("inspection", "i0", R"({"site":"s1","status":"approved"})", 12);
  const auto mine = value_of(spaces().put(kSpace, "inspection", R"({"site":"s1"})", "i5"));
  const auto list = value_of(spaces().list(kSpace, "inspection"));
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "i0");
  EXPECT_EQ(list[1].id, "i1");
  EXPECT_EQ(list[2].id, mine);
  EXPECT_TRUE(list[2].pending);
  EXPECT_EQ(list[0].space, "north");
  EXPECT_EQ(list[0].type, "inspection");
  const auto sites = value_of(spaces().list(kSpace, "site"));
  ASSERT_EQ(sites.size(), 1u);
  EXPECT_EQ(sites[0].id, "s1");
  EXPECT_EQ(sites[0].version, 10);
  EXPECT_TRUE(value_of(spaces().list(kSpace, "finding")).empty());
  EXPECT_TRUE(value_of(spaces().list("nowhere", "site")).empty());
}

TEST_F(SpaceStoreTest, GetGivesTheRecordOrNothing) {
  const auto s = record("site", "s1");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->space, "north");
  EXPECT_EQ(s->type, "site");
  EXPECT_EQ(s->id, "s1");
  EXPECT_EQ(s->version, 10);
  EXPECT_FALSE(s->pending);
  EXPECT_JSON_EQ(s->data, R"({"name":"Depot","code":"D1","active":true,)"
                          R"("clientCreatedAt":"2026-05-01T08:00:00.000Z",)"
                          R"("clientUpdatedAt":"2026-05-01T08:00:00.000Z","updatedBy":"ann"})");
  EXPECT_FALSE(record("site", "s2").has_value());
  EXPECT_FALSE(record("asset", "s1").has_value());
  EXPECT_FALSE(value_of(spaces().get("south", "site", "s1")).has_value());
}

//////// Rejections

TEST_F(SpaceStoreTest, ARefusedNewRecordStaysMarkedAndItsRejectionIsListed) {
  const auto id = value_of(spaces().put(kSpace, "inspection", R"({"site":"s1","notes":"typed"})"));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  clock_.advance(2000);
  const auto ev = value_of(file().reject(q[0], "reference", "site", "Invalid site: no site 's1'"));
  EXPECT_EQ(ev.outcome, Outcome::kNeedsUser);
  EXPECT_EQ(ev.kind, "rejected");
  EXPECT_EQ(ev.fields, (std::vector<std::string>{"site"}));
  EXPECT_THAT(ev.reason, HasSubstr("Invalid site: no site 's1'."));
  EXPECT_TRUE(queued().empty());

  const auto rej = value_of(spaces().rejections());
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_EQ(rej[0].seq, ev.conflict_seq);
  EXPECT_EQ(rej[0].at_ms, kT0 + 2000);
  EXPECT_EQ(rej[0].space, "north");
  EXPECT_EQ(rej[0].type, "inspection");
  EXPECT_EQ(rej[0].id, id);
  EXPECT_EQ(rej[0].op, "CREATE");
  EXPECT_JSON_EQ(rej[0].fields, R"({"site":"s1","notes":"typed"})");
  EXPECT_EQ(rej[0].reason, "reference");
  EXPECT_EQ(rej[0].field, "site");
  EXPECT_EQ(rej[0].message, "Invalid site: no site 's1'");
  EXPECT_THAT(rej[0].advice, HasSubstr("choose another one"));

  const auto r = record("inspection", id);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->rejected);
  EXPECT_FALSE(r->pending);
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","notes":"typed"})");
  const auto info = value_of(spaces().space(kSpace));
  EXPECT_EQ(info->rejected, 1);
  EXPECT_EQ(info->pending, 0);
  // A rejected record is no reference target.
  EXPECT_EQ(code_of(spaces().put(kSpace, "finding",
                                 R"({"inspection":")" + id + R"(","severity":"low","description":"d"})")),
            ErrorCode::kValidation);
}

TEST_F(SpaceStoreTest, DismissingTheRejectionOfANewRecordForgetsIt) {
  const auto id = value_of(spaces().put(kSpace, "inspection", R"({"site":"s1"})"));
  const auto ev = value_of(file().reject(queued()[0], "validation", "", "Invalid data"));
  ASSERT_OK(spaces().dismiss_rejection(ev.conflict_seq));
  EXPECT_TRUE(value_of(spaces().rejections()).empty());
  EXPECT_FALSE(record("inspection", id).has_value());
  EXPECT_EQ(value_of(spaces().space(kSpace))->rejected, 0);
  EXPECT_EQ(code_of(spaces().dismiss_rejection(ev.conflict_seq)), ErrorCode::kNotFound);
}

TEST_F(SpaceStoreTest, ARefusedUpdateLeavesTheRecordAsTheServerHasIt) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  const auto ev = value_of(file().reject(queued()[0], "permission", "", "Your role may not"));
  auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->rejected);
  EXPECT_FALSE(r->pending);
  EXPECT_EQ(parsed(r->data).as_object().at("notes"), "a");
  const auto rej = value_of(spaces().rejections());
  ASSERT_EQ(rej.size(), 1u);
  EXPECT_EQ(rej[0].op, "UPDATE");
  EXPECT_THAT(rej[0].advice, HasSubstr("ask a lead"));
  ASSERT_OK(spaces().dismiss_rejection(ev.conflict_seq));
  r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->version, 20);
}

TEST_F(SpaceStoreTest, PuttingARefusedNewRecordAgainQueuesItWithWhatWasTyped) {
  const auto id = value_of(spaces().put(kSpace, "inspection", R"({"site":"s1","notes":"typed"})"));
  (void)value_of(file().reject(queued()[0], "validation", "notes", "Invalid notes"));
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"fixed"})", id));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kCreate);
  EXPECT_JSON_EQ(q[0].fields, R"({"site":"s1","notes":"fixed"})");
  const auto r = record("inspection", id);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->rejected);
  EXPECT_TRUE(r->pending);
}
// A CREATE refused while an UPDATE of it (made while it was in flight) waits in the queue.
// Regression: putting the record again left the merged row an UPDATE, which the server refuses.
TEST_F(SpaceStoreTest, ARefusedCreatePutAgainOverItsQueuedUpdateIsOneCreate) {
  const auto id = value_of(spaces().put(kSpace, "inspection", R"({"site":"s1","notes":"typed"})"));
  SpaceBatch b;
  b.key = "k1";
  b.space = std::string(kSpace);
  b.target = "/v1/spaces/north/sync?conflictMode=field";
  b.edits = queued();
  b.body = space_push_body(b.edits, 20);
  ASSERT_OK(file().begin_batch(b));
  clock_.advance(1000);
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"status":"in_progress"})", id));  // in flight
  SpaceAck refused;
  refused.outcome = "rejected";
  refused.reason = "validation";
  refused.field = "notes";
  refused.message = "Invalid notes";
  (void)value_of(file().finish_batch(b, {refused}));
  clock_.advance(1000);
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"site":"s1","notes":"fixed"})", id));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(mutation_type_name(q[0].op), std::string_view("CREATE"));
  EXPECT_EQ(q[0].id, id);
  EXPECT_EQ(q[0].base_version, 0);
  EXPECT_JSON_EQ(q[0].fields, R"({"site":"s1","notes":"fixed","status":"in_progress"})");
  // What the server will judge: a CREATE of a new inspection with its site.
  const auto check = check_space_edit(
      schema_, "inspection", "member", q[0].op, /*is_new=*/true, q[0].fields,
      [](std::string_view, std::string_view) { return Result<bool>(true); });
  EXPECT_TRUE(check.ok()) << check.error().message;
  const auto r = record("inspection", id);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->pending);
  EXPECT_FALSE(r->rejected);
}

//////// The quarantine

TEST_F(SpaceStoreTest, PurgingASpaceMovesItsUnacceptedEditsToTheQuarantine) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  const auto created = value_of(spaces().put(kSpace, "inspection", R"({"site":"s1","notes":"new"})"));
  // The CREATE is refused, the UPDATE stays queued.
  const auto q = queued();
  ASSERT_EQ(q.size(), 2u);
  (void)value_of(file().reject(q[1], "reference", "site", "gone"));
  clock_.advance(60000);
  EXPECT_EQ(value_of(file().purge(kSpace, "removed from the space")), 2);

  EXPECT_TRUE(value_of(spaces().spaces()).empty());
  EXPECT_TRUE(value_of(spaces().rejections()).empty());
  EXPECT_FALSE(record("inspection", "i1").has_value());
  EXPECT_TRUE(queued().empty());

  const auto kept = value_of(spaces().quarantine());
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].at_ms, kT0 + 60000);
  EXPECT_EQ(kept[0].space, "north");
  EXPECT_EQ(kept[0].space_name, "North region");
  EXPECT_EQ(kept[0].type, "inspection");
  EXPECT_EQ(kept[0].id, "i1");
  EXPECT_EQ(kept[0].op, "UPDATE");
  EXPECT_JSON_EQ(kept[0].fields, R"({"notes":"b"})");
  EXPECT_EQ(kept[0].captured_ms, kT0);
  EXPECT_EQ(kept[0].reason, "removed from the space");
  EXPECT_EQ(kept[1].id, created);
  EXPECT_EQ(kept[1].op, "CREATE");
  EXPECT_JSON_EQ(kept[1].fields, R"({"site":"s1","notes":"new"})");

  const json::value exported = parsed(value_of(spaces().export_quarantine()));
  ASSERT_TRUE(exported.is_array());
  ASSERT_EQ(exported.as_array().size(), 2u);
  const auto& first = exported.as_array()[0].as_object();
  EXPECT_EQ(first.at("seq"), kept[0].seq);
  EXPECT_EQ(first.at("quarantinedAt"), "2026-05-19T10:16:30.123Z");
  EXPECT_EQ(first.at("spaceId"), "north");
  EXPECT_EQ(first.at("spaceName"), "North region");
  EXPECT_EQ(first.at("type"), "inspection");
  EXPECT_EQ(first.at("resourceId"), "i1");
  EXPECT_EQ(first.at("op"), "UPDATE");
  EXPECT_EQ(first.at("data"), parsed(R"({"notes":"b"})"));
  EXPECT_EQ(first.at("capturedAt"), json::value(json::string_view(kT0Iso)));
  EXPECT_EQ(first.at("reason"), "removed from the space");
  EXPECT_EQ(exported.as_array()[1].as_object().at("resourceId"), json::value(created));

  ASSERT_OK(spaces().discard_quarantined(kept[0].seq));
  EXPECT_EQ(value_of(spaces().quarantine()).size(), 1u);
  EXPECT_EQ(code_of(spaces().discard_quarantined(kept[0].seq)), ErrorCode::kNotFound);
}

TEST_F(SpaceStoreTest, PurgingASpaceKeepsTheOthers) {
  join("south", "member");
  pulled("site", "s-south", R"({"name":"South","code":"S"})", 5, "south");
  ASSERT_OK(spaces().put("south", "inspection", R"({"site":"s-south"})", "i-s"));
  EXPECT_EQ(value_of(file().purge(kSpace, "removed")), 0);
  EXPECT_TRUE(value_of(spaces().quarantine()).empty());
  EXPECT_EQ(value_of(spaces().export_quarantine()), "[]");
  const auto left = value_of(spaces().spaces());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id, "south");
  EXPECT_EQ(left[0].pending, 1);
  EXPECT_TRUE(value_of(spaces().get("south", "inspection", "i-s")).has_value());
}

// A refused edit quarantined with its space keeps when the person made it, not when the server
// refused it.
TEST_F(SpaceStoreTest, AQuarantinedRefusedEditKeepsItsCaptureTime) {
  (void)value_of(spaces().put(kSpace, "inspection", R"({"site":"s1"})"));
  clock_.advance(7000);
  (void)value_of(file().reject(queued()[0], "reference", "site", "gone"));
  clock_.advance(7000);
  EXPECT_EQ(value_of(file().purge(kSpace, "removed")), 1);
  const auto kept = value_of(spaces().quarantine());
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].captured_ms, kT0) << "off by " << kept[0].captured_ms - kT0 << " ms";
}

//////// Conflicts

TEST_F(SpaceStoreTest, AConflictAckHoldsTheEditAndListsBothSides) {
  const auto seq = conflict_on_status();
  const auto all = value_of(spaces().conflicts());
  ASSERT_EQ(all.size(), 1u);
  const SpaceConflict& c = all[0];
  EXPECT_EQ(c.seq, seq);
  EXPECT_EQ(c.at_ms, kT0);
  EXPECT_EQ(c.space, "north");
  EXPECT_EQ(c.type, "inspection");
  EXPECT_EQ(c.id, "i1");
  EXPECT_EQ(c.reason, "changed");
  EXPECT_EQ(c.version, 30);
  EXPECT_JSON_EQ(c.server, R"({"site":"s1","status":"in_progress","notes":"a","updatedBy":"bob"})");
  EXPECT_JSON_EQ(c.local, R"({"status":"submitted","notes":"b"})");
  EXPECT_FALSE(c.resolved);
  ASSERT_EQ(c.clashes.size(), 1u);
  EXPECT_EQ(c.clashes[0].field, "status");
  EXPECT_EQ(c.clashes[0].server.value, R"("in_progress")");
  EXPECT_EQ(c.clashes[0].server.by, "bob");
  EXPECT_EQ(c.clashes[0].server.client, "bob-phone");
  EXPECT_EQ(c.clashes[0].server.at, "2026-12-07T13:23:53.079Z");
  EXPECT_EQ(c.clashes[0].server.captured_at, "2026-12-07T09:00:00.000Z");
  EXPECT_EQ(c.clashes[0].local.value, R"("submitted")");
  EXPECT_EQ(c.clashes[0].local.by, "");
  EXPECT_EQ(c.clashes[0].local.captured_at, kT0Iso);
  EXPECT_EQ(c.clashes[0].base, R"("draft")");

  // The record shows the person's side over the server's, and waits.
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->in_conflict);
  EXPECT_TRUE(r->pending);
  EXPECT_EQ(r->version, 30);
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","status":"submitted","notes":"b","updatedBy":"bob"})");
  EXPECT_TRUE(queued().empty());  // nothing free to push
  const auto info = value_of(spaces().space(kSpace));
  EXPECT_EQ(info->conflicts, 1);
  EXPECT_EQ(info->pending, 1);
}

TEST_F(SpaceStoreTest, AcceptingTheServerKeepsThePersonsOtherFields) {
  const auto seq = conflict_on_status();
  clock_.advance(3000);
  ASSERT_OK(spaces().resolve(seq, {SpaceResolution::Kind::kAcceptServer, {}}));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kUpdate);
  EXPECT_JSON_EQ(q[0].fields, R"({"notes":"b"})");
  EXPECT_EQ(q[0].base_version, 30);
  EXPECT_EQ(q[0].captured_ms, kT0 + 3000);
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->in_conflict);
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","status":"in_progress","notes":"b","updatedBy":"bob"})");
  EXPECT_TRUE(value_of(spaces().conflicts()).empty());
  const auto all = value_of(spaces().conflicts(/*unresolved_only=*/false));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].resolved);
  EXPECT_EQ(value_of(spaces().space(kSpace))->conflicts, 0);
}

TEST_F(SpaceStoreTest, AcceptingTheServerOnEveryFieldChangedQueuesNothing) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"status":"submitted"})", "i1"));
  const auto events = push({conflict_ack(
      30, R"({"site":"s1","status":"in_progress","notes":"a"})",
      "[" + clash("status", R"("in_progress")", R"("submitted")") + "]", {"status"})});
  ASSERT_EQ(events.size(), 1u);
  ASSERT_OK(spaces().resolve(events[0].conflict_seq, {SpaceResolution::Kind::kAcceptServer, {}}));
  EXPECT_TRUE(queued().empty());
  const auto r = record("inspection", "i1");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->pending);
  EXPECT_JSON_EQ(r->data, R"({"site":"s1","status":"in_progress","notes":"a"})");
}

TEST_F(SpaceStoreTest, KeepingLocalSendsThePersonsEditAgainFromTheServersVersion) {
  const auto seq = conflict_on_status();
  ASSERT_OK(spaces().resolve(seq, {SpaceResolution::Kind::kKeepLocal, {}}));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kUpdate);
  EXPECT_JSON_EQ(q[0].fields, R"({"status":"submitted","notes":"b"})");
  EXPECT_EQ(q[0].base_version, 30);
  EXPECT_JSON_EQ(record("inspection", "i1")->data,
                 R"({"site":"s1","status":"submitted","notes":"b","updatedBy":"bob"})");
}

TEST_F(SpaceStoreTest, AManualResolutionSetsTheValueGivenPerField) {
  const auto seq = conflict_on_status();
  ASSERT_OK(spaces().resolve(seq, {SpaceResolution::Kind::kManual, {{"status", R"("approved")"}}}));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kUpdate);
  EXPECT_JSON_EQ(q[0].fields, R"({"status":"approved","notes":"b"})");
  EXPECT_EQ(q[0].base_version, 30);
}

TEST_F(SpaceStoreTest, EditsMadeWhileInConflictWaitAndGoWithTheResolution) {
  const auto seq = conflict_on_status();
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"inspector":"me"})", "i1"));
  EXPECT_TRUE(queued().empty());  // held with the conflict
  EXPECT_EQ(value_of(spaces().space(kSpace))->pending, 2);
  EXPECT_EQ(parsed(record("inspection", "i1")->data).as_object().at("inspector"), "me");
  ASSERT_OK(spaces().resolve(seq, {SpaceResolution::Kind::kAcceptServer, {}}));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_JSON_EQ(q[0].fields, R"({"notes":"b","inspector":"me"})");
  EXPECT_EQ(q[0].base_version, 30);
}

TEST_F(SpaceStoreTest, AConflictIsSettledOnce) {
  const auto seq = conflict_on_status();
  ASSERT_OK(spaces().resolve(seq, {SpaceResolution::Kind::kKeepLocal, {}}));
  EXPECT_EQ(code_of(spaces().resolve(seq, {SpaceResolution::Kind::kAcceptServer, {}})),
            ErrorCode::kPreconditionFailed);
  ASSERT_EQ(queued().size(), 1u);
  EXPECT_JSON_EQ(queued()[0].fields, R"({"status":"submitted","notes":"b"})");
  EXPECT_EQ(code_of(spaces().resolve(seq + 100, {SpaceResolution::Kind::kAcceptServer, {}})),
            ErrorCode::kNotFound);
}

TEST_F(SpaceStoreTest, AManualValueForAFieldThatDoesNotClashIsRefused) {
  const auto seq = conflict_on_status();
  EXPECT_EQ(code_of(spaces().resolve(seq, {SpaceResolution::Kind::kManual, {{"notes", R"("c")"}}})),
            ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(spaces().resolve(seq, {SpaceResolution::Kind::kManual, {{"status", "not json"}}})),
            ErrorCode::kInvalidRequest);
  // Nothing changed: still waiting, still settleable.
  EXPECT_EQ(value_of(spaces().conflicts()).size(), 1u);
  EXPECT_TRUE(record("inspection", "i1")->in_conflict);
  ASSERT_OK(spaces().resolve(seq, {SpaceResolution::Kind::kManual, {{"status", R"("approved")"}}}));
}

TEST_F(SpaceStoreTest, AcceptingTheServersDeletionForgetsTheRecordAndItsEdit) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  const auto events = push({conflict_ack(40, "null", "[]", {}, "deleted")});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome, Outcome::kNeedsUser);
  EXPECT_EQ(events[0].kind, "conflict");
  const auto c = value_of(spaces().conflicts());
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].reason, "deleted");
  EXPECT_EQ(c[0].server, "null");
  ASSERT_OK(spaces().resolve(events[0].conflict_seq, {SpaceResolution::Kind::kAcceptServer, {}}));
  EXPECT_TRUE(queued().empty());
  EXPECT_FALSE(record("inspection", "i1").has_value());
}

// Keeping the device's side of a record the server deleted makes it again whole: the record as
// the person edited it (the conflict's base) with their edits, required fields included.
TEST_F(SpaceStoreTest, KeepingARecordTheServerDeletedMakesItAgainWhole) {
  ASSERT_OK(spaces().put(kSpace, "inspection", R"({"notes":"b"})", "i1"));
  const auto events = push({conflict_ack(40, "null", "[]", {}, "deleted")});
  ASSERT_EQ(events.size(), 1u);
  ASSERT_OK(spaces().resolve(events[0].conflict_seq, {SpaceResolution::Kind::kKeepLocal, {}}));
  const auto q = queued();
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].op, MutationType::kCreate);
  EXPECT_EQ(q[0].base_version, 40);
  EXPECT_JSON_EQ(q[0].fields, R"({"site":"s1","status":"draft","notes":"b"})");
  // What the server will judge: a CREATE of an inspection needs its site.
  const auto check = check_space_edit(
      schema_, "inspection", "member", MutationType::kCreate, /*is_new=*/true, q[0].fields,
      [](std::string_view, std::string_view) { return Result<bool>(true); });
  EXPECT_TRUE(check.ok()) << check.error().message;
}

// A value the person picks in a manual resolution is checked like any edit before it is queued.
TEST_F(SpaceStoreTest, AManualValueTheSchemaRefusesIsRefused) {
  const auto seq = conflict_on_status();
  const auto st = spaces().resolve(seq, {SpaceResolution::Kind::kManual, {{"status", R"("bogus")"}}});
  EXPECT_EQ(code_of(st), ErrorCode::kValidation);
  const auto q = queued();
  EXPECT_TRUE(q.empty()) << "queued: " << (q.empty() ? "" : q[0].fields);
}

}  // namespace
}  // namespace synclog::client
