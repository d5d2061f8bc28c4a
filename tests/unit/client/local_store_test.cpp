// The device's local store (include/synclog/client/local_store.hpp) on a real file: metadata
// defaults, writes that are queued durably (also across reopening), every squash rule and the
// in-flight rule, the push order of next_batch, a batch's life (begin, reopen, finish, abandon),
// applying and rebasing on server state, transactions, the conflict log, and clear errors for
// bad input.
#include "synclog/client/local_store.hpp"

#include "client/sync_queue.hpp"
#include "common/time_format.hpp"
#include "temp_dir.hpp"

#include "status_matchers.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace synclog::client {
namespace {

constexpr std::int64_t kT0 = 1779185730123;
constexpr std::string_view kT0Iso = "2026-05-19T10:15:30.123Z";
constexpr auto kNote = Resource::kNote;
constexpr auto kBookmark = Resource::kBookmark;
constexpr auto kCollection = Resource::kCollection;
constexpr auto kMembership = Resource::kCollectionBookmark;
constexpr auto kSession = Resource::kReadingSession;

// The value of `r`, or (after recording a failure) a default one, so tests read top to bottom.
template <class T>
T value_of(Result<T> r) {
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return T{};
  }
  return std::move(r).value();
}

template <class T>
ErrorCode code_of(const Result<T>& r) {
  return r.ok() ? ErrorCode::kInternal : r.error().code;
}
ErrorCode code_of(const Status& s) { return s.ok() ? ErrorCode::kInternal : s.error().code; }

std::vector<std::string> ids_of(const std::vector<QueuedMutation>& q) {
  std::vector<std::string> out;
  for (const auto& m : q)
    out.push_back(std::string(resource_name(m.resource)) + " " + std::string(m.id) + " " +
                  (m.type == MutationType::kCreate   ? "CREATE"
                   : m.type == MutationType::kUpdate ? "UPDATE"
                                                     : "DELETE"));
  return out;
}

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    reopen();
  }

  std::string path() const { return dir_.file("device.db"); }

  void reopen() {
    store_.reset();
    LocalStore::Options options;
    options.clock = &clock_;
    auto s = LocalStore::open(path(), options);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
  }

  LocalStore& store() { return *store_; }
  // The engine's side of the file (client/sync_queue.hpp).
  SyncQueue queue() { return SyncQueue(*store_); }

  std::int64_t seq_of(Resource r, const std::string& id) {
    auto q = value_of(queue().pending_for(r, id));
    EXPECT_FALSE(q.empty());
    return q.empty() ? -1 : q.back().seq;
  }

  // A record the server has at `version`, nothing queued.
  void synced(Resource r, const std::string& id, const std::string& data, std::int64_t version) {
    ASSERT_OK(queue().apply_server(r, id, data, version));
  }

  test::TempDir dir_;
  ManualClock clock_{kT0};
  std::unique_ptr<LocalStore> store_;
};

//////// Opening and metadata

TEST_F(LocalStoreTest, NewFileHasDefaults) {
  EXPECT_EQ(value_of(store().server_url()), "");
  EXPECT_EQ(value_of(store().token()), "");
  EXPECT_EQ(value_of(store().cursor()), 0);
  EXPECT_EQ(value_of(store().last_sync_ms()), 0);
  for (Resource r : kAllResources) EXPECT_EQ(value_of(store().strategy(r)), Strategy::kServerWins);
  const auto id = value_of(store().client_id());
  EXPECT_EQ(id.rfind("device-", 0), 0u) << id;
  EXPECT_GT(id.size(), std::string("device-").size());
  EXPECT_EQ(value_of(store().queue_length()), 0);
  EXPECT_FALSE(value_of(store().inflight_batch()).has_value());
  EXPECT_TRUE(value_of(store().conflicts()).empty());
  EXPECT_TRUE(value_of(store().list(kNote)).empty());
}

TEST_F(LocalStoreTest, MetadataSurvivesReopenAndTheClientIdIsKept) {
  const auto id = value_of(store().client_id());
  ASSERT_OK(store().set_server_url("http://127.0.0.1:8080"));
  ASSERT_OK(store().set_token("tok.en.value"));
  ASSERT_OK(queue().set_cursor(1779185730999));
  ASSERT_OK(queue().set_last_sync_ms(kT0));
  ASSERT_OK(store().set_strategy(kNote, Strategy::kFieldMerge));
  ASSERT_OK(store().set_strategy(kBookmark, Strategy::kManual));
  reopen();
  EXPECT_EQ(value_of(store().client_id()), id);
  EXPECT_EQ(value_of(store().server_url()), "http://127.0.0.1:8080");
  EXPECT_EQ(value_of(store().token()), "tok.en.value");
  EXPECT_EQ(value_of(store().cursor()), 1779185730999);
  EXPECT_EQ(value_of(store().last_sync_ms()), kT0);
  EXPECT_EQ(value_of(store().strategy(kNote)), Strategy::kFieldMerge);
  EXPECT_EQ(value_of(store().strategy(kBookmark)), Strategy::kManual);
  EXPECT_EQ(value_of(store().strategy(kCollection)), Strategy::kServerWins);
}

TEST_F(LocalStoreTest, TwoFilesHaveDifferentClientIds) {
  auto other = LocalStore::open(dir_.file("other.db"));
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_NE(value_of((*other)->client_id()), value_of(store().client_id()));
}

// The file header (https://www.sqlite.org/fileformat.html): bytes 18-19 are 2 in WAL mode, and
// bytes 60-63 hold user_version, big-endian.
TEST_F(LocalStoreTest, TheFileIsInWalModeAtTheCurrentSchemaVersion) {
  store_.reset();  // the last connection checkpoints the WAL into the file
  std::ifstream in(path(), std::ios::binary);
  std::string header(100, '\0');
  ASSERT_TRUE(in.read(header.data(), 100));
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
  // 4: shared spaces (3) and resumable pulls from 0 (4), client/local_schema.cpp.
  EXPECT_EQ(header.substr(60, 4), std::string("\0\0\0\4", 4));
}

TEST_F(LocalStoreTest, AFileFromANewerSynclogIsRefused) {
  store_.reset();
  {
    std::fstream f(path(), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(60);
    f.write("\0\0\0\x63", 4);  // user_version 99
  }
  auto s = LocalStore::open(path());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInternal);
  EXPECT_NE(s.error().message.find("newer"), std::string::npos) << s.error().message;
}

