// The wire forms of shared spaces (src/client/space_wire.hpp), on the exact shapes the server
// writes (docs/api.md, "Shared spaces"; src/domain/push.cpp push_response_body and
// src/domain/field_conflicts.cpp conflict_json / clashes_json / rejection_json): the feed, a
// space's pull pages, the field-mode push body and its acks, and the error envelope's members.
#include "client/space_wire.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace synclog::client {
namespace {

constexpr std::int64_t kT0 = 1779185730123;
constexpr std::string_view kT0Iso = "2026-05-19T10:15:30.123Z";

// A success envelope around `mutations` (the inside of the array) and `tail` (more members of
// `data`, after lastMutationAt).
std::string page(const std::string& mutations, std::int64_t last, const std::string& tail = "") {
  return R"({"success":true,"data":{"mutations":[)" + mutations + R"(],"lastMutationAt":)" +
         std::to_string(last) + tail + "}}";
}

template <class T>
void expect_unexpected_answer(const Result<T>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("unexpected answer"), std::string::npos) << r.error().message;
}

SpaceEdit edit(std::string id, MutationType op, std::string fields, std::int64_t base = 0,
               std::int64_t captured = 0) {
  SpaceEdit e;
  e.space = "north";
  e.type = "inspection";
  e.id = std::move(id);
  e.op = op;
  e.fields = std::move(fields);
  e.base_version = base;
  e.captured_ms = captured;
  return e;
}

//////// The feed

TEST(SpaceWireTest, ParseFeedReadsAddedRoleChangedAndRemovedSpaces) {
  const auto feed = parse_feed(page(
      R"({"type":"CREATE","resource":"SPACE","resourceId":"north",)"
      R"("data":{"name":"North region","schema":"inspections","role":"member"},"timestamp":10},)"
      R"({"type":"UPDATE","resource":"SPACE","resourceId":"north",)"
      R"("data":{"name":"North region","schema":"inspections","role":"lead"},"timestamp":11},)"
      R"({"type":"DELETE","resource":"SPACE","resourceId":"south","data":{},"timestamp":12})",
      12, R"(,"page":1,"limit":100,"total":3,"hasMore":true)"));
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  ASSERT_EQ(feed->entries.size(), 3u);
  EXPECT_EQ(feed->entries[0].type, MutationType::kCreate);
  EXPECT_EQ(feed->entries[0].space, "north");
  EXPECT_EQ(feed->entries[0].name, "North region");
  EXPECT_EQ(feed->entries[0].schema, "inspections");
  EXPECT_EQ(feed->entries[0].role, "member");
  EXPECT_EQ(feed->entries[0].timestamp, 10);
  EXPECT_EQ(feed->entries[1].type, MutationType::kUpdate);
  EXPECT_EQ(feed->entries[1].role, "lead");
  EXPECT_EQ(feed->entries[1].timestamp, 11);
  EXPECT_EQ(feed->entries[2].type, MutationType::kDelete);
  EXPECT_EQ(feed->entries[2].space, "south");
  EXPECT_EQ(feed->entries[2].name, "");
  EXPECT_EQ(feed->entries[2].schema, "");
  EXPECT_EQ(feed->entries[2].role, "");
  EXPECT_EQ(feed->entries[2].timestamp, 12);
  EXPECT_TRUE(feed->has_more);
  EXPECT_EQ(feed->last_mutation_at, 12);
}

TEST(SpaceWireTest, ParseFeedReadsARemovalWithoutData) {
  const auto feed =
      parse_feed(page(R"({"type":"DELETE","resource":"SPACE","resourceId":"south","timestamp":4})", 4));
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  ASSERT_EQ(feed->entries.size(), 1u);
  EXPECT_EQ(feed->entries[0].type, MutationType::kDelete);
  EXPECT_EQ(feed->entries[0].space, "south");
  EXPECT_FALSE(feed->has_more);
}

TEST(SpaceWireTest, AnEmptyFeedKeepsItsCursor) {
  const auto feed = parse_feed(page("", 77, R"(,"hasMore":false)"));
  ASSERT_TRUE(feed.ok()) << feed.error().message;
  EXPECT_TRUE(feed->entries.empty());
  EXPECT_EQ(feed->last_mutation_at, 77);
}

