// The names of the SDK's vocabulary (include/synclog/client/types.hpp): wire names of
// resources, strategy names, outcome (event) names, and the spellings the parsers accept.
#include "synclog/client/types.hpp"

#include <gtest/gtest.h>

#include <string>

namespace synclog::client {
namespace {

constexpr Strategy kAllStrategies[] = {Strategy::kServerWins, Strategy::kClientWins,
                                       Strategy::kLastWriteWins, Strategy::kFieldMerge,
                                       Strategy::kManual};

TEST(ClientTypesTest, ResourceWireNames) {
  EXPECT_EQ(resource_name(Resource::kBookmark), "BOOKMARK");
  EXPECT_EQ(resource_name(Resource::kCollection), "COLLECTION");
  EXPECT_EQ(resource_name(Resource::kCollectionBookmark), "COLLECTION_BOOKMARK");
  EXPECT_EQ(resource_name(Resource::kNote), "NOTE");
  EXPECT_EQ(resource_name(Resource::kReadingSession), "READING_SESSION");
}

TEST(ClientTypesTest, EveryResourceNameParsesBack) {
  for (Resource r : kAllResources) {
    EXPECT_EQ(parse_resource(resource_name(r)), r) << resource_name(r);
  }
}

TEST(ClientTypesTest, ParseResourceAcceptsCommandLineSpellings) {
  EXPECT_EQ(parse_resource("note"), Resource::kNote);
  EXPECT_EQ(parse_resource("bookmark"), Resource::kBookmark);
  EXPECT_EQ(parse_resource("collection"), Resource::kCollection);
  EXPECT_EQ(parse_resource("collection-bookmark"), Resource::kCollectionBookmark);
  EXPECT_EQ(parse_resource("collection_bookmark"), Resource::kCollectionBookmark);
  EXPECT_EQ(parse_resource("reading-session"), Resource::kReadingSession);
  EXPECT_EQ(parse_resource("Reading-Session"), Resource::kReadingSession);
}

TEST(ClientTypesTest, ParseResourceRefusesOtherNames) {
  EXPECT_EQ(parse_resource(""), std::nullopt);
  EXPECT_EQ(parse_resource("notes"), std::nullopt);
  EXPECT_EQ(parse_resource("NOTE "), std::nullopt);
  EXPECT_EQ(parse_resource("collectionbookmark"), std::nullopt);
  EXPECT_EQ(parse_resource("PREFERENCE"), std::nullopt);
  EXPECT_EQ(parse_resource(std::string("NOTE\0", 5)), std::nullopt);
}

TEST(ClientTypesTest, StrategyNames) {
  EXPECT_EQ(strategy_name(Strategy::kServerWins), "server-wins");
  EXPECT_EQ(strategy_name(Strategy::kClientWins), "client-wins");
  EXPECT_EQ(strategy_name(Strategy::kLastWriteWins), "last-write-wins");
  EXPECT_EQ(strategy_name(Strategy::kFieldMerge), "field-merge");
  EXPECT_EQ(strategy_name(Strategy::kManual), "manual");
}

TEST(ClientTypesTest, EveryStrategyNameParsesBack) {
  for (Strategy s : kAllStrategies) {
    EXPECT_EQ(parse_strategy(strategy_name(s)), s) << strategy_name(s);
  }
}

TEST(ClientTypesTest, ParseStrategyFoldsCaseAndUnderscores) {
  EXPECT_EQ(parse_strategy("LAST_WRITE_WINS"), Strategy::kLastWriteWins);
  EXPECT_EQ(parse_strategy("Field-Merge"), Strategy::kFieldMerge);
  EXPECT_EQ(parse_strategy("MANUAL"), Strategy::kManual);
}

TEST(ClientTypesTest, ParseStrategyRefusesOtherNames) {
  EXPECT_EQ(parse_strategy(""), std::nullopt);
  EXPECT_EQ(parse_strategy("lww"), std::nullopt);
  EXPECT_EQ(parse_strategy("server wins"), std::nullopt);
  EXPECT_EQ(parse_strategy("serverwins"), std::nullopt);
  EXPECT_EQ(parse_strategy("manual-"), std::nullopt);
}

TEST(ClientTypesTest, OutcomeNamesAreTheEventNames) {
  EXPECT_EQ(outcome_name(Outcome::kSynced), "synced");
  EXPECT_EQ(outcome_name(Outcome::kMerged), "merged");
  EXPECT_EQ(outcome_name(Outcome::kNeedsUser), "needs_user");
}

}  // namespace
}  // namespace synclog::client