TEST_F(LocalStoreTest, AFileThatIsNotADatabaseIsRefused) {
  const auto other = dir_.file("notes.txt");
  std::ofstream(other) << std::string(4096, 'x');
  auto s = LocalStore::open(other);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInternal);
}

//////// Local writes

TEST_F(LocalStoreTest, APutIsQueuedAfterReopening) {
  const auto id = value_of(store().put(kNote, R"({"body":"a note body","ranges":["1:1-1:7"]})"));
  reopen();
  auto r = value_of(store().get(kNote, id));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->pending);
  EXPECT_EQ(r->version, 0);
  EXPECT_EQ(value_of(store().queue_length()), 1);
  auto batch = value_of(queue().next_batch());
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].type, MutationType::kCreate);
  EXPECT_EQ(batch[0].id, id);
  EXPECT_EQ(batch[0].data, r->data);
}

TEST_F(LocalStoreTest, APutWithoutIdCreatesWithAFreshIdAndClientTimes) {
  const auto a = value_of(store().put(kNote, R"({"body":"a note body","ranges":["1:1-1:7"]})"));
  const auto b = value_of(store().put(kNote, R"({"body":"b note body","ranges":["1:1-1:7"]})"));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 24u);
  auto r = value_of(store().get(kNote, a));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data, R"({"body":"a note body","ranges":["1:1-1:7"],"clientCreatedAt":")" +
                         std::string(kT0Iso) + R"(","clientUpdatedAt":")" + std::string(kT0Iso) +
                         R"("})");
  auto q = value_of(queue().pending_for(kNote, a));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].client_updated_at, kT0);
  EXPECT_EQ(q[0].base_version, 0);
  EXPECT_TRUE(q[0].batch.empty());
  auto all = value_of(store().list(kNote));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].pending && all[1].pending);
}

TEST_F(LocalStoreTest, ClientTimesAreNormalisedToUtc) {
  const auto id =
      value_of(store().put(kNote, R"({"body":"timed body","clientCreatedAt":1779185730123,)"
                                  R"("clientUpdatedAt":"2026-06-02T03:04:05+02:00"})"));
  auto r = value_of(store().get(kNote, id));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->data, R"({"body":"timed body","clientCreatedAt":"2026-05-19T10:15:30.123Z",)"
                     R"("clientUpdatedAt":"2026-06-02T01:04:05.000Z"})");
  auto q = value_of(queue().pending_for(kNote, id));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].client_updated_at, *parse_iso8601_ms("2026-06-02T01:04:05Z"));
}

TEST_F(LocalStoreTest, APutOnASyncedRecordIsAnUpdateOfItsFields) {
  synced(kNote, "n1", R"({"body":"server body","ranges":["2:1-2:3"]})", 500);
  clock_.advance(1000);
  EXPECT_EQ(value_of(store().put(kNote, R"({"body":"local body"})", "n1")), "n1");
  auto r = value_of(queue().get_stored(kNote, "n1"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->record.data, R"({"body":"local body","ranges":["2:1-2:3"],)"
                            R"("clientUpdatedAt":"2026-05-19T10:15:31.123Z"})");
  EXPECT_EQ(r->record.version, 500);
  EXPECT_EQ(r->base, R"({"body":"server body","ranges":["2:1-2:3"]})");
  EXPECT_TRUE(r->record.pending);
  auto q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].type, MutationType::kUpdate);
  EXPECT_EQ(q[0].base_version, 500);
  EXPECT_EQ(q[0].data, r->record.data);
}

TEST_F(LocalStoreTest, APutWithAnUnknownIdCreatesThatId) {
  EXPECT_EQ(value_of(store().put(kCollection, R"({"name":"Mine"})", "my-collection_1")),
            "my-collection_1");
  auto q = value_of(queue().pending_for(kCollection, "my-collection_1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].type, MutationType::kCreate);
}

TEST_F(LocalStoreTest, AMembershipIsIdentifiedByItsPairAndAddingItTwiceChangesNothing) {
  EXPECT_EQ(value_of(store().put(kMembership, R"({"collectionId":"c1","bookmarkId":"b1"})")),
            "c1-b1");
  const auto before = value_of(store().get(kMembership, "c1-b1"));
  clock_.advance(1000);
  EXPECT_EQ(
      value_of(store().put(kMembership, R"({"collectionId":"c1","bookmarkId":"b1"})", "c1-b1")),
      "c1-b1");
  EXPECT_EQ(value_of(store().get(kMembership, "c1-b1"))->data, before->data);
  EXPECT_EQ(value_of(store().queue_length()), 1);
  // Its DELETE names the pair, as the server needs.
  synced(kMembership, "c2-b2", R"({"collectionId":"c2","bookmarkId":"b2"})", 10);
  ASSERT_OK(store().remove(kMembership, "c2-b2"));
  auto q = value_of(queue().pending_for(kMembership, "c2-b2"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].type, MutationType::kDelete);
  EXPECT_EQ(q[0].data, R"({"collectionId":"c2","bookmarkId":"b2"})");
}

//////// Squashing

TEST_F(LocalStoreTest, CreateThenUpdateIsOneCreateWithTheMergedData) {
  const auto id = value_of(store().put(kNote, R"({"body":"first body","ranges":["1:1-1:7"]})"));
  clock_.advance(1000);
  ASSERT_OK(store().put(kNote, R"({"body":"second body"})", id));
  auto q = value_of(queue().pending_for(kNote, id));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].type, MutationType::kCreate);
  EXPECT_EQ(q[0].data, R"({"body":"second body","ranges":["1:1-1:7"],"clientCreatedAt":")" +
                           std::string(kT0Iso) +
                           R"(","clientUpdatedAt":"2026-05-19T10:15:31.123Z"})");
  EXPECT_EQ(q[0].client_updated_at, kT0 + 1000);
}

TEST_F(LocalStoreTest, UpdateThenUpdateIsOneUpdateOnTheFirstBase) {
  synced(kNote, "n1", R"({"body":"server body","ranges":["2:1-2:3"]})", 500);
  ASSERT_OK(store().put(kNote, R"({"body":"edit one"})", "n1"));
  const auto seq = seq_of(kNote, "n1");
  clock_.advance(1000);
  ASSERT_OK(store().put(kNote, R"({"saveToQR":true})", "n1"));
  auto q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].seq, seq);
  EXPECT_EQ(q[0].type, MutationType::kUpdate);
  EXPECT_EQ(q[0].base_version, 500);
  EXPECT_EQ(q[0].data, R"({"body":"edit one","ranges":["2:1-2:3"],)"
                       R"("clientUpdatedAt":"2026-05-19T10:15:31.123Z","saveToQR":true})");
}