TEST(SpaceWireTest, ParseFeedRefusesAnEntryMissingWhatItNeeds) {
  // No type, no resourceId, no timestamp, an unknown type.
  expect_unexpected_answer(parse_feed(page(
      R"({"resource":"SPACE","resourceId":"n","data":{"schema":"s","role":"owner"},"timestamp":1})", 1)));
  expect_unexpected_answer(parse_feed(
      page(R"({"type":"CREATE","data":{"schema":"s","role":"owner"},"timestamp":1})", 1)));
  expect_unexpected_answer(parse_feed(
      page(R"({"type":"CREATE","resourceId":"n","data":{"schema":"s","role":"owner"}})", 1)));
  expect_unexpected_answer(parse_feed(page(
      R"({"type":"MOVE","resourceId":"n","data":{"schema":"s","role":"owner"},"timestamp":1})", 1)));
  // A CREATE or UPDATE without its schema or role (the device could not check or show it).
  expect_unexpected_answer(
      parse_feed(page(R"({"type":"CREATE","resourceId":"n","data":{"role":"owner"},"timestamp":1})", 1)));
  expect_unexpected_answer(parse_feed(
      page(R"({"type":"UPDATE","resourceId":"n","data":{"schema":"s"},"timestamp":1})", 1)));
  expect_unexpected_answer(
      parse_feed(page(R"({"type":"CREATE","resourceId":"n","timestamp":1})", 1)));
  // An entry that is not an object.
  expect_unexpected_answer(parse_feed(page(R"("north")", 1)));
}

TEST(SpaceWireTest, ParseFeedRefusesAnAnswerThatIsNotAPage) {
  expect_unexpected_answer(parse_feed("not json"));
  expect_unexpected_answer(parse_feed("[]"));
  expect_unexpected_answer(parse_feed(R"({"success":true})"));
  expect_unexpected_answer(parse_feed(R"({"success":true,"data":{"mutations":[]}})"));
  expect_unexpected_answer(parse_feed(R"({"success":true,"data":{"lastMutationAt":1}})"));
  expect_unexpected_answer(parse_feed(R"({"success":true,"data":{"mutations":{},"lastMutationAt":1}})"));
}

//////// A space's pull

TEST(SpaceWireTest, ParseSpacePullReadsEntriesAndTheirData) {
  const auto p = parse_space_pull(page(
      R"({"type":"CREATE","resource":"site","resourceId":"s1","data":{"name":"Depot","code":"D1",)"
      R"("clientCreatedAt":"2026-05-19T10:15:30.123Z","updatedBy":"ann"},"timestamp":5},)"
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","data":{"site":"s1","status":"draft"},"timestamp":6})",
      6, R"(,"page":1,"limit":1000,"total":2,"hasMore":false)"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->entries.size(), 2u);
  EXPECT_EQ(p->entries[0].type, MutationType::kCreate);
  EXPECT_EQ(p->entries[0].record_type, "site");
  EXPECT_EQ(p->entries[0].id, "s1");
  ASSERT_TRUE(p->entries[0].data.has_value());
  EXPECT_EQ(*p->entries[0].data,
            R"({"name":"Depot","code":"D1","clientCreatedAt":"2026-05-19T10:15:30.123Z","updatedBy":"ann"})");
  EXPECT_EQ(p->entries[0].timestamp, 5);
  EXPECT_EQ(p->entries[1].type, MutationType::kUpdate);
  EXPECT_EQ(p->entries[1].record_type, "inspection");
  EXPECT_EQ(*p->entries[1].data, R"({"site":"s1","status":"draft"})");
  EXPECT_EQ(p->total, 2);
  EXPECT_FALSE(p->has_more);
  EXPECT_EQ(p->last_mutation_at, 6);
}

TEST(SpaceWireTest, ParseSpacePullReadsTombstonesWithAndWithoutData) {
  const auto p = parse_space_pull(page(
      R"({"type":"DELETE","resource":"site","resourceId":"s1","data":{},"timestamp":7},)"
      R"({"type":"DELETE","resource":"asset","resourceId":"a1","timestamp":8},)"
      R"({"type":"DELETE","resource":"asset","resourceId":"a2","data":null,"timestamp":9})",
      9, R"(,"total":40,"hasMore":true)"));
  ASSERT_TRUE(p.ok()) << p.error().message;
  ASSERT_EQ(p->entries.size(), 3u);
  for (const auto& e : p->entries) {
    EXPECT_EQ(e.type, MutationType::kDelete) << e.id;
    EXPECT_FALSE(e.data.has_value()) << e.id;
  }
  EXPECT_EQ(p->entries[0].record_type, "site");
  EXPECT_EQ(p->entries[1].id, "a1");
  EXPECT_EQ(p->entries[2].timestamp, 9);
  EXPECT_EQ(p->total, 40);
  EXPECT_TRUE(p->has_more);
  EXPECT_EQ(p->last_mutation_at, 9);
}

TEST(SpaceWireTest, ParseSpacePullWithoutTotalOrHasMoreReadsZeroAndFalse) {
  const auto p = parse_space_pull(page("", 3));
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->total, 0);
  EXPECT_FALSE(p->has_more);
  EXPECT_EQ(p->last_mutation_at, 3);
}

