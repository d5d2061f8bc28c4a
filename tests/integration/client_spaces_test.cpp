// The SDK in shared spaces, seen from the devices (docs/client.md, "Shared spaces"): several
// members, each with two device files, against the real server (SQLite, and PostgreSQL in the
// .postgres run), for each scenario of the inspection thread: a soft merge notified, a hard
// conflict resolved each of the three ways with the other devices converging, master data
// deleted while offline, a member removed while offline, a schema upgrade while offline, a
// lost answer and a crash between send and acknowledgement, checks at save time, the first
// pull of a space, and the pre-sync check after a long time offline.
#include "synclog/client/spaces.hpp"
#include "synclog/client/sync_engine.hpp"

#include "client/http_transport.hpp"
#include "faulty_transport.hpp"
#include "listening_device.hpp"
#include "space_helpers.hpp"
#include "temp_dir.hpp"

#include <boost/json.hpp>
#include "status_matchers.hpp"

#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <memory>
#include <string>
#include <vector>

namespace synclog::client {
namespace {

namespace json = boost::json;
using test::TempDir;
using test::spaces::batch;
using test::spaces::create;
using test::spaces::Mode;
using test::spaces::remove;
using test::spaces::SpaceTeamTest;

// One person's device: its file, engine and space store, and what the engine told it.
struct Phone {
  Phone(std::string path, std::string url, std::string token, SyncOptions options = fast())
      : path_(std::move(path)), url_(std::move(url)), token_(std::move(token)), options_(options) {
    open();
  }
  static SyncOptions fast() {
    SyncOptions o;
    o.backoff_base = std::chrono::milliseconds(5);
    o.backoff_cap = std::chrono::milliseconds(50);
    o.request_timeout = std::chrono::milliseconds(5000);
    return o;
  }
  // Opens the file again, as an app does after it was killed.
  void open() {
    engine.reset();
    spaces.reset();
    store.reset();
    auto s = LocalStore::open(path_);
    if (!s.ok()) throw std::runtime_error(s.error().message);
    store = std::move(*s);
    if (!store->set_server_url(url_).ok() || !store->set_token(token_).ok()) {
      throw std::runtime_error("cannot configure the device file");
    }
    spaces = std::make_unique<SpaceStore>(*store);
    engine = std::make_unique<SyncEngine>(*store, options_);
    engine->on_event([this](const SyncEvent& e) { events.push_back(e); });
  }
  SyncReport sync() {
    auto r = engine->sync();
    if (!r.ok()) throw std::runtime_error("sync: " + r.error().message);
    return *r;
  }
  std::string put(const std::string& type, const std::string& data, const std::string& id) {
    auto r = spaces->put("north", type, data, std::string_view(id));
    if (!r.ok()) throw std::runtime_error("put: " + r.error().message);
    return *r;
  }
  json::object record(const std::string& type, const std::string& id) {
    auto r = spaces->get("north", type, id);
    if (!r.ok() || !*r) return {};
    return json::parse((*r)->data).as_object();
  }
  std::vector<SyncEvent> events_of(const std::string& kind) const {
    std::vector<SyncEvent> out;
    for (const auto& e : events)
      if (e.kind == kind) out.push_back(e);
    return out;
  }
  // The space's records as the device shows them: type/id -> fields a person typed.
  std::map<std::string, std::string> snapshot(const std::string& space = "north") {
    std::map<std::string, std::string> out;
    for (const char* type : {"site", "asset", "checklistTemplate", "inspection", "finding"}) {
      auto list = spaces->list(space, type);
      if (!list.ok()) continue;
      for (const auto& r : *list) {
        auto o = json::parse(r.data).as_object();
        for (const char* meta : {"clientCreatedAt", "clientUpdatedAt", "updatedBy"}) o.erase(meta);
        out[std::string(type) + "/" + r.id] = json::serialize(o);
      }
    }
    return out;
  }