TEST_F(LocalStoreTest, CreateThenDeleteLeavesNothingToSend) {
  const auto id = value_of(store().put(kNote, R"({"body":"short-lived","ranges":["1:1-1:7"]})"));
  ASSERT_OK(store().remove(kNote, id));
  EXPECT_EQ(value_of(store().queue_length()), 0);
  EXPECT_FALSE(value_of(store().get(kNote, id)).has_value());
  EXPECT_TRUE(value_of(queue().next_batch()).empty());
}

TEST_F(LocalStoreTest, UpdateThenDeleteIsOneDelete) {
  synced(kNote, "n1", R"({"body":"server body","ranges":["2:1-2:3"]})", 500);
  ASSERT_OK(store().put(kNote, R"({"body":"edit one"})", "n1"));
  const auto seq = seq_of(kNote, "n1");
  clock_.advance(1000);
  ASSERT_OK(store().remove(kNote, "n1"));
  auto q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].seq, seq);
  EXPECT_EQ(q[0].type, MutationType::kDelete);
  EXPECT_EQ(q[0].data, "{}");
  EXPECT_EQ(q[0].base_version, 500);
  EXPECT_EQ(q[0].client_updated_at, kT0 + 1000);
  EXPECT_FALSE(value_of(store().get(kNote, "n1")).has_value());
}

TEST_F(LocalStoreTest, DeleteThenCreateAgainStaysTwoMutations) {
  synced(kNote, "n1", R"({"body":"server body","ranges":["2:1-2:3"]})", 500);
  ASSERT_OK(store().remove(kNote, "n1"));
  ASSERT_OK(store().put(kNote, R"({"body":"a new note","ranges":["3:1-3:2"]})", "n1"));
  auto q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].type, MutationType::kDelete);
  EXPECT_EQ(q[1].type, MutationType::kCreate);
  EXPECT_EQ(q[1].data, R"({"body":"a new note","ranges":["3:1-3:2"],"clientCreatedAt":")" +
                           std::string(kT0Iso) + R"(","clientUpdatedAt":")" + std::string(kT0Iso) +
                           R"("})");
}

TEST_F(LocalStoreTest, AMutationInFlightIsNeverModified) {
  const auto id = value_of(store().put(kNote, R"({"body":"first body","ranges":["1:1-1:7"]})"));
  const auto sent = value_of(queue().pending_for(kNote, id));
  ASSERT_EQ(sent.size(), 1u);
  ASSERT_OK(queue().begin_batch("key-1", "/v1/sync?lastMutationAt=0", "{...}", {sent[0].seq}));

  ASSERT_OK(store().put(kNote, R"({"body":"second body"})", id));
  auto q = value_of(queue().pending_for(kNote, id));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].seq, sent[0].seq);
  EXPECT_EQ(q[0].type, MutationType::kCreate);
  EXPECT_EQ(q[0].data, sent[0].data);
  EXPECT_EQ(q[0].batch, "key-1");
  EXPECT_EQ(q[1].type, MutationType::kUpdate);
  EXPECT_TRUE(q[1].batch.empty());

  // The pending UPDATE squashes with the DELETE; the in-flight CREATE stays as sent.
  ASSERT_OK(store().remove(kNote, id));
  q = value_of(queue().pending_for(kNote, id));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].data, sent[0].data);
  EXPECT_EQ(q[0].batch, "key-1");
  EXPECT_EQ(q[1].type, MutationType::kDelete);
  EXPECT_EQ(value_of(store().inflight_batch())->mutations[0].data, sent[0].data);
}

TEST_F(LocalStoreTest, ADeleteOfACreateInFlightIsAppended) {
  const auto id = value_of(store().put(kNote, R"({"body":"first body","ranges":["1:1-1:7"]})"));
  ASSERT_OK(queue().begin_batch("key-1", "/v1/sync?lastMutationAt=0", "{}", {seq_of(kNote, id)}));
  ASSERT_OK(store().remove(kNote, id));
  auto q = value_of(queue().pending_for(kNote, id));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].type, MutationType::kCreate);
  EXPECT_EQ(q[1].type, MutationType::kDelete);
}

//////// Push order

TEST_F(LocalStoreTest, NextBatchPutsDependenciesFirst) {
  synced(kMembership, "c1-b1", R"({"collectionId":"c1","bookmarkId":"b1"})", 10);
  const auto note = value_of(store().put(kNote, R"({"body":"a note body","ranges":["1:1-1:7"]})"));
  ASSERT_OK(store().put(kMembership, R"({"collectionId":"c2","bookmarkId":"b2"})"));
  ASSERT_OK(store().put(kBookmark, R"({"type":"ayah","key":1,"verseNumber":1})", "b2"));
  ASSERT_OK(store().put(kCollection, R"({"name":"Reading"})", "c2"));
  const auto session = value_of(store().put(kSession, R"({"chapterNumber":2,"verseNumber":255})"));
  ASSERT_OK(store().remove(kMembership, "c1-b1"));
  EXPECT_EQ(ids_of(value_of(queue().next_batch())),
            (std::vector<std::string>{"COLLECTION_BOOKMARK c1-b1 DELETE", "BOOKMARK b2 CREATE",
                                      "COLLECTION c2 CREATE", "COLLECTION_BOOKMARK c2-b2 CREATE",
                                      "NOTE " + note + " CREATE",
                                      "READING_SESSION " + session + " CREATE"}));
  EXPECT_EQ(ids_of(value_of(queue().next_batch(2))),
            (std::vector<std::string>{"COLLECTION_BOOKMARK c1-b1 DELETE", "BOOKMARK b2 CREATE"}));
}

TEST_F(LocalStoreTest, NextBatchKeepsTheOrderWithinARecord) {
  // A membership created (sent, then released by a 409) and deleted again: its DELETE must
  // follow its CREATE although deletes of memberships otherwise go first.
  ASSERT_OK(store().put(kMembership, R"({"collectionId":"c3","bookmarkId":"b3"})"));
  ASSERT_OK(queue().begin_batch("key-1", "/v1/sync?lastMutationAt=0", "{}",
                                {seq_of(kMembership, "c3-b3")}));
  ASSERT_OK(store().remove(kMembership, "c3-b3"));
  synced(kMembership, "c4-b4", R"({"collectionId":"c4","bookmarkId":"b4"})", 10);
  ASSERT_OK(store().remove(kMembership, "c4-b4"));
  ASSERT_OK(queue().abandon_batch("key-1"));
  EXPECT_EQ(ids_of(value_of(queue().next_batch())),
            (std::vector<std::string>{"COLLECTION_BOOKMARK c4-b4 DELETE",
                                      "COLLECTION_BOOKMARK c3-b3 CREATE",
                                      "COLLECTION_BOOKMARK c3-b3 DELETE"}));
}

