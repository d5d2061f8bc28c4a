// Shared spaces under attack, against the real binary (docs/api.md "Who learns what"): every
// endpoint of a space, one row each, tried by a non-member, a viewer and a removed member, who
// must learn nothing and change nothing:
//   - a non-member gets, byte for byte but for the ids they sent, what they get for a space that
//     does not exist (404 `Space <id> not found`, or the answer a request wrong whatever the
//     space gets), with no header a member's answer would carry;
//   - a viewer reads, and every write is refused (403, or each mutation rejected `permission`);
//   - a removed member gets 403 SpaceAccessRevoked naming the space, their writes kept for review
//     and nothing else changed;
// and after each attempt the space's head, members, records and review list are as they were.
// Then the endpoints outside a space (schemas), the feed, references from each one's own space
// to the space's record ids (which resolve exactly as ids that exist nowhere), and the change
// stream of spaces, which never carries the space's events to any of them but the viewer.
// Adding an endpoint is adding a row to endpoints() or outside().
#include "event_stream_client.hpp"
#include "server_process.hpp"
#include "space_helpers.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using spaces::batch;
using spaces::create;
using spaces::describe;
using spaces::Device;
using spaces::Mode;
using spaces::push_body;
using spaces::send;
using spaces::SpaceCall;
using spaces::update;

// A space that does not exist: what a stranger gets for it is what they must get for "north".
constexpr const char* kNowhere = "nowhere";

