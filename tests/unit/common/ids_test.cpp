// Server-minted ids and the rules for client-chosen ones.
#include "common/ids.hpp"

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

namespace synclog {
namespace {

TEST(IdsTest, MintedIdsAreTwentyFourLowercaseAlphanumerics) {
  const std::string id = new_resource_id();
  EXPECT_EQ(id.size(), 24u);
  for (char c : id) EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << id;
  EXPECT_TRUE(is_valid_id(id));
}

TEST(IdsTest, MintedIdsDoNotCollideAcrossThreads) {
  std::vector<std::vector<std::string>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& out : per_thread) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 20000; ++i) out.push_back(new_resource_id());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (auto& v : per_thread) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 80000u);
}

TEST(IdsTest, ClientIdsAreOneToSixtyFourSafeCharacters) {
  EXPECT_TRUE(is_valid_id("a"));
  EXPECT_TRUE(is_valid_id("device-7_note-12"));
  EXPECT_TRUE(is_valid_id(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_id("has space"));
  EXPECT_FALSE(is_valid_id("slash/es"));
  EXPECT_FALSE(is_valid_id("ümlaut"));
  EXPECT_FALSE(is_valid_id("__default__/x"));
}

}  // namespace
}  // namespace synclog
