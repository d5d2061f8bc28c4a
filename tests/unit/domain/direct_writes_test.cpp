// The direct endpoints' writes on a real SqliteStore (no mocks), run the way the HTTP layer runs
// them (one write transaction, the head set from the Ledger, abandoned on failure): the bookmark
// upsert and its answer, DELETE of orphan and kept bookmarks, collection create, rename and
// delete with its cascade, membership add and remove (Favorites included) with the orphan rule,
// note create, update and delete, the reading-session 20-minute rule, the versions and
// modifiedBy each answer carries, and If-Match / If-None-Match giving 412 without using a
// timestamp or changing anything.
#include "domain/direct_writes.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../support/blocking_store.hpp"
#include "domain/resource_view.hpp"
#include "domain/tuning.hpp"

namespace synclog::domain {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using storage::Entry;

constexpr std::int64_t kBaseline = 1'700'000'000'000;
constexpr std::int64_t kMinute = 60 * 1000;

constexpr std::uint8_t kBookmarkKind = static_cast<std::uint8_t>(Resource::kBookmark);
constexpr std::uint8_t kCollectionKind = static_cast<std::uint8_t>(Resource::kCollection);
constexpr std::uint8_t kMembershipKind = static_cast<std::uint8_t>(Resource::kCollectionBookmark);
constexpr std::uint8_t kNoteKind = static_cast<std::uint8_t>(Resource::kNote);
constexpr std::uint8_t kSessionKind = static_cast<std::uint8_t>(Resource::kReadingSession);
constexpr std::uint8_t kCreateOp = static_cast<std::uint8_t>(MutationType::kCreate);
constexpr std::uint8_t kUpdateOp = static_cast<std::uint8_t>(MutationType::kUpdate);
constexpr std::uint8_t kDeleteOp = static_cast<std::uint8_t>(MutationType::kDelete);

// ---- request builders ----

BookmarkDetails ayah(int surah, int verse) {
  BookmarkDetails d;
  d.kind = BookmarkKind::kAyah;
  d.key = surah;
  d.verse = verse;
  return d;
}
BookmarkDetails page_of(int page, int mushaf) {
  BookmarkDetails d;
  d.kind = BookmarkKind::kPage;
  d.key = page;
  d.mushaf = mushaf;
  return d;
}
BookmarkCreate bookmark_create(BookmarkDetails d, ReadingFlag reading = ReadingFlag::kOmitted) {
  BookmarkCreate c;
  c.details = std::move(d);
  c.reading = reading;
  return c;
}
CollectionFields named(std::string name) {
  CollectionFields f;
  f.name = std::move(name);
  return f;
}
MembershipTarget target(std::string collection_id, std::string bookmark_id) {
  MembershipTarget t;
  t.collection_id = std::move(collection_id);
  t.bookmark_id = std::move(bookmark_id);
  return t;
}
MembershipTarget target_by_details(std::string collection_id, BookmarkDetails d) {
  MembershipTarget t;
  t.collection_id = std::move(collection_id);
  t.details = std::move(d);
  return t;
}
NoteCreate note_create(std::string body, std::vector<std::string> ranges = {"1:1-1:7"}) {
  NoteCreate c;
  c.body = std::move(body);
  c.ranges = std::move(ranges);
  return c;
}
NoteUpdate note_update(std::string body) {
  NoteUpdate u;
  u.body = std::move(body);
  return u;
}
SessionFields at_ayah(int chapter, int verse) {
  SessionFields f;
  f.chapter = chapter;
  f.verse = verse;
  return f;
}

// ---- preconditions ----

Preconditions none() { return Preconditions(); }
Preconditions pre(std::optional<std::string_view> if_match, std::optional<std::string_view> if_none_match) {
  auto p = Preconditions::parse(if_match, if_none_match);
  EXPECT_TRUE(p.ok());
  return p.ok() ? *p : Preconditions();
}
Preconditions if_match(std::int64_t version) { return pre(etag_for(version), std::nullopt); }
Preconditions if_match_any() { return pre("*", std::nullopt); }
Preconditions if_none_match_any() { return pre(std::nullopt, "*"); }

json::object data_of(const DirectResult& r) {
  const auto v = json::parse(r.body).as_object();
  EXPECT_TRUE(v.at("success").as_bool());
  return v.at("data").as_object();
}
std::string message_of(const DirectResult& r) { return json::value_to<std::string>(data_of(r).at("message")); }

class DirectWritesTest : public ::testing::Test {
 protected:
  using Op = std::function<Result<DirectResult>(Ledger&)>;

  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto s = storage::sqlite::SqliteStore::open(test::test_store_options(dir_.file("direct.db")));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    auto u = test::resolve_user(*store_, "alice", kBaseline);
    ASSERT_TRUE(u.ok());
    user_ = *u;
  }