TEST(SpaceWireTest, ParseSpacePullRefusesAnEntryMissingWhatItNeeds) {
  // A live entry without data, or with data that is not an object.
  expect_unexpected_answer(parse_space_pull(
      page(R"({"type":"CREATE","resource":"site","resourceId":"s1","timestamp":5})", 5)));
  expect_unexpected_answer(parse_space_pull(
      page(R"({"type":"UPDATE","resource":"site","resourceId":"s1","data":[1],"timestamp":5})", 5)));
  // No resource, resourceId, timestamp or type.
  expect_unexpected_answer(parse_space_pull(
      page(R"({"type":"CREATE","resourceId":"s1","data":{},"timestamp":5})", 5)));
  expect_unexpected_answer(parse_space_pull(
      page(R"({"type":"CREATE","resource":"site","data":{},"timestamp":5})", 5)));
  expect_unexpected_answer(parse_space_pull(
      page(R"({"type":"CREATE","resource":"site","resourceId":"s1","data":{}})", 5)));
  expect_unexpected_answer(parse_space_pull(
      page(R"({"resource":"site","resourceId":"s1","data":{},"timestamp":5})", 5)));
  // A tombstone still needs to say which record it is.
  expect_unexpected_answer(
      parse_space_pull(page(R"({"type":"DELETE","resource":"site","timestamp":5})", 5)));
  expect_unexpected_answer(parse_space_pull(page("7", 5)));
  expect_unexpected_answer(parse_space_pull(R"({"success":true,"data":{"mutations":[]}})"));
}

//////// The push body

TEST(SpaceWireTest, PushBodyCarriesFieldsCaptureTimeAndBase) {
  const auto body = space_push_body(
      {edit("i1", MutationType::kUpdate, R"({"status":"submitted"})", /*base=*/42, kT0)}, 99);
  EXPECT_EQ(body, R"({"mutations":[{"type":"UPDATE","resource":"inspection","resourceId":"i1",)"
                  R"("data":{"status":"submitted","clientUpdatedAt":")" +
                      std::string(kT0Iso) + R"("},"baseTimestamp":42}]})");
}

TEST(SpaceWireTest, ARecordTheDeviceNeverSyncedIsBasedOnTheCursor) {
  const auto body = space_push_body(
      {edit("i2", MutationType::kCreate, R"({"site":"s1","status":"draft"})", 0, kT0)}, 99);
  EXPECT_EQ(body, R"({"mutations":[{"type":"CREATE","resource":"inspection","resourceId":"i2",)"
                  R"("data":{"site":"s1","status":"draft","clientUpdatedAt":")" +
                      std::string(kT0Iso) + R"("},"baseTimestamp":99}]})");
}

TEST(SpaceWireTest, WithNeitherBaseNorCursorThereIsNoBaseTimestamp) {
  const auto body = space_push_body({edit("i3", MutationType::kCreate, R"({"site":"s1"})", 0, kT0)}, 0);
  EXPECT_EQ(body.find("baseTimestamp"), std::string::npos) << body;
}

TEST(SpaceWireTest, CaptureTimeIsSentInUtcWithMilliseconds) {
  // 2026-12-07T09:00:00.005Z: the milliseconds keep their leading zeros.
  const auto body =
      space_push_body({edit("i1", MutationType::kUpdate, R"({"notes":"x"})", 1, 1796634000005)}, 0);
  EXPECT_NE(body.find(R"("clientUpdatedAt":"2026-12-07T09:00:00.005Z")"), std::string::npos) << body;
}

