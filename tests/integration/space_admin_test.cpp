// SpaceAdmin (include/synclog/client/space_admin.hpp) against the real App in-process
// (in_process_server.hpp; SQLite, and PostgreSQL in the .postgres run): each request's typed
// result, and each refusal as the Status the header promises, carrying the server's message:
// 401, 403 (a role too weak, a token without the admin scope), 403 SpaceAccessRevoked, 404,
// 409 and 422. The review list is filled the way it is in the field: a removed member's device
// pushes what it still had.
#include "synclog/client/space_admin.hpp"

#include "in_process_server.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace synclog::client {
namespace {

using test::InProcessServer;
using test::InProcessServerOptions;
using test::TempDir;

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

InProcessServerOptions with_schema() {
  InProcessServerOptions o;
  o.schemas = {R"({"name":"audits","version":1,"types":{
      "site":{"masterData":true,"fields":{"name":{"type":"string","required":true}}},
      "audit":{"fields":{"site":{"type":"reference","to":"site","required":true},
                         "note":{"type":"string"}}}}})"};
  return o;
}

class SpaceAdminTest : public ::testing::Test {
 protected:
  // A device file of `person`, whose token has `scopes` (empty: the default ones, no admin).
  std::unique_ptr<LocalStore> device(const std::string& person, const std::string& scopes = "") {
    auto store = LocalStore::open(dir_.file(person + "-" + std::to_string(++files_) + ".db"));
    EXPECT_TRUE(store.ok()) << store.error().message;
    EXPECT_TRUE((*store)->set_token(server_.token_for(person, scopes)).ok());
    return std::move(*store);
  }

  TempDir dir_;
  int files_ = 0;
  InProcessServer server_{with_schema()};
};

TEST_F(SpaceAdminTest, AnOwnerCreatesASpaceAndManagesItsMembers) {
  auto alice = device("alice");
  SpaceAdmin admin(*alice, server_.transport());

  auto created = admin.create_space("North depot", "audits", "north");
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->id, "north");
  EXPECT_EQ(created->name, "North depot");
  EXPECT_EQ(created->schema, "audits");
  EXPECT_EQ(created->role, "owner");
  EXPECT_EQ(created->created_by, "alice");
  EXPECT_FALSE(created->created_at.empty());
  auto minted = admin.create_space("South depot", "audits");
  ASSERT_TRUE(minted.ok()) << minted.error().message;
  EXPECT_FALSE(minted->id.empty());
  EXPECT_NE(minted->id, "north");

  auto added = admin.set_member("north", "bob", "member");
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_TRUE(added->added);
  EXPECT_EQ(added->member.person, "bob");
  EXPECT_EQ(added->member.role, "member");
  EXPECT_EQ(added->member.added_by, "alice");
  auto promoted = admin.set_member("north", "bob", "lead");
  ASSERT_TRUE(promoted.ok()) << promoted.error().message;
  EXPECT_FALSE(promoted->added);
  EXPECT_EQ(promoted->member.role, "lead");
  // A person is whatever a token names: the query is encoded.
  ASSERT_TRUE(admin.set_member("north", "auth0|carol@example.com", "viewer").ok());

  auto members = admin.members("north");
  ASSERT_TRUE(members.ok()) << members.error().message;
  ASSERT_EQ(members->size(), 3u);
  for (const auto& m : *members) {
    EXPECT_FALSE(m.since.empty()) << m.person;
    EXPECT_EQ(m.added_by, "alice") << m.person;
  }

  ASSERT_TRUE(admin.remove_member("north", "auth0|carol@example.com").ok());
  // Anyone may leave.
  auto bob = device("bob");
  SpaceAdmin bob_admin(*bob, server_.transport());
  EXPECT_EQ(bob_admin.members("north")->size(), 2u);
  ASSERT_TRUE(bob_admin.remove_member("north", "bob").ok());
  EXPECT_EQ(admin.members("north")->size(), 1u);
}

