// The sync engine cut at every point of a shared space's sync, not at a few chosen ones
// (docs/client.md, "Shared spaces" and "Testing the engine"). The worked inspections schema, a
// space per run with its owner (alice, on a laptop), a lead (lee, over HTTP, as a back office
// would) and two members, bob on his phone and dana on her tablet, each device a LocalStore file
// with its SyncEngine and SpaceStore. After everyone's first sync, offline: bob creates an
// inspection at a site and a finding of that inspection (dependent creates in one batch), a second
// inspection at a site the lead then deletes (a rejection), and edits two fields of an existing
// inspection, one of which dana edits too (a hard conflict for bob, who syncs second). Dana syncs.
// Then bob's sync is run once clean, counting its requests (K) and local commits (C), and again,
// on a fresh space and fresh people each time, with exactly one fault: the Nth request failing
// before it reaches the server, the Nth answer lost after the server applied the request (each
// both with the engine retrying within the sync and with the app giving up and restarting), and
// the Nth local commit failing (the app restarted on its file). After each, every device syncs
// without faults until quiet, settling any conflict the same way (keep the device's side), and:
//  - every device holds exactly the space's records as the server has them (a full pull through
//    the transport), bob's refused inspection aside, which stays on his phone marked rejected;
//  - every field bob typed is on the server, or in his rejections (nothing lost), and the
//    server has nothing else: no record twice, none that nobody made;
//  - the conflict is in bob's conflict log exactly once, and the app heard each outcome
//    (applied, conflict, rejected) exactly as often as in the clean run;
//  - the server did exactly what the clean run made it do: synclog_space_pushes_total and
//    synclog_conflict_outcomes_total (per type, outcome and reason: applied, conflict, rejected
//    for a reference) moved as much as in the clean run, the space's log holds the clean run's
//    entries, one per applied mutation, and the records, capture times included, are the clean
//    run's (the clocks are manual). Ids are client-chosen, so a batch applied twice is an
//    upsert, not a second record: the counters and the log are what catch it.
// The server is the real App and store, in-process (in_process_server.hpp): every cut point lands
// in the same place each run. On PostgreSQL in the ".postgres" run, like every integration test.
#include "synclog/client/local_store.hpp"
#include "synclog/client/spaces.hpp"
#include "synclog/client/sync_engine.hpp"

