// What only the SQLite backend does: commit groups (many users' writes committed together, each
// job in its own savepoint) and refusing a database file it cannot create. The behaviour every
// backend shares is in store_test.cpp.
#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <future>

#include "store_fixture.hpp"

namespace synclog::storage::sqlite {
namespace {

class SqliteStoreTest : public StoreTest {};

TEST_P(SqliteStoreTest, FailingJobInACommitGroupDoesNotAffectTheOthers) {
  const UserKey a = user("alice");
  const UserKey b = user("bob");
  // Hold the writer thread so the next three jobs queue up and commit as one group.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<Status> blocker_done;
  store_->write(a, [released](WriteTxn&) { released.wait(); return Status(); },
                [&](Status s) { blocker_done.set_value(s); });

  std::promise<Status> ok1, bad, ok2;
  store_->write(a, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "kept-a")));
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 1, 1, "kept-a")));
    return t.set_head(kT0 + 1);
  }, [&](Status s) { ok1.set_value(s); });
  store_->write(a, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "lost")));
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 2, 1, "lost")));
    SYNCLOG_RETURN_IF_ERROR(t.set_head(kT0 + 2));
    return make_error(ErrorCode::kNotFound, "nope");
  }, [&](Status s) { bad.set_value(s); });
  store_->write(b, [](WriteTxn& t) -> Status {
    SYNCLOG_RETURN_IF_ERROR(t.put(record(1, "kept-b")));
    SYNCLOG_RETURN_IF_ERROR(t.append(entry(kT0 + 3, 1, "kept-b")));
    return t.set_head(kT0 + 3);
  }, [&](Status s) { ok2.set_value(s); });
  release.set_value();

  EXPECT_TRUE(blocker_done.get_future().get().ok());
  EXPECT_TRUE(ok1.get_future().get().ok());
  EXPECT_EQ(bad.get_future().get().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(ok2.get_future().get().ok());

  EXPECT_TRUE(get(a, 1, "kept-a").has_value());
  EXPECT_FALSE(get(a, 1, "lost").has_value());
  EXPECT_TRUE(get(b, 1, "kept-b").has_value());
  EXPECT_EQ(head_of(a).head, kT0 + 1);
  EXPECT_EQ(head_of(b).head, kT0 + 3);
  EXPECT_EQ(scan(a, all_entries(true)), (std::vector<std::pair<std::int64_t, std::string>>{
                                            {kT0 + 1, "kept-a"}}));
}


// The store remembers heads and counts for its file; a second process writing the same file
// would make them stale, so a second store on it is refused while the first is open.
TEST_P(SqliteStoreTest, ASecondStoreOnTheSameFileIsRefusedWhileTheFirstIsOpen) {
  SqliteOptions o;
  o.path = db_->dir().file("synclog.db");
  auto second = SqliteStore::open(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(second.error().message.find("another process is serving"), std::string::npos)
      << second.error().message;
  store_->shutdown();
  store_.reset();
  auto again = SqliteStore::open(o);
  ASSERT_TRUE(again.ok()) << again.error().message;
}

TEST_P(SqliteStoreTest, OpeningAnUnwritablePathFails) {
  SqliteOptions o;
  o.path = db_->dir().file("no/such/dir/x.db");
  auto s = SqliteStore::open(o);
  EXPECT_FALSE(s.ok());
}

INSTANTIATE_TEST_SUITE_P(storage, SqliteStoreTest, ::testing::Values(test::Backend::kSqlite), backend_param_name);

}  // namespace
}  // namespace synclog::storage::sqlite
