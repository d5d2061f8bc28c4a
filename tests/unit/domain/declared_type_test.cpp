// Declared types in the engine, on a real SqliteStore: a space's push read by its schema and
// applied with the writer's person and role. The judge settles the same person's clashes by
// capture time (softMerged: the later capture kept, a tie keeping the server's value) and makes
// another person's a conflict with both sides; lastWriteWins and serverWins types never conflict;
// a delete meets every unseen change. Plans reject a role that may not write the type, a
// reference that does not resolve (one created earlier in the batch does) and a required field
// left out or cleared, and an UPDATE of a record that was never there, as outcomes in field
// mode and as the batch's failure in strict mode. Defaults fill new records only. A renamed
// field's stored records read under the new name.
#include "domain/declared_type.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "../support/blocking_store.hpp"
#include "domain/declared_record.hpp"
#include "domain/push.hpp"
#include "domain/schema_catalog.hpp"
#include "domain/space_push_parser.hpp"

namespace synclog::domain {
namespace {

namespace json = boost::json;

constexpr std::int64_t kBaseline = 1'700'000'000'000;
// Capture times: minutes after 2026-03-29T00:00Z.
constexpr std::int64_t kMorning = 1'774'742'400'000;
std::string at_minute(int m) { return std::to_string(kMorning + m * 60'000LL); }

constexpr const char* kSchema = R"({"name":"team","version":1,"types":{
  "site":{"masterData":true,"fields":{"name":{"type":"string"}}},
  "job":{"fields":{"site":{"type":"reference","to":"site","required":true},
                   "status":{"type":"enum","values":["open","done"]},
                   "notes":{"type":"string"},
                   "priority":{"type":"enum","values":["low","normal","urgent"],"default":"normal"}}},
  "reading":{"conflictPolicy":"lastWriteWins","fields":{"value":{"type":"number"}}},
  "setting":{"conflictPolicy":"serverWins","fields":{"value":{"type":"string"}}}}})";

// One writer: a person on a device, with a role.
struct Writer {
  std::string person;
  std::string client;
  Role role = Role::kMember;
};

class DeclaredTypeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto s = storage::sqlite::SqliteStore::open(test::test_store_options(dir_.file("space.db")));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    auto u = test::resolve_user(*store_, "\x1fspace:t", kBaseline);
    ASSERT_TRUE(u.ok());
    space_ = *u;
    auto versions = compile_versions({kSchema}, SchemaLimits{});
    ASSERT_TRUE(versions.ok()) << versions.error().message;
    schema_ = versions->back();
    // A site and a job to work on, by the lead.
    push_ok(lead_, R"({"type":"CREATE","resource":"site","resourceId":"s1","data":{"name":"Depot"}},
                      {"type":"CREATE","resource":"job","resourceId":"j1","data":{"site":"s1","status":"open","notes":"first"}},
                      {"type":"CREATE","resource":"reading","resourceId":"r1","data":{"value":1}},
                      {"type":"CREATE","resource":"setting","resourceId":"c1","data":{"value":"a"}})");
    base_ = head();
  }

  Result<PushResult> push(const Writer& w, const std::string& items, ConflictMode mode = ConflictMode::kField,
                          std::optional<std::int64_t> last = std::nullopt) {
    auto parsed = parse_space_push_body(json::parse(R"({"mutations":[)" + items + "]}"), mode, schema_->schema, *schema_);
    if (!parsed.ok()) return parsed.error();
    PushRequest req;
    req.last_mutation_at = last.value_or(mode == ConflictMode::kField ? base_ : head());
    req.mode = mode;
    req.mutations = std::move(*parsed);
    req.client_id = w.client;
    req.types = &schema_->types;
    req.person = w.person;
    req.role = w.role;
    now_ += 1000;
    const std::int64_t at = now_;
    return test::write_result<PushResult>(*store_, space_, [&req, at](storage::WriteTxn& t) { return apply_push(t, req, at); });
  }
  PushResult push_ok(const Writer& w, const std::string& items) {
    auto r = push(w, items);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : PushResult{};
  }
  Ack one(const Writer& w, const std::string& item) {
    const auto r = push_ok(w, item);
    EXPECT_EQ(r.acks.size(), 1u);
    return r.acks.empty() ? Ack{} : r.acks.front();
  }
  std::int64_t head() {
    auto h = test::head_of(*store_, space_);
    return h.ok() ? h->head : 0;
  }
  std::optional<DeclaredRecord> record(const std::string& type, const std::string& id) {
    const TypeSpec* t = schema_->schema.type(type);
    auto r = test::record_of(*store_, space_, t->kind, id);
    if (!r.ok() || !*r) return std::nullopt;
    auto d = declared_record_from(**r, *t);
    EXPECT_TRUE(d.ok());
    return d.ok() ? std::optional<DeclaredRecord>(*d) : std::nullopt;
  }
  std::string value(const std::string& type, const std::string& id, const std::string& field) {
    auto r = record(type, id);
    if (!r) return "(no record)";
    const auto i = r->type->field_index(field);
    return r->values[*i].value_or("(absent)");
  }

  static std::string update(std::string_view type, std::string_view id, std::string_view data, int minute) {
    return R"({"type":"UPDATE","resource":")" + std::string(type) + R"(","resourceId":")" + std::string(id) +
           R"(","data":{)" + std::string(data) + R"(,"clientUpdatedAt":)" + at_minute(minute) + "}}";
  }

  test::TempDir dir_;
  std::unique_ptr<storage::sqlite::SqliteStore> store_;
  storage::UserKey space_ = -1;
  SchemaPtr schema_;
  std::int64_t base_ = 0;
  std::int64_t now_ = kBaseline;
  Writer lead_{"lena", "lena-laptop", Role::kLead};
  Writer ana_phone_{"ana", "ana-phone"};
  Writer ana_tablet_{"ana", "ana-tablet"};
  Writer ben_{"ben", "ben-phone"};
};

