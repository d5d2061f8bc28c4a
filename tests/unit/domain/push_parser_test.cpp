// Validation of POST /v1/sync bodies: every documented 422 message, exactly as upstream words
// it, with the first bad index; field checks ("Missing data.<f> at mutation[i]" and
// "Invalid data.<f> at mutation[i]: <reason>"); master-data bounds; client times normalised;
// unknown data fields ignored; and the data each mutation's ack echoes.
#include "domain/push_parser.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace synclog::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// 2026-01-02T01:04:05Z
constexpr std::int64_t kJan2Ms = 1767315845000;

class PushParserTest : public ::testing::Test {
 protected:
  static Result<std::vector<Mutation>> parse(std::string_view text) {
    return parse_push_body(boost::json::parse(text));
  }
  static std::string body(std::string_view items) {
    return R"({"mutations":[)" + std::string(items) + "]}";
  }
  // The kValidation message for a body that must be rejected.
  static std::string error_of(std::string_view text) {
    auto r = parse(text);
    if (r.ok()) return "<accepted>";
    EXPECT_EQ(r.error().code, ErrorCode::kValidation) << r.error().message;
    return r.error().message;
  }
  static std::string error_of_one(std::string_view item) { return error_of(body(item)); }
  // The single mutation of a body that must be accepted.
  static Mutation accept_one(std::string_view item) {
    auto r = parse(body(item));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message) << "\n  for " << item;
    if (!r.ok() || r->size() != 1) return Mutation{};
    return std::move(r->front());
  }
  static bool accepted(std::string_view item) { return parse(body(item)).ok(); }
  static boost::json::object ack_data_of(const Mutation& m) {
    return boost::json::parse(m.ack_data).as_object();
  }
  static std::string repeat(std::string_view unit, std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.append(unit);
    return s;
  }
};

constexpr std::string_view kValidCollection =
    R"({"type":"CREATE","resource":"COLLECTION","data":{"name":"Du'a"}})";

// ---- the documented batch-level messages ----

TEST_F(PushParserTest, BodyThatIsNotAnObjectIsInvalidMutations) {
  EXPECT_EQ(error_of("[]"), "Invalid mutations");
  EXPECT_EQ(error_of("42"), "Invalid mutations");
  EXPECT_EQ(error_of("null"), "Invalid mutations");
  EXPECT_EQ(error_of(R"("mutations")"), "Invalid mutations");
}

TEST_F(PushParserTest, MissingOrNonArrayMutationsIsInvalidMutations) {
  EXPECT_EQ(error_of("{}"), "Invalid mutations");
  EXPECT_EQ(error_of(R"({"mutations":null})"), "Invalid mutations");
  EXPECT_EQ(error_of(R"({"mutations":{}})"), "Invalid mutations");
  EXPECT_EQ(error_of(R"({"mutations":"x"})"), "Invalid mutations");
  EXPECT_EQ(error_of(R"({"mutation":[]})"), "Invalid mutations");
}

TEST_F(PushParserTest, ItemThatIsNotAnObjectIsInvalidMutations) {
  EXPECT_EQ(error_of(body("1")), "Invalid mutations");
  EXPECT_EQ(error_of(body("null")), "Invalid mutations");
  EXPECT_EQ(error_of(body(std::string(kValidCollection) + R"(,"CREATE")")), "Invalid mutations");
}

TEST_F(PushParserTest, EmptyBatchIsAccepted) {
  auto r = parse(R"({"mutations":[]})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(PushParserTest, HundredMutationsAreAcceptedAndHundredAndOneAreNot) {
  std::string items;
  for (int i = 0; i < 100; ++i) items += (i ? "," : "") + std::string(kValidCollection);
  auto ok = parse(body(items));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->size(), 100u);
  EXPECT_EQ(error_of(body(items + "," + std::string(kValidCollection))),
            "Mutations must not exceed 100");
}

TEST_F(PushParserTest, BatchSizeIsCheckedBeforeAnyItem) {
  std::string items;
  for (int i = 0; i < 101; ++i) items += i ? ",{}" : "{}";
  EXPECT_EQ(error_of(body(items)), "Mutations must not exceed 100");
}

// ---- the documented per-item messages ----

TEST_F(PushParserTest, MissingResource) {
  EXPECT_EQ(error_of_one(R"({"type":"CREATE","data":{"name":"x"}})"), "Missing resource at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":null,"type":"CREATE"})"), "Missing resource at mutation[0]");
  EXPECT_EQ(error_of_one("{}"), "Missing resource at mutation[0]");
}

