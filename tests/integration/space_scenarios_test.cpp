// The field technicians' scenarios (the "409 after offline entry" thread) played against the
// real binary with shared records in a space of the worked inspections schema (docs/api.md
// "Shared spaces", "Outcomes"), each its own test:
//   a) one person on several devices editing the same inspection offline: softMerged, the
//      later capture wins, with the settled detail (a tie keeps the server's value, a delete is
//      settled the same way); a field only one device changed merges;
//   b) different people editing one record: the same field is a conflict carrying both sides,
//      different fields merge; the conflict is resolved by an UPDATE from its version;
//   c) the network failing during a sync: a push whose answer was lost, retried under its
//      Idempotency-Key, is applied once; two members' equal keys never meet;
//   d) capture times in several offsets around DST changes (and half-hour offsets, epoch
//      milliseconds): the later instant in UTC wins, pulls show UTC, no offset is refused;
//   e) master data changing while a device is offline: a deleted site rejects the inspection
//      that points to it (its data given back) while the rest of the batch commits; a renamed
//      site clashes with nothing;
//   f) a member removed while offline: pulls and pushes are 403 SpaceAccessRevoked, the push is
//      kept whole for review (and can be dismissed), nothing is applied, the feed says so; a push
//      applied just before the removal is still replayed to its retry;
//   g) a schema upgrade while a device is offline on the old version: v1 writes are upgraded
//      (rename, defaults), also through the record endpoints, v2 writes use the new fields, and
//      below a raised minVersion the old device gets 426 SchemaUpgradeRequired (pushes, record
//      writes, pulls) and changes nothing.
#include "fault_proxy.hpp"
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
using spaces::clash_for;
using spaces::create;
using spaces::Device;
using spaces::head_of;
using spaces::Mode;
using spaces::num;
using spaces::str;
using spaces::update;

// An inspection UPDATE of `field` to `value` captured at `captured` (any offset).
std::string captured_update(const std::string& id, const std::string& field,
                            const std::string& value, const std::string& captured) {
  return update(
      "inspection", id,
      R"({")" + field + R"(":")" + value + R"(","clientUpdatedAt":")" + captured + R"("})");
}

class SpaceScenariosTest : public spaces::SpaceTeamTest {
 protected:
  // bob's second device.
  Device bob_tablet_{server_, "bob", "bob-tablet"};
};

// ---------------------------------------------------------------------------------------------
// a) The same person on several devices.

TEST_F(SpaceScenariosTest, SamePersonOnTwoDevicesIsSoftMergedAndTheLaterCaptureWins) {
  // The phone captured its edit at 09:00 and syncs first; the tablet's edit of the same field
  // was captured later, at 09:20, and syncs afterwards from the same base.
  const auto a =
      bob_.push_ok(kSpace, base_,
                   batch({captured_update("i1", "status", "in_progress", "2026-12-07T09:00:00Z")}));
  EXPECT_EQ(ack(a, 0).at("outcome"), "applied");
  const std::int64_t phone_at = num(ack(a, 0).at("timestamp"));

  const auto b = bob_tablet_.push_ok(
      kSpace, base_, batch({captured_update("i1", "status", "submitted", "2026-12-07T09:20:00Z")}));
  const auto t = ack(b, 0);
  EXPECT_EQ(t.at("outcome"), "softMerged") << json::serialize(t);
  EXPECT_GT(num(t.at("timestamp")), phone_at);
  ASSERT_TRUE(t.contains("settled")) << json::serialize(t);
  const auto s = clash_for(t.at("settled"), "status");
  EXPECT_EQ(s.at("kept"), "device");
  EXPECT_EQ(s.at("server").at("value"), "in_progress");
  EXPECT_EQ(s.at("server").at("by"), "bob");
  EXPECT_EQ(s.at("server").at("client"), "bob-phone");
  EXPECT_EQ(s.at("server").at("capturedAt"), "2026-12-07T09:00:00.000Z");
  EXPECT_TRUE(s.at("server").at("at").is_string());
  EXPECT_EQ(s.at("device").at("value"), "submitted");
  EXPECT_EQ(s.at("device").at("capturedAt"), "2026-12-07T09:20:00.000Z");

  const auto rec = dana_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(rec.at("status"), "submitted");
  EXPECT_EQ(rec.at("clientUpdatedAt"), "2026-12-07T09:20:00.000Z");
  EXPECT_EQ(rec.at("updatedBy"), "bob");
}

TEST_F(SpaceScenariosTest, SamePersonsEarlierCaptureSyncedLaterKeepsTheServersValue) {
  // The tablet's edit was captured first (08:55) but reaches the server second.
  bob_.push_ok(kSpace, base_,
               batch({captured_update("i1", "status", "in_progress", "2026-12-07T09:00:00Z")}));
  const std::int64_t head = bob_.head(kSpace);
  const auto b = bob_tablet_.push_ok(
      kSpace, base_, batch({captured_update("i1", "status", "submitted", "2026-12-07T08:55:00Z")}));
  const auto t = ack(b, 0);
  EXPECT_EQ(t.at("outcome"), "softMerged") << json::serialize(t);
  const auto s = clash_for(t.at("settled"), "status");
  EXPECT_EQ(s.at("kept"), "server");
  EXPECT_EQ(s.at("server").at("value"), "in_progress");
  EXPECT_EQ(s.at("server").at("by"), "bob");
  EXPECT_EQ(s.at("server").at("client"), "bob-phone");
  EXPECT_EQ(s.at("server").at("capturedAt"), "2026-12-07T09:00:00.000Z");
  EXPECT_EQ(s.at("device").at("value"), "submitted");
  EXPECT_EQ(s.at("device").at("capturedAt"), "2026-12-07T08:55:00.000Z");
  EXPECT_FALSE(t.contains("conflict"));
  EXPECT_GE(bob_.head(kSpace), head);

  const auto rec = dana_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(rec.at("status"), "in_progress");
}