// One endpoint of a space, tried by each attacker.
struct Row {
  SpaceCall call;        // call.write: a removed member's request is kept for review
  int viewer = 403;      // the status a viewer gets: a read's, or 403 for a write
  bool rejected = false; // a viewer's field-mode push: 200, every mutation rejected `permission`
  bool anywhere = false; // wrong whatever the space: everyone gets the answer for a space that does not exist
};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The names of the headers of an answer that say something about it (not the request id, the
// date or the length, which differ with any two requests or ids).
std::set<std::string> telling_headers(const Response& r) {
  std::set<std::string> out;
  for (const auto& [name, value] : r.headers) {
    if (name != "x-request-id" && name != "content-length" && name != "date") out.insert(name);
  }
  return out;
}

// `there` (for the space, `id` in it) and `nowhere` (for another space or id) are the same
// answer but for the ids.
void expect_same_answer(const Response& there, const std::string& id, const Response& nowhere,
                        const std::string& other_id) {
  EXPECT_EQ(there.status, nowhere.status) << there.body;
  EXPECT_EQ(replace_all(there.body, id, other_id), nowhere.body);
  EXPECT_EQ(telling_headers(there), telling_headers(nowhere));
}

class SpaceAttackTest : public spaces::SpaceTeamTest {
 protected:
  SpaceAttackTest() {
    // A record only north has, with an id no other text holds, and a review item.
    lead_.push_at_head(kSpace, batch({create("site", kSecretSite, spaces::site_data("Secret", "SEC-1"))}));
    // Another team's space, with its records.
    lead_.create_space_ok("south", "South team");
    lead_.push_ok("south", -1,
                  batch({create("site", "s-south", spaces::site_data("Speer Apartments", "DEN-0001"))}),
                  Mode::kStrict);
    // Dana was a member; now she is removed, and what she pushes since is kept for review.
    EXPECT_EQ(owner_.remove_member(kSpace, "dana").status, 200);
    const auto r = removed_.push(kSpace, 0, batch({update("inspection", "i1", R"({"notes":"late"})")}));
    EXPECT_EQ(r.status, 403) << r.body;
    review_id_ = spaces::str(r.json().at("error").at("reviewId"));
    // Each attacker's own space, on the same schema.
    for (Device* d : attackers()) d->create_space_ok(own(*d), "Own team");
  }

  std::vector<Device*> attackers() { return {&stranger_, &viewer_, &removed_}; }
  static std::string own(const Device& d) { return "own-" + d.person(); }

  // Every endpoint of a space, with requests a member could well send, and some no one should.
  std::vector<Row> endpoints() const {
    const std::string site_ref = R"({"site":"s1"})";
    const std::string strict_push = push_body(batch({create("inspection", "i-x", site_ref)}));
    const std::string field_push =
        push_body(batch({create("inspection", "i-y", R"({"site":"s1","asset":"a1"})"),
                         update("inspection", "i1", R"({"notes":"changed"})"), spaces::remove("site", "s2")}));
    const std::string cross_push = push_body(
        batch({create("inspection", "i-z", R"({"site":"s-south"})"), update("site", "s-south", R"({"name":"X"})")}));
    return {
        // The space, its members and its review list.
        {{"GET", "/v1/spaces/{space}", "", {}}, 200},
        {{"GET", "/v1/spaces/{space}/members", "", {}}, 200},
        {{"PUT", "/v1/spaces/{space}/members", R"({"person":"mallory","role":"owner"})", {}}},
        {{"PUT", "/v1/spaces/{space}/members", R"({"person":"vic","role":"owner"})", {}}},
        {{"DELETE", "/v1/spaces/{space}/members?person=bob", "", {}}},
        {{"GET", "/v1/spaces/{space}/review", "", {}}},
        {{"DELETE", "/v1/spaces/{space}/review/" + review_id_, "", {}}},
        // Its sync.
        {{"GET", "/v1/spaces/{space}/sync?mutationsSince=0", "", {}}, 200},
        {{"GET", "/v1/spaces/{space}/sync?mutationsSince=0&metadataOnly=true", "", {}}, 200},
        {{"GET", "/v1/spaces/{space}/sync?mutationsSince=0&resources=site,asset&limit=5&page=1", "", {}}, 200},
        {{"GET", "/v1/spaces/{space}/sync?mutationsSince=0&resources=bogus", "", {}}, 422},
        {{"GET", "/v1/spaces/{space}/sync?mutationsSince=0", "", {{"X-Schema-Version", "99"}}}, 422},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt={head}", strict_push, {}, true}},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field", field_push, {}, true}, 200, true},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field", field_push,
          {{"Idempotency-Key", "attack-1"}}, true},
         200,
         true},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field", cross_push, {}, true}, 200, true},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt={head}", cross_push, {}, true}},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field&dryRun=true", field_push, {}},
         200,
         true},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt={head}&dryRun=true", strict_push, {}}},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt=-1&conflictMode=field", strict_push,
          {{"X-Schema-Version", "0"}}, true},
         400},
        // Its records one by one, by type and by id (its own, another space's, none).
        {{"GET", "/v1/spaces/{space}/records/inspection", "", {}}, 200},
        {{"GET", "/v1/spaces/{space}/records/inspection?first=1", "", {}}, 200},
        {{"GET", "/v1/spaces/{space}/records/bogus", "", {}}, 404},
        {{"GET", "/v1/spaces/{space}/records/inspection/i1", "", {}}, 200},
        {{"GET", "/v1/spaces/{space}/records/site/s1", "", {{"If-None-Match", "*"}}}, 304},
        {{"GET", "/v1/spaces/{space}/records/site/s-south", "", {}}, 404},
        {{"GET", "/v1/spaces/{space}/records/site/no-such-site", "", {}}, 404},
        {{"POST", "/v1/spaces/{space}/records/inspection", site_ref, {}, true}},
        {{"POST", "/v1/spaces/{space}/records/inspection", R"({"site":"s-south"})", {}, true}},
        {{"PUT", "/v1/spaces/{space}/records/inspection/i-new", site_ref, {}, true}},
        {{"PUT", "/v1/spaces/{space}/records/inspection/i1", R"({"notes":"put"})", {}, true}},
        {{"PATCH", "/v1/spaces/{space}/records/inspection/i1", R"({"notes":"patched"})", {}, true}},
        {{"PATCH", "/v1/spaces/{space}/records/inspection/i1?conflictMode=field", R"({"notes":"patched"})",
          {{"If-Match", "\"1\""}}, true}},
        {{"PATCH", "/v1/spaces/{space}/records/site/s-south", R"({"name":"Renamed"})", {}, true}},
        {{"DELETE", "/v1/spaces/{space}/records/inspection/i1", "", {}, true}},
        {{"DELETE", "/v1/spaces/{space}/records/site/s2", "", {}, true}},
        {{"DELETE", "/v1/spaces/{space}/records/site/s-south", "", {}, true}},
        // Wrong whatever the space: answered before it is looked up, alike for everyone.
        {{"POST", "/v1/spaces/{space}/sync", strict_push, {}, true}, 0, false, true},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt=-1", "{not json", {}, true}, 0, false, true},
        {{"POST", "/v1/spaces/{space}/sync?lastMutationAt=-1", strict_push, {{"Idempotency-Key", "bad key"}}, true},
         0,
         false,
         true},
        {{"PUT", "/v1/spaces/{space}/records/inspection/i1", site_ref, {{"Idempotency-Key", "bad key"}}, true},
         0,
         false,
         true},
        {{"PUT", "/v1/spaces/{space}/members", R"({"person":"mallory","role":"admin"})", {}}, 0, false, true},
    };
  }

  // `row`'s request by `d` to `space`, "{head}" in it being the space's head: strict pushes
  // are refused for what they may do, not for a stale cursor.
  Response attempt(Device& d, const Row& row, const std::string& space, std::int64_t head) {
    SpaceCall c = row.call;
    c.path = replace_all(c.path, "{head}", std::to_string(head));
    return send(d, c, space);
  }

  // A stranger: the answer for a space that does not exist, and nothing changes.
  void stranger_tries(const Row& row) {
    const auto before = spaces::snapshot(owner_, kSpace);
    const auto there = attempt(stranger_, row, kSpace, before.head);
    const auto nowhere = attempt(stranger_, row, kNowhere, before.head);
    expect_same_answer(there, kSpace, nowhere, kNowhere);
    if (!row.anywhere) {
      EXPECT_EQ(there.status, 404) << there.body;
      EXPECT_EQ(there.body, spaces::not_found_body(kSpace));
    }
    EXPECT_TRUE(spaces::snapshot(owner_, kSpace) == before);
  }

  // A viewer: reads, and no write goes through.
  void viewer_tries(const Row& row) {
    const auto before = spaces::snapshot(owner_, kSpace);
    const auto r = attempt(viewer_, row, kSpace, before.head);
    if (row.anywhere) {
      expect_same_answer(r, kSpace, attempt(stranger_, row, kNowhere, before.head), kNowhere);
    } else if (row.rejected) {
      ASSERT_EQ(r.status, 200) << r.body;
      const auto body = r.json();
      EXPECT_EQ(spaces::num(body.at("data").at("lastMutationAt")), before.head);
      for (const auto& a : body.at("data").at("mutations").as_array()) {
        EXPECT_EQ(a.at("outcome"), "rejected") << r.body;
        EXPECT_EQ(a.at("rejection").at("reason"), "permission") << r.body;
      }
    } else {
      EXPECT_EQ(r.status, row.viewer) << r.body;
      if (r.status == 403) {
        EXPECT_EQ(spaces::error_code(r), "forbidden") << r.body;
      }
    }
    EXPECT_TRUE(spaces::snapshot(owner_, kSpace) == before);
  }

  // A removed member: 403 SpaceAccessRevoked; a write is kept for review, nothing else changes.
  void removed_tries(const Row& row) {
    const auto before = spaces::snapshot(owner_, kSpace);
    const std::size_t items = review_items();
    const auto r = attempt(removed_, row, kSpace, before.head);
    if (row.anywhere) {
      expect_same_answer(r, kSpace, attempt(stranger_, row, kNowhere, before.head), kNowhere);
      EXPECT_TRUE(spaces::snapshot(owner_, kSpace) == before);
      return;
    }
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(spaces::error_code(r), "SpaceAccessRevoked") << r.body;
    EXPECT_TRUE(spaces::contains(spaces::error_message(r), std::string("space ") + kSpace)) << r.body;
    const bool kept = row.call.write && r.status == 403 && r.json().at("error").as_object().contains("reviewId");
    EXPECT_EQ(kept, row.call.write) << r.body;
    EXPECT_EQ(review_items(), items + (row.call.write ? 1 : 0));
    const auto after = spaces::snapshot(owner_, kSpace);
    EXPECT_EQ(after.head, before.head);
    EXPECT_EQ(after.members, before.members);
    EXPECT_EQ(after.records, before.records);
  }

  std::size_t review_items() {
    const auto r = owner_.review(kSpace);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? r.json().at("data").at("items").as_array().size() : 0;
  }

  static constexpr const char* kSecretSite = "north-secret-site";
  Device& removed_ = dana_;
  std::string review_id_;
};

