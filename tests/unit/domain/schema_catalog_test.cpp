// The server's schema catalog: what it answers after loads and registrations arrive in either
// order. A reload reads the documents in one transaction and hands them over later, so a
// registration this server made meanwhile may be newer than the reload; versions are only ever
// added, so the catalog never goes back to a shorter list.
#include "domain/schema_catalog.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace synclog::domain {
namespace {

std::string doc(const std::string& name, int version, int min_version) {
  return R"({"name":")" + name + R"(","version":)" + std::to_string(version) + R"(,"minVersion":)" +
         std::to_string(min_version) + R"(,"types":{"job":{"fields":{"notes":{"type":"string"}}}}})";
}

std::vector<SchemaPtr> compiled(std::vector<std::string> docs) {
  auto versions = compile_versions(std::move(docs), SchemaLimits{});
  EXPECT_TRUE(versions.ok()) << versions.error().message;
  return versions.ok() ? std::move(*versions) : std::vector<SchemaPtr>{};
}

TEST(SchemaCatalogTest, LoadAnswersEveryVersionAndTheLatest) {
  SchemaCatalog catalog;
  ASSERT_TRUE(catalog.load({doc("team", 2, 1), doc("team", 1, 1), doc("other", 1, 1)}, 10).ok());
  ASSERT_TRUE(catalog.latest("team"));
  EXPECT_EQ(catalog.latest("team")->schema.version, 2);
  EXPECT_TRUE(catalog.version("team", 1));
  EXPECT_FALSE(catalog.version("team", 3));
  EXPECT_FALSE(catalog.latest("nobody"));
  EXPECT_EQ(catalog.all().size(), 2u);
}

TEST(SchemaCatalogTest, AReloadReadBeforeARegistrationDoesNotTakeItBack) {
  SchemaCatalog catalog;
  ASSERT_TRUE(catalog.load({doc("team", 1, 1), doc("team", 2, 1)}, 20).ok());
  // Version 3 (minVersion 2) registered here; then the reload started by version 2's commit
  // hands over what it read before version 3 existed.
  catalog.put(compiled({doc("team", 1, 1), doc("team", 2, 1), doc("team", 3, 2)}));
  ASSERT_TRUE(catalog.load({doc("team", 1, 1), doc("team", 2, 1)}, 30).ok());
  EXPECT_EQ(catalog.latest("team")->schema.version, 3);
  EXPECT_EQ(catalog.latest("team")->schema.min_version, 2);
  // A reload that read nothing of a schema registered since keeps it too.
  catalog.put(compiled({doc("fresh", 1, 1)}));
  ASSERT_TRUE(catalog.load({doc("team", 1, 1)}, 40).ok());
  EXPECT_TRUE(catalog.latest("fresh"));
  EXPECT_EQ(catalog.latest("team")->schema.version, 3);
}

TEST(SchemaCatalogTest, ARegistrationOlderThanAReloadDoesNotTakeItBack) {
  SchemaCatalog catalog;
  ASSERT_TRUE(catalog.load({doc("team", 1, 1), doc("team", 2, 1), doc("team", 3, 3)}, 50).ok());
  catalog.put(compiled({doc("team", 1, 1), doc("team", 2, 1)}));
  EXPECT_EQ(catalog.latest("team")->schema.version, 3);
}

TEST(SchemaCatalogTest, ItRemembersTheLatestHeadItLoadedFrom) {
  SchemaCatalog catalog;
  EXPECT_LT(catalog.loaded_head(), 0);
  ASSERT_TRUE(catalog.load({doc("team", 1, 1)}, 20).ok());
  EXPECT_EQ(catalog.loaded_head(), 20);
  // Two reloads may finish in either order: the later head stays.
  ASSERT_TRUE(catalog.load({doc("team", 1, 1)}, 10).ok());
  EXPECT_EQ(catalog.loaded_head(), 20);
  EXPECT_FALSE(catalog.load({R"({"name":"team","version":2})"}, 30).ok());
  EXPECT_EQ(catalog.loaded_head(), 20);
}

TEST(SchemaCatalogTest, ADocumentThatDoesNotCompileChangesNothing) {
  SchemaCatalog catalog;
  ASSERT_TRUE(catalog.load({doc("team", 1, 1)}, 60).ok());
  EXPECT_FALSE(catalog.load({doc("team", 1, 1), R"({"name":"team","version":2})"}, 70).ok());
  EXPECT_EQ(catalog.latest("team")->schema.version, 1);
}

}  // namespace
}  // namespace synclog::domain