  std::string path_, url_, token_;
  SyncOptions options_;
  std::unique_ptr<LocalStore> store;
  std::unique_ptr<SpaceStore> spaces;
  std::unique_ptr<SyncEngine> engine;
  std::vector<SyncEvent> events;
};

class ClientSpacesTest : public SpaceTeamTest {
 protected:
  std::unique_ptr<Phone> phone(const std::string& person, const std::string& name,
                               SyncOptions options = Phone::fast()) {
    return std::make_unique<Phone>(dir_.file(person + "-" + name + ".db"),
                                   "http://127.0.0.1:" + std::to_string(server_.port()),
                                   server_.token(person), options);
  }
  // The server's record, as a member pulls it.
  json::object server_record(const std::string& type, const std::string& id) {
    const auto v = owner_.record(kSpace, type, id);
    return v.is_object() ? v.as_object() : json::object();
  }
  // Syncs every phone until none has anything left to do (twice round is enough: the last
  // one to push has then pulled everything and the others pull its push).
  static void settle(std::initializer_list<Phone*> phones) {
    for (int round = 0; round < 2; ++round)
      for (auto* p : phones) p->sync();
  }

  TempDir dir_;
};

TEST_F(ClientSpacesTest, AFirstSyncBringsTheSpaceMasterDataFirstWithProgress) {
  auto phone = this->phone("bob", "phone");
  std::vector<SyncProgress> seen;
  phone->engine->on_progress([&](const SyncProgress& p) {
    if (p.space == "north") seen.push_back(p);
  });
  const auto report = phone->sync();
  EXPECT_EQ(report.spaces, 1);
  ASSERT_EQ(phone->events_of("space-added").size(), 1u);
  auto spaces = phone->spaces->spaces();
  ASSERT_OK(spaces);
  ASSERT_EQ(spaces->size(), 1u);
  EXPECT_EQ((*spaces)[0].role, "member");
  EXPECT_GT((*spaces)[0].cursor, 0);
  EXPECT_EQ(phone->record("site", "s1").at("name"), "Meridian Primary School");
  EXPECT_EQ(phone->record("inspection", "i1").at("notes"), "start");
  // Two phases (master data, then the rest), each reporting what it pulled.
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen.front().pulled, 4);  // s1, s2, a1, t1: the master data alone
  EXPECT_EQ(seen.back().pulled, 5);
  EXPECT_EQ(seen.back().total, 5);
  EXPECT_TRUE(seen.front().first_pull);
  // The device fetched the space's schema to check edits against.
  auto doc = phone->spaces->schema_document("inspections");
  ASSERT_OK(doc);
  ASSERT_TRUE(doc->has_value());
  EXPECT_NE((*doc)->find("\"inspection\""), std::string::npos);
  // Later pulls are no first pull.
  seen.clear();
  lead_.push_at_head(kSpace, batch({create("site", "s3", test::spaces::site_data("New", "NEW-3"))}));
  phone->sync();
  ASSERT_FALSE(seen.empty());
  EXPECT_FALSE(seen.back().first_pull);
}

TEST_F(ClientSpacesTest, EditsAreCheckedWhenSavedWithAMessageNamingTheField) {
  auto bob = phone("bob", "phone");
  auto vic = phone("vic", "phone");
  bob->sync();
  vic->sync();
  auto bad_field = bob->spaces->put("north", "inspection", R"({"site":"s1","colour":"red"})");
  ASSERT_FALSE(bad_field.ok());
  EXPECT_EQ(bad_field.error().code, ErrorCode::kValidation);
  EXPECT_NE(bad_field.error().message.find("colour"), std::string::npos) << bad_field.error().message;
  auto bad_enum = bob->spaces->put("north", "inspection", R"({"site":"s1","status":"done"})");
  ASSERT_FALSE(bad_enum.ok());
  EXPECT_NE(bad_enum.error().message.find("status"), std::string::npos) << bad_enum.error().message;
  auto no_site = bob->spaces->put("north", "inspection", R"({"site":"s404"})");
  ASSERT_FALSE(no_site.ok());
  EXPECT_EQ(no_site.error().code, ErrorCode::kValidation);
  EXPECT_NE(no_site.error().message.find("site"), std::string::npos);
  auto missing = bob->spaces->put("north", "inspection", R"({"notes":"no site"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("Missing site"), std::string::npos) << missing.error().message;
  auto master = bob->spaces->put("north", "site", test::spaces::site_data("Mine", "X-1"));
  ASSERT_FALSE(master.ok());
  EXPECT_EQ(master.error().code, ErrorCode::kForbidden);
  auto viewer = vic->spaces->put("north", "inspection", R"({"site":"s1"})");
  ASSERT_FALSE(viewer.ok());
  EXPECT_EQ(viewer.error().code, ErrorCode::kForbidden);
  // A site created on the device earlier in the queue resolves, as the server will see it.
  auto lee = phone("lee", "laptop");
  lee->sync();
  ASSERT_OK(lee->spaces->put("north", "site", test::spaces::site_data("New", "NEW-1"), std::string_view("s9")));
  ASSERT_OK(lee->spaces->put("north", "inspection", R"({"site":"s9"})", std::string_view("i9")));
  auto queued = lee->spaces->space("north");
  ASSERT_OK(queued);
  EXPECT_EQ((*queued)->pending, 2);
  EXPECT_EQ(bob->spaces->space("north").value()->pending, 0);  // nothing refused was queued
  lee->sync();
  EXPECT_EQ(server_record("inspection", "i9").at("site"), "s9");
}

TEST_F(ClientSpacesTest, TheSamePersonsTwoDevicesAreMergedWithANotificationNotAConflict) {
  auto phone = this->phone("bob", "phone");
  auto tablet = this->phone("bob", "tablet");
  settle({phone.get(), tablet.get()});
  // Both offline: the same field on both, a field of its own on one.
  // Capture times as the app recorded them (saved within the same millisecond, the server
  // would keep its own side, as it does on a tie).
  phone->put("inspection",
             R"({"status":"in_progress","inspector":"Bob","clientUpdatedAt":"2026-12-07T09:00:00Z"})",
             "i1");
  tablet->put("inspection", R"({"status":"submitted","clientUpdatedAt":"2026-12-07T09:05:00Z"})",
              "i1");
  phone->sync();
  tablet->sync();
  const auto merged = tablet->events_of("softMerged");
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].outcome, Outcome::kMerged);
  EXPECT_EQ(merged[0].id, "i1");
  EXPECT_EQ(merged[0].fields, std::vector<std::string>{"status"});
  EXPECT_TRUE(tablet->events_of("conflict").empty());
  EXPECT_TRUE(tablet->spaces->conflicts().value().empty());
  settle({phone.get(), tablet.get()});
  EXPECT_EQ(phone->snapshot(), tablet->snapshot());
  EXPECT_EQ(server_record("inspection", "i1").at("status"), "submitted");  // the later capture
  EXPECT_EQ(server_record("inspection", "i1").at("inspector"), "Bob");
}