TEST_F(PushParserTest, InvalidResourceQuotesTheValue) {
  EXPECT_EQ(error_of_one(R"({"resource":"PREFERENCE","type":"CREATE"})"),
            R"(Invalid resource: "PREFERENCE" at mutation[0])");
  EXPECT_EQ(error_of_one(R"({"resource":"bookmark","type":"CREATE"})"),
            R"(Invalid resource: "bookmark" at mutation[0])");
  EXPECT_EQ(error_of_one(R"({"resource":"","type":"CREATE"})"), R"(Invalid resource: "" at mutation[0])");
  EXPECT_EQ(error_of_one(R"({"resource":5,"type":"CREATE"})"), R"(Invalid resource: "5" at mutation[0])");
}

TEST_F(PushParserTest, MissingMutationType) {
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","data":{}})"), "Missing mutation type at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":null})"), "Missing mutation type at mutation[0]");
}

TEST_F(PushParserTest, InvalidMutationTypeQuotesTheValue) {
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"PATCH"})"),
            R"(Invalid mutation type: "PATCH" at mutation[0])");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"create"})"),
            R"(Invalid mutation type: "create" at mutation[0])");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":1})"),
            R"(Invalid mutation type: "1" at mutation[0])");
}

TEST_F(PushParserTest, CollectionBookmarkUpdateIsAnInvalidMutationType) {
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION_BOOKMARK","type":"UPDATE",
                               "data":{"collectionId":"c1","bookmarkId":"b1"}})"),
              StartsWith(R"(Invalid mutation type: "UPDATE" at mutation[0])"));
}

TEST_F(PushParserTest, MissingResourceIdOnUpdateAndDelete) {
  for (const char* resource : {"BOOKMARK", "COLLECTION", "NOTE", "READING_SESSION"}) {
    const std::string r = resource;
    EXPECT_EQ(error_of_one(R"({"resource":")" + r + R"(","type":"DELETE"})"),
              "Missing resourceId at mutation[0]") << r;
    EXPECT_EQ(error_of_one(R"({"resource":")" + r + R"(","type":"UPDATE","data":{}})"),
              "Missing resourceId at mutation[0]") << r;
  }
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":null})"),
            "Missing resourceId at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":""})"),
            "Missing resourceId at mutation[0]");
}

TEST_F(PushParserTest, NonStringResourceIdIsInvalid) {
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":42})"),
            "Invalid resourceId at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":{"id":"a"}})"),
            "Invalid resourceId at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":["a"]})"),
            "Invalid resourceId at mutation[0]");
}

TEST_F(PushParserTest, ResourceIdOutsideTheIdAlphabetIsInvalid) {
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":"a/b"})"),
            "Invalid resourceId at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":"a b"})"),
            "Invalid resourceId at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":")" + repeat("a", 65) + R"("})"),
            "Invalid resourceId at mutation[0]");
  EXPECT_TRUE(accepted(R"({"resource":"NOTE","type":"DELETE","resourceId":")" + repeat("a", 64) + R"("})"));
}

TEST_F(PushParserTest, MissingDataWhereDataIsNeeded) {
  EXPECT_EQ(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE"})"), "Missing data at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"COLLECTION","type":"CREATE","data":null})"),
            "Missing data at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"UPDATE","resourceId":"n1"})"),
            "Missing data at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE"})"),
            "Missing data at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"COLLECTION_BOOKMARK","type":"DELETE"})"),
            "Missing data at mutation[0]");
}

TEST_F(PushParserTest, DeleteByIdNeedsNoData) {
  for (const char* resource : {"BOOKMARK", "COLLECTION", "NOTE", "READING_SESSION"}) {
    const auto m = accept_one(R"({"resource":")" + std::string(resource) +
                              R"(","type":"DELETE","resourceId":"x1"})");
    EXPECT_EQ(m.type, MutationType::kDelete);
    EXPECT_EQ(m.resource_id, "x1");
    EXPECT_TRUE(m.ack_data.empty()) << resource;
    EXPECT_TRUE(std::holds_alternative<NoFields>(m.data));
  }
}

TEST_F(PushParserTest, DataThatIsNotAnObjectIsRejectedAtItsIndex) {
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION","type":"CREATE","data":"name"})"),
              StartsWith("Invalid data at mutation[0]"));
}

