// Per-field change stamps (conflictMode=field) on a real SqliteStore: Ledger::save stamps
// exactly the fields whose value it changed, with its ts and its client id; a new resource is
// stamped everywhere; a second save in one transaction compares with the first; and the record
// encoding keeps the stamps, defaults them for records written before stamps existed, and
// refuses a corrupt list.
#include "domain/field_stamps.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "../support/blocking_store.hpp"
#include "domain/ledger.hpp"
#include "domain/model_codec.hpp"
#include "domain/resource.hpp"

namespace synclog::domain {

// For EXPECT_EQ on stamps and their lists, and readable failures.
inline bool operator==(const FieldStamp& a, const FieldStamp& b) { return a.ts == b.ts && a.by == b.by; }
inline std::ostream& operator<<(std::ostream& os, const FieldStamp& s) {
  return os << "(" << s.ts << ", \"" << s.by << "\")";
}

namespace {

constexpr std::int64_t kBaseline = 1'700'000'000'000;

using Stamps = std::vector<FieldStamp>;

// Every stamp (ts, by), `n` times.
Stamps all(std::size_t n, std::int64_t ts, const std::string& by) { return Stamps(n, FieldStamp{ts, by}); }

Note sample_note(std::string id) {
  Note n;
  n.id = std::move(id);
  n.body = "the first body";
  n.ranges = {"1:1-1:7"};
  n.source = "phone";
  return n;
}

Bookmark sample_bookmark(std::string id) {
  Bookmark b;
  b.id = std::move(id);
  b.details.kind = BookmarkKind::kAyah;
  b.details.key = 2;
  b.details.verse = 255;
  return b;
}

class FieldStampsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto s = storage::sqlite::SqliteStore::open(test::test_store_options(dir_.file("stamps.db")));
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(*s);
    auto u = test::resolve_user(*store_, "alice", kBaseline);
    ASSERT_TRUE(u.ok());
    user_ = *u;
  }