struct ResolutionCase {
  SpaceResolution::Kind kind;
  std::string expected_notes;
};

class ClientSpacesResolutionTest : public ClientSpacesTest,
                                   public ::testing::WithParamInterface<ResolutionCase> {};

TEST_P(ClientSpacesResolutionTest, AHardConflictIsResolvedOnOneDeviceAndEveryDeviceConverges) {
  auto bob = phone("bob", "phone");
  auto dana = phone("dana", "tablet");
  auto dana_phone = phone("dana", "phone");
  settle({bob.get(), dana.get(), dana_phone.get()});
  // Offline: both change the notes, and each a field of their own.
  bob->put("inspection", R"({"notes":"valve leaking","result":"fail"})", "i1");
  dana->put("inspection", R"({"notes":"all fine","inspector":"Dana"})", "i1");
  bob->sync();
  dana->sync();
  const auto conflicts = dana->events_of("conflict");
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].outcome, Outcome::kNeedsUser);
  EXPECT_EQ(conflicts[0].fields, std::vector<std::string>{"notes"});
  auto open = dana->spaces->conflicts();
  ASSERT_OK(open);
  ASSERT_EQ(open->size(), 1u);
  const SpaceConflict& c = (*open)[0];
  ASSERT_EQ(c.clashes.size(), 1u);
  EXPECT_EQ(c.clashes[0].field, "notes");
  EXPECT_EQ(c.clashes[0].server.value, "\"valve leaking\"");
  EXPECT_EQ(c.clashes[0].server.by, "bob");
  EXPECT_FALSE(c.clashes[0].server.at.empty());
  EXPECT_EQ(c.clashes[0].local.value, "\"all fine\"");
  EXPECT_FALSE(c.clashes[0].local.captured_at.empty());
  EXPECT_EQ(c.clashes[0].base, "\"start\"");
  // Until she answers, her device shows her side over the server's (and bob's other field).
  EXPECT_EQ(dana->record("inspection", "i1").at("notes"), "all fine");
  EXPECT_EQ(dana->record("inspection", "i1").at("result"), "fail");

  SpaceResolution answer;
  answer.kind = GetParam().kind;
  if (answer.kind == SpaceResolution::Kind::kManual) answer.fields["notes"] = "\"valve leaking, fixed\"";
  auto same = dana->spaces->conflict(c.seq);
  ASSERT_OK(same);
  ASSERT_TRUE(same->has_value());
  EXPECT_EQ((*same)->id, "i1");
  ASSERT_OK(dana->spaces->resolve(c.seq, answer));
  EXPECT_EQ(dana->spaces->resolve(c.seq, answer).error().code, ErrorCode::kPreconditionFailed);
  settle({dana.get(), bob.get(), dana_phone.get()});
  const auto server = server_record("inspection", "i1");
  EXPECT_EQ(server.at("notes"), GetParam().expected_notes.c_str());
  EXPECT_EQ(server.at("result"), "fail");       // bob's own field
  EXPECT_EQ(server.at("inspector"), "Dana");    // hers, never part of the clash
  EXPECT_EQ(bob->snapshot(), dana->snapshot());
  EXPECT_EQ(dana_phone->snapshot(), dana->snapshot());
  EXPECT_TRUE(dana->spaces->conflicts().value().empty());
  EXPECT_TRUE(dana_phone->events_of("conflict").empty());
}