  // Runs `op` as http/handlers/direct_support.cpp's run_write does: in the user's write
  // transaction, with a Ledger at the user's head, setting the new head on success and
  // abandoning the transaction on failure. The wall clock is `now` (default: a second after
  // the previous run); `client` is the x-client-id.
  Result<DirectResult> run(const Op& op, std::optional<std::int64_t> now = std::nullopt,
                           const std::string& client = "device-a") {
    now_ = now.value_or(now_ + 1000);
    std::optional<Result<DirectResult>> result;
    used_ts_ = false;
    const Status s = test::write(*store_, user_, [&](storage::WriteTxn& txn) -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(const storage::UserHead h, txn.head());
      Ledger ledger(txn, now_, h.head, client);
      result.emplace(op(ledger));
      used_ts_ = ledger.head() != h.head;
      if (!result->ok()) return result->error();
      if (used_ts_) SYNCLOG_RETURN_IF_ERROR(txn.set_head(ledger.head()));
      return Status();
    });
    EXPECT_TRUE(result.has_value());
    if (!result) return make_error(ErrorCode::kInternal, "the write function did not run");
    if (!s.ok() && result->ok()) return s.error();  // the commit failed
    return std::move(*result);
  }
  // A run that must succeed.
  DirectResult ok(const Op& op, std::optional<std::int64_t> now = std::nullopt,
                  const std::string& client = "device-a") {
    auto r = run(op, now, client);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : DirectResult{};
  }
  // A run that must fail with `code`; checks that it took no timestamp, so it wrote nothing.
  Error fails(const Op& op, ErrorCode code, std::optional<std::int64_t> now = std::nullopt) {
    auto r = run(op, now);
    EXPECT_FALSE(r.ok());
    if (r.ok()) return Error{};
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_FALSE(used_ts_) << "a refused write took a timestamp: " << r.error().message;
    return r.error();
  }

  // Shortcuts that set up state and return the new resource's id.
  std::string new_bookmark(BookmarkDetails d, ReadingFlag reading = ReadingFlag::kOmitted) {
    const auto r = ok([&](Ledger& l) { return add_bookmark(l, bookmark_create(d, reading), none()); });
    return json::value_to<std::string>(data_of(r).at("id"));
  }
  std::string new_collection(const std::string& name) {
    const auto r = ok([&](Ledger& l) { return create_collection(l, named(name), none()); });
    return json::value_to<std::string>(data_of(r).at("id"));
  }
  DirectResult add(const std::string& cid, const std::string& bid) {
    return ok([&](Ledger& l) { return add_to_collection(l, target(cid, bid), none()); });
  }
  std::string new_note(const std::string& body = "a good note") {
    const auto r = ok([&](Ledger& l) { return create_note(l, note_create(body), none()); });
    return json::value_to<std::string>(data_of(r).at("id"));
  }

  // ---- reading the store ----

  template <class T>
  std::optional<T> get(const std::string& id) {
    std::optional<T> out;
    EXPECT_TRUE(test::read(*store_, user_, [&](storage::ReadTxn& t) -> Status {
                  ResourceView v(t);
                  SYNCLOG_ASSIGN_OR_RETURN(out, v.template get<T>(id));
                  return Status();
                }).ok());
    return out;
  }
  template <class T>
  std::vector<T> all() {
    std::vector<T> out;
    EXPECT_TRUE(test::read(*store_, user_, [&](storage::ReadTxn& t) -> Status {
                  ResourceView v(t);
                  SYNCLOG_ASSIGN_OR_RETURN(out, v.template list<T>());
                  return Status();
                }).ok());
    return out;
  }
  bool is_member(const std::string& cid, const std::string& bid) {
    return get<Membership>(cid + "/" + bid).has_value();
  }
  std::int64_t head() {
    auto h = test::head_of(*store_, user_);
    EXPECT_TRUE(h.ok());
    return h.ok() ? h->head : 0;
  }
  // Every log entry after `since`, superseded ones included, ascending.
  std::vector<Entry> entries_after(std::int64_t since) {
    auto es = test::entries_after(*store_, user_, since);
    EXPECT_TRUE(es.ok());
    return es.ok() ? std::move(*es) : std::vector<Entry>{};
  }
  // Every record of every sync kind, as (kind, id, version) text, to compare before and after.
  std::string snapshot() {
    std::string s;
    for (std::uint8_t kind : {kBookmarkKind, kCollectionKind, kMembershipKind, kNoteKind, kSessionKind}) {
      EXPECT_TRUE(test::read(*store_, user_, [&](storage::ReadTxn& t) -> Status {
                    SYNCLOG_ASSIGN_OR_RETURN(auto recs, t.list(kind));
                    for (const auto& r : recs) {
                      s += std::to_string(kind) + ":" + r.id + "@" + std::to_string(r.version) + "=" + r.data + "\n";
                    }
                    return Status();
                  }).ok());
    }
    return s + "head " + std::to_string(head());
  }

  test::TempDir dir_;
  std::unique_ptr<storage::sqlite::SqliteStore> store_;
  storage::UserKey user_ = -1;
  std::int64_t now_ = kBaseline;
  bool used_ts_ = false;
};

// ---- POST /v1/bookmarks ----

TEST_F(DirectWritesTest, AddBookmarkCreatesItAndAnswersTheBookmarkWithItsVersion) {
  const auto r = ok([](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255)), none()); }, kBaseline + 5000);
  const auto d = data_of(r);
  const std::string id = json::value_to<std::string>(d.at("id"));
  EXPECT_EQ(d.at("type").as_string(), "ayah");
  EXPECT_EQ(d.at("key").as_int64(), 2);
  EXPECT_EQ(d.at("verseNumber").as_int64(), 255);
  EXPECT_FALSE(d.at("isInDefaultCollection").as_bool());
  EXPECT_FALSE(d.at("isReading").as_bool());
  EXPECT_EQ(d.at("collectionsCount").as_int64(), 0);

  const auto b = get<Bookmark>(id);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(r.version, b->version);
  EXPECT_EQ(b->version, kBaseline + 5000);
  EXPECT_EQ(head(), b->version);
  EXPECT_EQ(r.modified_by, "device-a");
  EXPECT_EQ(b->modified_by, "device-a");
  const auto es = entries_after(kBaseline);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, kBookmarkKind);
  EXPECT_EQ(es[0].op, kCreateOp);
}

TEST_F(DirectWritesTest, AddBookmarkWithTheSameDetailsUpdatesTheSameBookmark) {
  const std::string id = new_bookmark(ayah(2, 255));
  const std::int64_t first_version = get<Bookmark>(id)->version;
  const std::int64_t cursor = head();
  auto again = bookmark_create(ayah(2, 255));
  again.details.mushaf = 4;
  const auto r = ok([&](Ledger& l) { return add_bookmark(l, again, none()); }, std::nullopt, "device-b");
  EXPECT_EQ(json::value_to<std::string>(data_of(r).at("id")), id);
  EXPECT_EQ(all<Bookmark>().size(), 1u);
  const auto b = get<Bookmark>(id);
  EXPECT_EQ(b->details.mushaf, 4);
  EXPECT_GT(b->version, first_version);
  EXPECT_EQ(r.version, b->version);
  EXPECT_EQ(r.modified_by, "device-b");
  EXPECT_EQ(b->modified_by, "device-b");
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].op, kUpdateOp);
}

TEST_F(DirectWritesTest, AddBookmarkAnswersTheCollectionsCountIncludingFavorites) {
  const std::string id = new_bookmark(ayah(2, 255));
  const std::string c1 = new_collection("one");
  const std::string c2 = new_collection("two");
  add(c1, id);
  add(c2, id);
  add(std::string(kDefaultCollectionId), id);
  const auto r = ok([](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255)), none()); });
  EXPECT_EQ(data_of(r).at("collectionsCount").as_int64(), 3);
  EXPECT_TRUE(data_of(r).at("isInDefaultCollection").as_bool());
}