// ---------------------------------------------------------------------------------------------
// Every endpoint of the space.

TEST_F(SpaceAttackTest, ANonMemberGetsWhatASpaceThatDoesNotExistGetsOnEveryEndpoint) {
  for (const auto& row : endpoints()) {
    SCOPED_TRACE(describe(row.call));
    stranger_tries(row);
  }
}

TEST_F(SpaceAttackTest, AViewerReadsAndChangesNothingOnEveryEndpoint) {
  for (const auto& row : endpoints()) {
    SCOPED_TRACE(describe(row.call));
    viewer_tries(row);
  }
}

TEST_F(SpaceAttackTest, ARemovedMemberIsRevokedAndChangesNothingOnEveryEndpoint) {
  for (const auto& row : endpoints()) {
    SCOPED_TRACE(describe(row.call));
    removed_tries(row);
  }
}

// Regression: a malformed Idempotency-Key was checked only once the space was found, so a
// stranger got 400 for a space that exists and 404 for one that does not, and learned which
// ids were taken. It is now answered before the space is looked up.
TEST_F(SpaceAttackTest, Regression_AMalformedIdempotencyKeyDoesNotTellThatTheSpaceExists) {
  for (const std::string& target :
       {std::string("/sync?lastMutationAt=0&conflictMode=field"), std::string("/records/inspection/x1")}) {
    SCOPED_TRACE(target);
    const std::string method = target.rfind("/sync", 0) == 0 ? "POST" : "PUT";
    const std::string body =
        method == "POST" ? push_body(batch({create("inspection", "", R"({"site":"s1"})")})) : R"({"site":"s1"})";
    const Headers key = {{"Idempotency-Key", "bad key with spaces!"}};
    const auto there = stranger_.call(method, "/v1/spaces/north" + target, body, key);
    const auto nowhere = stranger_.call(method, "/v1/spaces/nowhere" + target, body, key);
    EXPECT_EQ(there.status, 400) << there.body;
    EXPECT_EQ(there.body, nowhere.body);
  }
}