TEST_F(PushParserTest, ChecksEachItemInTheDocumentedOrder) {
  // resource before type, type before resourceId, resourceId before data, data before fields.
  EXPECT_EQ(error_of_one(R"({"type":"BAD"})"), "Missing resource at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"BAD"})"), R"(Invalid resource: "BAD" at mutation[0])");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"BAD","resourceId":5})"),
            R"(Invalid mutation type: "BAD" at mutation[0])");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"UPDATE"})"), "Missing resourceId at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"UPDATE","resourceId":5})"),
            "Invalid resourceId at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"UPDATE","resourceId":"n1"})"),
            "Missing data at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"UPDATE","resourceId":"n1","data":{}})"),
            "Missing data.body at mutation[0]");
}

TEST_F(PushParserTest, FirstBadIndexWins) {
  const std::string v(kValidCollection);
  EXPECT_EQ(error_of(body(v + R"(,{"resource":"X","type":"CREATE"},{})")),
            R"(Invalid resource: "X" at mutation[1])");
  EXPECT_EQ(error_of(body(v + "," + v + R"(,{"resource":"NOTE"},{"type":"CREATE"})")),
            "Missing mutation type at mutation[2]");
  EXPECT_EQ(error_of(body(v + "," + v + "," + v +
                          R"(,{"resource":"COLLECTION","type":"CREATE","data":{}},{})")),
            "Missing data.name at mutation[3]");
}

// ---- field validation ----

TEST_F(PushParserTest, FieldMessagesNameTheFieldAndTheIndex) {
  const std::string v(kValidCollection);
  EXPECT_EQ(error_of(body(v + R"(,{"resource":"BOOKMARK","type":"CREATE","data":{"verseNumber":1}})")),
            "Missing data.key at mutation[1]");
  EXPECT_THAT(error_of(body(v + "," + v + R"(,{"resource":"BOOKMARK","type":"CREATE","data":{"key":0,"verseNumber":1}})")),
              StartsWith("Invalid data.key at mutation[2]: "));
}

TEST_F(PushParserTest, UnknownDataFieldsAreIgnoredAndNotEchoed) {
  const auto m = accept_one(R"({"resource":"COLLECTION","type":"CREATE",
      "data":{"name":"Du'a","isDefault":false,"isSystem":false,"color":"red","nested":{"a":[1,2]}}})");
  ASSERT_TRUE(std::holds_alternative<CollectionFields>(m.data));
  EXPECT_EQ(std::get<CollectionFields>(m.data).name, "Du'a");
  EXPECT_EQ(ack_data_of(m), boost::json::parse(R"({"name":"Du'a"})").as_object());

  EXPECT_TRUE(accepted(R"({"resource":"BOOKMARK","type":"CREATE",
      "data":{"key":1,"verseNumber":1,"bookmarkGroup":"x","isDefault":true,"id":7}})"));
}

TEST_F(PushParserTest, ClientTimesAcceptIsoWithOffsetsAndEpochMilliseconds) {
  const auto m = accept_one(R"({"resource":"COLLECTION","type":"CREATE","data":{"name":"a",
      "clientCreatedAt":"2026-01-02T03:04:05+02:00","clientUpdatedAt":1767315845000}})");
  const auto& f = std::get<CollectionFields>(m.data);
  EXPECT_EQ(f.times.created, kJan2Ms);
  EXPECT_EQ(f.times.updated, kJan2Ms);
  const auto echo = ack_data_of(m);
  EXPECT_EQ(echo.at("clientCreatedAt").as_string(), "2026-01-02T01:04:05.000Z");
  EXPECT_EQ(echo.at("clientUpdatedAt").as_string(), "2026-01-02T01:04:05.000Z");

  const auto z = accept_one(R"({"resource":"COLLECTION","type":"CREATE","data":{"name":"a",
      "clientCreatedAt":"2026-01-01T20:04:05.000-05:00","clientUpdatedAt":"2026-01-02T01:04:05Z"}})");
  EXPECT_EQ(std::get<CollectionFields>(z.data).times.created, kJan2Ms);
  EXPECT_EQ(std::get<CollectionFields>(z.data).times.updated, kJan2Ms);
}

TEST_F(PushParserTest, AbsentClientTimesStayAbsent) {
  const auto m = accept_one(kValidCollection);
  const auto& f = std::get<CollectionFields>(m.data);
  EXPECT_FALSE(f.times.created.has_value());
  EXPECT_FALSE(f.times.updated.has_value());
  EXPECT_FALSE(ack_data_of(m).contains("clientCreatedAt"));
}

