// Spaces, members and roles against the real binary (docs/api.md "Spaces, members and roles"):
// creating a space (201, a minted or chosen id, 409 for a taken id, 422 for an unknown schema,
// a bad id or the reserved "events"), the info and members lists, the person's feed of spaces
// (CREATE when added, UPDATE on a role change, DELETE when removed, its cursor), roles applied
// from the very next request, the last owner kept, leaving, who may manage members, and the
// server's caps on members per space and spaces per person.
#include "server_process.hpp"
#include "space_helpers.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace synclog::test {
namespace {

namespace json = boost::json;
using spaces::ack;
using spaces::batch;
using spaces::create;
using spaces::Device;
using spaces::Mode;
using spaces::num;
using spaces::str;
using spaces::update;

class SpaceMembershipTest : public ::testing::Test {
 protected:
  SpaceMembershipTest() : server_(spaces::server_args()) {}

  // Person -> role from GET /members, as `who` sees it.
  std::map<std::string, std::string> roles(Device& who, const std::string& space) {
    std::map<std::string, std::string> out;
    const auto r = who.members(space);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return out;
    const auto body = r.json();
    for (const auto& m : body.at("data").at("members").as_array()) {
      out[str(m.at("person"))] = str(m.at("role"));
    }
    return out;
  }

  ServerProcess server_;
  Device alice_{server_, "alice", "alice-phone"};
  Device bob_{server_, "bob", "bob-phone"};
  Device carol_{server_, "carol", "carol-laptop"};
};

// ---------------------------------------------------------------------------------------------
// Creating spaces.

TEST_F(SpaceMembershipTest, CreatingASpaceAnswers201AndMakesTheCreatorItsOwner) {
  const auto r = alice_.create_space("north", "North team");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto d = r.json().at("data").as_object();
  EXPECT_EQ(d.at("spaceId"), "north");
  EXPECT_EQ(d.at("name"), "North team");
  EXPECT_EQ(d.at("schema"), "inspections");
  EXPECT_EQ(d.at("role"), "owner");
  EXPECT_EQ(d.at("createdBy"), "alice");
  EXPECT_TRUE(d.at("createdAt").is_string());

  const auto info = alice_.info("north");
  ASSERT_EQ(info.status, 200) << info.body;
  const auto i = info.json().at("data").as_object();
  EXPECT_EQ(i.at("spaceId"), "north");
  EXPECT_EQ(i.at("role"), "owner");
  EXPECT_EQ(i.at("createdBy"), "alice");
  EXPECT_EQ(num(i.at("schemaVersion")), 1);
  EXPECT_EQ(num(i.at("minSchemaVersion")), 1);
  EXPECT_EQ(num(i.at("lastMutationAt")), alice_.head("north"));

  EXPECT_EQ(roles(alice_, "north"), (std::map<std::string, std::string>{{"alice", "owner"}}));
}

TEST_F(SpaceMembershipTest, AnIdIsMintedWhenNoneIsGiven) {
  const auto a = alice_.create_space("");
  ASSERT_EQ(a.status, 201) << a.body;
  const auto b = alice_.create_space("");
  ASSERT_EQ(b.status, 201) << b.body;
  const std::string ida = str(a.json().at("data").at("spaceId"));
  const std::string idb = str(b.json().at("data").at("spaceId"));
  EXPECT_FALSE(ida.empty());
  EXPECT_NE(ida, idb);
  EXPECT_LE(ida.size(), 64u);
  for (char c : ida)
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') << ida;
  EXPECT_EQ(alice_.info(ida).status, 200);
}

TEST_F(SpaceMembershipTest, ATakenIdIs409ForAnyone) {
  alice_.create_space_ok("north");
  const auto again = alice_.create_space("north", "Another");
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(spaces::error_code(again), "conflict");
  const auto other = bob_.create_space("north", "Bob's");
  EXPECT_EQ(other.status, 409) << other.body;
  // Nothing changed: still alice's, and bob is no member.
  EXPECT_EQ(str(alice_.info("north").json().at("data").at("name")), "North team");
  EXPECT_EQ(bob_.info("north").status, 404);
}

TEST_F(SpaceMembershipTest, AnUnknownSchemaABadIdAndTheReservedIdAre422) {
  const auto unknown = alice_.create_space("s1", "X", "no-such-schema");
  EXPECT_EQ(unknown.status, 422) << unknown.body;
  EXPECT_EQ(spaces::error_code(unknown), "unprocessable_entity");
  EXPECT_NE(spaces::error_message(unknown).find("schema"), std::string::npos) << unknown.body;

  const auto reserved = alice_.create_space("events");
  EXPECT_EQ(reserved.status, 422) << reserved.body;
  EXPECT_NE(spaces::error_message(reserved).find("events"), std::string::npos) << reserved.body;

  for (const std::string& bad :
       std::vector<std::string>{"has space", "slash/id", std::string(65, 'a'), "dot.id"}) {
    const auto r = alice_.call("POST", "/v1/spaces",
                               R"({"name":"X","schema":"inspections","spaceId":")" + bad + "\"}");
    EXPECT_EQ(r.status, 422) << bad << ": " << r.body;
  }
  const auto no_name = alice_.call("POST", "/v1/spaces", R"({"schema":"inspections"})");
  EXPECT_EQ(no_name.status, 422) << no_name.body;
  const auto no_schema = alice_.call("POST", "/v1/spaces", R"({"name":"X"})");
  EXPECT_EQ(no_schema.status, 422) << no_schema.body;

