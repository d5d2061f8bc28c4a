// The SDK's conflict rules (src/client/resolve.hpp): every strategy against disjoint edits,
// edits of the same field, a deletion on either side, deletions on both, identical edits and a
// record that never reached the server; last write wins across offsets and DST changes; the
// comparisons that must not see a conflict (bookkeeping fields, key order, number spelling).
#include "client/resolve.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace synclog::client {
namespace {

namespace json = boost::json;
using Fields = std::vector<std::string>;

constexpr Strategy kAllStrategies[] = {Strategy::kServerWins, Strategy::kClientWins,
                                       Strategy::kLastWriteWins, Strategy::kFieldMerge,
                                       Strategy::kManual};

constexpr const char* kBaseTime = "2026-03-01T10:00:00.000Z";
constexpr const char* kEarlier = "2026-03-02T09:00:00.000Z";
constexpr const char* kLater = "2026-03-02T11:00:00.000Z";
constexpr std::int64_t kEarlierMs = 1772442000000;  // kEarlier
constexpr std::int64_t kLaterMs = 1772449200000;    // kLater

// A NOTE's pull `data`, with the fields the tests edit.
struct Note {
  std::string body = "Notes on the opening surah";
  bool save_to_qr = false;
  std::string updated = kBaseTime;
  std::string json() const {
    json::object o;
    o["body"] = body;
    o["ranges"] = json::array{"1:1-1:7"};
    o["saveToQR"] = save_to_qr;
    o["source"] = "phone";
    o["attachedEntities"] = json::array{};
    o["clientCreatedAt"] = kBaseTime;
    o["clientUpdatedAt"] = updated;
    return json::serialize(o);
  }
};

const std::string kBase = Note{}.json();

json::value parsed(std::string_view text) { return json::parse(text); }

Resolution resolve(Strategy s, std::optional<std::string> base, std::optional<std::string> local,
                   std::optional<std::string> server) {
  ConflictSides sides;
  if (base) sides.base = *base;
  if (local) sides.local = *local;
  if (server) sides.server = *server;
  return resolve_conflict(s, sides);
}

// Checks a resolution; `data` is compared as JSON (nullopt: deleted).
void expect_resolution(const Resolution& r, Outcome outcome, const std::optional<std::string>& data,
                       std::optional<MutationType> push, const Fields& clashing) {
  EXPECT_EQ(outcome_name(r.outcome), outcome_name(outcome)) << r.reason;
  ASSERT_EQ(r.data.has_value(), data.has_value()) << r.reason;
  if (data) {
    EXPECT_EQ(parsed(*r.data), parsed(*data)) << r.reason;
  }
  EXPECT_EQ(r.push, push) << r.reason;
  EXPECT_EQ(r.clashing_fields, clashing) << r.reason;
  EXPECT_FALSE(r.reason.empty());
  EXPECT_EQ(r.reason.back(), '.') << r.reason;
}

// --- Disjoint fields: the device changed the body, the server the saveToQR flag. -----------

const std::string kLocalBody =
    Note{.body = "Local thoughts on the opening", .updated = kLater}.json();
const std::string kServerFlag = Note{.save_to_qr = true, .updated = kEarlier}.json();

TEST(ResolveTest, DisjointServerWinsKeepsServerAndNamesTheDroppedField) {
  const Resolution r = resolve(Strategy::kServerWins, kBase, kLocalBody, kServerFlag);
  expect_resolution(r, Outcome::kMerged, kServerFlag, std::nullopt, {});
  EXPECT_NE(r.reason.find("body"), std::string::npos) << r.reason;
}

TEST(ResolveTest, DisjointClientWinsPushesTheWholeLocalRecord) {
  expect_resolution(resolve(Strategy::kClientWins, kBase, kLocalBody, kServerFlag),
                    Outcome::kMerged, kLocalBody, MutationType::kUpdate, {});
}

TEST(ResolveTest, DisjointLastWriteWinsTakesTheLaterWholeRecord) {
  expect_resolution(resolve(Strategy::kLastWriteWins, kBase, kLocalBody, kServerFlag),
                    Outcome::kMerged, kLocalBody, MutationType::kUpdate, {});
  const std::string server_later =
      Note{.save_to_qr = true, .updated = "2026-03-02T12:00:00Z"}.json();
  expect_resolution(resolve(Strategy::kLastWriteWins, kBase, kLocalBody, server_later),
                    Outcome::kMerged, server_later, std::nullopt, {});
}

TEST(ResolveTest, DisjointFieldMergeCombinesBothAndPushesAnUpdate) {
  const Resolution r = resolve(Strategy::kFieldMerge, kBase, kLocalBody, kServerFlag);
  const std::string merged =
      Note{.body = "Local thoughts on the opening", .save_to_qr = true, .updated = kLater}.json();
  expect_resolution(r, Outcome::kMerged, merged, MutationType::kUpdate, {});
}

TEST(ResolveTest, FieldMergeTakesTheLaterClientUpdatedAt) {
  const std::string local =
      Note{.body = "Local thoughts on the opening", .updated = kEarlier}.json();
  const std::string server = Note{.save_to_qr = true, .updated = kLater}.json();
  const Resolution r = resolve(Strategy::kFieldMerge, kBase, local, server);
  ASSERT_TRUE(r.data);
  EXPECT_EQ(parsed(*r.data).at("clientUpdatedAt"), json::value(kLater));
  EXPECT_EQ(parsed(*r.data).at("body"), json::value("Local thoughts on the opening"));
}

TEST(ResolveTest, FieldMergeAppliesAFieldTheServerRemovedOrAdded) {
  const std::string base = R"({"a":1,"b":2,"c":3})";
  const std::string local = R"({"a":10,"b":2,"c":3})";
  const std::string server = R"({"a":1,"c":3,"d":4})";  // b removed, d added
  const Resolution r = resolve(Strategy::kFieldMerge, base, local, server);
  expect_resolution(r, Outcome::kMerged, R"({"a":10,"c":3,"d":4})", MutationType::kUpdate, {});
  // Local's key order, the server's new keys appended.
  EXPECT_EQ(*r.data, R"({"a":10,"c":3,"d":4})");
}

TEST(ResolveTest, DisjointManualNeedsTheUserAndHoldsThePush) {
  const Resolution r = resolve(Strategy::kManual, kBase, kLocalBody, kServerFlag);
  expect_resolution(r, Outcome::kNeedsUser, kLocalBody, std::nullopt, {});
  EXPECT_NE(r.reason.find("body"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("saveToQR"), std::string::npos) << r.reason;
}

// --- The same field changed differently on both sides. -------------------------------------

const std::string kServerBody =
    Note{.body = "Server thoughts on the opening", .updated = kEarlier}.json();

TEST(ResolveTest, SameFieldServerWins) {
  expect_resolution(resolve(Strategy::kServerWins, kBase, kLocalBody, kServerBody),
                    Outcome::kMerged, kServerBody, std::nullopt, {"body"});
}

TEST(ResolveTest, SameFieldClientWins) {
  expect_resolution(resolve(Strategy::kClientWins, kBase, kLocalBody, kServerBody),
                    Outcome::kMerged, kLocalBody, MutationType::kUpdate, {"body"});
}

TEST(ResolveTest, SameFieldLastWriteWins) {
  expect_resolution(resolve(Strategy::kLastWriteWins, kBase, kLocalBody, kServerBody),
                    Outcome::kMerged, kLocalBody, MutationType::kUpdate, {"body"});
  const std::string local_earlier =
      Note{.body = "Local thoughts", .updated = "2026-03-02T08:00:00Z"}.json();
  expect_resolution(resolve(Strategy::kLastWriteWins, kBase, local_earlier, kServerBody),
                    Outcome::kMerged, kServerBody, std::nullopt, {"body"});
}

TEST(ResolveTest, SameFieldFieldMergeNeedsTheUserAndKeepsLocalUnpushed) {
  const Resolution r = resolve(Strategy::kFieldMerge, kBase, kLocalBody, kServerBody);
  expect_resolution(r, Outcome::kNeedsUser, kLocalBody, std::nullopt, {"body"});
  EXPECT_EQ(*r.data, kLocalBody);  // byte for byte
}

TEST(ResolveTest, FieldMergeWithAClashAndDisjointFieldsStillNeedsTheUser) {
  const std::string local = Note{.body = "Local", .updated = kLater}.json();
  const std::string server = Note{.body = "Server", .save_to_qr = true, .updated = kEarlier}.json();
  expect_resolution(resolve(Strategy::kFieldMerge, kBase, local, server), Outcome::kNeedsUser,
                    local, std::nullopt, {"body"});
}

TEST(ResolveTest, SameFieldManual) {
  expect_resolution(resolve(Strategy::kManual, kBase, kLocalBody, kServerBody), Outcome::kNeedsUser,
                    kLocalBody, std::nullopt, {"body"});
}

TEST(ResolveTest, ClashingFieldsAreSortedAndLeaveBookkeepingOut) {
  const std::string base = R"({"z":1,"a":1,"m":1,"slug":"x","clientUpdatedAt":1})";
  const std::string local = R"({"z":2,"a":2,"m":1,"slug":"y","clientUpdatedAt":2})";
  const std::string server = R"({"z":3,"a":3,"m":1,"slug":"z","clientUpdatedAt":3})";
  EXPECT_EQ(resolve(Strategy::kManual, base, local, server).clashing_fields, (Fields{"a", "z"}));
}

// --- Updated on the device, deleted on the server. ----------------------------------------

TEST(ResolveTest, UpdateVsDeleteServerWinsDeletes) {
  expect_resolution(resolve(Strategy::kServerWins, kBase, kLocalBody, std::nullopt),
                    Outcome::kMerged, std::nullopt, std::nullopt, {"body"});
}

TEST(ResolveTest, UpdateVsDeleteClientWinsRecreatesWithCreate) {
  expect_resolution(resolve(Strategy::kClientWins, kBase, kLocalBody, std::nullopt),
                    Outcome::kMerged, kLocalBody, MutationType::kCreate, {"body"});
}

TEST(ResolveTest, UpdateVsDeleteLastWriteWinsUsesTheDeletionTimeWhenGiven) {
  // A tombstone has no clientUpdatedAt: without a deletion time the dated edit wins.
  expect_resolution(resolve(Strategy::kLastWriteWins, kBase, kLocalBody, std::nullopt),
                    Outcome::kMerged, kLocalBody, MutationType::kCreate, {"body"});
  ConflictSides sides{.base = kBase, .local = kLocalBody, .server = std::nullopt};
  sides.server_deleted_at_ms = kLaterMs + 1;
  expect_resolution(resolve_conflict(Strategy::kLastWriteWins, sides), Outcome::kMerged,
                    std::nullopt, std::nullopt, {"body"});
  sides.server_deleted_at_ms = kLaterMs - 1;
  expect_resolution(resolve_conflict(Strategy::kLastWriteWins, sides), Outcome::kMerged, kLocalBody,
                    MutationType::kCreate, {"body"});
}

TEST(ResolveTest, UpdateVsDeleteFieldMergeNeedsTheUser) {
  expect_resolution(resolve(Strategy::kFieldMerge, kBase, kLocalBody, std::nullopt),
                    Outcome::kNeedsUser, kLocalBody, std::nullopt, {"body"});
}

TEST(ResolveTest, UpdateVsDeleteManualNeedsTheUser) {
  expect_resolution(resolve(Strategy::kManual, kBase, kLocalBody, std::nullopt),
                    Outcome::kNeedsUser, kLocalBody, std::nullopt, {"body"});
}

// --- Deleted on the device, updated on the server. ----------------------------------------

TEST(ResolveTest, DeleteVsUpdateServerWinsRestoresTheServerVersion) {
  expect_resolution(resolve(Strategy::kServerWins, kBase, std::nullopt, kServerBody),
                    Outcome::kMerged, kServerBody, std::nullopt, {"body"});
}

TEST(ResolveTest, DeleteVsUpdateClientWinsPushesTheDelete) {
  expect_resolution(resolve(Strategy::kClientWins, kBase, std::nullopt, kServerBody),
                    Outcome::kMerged, std::nullopt, MutationType::kDelete, {"body"});
}

TEST(ResolveTest, DeleteVsUpdateLastWriteWinsComparesTheDeletionTime) {
  // No deletion time: the server's dated edit wins.
  expect_resolution(resolve(Strategy::kLastWriteWins, kBase, std::nullopt, kServerBody),
                    Outcome::kMerged, kServerBody, std::nullopt, {"body"});
  ConflictSides sides{.base = kBase, .local = std::nullopt, .server = kServerBody};
  sides.local_deleted_at_ms = kEarlierMs + 1;
  expect_resolution(resolve_conflict(Strategy::kLastWriteWins, sides), Outcome::kMerged,
                    std::nullopt, MutationType::kDelete, {"body"});
  sides.local_deleted_at_ms = kEarlierMs;  // a tie goes to the server
  expect_resolution(resolve_conflict(Strategy::kLastWriteWins, sides), Outcome::kMerged,
                    kServerBody, std::nullopt, {"body"});
}

TEST(ResolveTest, DeleteVsUpdateFieldMergeNeedsTheUserAndKeepsTheDeletion) {
  expect_resolution(resolve(Strategy::kFieldMerge, kBase, std::nullopt, kServerBody),
                    Outcome::kNeedsUser, std::nullopt, std::nullopt, {"body"});
}

TEST(ResolveTest, DeleteVsUpdateManualNeedsTheUser) {
  expect_resolution(resolve(Strategy::kManual, kBase, std::nullopt, kServerBody),
                    Outcome::kNeedsUser, std::nullopt, std::nullopt, {"body"});
}

// --- What is no conflict under any strategy. ----------------------------------------------

TEST(ResolveTest, BothDeletedIsSyncedUnderEveryStrategy) {
  for (Strategy s : kAllStrategies) {
    SCOPED_TRACE(strategy_name(s));
    expect_resolution(resolve(s, kBase, std::nullopt, std::nullopt), Outcome::kSynced, std::nullopt,
                      std::nullopt, {});
    expect_resolution(resolve(s, std::nullopt, std::nullopt, std::nullopt), Outcome::kSynced,
                      std::nullopt, std::nullopt, {});
  }
}

TEST(ResolveTest, IdenticalChangesAreSyncedUnderEveryStrategy) {
  // Same body; other client times, key order and number spelling; the server's own text kept.
  const std::string local =
      R"({"clientUpdatedAt":"2026-03-02T12:00:00+01:00","saveToQR":false,"body":"Same words",)"
      R"("ranges":["1:1-1:7"],"source":"phone","attachedEntities":[],"clientCreatedAt":"2026-03-01T10:00:00Z"})";
  const std::string server = Note{.body = "Same words", .updated = kEarlier}.json();
  for (Strategy s : kAllStrategies) {
    SCOPED_TRACE(strategy_name(s));
    const Resolution r = resolve(s, kBase, local, server);
    expect_resolution(r, Outcome::kSynced, server, std::nullopt, {});
    EXPECT_EQ(*r.data, server);
  }
}

TEST(ResolveTest, ServerBookkeepingOnlyChangeLetsTheLocalChangeStandUnderEveryStrategy) {
  // The server only touched clientUpdatedAt and a derived field: nothing to settle.
  json::object server = parsed(kBase).as_object();
  server["clientUpdatedAt"] = kLater;
  server["source"] = "tablet";
  const std::string server_text = json::serialize(server);
  for (Strategy s : kAllStrategies) {
    SCOPED_TRACE(strategy_name(s));
    expect_resolution(resolve(s, kBase, kLocalBody, server_text), Outcome::kSynced, kLocalBody,
                      MutationType::kUpdate, {});
    expect_resolution(resolve(s, kBase, std::nullopt, server_text), Outcome::kSynced, std::nullopt,
                      MutationType::kDelete, {});
  }
}

TEST(ResolveTest, LocalBookkeepingOnlyChangeTakesTheServerUnderEveryStrategy) {
  const std::string local = Note{.updated = kLater}.json();
  for (Strategy s : kAllStrategies) {
    SCOPED_TRACE(strategy_name(s));
    expect_resolution(resolve(s, kBase, local, kServerBody), Outcome::kSynced, kServerBody,
                      std::nullopt, {});
    expect_resolution(resolve(s, kBase, local, std::nullopt), Outcome::kSynced, std::nullopt,
                      std::nullopt, {});
  }
}

TEST(ResolveTest, EveryBookkeepingFieldIsIgnored) {
  for (std::string_view f : kBookkeepingFields) {
    SCOPED_TRACE(f);
    EXPECT_TRUE(is_bookkeeping_field(f));
    json::object local = parsed(kBase).as_object();
    local[f] = "changed on the device";
    json::object server = parsed(kBase).as_object();
    server[f] = "changed on the server";
    const Resolution r =
        resolve(Strategy::kManual, kBase, json::serialize(local), json::serialize(server));
    EXPECT_EQ(r.outcome, Outcome::kSynced) << r.reason;
  }
  EXPECT_FALSE(is_bookkeeping_field("body"));
  EXPECT_FALSE(is_bookkeeping_field("isReading"));
}

// --- One side's changes already contained in the other's. ---------------------------------

TEST(ResolveTest, ServerAlreadyHoldingTheLocalChangeIsSyncedUnderEveryStrategy) {
  // Both wrote the same body; only the server also set saveToQR: taking the server's version
  // loses nothing, so no strategy (not even client wins) undoes saveToQR.
  const std::string local = Note{.body = "Same words", .updated = kLater}.json();
  const std::string server =
      Note{.body = "Same words", .save_to_qr = true, .updated = kEarlier}.json();
  for (Strategy s : kAllStrategies) {
    SCOPED_TRACE(strategy_name(s));
    expect_resolution(resolve(s, kBase, local, server), Outcome::kSynced, server, std::nullopt, {});
  }
}

TEST(ResolveTest, LocalAlreadyHoldingTheServerChangeIsSyncedAndPushedUnderEveryStrategy) {
  const std::string local =
      Note{.body = "Same words", .save_to_qr = true, .updated = kEarlier}.json();
  const std::string server = Note{.body = "Same words", .updated = kLater}.json();
  for (Strategy s : kAllStrategies) {
    SCOPED_TRACE(strategy_name(s));
    expect_resolution(resolve(s, kBase, local, server), Outcome::kSynced, local,
                      MutationType::kUpdate, {});
  }
}

// --- A record that never reached the server (no base). ------------------------------------

TEST(ResolveTest, NeverSyncedAndTheServerHoldsTheSameIsSyncedUnderEveryStrategy) {
  // The device's CREATE landed but its answer was lost: the pull brings the same note back
  // with the server's derived fields and normalised times.
  const std::string local = R"({"body":"Notes on the opening surah","ranges":["1:1-1:7"],)"
                            R"("saveToQR":false,"attachedEntities":[],)"
                            R"("clientCreatedAt":"2026-03-01T11:00:00+01:00"})";
  for (Strategy s : kAllStrategies) {
    SCOPED_TRACE(strategy_name(s));
    expect_resolution(resolve(s, std::nullopt, local, kBase), Outcome::kSynced, kBase, std::nullopt,
                      {});
  }
}

TEST(ResolveTest, NeverSyncedWithADifferentServerVersion) {
  const std::string local = Note{.body = "Written on the phone", .updated = kLater}.json();
  const std::string server = Note{.body = "Written on the tablet", .updated = kEarlier}.json();
  expect_resolution(resolve(Strategy::kServerWins, std::nullopt, local, server), Outcome::kMerged,
                    server, std::nullopt, {"body"});
  // The server holds the record, so the push is an UPDATE (a READING_SESSION CREATE would start
  // a second session).
  expect_resolution(resolve(Strategy::kClientWins, std::nullopt, local, server), Outcome::kMerged,
                    local, MutationType::kUpdate, {"body"});
  expect_resolution(resolve(Strategy::kLastWriteWins, std::nullopt, local, server),
                    Outcome::kMerged, local, MutationType::kUpdate, {"body"});
  expect_resolution(resolve(Strategy::kFieldMerge, std::nullopt, local, server),
                    Outcome::kNeedsUser, local, std::nullopt, {"body"});
  expect_resolution(resolve(Strategy::kManual, std::nullopt, local, server), Outcome::kNeedsUser,
                    local, std::nullopt, {"body"});
}

TEST(ResolveTest, NeverSyncedFieldMergeUnitesFieldsOnlyOneSideHas) {
  const std::string local = R"({"name":"Reading list","colour":"green"})";
  const std::string server =
      R"({"name":"Reading list","slug":"reading-list","isPrivate":true,"icon":"book"})";
  expect_resolution(resolve(Strategy::kFieldMerge, std::nullopt, local, server), Outcome::kMerged,
                    R"({"name":"Reading list","colour":"green","icon":"book"})",
                    MutationType::kUpdate, {});
}

TEST(ResolveTest, NeverSyncedAndDeletedOnTheServer) {
  const std::string local = Note{.body = "Written on the phone", .updated = kLater}.json();
  const Fields all_fields{"attachedEntities", "body", "ranges", "saveToQR"};
  expect_resolution(resolve(Strategy::kServerWins, std::nullopt, local, std::nullopt),
                    Outcome::kMerged, std::nullopt, std::nullopt, all_fields);
  expect_resolution(resolve(Strategy::kClientWins, std::nullopt, local, std::nullopt),
                    Outcome::kMerged, local, MutationType::kCreate, all_fields);
  expect_resolution(resolve(Strategy::kLastWriteWins, std::nullopt, local, std::nullopt),
                    Outcome::kMerged, local, MutationType::kCreate, all_fields);
  expect_resolution(resolve(Strategy::kFieldMerge, std::nullopt, local, std::nullopt),
                    Outcome::kNeedsUser, local, std::nullopt, all_fields);
  expect_resolution(resolve(Strategy::kManual, std::nullopt, local, std::nullopt),
                    Outcome::kNeedsUser, local, std::nullopt, all_fields);
}

TEST(ResolveTest, NeverSyncedDeletedLocallyWhileTheServerHasIt) {
  // The CREATE landed, then the device deleted the note: the deletion is a change.
  expect_resolution(resolve(Strategy::kClientWins, std::nullopt, std::nullopt, kServerBody),
                    Outcome::kMerged, std::nullopt, MutationType::kDelete,
                    {"attachedEntities", "body", "ranges", "saveToQR"});
  expect_resolution(resolve(Strategy::kServerWins, std::nullopt, std::nullopt, kServerBody),
                    Outcome::kMerged, kServerBody, std::nullopt,
                    {"attachedEntities", "body", "ranges", "saveToQR"});
}

// --- Last write wins: normalised times. ---------------------------------------------------

std::string titled(std::string_view title, const json::value& updated) {
  json::object o;
  o["title"] = title;
  o["clientUpdatedAt"] = updated;
  return json::serialize(o);
}

const std::string kTitleBase = titled("base", "2026-03-01T00:00:00Z");

// Which side last write wins keeps, for two edits of the same field.
std::string lww_winner(const json::value& local_time, const json::value& server_time) {
  const Resolution r = resolve(Strategy::kLastWriteWins, kTitleBase, titled("local", local_time),
                               titled("server", server_time));
  EXPECT_EQ(r.outcome, Outcome::kMerged) << r.reason;
  EXPECT_EQ(r.push.has_value(), r.data && parsed(*r.data).at("title") == "local") << r.reason;
  return r.data ? std::string(parsed(*r.data).at("title").as_string()) : "deleted";
}

TEST(ResolveTest, LastWriteWinsComparesInstantsAcrossTheSpringDstChange) {
  // EU summer time starts 2026-03-29 at 01:00 UTC: 03:10+02:00 is 01:10 UTC, twenty minutes
  // before 01:30+00:00, though its wall clock reads later.
  EXPECT_EQ(lww_winner("2026-03-29T01:30:00+00:00", "2026-03-29T03:10:00+02:00"), "local");
  EXPECT_EQ(lww_winner("2026-03-29T03:10:00+02:00", "2026-03-29T01:30:00+00:00"), "server");
}

TEST(ResolveTest, LastWriteWinsComparesInstantsAcrossTheAutumnDstChange) {
  // 2026-10-25: the wall clock repeats 02:xx in Berlin; 02:10+01:00 (01:10Z) is after
  // 02:30+02:00 (00:30Z).
  EXPECT_EQ(lww_winner("2026-10-25T02:30:00+02:00", "2026-10-25T02:10:00+01:00"), "server");
  EXPECT_EQ(lww_winner("2026-10-25T02:10:00+01:00", "2026-10-25T02:30:00+02:00"), "local");
}

TEST(ResolveTest, LastWriteWinsAcrossOffsetsAndEpochMilliseconds) {
  // 10:00-05:00 is 15:00Z, later than 14:59:59.999Z.
  EXPECT_EQ(lww_winner("2026-05-19T10:00:00-0500", "2026-05-19T14:59:59.999Z"), "local");
  EXPECT_EQ(lww_winner("2026-05-19T20:00:00+05", "2026-05-19T15:00:00.001Z"), "server");
  // Epoch ms against ISO text: 1779185730000 is 2026-05-19T10:15:30Z.
  EXPECT_EQ(lww_winner(json::value(1779185730001), "2026-05-19T12:15:30+02:00"), "local");
  EXPECT_EQ(lww_winner("2026-05-19T12:15:30.002+02:00", json::value(1779185730001)), "local");
  EXPECT_EQ(lww_winner(json::value(1.779185730001e12), json::value(1779185730000)), "local");
}

TEST(ResolveTest, LastWriteWinsTiesAndMissingTimesGoToTheServer) {
  // The same instant written in two offsets is a tie.
  EXPECT_EQ(lww_winner("2026-05-19T12:15:30+02:00", "2026-05-19T10:15:30Z"), "server");
  EXPECT_EQ(lww_winner(json::value(1779185730000), "2026-05-19T10:15:30.000Z"), "server");
  // A missing or unreadable time loses to a present one; two missing ones tie.
  EXPECT_EQ(lww_winner(nullptr, "2026-05-19T10:15:30Z"), "server");
  EXPECT_EQ(lww_winner("2026-05-19T10:15:30Z", nullptr), "local");
  EXPECT_EQ(lww_winner("yesterday", "2020-01-01T00:00:00Z"), "server");
  EXPECT_EQ(lww_winner("2020-01-01T00:00:00Z", "2026-05-19T10:15:30"), "local");  // no offset
  EXPECT_EQ(lww_winner(json::value(1.5), json::value(0)), "server");              // fractional
  EXPECT_EQ(lww_winner(nullptr, nullptr), "server");
}

TEST(ResolveTest, LastWriteWinsReasonNamesBothNormalisedTimes) {
  const Resolution r =
      resolve(Strategy::kLastWriteWins, kTitleBase, titled("local", "2026-03-29T01:30:00+00:00"),
              titled("server", "2026-03-29T03:10:00+02:00"));
  EXPECT_NE(r.reason.find("2026-03-29T01:30:00.000Z"), std::string::npos) << r.reason;
  EXPECT_NE(r.reason.find("2026-03-29T01:10:00.000Z"), std::string::npos) << r.reason;
}

TEST(ResolveTest, ClientUpdatedAtMs) {
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":"2026-03-29T03:10:00+02:00"})"),
            1774746600000);
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":1774746600000})"), 1774746600000);
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":1.7747466e12})"), 1774746600000);
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":-1000})"), -1000);
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":1.5})"), std::nullopt);
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":253402300800000})"), std::nullopt);
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":18446744073709551615})"), std::nullopt);
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":"2026-02-30T00:00:00Z"})"), std::nullopt);
  EXPECT_EQ(client_updated_at_ms(R"({"clientUpdatedAt":true})"), std::nullopt);
  EXPECT_EQ(client_updated_at_ms(R"({"clientCreatedAt":"2026-03-29T00:00:00Z"})"), std::nullopt);
  EXPECT_EQ(client_updated_at_ms("[]"), std::nullopt);
  EXPECT_EQ(client_updated_at_ms("not json"), std::nullopt);
}