TEST_F(PushParserTest, ClientTimesWithoutOffsetOrUnparseableAreInvalid) {
  for (const char* bad : {R"("2026-01-02T03:04:05")", R"("yesterday")", R"("")", "true",
                          R"("2026-02-30T00:00:00Z")", "1.5"}) {
    EXPECT_THAT(error_of_one(std::string(R"({"resource":"COLLECTION","type":"CREATE","data":{"name":"a","clientCreatedAt":)") +
                             bad + "}}"),
                StartsWith("Invalid data.clientCreatedAt at mutation[0]: "))
        << bad;
  }
  EXPECT_THAT(error_of_one(R"({"resource":"NOTE","type":"DELETE","resourceId":"n1","data":{"clientUpdatedAt":"soon"}})"),
              StartsWith("Invalid data.clientUpdatedAt at mutation[0]: "));
}

TEST_F(PushParserTest, DeleteCarriesItsClientTimes) {
  const auto m = accept_one(
      R"({"resource":"NOTE","type":"DELETE","resourceId":"n1","data":{"clientUpdatedAt":1767315845000}})");
  EXPECT_EQ(std::get<NoFields>(m.data).times.updated, kJan2Ms);
}

TEST_F(PushParserTest, IntegersAcceptIntegralDoublesOnly) {
  EXPECT_TRUE(accepted(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":2.0,"verseNumber":255.0}})"));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":2.5,"verseNumber":1}})"),
              StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":"2","verseNumber":1}})"),
              StartsWith("Invalid data.key at mutation[0]: "));
}

// ---- bookmarks: master data ----

TEST_F(PushParserTest, AyahBookmarkDefaultsToTypeAyahAndNeedsKeyAndVerse) {
  const auto m = accept_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"verseNumber":255}})");
  const auto& c = std::get<BookmarkCreate>(m.data);
  EXPECT_EQ(c.details.kind, BookmarkKind::kAyah);
  EXPECT_EQ(c.details.key, 2);
  EXPECT_EQ(c.details.verse, 255);
  EXPECT_FALSE(c.details.mushaf.has_value());
  EXPECT_EQ(c.reading, ReadingFlag::kOmitted);

  EXPECT_EQ(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"ayah","key":2}})"),
            "Missing data.verseNumber at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"ayah"}})"),
            "Missing data.key at mutation[0]");
}

TEST_F(PushParserTest, SurahAndAyahBoundsFollowTheQuran) {
  const auto ayah = [](int key, int verse) {
    return R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":)" + std::to_string(key) +
           R"(,"verseNumber":)" + std::to_string(verse) + "}}";
  };
  EXPECT_TRUE(accepted(ayah(1, 7)));
  EXPECT_TRUE(accepted(ayah(2, 286)));
  EXPECT_TRUE(accepted(ayah(114, 6)));
  EXPECT_THAT(error_of_one(ayah(1, 8)), StartsWith("Invalid data.verseNumber at mutation[0]: "));
  EXPECT_THAT(error_of_one(ayah(114, 7)), StartsWith("Invalid data.verseNumber at mutation[0]: "));
  EXPECT_THAT(error_of_one(ayah(2, 0)), StartsWith("Invalid data.verseNumber at mutation[0]: "));
  EXPECT_THAT(error_of_one(ayah(0, 1)), StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_THAT(error_of_one(ayah(115, 1)), StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_THAT(error_of_one(ayah(-2, 1)), StartsWith("Invalid data.key at mutation[0]: "));
}

TEST_F(PushParserTest, SurahBookmarksTakeNoVerse) {
  const auto m = accept_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"surah","key":114}})");
  EXPECT_EQ(std::get<BookmarkCreate>(m.data).details.kind, BookmarkKind::kSurah);
  EXPECT_FALSE(std::get<BookmarkCreate>(m.data).details.verse.has_value());
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"surah","key":115}})"),
              StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"surah","key":2,"verseNumber":3}})"),
              StartsWith("Invalid data.verseNumber at mutation[0]: "));
}

TEST_F(PushParserTest, JuzBoundsAreOneToThirty) {
  EXPECT_TRUE(accepted(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"juz","key":1}})"));
  EXPECT_TRUE(accepted(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"juz","key":30}})"));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"juz","key":31}})"),
              StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"juz","key":0}})"),
              StartsWith("Invalid data.key at mutation[0]: "));
}