#include "fault_loop.hpp"
#include "faulty_transport.hpp"
#include "in_process_server.hpp"
#include "space_helpers.hpp"
#include "temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace synclog::client {
namespace {

namespace json = boost::json;
using test::CommitFaults;
using test::FaultyTransport;
using test::InProcessServer;
using test::fault_loop::Cut;
using test::fault_loop::CutSync;
using test::fault_loop::Device;
using test::fault_loop::Fault;
using test::fault_loop::kDevicesStartMs;
using test::fault_loop::kServerMs;
namespace spaces = test::spaces;

// The schema's types, master data first.
constexpr const char* kTypes[] = {"site", "asset", "checklistTemplate", "inspection", "finding"};

// "type/id" -> the record's data.
using State = std::map<std::string, json::value>;

// One edit as a person typed it.
struct Typed {
  std::string type;
  std::string id;
  std::string fields;  // JSON object
};

// Bob's offline edits, in the order he makes them. i-gone's site is deleted meanwhile; the two
// edits of i1 are one UPDATE on the device (squashed), and its notes clash with dana's.
const std::vector<Typed>& bob_edits() {
  static const std::vector<Typed> kEdits = {
      {"inspection", "i-bob",
       R"({"site":"s1","asset":"a1","status":"in_progress","inspector":"Bob","notes":"boiler room"})"},
      {"finding", "f-bob",
       R"({"inspection":"i-bob","asset":"a1","severity":"high","description":"crack in the flue"})"},
      {"inspection", "i-gone", R"({"site":"s2","notes":"roof ok"})"},
      {"inspection", "i1", R"({"notes":"valve leaking"})"},
      {"inspection", "i1", R"({"result":"fail"})"},
  };
  return kEdits;
}

// Dana's: the notes bob changes too, and a field of her own.
const Typed kDanaEdit{"inspection", "i1", R"({"notes":"all fine","inspector":"Dana"})"};

// Every record the space ends with, and the fields someone typed in it: the master data the lead
// loaded (s2 deleted), alice's i1 with bob's fields over dana's clashing one (bob keeps his side)
// and her own, and bob's new records. i-gone is not there: the server refused it.
const std::map<std::string, std::string>& expected_records() {
  static const std::map<std::string, std::string> kExpected = {
      {"site/s1", spaces::site_data("Meridian Primary School", "MAN-0001")},
      {"asset/a1", R"({"site":"s1","tag":"BLR-0001","category":"boiler"})"},
      {"checklistTemplate/t1",
       R"({"name":"Boiler weekly walkthrough","category":"boiler","items":["Check gauge"]})"},
      {"inspection/i1",
       R"({"site":"s1","status":"draft","notes":"valve leaking","result":"fail","inspector":"Dana"})"},
      {"inspection/i-bob", bob_edits()[0].fields},
      {"finding/f-bob", bob_edits()[1].fields},
  };
  return kExpected;
}

// A record's fields of `typed` (a JSON object) that `data` does not hold as typed, as text.
std::string missing_fields(const json::value& data, const std::string& typed) {
  std::string out;
  const json::value wanted = json::parse(typed);
  for (const auto& [field, value] : wanted.as_object()) {
    const auto* got = data.is_object() ? data.as_object().if_contains(field) : nullptr;
    if (got && *got == value) continue;
    out += " " + std::string(field) + "=" + (got ? json::serialize(*got) : "absent") + " (typed " +
           json::serialize(value) + ")";
  }
  return out;
}

// The server's records of a space, as a member's full pull from 0 through `transport` shows them
// (following hasMore). `repeated` gets each record a pull listed more than once: a capped pull
// lists a record once, at its latest entry, so a second entry is a duplicate.
State server_state(Transport& transport, const std::string& space, const std::string& token,
                   std::vector<std::string>& repeated) {
  State out;
  std::map<std::string, int> seen;
  std::int64_t since = 0;
  for (;;) {
    HttpRequest req;
    req.method = "GET";
    req.target = "/v1/spaces/" + space + "/sync?mutationsSince=" + std::to_string(since);
    req.headers = {{"x-auth-token", token}, {"x-client-id", "checker"}};
    auto r = transport.send(req);
    if (!r.ok() || r->status != 200) {
      throw std::runtime_error(
          "the checker's pull failed: " +
          (r.ok() ? std::to_string(r->status) + " " + r->body : r.error().message));
    }
    const json::object page = json::parse(r->body).at("data").as_object();
    for (const auto& m : page.at("mutations").as_array()) {
      const std::string key = std::string(m.at("resource").as_string()) + "/" +
                              std::string(m.at("resourceId").as_string());
      if (++seen[key] == 2) repeated.push_back(key);
      if (m.at("type") == "DELETE") {
        out.erase(key);
      } else {
        out[key] = m.at("data");
      }
    }
    const std::int64_t head = page.at("lastMutationAt").to_number<std::int64_t>();
    if (!page.at("hasMore").as_bool() || head == since) return out;
    since = head;
  }
}

// Every entry of the space's log, superseded ones included (a paged pull lists them all), as
// "TYPE type/id data" lines in log order, people named as in the scenario (`suffix` stripped
// from updatedBy): each mutation the server applied, once. A batch applied twice, or an edit
// pushed again under another key, leaves more lines than the clean run.
std::vector<std::string> space_log(Transport& transport, const std::string& space,
                                   const std::string& token, const std::string& suffix) {
  std::vector<std::string> out;
  for (int page = 1;; ++page) {
    HttpRequest req;
    req.method = "GET";
    req.target =
        "/v1/spaces/" + space + "/sync?mutationsSince=0&limit=1000&page=" + std::to_string(page);
    req.headers = {{"x-auth-token", token}, {"x-client-id", "checker"}};
    auto r = transport.send(req);
    if (!r.ok() || r->status != 200) throw std::runtime_error("the checker's paged pull failed");
    const json::value answer = json::parse(r->body);
    const json::object& data = answer.at("data").as_object();
    for (const auto& m : data.at("mutations").as_array()) {
      json::value fields = m.at("data");
      if (auto* o = fields.if_object()) {
        if (auto* by = o->if_contains("updatedBy"); by && by->is_string()) {
          std::string name(by->as_string());
          if (name.ends_with(suffix))
            *by = json::string(name.substr(0, name.size() - suffix.size()));
        }
      }
      out.push_back(std::string(m.at("type").as_string()) + " " +
                    std::string(m.at("resource").as_string()) + "/" +
                    std::string(m.at("resourceId").as_string()) + " " + json::serialize(fields));
    }
    if (!data.at("hasMore").as_bool()) return out;
  }
}

// A device's records of the space; its refused new records, which stay on the device marked
// rejected and which the server never had, go to `rejected` instead.
State device_state(Device& d, const std::string& space, State* rejected = nullptr) {
  State out;
  for (const char* type : kTypes) {
    auto records = d.spaces->list(space, type);
    if (!records.ok()) throw std::runtime_error(records.error().message);
    for (const auto& rec : *records) {
      const std::string key = std::string(type) + "/" + rec.id;
      if (rec.rejected && rejected) {
        (*rejected)[key] = json::parse(rec.data);
      } else {
        out[key] = json::parse(rec.data);
      }
    }
  }
  return out;
}

// `state` with this run's names of people ("bob-7") as the scenario's ("bob"): the rest of a run,
// capture times included, is the same run after run.
State with_people_named(State state, const std::string& suffix) {
  for (auto& [key, data] : state) {
    auto* by = data.as_object().if_contains("updatedBy");
    if (!by || !by->is_string()) continue;
    std::string name(by->as_string());
    if (name.ends_with(suffix)) *by = json::string(name.substr(0, name.size() - suffix.size()));
  }
  return state;
}

// What the app heard, as "kind type/id" lines ("kind space" for the space's own), sorted: the same
// outcomes as often, whatever the order in which the syncs around the fault met them.
std::vector<std::string> heard(const Device& d) {
  std::vector<std::string> out;
  for (const auto& e : d.events) {
    out.push_back(e.kind + " " + (e.type.empty() ? std::string("space") : e.type + "/" + e.id));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// synclog_conflict_outcomes_total by its labels, as "<type> <outcome>[/<reason>]" ("inspection
// applied", "inspection rejected/reference", ...). The type is read too: a space push once took
// it from memory its transaction had freed (Regression: the resource label must be the type's
// name, the same in every run).
std::map<std::string, std::uint64_t> by_outcome(
    const std::map<std::string, std::uint64_t>& series) {
  auto label = [](const std::string& labels, std::string_view name) -> std::string {
    const std::string key = std::string(name) + "=\"";
    const auto at = labels.find(key);
    if (at == std::string::npos) return {};
    const auto from = at + key.size();
    return labels.substr(from, labels.find('"', from) - from);
  };
  std::map<std::string, std::uint64_t> out;
  for (const auto& [labels, value] : series) {
    const std::string reason = label(labels, "reason");
    out[label(labels, "resource") + " " + label(labels, "outcome") +
        (reason.empty() ? "" : "/" + reason)] += value;
  }
  return out;
}

// How far each outcome's count moved between two readings.
std::map<std::string, std::uint64_t> moved(const std::map<std::string, std::uint64_t>& before,
                                           const std::map<std::string, std::uint64_t>& after) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [outcome, value] : after) {
    const auto it = before.find(outcome);
    const std::uint64_t was = it == before.end() ? 0 : it->second;
    if (value != was) out[outcome] = value - was;
  }
  return out;
}

// The lines one log has more of than the other, "+ " for the faulty run's extra ones and "- "
// for those it lacks: a readable failure instead of two whole logs.
std::string log_difference(std::vector<std::string> clean, std::vector<std::string> faulty) {
  std::sort(clean.begin(), clean.end());
  std::sort(faulty.begin(), faulty.end());
  std::vector<std::string> extra, missing;
  std::set_difference(faulty.begin(), faulty.end(), clean.begin(), clean.end(),
                      std::back_inserter(extra));
  std::set_difference(clean.begin(), clean.end(), faulty.begin(), faulty.end(),
                      std::back_inserter(missing));
  std::string out;
  for (const auto& line : extra) out += "\n  + " + line;
  for (const auto& line : missing) out += "\n  - " + line;
  return out;
}

// What a run of the scenario left.
struct RunResult {
  CutSync cut;  // bob's cut sync
  // How far the server's counters moved in the run.
  std::uint64_t space_pushes = 0;
  std::uint64_t replays = 0;
  std::map<std::string, std::uint64_t> outcomes;  // synclog_conflict_outcomes_total (by_outcome)
  State comparable;              // the server's records, people named as in the scenario
  std::vector<std::string> log;  // the space's log (space_log)
  std::vector<std::string> bob_heard;
};

class SpaceFaultLoopTest : public ::testing::Test {
 protected:
  static test::InProcessServerOptions server_options(const Clock& clock) {
    test::InProcessServerOptions o;
    o.clock = &clock;
    o.schemas = {spaces::read_text(spaces::schema_v1_path())};
    // Pulls of one entry a page: bob's pulls before and after his push take two pages each, so
    // there are cut points between the pages of a pull, and between their local commits.
    o.app.pull_cap = 1;
    return o;
  }