// --- How fields are compared. -------------------------------------------------------------

TEST(ResolveTest, KeyOrderAndNumberSpellingAreNotChanges) {
  const std::string base = R"({"key":2,"verseNumber":255,"mushaf":{"id":4,"lines":15}})";
  const std::string local = R"({"mushaf":{"lines":15.0,"id":4},"verseNumber":255,"key":2.0})";
  const std::string server = R"({"key":2,"verseNumber":256,"mushaf":{"id":4,"lines":15}})";
  // Only the server really changed it.
  const Resolution r = resolve(Strategy::kManual, base, local, server);
  expect_resolution(r, Outcome::kSynced, server, std::nullopt, {});
}

TEST(ResolveTest, NullAndAbsentAreDifferentValues) {
  const std::string base = R"({"key":2})";
  const std::string local = R"({"key":2,"isReading":null})";
  const std::string server = R"({"key":2,"isReading":true})";
  expect_resolution(resolve(Strategy::kFieldMerge, base, local, server), Outcome::kNeedsUser, local,
                    std::nullopt, {"isReading"});
}

TEST(ResolveTest, ANestedValueIsOneField) {
  const std::string base = R"({"ranges":["1:1-1:7","2:1-2:5"]})";
  const std::string local = R"({"ranges":["1:1-1:7","2:1-2:6"]})";
  const std::string server = R"({"ranges":["1:1-1:6","2:1-2:5"]})";
  expect_resolution(resolve(Strategy::kFieldMerge, base, local, server), Outcome::kNeedsUser, local,
                    std::nullopt, {"ranges"});
}