TEST_F(DeclaredTypeTest, TheSamePersonsLaterCaptureWinsAndTheDeviceIsTold) {
  ASSERT_EQ(one(ana_tablet_, update("job", "j1", R"("status":"done")", 40)).outcome, Outcome::kApplied);
  const Ack later = one(ana_phone_, update("job", "j1", R"("status":"open","notes":"seen")", 70));
  EXPECT_EQ(later.outcome, Outcome::kSoftMerged);
  ASSERT_EQ(later.settled.size(), 1u);
  EXPECT_EQ(later.settled[0].field, "status");
  EXPECT_TRUE(later.settled[0].device_kept);
  EXPECT_EQ(later.settled[0].server_value, R"("done")");
  EXPECT_EQ(later.settled[0].server.person, "ana");
  EXPECT_EQ(later.settled[0].server.by, "ana-tablet");
  EXPECT_EQ(later.settled[0].server.captured, kMorning + 40 * 60'000LL);
  EXPECT_EQ(value("job", "j1", "status"), R"("open")");
  EXPECT_EQ(value("job", "j1", "notes"), R"("seen")");
}

TEST_F(DeclaredTypeTest, AnEarlierCaptureOfTheSamePersonKeepsTheServersValueAndWritesNothingElse) {
  ASSERT_EQ(one(ana_tablet_, update("job", "j1", R"("status":"done")", 70)).outcome, Outcome::kApplied);
  const auto version = record("job", "j1")->version;
  const Ack earlier = one(ana_phone_, update("job", "j1", R"("status":"open")", 40));
  EXPECT_EQ(earlier.outcome, Outcome::kSoftMerged);
  ASSERT_EQ(earlier.settled.size(), 1u);
  EXPECT_FALSE(earlier.settled[0].device_kept);
  EXPECT_EQ(value("job", "j1", "status"), R"("done")");
  EXPECT_EQ(record("job", "j1")->version, version) << "a push whose only change lost wrote the record";
}

TEST_F(DeclaredTypeTest, OnEqualCaptureTimesTheServerKeepsItsValue) {
  ASSERT_EQ(one(ana_tablet_, update("job", "j1", R"("status":"done")", 50)).outcome, Outcome::kApplied);
  const Ack tie = one(ana_phone_, update("job", "j1", R"("status":"open")", 50));
  ASSERT_EQ(tie.settled.size(), 1u);
  EXPECT_FALSE(tie.settled[0].device_kept);
  EXPECT_EQ(value("job", "j1", "status"), R"("done")");
}

TEST_F(DeclaredTypeTest, AnotherPersonsChangeOfTheSameFieldIsAConflictWithBothSides) {
  ASSERT_EQ(one(ana_phone_, update("job", "j1", R"("notes":"ana's")", 40)).outcome, Outcome::kApplied);
  const Ack clash = one(ben_, update("job", "j1", R"("notes":"ben's","status":"done")", 90));
  ASSERT_EQ(clash.outcome, Outcome::kConflict);
  EXPECT_EQ(clash.ts, 0);
  ASSERT_TRUE(clash.conflict);
  EXPECT_EQ(clash.conflict->reason, "changed");
  ASSERT_EQ(clash.conflict->clashes.size(), 1u);
  const FieldClash& c = clash.conflict->clashes[0];
  EXPECT_EQ(c.field, "notes");
  EXPECT_EQ(c.server_value, R"("ana's")");
  EXPECT_EQ(c.server.person, "ana");
  EXPECT_EQ(c.server.by, "ana-phone");
  EXPECT_EQ(c.server.captured, kMorning + 40 * 60'000LL);
  EXPECT_EQ(c.device_value, R"("ben's")");
  EXPECT_EQ(c.device_captured, kMorning + 90 * 60'000LL);
  EXPECT_EQ(clash.conflict->version, record("job", "j1")->version);
  // Not applied, not even the field that did not clash.
  EXPECT_EQ(value("job", "j1", "status"), R"("open")");
  // Resolved from the conflict's version, it applies.
  const auto resolved = push_ok(ben_, R"({"type":"UPDATE","resource":"job","resourceId":"j1","baseTimestamp":)" +
                                          std::to_string(clash.conflict->version) +
                                          R"(,"data":{"notes":"ben's","status":"done"}})");
  EXPECT_EQ(resolved.acks.at(0).outcome, Outcome::kApplied);
  EXPECT_EQ(value("job", "j1", "notes"), R"("ben's")");
}

TEST_F(DeclaredTypeTest, DifferentPeopleChangingDifferentFieldsMerge) {
  ASSERT_EQ(one(ana_phone_, update("job", "j1", R"("notes":"ana's")", 40)).outcome, Outcome::kApplied);
  EXPECT_EQ(one(ben_, update("job", "j1", R"("status":"done")", 30)).outcome, Outcome::kMerged);
  EXPECT_EQ(value("job", "j1", "notes"), R"("ana's")");
  EXPECT_EQ(value("job", "j1", "status"), R"("done")");
}

TEST_F(DeclaredTypeTest, LastWriteWinsSettlesAnotherPersonsChangeByCaptureTime) {
  ASSERT_EQ(one(ana_phone_, update("reading", "r1", R"("value":2)", 40)).outcome, Outcome::kApplied);
  const Ack earlier = one(ben_, update("reading", "r1", R"("value":3)", 20));
  EXPECT_EQ(earlier.outcome, Outcome::kMerged);
  ASSERT_EQ(earlier.settled.size(), 1u);
  EXPECT_FALSE(earlier.settled[0].device_kept);
  EXPECT_EQ(value("reading", "r1", "value"), "2");
  const Ack later = one(ben_, update("reading", "r1", R"("value":4)", 60));
  ASSERT_EQ(later.settled.size(), 1u);
  EXPECT_TRUE(later.settled[0].device_kept);
  EXPECT_EQ(value("reading", "r1", "value"), "4");
}

TEST_F(DeclaredTypeTest, ServerWinsKeepsWhatTheServerHasWhoeverCapturedLater) {
  ASSERT_EQ(one(ana_phone_, update("setting", "c1", R"("value":"b")", 10)).outcome, Outcome::kApplied);
  const Ack later = one(ben_, update("setting", "c1", R"("value":"c")", 90));
  EXPECT_EQ(later.outcome, Outcome::kMerged);
  ASSERT_EQ(later.settled.size(), 1u);
  EXPECT_FALSE(later.settled[0].device_kept);
  EXPECT_EQ(value("setting", "c1", "value"), R"("b")");
}

TEST_F(DeclaredTypeTest, ADeleteMeetsEveryUnseenChange) {
  ASSERT_EQ(one(ana_tablet_, update("job", "j1", R"("notes":"later")", 70)).outcome, Outcome::kApplied);
  // The same person deleted it earlier on another device: the later edit keeps the record.
  const Ack kept = one(ana_phone_, R"({"type":"DELETE","resource":"job","resourceId":"j1","data":{"clientUpdatedAt":)" +
                                       at_minute(40) + "}}");
  EXPECT_EQ(kept.outcome, Outcome::kSoftMerged);
  EXPECT_TRUE(record("job", "j1"));
  // Another person's delete of a record changed since its base is a conflict.
  const Ack clash = one(ben_, R"({"type":"DELETE","resource":"job","resourceId":"j1"})");
  EXPECT_EQ(clash.outcome, Outcome::kConflict);
  EXPECT_TRUE(record("job", "j1"));
}

TEST_F(DeclaredTypeTest, RejectionsAreOutcomesAndTheRestOfTheBatchCommits) {
  const auto r = push_ok(ben_, R"(
    {"type":"UPDATE","resource":"site","resourceId":"s1","data":{"name":"Mine"}},
    {"type":"CREATE","resource":"job","resourceId":"j2","data":{"site":"nowhere"}},
    {"type":"CREATE","resource":"job","resourceId":"j3","data":{"status":"open"}},
    {"type":"UPDATE","resource":"job","resourceId":"j1","data":{"site":null}},
    {"type":"CREATE","resource":"job","resourceId":"j4","data":{"site":"s1","colour":"red"}},
    {"type":"CREATE","resource":"job","resourceId":"j5","data":{"site":"s1","notes":"kept"}})");
  ASSERT_EQ(r.acks.size(), 6u);
  const auto reason = [&](std::size_t i) {
    return r.acks[i].rejection ? std::string(r.acks[i].rejection->reason) : std::string(outcome_name(*r.acks[i].outcome));
  };
  EXPECT_EQ(reason(0), "permission");
  EXPECT_EQ(reason(1), "reference");
  EXPECT_EQ(r.acks[1].rejection->field, "site");
  EXPECT_EQ(reason(2), "validation");
  EXPECT_EQ(r.acks[2].rejection->message, "Missing site");
  EXPECT_EQ(reason(3), "validation");
  EXPECT_EQ(reason(4), "validation");
  EXPECT_EQ(r.acks[4].rejection->field, "colour");
  EXPECT_EQ(reason(5), "applied");
  EXPECT_EQ(value("site", "s1", "name"), R"("Depot")");
  EXPECT_FALSE(record("job", "j2"));
  EXPECT_TRUE(record("job", "j5"));
}

TEST_F(DeclaredTypeTest, AReferenceToARecordCreatedEarlierInTheBatchResolves) {
  const auto r = push_ok(lead_, R"({"type":"CREATE","resource":"site","resourceId":"s2","data":{"name":"New"}},
                                    {"type":"CREATE","resource":"job","resourceId":"j9","data":{"site":"s2"}})");
  EXPECT_EQ(r.acks.at(1).outcome, Outcome::kApplied);
  // A site deleted since is another matter: the message says so.
  ASSERT_TRUE(push(lead_, R"({"type":"DELETE","resource":"site","resourceId":"s2"})").ok());
  const Ack gone = one(ben_, R"({"type":"UPDATE","resource":"job","resourceId":"j1","data":{"site":"s2"}})");
  ASSERT_TRUE(gone.rejection);
  EXPECT_EQ(gone.rejection->message,
            "The site s2 was deleted: choose another site for this job's site; nothing you entered was lost");
}

TEST_F(DeclaredTypeTest, InStrictModeARejectionFailsTheWholeBatch) {
  const auto bad_reference = push(ben_, R"({"type":"CREATE","resource":"job","resourceId":"j7","data":{"site":"s1"}},
                                           {"type":"CREATE","resource":"job","resourceId":"j8","data":{"site":"nowhere"}})",
                                  ConflictMode::kStrict);
  ASSERT_FALSE(bad_reference.ok());
  EXPECT_EQ(bad_reference.error().code, ErrorCode::kValidation);
  EXPECT_FALSE(record("job", "j7"));
  const auto no_role = push(ben_, R"({"type":"UPDATE","resource":"site","resourceId":"s1","data":{"name":"x"}})",
                            ConflictMode::kStrict);
  ASSERT_FALSE(no_role.ok());
  EXPECT_EQ(no_role.error().code, ErrorCode::kForbidden);
}

TEST_F(DeclaredTypeTest, DefaultsFillANewRecordOnlyAndAnUpsertKeepsWhatItDoesNotSend) {
  EXPECT_EQ(value("job", "j1", "priority"), R"("normal")");
  ASSERT_EQ(one(lead_, update("job", "j1", R"("priority":"urgent")", 10)).outcome, Outcome::kApplied);
  // ben's device re-sends its CREATE of j1 (a retry, or an app that knows no priority): it sets
  // what it sends and nothing else.
  const Ack upsert = one(ben_, R"({"type":"CREATE","resource":"job","resourceId":"j1",
                                   "data":{"site":"s1","notes":"again"}})");
  EXPECT_EQ(upsert.outcome, Outcome::kMerged);
  EXPECT_EQ(value("job", "j1", "priority"), R"("urgent")");
  EXPECT_EQ(value("job", "j1", "notes"), R"("again")");
  // Strict mode alike.
  ASSERT_TRUE(push(ben_, R"({"type":"CREATE","resource":"job","resourceId":"j1","data":{"site":"s1"}})",
                   ConflictMode::kStrict)
                  .ok());
  EXPECT_EQ(value("job", "j1", "priority"), R"("urgent")");
}

TEST_F(DeclaredTypeTest, ANewRecordCapturedWithOnlyItsUpdateTimeWasCreatedThen) {
  ASSERT_EQ(one(ben_, R"({"type":"CREATE","resource":"job","resourceId":"j6",
                          "data":{"site":"s1","clientUpdatedAt":)" + at_minute(5) + "}}")
                .outcome,
            Outcome::kApplied);
  const auto j6 = record("job", "j6");
  ASSERT_TRUE(j6);
  EXPECT_EQ(j6->client.created_ms, kMorning + 5 * 60'000LL);
  EXPECT_EQ(j6->client.updated_ms, kMorning + 5 * 60'000LL);
}

TEST_F(DeclaredTypeTest, AnUpdateOfARecordNeverThereIsRejectedAloneInFieldModeAnd404InStrict) {
  const auto r = push_ok(ben_, R"({"type":"UPDATE","resource":"job","resourceId":"j-none","data":{"notes":"x"}},
                                  {"type":"CREATE","resource":"job","resourceId":"j6","data":{"site":"s1"}})");
  ASSERT_EQ(r.acks.size(), 2u);
  ASSERT_TRUE(r.acks[0].rejection);
  EXPECT_EQ(r.acks[0].outcome, Outcome::kRejected);
  EXPECT_EQ(r.acks[0].rejection->reason, "reference");
  EXPECT_EQ(r.acks[0].rejection->message,
            "No job has the id j-none in this space: the change cannot apply to it; nothing you entered was lost");
  EXPECT_EQ(r.acks[1].outcome, Outcome::kApplied);
  EXPECT_FALSE(record("job", "j-none"));
  EXPECT_TRUE(record("job", "j6"));
  const auto strict = push(ben_, R"({"type":"UPDATE","resource":"job","resourceId":"j-none","data":{"notes":"x"}})",
                           ConflictMode::kStrict);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.error().code, ErrorCode::kNotFound);
}

TEST_F(DeclaredTypeTest, RecordsStoredUnderAFormerFieldNameReadUnderTheNewOne) {
  const std::string v2 = R"({"name":"team","version":2,"types":{
    "site":{"masterData":true,"fields":{"name":{"type":"string"}}},
    "job":{"fields":{"site":{"type":"reference","to":"site","required":true},
                     "status":{"type":"enum","values":["open","done"]},
                     "remarks":{"type":"string","renamedFrom":"notes"},
                     "priority":{"type":"enum","values":["low","normal","urgent"],"default":"normal"}}},
    "reading":{"conflictPolicy":"lastWriteWins","fields":{"value":{"type":"number"}}},
    "setting":{"conflictPolicy":"serverWins","fields":{"value":{"type":"string"}}}}})";
  auto versions = compile_versions({kSchema, v2}, SchemaLimits{});
  ASSERT_TRUE(versions.ok()) << versions.error().message;
  const TypeSpec& job = *versions->back()->schema.type("job");
  auto stored = test::record_of(*store_, space_, job.kind, "j1");
  ASSERT_TRUE(stored.ok() && *stored);
  auto d = declared_record_from(**stored, job);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->values[*job.field_index("remarks")], std::optional<std::string>(R"("first")"));
  const std::string pulled = current_wire_data(R"({"site":"s1","notes":"first","updatedBy":"lena"})", job);
  EXPECT_EQ(pulled, R"({"site":"s1","remarks":"first","updatedBy":"lena"})");
}

}  // namespace
}  // namespace synclog::domain