  std::string call(const std::string& person, const std::string& method, const std::string& target,
                   const std::string& body, int expected) {
    return server_.call_as(person, method, target, body, expected);
  }
  void push_at_head(const std::string& person, const std::string& space,
                    const std::string& mutations) {
    server_.push_at_head(person, space, mutations);
  }

  void edit(Device& d, const std::string& space, const Typed& e) {
    auto put = d.spaces->put(space, e.type, e.fields, std::string_view(e.id));
    if (!put.ok()) {
      throw std::runtime_error("put " + e.type + "/" + e.id + ": " + put.error().message);
    }
    device_clock_.advance(1000);  // each edit a second after the last: distinct capture times
  }

  static void sync(Device& d, const std::string& who) {
    auto r = d.engine->sync();
    if (!r.ok()) throw std::runtime_error(who + "'s sync: " + r.error().message);
  }

  // Syncs every device, in order, until a round in which none pushed anything and nothing is
  // left to push. A conflict is settled the same way on every run, whenever the fault made it
  // surface: the person keeps what their device has.
  void settle(const std::vector<std::pair<std::string, Device*>>& devices, const std::string& space,
              const std::string& name) {
    for (int round = 0; round < 6; ++round) {
      bool busy = false;
      for (const auto& [who, d] : devices) {
        auto r = d->engine->sync();
        ASSERT_TRUE(r.ok()) << name << ": " << who
                            << "'s sync after the fault: " << r.error().message;
        busy = busy || r->pushed > 0 || r->space_pushed > 0;
        auto open = d->spaces->conflicts(/*unresolved_only=*/true);
        ASSERT_TRUE(open.ok()) << open.error().message;
        for (const auto& c : *open) {
          SpaceResolution keep;
          keep.kind = SpaceResolution::Kind::kKeepLocal;
          const Status resolved = d->spaces->resolve(c.seq, keep);
          ASSERT_TRUE(resolved.ok()) << name << ": " << who << ": " << resolved.message();
          busy = true;
        }
      }
      for (const auto& [who, d] : devices) {
        auto info = d->spaces->space(space);
        ASSERT_TRUE(info.ok() && info->has_value()) << name << ": " << who << " lost the space";
        busy = busy || (*info)->pending > 0 || (*info)->conflicts > 0;
      }
      if (!busy) return;
    }
    ADD_FAILURE() << name << ": the devices were still busy after 6 rounds of syncs";
  }