TEST_F(DirectWritesTest, AddBookmarkAsReadingMovesTheReadingFlagAndAnswersItsOwnVersion) {
  const std::string first = new_bookmark(ayah(1, 1), ReadingFlag::kSet);
  const auto r = ok([](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255), ReadingFlag::kSet), none()); });
  const std::string second = json::value_to<std::string>(data_of(r).at("id"));
  EXPECT_TRUE(data_of(r).at("isReading").as_bool());
  EXPECT_FALSE(get<Bookmark>(first)->is_reading);
  EXPECT_TRUE(get<Bookmark>(second)->is_reading);
  // The cascade's UPDATE comes first, so the answer's version is the new head.
  EXPECT_EQ(r.version, get<Bookmark>(second)->version);
  EXPECT_EQ(r.version, head());
}

TEST_F(DirectWritesTest, AddBookmarkIfNoneMatchStarCreatesOnlyWhenAbsent) {
  const auto created =
      ok([](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255)), if_none_match_any()); });
  const std::string before = snapshot();
  const auto e = fails([](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255)), if_none_match_any()); },
                       ErrorCode::kPreconditionFailed);
  EXPECT_THAT(e.message, HasSubstr(etag_for(*created.version)));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(DirectWritesTest, AddBookmarkIfMatchNamesTheBookmarkItWouldUpdate) {
  // Nothing to update yet: If-Match cannot hold.
  fails([](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255)), if_match_any()); },
        ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(all<Bookmark>().empty());

  const auto created = ok([](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255)), none()); });
  const auto updated = ok([&](Ledger& l) {
    return add_bookmark(l, bookmark_create(ayah(2, 255), ReadingFlag::kSet), if_match(*created.version));
  });
  EXPECT_GT(*updated.version, *created.version);

  const std::string before = snapshot();
  fails([&](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255)), if_match(*created.version)); },
        ErrorCode::kPreconditionFailed);
  EXPECT_EQ(snapshot(), before);
}

// ---- DELETE /v1/bookmarks/{id} ----

TEST_F(DirectWritesTest, DeleteBookmarkRemovesAnOrphan) {
  const std::string id = new_bookmark(ayah(2, 255));
  const std::int64_t cursor = head();
  const auto r = ok([&](Ledger& l) { return delete_bookmark(l, id, none()); });
  EXPECT_EQ(message_of(r), "bookmark deleted");
  EXPECT_FALSE(r.version.has_value());
  EXPECT_FALSE(get<Bookmark>(id).has_value());
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].id, id);
  EXPECT_EQ(es[0].op, kDeleteOp);
  EXPECT_EQ(head(), es[0].ts);
}

TEST_F(DirectWritesTest, DeleteBookmarkRemovesTheReadingBookmarkWhenItIsInNoCollection) {
  const std::string id = new_bookmark(ayah(2, 255), ReadingFlag::kSet);
  ok([&](Ledger& l) { return delete_bookmark(l, id, none()); });
  EXPECT_FALSE(get<Bookmark>(id).has_value());
}

TEST_F(DirectWritesTest, DeleteBookmarkKeepsOneInACollectionAndOnlyClearsReading) {
  const std::string id = new_bookmark(ayah(2, 255), ReadingFlag::kSet);
  const std::string c = new_collection("kept");
  add(c, id);
  const std::int64_t cursor = head();
  const auto r = ok([&](Ledger& l) { return delete_bookmark(l, id, none()); }, std::nullopt, "device-b");
  EXPECT_EQ(message_of(r), "bookmark deleted");
  const auto b = get<Bookmark>(id);
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->is_reading);
  EXPECT_EQ(b->modified_by, "device-b");
  EXPECT_TRUE(is_member(c, id));
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, kBookmarkKind);
  EXPECT_EQ(es[0].op, kUpdateOp);
}

TEST_F(DirectWritesTest, DeleteBookmarkKeepsOneInFavoritesAndWritesNothingWhenItWasNotReading) {
  const std::string id = new_bookmark(ayah(2, 255));
  add(std::string(kDefaultCollectionId), id);
  const std::string before = snapshot();
  const auto r = run([&](Ledger& l) { return delete_bookmark(l, id, none()); });
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(used_ts_);
  EXPECT_EQ(snapshot(), before);
  EXPECT_TRUE(get<Bookmark>(id)->in_default);
}

TEST_F(DirectWritesTest, DeleteBookmarkOfAMissingIdIsNotFound) {
  const auto e = fails([](Ledger& l) { return delete_bookmark(l, "ghost", none()); }, ErrorCode::kNotFound);
  EXPECT_EQ(e.message, "Bookmark not found");
}

