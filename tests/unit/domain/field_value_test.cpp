// canonical_value: for each field type, the values it accepts with their canonical text (one
// text per value: 1.50 and 1.5, 3.0 and 3, -0 and 0, one instant in any offset), and the
// values it refuses with the reason (lengths counted in characters, control characters,
// bounds, whole numbers, enum values, list sizes and the index of a bad item, ids, null).
#include "domain/field_value.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/time_format.hpp"
#include "domain/schema.hpp"

namespace synclog::domain {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

FieldSpec field(FieldKind kind) {
  FieldSpec f;
  f.name = "f";
  f.kind = kind;
  return f;
}

// The canonical text of the JSON `value_json` as field `f` (empty, with a failure, if refused).
std::string canonical(const FieldSpec& f, std::string_view value_json) {
  auto r = canonical_value(f, json::parse(value_json));
  if (!r.ok()) {
    ADD_FAILURE() << value_json << " refused: " << r.error().message;
    return "";
  }
  return *r;
}

// The reason `value_json` is refused as field `f`.
std::string refusal(const FieldSpec& f, std::string_view value_json) {
  auto r = canonical_value(f, json::parse(value_json));
  if (r.ok()) {
    ADD_FAILURE() << value_json << " accepted as " << *r;
    return "";
  }
  EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable) << r.error().message;
  return r.error().message;
}

// A JSON string of `n` copies of `unit`.
std::string text_of(std::size_t n, std::string_view unit = "a") {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return json::serialize(json::value(s));
}

// ---------------------------------------------------------------------------------------------
// string