TEST_F(SpaceAdminTest, RefusalsCarryTheServersCodeAndMessage) {
  auto alice = device("alice");
  SpaceAdmin admin(*alice, server_.transport());
  ASSERT_TRUE(admin.create_space("North depot", "audits", "north").ok());
  ASSERT_TRUE(admin.set_member("north", "bob", "member").ok());

  // 409: the id is taken.
  auto taken = admin.create_space("Again", "audits", "north");
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(taken.error().message.empty());
  // 422: an unknown schema, a bad role, the last owner.
  auto unknown = admin.create_space("Elsewhere", "nonsense");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnprocessable);
  EXPECT_TRUE(has(unknown.error().message, "no schema named nonsense")) << unknown.error().message;
  auto bad_role = admin.set_member("north", "dana", "boss");
  ASSERT_FALSE(bad_role.ok());
  EXPECT_EQ(bad_role.error().code, ErrorCode::kUnprocessable);
  EXPECT_TRUE(has(bad_role.error().message, "role")) << bad_role.error().message;
  const Status last_owner = admin.remove_member("north", "alice");
  ASSERT_FALSE(last_owner.ok());
  EXPECT_EQ(last_owner.code(), ErrorCode::kUnprocessable);
  // 404: not a member, and a space a stranger cannot tell from one that does not exist.
  const Status nobody = admin.remove_member("north", "nobody");
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.code(), ErrorCode::kNotFound);
  auto mallory = device("mallory");
  auto hidden = SpaceAdmin(*mallory, server_.transport()).members("north");
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(hidden.error().message, "Space north not found");

  // 403: a member manages no one.
  auto bob = device("bob");
  SpaceAdmin bob_admin(*bob, server_.transport());
  auto not_owner = bob_admin.set_member("north", "dana", "member");
  ASSERT_FALSE(not_owner.ok());
  EXPECT_EQ(not_owner.error().code, ErrorCode::kForbidden);
  EXPECT_FALSE(not_owner.error().message.empty());
  // 403 SpaceAccessRevoked once removed.
  ASSERT_TRUE(admin.remove_member("north", "bob").ok());
  auto revoked = bob_admin.members("north");
  ASSERT_FALSE(revoked.ok());
  EXPECT_EQ(revoked.error().code, ErrorCode::kSpaceAccessRevoked);
  EXPECT_TRUE(has(revoked.error().message, "north")) << revoked.error().message;

  // 401: a token the server does not accept.
  ASSERT_TRUE(alice->set_token("not-a-token").ok());
  auto unauthorized = admin.members("north");
  ASSERT_FALSE(unauthorized.ok());
  EXPECT_EQ(unauthorized.error().code, ErrorCode::kUnauthorized);

  // No server URL and no transport: nothing to send to.
  auto offline = device("olga");
  auto nowhere = SpaceAdmin(*offline).members("north");
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.error().code, ErrorCode::kInvalidRequest);
}

TEST_F(SpaceAdminTest, RegisteringASchemaNeedsTheAdminScope) {
  const std::string v1 = R"({"name":"checks","version":1,"types":{"check":{"fields":{"title":{"type":"string"}}}}})";
  auto plain = device("ops");
  auto refused = SpaceAdmin(*plain, server_.transport()).register_schema(v1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(has(refused.error().message, "admin")) << refused.error().message;

  auto ops = device("ops", "sync admin");
  SpaceAdmin admin(*ops, server_.transport());
  auto registered = admin.register_schema(v1);
  ASSERT_TRUE(registered.ok()) << registered.error().message;
  EXPECT_TRUE(registered->registered);
  EXPECT_EQ(registered->name, "checks");
  EXPECT_EQ(registered->version, 1);
  EXPECT_EQ(registered->min_version, 1);
  EXPECT_EQ(registered->versions, std::vector<std::int64_t>{1});
  auto again = admin.register_schema(v1);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->registered);
  auto other = admin.register_schema(
      R"({"name":"checks","version":1,"types":{"check":{"fields":{"title":{"type":"integer"}}}}})");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, ErrorCode::kConflict);
  auto invalid = admin.register_schema(R"({"name":"broken","version":1,"types":{"x":{"fields":{"id":{"type":"string"}}}}})");
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().code, ErrorCode::kUnprocessable);
  EXPECT_TRUE(has(invalid.error().message, "Invalid schema")) << invalid.error().message;
}

TEST_F(SpaceAdminTest, TheReviewListsWhatARemovedMemberStillPushed) {
  auto alice = device("alice");
  SpaceAdmin admin(*alice, server_.transport());
  ASSERT_TRUE(admin.create_space("North depot", "audits", "north").ok());
  ASSERT_TRUE(admin.set_member("north", "bob", "member").ok());
  ASSERT_TRUE(admin.remove_member("north", "bob").ok());

  // Bob's device, not yet aware, pushes an audit.
  HttpRequest push;
  push.method = "POST";
  push.target = "/v1/spaces/north/sync?conflictMode=field&lastMutationAt=0";
  push.headers = {{"x-auth-token", server_.token_for("bob")}, {"x-client-id", "bob-phone"},
                  {"content-type", "application/json"}};
  push.body = R"({"mutations":[{"type":"CREATE","resource":"audit","resourceId":"a1","data":{"site":"s1","note":"late"}}]})";
  auto answer = server_.transport()->send(push);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  ASSERT_EQ(answer->status, 403) << answer->body;

  auto items = admin.review("north");
  ASSERT_TRUE(items.ok()) << items.error().message;
  ASSERT_EQ(items->size(), 1u);
  const ReviewItem& item = items->front();
  EXPECT_FALSE(item.id.empty());
  EXPECT_EQ(item.person, "bob");
  EXPECT_EQ(item.client, "bob-phone");
  EXPECT_EQ(item.method, "POST");
  EXPECT_TRUE(item.target.starts_with("/v1/spaces/north/sync")) << item.target;
  EXPECT_TRUE(has(item.request, "\"note\":\"late\"")) << item.request;
  EXPECT_FALSE(item.at.empty());

  // Only leads and owners read it.
  ASSERT_TRUE(admin.set_member("north", "dana", "member").ok());
  auto dana = device("dana");
  auto not_lead = SpaceAdmin(*dana, server_.transport()).review("north");
  ASSERT_FALSE(not_lead.ok());
  EXPECT_EQ(not_lead.error().code, ErrorCode::kForbidden);

  ASSERT_TRUE(admin.dismiss_review("north", item.id).ok());
  EXPECT_TRUE(admin.review("north")->empty());
  const Status gone = admin.dismiss_review("north", item.id);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace synclog::client