TEST_F(DirectWritesTest, DeleteBookmarkChecksItsVersion) {
  const std::string id = new_bookmark(ayah(2, 255));
  const std::int64_t v = get<Bookmark>(id)->version;
  const std::string before = snapshot();
  fails([&](Ledger& l) { return delete_bookmark(l, id, if_match(v - 1)); }, ErrorCode::kPreconditionFailed);
  fails([&](Ledger& l) { return delete_bookmark(l, id, if_none_match_any()); }, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(snapshot(), before);
  ok([&](Ledger& l) { return delete_bookmark(l, id, if_match(v)); });
  EXPECT_FALSE(get<Bookmark>(id).has_value());
}

// ---- POST /v1/collections, POST and DELETE /v1/collections/{id} ----

TEST_F(DirectWritesTest, CreateCollectionAnswersTheCollectionWithItsVersion) {
  const auto r = ok([](Ledger& l) { return create_collection(l, named("My Trip List"), none()); });
  const auto d = data_of(r);
  const std::string id = json::value_to<std::string>(d.at("id"));
  EXPECT_EQ(d.at("name").as_string(), "My Trip List");
  EXPECT_EQ(d.at("slug").as_string(), "my-trip-list");
  EXPECT_FALSE(d.at("isDefault").as_bool());
  EXPECT_EQ(d.at("bookmarksCount").as_int64(), 0);
  const auto c = get<Collection>(id);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(r.version, c->version);
  EXPECT_EQ(r.version, head());
  EXPECT_EQ(r.modified_by, "device-a");
  EXPECT_EQ(c->modified_by, "device-a");
}

TEST_F(DirectWritesTest, CreateCollectionAlwaysMakesANewOne) {
  ok([](Ledger& l) { return create_collection(l, named("same"), if_none_match_any()); });
  ok([](Ledger& l) { return create_collection(l, named("same"), if_none_match_any()); });
  EXPECT_EQ(all<Collection>().size(), 2u);
  // ...so If-Match, which needs an existing resource, never holds.
  fails([](Ledger& l) { return create_collection(l, named("x"), if_match_any()); }, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(all<Collection>().size(), 2u);
}

TEST_F(DirectWritesTest, RenameCollectionAnswersAMessageAndTheNewVersion) {
  const std::string id = new_collection("old");
  const std::int64_t v = get<Collection>(id)->version;
  const auto r = ok([&](Ledger& l) { return rename_collection(l, id, named("New Name"), none()); }, std::nullopt,
                    "device-b");
  EXPECT_EQ(message_of(r), "collection renamed");
  const auto c = get<Collection>(id);
  EXPECT_EQ(c->name, "New Name");
  EXPECT_EQ(c->slug, "new-name");
  EXPECT_GT(c->version, v);
  EXPECT_EQ(r.version, c->version);
  EXPECT_EQ(r.modified_by, "device-b");
  EXPECT_EQ(c->modified_by, "device-b");
  EXPECT_EQ(head(), c->version);
}

TEST_F(DirectWritesTest, RenameAndDeleteOfAMissingCollectionAreNotFound) {
  EXPECT_EQ(fails([](Ledger& l) { return rename_collection(l, "ghost", named("x"), none()); }, ErrorCode::kNotFound)
                .message,
            "Collection not found");
  EXPECT_EQ(fails([](Ledger& l) { return delete_collection(l, "ghost", none()); }, ErrorCode::kNotFound).message,
            "Collection not found");
}

TEST_F(DirectWritesTest, FavoritesCannotBeRenamedOrDeleted) {
  const std::string id = new_bookmark(ayah(2, 255));
  add(std::string(kDefaultCollectionId), id);
  const std::string before = snapshot();
  for (const auto& e :
       {fails([](Ledger& l) { return rename_collection(l, kDefaultCollectionId, named("x"), none()); },
              ErrorCode::kUnprocessable),
        fails([](Ledger& l) { return delete_collection(l, kDefaultCollectionId, none()); }, ErrorCode::kUnprocessable)}) {
    EXPECT_EQ(e.message, "The default collection (Favorites) cannot be renamed or deleted");
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_F(DirectWritesTest, RenameCollectionChecksItsVersion) {
  const std::string id = new_collection("old");
  const std::int64_t v = get<Collection>(id)->version;
  const std::string before = snapshot();
  const auto e = fails([&](Ledger& l) { return rename_collection(l, id, named("stale"), if_match(v - 1)); },
                       ErrorCode::kPreconditionFailed);
  EXPECT_THAT(e.message, HasSubstr(etag_for(v)));
  fails([&](Ledger& l) { return rename_collection(l, id, named("stale"), if_none_match_any()); },
        ErrorCode::kPreconditionFailed);
  fails([&](Ledger& l) { return rename_collection(l, id, named("stale"), pre("W/" + etag_for(v), std::nullopt)); },
        ErrorCode::kPreconditionFailed);
  EXPECT_EQ(snapshot(), before);

  // The ETag a rename answers is the one the next conditional rename needs.
  const auto r = ok([&](Ledger& l) { return rename_collection(l, id, named("one"), if_match(v)); });
  ok([&](Ledger& l) { return rename_collection(l, id, named("two"), if_match(*r.version)); });
  fails([&](Ledger& l) { return rename_collection(l, id, named("three"), if_match(*r.version)); },
        ErrorCode::kPreconditionFailed);
  EXPECT_EQ(get<Collection>(id)->name, "two");
}

TEST_F(DirectWritesTest, DeleteCollectionCascadesToMembershipsAndOrphanedBookmarks) {
  const std::string c = new_collection("going");
  const std::string other = new_collection("staying");
  const std::string only_here = new_bookmark(ayah(1, 1));
  const std::string also_elsewhere = new_bookmark(ayah(1, 2));
  const std::string in_favorites = new_bookmark(ayah(1, 3));
  const std::string reading = new_bookmark(ayah(1, 4), ReadingFlag::kSet);
  for (const auto& b : {only_here, also_elsewhere, in_favorites, reading}) add(c, b);
  add(other, also_elsewhere);
  add(std::string(kDefaultCollectionId), in_favorites);
  const std::int64_t cursor = head();

  const auto r = ok([&](Ledger& l) { return delete_collection(l, c, none()); });
  EXPECT_EQ(message_of(r), "collection deleted");
  EXPECT_FALSE(r.version.has_value());

  EXPECT_FALSE(get<Collection>(c).has_value());
  EXPECT_TRUE(get<Collection>(other).has_value());
  for (const auto& b : {only_here, also_elsewhere, in_favorites, reading}) EXPECT_FALSE(is_member(c, b)) << b;
  EXPECT_TRUE(is_member(other, also_elsewhere));
  EXPECT_FALSE(get<Bookmark>(only_here).has_value());
  EXPECT_TRUE(get<Bookmark>(also_elsewhere).has_value());
  EXPECT_TRUE(get<Bookmark>(in_favorites).has_value());
  EXPECT_TRUE(get<Bookmark>(reading).has_value());

  // Four membership tombstones, the orphan's, then the collection's, which is the new head.
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 6u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(es[i].kind, kMembershipKind);
    EXPECT_EQ(es[i].op, kDeleteOp);
  }
  EXPECT_EQ(es[4].kind, kBookmarkKind);
  EXPECT_EQ(es[4].id, only_here);
  EXPECT_EQ(es[4].op, kDeleteOp);
  EXPECT_EQ(es[5].kind, kCollectionKind);
  EXPECT_EQ(es[5].op, kDeleteOp);
  EXPECT_EQ(head(), es[5].ts);
}

TEST_F(DirectWritesTest, DeleteCollectionChecksItsVersion) {
  const std::string c = new_collection("c");
  const std::string b = new_bookmark(ayah(1, 1));
  add(c, b);
  const std::int64_t v = get<Collection>(c)->version;
  const std::string before = snapshot();
  fails([&](Ledger& l) { return delete_collection(l, c, if_match(v + 1)); }, ErrorCode::kPreconditionFailed);
  EXPECT_EQ(snapshot(), before);
  ok([&](Ledger& l) { return delete_collection(l, c, if_match(v)); });
  EXPECT_FALSE(get<Collection>(c).has_value());
  EXPECT_FALSE(get<Bookmark>(b).has_value());
}

// ---- POST /v1/collections/{id}/bookmarks ----

TEST_F(DirectWritesTest, AddToCollectionByIdAnswersTheMembershipsVersion) {
  const std::string c = new_collection("c");
  const std::string b = new_bookmark(ayah(2, 255));
  const auto r = ok([&](Ledger& l) { return add_to_collection(l, target(c, b), none()); }, std::nullopt, "device-b");
  EXPECT_EQ(message_of(r), "collection bookmark added");
  const auto m = get<Membership>(c + "/" + b);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(r.version, m->version);
  EXPECT_EQ(r.version, head());
  EXPECT_EQ(r.modified_by, "device-b");
  EXPECT_EQ(m->modified_by, "device-b");
}

TEST_F(DirectWritesTest, AddToCollectionByDetailsCreatesTheBookmarkWhenNoneMatches) {
  const std::string c = new_collection("c");
  const auto r = ok([&](Ledger& l) { return add_to_collection(l, target_by_details(c, ayah(18, 10)), none()); });
  const auto bs = all<Bookmark>();
  ASSERT_EQ(bs.size(), 1u);
  EXPECT_EQ(bs[0].details.key, 18);
  EXPECT_TRUE(is_member(c, bs[0].id));
  EXPECT_EQ(r.version, get<Membership>(c + "/" + bs[0].id)->version);
  // A second add by the same details reuses the bookmark.
  ok([&](Ledger& l) { return add_to_collection(l, target_by_details(c, ayah(18, 10)), none()); });
  EXPECT_EQ(all<Bookmark>().size(), 1u);
  EXPECT_EQ(all<Membership>().size(), 1u);
}

TEST_F(DirectWritesTest, AddToAMissingCollectionOrOfAMissingBookmarkIsNotFound) {
  const std::string b = new_bookmark(ayah(2, 255));
  const std::string c = new_collection("c");
  const std::string before = snapshot();
  EXPECT_EQ(fails([&](Ledger& l) { return add_to_collection(l, target("ghost", b), none()); }, ErrorCode::kNotFound)
                .message,
            "Collection not found");
  EXPECT_EQ(fails([&](Ledger& l) { return add_to_collection(l, target_by_details("ghost", ayah(1, 1)), none()); },
                  ErrorCode::kNotFound)
                .message,
            "Collection not found");
  EXPECT_EQ(fails([&](Ledger& l) { return add_to_collection(l, target(c, "ghost"), none()); }, ErrorCode::kNotFound)
                .message,
            "Bookmark not found");
  EXPECT_EQ(
      fails([&](Ledger& l) { return add_to_collection(l, target(std::string(kDefaultCollectionId), "ghost"), none()); },
            ErrorCode::kNotFound)
          .message,
      "Bookmark not found");
  EXPECT_EQ(snapshot(), before);
}

TEST_F(DirectWritesTest, AddToFavoritesSetsTheFlagAndAnswersTheBookmarksVersion) {
  const std::string b = new_bookmark(ayah(2, 255));
  const auto r = add(std::string(kDefaultCollectionId), b);
  const auto bm = get<Bookmark>(b);
  EXPECT_TRUE(bm->in_default);
  EXPECT_EQ(r.version, bm->version);
  EXPECT_TRUE(all<Membership>().empty());  // Favorites has no rows
}

TEST_F(DirectWritesTest, AddToFavoritesRefusesAPageBookmark) {
  const std::string b = new_bookmark(page_of(10, 1));
  const std::string before = snapshot();
  const auto e = fails(
      [&](Ledger& l) { return add_to_collection(l, target(std::string(kDefaultCollectionId), b), none()); },
      ErrorCode::kUnprocessable);
  EXPECT_THAT(e.message, HasSubstr("ayah bookmarks only"));
  EXPECT_EQ(snapshot(), before);
}

TEST_F(DirectWritesTest, AddToCollectionPreconditionsNameTheMembership) {
  const std::string c = new_collection("c");
  const std::string b = new_bookmark(ayah(2, 255));
  // Not a member yet: If-Match cannot hold, If-None-Match: * does.
  fails([&](Ledger& l) { return add_to_collection(l, target(c, b), if_match_any()); }, ErrorCode::kPreconditionFailed);
  // The bookmark's own version is not the membership's.
  fails([&](Ledger& l) { return add_to_collection(l, target(c, b), if_match(get<Bookmark>(b)->version)); },
        ErrorCode::kPreconditionFailed);
  EXPECT_FALSE(is_member(c, b));
  const auto first = ok([&](Ledger& l) { return add_to_collection(l, target(c, b), if_none_match_any()); });
  // Already a member: If-None-Match: * fails; If-Match with the answered ETag holds.
  const std::string before = snapshot();
  fails([&](Ledger& l) { return add_to_collection(l, target(c, b), if_none_match_any()); },
        ErrorCode::kPreconditionFailed);
  fails([&](Ledger& l) { return add_to_collection(l, target(c, b), if_match(*first.version - 1)); },
        ErrorCode::kPreconditionFailed);
  EXPECT_EQ(snapshot(), before);
  const auto again = ok([&](Ledger& l) { return add_to_collection(l, target(c, b), if_match(*first.version)); });
  EXPECT_GT(*again.version, *first.version);
  EXPECT_EQ(all<Membership>().size(), 1u);
}

TEST_F(DirectWritesTest, AddToFavoritesPreconditionsNameTheBookmark) {
  const std::string b = new_bookmark(ayah(2, 255));
  const std::string fav(kDefaultCollectionId);
  // Not in Favorites yet: the membership does not exist even though the bookmark does.
  fails([&](Ledger& l) { return add_to_collection(l, target(fav, b), if_match(get<Bookmark>(b)->version)); },
        ErrorCode::kPreconditionFailed);
  const auto r = ok([&](Ledger& l) { return add_to_collection(l, target(fav, b), if_none_match_any()); });
  fails([&](Ledger& l) { return add_to_collection(l, target(fav, b), if_none_match_any()); },
        ErrorCode::kPreconditionFailed);
  ok([&](Ledger& l) { return add_to_collection(l, target(fav, b), if_match(*r.version)); });
}

// ---- DELETE /v1/collections/{id}/bookmarks[/{bookmarkId}] ----

TEST_F(DirectWritesTest, RemoveFromCollectionDeletesTheBookmarkItLeavesOrphaned) {
  const std::string c = new_collection("c");
  const std::string b = new_bookmark(ayah(2, 255));
  add(c, b);
  const std::int64_t cursor = head();
  const auto r = ok([&](Ledger& l) { return remove_from_collection(l, target(c, b), none(), "removed"); });
  EXPECT_EQ(message_of(r), "removed");
  EXPECT_FALSE(r.version.has_value());
  EXPECT_FALSE(is_member(c, b));
  EXPECT_FALSE(get<Bookmark>(b).has_value());
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0].kind, kMembershipKind);
  EXPECT_EQ(es[0].op, kDeleteOp);
  EXPECT_EQ(es[1].kind, kBookmarkKind);
  EXPECT_EQ(es[1].op, kDeleteOp);
  EXPECT_EQ(head(), es[1].ts);
}

TEST_F(DirectWritesTest, RemoveFromCollectionKeepsABookmarkThatIsStillSomewhere) {
  const std::string c = new_collection("c");
  const std::string other = new_collection("other");
  const std::string elsewhere = new_bookmark(ayah(1, 1));
  const std::string favorite = new_bookmark(ayah(1, 2));
  const std::string reading = new_bookmark(ayah(1, 3), ReadingFlag::kSet);
  for (const auto& b : {elsewhere, favorite, reading}) add(c, b);
  add(other, elsewhere);
  add(std::string(kDefaultCollectionId), favorite);
  for (const auto& b : {elsewhere, favorite, reading}) {
    ok([&](Ledger& l) { return remove_from_collection(l, target(c, b), none(), "removed"); });
    EXPECT_FALSE(is_member(c, b)) << b;
    EXPECT_TRUE(get<Bookmark>(b).has_value()) << b;
  }
  EXPECT_TRUE(is_member(other, elsewhere));
}

TEST_F(DirectWritesTest, RemoveFromCollectionWithoutAMessageAnswersEmptyData) {
  const std::string c = new_collection("c");
  const std::string b = new_bookmark(ayah(2, 255));
  add(c, b);
  const auto r = ok([&](Ledger& l) { return remove_from_collection(l, target(c, b), none(), ""); });
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"success":true,"data":{}})"));
}