TEST_F(LocalStoreTest, NextBatchWaitsWhileABatchIsInFlight) {
  const auto id = value_of(store().put(kNote, R"({"body":"a note body","ranges":["1:1-1:7"]})"));
  ASSERT_OK(queue().begin_batch("key-1", "/v1/sync?lastMutationAt=0", "{}", {seq_of(kNote, id)}));
  ASSERT_OK(store().put(kNote, R"({"body":"another body","ranges":["1:1-1:7"]})"));
  EXPECT_EQ(code_of(queue().next_batch()), ErrorCode::kPreconditionFailed);
}

//////// Batches

TEST_F(LocalStoreTest, ABatchInFlightSurvivesReopeningExactly) {
  const auto a = value_of(store().put(kNote, R"({"body":"note number a","ranges":["1:1-1:7"]})"));
  const auto b = value_of(store().put(kNote, R"({"body":"note number b","ranges":["1:1-1:7"]})"));
  const auto c = value_of(store().put(kNote, R"({"body":"note number c","ranges":["1:1-1:7"]})"));
  const std::string body = R"({"mutations":[{"type":"CREATE"}, {"type":"CREATE"}]})";
  ASSERT_OK(queue().begin_batch("8e03978e-40d5", "/v1/sync?lastMutationAt=42", body,
                                {seq_of(kNote, c), seq_of(kNote, a)}));
  reopen();
  auto batch = value_of(store().inflight_batch());
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->key, "8e03978e-40d5");
  EXPECT_EQ(batch->target, "/v1/sync?lastMutationAt=42");
  EXPECT_EQ(batch->body, body);
  ASSERT_EQ(batch->mutations.size(), 2u);
  EXPECT_EQ(batch->mutations[0].id, c);
  EXPECT_EQ(batch->mutations[1].id, a);
  EXPECT_EQ(batch->mutations[0].batch, "8e03978e-40d5");
  EXPECT_EQ(value_of(store().queue_length()), 3);
  EXPECT_TRUE(value_of(queue().pending_for(kNote, b))[0].batch.empty());
}

TEST_F(LocalStoreTest, BeginBatchRefusesWhatCannotBeSent) {
  const auto a = value_of(store().put(kNote, R"({"body":"note number a","ranges":["1:1-1:7"]})"));
  const auto b = value_of(store().put(kNote, R"({"body":"note number b","ranges":["1:1-1:7"]})"));
  const auto sa = seq_of(kNote, a);
  EXPECT_EQ(code_of(queue().begin_batch("", "/t", "{}", {sa})), ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(queue().begin_batch("k", "/t", "{}", {})), ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(queue().begin_batch("k", "/t", "{}", {sa, sa})), ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(queue().begin_batch("k", "/t", "{}", std::vector<std::int64_t>(101, sa))),
            ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(queue().begin_batch("k", "/t", "{}", {sa, 999})),
            ErrorCode::kPreconditionFailed);
  EXPECT_FALSE(value_of(store().inflight_batch()).has_value());  // nothing half-begun
  EXPECT_TRUE(value_of(queue().pending_for(kNote, a))[0].batch.empty());

  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {sa}));
  EXPECT_EQ(code_of(queue().begin_batch("k2", "/t", "{}", {seq_of(kNote, b)})),
            ErrorCode::kPreconditionFailed);
}

TEST_F(LocalStoreTest, FinishBatchSettlesVersionsBasesAndTheCursor) {
  const auto a = value_of(store().put(kNote, R"({"body":"note number a","ranges":["1:1-1:7"]})"));
  synced(kNote, "nb", R"({"body":"server body","ranges":["2:1-2:3"]})", 100);
  ASSERT_OK(store().put(kNote, R"({"body":"local body"})", "nb"));
  const auto sent_a = value_of(queue().pending_for(kNote, a))[0];
  const auto sent_b = value_of(queue().pending_for(kNote, "nb"))[0];
  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {sent_a.seq, sent_b.seq}));
  clock_.advance(1000);
  ASSERT_OK(store().put(kNote, R"({"body":"note a, edited"})", a));  // while the push is out

  auto adopted = value_of(queue().finish_batch("k1", {{a, 2001}, {"nb", 2002}}, 2002));
  EXPECT_TRUE(adopted.empty());
  EXPECT_FALSE(value_of(store().inflight_batch()).has_value());
  EXPECT_EQ(value_of(store().cursor()), 2002);

  auto ra = value_of(queue().get_stored(kNote, a));
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->record.version, 2001);
  EXPECT_EQ(ra->base, sent_a.data);
  EXPECT_TRUE(ra->record.pending);
  auto qa = value_of(queue().pending_for(kNote, a));
  ASSERT_EQ(qa.size(), 1u);
  EXPECT_EQ(qa[0].type, MutationType::kUpdate);
  EXPECT_EQ(qa[0].base_version, 2001);  // now based on what the server has

  auto rb = value_of(queue().get_stored(kNote, "nb"));
  ASSERT_TRUE(rb.has_value());
  EXPECT_EQ(rb->record.version, 2002);
  EXPECT_EQ(rb->base, sent_b.data);
  EXPECT_FALSE(rb->record.pending);
  EXPECT_EQ(value_of(store().queue_length()), 1);
}