  // The scenario in a fresh space with fresh people, bob's sync cut as `cut` says, then settled
  // and checked.
  RunResult run(const Cut& cut, const std::string& name) {
    RunResult out;
    device_clock_.set(kDevicesStartMs);
    const std::string suffix = "-" + std::to_string(++runs_);
    const std::string space = "north" + suffix;
    const std::string alice = "alice" + suffix, lee = "lee" + suffix, bob = "bob" + suffix,
                      dana = "dana" + suffix;
    const std::uint64_t space_pushes = server_.counter_total("synclog_space_pushes_total");
    const std::uint64_t replays = server_.counter_total("synclog_idempotent_replays_total");
    const auto outcomes = by_outcome(server_.counter_series("synclog_conflict_outcomes_total"));

    // The space, its people and its master data, through the App as the owner and the lead's
    // office send them.
    call(alice, "POST", "/v1/spaces",
         R"({"name":"North team","schema":"inspections","spaceId":")" + space + R"("})", 201);
    for (const auto& [person, role] :
         {std::pair{lee, "lead"}, std::pair{bob, "member"}, std::pair{dana, "member"}}) {
      call(alice, "PUT", "/v1/spaces/" + space + "/members",
           R"({"person":")" + person + R"(","role":")" + role + R"("})", 200);
    }
    push_at_head(
        lee, space,
        spaces::batch(
            {spaces::create("site", "s1", expected_records().at("site/s1")),
             spaces::create("site", "s2", spaces::site_data("Loop Medical Center", "CHI-0001")),
             spaces::create("asset", "a1", expected_records().at("asset/a1")),
             spaces::create("checklistTemplate", "t1",
                            expected_records().at("checklistTemplate/t1"))}));

    auto faulty = std::make_shared<FaultyTransport>(server_.transport());
    CommitFaults commits;
    auto fast = [&](int attempts, std::shared_ptr<Transport> transport) {
      return test::fault_loop::fast_options(attempts, std::move(transport), &device_clock_);
    };
    Device laptop(dir_.file(alice + "-laptop.db"), server_.token_for(alice),
                  fast(6, server_.transport()));
    Device phone(dir_.file(bob + "-phone.db"), server_.token_for(bob), fast(cut.attempts, faulty),
                 commits.before_commit());
    Device tablet(dir_.file(dana + "-tablet.db"), server_.token_for(dana),
                  fast(6, server_.transport()));

    // Everyone's first sync; alice's inspection is the one bob and dana both edit.
    sync(laptop, "alice");
    edit(laptop, space, {"inspection", "i1", R"({"site":"s1","status":"draft","notes":"start"})"});
    sync(laptop, "alice");
    sync(phone, "bob");
    sync(tablet, "dana");

    // Offline.
    for (const auto& e : bob_edits()) edit(phone, space, e);
    edit(tablet, space, kDanaEdit);
    push_at_head(lee, space, spaces::batch({spaces::remove("site", "s2")}));
    sync(tablet, "dana");

    out.cut = test::fault_loop::cut_sync(phone, *faulty, commits, cut);

    settle({{"bob", &phone}, {"dana", &tablet}, {"alice", &laptop}}, space, name);
    if (::testing::Test::HasFailure()) return out;
    std::vector<std::string> repeated;
    const State server =
        server_state(*server_.transport(), space, server_.token_for(alice), repeated);
    EXPECT_TRUE(repeated.empty()) << name << ": the server lists "
                                  << ::testing::PrintToString(repeated) << " more than once";

    // Every device shows the server's records; bob's phone also its refused inspection.
    State bob_rejected;
    EXPECT_EQ(device_state(phone, space, &bob_rejected), server)
        << name << ": bob's phone differs from the server";
    EXPECT_EQ(device_state(tablet, space), server)
        << name << ": dana's tablet differs from the server";
    EXPECT_EQ(device_state(laptop, space), server)
        << name << ": alice's laptop differs from the server";

    // Nothing lost: every record with what was typed in it, and nothing else.
    for (const auto& [key, fields] : expected_records()) {
      const auto it = server.find(key);
      if (it == server.end()) {
        ADD_FAILURE() << name << ": " << key << " is missing on the server";
        continue;
      }
      const std::string missing = missing_fields(it->second, fields);
      EXPECT_TRUE(missing.empty()) << name << ": " << key << " on the server:" << missing;
    }
    for (const auto& [key, data] : server) {
      EXPECT_TRUE(expected_records().count(key))
          << name << ": the server has " << key << " = " << json::serialize(data)
          << ", which no edit left there";
    }
    // ...and every edit bob typed is on the server or, refused, in his rejections with its data.
    auto listed = phone.spaces->rejections();
    if (!listed.ok()) throw std::runtime_error("bob's rejections: " + listed.error().message);
    const std::vector<SpaceRejection>& rejections = *listed;
    for (const auto& e : bob_edits()) {
      const std::string key = e.type + "/" + e.id;
      if (const auto it = server.find(key); it != server.end()) {
        const std::string missing = missing_fields(it->second, e.fields);
        EXPECT_TRUE(missing.empty())
            << name << ": bob's edit of " << key << " is not on the server:" << missing;
        continue;
      }
      const auto r = std::find_if(rejections.begin(), rejections.end(),
                                  [&](const SpaceRejection& one) { return one.id == e.id; });
      if (r == rejections.end()) {
        ADD_FAILURE() << name << ": bob's edit of " << key
                      << " is neither on the server nor rejected";
        continue;
      }
      const std::string missing = missing_fields(json::parse(r->fields), e.fields);
      EXPECT_TRUE(missing.empty()) << name << ": bob's rejection of " << key << " lost:" << missing;
    }
    // The refused inspection once, for its deleted site, and still on the phone as typed.
    EXPECT_EQ(rejections.size(), 1u) << name;
    for (const auto& r : rejections) {
      EXPECT_EQ(r.type + "/" + r.id + " " + r.reason + " " + r.field,
                "inspection/i-gone reference site")
          << name;
    }
    EXPECT_EQ(bob_rejected.size(), 1u) << name;
    for (const auto& [key, data] : bob_rejected) {
      EXPECT_EQ(key + missing_fields(data, bob_edits()[2].fields), "inspection/i-gone") << name;
    }

    // The clash is in bob's log once, settled; nobody else had one.
    auto log = phone.spaces->conflicts(/*unresolved_only=*/false);
    if (!log.ok()) throw std::runtime_error("bob's conflict log: " + log.error().message);
    EXPECT_EQ(log->size(), 1u) << name << ": bob's conflict log has " << log->size() << " rows";
    for (const auto& c : *log) {
      std::string clashing;
      for (const auto& f : c.clashes) clashing += " " + f.field;
      EXPECT_EQ(c.type + "/" + c.id + clashing, "inspection/i1 notes") << name;
      EXPECT_TRUE(c.resolved) << name;
    }
    EXPECT_TRUE(tablet.spaces->conflicts(false)->empty()) << name;
    EXPECT_TRUE(laptop.spaces->conflicts(false)->empty()) << name;

    out.space_pushes = server_.counter_total("synclog_space_pushes_total") - space_pushes;
    out.replays = server_.counter_total("synclog_idempotent_replays_total") - replays;
    out.outcomes =
        moved(outcomes, by_outcome(server_.counter_series("synclog_conflict_outcomes_total")));
    out.log = space_log(*server_.transport(), space, server_.token_for(alice), suffix);
    out.comparable = with_people_named(server, suffix);
    out.bob_heard = heard(phone);
    return out;
  }