TEST_F(DirectWritesTest, RemoveFromCollectionByDetails) {
  const std::string c = new_collection("c");
  const std::string b = new_bookmark(ayah(2, 255));
  const std::string other = new_collection("other");
  add(c, b);
  add(other, b);
  ok([&](Ledger& l) { return remove_from_collection(l, target_by_details(c, ayah(2, 255)), none(), "removed"); });
  EXPECT_FALSE(is_member(c, b));
  EXPECT_TRUE(get<Bookmark>(b).has_value());
}

TEST_F(DirectWritesTest, RemovingWhatIsNotAMembershipIsNotFound) {
  const std::string c = new_collection("c");
  const std::string b = new_bookmark(ayah(2, 255));
  const std::string before = snapshot();
  const auto remove = [&](MembershipTarget t) {
    return fails([&](Ledger& l) { return remove_from_collection(l, t, none(), "removed"); }, ErrorCode::kNotFound);
  };
  EXPECT_EQ(remove(target(c, b)).message, "Bookmark in this collection not found");
  EXPECT_EQ(remove(target(c, "ghost")).message, "Bookmark in this collection not found");
  EXPECT_EQ(remove(target_by_details(c, ayah(3, 3))).message, "Bookmark in this collection not found");
  EXPECT_EQ(remove(target(std::string(kDefaultCollectionId), b)).message, "Bookmark in this collection not found");
  EXPECT_EQ(remove(target("ghost", b)).message, "Collection not found");
  EXPECT_EQ(snapshot(), before);
}