TEST(ResolveTest, AnUnreadableVersionNeedsTheUserAndKeepsLocalText) {
  for (Strategy s : kAllStrategies) {
    SCOPED_TRACE(strategy_name(s));
    expect_resolution(resolve(s, kBase, kLocalBody, "{not json"), Outcome::kNeedsUser, kLocalBody,
                      std::nullopt, {});
    expect_resolution(resolve(s, "[1]", kLocalBody, kServerBody), Outcome::kNeedsUser, kLocalBody,
                      std::nullopt, {});
    const Resolution r = resolve(s, kBase, "null", kServerBody);
    EXPECT_EQ(r.outcome, Outcome::kNeedsUser);
    EXPECT_EQ(r.data, std::optional<std::string>("null"));
    EXPECT_FALSE(r.push);
  }
}

TEST(ResolveTest, EveryResolutionHasAReasonAndNeedsUserNeverPushes) {
  const std::optional<std::string> versions[] = {std::nullopt, kBase, kLocalBody, kServerFlag,
                                                 kServerBody};
  for (Strategy s : kAllStrategies) {
    for (const auto& base : versions) {
      for (const auto& local : versions) {
        for (const auto& server : versions) {
          const Resolution r = resolve(s, base, local, server);
          EXPECT_FALSE(r.reason.empty());
          if (r.outcome == Outcome::kNeedsUser) {
            EXPECT_FALSE(r.push) << r.reason;
            EXPECT_EQ(r.data.has_value(), local.has_value()) << r.reason;
          }
          // What is pushed is what is kept: a DELETE exactly when the record is deleted.
          if (r.push) {
            EXPECT_EQ(*r.push == MutationType::kDelete, !r.data) << r.reason;
          }
          // A CREATE only over a server deletion.
          if (r.push == MutationType::kCreate) {
            EXPECT_FALSE(server) << r.reason;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace synclog::client
