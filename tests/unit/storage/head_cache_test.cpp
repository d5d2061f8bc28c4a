// The heads a SQLite process remembers for metadataOnly polls: never lower than a committed
// write's, whatever order reads and writes report in, and not fooled by a read from before the
// cache forgot everything.
#include "storage/head_cache.hpp"

#include <gtest/gtest.h>

namespace synclog::storage {
namespace {

TEST(HeadCacheTest, KeepsTheHighestHeadWhateverTheOrder) {
  HeadCache heads;
  EXPECT_EQ(heads.find(1), std::nullopt);
  heads.raise_seen(1, 5, heads.epoch());  // a read's snapshot
  EXPECT_EQ(heads.find(1), 5);
  heads.raise(1, 9);  // a write, durable
  heads.raise_seen(1, 7, heads.epoch());  // a read whose snapshot predates that write
  EXPECT_EQ(heads.find(1), 9);
  heads.raise(2, 3);
  EXPECT_EQ(heads.find(2), 3);
  EXPECT_EQ(heads.find(1), 9);
}

TEST(HeadCacheTest, AReadFromBeforeTheCacheForgotEverythingIsNotRemembered) {
  HeadCache heads(/*max_users=*/2);
  const auto before = heads.epoch();  // a read of user 1 begins: its snapshot has head 5
  heads.raise(1, 9);                  // a write for user 1 commits and is acknowledged
  heads.raise(2, 4);
  heads.raise(3, 6);                  // full: everything is forgotten
  EXPECT_EQ(heads.find(1), std::nullopt);
  heads.raise_seen(1, 5, before);     // the read ends: its head is older than the acknowledged 9
  EXPECT_EQ(heads.find(1), std::nullopt);
  heads.raise_seen(1, 9, heads.epoch());  // a read that began after
  EXPECT_EQ(heads.find(1), 9);
  EXPECT_EQ(heads.find(3), 6);
}

}  // namespace
}  // namespace synclog::storage