TEST_F(DirectWritesTest, RemoveFromFavoritesClearsTheFlagAndAppliesTheOrphanRule) {
  const std::string fav(kDefaultCollectionId);
  const std::string c = new_collection("c");
  const std::string only_favorite = new_bookmark(ayah(1, 1));
  const std::string also_in_c = new_bookmark(ayah(1, 2));
  add(fav, only_favorite);
  add(fav, also_in_c);
  add(c, also_in_c);
  ok([&](Ledger& l) { return remove_from_collection(l, target(fav, only_favorite), none(), "removed"); });
  EXPECT_FALSE(get<Bookmark>(only_favorite).has_value());
  ok([&](Ledger& l) { return remove_from_collection(l, target(fav, also_in_c), none(), "removed"); });
  const auto kept = get<Bookmark>(also_in_c);
  ASSERT_TRUE(kept.has_value());
  EXPECT_FALSE(kept->in_default);
}

TEST_F(DirectWritesTest, RemoveFromCollectionChecksTheMembershipsVersion) {
  const std::string c = new_collection("c");
  const std::string b = new_bookmark(ayah(2, 255));
  const auto added = add(c, b);
  const std::string before = snapshot();
  fails([&](Ledger& l) { return remove_from_collection(l, target(c, b), if_match(*added.version - 1), "removed"); },
        ErrorCode::kPreconditionFailed);
  fails([&](Ledger& l) { return remove_from_collection(l, target(c, b), if_none_match_any(), "removed"); },
        ErrorCode::kPreconditionFailed);
  EXPECT_EQ(snapshot(), before);
  ok([&](Ledger& l) { return remove_from_collection(l, target(c, b), if_match(*added.version), "removed"); });
  EXPECT_FALSE(is_member(c, b));
}

// ---- POST /v1/notes, PATCH and DELETE /v1/notes/{id} ----

TEST_F(DirectWritesTest, CreateNoteAnswersTheNoteWithItsVersionAndSource) {
  const auto r = ok([](Ledger& l) { return create_note(l, note_create("a good note", {"2:255-2:257"}), none()); });
  const auto d = data_of(r);
  const std::string id = json::value_to<std::string>(d.at("id"));
  EXPECT_EQ(d.at("body").as_string(), "a good note");
  EXPECT_EQ(d.at("source").as_string(), "device-a");
  EXPECT_EQ(d.at("ranges"), json::parse(R"(["2:255-2:257"])"));
  const auto n = get<Note>(id);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(r.version, n->version);
  EXPECT_EQ(r.version, head());
  EXPECT_EQ(r.modified_by, "device-a");
  // If-Match needs an existing resource; a new note never is one.
  fails([](Ledger& l) { return create_note(l, note_create("another note"), if_match_any()); },
        ErrorCode::kPreconditionFailed);
  EXPECT_EQ(all<Note>().size(), 1u);
}