INSTANTIATE_TEST_SUITE_P(
    EachChoice, ClientSpacesResolutionTest,
    ::testing::Values(ResolutionCase{SpaceResolution::Kind::kAcceptServer, "valve leaking"},
                      ResolutionCase{SpaceResolution::Kind::kKeepLocal, "all fine"},
                      ResolutionCase{SpaceResolution::Kind::kManual, "valve leaking, fixed"}),
    [](const auto& tested) {
      switch (tested.param.kind) {
        case SpaceResolution::Kind::kAcceptServer: return std::string("AcceptServer");
        case SpaceResolution::Kind::kKeepLocal: return std::string("KeepLocal");
        default: return std::string("Manual");
      }
    });

TEST_F(ClientSpacesTest, AnInspectionOfASiteDeletedWhileOfflineIsRejectedAndItsDataKept) {
  auto bob = phone("bob", "phone");
  bob->sync();
  bob->put("inspection", R"({"site":"s2","notes":"roof ok"})", "i7");
  bob->put("inspection", R"({"notes":"checked twice"})", "i1");
  lead_.push_at_head(kSpace, batch({remove("site", "s2")}));
  bob->sync();
  const auto rejected = bob->events_of("rejected");
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].id, "i7");
  EXPECT_EQ(rejected[0].outcome, Outcome::kNeedsUser);
  auto list = bob->spaces->rejections();
  ASSERT_OK(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].reason, "reference");
  EXPECT_EQ((*list)[0].field, "site");
  EXPECT_NE((*list)[0].fields.find("roof ok"), std::string::npos);
  EXPECT_NE((*list)[0].advice.find("choose another"), std::string::npos);
  // The refused record stays on the device, as typed; the other edit went through.
  auto kept = bob->spaces->get("north", "inspection", "i7");
  ASSERT_OK(kept);
  ASSERT_TRUE(kept->has_value());
  EXPECT_TRUE((*kept)->rejected);
  EXPECT_EQ(server_record("inspection", "i1").at("notes"), "checked twice");
  EXPECT_TRUE(bob->record("site", "s2").empty());
  // Fixed (another site) and saved again, it syncs.
  bob->put("inspection", R"({"site":"s1"})", "i7");
  bob->sync();
  EXPECT_EQ(server_record("inspection", "i7").at("notes"), "roof ok");
  EXPECT_FALSE(bob->spaces->get("north", "inspection", "i7").value().value().rejected);
  ASSERT_OK(bob->spaces->dismiss_rejection((*list)[0].seq));
  EXPECT_TRUE(bob->spaces->rejections().value().empty());
}

TEST_F(ClientSpacesTest, AMemberRemovedWhileOfflineLosesTheSpaceButNotTheirEdits) {
  auto bob = phone("bob", "phone");
  bob->sync();
  bob->put("inspection", R"({"site":"s1","notes":"written in the basement"})", "i8");
  bob->put("inspection", R"({"notes":"changed offline"})", "i1");
  const auto removed = owner_.remove_member(kSpace, "bob");
  ASSERT_EQ(removed.status, 200) << removed.body;
  bob->sync();
  EXPECT_TRUE(bob->spaces->spaces().value().empty());
  EXPECT_TRUE(bob->spaces->list("north", "site").value().empty());
  const auto gone = bob->events_of("space-removed");
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].outcome, Outcome::kNeedsUser);
  auto q = bob->spaces->quarantine();
  ASSERT_OK(q);
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ((*q)[0].id, "i8");
  EXPECT_EQ((*q)[0].space_name, "North team");
  auto exported = bob->spaces->export_quarantine();
  ASSERT_OK(exported);
  const auto arr = json::parse(*exported).as_array();
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(arr[0].at("data").at("notes"), "written in the basement");
  EXPECT_EQ(arr[1].at("data").at("notes"), "changed offline");
  // Nothing of it reached the space.
  EXPECT_TRUE(server_record("inspection", "i8").empty());
  EXPECT_EQ(server_record("inspection", "i1").at("notes"), "start");
  ASSERT_OK(bob->spaces->discard_quarantined((*q)[0].seq));
  EXPECT_EQ(bob->spaces->quarantine().value().size(), 1u);
}