  // None of them made a space or a feed entry.
  EXPECT_TRUE(alice_.feed_entries(0).empty());
  EXPECT_EQ(alice_.info("s1").status, 404);
}

TEST_F(SpaceMembershipTest, SpacesNeedTheSyncScope) {
  Device no_sync(server_, "alice", "alice-phone", "note");
  EXPECT_EQ(no_sync.create_space("north").status, 403);
  alice_.create_space_ok("north");
  EXPECT_EQ(no_sync.info("north").status, 403);
  EXPECT_EQ(no_sync.pull("north", 0).status, 403);
  EXPECT_EQ(no_sync.feed(0).status, 403);
}

// ---------------------------------------------------------------------------------------------
// Members and the feed.

TEST_F(SpaceMembershipTest, TheFeedTellsAdditionsRoleChangesAndRemovals) {
  alice_.create_space_ok("north", "North team");
  const std::int64_t c0 = bob_.feed_head();

  const auto added = alice_.add_member("north", "bob", "member");
  ASSERT_EQ(added.status, 200) << added.body;
  const auto m = added.json().at("data").as_object();
  EXPECT_EQ(m.at("added"), true);
  EXPECT_EQ(m.at("member").at("person"), "bob");
  EXPECT_EQ(m.at("member").at("role"), "member");
  EXPECT_EQ(m.at("member").at("addedBy"), "alice");
  EXPECT_TRUE(m.at("member").at("since").is_string());

  auto feed = bob_.feed_entries(c0);
  ASSERT_EQ(feed.size(), 1u) << json::serialize(feed);
  EXPECT_EQ(feed[0].at("type"), "CREATE");
  EXPECT_EQ(feed[0].at("resource"), "SPACE");
  EXPECT_EQ(feed[0].at("resourceId"), "north");
  EXPECT_EQ(feed[0].at("data"),
            json::parse(R"({"name":"North team","schema":"inspections","role":"member"})"));
  const std::int64_t c1 = num(feed[0].at("timestamp"));
  EXPECT_EQ(bob_.feed_head(), c1);

  const auto promoted = alice_.add_member("north", "bob", "lead");
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(promoted.json().at("data").at("added"), false);
  EXPECT_EQ(promoted.json().at("data").at("member").at("role"), "lead");
  // A role change keeps when and by whom the person was added.
  EXPECT_EQ(promoted.json().at("data").at("member").at("since"), m.at("member").at("since"));
  EXPECT_EQ(promoted.json().at("data").at("member").at("addedBy"), "alice");
  feed = bob_.feed_entries(c1);
  ASSERT_EQ(feed.size(), 1u) << json::serialize(feed);
  EXPECT_EQ(feed[0].at("type"), "UPDATE");
  EXPECT_EQ(feed[0].at("data").at("role"), "lead");
  const std::int64_t c2 = num(feed[0].at("timestamp"));
  EXPECT_GT(c2, c1);

  // Setting the role it has already is no change.
  const auto same = alice_.add_member("north", "bob", "lead");
  EXPECT_EQ(same.status, 200) << same.body;
  EXPECT_EQ(same.json().at("data").at("added"), false);
  EXPECT_TRUE(bob_.feed_entries(c2).empty());

  const auto removed = alice_.remove_member("north", "bob");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.json().at("data").at("removed"), "bob");
  feed = bob_.feed_entries(c2);
  ASSERT_EQ(feed.size(), 1u) << json::serialize(feed);
  EXPECT_EQ(feed[0].at("type"), "DELETE");
  EXPECT_EQ(feed[0].at("resourceId"), "north");
  const std::int64_t c3 = num(feed[0].at("timestamp"));

  // A full pull of the feed shows only where bob stands now: the tombstone.
  const auto all = bob_.feed_entries(0);
  ASSERT_EQ(spaces::entries_for(all, "SPACE", "north").size(), 1u) << json::serialize(all);
  EXPECT_EQ(spaces::entries_for(all, "SPACE", "north")[0].at("type"), "DELETE");
  EXPECT_TRUE(bob_.feed_entries(c3).empty());

  // Added again: a CREATE.
  alice_.add_member_ok("north", "bob", "viewer");
  feed = bob_.feed_entries(c3);
  ASSERT_EQ(feed.size(), 1u) << json::serialize(feed);
  EXPECT_EQ(feed[0].at("type"), "CREATE");
  EXPECT_EQ(feed[0].at("data").at("role"), "viewer");
}