// Field mode: a batch the server applied in part. The applied mutation settles as in a whole
// success, the merged one leaves the queue with the record's version unchanged (the pull brings
// the server's merged state), and the conflict stays queued, pending again, in its place.
TEST_F(LocalStoreTest, FinishBatchSettlesAPartialSuccessPerAck) {
  synced(kNote, "n1", R"({"body":"server body one","ranges":["1:1-1:3"]})", 100);
  synced(kNote, "n2", R"({"body":"server body two","ranges":["2:1-2:3"]})", 110);
  synced(kNote, "n3", R"({"body":"server body three","ranges":["3:1-3:3"]})", 120);
  ASSERT_OK(store().put(kNote, R"({"body":"local body one"})", "n1"));
  ASSERT_OK(store().put(kNote, R"({"ranges":["2:4-2:5"]})", "n2"));
  ASSERT_OK(store().put(kNote, R"({"body":"local body three"})", "n3"));
  const auto s1 = seq_of(kNote, "n1"), s2 = seq_of(kNote, "n2"), s3 = seq_of(kNote, "n3");
  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {s1, s2, s3}));

  BatchAck applied{"n1", 2001, AckOutcome::kApplied};
  BatchAck merged{"n2", 2002, AckOutcome::kMerged};
  BatchAck conflict{"n3", 0, AckOutcome::kConflict};
  EXPECT_TRUE(value_of(queue().finish_batch("k1", {applied, merged, conflict}, 0)).empty());
  EXPECT_FALSE(value_of(store().inflight_batch()).has_value());

  EXPECT_EQ(value_of(queue().get_stored(kNote, "n1"))->record.version, 2001);
  EXPECT_TRUE(value_of(queue().pending_for(kNote, "n1")).empty());
  const auto r2 = value_of(queue().get_stored(kNote, "n2"));
  EXPECT_EQ(r2->record.version, 110);
  EXPECT_EQ(r2->base, R"({"body":"server body two","ranges":["2:1-2:3"]})");
  EXPECT_FALSE(r2->record.pending);
  const auto q3 = value_of(queue().pending_for(kNote, "n3"));
  ASSERT_EQ(q3.size(), 1u);
  EXPECT_EQ(q3[0].seq, s3);
  EXPECT_TRUE(q3[0].batch.empty());
  EXPECT_EQ(q3[0].base_version, 120);
  EXPECT_EQ(value_of(queue().get_stored(kNote, "n3"))->record.version, 120);
  EXPECT_EQ(value_of(store().queue_length()), 1);
  const auto next = value_of(queue().next_batch());
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].seq, s3);
}

// A record deleted and created again in one batch: the DELETE clashed, the CREATE (an upsert
// over the server's record) was applied and made the server's state the device's.
TEST_F(LocalStoreTest, FinishBatchDropsAConflictALaterAppliedMutationOfItsRecordSupersedes) {
  synced(kNote, "n1", R"({"body":"server body one","ranges":["1:1-1:3"]})", 100);
  ASSERT_OK(store().remove(kNote, "n1"));
  ASSERT_OK(store().put(kNote, R"({"body":"born again","ranges":["1:1-1:3"]})", "n1"));
  const auto queued = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(queued.size(), 2u);
  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {queued[0].seq, queued[1].seq}));
  BatchAck conflict{"n1", 0, AckOutcome::kConflict};
  BatchAck applied{"n1", 2001, AckOutcome::kApplied};
  ASSERT_OK(queue().finish_batch("k1", {conflict, applied}, 0).status());
  EXPECT_EQ(value_of(store().queue_length()), 0);
  EXPECT_EQ(value_of(queue().get_stored(kNote, "n1"))->record.version, 2001);
}

TEST_F(LocalStoreTest, TheServersFieldModeIsUnknownUntilSet) {
  EXPECT_FALSE(value_of(store().server_field_mode()).has_value());
  ASSERT_OK(queue().set_server_field_mode(false));
  EXPECT_EQ(value_of(store().server_field_mode()), std::optional<bool>(false));
  ASSERT_OK(queue().set_server_field_mode(true));
  EXPECT_EQ(value_of(store().server_field_mode()), std::optional<bool>(true));
}

TEST_F(LocalStoreTest, FinishBatchOfADeleteForgetsIt) {
  synced(kNote, "n1", R"({"body":"server body","ranges":["2:1-2:3"]})", 100);
  ASSERT_OK(store().remove(kNote, "n1"));
  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {seq_of(kNote, "n1")}));
  EXPECT_TRUE(value_of(queue().finish_batch("k1", {{"n1", 300}}, 300)).empty());
  EXPECT_EQ(value_of(store().queue_length()), 0);
  EXPECT_FALSE(value_of(store().get(kNote, "n1")).has_value());
}

TEST_F(LocalStoreTest, FinishBatchRefusesAnotherKeyOrTheWrongNumberOfAcks) {
  const auto a = value_of(store().put(kNote, R"({"body":"note number a","ranges":["1:1-1:7"]})"));
  EXPECT_EQ(code_of(queue().finish_batch("k1", {}, 1)), ErrorCode::kNotFound);
  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {seq_of(kNote, a)}));
  EXPECT_EQ(code_of(queue().finish_batch("k2", {{a, 5}}, 5)), ErrorCode::kNotFound);
  EXPECT_EQ(code_of(queue().finish_batch("k1", {{a, 5}, {a, 6}}, 6)), ErrorCode::kInvalidRequest);
  EXPECT_TRUE(value_of(store().inflight_batch()).has_value());  // unchanged
  EXPECT_EQ(value_of(store().cursor()), 0);
  EXPECT_EQ(value_of(store().queue_length()), 1);
}

TEST_F(LocalStoreTest, FinishBatchReportsAnAdoptedId) {
  ASSERT_OK(store().put(kBookmark, R"({"type":"ayah","key":2,"verseNumber":255})", "bk-local"));
  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {seq_of(kBookmark, "bk-local")}));
  auto adopted = value_of(queue().finish_batch("k1", {{"bk-server", 3000}}, 3000));
  ASSERT_EQ(adopted.size(), 1u);
  EXPECT_EQ(adopted[0].resource, kBookmark);
  EXPECT_EQ(adopted[0].local_id, "bk-local");
  EXPECT_EQ(adopted[0].server_id, "bk-server");
  EXPECT_EQ(adopted[0].timestamp, 3000);
  auto r = value_of(store().get(kBookmark, "bk-local"));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->pending);
  EXPECT_EQ(r->version, 0);
}

TEST_F(LocalStoreTest, AbandonBatchReleasesItsMutations) {
  const auto a = value_of(store().put(kNote, R"({"body":"note number a","ranges":["1:1-1:7"]})"));
  const auto seq = seq_of(kNote, a);
  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {seq}));
  EXPECT_EQ(code_of(queue().abandon_batch("k2")), ErrorCode::kNotFound);
  ASSERT_OK(queue().abandon_batch("k1"));
  EXPECT_FALSE(value_of(store().inflight_batch()).has_value());
  auto q = value_of(queue().pending_for(kNote, a));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].seq, seq);
  EXPECT_TRUE(q[0].batch.empty());
  // Pending again, so a new write squashes into it.
  ASSERT_OK(store().put(kNote, R"({"body":"note a, edited"})", a));
  EXPECT_EQ(value_of(store().queue_length()), 1);
  EXPECT_EQ(value_of(queue().next_batch()).size(), 1u);
  EXPECT_EQ(code_of(queue().abandon_batch("k1")), ErrorCode::kNotFound);
}

//////// Server state