TEST_F(PushParserTest, PageBoundsDependOnTheMushaf) {
  const auto page = [](int key, const char* mushaf_field) {
    return R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"page","key":)" +
           std::to_string(key) + mushaf_field + "}}";
  };
  EXPECT_TRUE(accepted(page(604, "")));
  EXPECT_THAT(error_of_one(page(605, "")), StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_TRUE(accepted(page(604, R"(,"mushafId":1)")));
  EXPECT_THAT(error_of_one(page(605, R"(,"mushafId":1)")), StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_TRUE(accepted(page(610, R"(,"mushafId":3)")));
  EXPECT_THAT(error_of_one(page(611, R"(,"mushafId":3)")), StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_TRUE(accepted(page(610, R"(,"mushaf":6)")));
  EXPECT_TRUE(accepted(page(548, R"(,"mushafId":7)")));
  EXPECT_THAT(error_of_one(page(549, R"(,"mushafId":7)")), StartsWith("Invalid data.key at mutation[0]: "));
  EXPECT_THAT(error_of_one(page(0, "")), StartsWith("Invalid data.key at mutation[0]: "));
}

TEST_F(PushParserTest, UnknownBookmarkTypeIsInvalid) {
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"verse","key":1,"verseNumber":1}})"),
              StartsWith("Invalid data.type at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":7,"key":1,"verseNumber":1}})"),
              StartsWith("Invalid data.type at mutation[0]: "));
}

TEST_F(PushParserTest, MushafIdAndItsLegacyAliasMustAgree) {
  const auto both = accept_one(
      R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"mushafId":4,"mushaf":4}})");
  EXPECT_EQ(std::get<BookmarkCreate>(both.data).details.mushaf, 4);

  const auto legacy = accept_one(
      R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"mushaf":5}})");
  EXPECT_EQ(std::get<BookmarkCreate>(legacy.data).details.mushaf, 5);

  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"mushafId":1,"mushaf":2}})"),
              StartsWith("Invalid data.mushaf at mutation[0]: "));
}

TEST_F(PushParserTest, MushafOutsideTheUpstreamEnumIsInvalid) {
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"mushafId":8}})"),
              StartsWith("Invalid data.mushafId at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"mushafId":20}})"),
              StartsWith("Invalid data.mushafId at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"mushaf":0}})"),
              StartsWith("Invalid data.mushaf at mutation[0]: "));
}

TEST_F(PushParserTest, IsReadingIsTrueFalseOrNull) {
  const auto flag = [&](const char* v) {
    const auto m = accept_one(std::string(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"isReading":)") +
                              v + "}}");
    return std::get<BookmarkCreate>(m.data).reading;
  };
  EXPECT_EQ(flag("true"), ReadingFlag::kSet);
  EXPECT_EQ(flag("false"), ReadingFlag::kCleared);
  EXPECT_EQ(flag("null"), ReadingFlag::kCleared);
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"key":1,"verseNumber":1,"isReading":"true"}})"),
              StartsWith("Invalid data.isReading at mutation[0]: "));
}

TEST_F(PushParserTest, BookmarkUpdateFieldsAreOptionalButValidated) {
  const auto m = accept_one(R"({"resource":"BOOKMARK","type":"UPDATE","resourceId":"b1","data":{"isReading":true}})");
  const auto& u = std::get<BookmarkUpdate>(m.data);
  EXPECT_EQ(m.resource_id, "b1");
  EXPECT_EQ(u.reading, ReadingFlag::kSet);
  EXPECT_FALSE(u.key.has_value());
  EXPECT_FALSE(u.kind.has_value());
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"UPDATE","resourceId":"b1","data":{"type":"verse"}})"),
              StartsWith("Invalid data.type at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"BOOKMARK","type":"UPDATE","resourceId":"b1","data":{"mushafId":1,"mushaf":3}})"),
              StartsWith("Invalid data.mushaf at mutation[0]: "));
}

// ---- collections ----