  // Runs `fn` on a Ledger for `client` with the wall clock at `now`, in one write transaction,
  // and moves the head to what the ledger handed out.
  void in_ledger(std::int64_t now, const std::string& client, const std::function<Status(Ledger&)>& fn) {
    const Status s = test::write(*store_, user_, [&](storage::WriteTxn& t) -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(const auto head, t.head());
      Ledger ledger(t, now, head.head, client);
      SYNCLOG_RETURN_IF_ERROR(fn(ledger));
      return t.set_head(ledger.head());
    });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  // The stored resource T with this id, decoded.
  template <class T>
  T load(const std::string& id) {
    std::optional<T> out;
    const Status s = test::read(*store_, user_, [&](storage::ReadTxn& t) -> Status {
      ResourceView view(t);
      SYNCLOG_ASSIGN_OR_RETURN(out, view.get<T>(id));
      return Status();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_TRUE(out.has_value()) << id;
    return out.value_or(T{});
  }

  // Creates `v` (a new resource) as `client` at `now`; returns its ts.
  template <class T>
  std::int64_t create(T v, std::int64_t now, const std::string& client = "phone") {
    std::int64_t ts = 0;
    in_ledger(now, client, [&](Ledger& l) -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(ts, l.save(v, MutationType::kCreate, ClientTimes{}));
      return Status();
    });
    return ts;
  }

  // Loads the resource, applies `edit`, saves it as `client` at `now`; returns the ts.
  template <class T>
  std::int64_t edit(const std::string& id, std::int64_t now, const std::string& client,
                    const std::function<void(T&)>& change) {
    std::int64_t ts = 0;
    in_ledger(now, client, [&](Ledger& l) -> Status {
      SYNCLOG_ASSIGN_OR_RETURN(auto v, l.get<T>(id));
      if (!v) return make_error(ErrorCode::kNotFound, id);
      change(*v);
      SYNCLOG_ASSIGN_OR_RETURN(ts, l.save(*v, MutationType::kUpdate, ClientTimes{}));
      return Status();
    });
    return ts;
  }

  test::TempDir dir_;
  std::unique_ptr<storage::sqlite::SqliteStore> store_;
  storage::UserKey user_ = -1;
};

// ---- stamping on save ----

TEST_F(FieldStampsTest, NewResourceHasEveryFieldStampedAtItsCreation) {
  const std::int64_t t1 = create(sample_note("n1"), kBaseline + 1000);
  EXPECT_EQ(load<Note>("n1").stamps.at, all(4, t1, "phone"));

  const std::int64_t t2 = create(sample_bookmark("b1"), kBaseline + 2000, "tablet");
  EXPECT_EQ(load<Bookmark>("b1").stamps.at, all(3, t2, "tablet"));

  Collection c;
  c.id = "c1";
  c.name = "trip";
  c.slug = "trip";
  const std::int64_t t3 = create(c, kBaseline + 3000);
  EXPECT_EQ(load<Collection>("c1").stamps.at, all(1, t3, "phone"));

  ReadingSession s;
  s.id = "s1";
  s.chapter = 2;
  s.verse = 5;
  const std::int64_t t4 = create(s, kBaseline + 4000);
  EXPECT_EQ(load<ReadingSession>("s1").stamps.at, all(1, t4, "phone"));
}

TEST_F(FieldStampsTest, SaveStampsExactlyTheChangedFieldsWithItsTsAndClient) {
  const std::int64_t t1 = create(sample_note("n1"), kBaseline + 1000);
  const std::int64_t t2 = edit<Note>("n1", kBaseline + 2000, "tablet", [](Note& n) { n.ranges = {"2:1-2:5"}; });
  ASSERT_GT(t2, t1);
  EXPECT_EQ(load<Note>("n1").stamps.at,
            (Stamps{{t1, "phone"}, {t2, "tablet"}, {t1, "phone"}, {t1, "phone"}}));

  const std::int64_t t3 = edit<Note>("n1", kBaseline + 3000, "phone", [](Note& n) {
    n.body = "a second body";
    n.save_to_qr = true;
  });
  EXPECT_EQ(load<Note>("n1").stamps.at,
            (Stamps{{t3, "phone"}, {t2, "tablet"}, {t3, "phone"}, {t1, "phone"}}));
  // The record's version and last writer move with every save, stamped or not.
  EXPECT_EQ(load<Note>("n1").version, t3);
  EXPECT_EQ(load<Note>("n1").modified_by, "phone");
}

TEST_F(FieldStampsTest, BookmarkFieldsAreStampedOneByOne) {
  const std::int64_t t1 = create(sample_bookmark("b1"), kBaseline + 1000);
  const std::int64_t t2 = edit<Bookmark>("b1", kBaseline + 2000, "tablet", [](Bookmark& b) { b.in_default = true; });
  EXPECT_EQ(load<Bookmark>("b1").stamps.at, (Stamps{{t1, "phone"}, {t1, "phone"}, {t2, "tablet"}}));
  const std::int64_t t3 = edit<Bookmark>("b1", kBaseline + 3000, "phone", [](Bookmark& b) { b.details.mushaf = 4; });
  EXPECT_EQ(load<Bookmark>("b1").stamps.at, (Stamps{{t3, "phone"}, {t1, "phone"}, {t2, "tablet"}}));
}

TEST_F(FieldStampsTest, ReadingPositionIsOneStampForChapterAndVerse) {
  ReadingSession s;
  s.id = "s1";
  s.chapter = 2;
  s.verse = 5;
  create(s, kBaseline + 1000);
  const std::int64_t t2 = edit<ReadingSession>("s1", kBaseline + 2000, "tablet", [](ReadingSession& r) { r.verse = 6; });
  EXPECT_EQ(load<ReadingSession>("s1").stamps.at, (Stamps{{t2, "tablet"}}));
  ASSERT_EQ(field_names<ReadingSession>().size(), 1u);
  EXPECT_EQ(field_names<ReadingSession>()[0].name, "chapterNumber");
  EXPECT_EQ(field_names<ReadingSession>()[0].also, "verseNumber");
}

TEST_F(FieldStampsTest, SettingAFieldToItsCurrentValueKeepsItsStamp) {
  const std::int64_t t1 = create(sample_note("n1"), kBaseline + 1000);
  const std::int64_t t2 = edit<Note>("n1", kBaseline + 2000, "tablet", [](Note& n) {
    n.body = "the first body";
    n.ranges = {"1:1-1:7"};
    n.save_to_qr = false;
  });
  const Note n = load<Note>("n1");
  EXPECT_EQ(n.stamps.at, all(4, t1, "phone"));
  EXPECT_EQ(n.version, t2);  // still a save
}

TEST_F(FieldStampsTest, CollectionRenameToTheSameNameKeepsTheStamp) {
  Collection c;
  c.id = "c1";
  c.name = "trip";
  c.slug = "trip";
  const std::int64_t t1 = create(c, kBaseline + 1000);
  edit<Collection>("c1", kBaseline + 2000, "tablet", [](Collection& x) { x.name = "trip"; });
  EXPECT_EQ(load<Collection>("c1").stamps.at, all(1, t1, "phone"));
  const std::int64_t t3 = edit<Collection>("c1", kBaseline + 3000, "tablet", [](Collection& x) { x.name = "journey"; });
  EXPECT_EQ(load<Collection>("c1").stamps.at, all(1, t3, "tablet"));
}

TEST_F(FieldStampsTest, SecondSaveInOneTransactionComparesWithTheFirstSavesValues) {
  const std::int64_t t1 = create(sample_note("n1"), kBaseline + 1000);
  std::int64_t t2 = 0;
  std::int64_t t3 = 0;
  in_ledger(kBaseline + 2000, "tablet", [&](Ledger& l) -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto n, l.get<Note>("n1"));
    if (!n) return make_error(ErrorCode::kNotFound, "n1");
    n->body = "a second body";
    SYNCLOG_ASSIGN_OR_RETURN(t2, l.save(*n, MutationType::kUpdate, ClientTimes{}));
    // The body is as the first save left it: not changed by this save.
    n->ranges = {"2:1-2:5"};
    SYNCLOG_ASSIGN_OR_RETURN(t3, l.save(*n, MutationType::kUpdate, ClientTimes{}));
    return Status();
  });
  ASSERT_GT(t3, t2);
  EXPECT_EQ(load<Note>("n1").stamps.at,
            (Stamps{{t2, "tablet"}, {t3, "tablet"}, {t1, "phone"}, {t1, "phone"}}));
}