TEST_F(DirectWritesTest, UpdateNoteChangesTheBodyKeepsTheRestAndAnswersTheNewVersion) {
  const std::string id = new_note();
  const auto before = *get<Note>(id);
  const auto r = ok([&](Ledger& l) { return update_note(l, id, note_update("an edited note"), none()); },
                    std::nullopt, "device-b");
  const auto d = data_of(r);
  EXPECT_EQ(d.at("body").as_string(), "an edited note");
  EXPECT_EQ(d.at("source").as_string(), "device-a");  // still the creator
  const auto n = get<Note>(id);
  EXPECT_EQ(n->body, "an edited note");
  EXPECT_EQ(n->ranges, before.ranges);  // ranges not sent: kept
  EXPECT_EQ(n->source, "device-a");
  EXPECT_GT(n->version, before.version);
  EXPECT_EQ(n->created_ts, before.created_ts);
  EXPECT_EQ(r.version, n->version);
  EXPECT_EQ(r.modified_by, "device-b");
  EXPECT_EQ(n->modified_by, "device-b");
  EXPECT_EQ(head(), n->version);

  NoteUpdate u = note_update("edited again");
  u.ranges = std::vector<std::string>{"3:1-3:2"};
  u.save_to_qr = true;
  ok([&](Ledger& l) { return update_note(l, id, u, none()); });
  EXPECT_EQ(get<Note>(id)->ranges, (std::vector<std::string>{"3:1-3:2"}));
  EXPECT_TRUE(get<Note>(id)->save_to_qr);
}

TEST_F(DirectWritesTest, UpdateAndDeleteOfAMissingNoteAreNotFound) {
  EXPECT_EQ(fails([](Ledger& l) { return update_note(l, "ghost", note_update("edited note"), none()); },
                  ErrorCode::kNotFound)
                .message,
            "Note not found");
  EXPECT_EQ(fails([](Ledger& l) { return delete_note(l, "ghost", none()); }, ErrorCode::kNotFound).message,
            "Note not found");
}

TEST_F(DirectWritesTest, UpdateNoteChecksItsVersion) {
  const std::string id = new_note();
  const std::int64_t v = get<Note>(id)->version;
  const std::string before = snapshot();
  const auto e = fails([&](Ledger& l) { return update_note(l, id, note_update("lost update"), if_match(v - 1)); },
                       ErrorCode::kPreconditionFailed);
  EXPECT_THAT(e.message, HasSubstr(etag_for(v)));
  fails([&](Ledger& l) { return update_note(l, id, note_update("lost update"), if_none_match_any()); },
        ErrorCode::kPreconditionFailed);
  fails([&](Ledger& l) { return update_note(l, id, note_update("lost update"), pre(std::nullopt, etag_for(v))); },
        ErrorCode::kPreconditionFailed);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(get<Note>(id)->body, "a good note");

  // Two devices edit from the same version: the first wins, the second gets 412.
  const auto first = ok([&](Ledger& l) { return update_note(l, id, note_update("device a's edit"), if_match(v)); });
  fails([&](Ledger& l) { return update_note(l, id, note_update("device b's edit"), if_match(v)); },
        ErrorCode::kPreconditionFailed);
  EXPECT_EQ(get<Note>(id)->body, "device a's edit");
  ok([&](Ledger& l) { return update_note(l, id, note_update("device b's rebase"), if_match(*first.version)); });
}

TEST_F(DirectWritesTest, DeleteNoteRemovesItAndAnswersSuccess) {
  const std::string id = new_note();
  const std::int64_t v = get<Note>(id)->version;
  const std::int64_t cursor = head();
  fails([&](Ledger& l) { return delete_note(l, id, if_match(v + 1)); }, ErrorCode::kPreconditionFailed);
  EXPECT_TRUE(get<Note>(id).has_value());
  const auto r = ok([&](Ledger& l) { return delete_note(l, id, if_match(v)); });
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"success":true,"data":{"success":true}})"));
  EXPECT_FALSE(r.version.has_value());
  EXPECT_FALSE(get<Note>(id).has_value());
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, kNoteKind);
  EXPECT_EQ(es[0].op, kDeleteOp);
}

// ---- POST /v1/reading-sessions ----

TEST_F(DirectWritesTest, FirstReadingSessionIsCreated) {
  const std::int64_t t = kBaseline + 10 * kMinute;
  const auto r = ok([](Ledger& l) { return record_reading_session(l, at_ayah(2, 255), none()); }, t);
  EXPECT_EQ(message_of(r), "reading session created");
  const auto ss = all<ReadingSession>();
  ASSERT_EQ(ss.size(), 1u);
  EXPECT_EQ(ss[0].chapter, 2);
  EXPECT_EQ(ss[0].verse, 255);
  EXPECT_EQ(r.version, ss[0].version);
  EXPECT_EQ(r.version, t);
  EXPECT_EQ(r.modified_by, "device-a");
  EXPECT_EQ(ss[0].modified_by, "device-a");
  EXPECT_EQ(head(), t);
}

TEST_F(DirectWritesTest, ReadingSessionUnderTwentyMinutesOldIsUpdated) {
  ASSERT_EQ(kReadingSessionWindowMs, 20 * kMinute);
  const std::int64_t t = kBaseline + 10 * kMinute;
  ok([](Ledger& l) { return record_reading_session(l, at_ayah(2, 255), none()); }, t);
  const std::string id = all<ReadingSession>()[0].id;
  const std::int64_t cursor = head();
  const auto r = ok([](Ledger& l) { return record_reading_session(l, at_ayah(2, 260), none()); }, t + 20 * kMinute - 1,
                    "device-b");
  EXPECT_EQ(message_of(r), "reading session updated");
  const auto ss = all<ReadingSession>();
  ASSERT_EQ(ss.size(), 1u);
  EXPECT_EQ(ss[0].id, id);
  EXPECT_EQ(ss[0].verse, 260);
  EXPECT_EQ(r.version, ss[0].version);
  EXPECT_EQ(ss[0].modified_by, "device-b");
  const auto es = entries_after(cursor);
  ASSERT_EQ(es.size(), 1u);
  EXPECT_EQ(es[0].kind, kSessionKind);
  EXPECT_EQ(es[0].op, kUpdateOp);
}

TEST_F(DirectWritesTest, ReadingSessionTwentyMinutesOldStartsANewOne) {
  const std::int64_t t = kBaseline + 10 * kMinute;
  ok([](Ledger& l) { return record_reading_session(l, at_ayah(2, 255), none()); }, t);
  const auto r = ok([](Ledger& l) { return record_reading_session(l, at_ayah(3, 1), none()); }, t + 20 * kMinute);
  EXPECT_EQ(message_of(r), "reading session created");
  EXPECT_EQ(all<ReadingSession>().size(), 2u);
}