TEST(SpaceWireTest, AnEditWithoutCaptureTimeSendsNone) {
  const auto body = space_push_body({edit("i1", MutationType::kUpdate, R"({"notes":"x"})", 5, 0)}, 0);
  EXPECT_EQ(body, R"({"mutations":[{"type":"UPDATE","resource":"inspection","resourceId":"i1",)"
                  R"("data":{"notes":"x"},"baseTimestamp":5}]})");
}

TEST(SpaceWireTest, ADeleteSendsOnlyItsCaptureTime) {
  const auto body = space_push_body({edit("i1", MutationType::kDelete, "{}", 8, kT0)}, 99);
  EXPECT_EQ(body, R"({"mutations":[{"type":"DELETE","resource":"inspection","resourceId":"i1",)"
                  R"("data":{"clientUpdatedAt":")" +
                      std::string(kT0Iso) + R"("},"baseTimestamp":8}]})");
}

TEST(SpaceWireTest, FieldsThatAreNotAnObjectAreSentAsNoFields) {
  for (const char* fields : {"[1,2]", "\"text\"", "not json", ""}) {
    const auto body = space_push_body({edit("i1", MutationType::kUpdate, fields, 3, 0)}, 0);
    EXPECT_EQ(body, R"({"mutations":[{"type":"UPDATE","resource":"inspection","resourceId":"i1",)"
                    R"("data":{},"baseTimestamp":3}]})")
        << fields;
  }
}

TEST(SpaceWireTest, PushBodyKeepsTheQueueOrder) {
  const auto body = space_push_body({edit("b", MutationType::kCreate, "{}", 0, 0),
                                     edit("a", MutationType::kUpdate, "{}", 2, 0),
                                     edit("c", MutationType::kDelete, "{}", 3, 0)},
                                    1);
  const auto b = body.find(R"("resourceId":"b")");
  const auto a = body.find(R"("resourceId":"a")");
  const auto c = body.find(R"("resourceId":"c")");
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(c, std::string::npos);
  EXPECT_LT(b, a);
  EXPECT_LT(a, c);
  EXPECT_EQ(space_push_body({}, 5), R"({"mutations":[]})");
}

//////// The push's acks

TEST(SpaceWireTest, ParseSpacePushReadsAnAppliedAck) {
  const auto a = parse_space_push(page(
      R"({"type":"CREATE","resource":"inspection","resourceId":"i1","data":{"site":"s1"},)"
      R"("timestamp":1796649833090,"outcome":"applied"})",
      1796649833090));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->acks.size(), 1u);
  EXPECT_EQ(a->acks[0].outcome, "applied");
  EXPECT_EQ(a->acks[0].timestamp, 1796649833090);
  EXPECT_TRUE(a->acks[0].fields.empty());
  EXPECT_EQ(a->last_mutation_at, 1796649833090);
}

TEST(SpaceWireTest, ParseSpacePushReadsMergedAndSoftMergedWithTheirSettledFields) {
  const std::string settled =
      R"([{"field":"status","kept":"server",)"
      R"("server":{"value":"in_progress","by":"bob","client":"bob-phone","at":"2026-12-07T13:23:53.079Z","capturedAt":"2026-12-07T09:00:00.000Z"},)"
      R"("device":{"value":"submitted","capturedAt":"2026-12-07T08:55:00.000Z"}},)"
      R"({"field":"notes","kept":"device","server":{"value":null,"by":"bob","client":"bob-phone","at":null,"capturedAt":null},)"
      R"("device":{"value":"ok","capturedAt":"2026-12-07T08:55:00.000Z"}}])";
  const auto a = parse_space_push(page(
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","data":{"status":"submitted"},)"
      R"("timestamp":1796649833090,"outcome":"softMerged","settled":)" + settled + "}," +
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i2","data":{"notes":"n"},)"
      R"("timestamp":1796649833091,"outcome":"merged","settled":)" + settled + "}," +
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i3","data":{"notes":"n"},)"
      R"("timestamp":1796649833092,"outcome":"merged"})",
      1796649833092));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->acks.size(), 3u);
  EXPECT_EQ(a->acks[0].outcome, "softMerged");
  EXPECT_EQ(a->acks[0].timestamp, 1796649833090);
  EXPECT_EQ(a->acks[0].fields, (std::vector<std::string>{"status", "notes"}));
  EXPECT_EQ(a->acks[1].outcome, "merged");
  EXPECT_EQ(a->acks[1].fields, (std::vector<std::string>{"status", "notes"}));
  // Merged with other fields' changes, nothing settled.
  EXPECT_EQ(a->acks[2].outcome, "merged");
  EXPECT_EQ(a->acks[2].timestamp, 1796649833092);
  EXPECT_TRUE(a->acks[2].fields.empty());
}