TEST_F(LocalStoreTest, ApplyServerCreatesUpdatesAndDeletesSyncedRecords) {
  synced(kCollection, "c1", R"({"name":"Server","slug":"server","isPrivate":true})", 10);
  auto r = value_of(queue().get_stored(kCollection, "c1"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->record.data, R"({"name":"Server","slug":"server","isPrivate":true})");
  EXPECT_EQ(r->base, r->record.data);
  EXPECT_EQ(r->record.version, 10);
  EXPECT_FALSE(r->record.pending);

  synced(kCollection, "c1", R"({"name":"Renamed"})", 20);
  EXPECT_EQ(value_of(store().get(kCollection, "c1"))->version, 20);
  EXPECT_EQ(value_of(store().get(kCollection, "c1"))->data, R"({"name":"Renamed"})");

  ASSERT_OK(queue().apply_server(kCollection, "c1", std::nullopt, 30));
  EXPECT_FALSE(value_of(store().get(kCollection, "c1")).has_value());
  ASSERT_OK(queue().apply_server(kCollection, "c1", std::nullopt, 31));  // already gone: fine
  EXPECT_EQ(value_of(store().queue_length()), 0);
}

TEST_F(LocalStoreTest, ApplyServerRefusesARecordWithSomethingQueued) {
  const auto a = value_of(store().put(kNote, R"({"body":"note number a","ranges":["1:1-1:7"]})"));
  EXPECT_EQ(code_of(queue().apply_server(kNote, a, R"({"body":"server"})", 5)),
            ErrorCode::kPreconditionFailed);
  EXPECT_EQ(code_of(queue().apply_server(kNote, "n2", "[1]", 5)), ErrorCode::kInvalidRequest);
  EXPECT_EQ(value_of(store().get(kNote, a))->version, 0);
}

TEST_F(LocalStoreTest, DropPendingKeepsWhatIsInFlight) {
  synced(kNote, "n1", R"({"body":"server body","ranges":["2:1-2:3"]})", 5);
  ASSERT_OK(store().put(kNote, R"({"body":"local body"})", "n1"));
  ASSERT_OK(queue().begin_batch("k1", "/t", "{}", {seq_of(kNote, "n1")}));
  ASSERT_OK(store().put(kNote, R"({"body":"later body"})", "n1"));
  EXPECT_EQ(value_of(queue().drop_pending(kNote, "n1")), 1);
  auto q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].batch, "k1");
  ASSERT_OK(queue().abandon_batch("k1"));
  EXPECT_EQ(value_of(queue().drop_pending(kNote, "n1")), 1);
  EXPECT_EQ(value_of(queue().drop_pending(kNote, "n1")), 0);
  ASSERT_OK(queue().apply_server(kNote, "n1", R"({"body":"server wins"})", 9));
  EXPECT_EQ(value_of(store().get(kNote, "n1"))->data, R"({"body":"server wins"})");
}

TEST_F(LocalStoreTest, ReplacePendingRebasesOnTheServersState) {
  synced(kNote, "n1", R"({"body":"server one","ranges":["2:1-2:3"]})", 5);
  ASSERT_OK(store().put(kNote, R"({"body":"local edit"})", "n1"));
  ASSERT_OK(store().put(kNote, R"({"saveToQR":true})", "n1"));
  const std::string server = R"({"body":"server one","ranges":["3:1-3:3"]})";
  const std::string merged = R"({"body":"local edit","ranges":["3:1-3:3"],"saveToQR":true,)"
                             R"("clientUpdatedAt":"2026-06-02T01:04:05.000Z"})";
  ASSERT_OK(queue().replace_pending(kNote, "n1", MutationType::kUpdate, merged, server, 9));
  auto r = value_of(queue().get_stored(kNote, "n1"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->record.data, merged);
  EXPECT_EQ(r->base, server);
  EXPECT_EQ(r->record.version, 9);
  auto q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].type, MutationType::kUpdate);
  EXPECT_EQ(q[0].data, merged);
  EXPECT_EQ(q[0].base_version, 9);
  EXPECT_EQ(q[0].client_updated_at, *parse_iso8601_ms("2026-06-02T01:04:05Z"));

  // Client wins over a deletion on the server: re-created with its id.
  ASSERT_OK(queue().replace_pending(kNote, "n1", MutationType::kCreate, merged, std::nullopt, 12));
  r = value_of(queue().get_stored(kNote, "n1"));
  EXPECT_EQ(r->base, "");
  EXPECT_EQ(r->record.version, 12);
  q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].type, MutationType::kCreate);
}

TEST_F(LocalStoreTest, ReplacePendingWithADeleteOfAMembershipNamesThePair) {
  synced(kMembership, "c1-b1", R"({"collectionId":"c1","bookmarkId":"b1"})", 10);
  ASSERT_OK(store().remove(kMembership, "c1-b1"));
  ASSERT_OK(queue().replace_pending(kMembership, "c1-b1", MutationType::kDelete, std::nullopt,
                                    R"({"collectionId":"c1","bookmarkId":"b1"})", 15));
  EXPECT_FALSE(value_of(store().get(kMembership, "c1-b1")).has_value());
  auto q = value_of(queue().pending_for(kMembership, "c1-b1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].type, MutationType::kDelete);
  EXPECT_EQ(q[0].data, R"({"collectionId":"c1","bookmarkId":"b1"})");
  EXPECT_EQ(q[0].base_version, 15);
}

TEST_F(LocalStoreTest, ReplacePendingRefusesATypeThatDisagreesWithTheData) {
  synced(kNote, "n1", R"({"body":"server one"})", 5);
  EXPECT_EQ(code_of(queue().replace_pending(kNote, "n1", MutationType::kDelete, R"({"a":1})",
                                            std::nullopt, 6)),
            ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(queue().replace_pending(kNote, "n1", MutationType::kUpdate, std::nullopt,
                                            std::nullopt, 6)),
            ErrorCode::kInvalidRequest);
  EXPECT_EQ(
      code_of(queue().replace_pending(kNote, "n1", MutationType::kUpdate, "nope", std::nullopt, 6)),
      ErrorCode::kInvalidRequest);
  EXPECT_EQ(value_of(store().get(kNote, "n1"))->version, 5);
}

//////// Transactions

//////// Holding a mutation for the user

TEST_F(LocalStoreTest, AHeldMutationIsNotPushedAndSurvivesReopening) {
  synced(kNote, "n1", R"({"body":"server text"})", 10);
  ASSERT_OK(store().put(kNote, R"({"body":"local text"})", "n1"));
  ASSERT_OK(store().put(kNote, R"({"body":"another note"})", "n2"));
  ASSERT_OK(queue().hold_pending(kNote, "n1", 7));
  reopen();
  EXPECT_EQ(value_of(store().held_count()), 1);
  EXPECT_EQ(ids_of(value_of(queue().next_batch())), std::vector<std::string>{"NOTE n2 CREATE"});
  const auto q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].held, 7);
  EXPECT_EQ(value_of(store().queue_length()), 2);
}