TEST_F(SpaceScenariosTest, AFieldOnlyOneOfThePersonsDevicesChangedMerges) {
  bob_.push_ok(kSpace, base_,
               batch({captured_update("i1", "status", "in_progress", "2026-12-07T09:00:00Z")}));
  // The tablet changed the status (captured earlier: loses) and the notes (nobody else did).
  const auto b = bob_tablet_.push_ok(
      kSpace, base_,
      batch({update(
          "inspection", "i1",
          R"({"status":"submitted","notes":"gauge replaced","clientUpdatedAt":"2026-12-07T08:30:00Z"})")}));
  const auto t = ack(b, 0);
  EXPECT_EQ(t.at("outcome"), "softMerged") << json::serialize(t);
  // Only the clashing field is settled; the notes are not a clash.
  ASSERT_EQ(t.at("settled").as_array().size(), 1u) << json::serialize(t);
  EXPECT_EQ(clash_for(t.at("settled"), "status").at("kept"), "server");

  const auto rec = dana_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(rec.at("status"), "in_progress");
  EXPECT_EQ(rec.at("notes"), "gauge replaced");

  // Disjoint fields from two devices of one person: merged, nothing settled.
  const auto c = bob_tablet_.push_ok(
      kSpace, base_,
      batch({update("inspection", "i1",
                    R"({"result":"pass","clientUpdatedAt":"2026-12-07T08:40:00Z"})")}));
  EXPECT_EQ(ack(c, 0).at("outcome"), "merged") << json::serialize(c);
  EXPECT_FALSE(ack(c, 0).contains("settled"));
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i1").at("result"), "pass");
}

TEST_F(SpaceScenariosTest, SamePersonsDeleteCapturedBeforeTheirOtherDevicesEditDeletesNothing) {
  bob_.push_ok(kSpace, base_,
               batch({captured_update("i1", "notes", "still needed", "2026-12-07T09:00:00Z")}));
  // The tablet deleted the inspection at 08:00, before the phone's edit: the edit wins.
  const auto b = bob_tablet_.push_ok(
      kSpace, base_,
      R"([{"type":"DELETE","resource":"inspection","resourceId":"i1","data":{"clientUpdatedAt":"2026-12-07T08:00:00Z"}}])");
  const auto t = ack(b, 0);
  EXPECT_EQ(t.at("outcome"), "softMerged") << json::serialize(t);
  ASSERT_TRUE(t.contains("settled")) << json::serialize(t);
  const auto s = clash_for(t.at("settled"), "notes");
  EXPECT_EQ(s.at("kept"), "server");
  EXPECT_TRUE(s.at("device").at("value").is_null());
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i1").at("notes"), "still needed");
}

TEST_F(SpaceScenariosTest, SamePersonsDeleteCapturedAfterTheirOtherDevicesEditDeletes) {
  bob_.push_ok(kSpace, base_,
               batch({captured_update("i1", "notes", "edited", "2026-12-07T09:00:00Z")}));
  const auto b = bob_tablet_.push_ok(
      kSpace, base_,
      R"([{"type":"DELETE","resource":"inspection","resourceId":"i1","data":{"clientUpdatedAt":"2026-12-07T09:30:00Z"}}])");
  EXPECT_EQ(ack(b, 0).at("outcome"), "softMerged") << json::serialize(b);
  EXPECT_EQ(clash_for(ack(b, 0).at("settled"), "notes").at("kept"), "device");
  EXPECT_TRUE(dana_.pulled_record(kSpace, "inspection", "i1").is_null());
}

TEST_F(SpaceScenariosTest, EqualCaptureTimesKeepTheServersValue) {
  // The same instant, written in two offsets.
  bob_.push_ok(kSpace, base_,
               batch({captured_update("i1", "notes", "phone", "2026-10-25T02:30:00+02:00")}));
  const auto b = bob_tablet_.push_ok(
      kSpace, base_,
      batch({captured_update("i1", "notes", "tablet", "2026-10-25T01:30:00+01:00")}));
  EXPECT_EQ(ack(b, 0).at("outcome"), "softMerged") << json::serialize(b);
  const auto s = clash_for(ack(b, 0).at("settled"), "notes");
  EXPECT_EQ(s.at("kept"), "server");
  EXPECT_EQ(s.at("server").at("capturedAt"), "2026-10-25T00:30:00.000Z");
  EXPECT_EQ(s.at("device").at("capturedAt"), "2026-10-25T00:30:00.000Z");
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i1").at("notes"), "phone");
}

// ---------------------------------------------------------------------------------------------
// b) Different people.

TEST_F(SpaceScenariosTest, AnotherPersonsDeleteAfterAnEditIsAConflict) {
  bob_.push_ok(kSpace, base_,
               batch({update("inspection", "i1", R"({"notes":"bob still works on it"})")}));
  const auto b = dana_.push_ok(kSpace, base_, batch({spaces::remove("inspection", "i1")}));
  EXPECT_EQ(ack(b, 0).at("outcome"), "conflict") << json::serialize(b);
  EXPECT_EQ(ack(b, 0).at("conflict").at("reason"), "changed");
  EXPECT_EQ(spaces::strings(ack(b, 0).at("conflict").at("fields")),
            std::vector<std::string>{"notes"});
  EXPECT_EQ(clash_for(ack(b, 0).at("conflict").at("clashes"), "notes").at("server").at("by"),
            "bob");
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i1").at("notes"), "bob still works on it");
}