TEST(SpaceWireTest, ParseSpacePushReadsAConflictWithBothSides) {
  const std::string record =
      R"({"site":"s1","status":"in_progress","clientCreatedAt":"2026-12-07T08:00:00.000Z",)"
      R"("clientUpdatedAt":"2026-12-07T09:00:00.000Z","updatedBy":"bob"})";
  const std::string clashes =
      R"([{"field":"status","server":{"value":"in_progress","by":"bob","client":"bob-phone",)"
      R"("at":"2026-12-07T13:23:53.079Z","capturedAt":"2026-12-07T09:00:00.000Z"},)"
      R"("device":{"value":"rejected","capturedAt":"2026-12-07T08:55:00.000Z"}}])";
  // As push_response_body writes it: no timestamp on a conflict.
  const auto a = parse_space_push(page(
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","data":{"status":"rejected"},)"
      R"("outcome":"conflict","conflict":{"reason":"changed","fields":["status"],)"
      R"("version":1796649833079,"record":)" + record + R"(,"clashes":)" + clashes + "}}",
      1796649833080));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->acks.size(), 1u);
  const SpaceAck& ack = a->acks[0];
  EXPECT_EQ(ack.outcome, "conflict");
  EXPECT_EQ(ack.timestamp, 0);
  EXPECT_EQ(ack.conflict_reason, "changed");
  EXPECT_EQ(ack.conflict_version, 1796649833079);
  EXPECT_EQ(ack.fields, (std::vector<std::string>{"status"}));
  EXPECT_EQ(ack.server_record, record);
  EXPECT_EQ(ack.clashes, clashes);
  EXPECT_EQ(a->last_mutation_at, 1796649833080);
}

TEST(SpaceWireTest, ParseSpacePushReadsAConflictWithADeletedRecord) {
  // A DELETE since the base: the record is null and no field clashes.
  const auto a = parse_space_push(page(
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","data":{"notes":"x"},)"
      R"("outcome":"conflict","conflict":{"reason":"deleted","fields":[],"version":17,"record":null}})",
      17));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->acks.size(), 1u);
  EXPECT_EQ(a->acks[0].conflict_reason, "deleted");
  EXPECT_EQ(a->acks[0].conflict_version, 17);
  EXPECT_EQ(a->acks[0].server_record, "null");
  EXPECT_EQ(a->acks[0].clashes, "[]");
  EXPECT_TRUE(a->acks[0].fields.empty());
}

TEST(SpaceWireTest, ParseSpacePushReadsARejection) {
  const auto a = parse_space_push(page(
      R"({"type":"CREATE","resource":"inspection","resourceId":"i9","data":{"site":"gone"},)"
      R"("outcome":"rejected","rejection":{"reason":"reference","field":"site",)"
      R"("message":"Invalid site: no site 'gone' in this space"}},)"
      R"({"type":"CREATE","resource":"site","resourceId":"s9","data":{"name":"x"},)"
      R"("outcome":"rejected","rejection":{"reason":"permission","message":"Your role may not write site"}})",
      20));
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->acks.size(), 2u);
  EXPECT_EQ(a->acks[0].outcome, "rejected");
  EXPECT_EQ(a->acks[0].reason, "reference");
  EXPECT_EQ(a->acks[0].field, "site");
  EXPECT_EQ(a->acks[0].message, "Invalid site: no site 'gone' in this space");
  EXPECT_EQ(a->acks[0].timestamp, 0);
  EXPECT_EQ(a->acks[1].reason, "permission");
  EXPECT_EQ(a->acks[1].field, "");  // rejection_json leaves it out when no field is at fault
  EXPECT_EQ(a->acks[1].message, "Your role may not write site");
}