TEST_F(LocalStoreTest, AWriteOnAHeldRecordIsHeldWithIt) {
  synced(kNote, "n1", R"({"body":"server text"})", 10);
  ASSERT_OK(store().remove(kNote, "n1"));
  ASSERT_OK(queue().hold_pending(kNote, "n1", 3));
  // DELETE then CREATE stays two mutations; the CREATE must not overtake the held DELETE.
  ASSERT_OK(store().put(kNote, R"({"body":"written again"})", "n1"));
  const auto q = value_of(queue().pending_for(kNote, "n1"));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].held, 3);
  EXPECT_EQ(q[1].held, 3);
  EXPECT_TRUE(value_of(queue().next_batch()).empty());
}

TEST_F(LocalStoreTest, ResolvingTheConflictReleasesWhatItHeld) {
  synced(kNote, "n1", R"({"body":"server text"})", 10);
  ASSERT_OK(store().put(kNote, R"({"body":"local text"})", "n1"));
  ConflictRecord c;
  c.resource = kNote;
  c.id = "n1";
  c.strategy = Strategy::kManual;
  c.outcome = Outcome::kNeedsUser;
  const auto seq = value_of(queue().append_conflict(c));
  ASSERT_OK(queue().hold_pending(kNote, "n1", seq));
  EXPECT_TRUE(value_of(queue().next_batch()).empty());
  ASSERT_OK(queue().mark_resolved(seq, R"({"body":"local text"})"));
  EXPECT_EQ(value_of(store().held_count()), 0);
  EXPECT_EQ(ids_of(value_of(queue().next_batch())), std::vector<std::string>{"NOTE n1 UPDATE"});
}

TEST_F(LocalStoreTest, AnsweringAConflictWritesTheAnswerAndReleasesItForThePush) {
  synced(kNote, "n1", R"({"body":"server text"})", 10);
  ASSERT_OK(store().put(kNote, R"({"body":"local text"})", "n1"));
  ConflictRecord c;
  c.resource = kNote;
  c.id = "n1";
  c.strategy = Strategy::kFieldMerge;
  c.outcome = Outcome::kNeedsUser;
  c.local = R"({"body":"local text"})";
  c.server = R"({"body":"server text"})";
  const auto seq = value_of(queue().append_conflict(c));
  ASSERT_OK(queue().hold_pending(kNote, "n1", seq));

  EXPECT_EQ(store().answer_conflict(seq + 100, "null").code(), ErrorCode::kNotFound);
  ASSERT_OK(store().answer_conflict(seq, c.server));
  EXPECT_EQ(value_of(store().held_count()), 0);
  const auto rec = value_of(store().get(kNote, "n1"));
  ASSERT_TRUE(rec.has_value());
  EXPECT_NE(rec->data.find("server text"), std::string::npos);
  EXPECT_EQ(ids_of(value_of(queue().next_batch())), std::vector<std::string>{"NOTE n1 UPDATE"});
  EXPECT_EQ(store().answer_conflict(seq, c.local).code(), ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(value_of(store().conflicts(/*unresolved_only=*/true)).empty());

  // "null" deletes the record.
  const auto seq2 = value_of(queue().append_conflict(c));
  ASSERT_OK(store().answer_conflict(seq2, "null"));
  EXPECT_FALSE(value_of(store().get(kNote, "n1")).has_value());
}

TEST_F(LocalStoreTest, ReleaseHeldAndReplacePendingFreeTheRecord) {
  synced(kNote, "n1", R"({"body":"server text"})", 10);
  ASSERT_OK(store().put(kNote, R"({"body":"local text"})", "n1"));
  ASSERT_OK(queue().hold_pending(kNote, "n1", 5));
  EXPECT_EQ(value_of(queue().release_held(kNote, "n1")), 1);
  EXPECT_EQ(value_of(queue().next_batch()).size(), 1u);
  ASSERT_OK(queue().hold_pending(kNote, "n1", 5));
  // The user's answer replaces the held mutation with a free one.
  ASSERT_OK(queue().replace_pending(kNote, "n1", MutationType::kUpdate,
                                    std::string_view(R"({"body":"the answer"})"),
                                    std::string_view(R"({"body":"server 2"})"), 20));
  EXPECT_EQ(value_of(store().held_count()), 0);
  EXPECT_EQ(value_of(queue().next_batch()).size(), 1u);
}

TEST_F(LocalStoreTest, HoldPendingRefusesNothingToHoldAndABadRow) {
  synced(kNote, "n1", R"({"body":"server text"})", 10);
  EXPECT_EQ(code_of(queue().hold_pending(kNote, "n1", 1)), ErrorCode::kNotFound);
  ASSERT_OK(store().put(kNote, R"({"body":"local text"})", "n1"));
  EXPECT_EQ(code_of(queue().hold_pending(kNote, "n1", 0)), ErrorCode::kInvalidRequest);
}

TEST_F(LocalStoreTest, ATransactionCommitsAllOrNothing) {
  ASSERT_OK(store().transaction([&]() -> Status {
    SYNCLOG_RETURN_IF_ERROR(store().put(kNote, R"({"body":"in a txn"})", "t1"));
    SYNCLOG_RETURN_IF_ERROR(queue().apply_server(kNote, "t2", R"({"body":"pulled"})", 7));
    return queue().set_cursor(7);
  }));
  EXPECT_TRUE(value_of(store().get(kNote, "t1")).has_value());
  EXPECT_EQ(value_of(store().cursor()), 7);

  Status failed = store().transaction([&]() -> Status {
    SYNCLOG_RETURN_IF_ERROR(store().put(kNote, R"({"body":"rolled back"})", "t3"));
    SYNCLOG_RETURN_IF_ERROR(queue().set_cursor(8));
    return make_error(ErrorCode::kUnavailable, "the page could not be read");
  });
  EXPECT_EQ(code_of(failed), ErrorCode::kUnavailable);
  EXPECT_FALSE(value_of(store().get(kNote, "t3")).has_value());
  EXPECT_EQ(value_of(store().cursor()), 7);
  EXPECT_EQ(value_of(store().queue_length()), 1);
}

TEST_F(LocalStoreTest, AFailedCallInsideATransactionUndoesOnlyItself) {
  ASSERT_OK(store().transaction([&]() -> Status {
    SYNCLOG_RETURN_IF_ERROR(store().put(kNote, R"({"body":"kept one"})", "k1"));
    EXPECT_EQ(code_of(store().remove(kNote, "missing")), ErrorCode::kNotFound);
    EXPECT_EQ(code_of(store().put(kNote, "not json", "k2")), ErrorCode::kInvalidRequest);
    return store().put(kNote, R"({"body":"kept two"})", "k3").status();
  }));
  EXPECT_TRUE(value_of(store().get(kNote, "k1")).has_value());
  EXPECT_FALSE(value_of(store().get(kNote, "k2")).has_value());
  EXPECT_TRUE(value_of(store().get(kNote, "k3")).has_value());
  EXPECT_EQ(value_of(store().queue_length()), 2);
}

//////// The conflict log

TEST_F(LocalStoreTest, TheConflictLogKeepsEveryRowAndItsResolution) {
  ConflictRecord merged;
  merged.resource = kNote;
  merged.id = "n1";
  merged.strategy = Strategy::kFieldMerge;
  merged.outcome = Outcome::kMerged;
  merged.local = R"({"body":"local"})";
  merged.server = "null";
  merged.result = R"({"body":"local"})";
  merged.reason = "Kept the device's note; the server had deleted it.";
  merged.resolved = true;
  ConflictRecord waiting = merged;
  waiting.id = "n2";
  waiting.at_ms = 1234;
  waiting.outcome = Outcome::kNeedsUser;
  waiting.server = R"({"body":"server"})";
  waiting.result = "";
  waiting.clashing_fields = {"body", "ranges"};
  waiting.resolved = false;
  waiting.reason = "Both sides changed the note's text.";

  const auto s1 = value_of(queue().append_conflict(merged));
  const auto s2 = value_of(queue().append_conflict(waiting));
  EXPECT_LT(s1, s2);
  reopen();
  auto all = value_of(store().conflicts());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].seq, s1);
  EXPECT_EQ(all[0].at_ms, kT0);  // 0: now
  EXPECT_EQ(all[0].strategy, Strategy::kFieldMerge);
  EXPECT_EQ(all[0].outcome, Outcome::kMerged);
  EXPECT_EQ(all[0].server, "null");
  EXPECT_TRUE(all[0].clashing_fields.empty());
  EXPECT_TRUE(all[0].resolved);
  EXPECT_EQ(all[1].at_ms, 1234);
  EXPECT_EQ(all[1].resource, kNote);
  EXPECT_EQ(all[1].id, "n2");
  EXPECT_EQ(all[1].outcome, Outcome::kNeedsUser);
  EXPECT_EQ(all[1].local, R"({"body":"local"})");
  EXPECT_EQ(all[1].clashing_fields, (std::vector<std::string>{"body", "ranges"}));
  EXPECT_EQ(all[1].reason, "Both sides changed the note's text.");
  EXPECT_FALSE(all[1].resolved);

  auto open = value_of(store().conflicts(/*unresolved_only=*/true));
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].seq, s2);

  ASSERT_OK(queue().mark_resolved(s2, R"({"body":"chosen"})"));
  EXPECT_TRUE(value_of(store().conflicts(true)).empty());
  EXPECT_EQ(value_of(store().conflicts())[1].result, R"({"body":"chosen"})");
  ASSERT_OK(queue().mark_resolved(s1));  // no result: the recorded one stays
  EXPECT_EQ(value_of(store().conflicts())[0].result, R"({"body":"local"})");
  EXPECT_EQ(code_of(queue().mark_resolved(999)), ErrorCode::kNotFound);
}