TEST(FieldValueTest, StringIsQuoted) {
  const FieldSpec f = field(FieldKind::kString);
  EXPECT_EQ(canonical(f, R"("hello")"), R"("hello")");
  EXPECT_EQ(canonical(f, R"("")"), R"("")");
  EXPECT_EQ(canonical(f, R"("say \"hi\" \\ bye")"), R"("say \"hi\" \\ bye")");
  EXPECT_EQ(json::parse(canonical(f, R"("h\u00e9llo \ud83d\ude00")")).as_string(), "h\xC3\xA9llo \xF0\x9F\x98\x80");
}

TEST(FieldValueTest, StringAllowsTabAndLineBreaks) {
  const FieldSpec f = field(FieldKind::kString);
  const std::string text = canonical(f, R"("a\tb\nc\r\nd")");
  EXPECT_EQ(json::parse(text).as_string(), "a\tb\nc\r\nd");
  EXPECT_EQ(text.find('\n'), std::string::npos) << "control characters are escaped in the text";
}

TEST(FieldValueTest, StringWithOtherControlCharactersIsRefused) {
  const FieldSpec f = field(FieldKind::kString);
  for (std::string_view v : {R"("a\u0000b")", R"("\u0001")", R"("bell\u0007")", R"("esc\u001b[0m")", R"("\u001f")",
                             R"("\u000b")", R"("\u000c")"}) {
    EXPECT_EQ(refusal(f, v), "must not contain control characters other than tab and line breaks") << v;
  }
}

TEST(FieldValueTest, StringLengthIsCountedInCharactersNotBytes) {
  FieldSpec f = field(FieldKind::kString);
  f.max_length = 5;
  // Five characters of two, three and four bytes each.
  EXPECT_EQ(json::parse(canonical(f, text_of(5, "\xC3\xA9"))).as_string().size(), 10u);
  EXPECT_FALSE(canonical(f, text_of(5, "\xE2\x82\xAC")).empty());
  EXPECT_FALSE(canonical(f, text_of(5, "\xF0\x9F\x98\x80")).empty());
  EXPECT_EQ(refusal(f, text_of(6, "\xC3\xA9")), "must be 0-5 characters");
  EXPECT_EQ(refusal(f, text_of(6, "a")), "must be 0-5 characters");

  f.min_length = 3;
  EXPECT_EQ(refusal(f, text_of(2, "\xF0\x9F\x98\x80")), "must be 3-5 characters")
      << "two characters, though eight bytes";
  EXPECT_FALSE(canonical(f, text_of(3, "\xC3\xA9")).empty());
}

TEST(FieldValueTest, StringWithoutMaxLengthHasTheDefaultBound) {
  const FieldSpec f = field(FieldKind::kString);
  ASSERT_EQ(f.max_length, 0u);
  EXPECT_FALSE(canonical(f, text_of(kDefaultMaxStringChars)).empty());
  EXPECT_EQ(refusal(f, text_of(kDefaultMaxStringChars + 1)),
            "must be 0-" + std::to_string(kDefaultMaxStringChars) + " characters");
}

TEST(FieldValueTest, StringRefusesOtherJsonTypes) {
  const FieldSpec f = field(FieldKind::kString);
  for (std::string_view v : {"5", "true", "[]", "{}", R"(["a"])"}) EXPECT_EQ(refusal(f, v), "must be a string") << v;
}

// ---------------------------------------------------------------------------------------------
// integer

TEST(FieldValueTest, IntegerIsWrittenWithoutFraction) {
  const FieldSpec f = field(FieldKind::kInteger);
  EXPECT_EQ(canonical(f, "3"), "3");
  EXPECT_EQ(canonical(f, "3.0"), "3");
  EXPECT_EQ(canonical(f, "3e2"), "300");
  EXPECT_EQ(canonical(f, "-42"), "-42");
  EXPECT_EQ(canonical(f, "0"), "0");
  EXPECT_EQ(canonical(f, "-0"), "0");
  EXPECT_EQ(canonical(f, "-0.0"), "0");
  EXPECT_EQ(canonical(f, "8999999999999999"), "8999999999999999");
  EXPECT_EQ(canonical(f, "-8999999999999999"), "-8999999999999999");
}

TEST(FieldValueTest, IntegerRefusesFractionsAndOtherTypes) {
  const FieldSpec f = field(FieldKind::kInteger);
  for (std::string_view v : {"3.5", "0.1", "-1e-3", R"("3")", "true", "[3]"}) {
    EXPECT_EQ(refusal(f, v), "must be an integer") << v;
  }
}

TEST(FieldValueTest, IntegerBeyondExactDoublesIsRefused) {
  const FieldSpec f = field(FieldKind::kInteger);
  for (std::string_view v : {"9000000000000000", "-9000000000000000", "9007199254740993", "9223372036854775807",
                             "18446744073709551615", "1e300"}) {
    EXPECT_THAT(refusal(f, v), StartsWith("must be an integer")) << v;
  }
}

TEST(FieldValueTest, IntegerOutOfBoundsIsRefused) {
  FieldSpec f = field(FieldKind::kInteger);
  f.min = 1;
  f.max = 10;
  EXPECT_EQ(canonical(f, "1"), "1");
  EXPECT_EQ(canonical(f, "10"), "10");
  EXPECT_EQ(refusal(f, "0"), "must be an integer from 1 to 10");
  EXPECT_EQ(refusal(f, "11"), "must be an integer from 1 to 10");
  EXPECT_EQ(refusal(f, "2.5"), "must be an integer from 1 to 10") << "the reason states the bounds";

  f.max.reset();
  EXPECT_EQ(refusal(f, "-3"), "must be an integer of at least 1");
  EXPECT_EQ(canonical(f, "1000000"), "1000000");
  f.min.reset();
  f.max = -1;
  EXPECT_EQ(refusal(f, "0"), "must be an integer of at most -1");
  EXPECT_EQ(canonical(f, "-1"), "-1");
}

// ---------------------------------------------------------------------------------------------
// number

TEST(FieldValueTest, NumberHasOneShortestText) {
  const FieldSpec f = field(FieldKind::kNumber);
  EXPECT_EQ(canonical(f, "1.50"), "1.5");
  EXPECT_EQ(canonical(f, "1.5"), "1.5");
  EXPECT_EQ(canonical(f, "15e-1"), "1.5");
  EXPECT_EQ(canonical(f, "3.0"), "3");
  EXPECT_EQ(canonical(f, "3"), "3");
  EXPECT_EQ(canonical(f, "100"), "100");
  EXPECT_EQ(canonical(f, "1e2"), "100");
  EXPECT_EQ(canonical(f, "0.1"), "0.1");
  EXPECT_EQ(canonical(f, "-2.25"), "-2.25");
  EXPECT_EQ(canonical(f, "-0"), "0");
  EXPECT_EQ(canonical(f, "-0.0"), "0");
  EXPECT_EQ(canonical(f, "0.0"), "0");
  // Whatever the text, it reads back as the same double.
  for (std::string_view v : {"123456.789", "1e21", "1e-7", "-3.14159", "18446744073709551615"}) {
    const std::string text = canonical(f, v);
    EXPECT_EQ(json::value_to<double>(json::parse(text)), json::value_to<double>(json::parse(v))) << v << " " << text;
  }
}

TEST(FieldValueTest, NumberOutOfBoundsIsRefused) {
  FieldSpec f = field(FieldKind::kNumber);
  f.min = -1.5;
  f.max = 2.5;
  EXPECT_EQ(canonical(f, "-1.5"), "-1.5");
  EXPECT_EQ(canonical(f, "2.5"), "2.5");
  EXPECT_EQ(refusal(f, "2.51"), "must be a number from -1.5 to 2.5");
  EXPECT_EQ(refusal(f, "-2"), "must be a number from -1.5 to 2.5");
  EXPECT_EQ(refusal(f, R"("1")"), "must be a number from -1.5 to 2.5");
  EXPECT_EQ(refusal(field(FieldKind::kNumber), "true"), "must be a number");
}

// ---------------------------------------------------------------------------------------------
// boolean

TEST(FieldValueTest, BooleanIsTrueOrFalse) {
  const FieldSpec f = field(FieldKind::kBoolean);
  EXPECT_EQ(canonical(f, "true"), "true");
  EXPECT_EQ(canonical(f, "false"), "false");
  for (std::string_view v : {"1", "0", R"("true")", "[]"}) EXPECT_EQ(refusal(f, v), "must be true or false") << v;
}

// ---------------------------------------------------------------------------------------------
// datetime

TEST(FieldValueTest, DatetimeIsKeptInUtcWithMilliseconds) {
  const FieldSpec f = field(FieldKind::kDatetime);
  EXPECT_EQ(canonical(f, R"("2026-03-29T02:30:00+02:00")"), R"("2026-03-29T00:30:00.000Z")");
  EXPECT_EQ(canonical(f, R"("2026-03-29T00:30:00Z")"), R"("2026-03-29T00:30:00.000Z")");
  EXPECT_EQ(canonical(f, R"("2026-03-28T19:30:00-05:00")"), R"("2026-03-29T00:30:00.000Z")");
  EXPECT_EQ(canonical(f, R"("2026-03-29T05:00:00.123+0430")"), R"("2026-03-29T00:30:00.123Z")");
  EXPECT_EQ(canonical(f, R"("2026-01-01T01:00:00+02")"), R"("2025-12-31T23:00:00.000Z")")
      << "an offset can move the date back a year";
  EXPECT_EQ(canonical(f, R"("2026-03-29")"), R"("2026-03-29T00:00:00.000Z")");
  EXPECT_EQ(canonical(f, R"("2026-03-29T00:30:00.1234567Z")"), R"("2026-03-29T00:30:00.123Z")");
}

TEST(FieldValueTest, DatetimeMayBeEpochMilliseconds) {
  const FieldSpec f = field(FieldKind::kDatetime);
  EXPECT_EQ(canonical(f, "0"), R"("1970-01-01T00:00:00.000Z")");
  EXPECT_EQ(canonical(f, "1774744200000"), R"("2026-03-29T00:30:00.000Z")");
  EXPECT_EQ(canonical(f, "1774744200001.0"), R"("2026-03-29T00:30:00.001Z")");
  EXPECT_EQ(canonical(f, "-1"), R"("1969-12-31T23:59:59.999Z")");
  EXPECT_EQ(canonical(f, std::to_string(kMaxEpochMs)), R"("9999-12-31T23:59:59.999Z")");
  EXPECT_EQ(canonical(f, std::to_string(kMinEpochMs)), R"("0001-01-01T00:00:00.000Z")");
}

TEST(FieldValueTest, OneInstantInAnyFormHasOneText) {
  const FieldSpec f = field(FieldKind::kDatetime);
  EXPECT_EQ(canonical(f, R"("2026-03-29T02:30:00+02:00")"), canonical(f, "1774744200000"));
}

TEST(FieldValueTest, DatetimeThatIsNotAnInstantIsRefused) {
  const FieldSpec f = field(FieldKind::kDatetime);
  const std::string reason = "must be an ISO 8601 date-time with an offset, or epoch milliseconds";
  for (std::string_view v : {R"("2026-03-29T02:30:00")", R"("2026-02-30T00:00:00Z")", R"("yesterday")", R"("")",
                             "1.5", "true", "[]", "1e300", "253402300800000", "-62135596800001"}) {
    EXPECT_EQ(refusal(f, v), reason) << v;
  }
}

// ---------------------------------------------------------------------------------------------
// enum

TEST(FieldValueTest, EnumAcceptsOnlyListedValues) {
  FieldSpec f = field(FieldKind::kEnum);
  f.values = {"draft", "done"};
  EXPECT_EQ(canonical(f, R"("draft")"), R"("draft")");
  EXPECT_EQ(canonical(f, R"("done")"), R"("done")");
  for (std::string_view v : {R"("Draft")", R"("draft ")", R"("")", "0", "true"}) {
    EXPECT_EQ(refusal(f, v), "must be one of draft, done") << v;
  }
}

// ---------------------------------------------------------------------------------------------
// stringList

TEST(FieldValueTest, StringListIsWrittenCompactly) {
  const FieldSpec f = field(FieldKind::kStringList);
  EXPECT_EQ(canonical(f, R"([ "a" , "b\"c" ])"), R"(["a","b\"c"])");
  EXPECT_EQ(canonical(f, "[]"), "[]");
  EXPECT_EQ(canonical(f, R"(["a","a"])"), R"(["a","a"])") << "items keep their order and repeats";
}

TEST(FieldValueTest, StringListWithTooManyItemsIsRefused) {
  FieldSpec f = field(FieldKind::kStringList);
  f.max_items = 2;
  EXPECT_EQ(canonical(f, R"(["a","b"])"), R"(["a","b"])");
  EXPECT_EQ(refusal(f, R"(["a","b","c"])"), "must be a list of at most 2 strings");
  EXPECT_EQ(refusal(f, R"("a")"), "must be a list of at most 2 strings");

  const FieldSpec unbounded = field(FieldKind::kStringList);
  std::string items = "[";
  for (std::size_t i = 0; i < kDefaultMaxListItems; ++i) items += (i ? ",\"x\"" : "\"x\"");
  EXPECT_FALSE(canonical(unbounded, items + "]").empty());
  EXPECT_EQ(refusal(unbounded, items + ",\"x\"]"),
            "must be a list of at most " + std::to_string(kDefaultMaxListItems) + " strings");
}

TEST(FieldValueTest, StringListNamesTheIndexOfABadItem) {
  FieldSpec f = field(FieldKind::kStringList);
  f.max_length = 3;
  EXPECT_EQ(refusal(f, R"(["ok",5])"), "item 1 must be a string");
  EXPECT_EQ(refusal(f, R"(["ok","ok","long"])"), "item 2 must be 0-3 characters");
  EXPECT_EQ(refusal(f, R"(["\u0001"])"), "item 0 must not contain control characters other than tab and line breaks");
  EXPECT_EQ(refusal(f, R"(["a",null])"), "item 1 must be a string");
  // Item lengths are characters too.
  EXPECT_EQ(canonical(f, "[" + text_of(3, "\xE2\x82\xAC") + "]"), "[" + text_of(3, "\xE2\x82\xAC") + "]");
  f.min_length = 1;
  EXPECT_EQ(refusal(f, R"(["a",""])"), "item 1 must be 1-3 characters");
}

// ---------------------------------------------------------------------------------------------
// reference

TEST(FieldValueTest, ReferenceIsAnId) {
  FieldSpec f = field(FieldKind::kReference);
  f.to = "site";
  EXPECT_EQ(canonical(f, R"("abc-DEF_09")"), R"("abc-DEF_09")");
  const std::string longest(64, 'x');
  EXPECT_EQ(canonical(f, "\"" + longest + "\""), "\"" + longest + "\"");
}

TEST(FieldValueTest, ReferenceThatIsNotAValidIdIsRefused) {
  FieldSpec f = field(FieldKind::kReference);
  f.to = "site";
  for (const std::string& v : std::vector<std::string>{R"("")", R"("has space")", R"("a/b")", R"("caf\u00e9")", R"("a.b")",
                              "\"" + std::string(65, 'x') + "\"", "5", R"(["abc"])"}) {
    EXPECT_THAT(refusal(f, v), StartsWith("must be the id of a site")) << v;
  }
}

// ---------------------------------------------------------------------------------------------
// every type

TEST(FieldValueTest, NullIsNoValueOfAnyType) {
  for (FieldKind kind : {FieldKind::kString, FieldKind::kInteger, FieldKind::kNumber, FieldKind::kBoolean,
                         FieldKind::kDatetime, FieldKind::kEnum, FieldKind::kStringList, FieldKind::kReference}) {
    FieldSpec f = field(kind);
    f.values = {"a"};
    f.to = "site";
    EXPECT_FALSE(refusal(f, "null").empty()) << field_kind_name(kind);
  }
}

TEST(FieldValueTest, CanonicalTextIsAFixedPoint) {
  // Canonicalising a canonical text gives it back: stored values compare by text.
  FieldSpec e = field(FieldKind::kEnum);
  e.values = {"x"};
  const std::vector<std::pair<FieldSpec, std::string>> cases = {
      {field(FieldKind::kString), R"("caf\u00e9\t")"},
      {field(FieldKind::kInteger), "7.0"},
      {field(FieldKind::kNumber), "2.50"},
      {field(FieldKind::kBoolean), "true"},
      {field(FieldKind::kDatetime), R"("2026-03-29T02:30:00+02:00")"},
      {e, R"("x")"},
      {field(FieldKind::kStringList), R"([ "a", "b" ])"},
  };
  for (const auto& [f, v] : cases) {
    const std::string once = canonical(f, v);
    EXPECT_EQ(canonical(f, once), once) << v;
  }
}

}  // namespace
}  // namespace synclog::domain