TEST_F(FieldStampsTest, RevertingInASecondSaveOfOneTransactionIsAChangeAgain) {
  create(sample_note("n1"), kBaseline + 1000);
  std::int64_t t3 = 0;
  in_ledger(kBaseline + 2000, "tablet", [&](Ledger& l) -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto n, l.get<Note>("n1"));
    if (!n) return make_error(ErrorCode::kNotFound, "n1");
    n->body = "a second body";
    SYNCLOG_RETURN_IF_ERROR(l.save(*n, MutationType::kUpdate, ClientTimes{}).status());
    n->body = "the first body";  // back to the stored value, but not to the first save's
    SYNCLOG_ASSIGN_OR_RETURN(t3, l.save(*n, MutationType::kUpdate, ClientTimes{}));
    return Status();
  });
  EXPECT_EQ(load<Note>("n1").stamps.at[0], (FieldStamp{t3, "tablet"}));
}

TEST_F(FieldStampsTest, EmptyClientIdIsStampedAsIs) {
  const std::int64_t t1 = create(sample_note("n1"), kBaseline + 1000, "");
  EXPECT_EQ(load<Note>("n1").stamps.at, all(4, t1, ""));
}

// ---- the record encoding ----

TEST(FieldStampsCodecTest, StampsRoundTripThroughTheRecord) {
  Note n = sample_note("n1");
  n.version = 500;
  n.modified_by = "phone";
  n.stamps.at = {{100, "phone"}, {200, "tablet"}, {300, ""}, {400, "watch \"2\""}};
  const auto r = to_record(n);
  const auto back = note_from(r);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->stamps.at, n.stamps.at);
  EXPECT_EQ(back->stamps.loaded, field_values(*back));

  Bookmark b = sample_bookmark("b1");
  b.stamps.at = {{1, "a"}, {2, "b"}, {3, "c"}};
  const auto bb = bookmark_from(to_record(b));
  ASSERT_TRUE(bb.ok()) << bb.error().message;
  EXPECT_EQ(bb->stamps.at, b.stamps.at);

  Collection c;
  c.id = "c1";
  c.name = "x";
  c.slug = "x";
  c.stamps.at = {{7, "tablet"}};
  const auto cb = collection_from(to_record(c));
  ASSERT_TRUE(cb.ok()) << cb.error().message;
  EXPECT_EQ(cb->stamps.at, c.stamps.at);

  ReadingSession s;
  s.id = "s1";
  s.chapter = 1;
  s.verse = 1;
  s.stamps.at = {{9, "phone"}};
  const auto sb = reading_session_from(to_record(s));
  ASSERT_TRUE(sb.ok()) << sb.error().message;
  EXPECT_EQ(sb->stamps.at, s.stamps.at);
}

TEST(FieldStampsCodecTest, StampsAreStoredAsTsClientPairsInFieldOrder) {
  Collection c;
  c.id = "c1";
  c.name = "x";
  c.slug = "x";
  c.stamps.at = {{7, "tablet"}};
  EXPECT_NE(to_record(c).data.find(R"("fields":[[7,"tablet"]])"), std::string::npos) << to_record(c).data;
}