//////// Errors

TEST_F(LocalStoreTest, BadInputIsAClearErrorAndChangesNothing) {
  struct Case {
    Resource resource;
    std::string data;
    std::optional<std::string> id;
    std::string message;  // a part of the error's message
  };
  const std::vector<Case> cases = {
      {kNote, "not json", std::nullopt, "not valid JSON"},
      {kNote, R"({"body":"x")", std::nullopt, "not valid JSON"},
      {kNote, "[1,2]", std::nullopt, "must be a JSON object"},
      {kNote, R"("text")", std::nullopt, "must be a JSON object"},
      {kNote, "{}", "bad id!", "id must be"},
      {kNote, "{}", "", "id must be"},
      {kNote, "{}", std::string(65, 'a'), "id must be"},
      {kCollection, R"({"name":"Favorites"})", "__default__", "__default__"},
      {kNote, R"({"clientUpdatedAt":"yesterday"})", std::nullopt, "clientUpdatedAt"},
      {kNote, R"({"clientUpdatedAt":"2026-01-01T00:00:00"})", std::nullopt, "clientUpdatedAt"},
      {kNote, R"({"clientCreatedAt":true})", std::nullopt, "clientCreatedAt"},
      {kNote, R"({"clientCreatedAt":1e300})", std::nullopt, "clientCreatedAt"},
      {kMembership, R"({"collectionId":"c1"})", std::nullopt, "bookmarkId"},
      {kMembership, R"({"bookmarkId":"b1"})", std::nullopt, "collectionId"},
      {kMembership, R"({"collectionId":"c1","bookmarkId":"b1"})", "other", "collectionId"},
  };
  for (const auto& c : cases) {
    auto r = c.id ? store().put(c.resource, c.data, *c.id) : store().put(c.resource, c.data);
    ASSERT_FALSE(r.ok()) << c.data;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidRequest) << c.data;
    EXPECT_NE(r.error().message.find(c.message), std::string::npos)
        << c.data << ": " << r.error().message;
  }
  EXPECT_EQ(value_of(store().queue_length()), 0);
  EXPECT_TRUE(value_of(store().list(kNote)).empty());
}

TEST_F(LocalStoreTest, AnUnknownRecordIsNotFound) {
  auto s = store().remove(kNote, "nope");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(s.error().message, "NOTE nope not found");
  EXPECT_FALSE(value_of(store().get(kNote, "nope")).has_value());
  EXPECT_FALSE(value_of(queue().get_stored(kNote, "nope")).has_value());
  EXPECT_TRUE(value_of(queue().pending_for(kNote, "nope")).empty());
  // A record of another type with that id is another record.
  ASSERT_OK(store().put(kCollection, R"({"name":"Same id"})", "same"));
  EXPECT_EQ(code_of(store().remove(kNote, "same")), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace synclog::client