// ---------------------------------------------------------------------------------------------
// Outside the space: what everyone may see, and the feed.

TEST_F(SpaceAttackTest, SchemasTellAnAttackerWhatTheyTellAMemberAndNothingOfSpaces) {
  const std::vector<SpaceCall> outside = {
      {"GET", "/v1/schemas", "", {}},
      {"GET", "/v1/schemas/inspections", "", {}},
      {"GET", "/v1/schemas/inspections/1", "", {}},
      {"GET", "/v1/schemas/inspections/9", "", {}},
      {"POST", "/v1/schemas", spaces::read_text(spaces::schema_v1_path()), {}},
      {"POST", "/v1/schemas", spaces::schema_v2_text(), {}},
  };
  for (const auto& call : outside) {
    SCOPED_TRACE(describe(call));
    const auto before = spaces::snapshot(owner_, kSpace);
    const auto member = send(owner_, call, kSpace);
    for (Device* d : attackers()) {
      SCOPED_TRACE(d->person());
      const auto r = send(*d, call, kSpace);
      EXPECT_EQ(r.status, member.status) << r.body;
      EXPECT_EQ(r.body, member.body);
      EXPECT_FALSE(spaces::contains(r.body, kSpace));
    }
    EXPECT_TRUE(spaces::snapshot(owner_, kSpace) == before);
  }
}

TEST_F(SpaceAttackTest, TheFeedTellsEachOnlyWhereTheyStand) {
  for (Device* d : attackers()) {
    SCOPED_TRACE(d->person());
    const auto feed = d->feed_entries(0);
    const auto north = spaces::entries_for(feed, "SPACE", kSpace);
    if (d == &stranger_) {
      EXPECT_TRUE(north.empty()) << json::serialize(feed);
    } else if (d == &viewer_) {
      ASSERT_EQ(north.size(), 1u) << json::serialize(feed);
      EXPECT_EQ(north[0].at("type"), "CREATE");
      EXPECT_EQ(north[0].at("data").at("role"), "viewer");
    } else {
      // Removed: the tombstone, and not a word of what the space holds.
      ASSERT_EQ(north.size(), 1u) << json::serialize(feed);
      EXPECT_EQ(north[0].at("type"), "DELETE");
      EXPECT_FALSE(spaces::contains(json::serialize(north[0]), "North team")) << json::serialize(north[0]);
    }
    EXPECT_TRUE(spaces::entries_for(feed, "SPACE", "south").empty());
    // Nothing of another person's feed either: the feed's parameters answer only for oneself.
    EXPECT_FALSE(spaces::contains(json::serialize(feed), "alice"));
  }
}

// ---------------------------------------------------------------------------------------------
// References from one's own space to the space's record ids.

