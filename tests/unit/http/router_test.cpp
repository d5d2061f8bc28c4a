// Method + path routing: literal routes win over parameterised ones, "{name}" segments are
// extracted, a last "{name...}" takes the rest of the path, a route for any method takes every
// method, and a path that exists only for other methods yields the 405 Allow list.
#include "http/router.hpp"

#include <gtest/gtest.h>

#include <utility>

namespace synclog::http {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

class RouterTest : public ::testing::Test {
 protected:
  void add(const char* method, const char* pattern) { router_.add(Route{method, pattern, true, {}}); }
  Router router_;
};

TEST_F(RouterTest, MatchesMethodAndLiteralPath) {
  add("GET", "/v1/sync");
  add("POST", "/v1/sync");
  const auto get = router_.match("GET", "/v1/sync");
  ASSERT_NE(get.route, nullptr);
  EXPECT_EQ(get.route->method, "GET");
  EXPECT_EQ(get.route->pattern, "/v1/sync");
  EXPECT_TRUE(get.params.empty());
  EXPECT_TRUE(get.allow.empty());
  const auto post = router_.match("POST", "/v1/sync");
  ASSERT_NE(post.route, nullptr);
  EXPECT_EQ(post.route->method, "POST");
}

TEST_F(RouterTest, UnknownPathMatchesNothingAndAllowsNothing) {
  add("GET", "/v1/sync");
  for (const char* path : {"/v1/syncs", "/v1/syn", "/v1/sync/", "/", "", "/v1/sync/extra"}) {
    const auto m = router_.match("GET", path);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_TRUE(m.allow.empty()) << path;
  }
}

TEST_F(RouterTest, MethodsAreCaseSensitive) {
  add("GET", "/healthz");
  EXPECT_EQ(router_.match("get", "/healthz").route, nullptr);
}

TEST_F(RouterTest, ExtractsParameters) {
  add("DELETE", "/v1/collections/{collectionId}/bookmarks/{bookmarkId}");
  const auto m = router_.match("DELETE", "/v1/collections/c-1/bookmarks/b_2");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params, (Params{{"collectionId", "c-1"}, {"bookmarkId", "b_2"}}));
}

TEST_F(RouterTest, ParameterMatchesExactlyOneNonEmptySegment) {
  add("GET", "/v1/notes/{noteId}");
  EXPECT_EQ(router_.match("GET", "/v1/notes/").route, nullptr);
  EXPECT_EQ(router_.match("GET", "/v1/notes").route, nullptr);
  EXPECT_EQ(router_.match("GET", "/v1/notes/a/b").route, nullptr);
  const auto m = router_.match("GET", "/v1/notes/__default__");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params, (Params{{"noteId", "__default__"}}));
}

TEST_F(RouterTest, LiteralRouteBeatsAParameterRouteWhateverTheOrder) {
  add("GET", "/v1/notes/{noteId}");
  add("GET", "/v1/notes/by-range");
  const auto literal = router_.match("GET", "/v1/notes/by-range");
  ASSERT_NE(literal.route, nullptr);
  EXPECT_EQ(literal.route->pattern, "/v1/notes/by-range");
  EXPECT_TRUE(literal.params.empty());

  const auto param = router_.match("GET", "/v1/notes/n1");
  ASSERT_NE(param.route, nullptr);
  EXPECT_EQ(param.route->pattern, "/v1/notes/{noteId}");
  EXPECT_EQ(param.params, (Params{{"noteId", "n1"}}));
}

TEST_F(RouterTest, WrongMethodListsTheAllowedOnes) {
  add("GET", "/v1/sync");
  add("POST", "/v1/sync");
  add("GET", "/healthz");
  const auto m = router_.match("DELETE", "/v1/sync");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "GET, POST");
}

TEST_F(RouterTest, AllowListHasEachMethodOnceAndIncludesParameterRoutes) {
  add("POST", "/v1/collections/{collectionId}");
  add("DELETE", "/v1/collections/{collectionId}");
  add("POST", "/v1/collections/{id}");
  const auto m = router_.match("PUT", "/v1/collections/c1");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allow, "POST, DELETE");
}

TEST_F(RouterTest, MatchingMethodOnAParameterRouteIsNotA405) {
  add("GET", "/v1/collections/{collectionId}");
  add("POST", "/v1/collections/{collectionId}");
  const auto m = router_.match("POST", "/v1/collections/c9");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "POST");
  EXPECT_TRUE(m.allow.empty());
  EXPECT_EQ(m.params, (Params{{"collectionId", "c9"}}));
}

TEST_F(RouterTest, LiteralPathForAnotherMethodFallsThroughToAParameterRoute) {
  // Regression: a literal route for POST used to shadow GET on the parameter route as a 405.
  add("POST", "/v1/notes/by-range");
  add("GET", "/v1/notes/{noteId}");
  const auto m = router_.match("GET", "/v1/notes/by-range");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/notes/{noteId}");
  EXPECT_EQ(m.params, (Params{{"noteId", "by-range"}}));
}

TEST_F(RouterTest, RestParameterTakesTheRestOfThePathSlashesIncludedEvenEmpty) {
  add("GET", "/app/{path...}");
  const std::pair<const char*, const char*> cases[] = {
      {"/app/", ""}, {"/app/index.html", "index.html"}, {"/app/assets/a-1.js", "assets/a-1.js"},
      {"/app/../x", "../x"}, {"/app//etc", "/etc"}};
  for (const auto& [path, rest] : cases) {
    const auto m = router_.match("GET", path);
    ASSERT_NE(m.route, nullptr) << path;
    EXPECT_EQ(m.params, (Params{{"path", rest}})) << path;
  }
  for (const char* path : {"/app", "/ap", "/apps/x", "/v1/sync"}) {
    EXPECT_EQ(router_.match("GET", path).route, nullptr) << path;
  }
}

TEST_F(RouterTest, AnyMethodRouteTakesEveryMethodAndIsNeverA405) {
  router_.add(Route{std::string(kAnyMethod), "/app/{path...}", false, {}, "app"});
  for (const char* method : {"GET", "HEAD", "POST", "DELETE", "BREW"}) {
    const auto m = router_.match(method, "/app/x.js");
    ASSERT_NE(m.route, nullptr) << method;
    EXPECT_TRUE(m.allow.empty()) << method;
    EXPECT_EQ(m.route->label(), "app");
  }
}

TEST_F(RouterTest, ARouteIsLabelledByItsPatternUnlessNamed) {
  add("GET", "/v1/notes/{noteId}");
  EXPECT_EQ(router_.match("GET", "/v1/notes/n1").route->label(), "/v1/notes/{noteId}");
}

}  // namespace
}  // namespace synclog::http