  // The faulty run against the clean one: the same records, the same judgements on the server,
  // the same outcomes told to bob.
  static void expect_as_clean(const RunResult& clean, const RunResult& faulty,
                              const std::string& name) {
    EXPECT_EQ(faulty.space_pushes, clean.space_pushes) << name << ": space pushes applied";
    EXPECT_EQ(faulty.outcomes, clean.outcomes) << name << ": space mutations judged";
    EXPECT_EQ(faulty.comparable, clean.comparable) << name << ": the server's records";
    EXPECT_EQ(faulty.log.size(), clean.log.size())
        << name
        << ": the space's log, against the clean run's:" << log_difference(clean.log, faulty.log);
    if (faulty.log.size() == clean.log.size()) {
      EXPECT_EQ(faulty.log, clean.log) << name << ": the mutations in the space's log";
    }
    EXPECT_EQ(faulty.bob_heard, clean.bob_heard) << name << ": what bob's app was told";
  }

  void loop(const std::string& what, Cut cut, std::int64_t CutSync::*count) {
    const auto runs = test::fault_loop::for_each_cut_point<RunResult>(
        what, cut, count, [this](const Cut& c, const std::string& name) { return run(c, name); },
        &expect_as_clean);
    if (HasFailure()) return;
    const RunResult& clean = runs.clean;
    std::int64_t failed_syncs = 0;
    std::uint64_t replays = 0;
    for (const auto& faulty : runs.faulty) {
      failed_syncs += faulty.cut.ok ? 0 : 1;
      replays += faulty.replays;
    }
    std::string judged;
    for (const auto& [outcome, n] : clean.outcomes) {
      judged += (judged.empty() ? "" : ", ") + std::to_string(n) + " " + outcome;
    }
    std::cout << "[ cut points ] " << what << ": " << clean.cut.*count
              << " exercised (clean sync: " << clean.cut.requests << " requests, "
              << clean.cut.commits << " local commits; space mutations " << judged << " in "
              << clean.space_pushes << " pushes; " << failed_syncs << " cut syncs failed, "
              << replays << " idempotent replays)"
              << (server_.on_postgres() ? " on PostgreSQL" : " on SQLite") << "\n";
    RecordProperty("cut_points", static_cast<int>(clean.cut.*count));
  }