TEST_F(ClientSpacesTest, AMemberRemovedWithAPushInFlightKeepsItInQuarantine) {
  auto bob = phone("bob", "phone");
  bob->sync();
  bob->put("inspection", R"({"notes":"in flight"})", "i1");
  // The push leaves, the answer never arrives; meanwhile bob is removed.
  auto inner = make_http_transport("http://127.0.0.1:" + std::to_string(server_.port()), {});
  ASSERT_TRUE(inner.ok());
  auto faulty = std::make_shared<test::FaultyTransport>(std::shared_ptr<Transport>(std::move(*inner)));
  SyncOptions o = Phone::fast();
  o.transport = faulty;
  o.max_attempts = 1;
  SyncEngine engine(*bob->store, o);
  // Requests: /v1/sync pull, the feed, the space's pull, then the push.
  faulty->lose_answer(4);
  EXPECT_FALSE(engine.sync().ok());
  ASSERT_TRUE(faulty->fired());
  ASSERT_EQ(owner_.remove_member(kSpace, "bob").status, 200);
  bob->sync();
  auto q = bob->spaces->quarantine();
  ASSERT_OK(q);
  ASSERT_EQ(q->size(), 1u);
  EXPECT_NE((*q)[0].fields.find("in flight"), std::string::npos);
}

TEST_F(ClientSpacesTest, ASchemaUpgradeWhileOfflineAsksForTheAppUpdateAndKeepsTheQueue) {
  auto bob = phone("bob", "phone");
  ASSERT_OK(bob->spaces->set_app_schema(test::spaces::read_text(test::spaces::schema_v1_path())));
  bob->sync();
  bob->put("inspection", R"({"notes":"v1 app"})", "i1");
  // v2 keeps v1 devices in its window: they go on syncing, upgraded by the server.
  const std::string v2 = test::spaces::schema_v2_text();
  auto admin = server_.client();
  const test::Headers ops = {{"x-auth-token", server_.token("ops", "sync admin")}};
  ASSERT_EQ(admin.post("/v1/schemas", v2, ops).status, 201);
  bob->sync();
  EXPECT_EQ(server_record("inspection", "i1").at("notes"), "v1 app");
  // v3 moves minVersion past v1: the v1 app must be updated; its edits wait.
  json::object v3 = json::parse(v2).as_object();
  v3["version"] = 3;
  v3["minVersion"] = 3;
  const std::string v3_text = json::serialize(v3);
  ASSERT_EQ(admin.post("/v1/schemas", v3_text, ops).status, 201);
  bob->put("inspection", R"({"notes":"still v1"})", "i1");
  const auto report = bob->sync();
  EXPECT_EQ(report.update_required, 1);
  const auto update = bob->events_of("update-required");
  ASSERT_EQ(update.size(), 1u);
  EXPECT_EQ(update[0].outcome, Outcome::kNeedsUser);
  auto info = bob->spaces->space("north");
  ASSERT_OK(info);
  EXPECT_EQ((*info)->update_required, 3);
  EXPECT_EQ((*info)->pending, 1);
  EXPECT_EQ(server_record("inspection", "i1").at("notes"), "v1 app");
  // The app is updated: the queue goes out.
  ASSERT_OK(bob->spaces->set_app_schema(v3_text));
  bob->sync();
  EXPECT_EQ(server_record("inspection", "i1").at("notes"), "still v1");
  EXPECT_EQ(bob->spaces->space("north").value()->update_required, 0);
}

