// GET /v1/spaces/events, the change stream of a person's spaces, against the real binary
// (docs/api.md "The change stream of spaces"): the retry hint first and nothing else until
// something moves; a push (or record write) in a space the person belongs to is told as
// "event: space" with the space's id and new head; a push in a space they do not belong to is
// not; being added to a space, removed from one, or given another role is told as
// "event: spaces" with the feed's head, and the stream ends, so the client reconnects and hears
// the spaces it belongs to from then on; the stream needs a token with the sync scope.
#include "event_stream_client.hpp"
#include "server_process.hpp"
#include "space_helpers.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using spaces::batch;
using spaces::create;
using spaces::Device;
using spaces::head_of;
using spaces::Mode;
using spaces::num;
using spaces::str;
using spaces::update;

class SpaceStreamTest : public spaces::SpaceTeamTest {
 protected:
  SpaceStreamTest() {
    // A second space, run by lee, that bob does not belong to (dana does).
    lead_.create_space_ok("south", "South team");
    lead_.add_member_ok("south", "dana", "member");
    lead_.push_ok(
        "south", -1,
        batch({create("site", "s-south", spaces::site_data("Speer Apartments", "DEN-0001"))}),
        Mode::kStrict);
  }

  // Opens bob's stream (or `who`'s) and reads its retry hint.
  EventStreamClient open(const std::string& who = "bob", const std::string& scopes = "") {
    EventStreamClient s(server_.host(), server_.port(), "/v1/spaces/events",
                        server_.auth(who, who + "-listener", scopes));
    EXPECT_EQ(s.status(), 200) << s.body();
    if (s.status() != 200) return s;
    EXPECT_EQ(s.header("content-type").rfind("text/event-stream", 0), 0u)
        << s.header("content-type");
    const auto hint = s.next(5s);
    EXPECT_TRUE(hint.has_value()) << "no retry hint";
    if (hint) {
      EXPECT_TRUE(hint->retry.has_value());
    }
    return s;
  }

  // The next event of `s`, expected to be of `kind`; its data parsed.
  static json::object expect_event(EventStreamClient& s, const std::string& kind) {
    const auto ev = s.next_event(10s);
    EXPECT_TRUE(ev.has_value()) << "no " << kind << " event";
    if (!ev) return {};
    EXPECT_EQ(ev->event, kind) << ev->data;
    EXPECT_TRUE(ev->id.empty()) << "spaces' events carry no id: " << ev->id;
    return json::parse(ev->data).as_object();
  }

  // A push by dana in `space` at its head; the new head.
  std::int64_t dana_pushes(const std::string& space, const std::string& notes) {
    const std::string mutations =
        space == "south"
            ? batch({create("inspection", "", R"({"site":"s-south","notes":")" + notes + "\"}")})
            : batch({update("inspection", "i1", R"({"notes":")" + notes + "\"}")});
    return head_of(dana_.push_at_head(space, mutations));
  }
};

TEST_F(SpaceStreamTest, NothingIsToldUntilSomethingMoves) {
  auto s = open();
  const auto ev = s.next_event(300ms);
  EXPECT_FALSE(ev.has_value()) << ev->event << " " << ev->data;
  EXPECT_FALSE(s.ended());
}