TEST_F(PushParserTest, CollectionNameIsOneTo255Characters) {
  const auto named = [](const std::string& name) {
    return R"({"resource":"COLLECTION","type":"CREATE","data":{"name":")" + name + R"("}})";
  };
  EXPECT_EQ(error_of_one(R"({"resource":"COLLECTION","type":"CREATE","data":{}})"), "Missing data.name at mutation[0]");
  EXPECT_THAT(error_of_one(named("")), StartsWith("Invalid data.name at mutation[0]: "));
  EXPECT_TRUE(accepted(named("a")));
  EXPECT_TRUE(accepted(named(repeat("a", 255))));
  EXPECT_THAT(error_of_one(named(repeat("a", 256))), StartsWith("Invalid data.name at mutation[0]: "));
  // Characters, not bytes: 255 two-byte characters fit.
  EXPECT_TRUE(accepted(named(repeat("\xC3\xA9", 255))));
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION","type":"CREATE","data":{"name":42}})"),
              StartsWith("Invalid data.name at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION","type":"UPDATE","resourceId":"c1","data":{"name":""}})"),
              StartsWith("Invalid data.name at mutation[0]: "));
}

TEST_F(PushParserTest, TextFieldsRefuseControlCharactersButKeepTabsAndLineBreaks) {
  const auto note = [](const std::string& body) {
    return R"({"resource":"NOTE","type":"CREATE","data":{"body":")" + body + R"(","ranges":["1:1-1:2"]}})";
  };
  EXPECT_TRUE(accepted(note(R"(line one\nline two\ttabbed\r\n)")));
  EXPECT_EQ(error_of_one(note(R"(bell \u0007 ringing)")),
            "Invalid data.body at mutation[0]: must not contain control characters other than tab and line breaks");
  EXPECT_THAT(error_of_one(note(R"(nul \u0000 inside)")), StartsWith("Invalid data.body at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION","type":"CREATE","data":{"name":"a\u001fb"}})"),
              StartsWith("Invalid data.name at mutation[0]: "));
}

TEST_F(PushParserTest, DefaultCollectionIdIsReservedForFavorites) {
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION","type":"CREATE","resourceId":"__default__","data":{"name":"Mine"}})"),
              StartsWith("Invalid resourceId at mutation[0]"));
  // Other resources may use the string as an ordinary id.
  EXPECT_TRUE(accepted(R"({"resource":"NOTE","type":"DELETE","resourceId":"__default__"})"));
}

TEST_F(PushParserTest, ClientChosenResourceIdOnCreateIsKept) {
  const auto m = accept_one(R"({"resource":"COLLECTION","type":"CREATE","resourceId":"my-list_1","data":{"name":"a"}})");
  EXPECT_EQ(m.type, MutationType::kCreate);
  EXPECT_EQ(m.resource, Resource::kCollection);
  EXPECT_EQ(m.resource_id, "my-list_1");
  EXPECT_TRUE(accept_one(kValidCollection).resource_id.empty());
}

// ---- collection bookmarks ----

TEST_F(PushParserTest, CollectionBookmarkByIdOrByDetails) {
  const auto by_id = accept_one(
      R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"c1","bookmarkId":"b1"}})");
  const auto& t = std::get<MembershipTarget>(by_id.data);
  EXPECT_EQ(t.collection_id, "c1");
  EXPECT_EQ(t.bookmark_id, "b1");
  EXPECT_FALSE(t.details.has_value());

  const auto by_details = accept_one(
      R"({"resource":"COLLECTION_BOOKMARK","type":"DELETE","data":{"collectionId":"c1","key":2,"verseNumber":255}})");
  const auto& d = std::get<MembershipTarget>(by_details.data);
  EXPECT_TRUE(d.bookmark_id.empty());
  ASSERT_TRUE(d.details.has_value());
  EXPECT_EQ(d.details->key, 2);
  EXPECT_EQ(d.details->verse, 255);
}

TEST_F(PushParserTest, CollectionBookmarkIgnoresAResourceId) {
  const auto m = accept_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","resourceId":7,
                              "data":{"collectionId":"c1","bookmarkId":"b1"}})");
  EXPECT_TRUE(m.resource_id.empty());
}

TEST_F(PushParserTest, CollectionBookmarkNeedsACollectionAndABookmark) {
  EXPECT_EQ(error_of_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"bookmarkId":"b1"}})"),
            "Missing data.collectionId at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"c1"}})"),
            "Missing data.key at mutation[0]");
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"c 1","bookmarkId":"b1"}})"),
              StartsWith("Invalid data.collectionId at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"c1","bookmarkId":5}})"),
              StartsWith("Invalid data.bookmarkId at mutation[0]: "));
}