TEST_F(ClientSpacesTest, ALostAnswerAndACrashBeforeTheAckApplyAnEditExactlyOnce) {
  auto bob = phone("bob", "phone");
  bob->sync();
  auto inner = make_http_transport("http://127.0.0.1:" + std::to_string(server_.port()), {});
  ASSERT_TRUE(inner.ok());
  auto faulty = std::make_shared<test::FaultyTransport>(std::shared_ptr<Transport>(std::move(*inner)));
  SyncOptions o = Phone::fast();
  o.transport = faulty;
  o.max_attempts = 1;
  // A finding created and its answer lost; the app is killed before it hears anything.
  bob->put("finding", R"({"inspection":"i1","severity":"high","description":"crack"})", "f1");
  {
    SyncEngine engine(*bob->store, o);
    faulty->reset();
    faulty->lose_answer(4);
    EXPECT_FALSE(engine.sync().ok());
    ASSERT_TRUE(faulty->fired());
  }
  const std::int64_t head = owner_.head(kSpace);
  bob->open();  // the app starts again
  EXPECT_EQ(bob->spaces->space("north").value()->pending, 1);
  bob->sync();
  // The same request went again under its key: the server answered it without applying it
  // twice (its head did not move for it), and the device settled it.
  EXPECT_EQ(owner_.head(kSpace), head);
  EXPECT_EQ(bob->spaces->space("north").value()->pending, 0);
  EXPECT_EQ(server_record("finding", "f1").at("description"), "crack");
  EXPECT_FALSE(bob->spaces->get("north", "finding", "f1").value().value().pending);
}

TEST_F(ClientSpacesTest, AfterLongOfflineAPreSyncCheckReportsWhatWouldFailBeforeSending) {
  ManualClock clock(SystemClock().now_ms());
  SyncOptions o = Phone::fast();
  o.clock = &clock;
  o.presync_after = std::chrono::hours(1);
  auto bob = phone("bob", "phone", o);
  bob->sync();
  bob->put("inspection", R"({"site":"s2","notes":"a week offline"})", "i5");
  lead_.push_at_head(kSpace, batch({remove("site", "s2")}));
  clock.advance(8 * 24 * 3600 * 1000LL);
  std::vector<SyncEvent> asked;
  bob->engine->set_presync_check([&](const std::vector<SyncEvent>& problems) {
    asked = problems;
    return false;  // the person reviews first
  });
  bob->sync();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].kind, "presync");
  EXPECT_EQ(asked[0].id, "i5");
  EXPECT_EQ(asked[0].fields, std::vector<std::string>{"site"});
  EXPECT_EQ(bob->spaces->space("north").value()->pending, 1);  // nothing was sent
  EXPECT_TRUE(server_record("inspection", "i5").empty());
}

TEST_F(ClientSpacesTest, AListeningMemberHearsAnotherMembersEditWithoutPolling) {
  auto bob = phone("bob", "phone");
  auto dana = phone("dana", "tablet");
  settle({bob.get(), dana.get()});
  ListenOptions options;
  options.reconnect_delay = std::chrono::milliseconds(100);
  Listener listening(*dana->engine, options);
  // What dana's app shows, read through its own handle on the file (the engine is the
  // listener thread's).
  auto reader = LocalStore::open(dana->path_);
  ASSERT_TRUE(reader.ok());
  SpaceStore shown(**reader);
  auto notes_shown = [&]() -> std::string {
    auto r = shown.get("north", "inspection", "i1");
    if (!r.ok() || !*r) return {};
    const auto o = json::parse((*r)->data).as_object();
    const auto* n = o.if_contains("notes");
    return n && n->is_string() ? std::string(n->as_string()) : std::string();
  };
  auto wait_for_notes = [&](const std::string& want) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < until) {
      if (notes_shown() == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  // Opening the spaces' stream costs one sync (its events cannot be resumed): once it ran,
  // both streams are open.
  ASSERT_TRUE(listening.wait_for_cursor(0));
  bob->put("inspection", R"({"notes":"heard at once"})", "i1");
  bob->sync();
  EXPECT_TRUE(wait_for_notes("heard at once")) << notes_shown();
  // A space the person is added to while listening is followed too.
  owner_.create_space_ok("south", "South team");
  owner_.add_member_ok("south", "dana", "member");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  bool followed = false;
  while (!followed && std::chrono::steady_clock::now() < until) {
    auto info = shown.space("south");
    followed = info.ok() && info->has_value() && (*info)->cursor > 0;
    if (!followed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(followed);
  ASSERT_OK(listening.stop());
  EXPECT_TRUE(listening.failures().empty());
}

}  // namespace
}  // namespace synclog::client