TEST_F(SpaceScenariosTest, DifferentPeopleEditingTheSameFieldGetAConflictWithBothVersions) {
  const auto a =
      bob_.push_ok(kSpace, base_,
                   batch({captured_update("i1", "status", "in_progress", "2026-12-07T09:00:00Z")}));
  const std::int64_t bob_at = num(ack(a, 0).at("timestamp"));
  const auto b = dana_.push_ok(
      kSpace, base_, batch({captured_update("i1", "status", "rejected", "2026-12-07T09:30:00Z")}));
  const auto d = ack(b, 0);
  EXPECT_EQ(d.at("outcome"), "conflict") << json::serialize(d);
  EXPECT_FALSE(d.contains("timestamp"));
  EXPECT_EQ(d.at("data").at("status"), "rejected");  // what dana sent, given back
  const auto& c = d.at("conflict").as_object();
  EXPECT_EQ(c.at("reason"), "changed");
  EXPECT_EQ(spaces::strings(c.at("fields")), std::vector<std::string>{"status"});
  EXPECT_EQ(num(c.at("version")), bob_at);
  EXPECT_EQ(c.at("record").at("status"), "in_progress");
  EXPECT_EQ(c.at("record").at("site"), "s1");
  EXPECT_EQ(c.at("record").at("updatedBy"), "bob");
  const auto clash = clash_for(c.at("clashes"), "status");
  EXPECT_EQ(clash.at("server").at("value"), "in_progress");
  EXPECT_EQ(clash.at("server").at("by"), "bob");
  EXPECT_EQ(clash.at("server").at("client"), "bob-phone");
  EXPECT_TRUE(clash.at("server").at("at").is_string());
  EXPECT_EQ(clash.at("server").at("capturedAt"), "2026-12-07T09:00:00.000Z");
  EXPECT_EQ(clash.at("device").at("value"), "rejected");
  EXPECT_EQ(clash.at("device").at("capturedAt"), "2026-12-07T09:30:00.000Z");
  EXPECT_FALSE(clash.contains("kept"));
  // Not applied: the later capture does not win against another person.
  EXPECT_EQ(head_of(b), bob_at);
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("status"), "in_progress");
}

TEST_F(SpaceScenariosTest, DifferentPeopleEditingDifferentFieldsMergeAndBothValuesAreKept) {
  bob_.push_ok(kSpace, base_, batch({update("inspection", "i1", R"({"status":"in_progress"})")}));
  const auto b = dana_.push_ok(
      kSpace, base_, batch({update("inspection", "i1", R"({"notes":"boiler room locked"})")}));
  EXPECT_EQ(ack(b, 0).at("outcome"), "merged") << json::serialize(b);
  EXPECT_FALSE(ack(b, 0).contains("settled"));
  const auto rec = owner_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(rec.at("status"), "in_progress");
  EXPECT_EQ(rec.at("notes"), "boiler room locked");
  EXPECT_EQ(rec.at("updatedBy"), "dana");
}