TEST_F(SpaceMembershipTest, TheCreatorsFeedHasTheSpaceTooAndPagesLikeAPull) {
  for (const char* id : {"s-a", "s-b", "s-c"}) alice_.create_space_ok(id);
  const auto first = alice_.feed(0, "&limit=2&page=1");
  ASSERT_EQ(first.status, 200) << first.body;
  const auto d = first.json().at("data").as_object();
  EXPECT_EQ(d.at("mutations").as_array().size(), 2u);
  EXPECT_EQ(num(d.at("total")), 3);
  EXPECT_EQ(d.at("hasMore"), true);
  for (const auto& e : d.at("mutations").as_array()) {
    EXPECT_EQ(e.at("type"), "CREATE");
    EXPECT_EQ(e.at("data").at("role"), "owner");
  }
  EXPECT_EQ(alice_.get("/v1/spaces").status, 400);  // the cursor is required, as on /v1/sync
  const auto meta = alice_.feed(0, "&metadataOnly=true");
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(num(meta.json().at("data").at("lastMutationAt")), alice_.feed_head());
  EXPECT_EQ(alice_.feed_entries(0).size(), 3u);
}

TEST_F(SpaceMembershipTest, AnyMemberSeesTheMembersList) {
  alice_.create_space_ok("north");
  alice_.add_member_ok("north", "bob", "viewer");
  alice_.add_member_ok("north", "carol", "lead");
  const auto expected =
      std::map<std::string, std::string>{{"alice", "owner"}, {"bob", "viewer"}, {"carol", "lead"}};
  EXPECT_EQ(roles(bob_, "north"), expected);
  EXPECT_EQ(roles(carol_, "north"), expected);
  const auto r = bob_.members("north");
  const auto body = r.json();
  for (const auto& m : body.at("data").at("members").as_array()) {
    EXPECT_EQ(spaces::keys_of(m), (std::set<std::string>{"person", "role", "since", "addedBy"}))
        << r.body;
  }
  const auto info = bob_.info("north");
  EXPECT_EQ(info.json().at("data").at("role"), "viewer");
}