TEST_F(DirectWritesTest, TheTwentyMinutesCountFromTheLatestSessionsLastWrite) {
  const std::int64_t t = kBaseline + 10 * kMinute;
  ok([](Ledger& l) { return record_reading_session(l, at_ayah(1, 1), none()); }, t);
  ok([](Ledger& l) { return record_reading_session(l, at_ayah(1, 2), none()); }, t + 15 * kMinute);
  // 30 minutes after the session began, 15 after its last update: still the same session.
  EXPECT_EQ(message_of(ok([](Ledger& l) { return record_reading_session(l, at_ayah(1, 3), none()); },
                          t + 30 * kMinute)),
            "reading session updated");
  EXPECT_EQ(all<ReadingSession>().size(), 1u);
}

TEST_F(DirectWritesTest, OnlyTheLatestSessionIsEverUpdated) {
  const std::int64_t t = kBaseline + 10 * kMinute;
  ok([](Ledger& l) { return record_reading_session(l, at_ayah(1, 1), none()); }, t);
  const auto second = ok([](Ledger& l) { return record_reading_session(l, at_ayah(2, 1), none()); }, t + 25 * kMinute);
  ok([](Ledger& l) { return record_reading_session(l, at_ayah(2, 2), none()); }, t + 30 * kMinute);
  const auto ss = all<ReadingSession>();
  ASSERT_EQ(ss.size(), 2u);
  for (const auto& s : ss) {
    if (s.chapter == 1) {
      EXPECT_EQ(s.verse, 1);
      EXPECT_EQ(s.version, t);
    } else {
      EXPECT_EQ(s.verse, 2);
      EXPECT_GT(s.version, *second.version);
    }
  }
}

TEST_F(DirectWritesTest, ReadingSessionPreconditionsNameTheSessionAPostWouldUpdate) {
  const std::int64_t t = kBaseline + 10 * kMinute;
  // No recent session: If-Match cannot hold; If-None-Match: * does.
  fails([](Ledger& l) { return record_reading_session(l, at_ayah(1, 1), if_match_any()); },
        ErrorCode::kPreconditionFailed, t);
  EXPECT_TRUE(all<ReadingSession>().empty());
  const auto created =
      ok([](Ledger& l) { return record_reading_session(l, at_ayah(1, 1), if_none_match_any()); }, t + 1000);

  // A recent session: a POST that must start a new one fails, as does a stale If-Match.
  const std::string before = snapshot();
  fails([](Ledger& l) { return record_reading_session(l, at_ayah(1, 2), if_none_match_any()); },
        ErrorCode::kPreconditionFailed, t + 2000);
  fails([&](Ledger& l) { return record_reading_session(l, at_ayah(1, 2), if_match(*created.version - 1)); },
        ErrorCode::kPreconditionFailed, t + 3000);
  EXPECT_EQ(snapshot(), before);
  const auto updated =
      ok([&](Ledger& l) { return record_reading_session(l, at_ayah(1, 2), if_match(*created.version)); }, t + 4000);
  EXPECT_EQ(message_of(updated), "reading session updated");

  // Once the session is old, the same If-Match fails: the POST would create, not update.
  fails([&](Ledger& l) { return record_reading_session(l, at_ayah(1, 3), if_match(*updated.version)); },
        ErrorCode::kPreconditionFailed, *updated.version + 20 * kMinute);
  ok([](Ledger& l) { return record_reading_session(l, at_ayah(1, 3), if_none_match_any()); },
     *updated.version + 20 * kMinute);
  EXPECT_EQ(all<ReadingSession>().size(), 2u);
}

// ---- across every write ----

TEST_F(DirectWritesTest, EveryWriteAdvancesTheHeadToItsAnsweredVersion) {
  const std::string b = new_bookmark(ayah(2, 255));
  const std::string c = new_collection("c");
  const std::string n = new_note();
  const std::vector<Op> ops = {
      [](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(3, 3)), none()); },
      [](Ledger& l) { return create_collection(l, named("d"), none()); },
      [&](Ledger& l) { return rename_collection(l, c, named("renamed"), none()); },
      [&](Ledger& l) { return add_to_collection(l, target(c, b), none()); },
      [&](Ledger& l) { return add_to_collection(l, target(std::string(kDefaultCollectionId), b), none()); },
      [](Ledger& l) { return create_note(l, note_create("another note"), none()); },
      [&](Ledger& l) { return update_note(l, n, note_update("edited note"), none()); },
      [](Ledger& l) { return record_reading_session(l, at_ayah(1, 1), none()); },
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const std::int64_t before = head();
    const auto r = ok(ops[i]);
    ASSERT_TRUE(r.version.has_value()) << i;
    EXPECT_GT(*r.version, before) << i;
    EXPECT_EQ(head(), *r.version) << i;
    EXPECT_EQ(r.modified_by, "device-a") << i;
  }
}

TEST_F(DirectWritesTest, AFailedPreconditionNeverWritesForAnyOperation) {
  const std::string b = new_bookmark(ayah(2, 255));
  const std::string c = new_collection("c");
  add(c, b);
  const std::string n = new_note();
  ok([](Ledger& l) { return record_reading_session(l, at_ayah(1, 1), none()); });
  const Preconditions stale = pre("\"1\"", std::nullopt);  // no resource has version 1
  const std::vector<Op> ops = {
      [&](Ledger& l) { return add_bookmark(l, bookmark_create(ayah(2, 255)), stale); },
      [&](Ledger& l) { return delete_bookmark(l, b, stale); },
      [&](Ledger& l) { return create_collection(l, named("d"), stale); },
      [&](Ledger& l) { return rename_collection(l, c, named("renamed"), stale); },
      [&](Ledger& l) { return delete_collection(l, c, stale); },
      [&](Ledger& l) { return add_to_collection(l, target(c, b), stale); },
      [&](Ledger& l) { return remove_from_collection(l, target(c, b), stale, "removed"); },
      [&](Ledger& l) { return create_note(l, note_create("another note"), stale); },
      [&](Ledger& l) { return update_note(l, n, note_update("edited note"), stale); },
      [&](Ledger& l) { return delete_note(l, n, stale); },
      [&](Ledger& l) { return record_reading_session(l, at_ayah(1, 2), stale); },
  };
  const std::string before = snapshot();
  const std::int64_t cursor = head();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    SCOPED_TRACE(i);
    fails(ops[i], ErrorCode::kPreconditionFailed);
  }
  EXPECT_EQ(snapshot(), before);
  EXPECT_TRUE(entries_after(cursor).empty());
}

}  // namespace
}  // namespace synclog::domain