TEST_F(SpaceAttackTest, TheSpacesRecordIdsResolveFromAnotherSpaceExactlyAsIdsThatExistNowhere) {
  // "{ref}" is replaced by an id of north's (a site, an inspection) or by one that exists nowhere.
  const std::vector<SpaceCall> calls = {
      {"POST", "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field",
       push_body(batch({create("inspection", "", R"({"site":"{ref}"})")})), {}},
      {"POST", "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field",
       push_body(batch({update("inspection", "{ref}", R"({"notes":"mine now"})")})), {}},
      {"POST", "/v1/spaces/{space}/sync?lastMutationAt=-1",
       push_body(batch({create("inspection", "i-ref", R"({"site":"{ref}"})")})), {}},
      {"POST", "/v1/spaces/{space}/sync?lastMutationAt=0&conflictMode=field&dryRun=true",
       push_body(batch({create("finding", "", R"({"inspection":"{ref}","severity":"low","description":"x"})")})),
       {}},
      {"POST", "/v1/spaces/{space}/records/inspection", R"({"site":"{ref}"})", {}},
      {"PUT", "/v1/spaces/{space}/records/inspection/i-ref", R"({"site":"{ref}"})", {}},
      {"GET", "/v1/spaces/{space}/records/site/{ref}", "", {}},
      {"GET", "/v1/spaces/{space}/records/inspection/{ref}", "", {}},
      {"PATCH", "/v1/spaces/{space}/records/site/{ref}", R"({"name":"Mine"})", {}},
      {"DELETE", "/v1/spaces/{space}/records/inspection/{ref}", "", {}},
  };
  // Pairs of the same type: an id of north's and one of nowhere.
  const std::vector<std::pair<std::string, std::string>> refs = {
      {kSecretSite, "made-up-site-0000"}, {"s1", "s9"}, {"i1", "i9"}};
  const auto before = spaces::snapshot(owner_, kSpace);
  for (Device* d : attackers()) {
    for (const auto& call : calls) {
      for (const auto& [real, none] : refs) {
        SCOPED_TRACE(d->person() + ": " + describe(call) + " with " + real);
        SpaceCall with_real = call, with_none = call;
        with_real.path = replace_all(call.path, "{ref}", real);
        with_real.body = replace_all(call.body, "{ref}", real);
        with_none.path = replace_all(call.path, "{ref}", none);
        with_none.body = replace_all(call.body, "{ref}", none);
        const auto a = send(*d, with_real, own(*d));
        const auto b = send(*d, with_none, own(*d));
        expect_same_answer(a, real, b, none);
        // No live record of one's own space refers to the space's records now.
        for (const char* type : {"inspection", "finding"}) {
          const auto list = d->list_records(own(*d), type);
          EXPECT_EQ(list.status, 200) << list.body;
          EXPECT_FALSE(spaces::contains(list.body, real)) << list.body;
        }
      }
    }
  }
  EXPECT_TRUE(spaces::snapshot(owner_, kSpace) == before);
}

// ---------------------------------------------------------------------------------------------
// The change stream of spaces.

TEST_F(SpaceAttackTest, TheChangeStreamCarriesTheSpacesEventsToNoneButTheViewer) {
  std::vector<std::pair<Device*, EventStreamClient>> streams;
  for (Device* d : attackers()) {
    EventStreamClient s(server_.host(), server_.port(), "/v1/spaces/events",
                        server_.auth(d->person(), d->person() + "-listener"));
    ASSERT_EQ(s.status(), 200) << s.body();
    ASSERT_TRUE(s.next(5s).has_value()) << "no retry hint";
    streams.emplace_back(d, std::move(s));
  }
  // The space moves twice (a push and a record write), then each attacker's own space once: the
  // last event each stream must carry, after the space's if it carries them at all.
  owner_.push_at_head(kSpace, batch({update("inspection", "i1", R"({"notes":"moved"})")}));
  EXPECT_EQ(owner_.patch_record(kSpace, "inspection", "i1", R"({"notes":"moved again"})").status, 200);
  for (Device* d : attackers()) {
    d->push_at_head(own(*d), batch({create("site", "", spaces::site_data("Own site", "OWN-1"))}));
  }
  for (auto& [d, s] : streams) {
    SCOPED_TRACE(d->person());
    std::vector<std::string> told;
    for (;;) {
      const auto ev = s.next_event(10s);
      ASSERT_TRUE(ev.has_value()) << "no event for the own space";
      EXPECT_EQ(ev->event, "space") << ev->data;
      const std::string id = spaces::str(json::parse(ev->data).at("spaceId"));
      told.push_back(id);
      if (id == own(*d)) break;
    }
    const bool heard_north = std::find(told.begin(), told.end(), kSpace) != told.end();
    EXPECT_EQ(heard_north, d == &viewer_);
    for (const auto& id : told) EXPECT_TRUE(id == kSpace || id == own(*d)) << id;
  }
}

}  // namespace
}  // namespace synclog::test