TEST_F(SpaceMembershipTest, OnlyOwnersManageMembers) {
  alice_.create_space_ok("north");
  alice_.add_member_ok("north", "bob", "lead");
  alice_.add_member_ok("north", "carol", "member");
  EXPECT_EQ(bob_.add_member("north", "dave", "member").status, 403);
  EXPECT_EQ(bob_.add_member("north", "carol", "viewer").status, 403);
  EXPECT_EQ(bob_.remove_member("north", "carol").status, 403);
  EXPECT_EQ(carol_.add_member("north", "carol", "owner").status, 403);
  EXPECT_EQ(roles(alice_, "north"), (std::map<std::string, std::string>{
                                        {"alice", "owner"}, {"bob", "lead"}, {"carol", "member"}}));
  // Removing a person who is not a member is 404; a bad role is 422.
  EXPECT_EQ(alice_.remove_member("north", "dave").status, 404);
  EXPECT_EQ(alice_.add_member("north", "dave", "admin").status, 422);
}

TEST_F(SpaceMembershipTest, ARoleChangeAppliesToTheVeryNextRequest) {
  alice_.create_space_ok("north");
  alice_.push_ok("north", -1, batch({create("site", "s1", spaces::site_data("Site one", "S-1"))}),
                 Mode::kStrict);
  alice_.add_member_ok("north", "bob", "member");
  const std::int64_t h0 = bob_.head("north");
  const auto w = bob_.push_ok("north", h0, batch({create("inspection", "i1", R"({"site":"s1"})")}));
  EXPECT_EQ(ack(w, 0).at("outcome"), "applied");

  // Demoted to viewer: the very next write is refused, though his token did not change.
  alice_.add_member_ok("north", "bob", "viewer");
  const std::int64_t h1 = bob_.head("north");
  const auto refused =
      bob_.push_ok("north", h1, batch({update("inspection", "i1", R"({"status":"submitted"})")}));
  EXPECT_EQ(ack(refused, 0).at("outcome"), "rejected");
  EXPECT_EQ(ack(refused, 0).at("rejection").at("reason"), "permission");
  EXPECT_EQ(spaces::head_of(refused), h1);
  EXPECT_EQ(bob_.push("north", h1, batch({update("inspection", "i1", R"({"status":"submitted"})")}),
                      Mode::kStrict)
                .status,
            403);
  EXPECT_EQ(bob_.head("north"), h1);

  // Promoted to lead: master data at once.
  alice_.add_member_ok("north", "bob", "lead");
  const auto lead =
      bob_.push_ok("north", h1, batch({update("site", "s1", R"({"name":"Site one, renamed"})")}));
  EXPECT_EQ(ack(lead, 0).at("outcome"), "applied") << json::serialize(lead);
  // Made an owner: manages members at once.
  alice_.add_member_ok("north", "bob", "owner");
  EXPECT_EQ(bob_.add_member("north", "carol", "member").status, 200);
}

TEST_F(SpaceMembershipTest, TheLastOwnerCanBeNeitherDemotedNorRemoved) {
  alice_.create_space_ok("north");
  alice_.add_member_ok("north", "bob", "member");
  const auto demote = alice_.add_member("north", "alice", "lead");
  EXPECT_EQ(demote.status, 422) << demote.body;
  EXPECT_NE(spaces::error_message(demote).find("owner"), std::string::npos) << demote.body;
  const auto remove = alice_.remove_member("north", "alice");
  EXPECT_EQ(remove.status, 422) << remove.body;
  EXPECT_EQ(roles(alice_, "north"),
            (std::map<std::string, std::string>{{"alice", "owner"}, {"bob", "member"}}));

  // With a second owner, either may step down.
  alice_.add_member_ok("north", "bob", "owner");
  EXPECT_EQ(alice_.add_member("north", "alice", "member").status, 200);
  EXPECT_EQ(bob_.add_member("north", "bob", "viewer").status, 422);  // now bob is the last one
  EXPECT_EQ(bob_.remove_member("north", "bob").status, 422);
  EXPECT_EQ(roles(bob_, "north"),
            (std::map<std::string, std::string>{{"alice", "member"}, {"bob", "owner"}}));
}