TEST_F(SpaceScenariosTest, AConflictIsResolvedByAnUpdateFromItsVersion) {
  bob_.push_ok(
      kSpace, base_,
      batch({update("inspection", "i1", R"({"status":"in_progress","notes":"bob's notes"})")}));
  const auto b = dana_.push_ok(
      kSpace, base_,
      batch({update("inspection", "i1", R"({"status":"rejected","notes":"dana's notes"})")}));
  ASSERT_EQ(ack(b, 0).at("outcome"), "conflict") << json::serialize(b);
  const std::int64_t version = num(ack(b, 0).at("conflict").at("version"));
  EXPECT_EQ(spaces::strings(ack(b, 0).at("conflict").at("fields")),
            (std::vector<std::string>{"status", "notes"}));

  // dana's resolution screen: keep her status, take a merged text for the notes.
  const auto r = dana_.push_ok(
      kSpace, base_,
      batch({update("inspection", "i1",
                    R"({"status":"rejected","notes":"bob's notes; dana's notes"})", version)}));
  const auto resolved = ack(r, 0);
  EXPECT_EQ(resolved.at("outcome"), "applied") << json::serialize(resolved);
  EXPECT_TRUE(resolved.contains("timestamp"));
  EXPECT_GT(head_of(r), version);
  const auto rec = bob_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(rec.at("status"), "rejected");
  EXPECT_EQ(rec.at("notes"), "bob's notes; dana's notes");
  EXPECT_EQ(rec.at("updatedBy"), "dana");
}

TEST_F(SpaceScenariosTest, FindingsOfDifferentPeopleConflictAndTheRestOfTheBatchCommits) {
  owner_.push_at_head(
      kSpace,
      batch({create("finding", "f1",
                    R"({"inspection":"i1","severity":"low","description":"rust on valve"})")}));
  const std::int64_t base = owner_.head(kSpace);
  bob_.push_ok(kSpace, base, batch({update("finding", "f1", R"({"severity":"high"})")}));
  const auto b = dana_.push_ok(
      kSpace, base,
      batch({update("finding", "f1", R"({"severity":"medium"})"),
             create("finding", "f2",
                    R"({"inspection":"i1","severity":"low","description":"label faded"})")}));
  EXPECT_EQ(ack(b, 0).at("outcome"), "conflict");
  EXPECT_EQ(ack(b, 1).at("outcome"), "applied");
  EXPECT_EQ(owner_.pulled_record(kSpace, "finding", "f1").at("severity"), "high");
  EXPECT_EQ(owner_.pulled_record(kSpace, "finding", "f2").at("description"), "label faded");
}

// ---------------------------------------------------------------------------------------------
// c) The network failing during a sync.

TEST_F(SpaceScenariosTest, APushWhoseAnswerWasLostIsAppliedOnceWhenRetriedWithItsKey) {
  FaultProxy proxy(server_.host(), server_.port());
  Headers h = bob_.headers();
  h.emplace_back("Idempotency-Key", "bob-sync-0001");
  // A CREATE without an id: applied twice it would make two inspections.
  const std::string target = Device::push_target(kSpace, base_, Mode::kField);
  const std::string body =
      R"({"mutations":)" +
      batch({create("inspection", "", R"({"site":"s1","notes":"lost answer"})")}) + "}";

  proxy.fault_next(Fault::drop_response());
  {
    HttpClient c(proxy.host(), proxy.port());
    c.set_resend_on_closed_connection(false);
    const auto lost = c.post(target, body, h);
    EXPECT_EQ(lost.status, 0) << lost.body;
  }
  const auto log = proxy.exchanges();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, 200);  // the server did answer; the device never saw it
  const std::int64_t after_first = owner_.head(kSpace);
  EXPECT_GT(after_first, base_);

  HttpClient retry_client(proxy.host(), proxy.port());
  retry_client.set_resend_on_closed_connection(false);
  const auto retry = retry_client.post(target, body, h);
  ASSERT_EQ(retry.status, 200) << retry.transport_error << retry.body;
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  const auto data = retry.json().at("data").as_object();
  EXPECT_EQ(head_of(data), after_first);
  EXPECT_EQ(num(ack(data, 0).at("timestamp")), after_first);
  const std::string id = str(ack(data, 0).at("resourceId"));
  EXPECT_FALSE(id.empty());

  // Once more: the same answer, byte for byte.
  const auto again = retry_client.post(target, body, h);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.body, retry.body);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(again.header("x-mutation-at"), retry.header("x-mutation-at"));

  // One record, the head moved once.
  EXPECT_EQ(owner_.head(kSpace), after_first);
  int found = 0;
  for (const auto& m : owner_.pulled(kSpace, base_)) {
    if (m.at("resource") == "inspection" && m.at("data").at("notes") == "lost answer") ++found;
  }
  EXPECT_EQ(found, 1);
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", id).at("notes"), "lost answer");
}

TEST_F(SpaceScenariosTest, TwoMembersUsingTheSameIdempotencyKeyDoNotCollide) {
  const std::string mutations =
      batch({create("inspection", "", R"({"site":"s1","notes":"same key"})")});
  const Headers key{{"Idempotency-Key", "0001"}};
  const auto a = bob_.push(kSpace, base_, mutations, Mode::kField, key);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_FALSE(a.has_header("idempotent-replayed"));
  // dana's device generated the same key for the very same request: hers is a request of its own.
  const auto b = dana_.push(kSpace, base_, mutations, Mode::kField, key);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_FALSE(b.has_header("idempotent-replayed")) << b.body;
  EXPECT_NE(b.body, a.body);
  const auto ad = a.json().at("data").as_object();
  const auto bd = b.json().at("data").as_object();
  EXPECT_NE(str(ack(ad, 0).at("resourceId")), str(ack(bd, 0).at("resourceId")));
  EXPECT_GT(head_of(bd), head_of(ad));

  int found = 0;
  for (const auto& m : owner_.pulled(kSpace, base_)) {
    if (m.at("resource") == "inspection" && m.at("data").at("notes") == "same key") {
      ++found;
    }
  }
  EXPECT_EQ(found, 2);
  // Each one's retry still gets their own answer.
  const auto a2 = bob_.push(kSpace, base_, mutations, Mode::kField, key);
  EXPECT_EQ(a2.body, a.body);
  EXPECT_EQ(a2.header("idempotent-replayed"), "true");
  const auto b2 = dana_.push(kSpace, base_, mutations, Mode::kField, key);
  EXPECT_EQ(b2.body, b.body);
  EXPECT_EQ(b2.header("idempotent-replayed"), "true");
}

// ---------------------------------------------------------------------------------------------
// d) Time zones and DST changes in capture times.

class SpaceCaptureTimesTest : public SpaceScenariosTest {
 protected:
  // bob's phone pushes `first` (captured at `first_at`), then his tablet `second` from the same
  // base; checks who was kept and that the record holds `winner` captured at `winner_utc`.
  void later_capture_wins(const std::string& first_at, const std::string& second_at,
                          const char* kept, const std::string& winner,
                          const std::string& winner_utc) {
    const auto a =
        bob_.push_ok(kSpace, base_, batch({captured_update("i1", "notes", "phone", first_at)}));
    EXPECT_EQ(ack(a, 0).at("outcome"), "applied") << json::serialize(a);
    const auto b = bob_tablet_.push_ok(
        kSpace, base_, batch({captured_update("i1", "notes", "tablet", second_at)}));
    const auto t = ack(b, 0);
    EXPECT_EQ(t.at("outcome"), "softMerged") << json::serialize(t);
    if (t.contains("settled")) {
      EXPECT_EQ(clash_for(t.at("settled"), "notes").at("kept"), kept) << json::serialize(t);
    } else {
      ADD_FAILURE() << "no settled detail: " << json::serialize(t);
    }
    const auto rec = dana_.pulled_record(kSpace, "inspection", "i1");
    EXPECT_EQ(rec.at("notes"), winner.c_str());
    EXPECT_EQ(rec.at("clientUpdatedAt"), winner_utc.c_str());
  }
};

TEST_F(SpaceCaptureTimesTest, EuropeSpringForwardTheLaterInstantWins) {
  // 01:30 CET (00:30Z) just before the clocks went forward, 03:10 CEST (01:10Z) after.
  later_capture_wins("2026-03-29T03:10:00+02:00", "2026-03-29T01:30:00+01:00", "server", "phone",
                     "2026-03-29T01:10:00.000Z");
}

TEST_F(SpaceCaptureTimesTest, EuropeSpringForwardTheLaterInstantWinsWhenItSyncsSecond) {
  later_capture_wins("2026-03-29T01:30:00+01:00", "2026-03-29T03:10:00+02:00", "device", "tablet",
                     "2026-03-29T01:10:00.000Z");
}

TEST_F(SpaceCaptureTimesTest, EuropeFallBackTheLocallyEarlierClockTimeCanBeTheLaterInstant) {
  // 02:45 CEST is 00:45Z; 02:30 CET (after the clocks went back) is 01:30Z: later, although its
  // wall-clock reading is earlier.
  later_capture_wins("2026-10-25T02:45:00+02:00", "2026-10-25T02:30:00+01:00", "device", "tablet",
                     "2026-10-25T01:30:00.000Z");
}

TEST_F(SpaceCaptureTimesTest, NewYorkSpringForwardTheLaterInstantWins) {
  // 01:59 EST (06:59Z) and 03:01 EDT (07:01Z) on 2026-03-08, two minutes apart.
  later_capture_wins("2026-03-08T03:01:00-04:00", "2026-03-08T01:59:00-05:00", "server", "phone",
                     "2026-03-08T07:01:00.000Z");
}

TEST_F(SpaceCaptureTimesTest, NewYorkFallBackTheRepeatedHourIsOrderedByItsOffset) {
  // 01:40 EDT (05:40Z) happens before 01:20 EST (06:20Z): the second pass of the hour.
  later_capture_wins("2026-11-01T01:40:00-04:00", "2026-11-01T01:20:00-05:00", "device", "tablet",
                     "2026-11-01T06:20:00.000Z");
}

TEST_F(SpaceCaptureTimesTest, HalfAndQuarterHourOffsetsAreOrderedByTheirInstant) {
  // 09:00 in Kathmandu (+05:45) is 03:15Z; 08:50 in Delhi (+05:30) is 03:20Z: later.
  later_capture_wins("2026-12-07T09:00:00+05:45", "2026-12-07T08:50:00+05:30", "device", "tablet",
                     "2026-12-07T03:20:00.000Z");
}

TEST_F(SpaceCaptureTimesTest, EpochMillisecondsCompareWithOffsetTimesByTheirInstant) {
  // 2026-03-29T01:10:00Z is 1774746600000 ms; the phone's 03:05+02:00 is 01:05Z, earlier.
  bob_.push_ok(kSpace, base_,
               batch({captured_update("i1", "notes", "phone", "2026-03-29T03:05:00+02:00")}));
  const auto b = bob_tablet_.push_ok(
      kSpace, base_,
      R"([{"type":"UPDATE","resource":"inspection","resourceId":"i1","data":{"notes":"tablet","clientUpdatedAt":1774746600000}}])");
  EXPECT_EQ(ack(b, 0).at("outcome"), "softMerged") << json::serialize(b);
  EXPECT_EQ(clash_for(ack(b, 0).at("settled"), "notes").at("kept"), "device");
  EXPECT_EQ(ack(b, 0).at("data").at("clientUpdatedAt"), "2026-03-29T01:10:00.000Z");
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i1").at("clientUpdatedAt"),
            "2026-03-29T01:10:00.000Z");
}

TEST_F(SpaceCaptureTimesTest, ClientCreatedAtIsKeptInUtcToo) {
  const auto a = bob_.push_ok(
      kSpace, base_,
      batch({create(
          "inspection", "i-tz",
          R"({"site":"s1","clientCreatedAt":"2026-11-01T01:30:00-05:00","clientUpdatedAt":"2026-11-01T01:45:00-05:00"})")}));
  EXPECT_EQ(ack(a, 0).at("outcome"), "applied") << json::serialize(a);
  const auto rec = dana_.pulled_record(kSpace, "inspection", "i-tz");
  EXPECT_EQ(rec.at("clientCreatedAt"), "2026-11-01T06:30:00.000Z");
  EXPECT_EQ(rec.at("clientUpdatedAt"), "2026-11-01T06:45:00.000Z");
}

TEST_F(SpaceCaptureTimesTest, ACaptureTimeWithoutAnOffsetIsRefusedAndGivenBack) {
  // A wall-clock reading without its offset does not name an instant.
  const auto a = bob_.push_ok(
      kSpace, base_, batch({captured_update("i1", "notes", "phone", "2026-03-29T02:30:00")}));
  const auto r = ack(a, 0);
  EXPECT_EQ(r.at("outcome"), "rejected") << json::serialize(r);
  EXPECT_EQ(r.at("rejection").at("reason"), "validation");
  EXPECT_NE(str(r.at("rejection").at("message")).find("offset"), std::string::npos)
      << json::serialize(r);
  EXPECT_EQ(r.at("data").at("clientUpdatedAt"), "2026-03-29T02:30:00");
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i1").at("notes"), "start");
}

TEST_F(SpaceCaptureTimesTest, CaptureTimesAreShownInUtcWhateverTheOffsetSent) {
  const auto a = bob_.push_ok(
      kSpace, base_,
      batch({update(
          "inspection", "i1",
          R"({"startedAt":"2026-03-08T01:59:00-05:00","clientUpdatedAt":"2026-03-29T03:10:00+02:00"})")}));
  EXPECT_EQ(ack(a, 0).at("data").at("clientUpdatedAt"), "2026-03-29T01:10:00.000Z");
  EXPECT_EQ(ack(a, 0).at("data").at("startedAt"), "2026-03-08T06:59:00.000Z");
  const auto rec = dana_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_EQ(rec.at("clientUpdatedAt"), "2026-03-29T01:10:00.000Z");
  EXPECT_EQ(rec.at("startedAt"), "2026-03-08T06:59:00.000Z");
  const auto one = dana_.record(kSpace, "inspection", "i1");
  EXPECT_EQ(one.at("clientUpdatedAt"), "2026-03-29T01:10:00.000Z");
}

// ---------------------------------------------------------------------------------------------
// e) Master data changing while a device is offline.

TEST_F(SpaceScenariosTest, AnInspectionOfASiteDeletedMeanwhileIsRejectedAndTheRestCommits) {
  lead_.push_at_head(kSpace, batch({spaces::remove("site", "s2")}));
  const std::int64_t head = lead_.head(kSpace);

  // bob was offline since base_: he inspected s2 (now gone), s1, and edited i1.
  const auto b = bob_.push_ok(
      kSpace, base_,
      batch({create("inspection", "i-s2", R"({"site":"s2","notes":"checked the boiler"})"),
             create("inspection", "i-s1", R"({"site":"s1","notes":"all fine"})"),
             update("inspection", "i1", R"({"status":"in_progress"})")}));
  const auto rejected = ack(b, 0);
  EXPECT_EQ(rejected.at("outcome"), "rejected") << json::serialize(rejected);
  EXPECT_FALSE(rejected.contains("timestamp"));
  EXPECT_EQ(rejected.at("rejection").at("reason"), "reference");
  EXPECT_EQ(rejected.at("rejection").at("field"), "site");
  EXPECT_NE(str(rejected.at("rejection").at("message")).find("deleted"), std::string::npos)
      << rejected.at("rejection").at("message");
  // Its data comes back as sent, so nothing the technician typed is lost.
  EXPECT_EQ(rejected.at("resourceId"), "i-s2");
  EXPECT_EQ(rejected.at("data").at("site"), "s2");
  EXPECT_EQ(rejected.at("data").at("notes"), "checked the boiler");

  EXPECT_EQ(ack(b, 1).at("outcome"), "applied");
  EXPECT_EQ(ack(b, 2).at("outcome"), "applied");
  EXPECT_GT(head_of(b), head);
  EXPECT_TRUE(owner_.pulled_record(kSpace, "inspection", "i-s2").is_null());
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i-s1").at("notes"), "all fine");
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("status"), "in_progress");
}

TEST_F(SpaceScenariosTest, AReferenceToAnAssetDeletedMeanwhileIsRejectedOnAnUpdateToo) {
  lead_.push_at_head(kSpace, batch({spaces::remove("asset", "a1")}));
  const auto b = bob_.push_ok(
      kSpace, base_, batch({update("inspection", "i1", R"({"asset":"a1","result":"pass"})")}));
  EXPECT_EQ(ack(b, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(b, 0).at("rejection").at("reason"), "reference");
  EXPECT_EQ(ack(b, 0).at("rejection").at("field"), "asset");
  const auto rec = owner_.pulled_record(kSpace, "inspection", "i1");
  EXPECT_FALSE(rec.as_object().contains("asset"));
  EXPECT_FALSE(rec.as_object().contains("result"));
}

TEST_F(SpaceScenariosTest, AnEditThatDoesNotTouchTheDeletedReferenceStillApplies) {
  // i1 points at s1; a lead deletes s1 while bob, offline, finishes the inspection.
  lead_.push_at_head(kSpace, batch({spaces::remove("site", "s1")}));
  const auto b = bob_.push_ok(
      kSpace, base_,
      batch({update("inspection", "i1", R"({"status":"submitted","result":"pass"})")}));
  EXPECT_EQ(ack(b, 0).at("outcome"), "applied") << json::serialize(b);
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("status"), "submitted");
  // Sending the deleted reference again is what is refused.
  const auto c =
      bob_.push_ok(kSpace, base_, batch({update("inspection", "i1", R"({"site":"s1"})")}));
  EXPECT_EQ(ack(c, 0).at("outcome"), "rejected") << json::serialize(c);
  EXPECT_EQ(ack(c, 0).at("rejection").at("reason"), "reference");
}

TEST_F(SpaceScenariosTest, ASiteRenamedMeanwhileDoesNotConflictWithAnInspectionEdit) {
  lead_.push_at_head(
      kSpace, batch({update("site", "s1", R"({"name":"Meridian Primary School, North Wing"})")}));
  const auto b = bob_.push_ok(kSpace, base_,
                              batch({update("inspection", "i1", R"({"status":"in_progress"})"),
                                     create("inspection", "i2", R"({"site":"s1"})")}));
  EXPECT_EQ(ack(b, 0).at("outcome"), "applied") << json::serialize(b);
  EXPECT_EQ(ack(b, 1).at("outcome"), "applied") << json::serialize(b);
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("site"), "s1");
  EXPECT_EQ(owner_.pulled_record(kSpace, "site", "s1").at("name"),
            "Meridian Primary School, North Wing");
}

// ---------------------------------------------------------------------------------------------
// f) A member removed while offline.

TEST_F(SpaceScenariosTest, AMemberRemovedWhileOfflineIsRefusedAndTheirPushIsKeptForReview) {
  const std::int64_t feed_cursor = bob_.feed_head();
  ASSERT_EQ(owner_.remove_member(kSpace, "bob").status, 200);
  const std::int64_t head = owner_.head(kSpace);

  const auto pull = bob_.pull(kSpace, base_);
  EXPECT_EQ(pull.status, 403) << pull.body;
  EXPECT_EQ(spaces::error_code(pull), "SpaceAccessRevoked");
  EXPECT_NE(spaces::error_message(pull).find(kSpace), std::string::npos) << pull.body;

  const std::string mutations =
      batch({update("inspection", "i1", R"({"notes":"done offline"})"),
             create("inspection", "i-bob", R"({"site":"s1","notes":"new one"})")});
  const auto push = bob_.push(kSpace, base_, mutations);
  ASSERT_EQ(push.status, 403) << push.body;
  const auto err = push.json().at("error").as_object();
  EXPECT_EQ(err.at("code"), "SpaceAccessRevoked");
  EXPECT_EQ(err.at("spaceId"), "north");
  EXPECT_EQ(num(err.at("kept")), 2);
  const std::string review_id = str(err.at("reviewId"));
  EXPECT_FALSE(review_id.empty());

  // Nothing was applied.
  EXPECT_EQ(owner_.head(kSpace), head);
  EXPECT_EQ(owner_.pulled_record(kSpace, "inspection", "i1").at("notes"), "start");
  EXPECT_TRUE(owner_.pulled_record(kSpace, "inspection", "i-bob").is_null());

  // The review list holds the request whole, for leads and owners.
  for (Device* d : {&lead_, &owner_}) {
    const auto r = d->review(kSpace);
    ASSERT_EQ(r.status, 200) << r.body;
    const auto items = r.json().at("data").at("items").as_array();
    ASSERT_EQ(items.size(), 1u) << r.body;
    const auto& item = items[0].as_object();
    EXPECT_EQ(item.at("id"), review_id.c_str());
    EXPECT_EQ(item.at("person"), "bob");
    EXPECT_EQ(item.at("client"), "bob-phone");
    EXPECT_TRUE(item.at("at").is_string());
    EXPECT_EQ(item.at("request"), json::parse(R"({"mutations":)" + mutations + "}"));
  }
  // Not for members.
  EXPECT_EQ(dana_.review(kSpace).status, 403);

  // bob's feed says he left the space.
  const auto feed = bob_.feed_entries(feed_cursor);
  ASSERT_EQ(feed.size(), 1u) << json::serialize(feed);
  EXPECT_EQ(feed[0].at("type"), "DELETE");
  EXPECT_EQ(feed[0].at("resource"), "SPACE");
  EXPECT_EQ(feed[0].at("resourceId"), "north");

  // A lead may dismiss it too; here an owner does, once acted on.
  const auto dismissed = owner_.call("DELETE", "/v1/spaces/north/review/" + review_id);
  EXPECT_EQ(dismissed.status, 200) << dismissed.body;
  const auto after = owner_.review(kSpace);
  ASSERT_EQ(after.status, 200);
  EXPECT_TRUE(after.json().at("data").at("items").as_array().empty()) << after.body;
  EXPECT_EQ(owner_.call("DELETE", "/v1/spaces/north/review/" + review_id).status, 404);
}

TEST_F(SpaceScenariosTest, APushAppliedBeforeTheRemovalIsStillReplayedToItsRetry) {
  // The push went through just before bob was removed; its answer was lost. The key is looked
  // up before anything else, so the retry learns it was applied rather than being kept for
  // review as a new request.
  const std::string mutations =
      batch({update("inspection", "i1", R"({"notes":"synced just in time"})")});
  const Headers key{{"Idempotency-Key", "before-removal"}};
  const auto first = bob_.push(kSpace, base_, mutations, Mode::kField, key);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(owner_.remove_member(kSpace, "bob").status, 200);
  const auto retry = bob_.push(kSpace, base_, mutations, Mode::kField, key);
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(retry.header("idempotent-replayed"), "true");
  const auto review = owner_.review(kSpace);
  EXPECT_TRUE(review.json().at("data").at("items").as_array().empty()) << review.body;
}

TEST_F(SpaceScenariosTest, ARemovedMembersRecordWritesAreKeptForReviewWithWhatTheyTarget) {
  // A record write says what it is for in its path, not its body: the review item keeps the
  // method and target too, so the leads can act on a DELETE or a PATCH.
  ASSERT_EQ(owner_.remove_member(kSpace, "bob").status, 200);
  const auto del = bob_.delete_record(kSpace, "inspection", "i1");
  ASSERT_EQ(del.status, 403) << del.body;
  const auto patch = bob_.patch_record(kSpace, "asset", "a1", R"({"floor":2})");
  ASSERT_EQ(patch.status, 403) << patch.body;
  const auto r = owner_.review(kSpace);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  ASSERT_EQ(body.at("data").at("items").as_array().size(), 2u) << r.body;
  // (in either order: they may share a millisecond)
  const std::string kept = json::serialize(body.at("data").at("items"));
  for (const char* what : {"DELETE", "inspection", "i1", "PATCH", "asset", "a1", "floor"}) {
    EXPECT_NE(kept.find(what), std::string::npos) << what << " in " << kept;
  }
  EXPECT_FALSE(owner_.pulled_record(kSpace, "inspection", "i1").is_null());
}

// ---------------------------------------------------------------------------------------------
// g) A schema upgrade while a device is offline on the old version.

class SpaceSchemaUpgradeTest : public SpaceScenariosTest {
 protected:
  SpaceSchemaUpgradeTest() {
    // Written on version 1, before the upgrade, under the old name.
    bob_.push_at_head(
        kSpace, batch({create("inspection", "i-old", R"({"site":"s2","inspector":"Olga Old"})")}));
    base_ = bob_.head(kSpace);
    const auto r = admin_.post("/v1/schemas", spaces::schema_v2_text(), admin_headers());
    EXPECT_EQ(r.status, 201) << r.body;
  }
  Headers admin_headers() const { return {{"x-auth-token", server_.token("ops", "sync admin")}}; }

  // The v2 document with `version` 3, `minVersion` 2 and an optional inspection.signature.
  std::string schema_v3_text() const {
    auto doc = json::parse(spaces::schema_v2_text()).as_object();
    doc["version"] = 3;
    doc["minVersion"] = 2;
    doc["types"].as_object()["inspection"].as_object()["fields"].as_object()["signature"] =
        json::parse(R"({"type":"string","maxLength":500})");
    return json::serialize(doc);
  }

  HttpClient admin_ = server_.client();
  const Headers v1_{{"X-Schema-Version", "1"}};
  const Headers v2_{{"X-Schema-Version", "2"}};
};

TEST_F(SpaceSchemaUpgradeTest, AVersionOneDeviceWritesAreUpgradedToTheNewShape) {
  const auto a = bob_.push_ok(
      kSpace, base_,
      batch({create("inspection", "i-v1", R"({"site":"s1","inspector":"Bob Brown"})")}),
      Mode::kField, v1_);
  EXPECT_EQ(ack(a, 0).at("outcome"), "applied") << json::serialize(a);

  // Stored and pulled under the new name, with the new required field's default.
  const auto rec = dana_.pulled_record(kSpace, "inspection", "i-v1");
  EXPECT_EQ(rec.at("inspectorName"), "Bob Brown");
  EXPECT_FALSE(rec.as_object().contains("inspector"));
  EXPECT_EQ(rec.at("priority"), "normal");
  EXPECT_EQ(rec.at("status"), "draft");
  // The v1 device pulls the current shape too.
  const auto mine = bob_.pulled_record(kSpace, "inspection", "i-v1", v1_);
  EXPECT_EQ(mine.at("inspectorName"), "Bob Brown");

  // Its UPDATE under the old name reaches the renamed field.
  const auto u = bob_.push_ok(
      kSpace, head_of(a), batch({update("inspection", "i-v1", R"({"inspector":"Bob B. Brown"})")}),
      Mode::kField, v1_);
  EXPECT_EQ(ack(u, 0).at("outcome"), "applied") << json::serialize(u);
  EXPECT_EQ(dana_.pulled_record(kSpace, "inspection", "i-v1").at("inspectorName"), "Bob B. Brown");
  EXPECT_EQ(dana_.record(kSpace, "inspection", "i-v1").at("inspectorName"), "Bob B. Brown");

  // A record written before the upgrade under the old name is shown under the new one.
  const auto old = dana_.pulled_record(kSpace, "inspection", "i-old");
  EXPECT_EQ(old.at("inspectorName"), "Olga Old");
  EXPECT_FALSE(old.as_object().contains("inspector"));
  EXPECT_EQ(dana_.record(kSpace, "inspection", "i-old").at("inspectorName"), "Olga Old");

  // Fields version 1 does not know are refused from a version 1 device.
  const auto w = bob_.push_ok(kSpace, head_of(u),
                              batch({update("inspection", "i-v1", R"({"weather":"rain"})")}),
                              Mode::kField, v1_);
  EXPECT_EQ(ack(w, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(w, 0).at("rejection").at("reason"), "validation");
  EXPECT_EQ(ack(w, 0).at("rejection").at("field"), "weather");
}

TEST_F(SpaceSchemaUpgradeTest, AVersionOneDevicesRecordWritesAreUpgradedToo) {
  const auto created =
      bob_.put_record(kSpace, "inspection", "i-rv1", R"({"site":"s1","inspector":"Bob"})", v1_);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json().at("data").at("inspectorName"), "Bob");
  EXPECT_EQ(created.json().at("data").at("priority"), "normal");
  const auto patched =
      bob_.patch_record(kSpace, "inspection", "i-rv1", R"({"inspector":"Bob Brown"})", v1_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json().at("data").at("inspectorName"), "Bob Brown");
  // The new field is not version 1's.
  EXPECT_EQ(bob_.patch_record(kSpace, "inspection", "i-rv1", R"({"weather":"rain"})", v1_).status,
            422);
  EXPECT_EQ(bob_.post_record(kSpace, "inspection", R"({"site":"s1","priority":"low"})", v1_).status,
            422);
}

TEST_F(SpaceSchemaUpgradeTest, AVersionOneDevicesUpsertDoesNotResetTheNewFieldsDefault) {
  // A version 1 device re-sending the CREATE of an inspection that exists (an upsert: its
  // retry, or the same client-chosen id) cannot know the version 2 field priority: the lead's
  // "urgent" must not silently become the default "normal".
  const auto a = dana_.push_ok(kSpace, base_,
                               batch({update("inspection", "i-old", R"({"priority":"urgent"})")}),
                               Mode::kField, v2_);
  ASSERT_EQ(ack(a, 0).at("outcome"), "applied") << json::serialize(a);
  const auto b =
      bob_.push_ok(kSpace, head_of(a),
                   batch({create("inspection", "i-old",
                                 R"({"site":"s2","inspector":"Olga Old","notes":"retry"})")}),
                   Mode::kField, v1_);
  EXPECT_NE(ack(b, 0).at("outcome"), "rejected") << json::serialize(b);
  const auto rec = dana_.pulled_record(kSpace, "inspection", "i-old");
  EXPECT_EQ(rec.at("priority"), "urgent") << json::serialize(rec);
}

TEST_F(SpaceSchemaUpgradeTest, AVersionTwoDeviceWorksWithTheNewFields) {
  const auto a = dana_.push_ok(
      kSpace, base_,
      batch(
          {create(
               "inspection", "i-v2",
               R"({"site":"s1","inspectorName":"Dana Diaz","weather":"sunny","priority":"urgent"})"),
           update("inspection", "i1", R"({"priority":"low","weather":"fog"})")}),
      Mode::kField, v2_);
  EXPECT_EQ(ack(a, 0).at("outcome"), "applied") << json::serialize(a);
  EXPECT_EQ(ack(a, 1).at("outcome"), "applied") << json::serialize(a);
  const auto rec = bob_.pulled_record(kSpace, "inspection", "i-v2");
  EXPECT_EQ(rec.at("inspectorName"), "Dana Diaz");
  EXPECT_EQ(rec.at("weather"), "sunny");
  EXPECT_EQ(rec.at("priority"), "urgent");
  EXPECT_EQ(bob_.pulled_record(kSpace, "inspection", "i1").at("weather"), "fog");

  // The old name is not a field of version 2.
  const auto b = dana_.push_ok(kSpace, head_of(a),
                               batch({update("inspection", "i-v2", R"({"inspector":"D."})")}),
                               Mode::kField, v2_);
  EXPECT_EQ(ack(b, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(b, 0).at("rejection").at("reason"), "validation");
  EXPECT_EQ(ack(b, 0).at("rejection").at("field"), "inspector");
  // Nor is a priority outside its values.
  const auto c = dana_.push_ok(kSpace, head_of(a),
                               batch({update("inspection", "i-v2", R"({"priority":"asap"})")}),
                               Mode::kField, v2_);
  EXPECT_EQ(ack(c, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(c, 0).at("rejection").at("field"), "priority");
}

TEST_F(SpaceSchemaUpgradeTest, BelowARaisedMinVersionTheOldDeviceGets426AndNothingChanges) {
  const auto r = admin_.post("/v1/schemas", schema_v3_text(), admin_headers());
  ASSERT_EQ(r.status, 201) << r.body;
  const std::int64_t head = owner_.head(kSpace);

  const auto refused =
      bob_.push(kSpace, base_, batch({update("inspection", "i1", R"({"inspector":"Bob"})")}),
                Mode::kField, v1_);
  ASSERT_EQ(refused.status, 426) << refused.body;
  const auto err = refused.json().at("error").as_object();
  EXPECT_EQ(err.at("code"), "SchemaUpgradeRequired");
  EXPECT_EQ(err.at("schema"), "inspections");
  EXPECT_EQ(num(err.at("minVersion")), 2);
  EXPECT_EQ(num(err.at("version")), 3);
  EXPECT_FALSE(str(err.at("message")).empty());
  // The same in strict mode and for a record write.
  EXPECT_EQ(bob_.push(kSpace, head, batch({update("inspection", "i1", R"({"inspector":"Bob"})")}),
                      Mode::kStrict, v1_)
                .status,
            426);
  EXPECT_EQ(bob_.patch_record(kSpace, "inspection", "i1", R"({"inspector":"Bob"})", v1_).status,
            426);
  // Its pulls too: it would read shapes it does not know.
  const auto pull = bob_.pull(kSpace, base_, "", v1_);
  EXPECT_EQ(pull.status, 426) << pull.body;
  EXPECT_EQ(spaces::error_code(pull), "SchemaUpgradeRequired");
  EXPECT_EQ(owner_.head(kSpace), head);
  EXPECT_FALSE(
      owner_.pulled_record(kSpace, "inspection", "i1").as_object().contains("inspectorName"));

  // Version 2 and 3 devices go on.
  const auto ok2 =
      bob_.push_ok(kSpace, base_, batch({update("inspection", "i1", R"({"inspectorName":"Bob"})")}),
                   Mode::kField, v2_);
  EXPECT_EQ(ack(ok2, 0).at("outcome"), "applied") << json::serialize(ok2);
  const auto ok3 = bob_.push_ok(kSpace, head_of(ok2),
                                batch({update("inspection", "i1", R"({"signature":"BB"})")}),
                                Mode::kField, {{"X-Schema-Version", "3"}});
  EXPECT_EQ(ack(ok3, 0).at("outcome"), "applied") << json::serialize(ok3);

  const auto info = owner_.info(kSpace);
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(num(info.json().at("data").at("schemaVersion")), 3);
  EXPECT_EQ(num(info.json().at("data").at("minSchemaVersion")), 2);
}

}  // namespace
}  // namespace synclog::test