TEST_F(SpaceStreamTest, APushInTheirSpaceIsToldWithTheSpaceAndItsNewHead) {
  auto s = open();
  for (int i = 0; i < 3; ++i) {
    const std::int64_t head = dana_pushes(kSpace, "note " + std::to_string(i));
    const auto d = expect_event(s, "space");
    EXPECT_EQ(d.at("spaceId"), "north");
    EXPECT_EQ(num(d.at("lastMutationAt")), head);
  }
  // A record write moves the head too.
  const auto r = dana_.patch_record(kSpace, "inspection", "i1", R"({"result":"pass"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto d = expect_event(s, "space");
  EXPECT_EQ(d.at("spaceId"), "north");
  EXPECT_EQ(num(d.at("lastMutationAt")), std::stoll(r.header("x-mutation-at")));
  EXPECT_FALSE(s.ended());
}

TEST_F(SpaceStreamTest, APushInASpaceTheyDoNotBelongToIsNotTold) {
  auto bob = open("bob");
  auto dana = open("dana");
  const std::int64_t south = dana_pushes("south", "in the south");
  const std::int64_t north = dana_pushes(kSpace, "in the north");
  // dana hears both, in either order: each space's moves come in order, but two spaces' moves
  // reach a node through the database's notifications independently (PostgreSQL delivers them
  // as they come). bob's first event is north's: south's move, earlier, was never his.
  std::map<std::string, std::int64_t> heard;
  for (int i = 0; i < 2; ++i) {
    const auto d = expect_event(dana, "space");
    heard[str(d.at("spaceId"))] = num(d.at("lastMutationAt"));
  }
  EXPECT_EQ(heard, (std::map<std::string, std::int64_t>{{"south", south}, {"north", north}}));
  const auto b = expect_event(bob, "space");
  EXPECT_EQ(b.at("spaceId"), "north") << json::serialize(b);
  EXPECT_EQ(num(b.at("lastMutationAt")), north);
  dana_pushes("south", "again in the south");
  EXPECT_FALSE(bob.next_event(300ms).has_value());
}

TEST_F(SpaceStreamTest, BeingAddedToASpaceEndsTheStreamAndTheNextOneHearsIt) {
  auto s = open();
  lead_.add_member_ok("south", "bob", "member");
  const auto d = expect_event(s, "spaces");
  EXPECT_EQ(num(d.at("lastMutationAt")), bob_.feed_head());
  EXPECT_TRUE(s.wait_ended(5s)) << "the stream stayed open after its list of spaces changed";
  EXPECT_TRUE(s.ended_cleanly());

  // The client pulls its feed, connects again, and now follows south too.
  const auto feed = bob_.feed_entries(0);
  EXPECT_EQ(spaces::entries_for(feed, "SPACE", "south").size(), 1u);
  auto again = open();
  const std::int64_t head = dana_pushes("south", "bob hears this");
  const auto e = expect_event(again, "space");
  EXPECT_EQ(e.at("spaceId"), "south");
  EXPECT_EQ(num(e.at("lastMutationAt")), head);
}

TEST_F(SpaceStreamTest, BeingRemovedFromASpaceEndsTheStreamAndItIsNotHeardAnyMore) {
  lead_.add_member_ok("south", "bob", "viewer");
  auto s = open();
  ASSERT_EQ(owner_.remove_member(kSpace, "bob").status, 200);
  const auto d = expect_event(s, "spaces");
  EXPECT_EQ(num(d.at("lastMutationAt")), bob_.feed_head());
  EXPECT_TRUE(s.wait_ended(5s));

  auto again = open();
  dana_pushes(kSpace, "bob must not hear this");
  const std::int64_t south = dana_pushes("south", "bob hears this");
  const auto e = expect_event(again, "space");
  EXPECT_EQ(e.at("spaceId"), "south") << json::serialize(e);
  EXPECT_EQ(num(e.at("lastMutationAt")), south);
}

TEST_F(SpaceStreamTest, ARoleChangeEndsTheStream) {
  auto s = open();
  owner_.add_member_ok(kSpace, "bob", "lead");
  expect_event(s, "spaces");
  EXPECT_TRUE(s.wait_ended(5s));
}

TEST_F(SpaceStreamTest, CreatingASpaceEndsTheCreatorsStream) {
  auto s = open("dana");
  dana_.create_space_ok("dana-own");
  // Creating the space also writes its log: on PostgreSQL the move of the new space (dana is
  // its owner already) may be told before the move of her feed. Then the feed's event ends it.
  std::optional<SseMessage> ev;
  for (int i = 0; i < 3; ++i) {
    ev = s.next_event(10s);
    if (!ev || ev->event != "space") break;
    EXPECT_EQ(json::parse(ev->data).at("spaceId"), "dana-own") << ev->data;
  }
  ASSERT_TRUE(ev.has_value()) << "no spaces event";
  EXPECT_EQ(ev->event, "spaces") << ev->data;
  EXPECT_TRUE(s.wait_ended(5s));
  auto again = open("dana");
  const std::int64_t head = head_of(dana_.push_ok(
      "dana-own", -1, batch({create("site", "d1", spaces::site_data("Dana's", "D-1"))}),
      Mode::kStrict));
  const auto e = expect_event(again, "space");
  EXPECT_EQ(e.at("spaceId"), "dana-own");
  EXPECT_EQ(num(e.at("lastMutationAt")), head);
}

TEST_F(SpaceStreamTest, OthersMembershipChangesDoNotEndTheStream) {
  auto s = open();
  owner_.add_member_ok(kSpace, "erin", "member");  // north's members changed, not bob's spaces
  lead_.add_member_ok("south", "frank", "member");
  const std::int64_t head = dana_pushes(kSpace, "after the additions");
  // Adding members writes the space's log: a move of north may be told first; then dana's push.
  std::optional<SseMessage> ev;
  for (int i = 0; i < 5; ++i) {
    ev = s.next_event(10s);
    ASSERT_TRUE(ev.has_value());
    ASSERT_EQ(ev->event, "space") << ev->data;
    if (num(json::parse(ev->data).at("lastMutationAt")) == head) break;
  }
  EXPECT_EQ(num(json::parse(ev->data).at("lastMutationAt")), head);
  EXPECT_FALSE(s.ended());
}

TEST_F(SpaceStreamTest, TheStreamNeedsAToken) {
  EventStreamClient anonymous(server_.host(), server_.port(), "/v1/spaces/events");
  EXPECT_EQ(anonymous.status(), 401) << anonymous.body();
  EventStreamClient no_sync(server_.host(), server_.port(), "/v1/spaces/events",
                            server_.auth("bob", "dev", "note"));
  ASSERT_EQ(no_sync.status(), 403) << no_sync.body();
  EXPECT_EQ(json::parse(no_sync.body()).at("type"), "forbidden");
  // A person in no space gets a stream all the same (their first space will be told).
  auto none = open("zoe");
  Device zoe(server_, "zoe", "zoe-phone");
  zoe.create_space_ok("zoe-space");
  expect_event(none, "spaces");
}

TEST(SpaceStreamLimitsTest, ThePerPersonCapEndsTheOldestStreamAndHeartbeatsKeepQuietOnesAlive) {
  ServerProcess server(spaces::server_args({"--events-per-user", "2", "--events-heartbeat", "1s"}));
  Device bob(server, "bob", "bob-phone");
  bob.create_space_ok("north");
  std::vector<EventStreamClient> streams;
  for (int i = 0; i < 2; ++i) {
    streams.emplace_back(server.host(), server.port(), "/v1/spaces/events",
                         server.auth("bob", "d" + std::to_string(i)));
    ASSERT_EQ(streams.back().status(), 200);
  }
  // A quiet stream gets a heartbeat comment.
  bool heartbeat = false;
  for (int i = 0; i < 5 && !heartbeat; ++i) {
    const auto m = streams[0].next(3s);
    ASSERT_TRUE(m.has_value()) << "nothing on the stream";
    heartbeat = m->is_heartbeat();
  }
  EXPECT_TRUE(heartbeat);
  // A third stream of bob's ends his oldest one, cleanly.
  streams.emplace_back(server.host(), server.port(), "/v1/spaces/events", server.auth("bob", "d2"));
  ASSERT_EQ(streams.back().status(), 200);
  EXPECT_TRUE(streams[0].wait_ended(5s)) << "the oldest stream stayed open";
  EXPECT_TRUE(streams[0].ended_cleanly());
  EXPECT_FALSE(streams[1].ended());
  // Another person's streams are not bob's.
  EventStreamClient alice(server.host(), server.port(), "/v1/spaces/events",
                          server.auth("alice", "a0"));
  ASSERT_EQ(alice.status(), 200);
  EXPECT_FALSE(streams[1].wait_ended(300ms));
  // The newer ones hear bob's space.
  const std::int64_t head = head_of(bob.push_ok(
      "north", -1, batch({create("site", "s1", spaces::site_data("One", "S-1"))}), Mode::kStrict));
  for (std::size_t i = 1; i < 3; ++i) {
    std::optional<SseMessage> ev;
    do {
      ev = streams[i].next_event(10s);
    } while (ev && ev->event != "space");
    ASSERT_TRUE(ev.has_value()) << "stream " << i;
    EXPECT_EQ(num(json::parse(ev->data).at("lastMutationAt")), head);
  }
}

TEST(SpaceStreamLimitsTest, StreamsEndCleanlyWhenTheServerDrains) {
  ServerProcess server(spaces::server_args());
  EventStreamClient s(server.host(), server.port(), "/v1/spaces/events", server.auth("bob", "d0"));
  ASSERT_EQ(s.status(), 200);
  ASSERT_TRUE(s.next(5s).has_value());  // the retry hint
  EXPECT_EQ(server.terminate(), 0);
  EXPECT_TRUE(s.wait_ended(5s));
  EXPECT_TRUE(s.ended_cleanly());
}

}  // namespace
}  // namespace synclog::test