  ManualClock server_clock_{kServerMs};
  ManualClock device_clock_{kDevicesStartMs};
  InProcessServer server_{server_options(server_clock_)};
  test::TempDir dir_;
  int runs_ = 0;
};

TEST_F(SpaceFaultLoopTest, EveryRequestFailingOnceIsRetriedWithinTheSync) {
  loop("request fails, retried", Cut{Fault::kFailRequest, 0, 6, false}, &CutSync::requests);
}

TEST_F(SpaceFaultLoopTest, EveryAnswerLostOnceIsRetriedWithinTheSync) {
  loop("answer lost, retried", Cut{Fault::kLoseAnswer, 0, 6, false}, &CutSync::requests);
}

TEST_F(SpaceFaultLoopTest, EveryRequestFailingEndsTheSyncAndTheRestartedAppRecovers) {
  loop("request fails, app restarts", Cut{Fault::kFailRequest, 0, 1, true}, &CutSync::requests);
}

TEST_F(SpaceFaultLoopTest, EveryAnswerLostEndsTheSyncAndTheRestartedAppRecovers) {
  loop("answer lost, app restarts", Cut{Fault::kLoseAnswer, 0, 1, true}, &CutSync::requests);
}

TEST_F(SpaceFaultLoopTest, EveryLocalCommitFailingEndsTheSyncAndTheRestartedAppRecovers) {
  loop("local commit fails, app restarts", Cut{Fault::kFailCommit, 0, 6, true}, &CutSync::commits);
}

}  // namespace
}  // namespace synclog::client