TEST(SpaceWireTest, ParseSpacePushReadsADryRunLikeAPush) {
  const auto a = parse_space_push(
      R"({"success":true,"data":{"mutations":[{"type":"CREATE","resource":"site","resourceId":"s1",)"
      R"("timestamp":31,"outcome":"applied"}],"lastMutationAt":31,"dryRun":true}})");
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_EQ(a->acks.size(), 1u);
  EXPECT_EQ(a->acks[0].timestamp, 31);
  EXPECT_EQ(a->last_mutation_at, 31);
}

TEST(SpaceWireTest, ParseSpacePushRefusesAnUnknownOrMissingOutcome) {
  const auto unknown = parse_space_push(page(
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","timestamp":3,"outcome":"postponed"})", 3));
  expect_unexpected_answer(unknown);
  if (!unknown.ok()) {
    EXPECT_NE(unknown.error().message.find("postponed"), std::string::npos);
  }
  // A strict-mode ack (no outcome) is no field-mode answer.
  expect_unexpected_answer(parse_space_push(
      page(R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","timestamp":3})", 3)));
}

TEST(SpaceWireTest, ParseSpacePushRefusesAConflictOrRejectionWithoutItsDetails) {
  expect_unexpected_answer(parse_space_push(
      page(R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","outcome":"conflict"})", 3)));
  expect_unexpected_answer(parse_space_push(page(
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","outcome":"conflict","conflict":"x"})", 3)));
  expect_unexpected_answer(parse_space_push(
      page(R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","outcome":"rejected"})", 3)));
  expect_unexpected_answer(parse_space_push(page(
      R"({"type":"UPDATE","resource":"inspection","resourceId":"i1","outcome":"rejected","rejection":[]})", 3)));
  expect_unexpected_answer(parse_space_push(page("null", 3)));
  expect_unexpected_answer(parse_space_push(R"({"success":true,"data":{"mutations":[]}})"));
  expect_unexpected_answer(parse_space_push("<html>"));
}

//////// Error answers

TEST(SpaceWireTest, ErrorCodeOfReadsTheEnvelopesCode) {
  EXPECT_EQ(error_code_of(
                R"({"success":false,"error":{"code":"SchemaUpgradeRequired","message":"...",)"
                R"("schema":"inspections","minVersion":2,"version":3}})"),
            "SchemaUpgradeRequired");
  EXPECT_EQ(error_code_of(R"({"success":false,"error":{"code":"SpaceAccessRevoked","message":"...",)"
                          R"("spaceId":"north","kept":3,"reviewId":"r1"}})"),
            "SpaceAccessRevoked");
}

TEST(SpaceWireTest, ErrorCodeOfIsEmptyWhenThereIsNone) {
  EXPECT_EQ(error_code_of(""), "");
  EXPECT_EQ(error_code_of("not json"), "");
  EXPECT_EQ(error_code_of("[]"), "");
  EXPECT_EQ(error_code_of(R"({"success":true,"data":{}})"), "");
  EXPECT_EQ(error_code_of(R"({"success":false,"error":"ValidationError"})"), "");
  EXPECT_EQ(error_code_of(R"({"success":false,"error":{"code":42}})"), "");
  EXPECT_EQ(error_code_of(R"({"success":false,"error":{"message":"no code"}})"), "");
}

TEST(SpaceWireTest, ErrorIntOfReadsAnIntegerMemberOfTheError) {
  const std::string body =
      R"({"success":false,"error":{"code":"SchemaUpgradeRequired","message":"...",)"
      R"("schema":"inspections","minVersion":2,"version":3}})";
  EXPECT_EQ(error_int_of(body, "minVersion"), 2);
  EXPECT_EQ(error_int_of(body, "version"), 3);
  EXPECT_EQ(error_int_of(R"({"success":false,"error":{"kept":3}})", "kept"), 3);
}

TEST(SpaceWireTest, ErrorIntOfIsZeroWhenAbsentOrNotAnInteger) {
  const std::string body =
      R"({"success":false,"error":{"code":"SchemaUpgradeRequired","schema":"inspections","minVersion":"2"}})";
  EXPECT_EQ(error_int_of(body, "maxVersion"), 0);
  EXPECT_EQ(error_int_of(body, "minVersion"), 0);
  EXPECT_EQ(error_int_of(body, "schema"), 0);
  EXPECT_EQ(error_int_of("not json", "minVersion"), 0);
  EXPECT_EQ(error_int_of(R"({"minVersion":2})", "minVersion"), 0);  // not inside `error`
}

}  // namespace
}  // namespace synclog::client