TEST_F(SpaceMembershipTest, AnyoneCanLeave) {
  alice_.create_space_ok("north");
  alice_.add_member_ok("north", "bob", "viewer");
  alice_.add_member_ok("north", "carol", "member");
  const std::int64_t c = bob_.feed_head();
  const auto left = bob_.remove_member("north", "bob");
  ASSERT_EQ(left.status, 200) << left.body;
  EXPECT_EQ(left.json().at("data").at("removed"), "bob");
  EXPECT_EQ(roles(alice_, "north"),
            (std::map<std::string, std::string>{{"alice", "owner"}, {"carol", "member"}}));
  const auto feed = bob_.feed_entries(c);
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(feed[0].at("type"), "DELETE");
  // From then on, the space is revoked for bob.
  const auto after = bob_.info("north");
  EXPECT_EQ(after.status, 403) << after.body;
  EXPECT_EQ(spaces::error_code(after), "SpaceAccessRevoked");
  // A member leaves too.
  EXPECT_EQ(carol_.remove_member("north", "carol").status, 200);
  EXPECT_EQ(roles(alice_, "north"), (std::map<std::string, std::string>{{"alice", "owner"}}));
  // Added back, bob is a member again from the very next request.
  alice_.add_member_ok("north", "bob", "member");
  EXPECT_EQ(bob_.info("north").status, 200);
  EXPECT_EQ(bob_.pull("north", 0).status, 200);
}

// ---------------------------------------------------------------------------------------------
// The server's caps.

TEST(SpaceCapsTest, MaxMembersPerSpaceIs422WithAClearMessage) {
  ServerProcess server(spaces::server_args({"--max-members-per-space", "3"}));
  Device alice(server, "alice", "alice-phone");
  alice.create_space_ok("north");
  alice.add_member_ok("north", "bob", "member");
  alice.add_member_ok("north", "carol", "member");
  const auto full = alice.add_member("north", "dave", "member");
  EXPECT_EQ(full.status, 422) << full.body;
  EXPECT_NE(spaces::error_message(full).find("--max-members-per-space"), std::string::npos)
      << full.body;
  Device dave(server, "dave", "dave-phone");
  EXPECT_EQ(dave.info("north").status, 404);
  EXPECT_TRUE(dave.feed_entries(0).empty());
  // Changing a role at the cap is no new member.
  EXPECT_EQ(alice.add_member("north", "carol", "lead").status, 200);
  // Room again once someone leaves.
  EXPECT_EQ(alice.remove_member("north", "bob").status, 200);
  EXPECT_EQ(alice.add_member("north", "dave", "member").status, 200);
}

TEST(SpaceCapsTest, MaxSpacesPerPersonIs422WithAClearMessage) {
  ServerProcess server(spaces::server_args({"--max-spaces-per-person", "2"}));
  Device alice(server, "alice", "alice-phone");
  Device bob(server, "bob", "bob-phone");
  alice.create_space_ok("a1");
  alice.create_space_ok("a2");
  const auto third = alice.create_space("a3");
  EXPECT_EQ(third.status, 422) << third.body;
  EXPECT_NE(spaces::error_message(third).find("--max-spaces-per-person"), std::string::npos)
      << third.body;
  EXPECT_EQ(alice.info("a3").status, 404);
  EXPECT_EQ(alice.feed_entries(0).size(), 2u);

  // Being added counts too.
  bob.create_space_ok("b1");
  const auto add = bob.add_member("b1", "alice", "member");
  EXPECT_EQ(add.status, 422) << add.body;
  EXPECT_NE(spaces::error_message(add).find("--max-spaces-per-person"), std::string::npos)
      << add.body;
  EXPECT_EQ(alice.info("b1").status, 404);

  // Leaving one makes room.
  EXPECT_EQ(bob.add_member("a1", "bob", "member").status, 404);  // bob is no member of a1
  alice.add_member_ok("a1", "bob", "owner");
  EXPECT_EQ(alice.remove_member("a1", "alice").status, 200);
  EXPECT_EQ(bob.add_member("b1", "alice", "member").status, 200);
}

}  // namespace
}  // namespace synclog::test