TEST_F(PushParserTest, FavoritesAcceptsDefaultIdAndAyahBookmarksOnly) {
  const auto m = accept_one(
      R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"__default__","key":1,"verseNumber":1}})");
  EXPECT_EQ(std::get<MembershipTarget>(m.data).collection_id, "__default__");
  EXPECT_THAT(error_of_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"__default__","type":"surah","key":1}})"),
              StartsWith("Invalid data.type at mutation[0]: "));
}

// ---- notes ----

TEST_F(PushParserTest, NoteBodyIsSixToTenThousandCodePoints) {
  const auto note = [](const std::string& text) {
    return R"({"resource":"NOTE","type":"CREATE","data":{"body":")" + text + R"(","ranges":["1:1-1:7"]}})";
  };
  EXPECT_THAT(error_of_one(note("12345")), StartsWith("Invalid data.body at mutation[0]: "));
  EXPECT_TRUE(accepted(note("123456")));
  EXPECT_TRUE(accepted(note(repeat("a", 10000))));
  EXPECT_THAT(error_of_one(note(repeat("a", 10001))), StartsWith("Invalid data.body at mutation[0]: "));
  // Five two-byte characters are 10 bytes but still only 5 characters...
  EXPECT_THAT(error_of_one(note(repeat("\xC3\xA9", 5))), StartsWith("Invalid data.body at mutation[0]: "));
  // ...five emoji are 20 bytes and 5 characters...
  EXPECT_THAT(error_of_one(note(repeat("\xF0\x9F\x93\x96", 5))), StartsWith("Invalid data.body at mutation[0]: "));
  // ...and 10000 Arabic letters are 20000 bytes but within the limit.
  EXPECT_TRUE(accepted(note(repeat("\xD8\xA8", 10000))));
  EXPECT_THAT(error_of_one(note(repeat("\xD8\xA8", 10001))), StartsWith("Invalid data.body at mutation[0]: "));
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"CREATE","data":{"ranges":["1:1-1:7"]}})"),
            "Missing data.body at mutation[0]");
}

TEST_F(PushParserTest, NoteCreateNeedsValidRanges) {
  const auto note = [](const std::string& ranges) {
    return R"({"resource":"NOTE","type":"CREATE","data":{"body":"a good note","ranges":)" + ranges + "}}";
  };
  const auto m = accept_one(note(R"(["2:255-2:257","1:1-1:7"])"));
  EXPECT_EQ(std::get<NoteCreate>(m.data).ranges, (std::vector<std::string>{"2:255-2:257", "1:1-1:7"}));
  EXPECT_EQ(error_of_one(R"({"resource":"NOTE","type":"CREATE","data":{"body":"a good note"}})"),
            "Missing data.ranges at mutation[0]");
  for (const char* bad : {"[]", R"(["2:257-2:255"])", R"(["1:8-1:9"])", R"(["2:255"])", "[5]",
                          R"("2:255-2:257")", R"(["1:1-1:7","x"])"}) {
    EXPECT_THAT(error_of_one(note(bad)), StartsWith("Invalid data.ranges at mutation[0]: ")) << bad;
  }
}

TEST_F(PushParserTest, NoteUpdateTakesBodyAndOptionalRanges) {
  const auto m = accept_one(R"({"resource":"NOTE","type":"UPDATE","resourceId":"n1","data":{"body":"edited text"}})");
  const auto& u = std::get<NoteUpdate>(m.data);
  EXPECT_EQ(u.body, "edited text");
  EXPECT_FALSE(u.ranges.has_value());
  EXPECT_FALSE(u.save_to_qr.has_value());
  EXPECT_THAT(error_of_one(R"({"resource":"NOTE","type":"UPDATE","resourceId":"n1","data":{"body":"edited","ranges":["9:1-8:1"]}})"),
              StartsWith("Invalid data.ranges at mutation[0]: "));
}

TEST_F(PushParserTest, NoteAttachedEntityMustBeAReflection) {
  const auto m = accept_one(R"({"resource":"NOTE","type":"CREATE","data":{"body":"a good note","ranges":["1:1-1:7"],
      "saveToQR":true,"attachedEntity":{"entityId":"r1","entityType":"reflection","entityMetadata":{"k":1}}}})");
  const auto& c = std::get<NoteCreate>(m.data);
  EXPECT_TRUE(c.save_to_qr);
  ASSERT_TRUE(c.entity.has_value());
  EXPECT_EQ(c.entity->entity_id, "r1");
  EXPECT_THAT(error_of_one(R"({"resource":"NOTE","type":"CREATE","data":{"body":"a good note","ranges":["1:1-1:7"],
      "attachedEntity":{"entityId":"r1","entityType":"post"}}})"),
              StartsWith("Invalid data.attachedEntity at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"NOTE","type":"CREATE","data":{"body":"a good note","ranges":["1:1-1:7"],"saveToQR":"yes"}})"),
              StartsWith("Invalid data.saveToQR at mutation[0]: "));
}