TEST(FieldStampsCodecTest, RecordWithoutStampsDecodesWithItsVersionAndNoWriterOnEveryField) {
  Note n = sample_note("n1");
  n.version = 1234;
  n.modified_by = "old-device";
  const auto r = to_record(n);
  ASSERT_EQ(r.data.find("\"fields\""), std::string::npos) << r.data;
  const auto back = note_from(r);
  ASSERT_TRUE(back.ok()) << back.error().message;
  // No writer: not even the record's last writer may take such a change as its own.
  EXPECT_EQ(back->stamps.at, all(4, 1234, ""));
  EXPECT_EQ(back->stamps.loaded, field_values(*back));

  Bookmark b = sample_bookmark("b1");
  b.version = 55;
  b.modified_by = "w";
  const auto bb = bookmark_from(to_record(b));
  ASSERT_TRUE(bb.ok());
  EXPECT_EQ(bb->stamps.at, all(3, 55, ""));

  Collection c;
  c.id = "c1";
  c.name = "x";
  c.slug = "x";
  c.version = 66;
  c.modified_by = "v";
  const auto cb = collection_from(to_record(c));
  ASSERT_TRUE(cb.ok());
  EXPECT_EQ(cb->stamps.at, all(1, 66, ""));

  ReadingSession s;
  s.id = "s1";
  s.chapter = 1;
  s.verse = 1;
  s.version = 77;
  s.modified_by = "";
  const auto sb = reading_session_from(to_record(s));
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ(sb->stamps.at, all(1, 77, ""));

  Membership m;
  m.collection_id = "c1";
  m.bookmark_id = "b1";
  const auto mr = to_record(m);
  EXPECT_EQ(mr.data.find("\"fields\""), std::string::npos) << mr.data;  // no judged fields
  const auto mb = membership_from(mr);
  ASSERT_TRUE(mb.ok());
  EXPECT_TRUE(mb->stamps.at.empty());
}

// The record's data with `list` as its "fields" member (replacing any).
storage::Record with_fields(storage::Record r, const std::string& list) {
  const auto at = r.data.find(",\"fields\":");
  if (at != std::string::npos) r.data.erase(at, r.data.size() - 1 - at);
  r.data.insert(r.data.size() - 1, ",\"fields\":" + list);
  return r;
}

TEST(FieldStampsCodecTest, CorruptStampsListIsADecodeError) {
  Note n = sample_note("n1");
  n.stamps.at = all(4, 10, "phone");
  Bookmark b = sample_bookmark("b1");
  Collection c;
  c.id = "c1";
  c.name = "x";
  c.slug = "x";
  ReadingSession s;
  s.id = "s1";
  s.chapter = 1;
  s.verse = 1;
  Membership m;
  m.collection_id = "c1";
  m.bookmark_id = "b1";

  // The well-formed list decodes (the helper itself is sound).
  ASSERT_TRUE(note_from(with_fields(to_record(n), R"([[1,"a"],[2,"b"],[3,"c"],[4,"d"]])")).ok());

  for (const std::string bad : {R"([[1,"a"],["2","b"],[3,"c"],[4,"d"]])",  // ts not an integer
                                R"([[1,"a"],[2,7],[3,"c"],[4,"d"]])",      // client not a string
                                R"([[1,"a"],[2],[3,"c"],[4,"d"]])",        // not a pair
                                R"([[1,"a"],[2,"b","x"],[3,"c"],[4,"d"]])",
                                R"([[1,"a"],{"ts":2},[3,"c"],[4,"d"]])",
                                R"([[1.5,"a"],[2,"b"],[3,"c"],[4,"d"]])", R"([null])"}) {
    SCOPED_TRACE(bad);
    const auto rn = note_from(with_fields(to_record(n), bad));
    ASSERT_FALSE(rn.ok());
    EXPECT_EQ(rn.error().code, ErrorCode::kInternal);
    const auto rb = bookmark_from(with_fields(to_record(b), bad));
    ASSERT_FALSE(rb.ok());
    EXPECT_EQ(rb.error().code, ErrorCode::kInternal);
    const auto rc = collection_from(with_fields(to_record(c), bad));
    ASSERT_FALSE(rc.ok());
    EXPECT_EQ(rc.error().code, ErrorCode::kInternal);
    const auto rs = reading_session_from(with_fields(to_record(s), bad));
    ASSERT_FALSE(rs.ok());
    EXPECT_EQ(rs.error().code, ErrorCode::kInternal);
    const auto rm = membership_from(with_fields(to_record(m), bad));
    ASSERT_FALSE(rm.ok());
    EXPECT_EQ(rm.error().code, ErrorCode::kInternal);
  }
}

TEST(FieldStampsCodecTest, FieldValuesAreEqualExactlyWhenTheValuesAre) {
  Note a = sample_note("n1");
  Note b = a;
  EXPECT_EQ(field_values(a), field_values(b));
  b.ranges = {"1:1-1:7", "2:1-2:2"};
  EXPECT_NE(field_values(a)[1], field_values(b)[1]);
  EXPECT_EQ(field_values(a)[0], field_values(b)[0]);

  Bookmark x = sample_bookmark("b1");
  Bookmark y = x;
  y.details.mushaf = 0;  // a known mushaf 0 is not an unknown one
  EXPECT_NE(field_values(x)[0], field_values(y)[0]);
}

}  // namespace
}  // namespace synclog::domain