// ---- reading sessions ----

TEST_F(PushParserTest, ReadingSessionNeedsAValidAyah) {
  const auto m = accept_one(R"({"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":18,"verseNumber":110}})");
  EXPECT_EQ(std::get<SessionFields>(m.data).chapter, 18);
  EXPECT_EQ(std::get<SessionFields>(m.data).verse, 110);
  EXPECT_EQ(error_of_one(R"({"resource":"READING_SESSION","type":"CREATE","data":{"verseNumber":1}})"),
            "Missing data.chapterNumber at mutation[0]");
  EXPECT_EQ(error_of_one(R"({"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":1}})"),
            "Missing data.verseNumber at mutation[0]");
  EXPECT_THAT(error_of_one(R"({"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":115,"verseNumber":1}})"),
              StartsWith("Invalid data.chapterNumber at mutation[0]: "));
  EXPECT_THAT(error_of_one(R"({"resource":"READING_SESSION","type":"UPDATE","resourceId":"s1","data":{"chapterNumber":18,"verseNumber":111}})"),
              StartsWith("Invalid data.verseNumber at mutation[0]: "));
}

// ---- what the ack echoes ----

TEST_F(PushParserTest, AckEchoesKnownFieldsWithNormalisedTimes) {
  const auto m = accept_one(R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"ayah","key":2,
      "verseNumber":255,"mushafId":4,"isReading":true,"clientCreatedAt":"2026-01-02T03:04:05+02:00",
      "clientUpdatedAt":1767315845000,"isDefault":true,"foo":"bar"}})");
  EXPECT_EQ(ack_data_of(m), boost::json::parse(R"({"type":"ayah","key":2,"verseNumber":255,"mushafId":4,
      "isReading":true,"clientCreatedAt":"2026-01-02T01:04:05.000Z",
      "clientUpdatedAt":"2026-01-02T01:04:05.000Z"})").as_object());
}

TEST_F(PushParserTest, AckEchoesCollectionBookmarkTarget) {
  const auto m = accept_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE",
      "data":{"collectionId":"c1","bookmarkId":"b1","isSystem":false}})");
  EXPECT_EQ(ack_data_of(m), boost::json::parse(R"({"collectionId":"c1","bookmarkId":"b1"})").as_object());
  const auto d = accept_one(R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE",
      "data":{"collectionId":"__default__","key":2,"verseNumber":255}})");
  EXPECT_EQ(ack_data_of(d), boost::json::parse(R"({"collectionId":"__default__","key":2,"verseNumber":255})").as_object());
}

TEST_F(PushParserTest, AckEchoesNoteRanges) {
  const auto m = accept_one(R"({"resource":"NOTE","type":"CREATE","data":{"body":"a good note","ranges":["2:255-2:257"]}})");
  const auto echo = ack_data_of(m);
  EXPECT_EQ(echo.at("body").as_string(), "a good note");
  EXPECT_EQ(echo.at("ranges"), boost::json::parse(R"(["2:255-2:257"])"));
}

TEST_F(PushParserTest, KeepsRequestOrderAndTypes) {
  auto r = parse(body(std::string(kValidCollection) +
                      R"(,{"resource":"NOTE","type":"DELETE","resourceId":"n1"})"
                      R"(,{"resource":"READING_SESSION","type":"UPDATE","resourceId":"s1","data":{"chapterNumber":1,"verseNumber":1}})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].resource, Resource::kCollection);
  EXPECT_EQ((*r)[0].type, MutationType::kCreate);
  EXPECT_EQ((*r)[1].resource, Resource::kNote);
  EXPECT_EQ((*r)[1].type, MutationType::kDelete);
  EXPECT_EQ((*r)[2].resource, Resource::kReadingSession);
  EXPECT_EQ((*r)[2].type, MutationType::kUpdate);
  EXPECT_EQ((*r)[2].resource_id, "s1");
}

}  // namespace
}  // namespace synclog::domain
