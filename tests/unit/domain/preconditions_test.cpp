// Conditional-request headers (RFC 9110 section 13): etag_for's quoted version, parsing of
// If-Match / If-None-Match (`*`, entity-tag lists with W/ and whitespace, the 32-tag limit, and
// malformed values refused with 400 invalid_request naming the header), check_write's strong
// If-Match and weak If-None-Match comparisons giving 412 precondition_failed, and
// not_modified's answer for reads.
#include "domain/preconditions.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synclog::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::int64_t kVersion = 1795427285926;
constexpr std::string_view kTag = "\"1795427285926\"";

Preconditions parsed(std::optional<std::string_view> if_match,
                     std::optional<std::string_view> if_none_match) {
  auto p = Preconditions::parse(if_match, if_none_match);
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : Preconditions();
}
Preconditions if_match(std::string_view v) { return parsed(v, std::nullopt); }
Preconditions if_none_match(std::string_view v) { return parsed(std::nullopt, v); }

// `n` distinct tags "1", "2", ..., joined with ", " (each W/-prefixed when `weak`).
std::string tag_list(int n, bool weak = false) {
  std::string s;
  for (int i = 1; i <= n; ++i) s += (s.empty() ? "" : ", ") + std::string(weak ? "W/" : "") + etag_for(i);
  return s;
}

// ---- etag_for ----

TEST(PreconditionsTest, EtagIsTheVersionInQuotes) {
  EXPECT_EQ(etag_for(kVersion), kTag);
  EXPECT_EQ(etag_for(0), "\"0\"");
}

// ---- parsing ----

TEST(PreconditionsTest, AbsentHeadersAreEmptyAndAllowEverything) {
  const auto p = parsed(std::nullopt, std::nullopt);
  EXPECT_TRUE(p.empty());
  EXPECT_TRUE(p.check_write(std::nullopt).ok());
  EXPECT_TRUE(p.check_write(kVersion).ok());
  EXPECT_FALSE(p.not_modified(kVersion));
}

TEST(PreconditionsTest, EitherHeaderMakesThemNonEmpty) {
  EXPECT_FALSE(if_match("*").empty());
  EXPECT_FALSE(if_none_match("*").empty());
  EXPECT_FALSE(parsed(kTag, kTag).empty());
}

TEST(PreconditionsTest, ListsMayHaveSpacesAndTabsAroundTagsAndCommas) {
  for (std::string_view v : {"\"1\",\"1795427285926\"", "  \"1\" ,\t\"1795427285926\"  ",
                             "\t\"1\",   \"1795427285926\"\t", "W/\"1\", \"1795427285926\""}) {
    EXPECT_TRUE(if_match(v).check_write(kVersion).ok()) << v;
    EXPECT_TRUE(if_none_match(v).not_modified(kVersion)) << v;
  }
}

TEST(PreconditionsTest, StarMayBeSurroundedByWhitespace) {
  EXPECT_TRUE(if_none_match("  *\t").not_modified(kVersion));
  EXPECT_FALSE(if_match(" * ").check_write(std::nullopt).ok());  // parsed as "*", not as a tag
}

TEST(PreconditionsTest, MalformedHeadersAreInvalidRequestsNamingTheHeader) {
  for (std::string_view bad : {
           "1795427285926",    // unquoted
           "\"17954",          // unterminated
           "\"1\" \"2\"",      // no comma between tags
           "\"1\";\"2\"",      // wrong separator
           "\"1\"x",           // junk after a tag
           "W/",               // weak marker without a tag
           "W/1",              // weak marker before an unquoted value
           "W/ \"1\"",         // space inside the weak marker
           "w/\"1\"",          // the weak marker is case-sensitive
           "*, \"1\"",         // "*" is the whole value or nothing...
           "\"1\", *",         // ...
           "**",               // ...
       }) {
    const auto m = Preconditions::parse(bad, std::nullopt);
    ASSERT_FALSE(m.ok()) << "If-Match: " << bad;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidRequest) << bad;
    EXPECT_THAT(m.error().message, StartsWith("If-Match must be * or a list of entity tags")) << bad;

    const auto n = Preconditions::parse(std::nullopt, bad);
    ASSERT_FALSE(n.ok()) << "If-None-Match: " << bad;
    EXPECT_EQ(n.error().code, ErrorCode::kInvalidRequest) << bad;
    EXPECT_THAT(n.error().message, StartsWith("If-None-Match must be * or a list of entity tags")) << bad;
  }
}

TEST(PreconditionsTest, AMalformedIfNoneMatchFailsEvenWhenIfMatchIsFine) {
  const auto p = Preconditions::parse(kTag, "nope");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidRequest);
  EXPECT_THAT(p.error().message, StartsWith("If-None-Match"));
}

TEST(PreconditionsTest, UpToThirtyTwoTagsAreAccepted) {
  const std::string list = tag_list(32);
  EXPECT_TRUE(if_match(list).check_write(32).ok());
  EXPECT_TRUE(if_none_match(list).not_modified(32));
  EXPECT_TRUE(Preconditions::parse(tag_list(32, /*weak=*/true), std::nullopt).ok());
}

TEST(PreconditionsTest, MoreThanThirtyTwoTagsAreRefused) {
  const std::string list = tag_list(33);
  const auto m = Preconditions::parse(list, std::nullopt);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().code, ErrorCode::kInvalidRequest);
  EXPECT_THAT(m.error().message, StartsWith("If-Match"));
  const auto n = Preconditions::parse(std::nullopt, list);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.error().code, ErrorCode::kInvalidRequest);
  EXPECT_THAT(n.error().message, StartsWith("If-None-Match"));
  EXPECT_FALSE(Preconditions::parse(tag_list(100), std::nullopt).ok());
}

TEST(PreconditionsTest, ATrailingCommaIsAnEmptyListElementAndIgnored) {
  EXPECT_TRUE(if_match("\"1795427285926\", ").check_write(kVersion).ok());
}

// RFC 9110 5.6.1: `#entity-tag` allows an empty list. If-Match then matches nothing; If-None-Match
// holds, so a client that sends an empty one (no cached ETag yet) is served normally.
TEST(PreconditionsTest, AnEmptyListMatchesNothing) {
  for (std::string_view empty : {"", "   ", ",", " , ,"}) {
    EXPECT_EQ(if_match(empty).check_write(kVersion).code(), ErrorCode::kPreconditionFailed) << empty;
    EXPECT_EQ(if_match(empty).check_write(std::nullopt).code(), ErrorCode::kPreconditionFailed) << empty;
    EXPECT_TRUE(if_none_match(empty).check_write(kVersion).ok()) << empty;
    EXPECT_TRUE(if_none_match(empty).check_write(std::nullopt).ok()) << empty;
    EXPECT_FALSE(if_none_match(empty).not_modified(kVersion)) << empty;
  }
}

TEST(PreconditionsTest, EmptyListElementsAnywhereAreIgnored) {
  EXPECT_TRUE(if_match(", \"1795427285926\"").check_write(kVersion).ok());
  EXPECT_TRUE(if_match("\"1\",, \"1795427285926\"").check_write(kVersion).ok());
  EXPECT_TRUE(if_none_match("\"1\" , , \"1795427285926\"").not_modified(kVersion));
}

// ---- check_write: If-Match (strong comparison) ----

TEST(PreconditionsTest, IfMatchHoldsForTheCurrentVersion) {
  EXPECT_TRUE(if_match(kTag).check_write(kVersion).ok());
  EXPECT_TRUE(if_match("\"7\", " + std::string(kTag) + ", \"9\"").check_write(kVersion).ok());
}

TEST(PreconditionsTest, IfMatchFailsForAnotherVersionAndNamesTheCurrentEtag) {
  const auto s = if_match("\"1795427285925\", \"1\"").check_write(kVersion);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_THAT(s.message(), HasSubstr("has changed"));
  EXPECT_THAT(s.message(), HasSubstr(std::string(kTag)));
}

TEST(PreconditionsTest, IfMatchNeverMatchesAWeakTag) {
  const auto s = if_match("W/" + std::string(kTag)).check_write(kVersion);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  // ...but a strong tag for the same version in the same list does.
  EXPECT_TRUE(if_match("W/" + std::string(kTag) + ", " + std::string(kTag)).check_write(kVersion).ok());
}

TEST(PreconditionsTest, IfMatchComparesTagsAsOpaqueText) {
  EXPECT_FALSE(if_match("\"01795427285926\"").check_write(kVersion).ok());
  EXPECT_FALSE(if_match("\"1795427285926 \"").check_write(kVersion).ok());
  EXPECT_FALSE(if_match("\"abc\"").check_write(kVersion).ok());
  EXPECT_FALSE(if_match("\"\"").check_write(kVersion).ok());
}

TEST(PreconditionsTest, IfMatchStarHoldsForAnyExistingResource) {
  EXPECT_TRUE(if_match("*").check_write(kVersion).ok());
  EXPECT_TRUE(if_match("*").check_write(1).ok());
}

TEST(PreconditionsTest, IfMatchFailsWhenTheResourceDoesNotExist) {
  for (std::string_view v : {"*", "\"1795427285926\""}) {
    const auto s = if_match(v).check_write(std::nullopt);
    ASSERT_FALSE(s.ok()) << v;
    EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed) << v;
    EXPECT_THAT(s.message(), HasSubstr("does not exist")) << v;
  }
}

// ---- check_write: If-None-Match (weak comparison) ----

TEST(PreconditionsTest, IfNoneMatchStarHoldsOnlyWhenTheResourceIsAbsent) {
  EXPECT_TRUE(if_none_match("*").check_write(std::nullopt).ok());
  const auto s = if_none_match("*").check_write(kVersion);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_THAT(s.message(), HasSubstr("already exists"));
  EXPECT_THAT(s.message(), HasSubstr(std::string(kTag)));
}

TEST(PreconditionsTest, IfNoneMatchFailsWhenATagNamesTheCurrentVersionWeakOrStrong) {
  for (const std::string& v : {std::string(kTag), "W/" + std::string(kTag), "\"1\", W/" + std::string(kTag)}) {
    const auto s = if_none_match(v).check_write(kVersion);
    ASSERT_FALSE(s.ok()) << v;
    EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed) << v;
    EXPECT_THAT(s.message(), HasSubstr(std::string(kTag))) << v;
  }
}

TEST(PreconditionsTest, IfNoneMatchHoldsForOtherVersionsAndAbsentResources) {
  EXPECT_TRUE(if_none_match("\"1\", W/\"2\"").check_write(kVersion).ok());
  EXPECT_TRUE(if_none_match(kTag).check_write(std::nullopt).ok());
}

TEST(PreconditionsTest, BothHeadersMustHold) {
  // If-Match holds, If-None-Match: * does not (the resource exists).
  const auto both = parsed(kTag, "*");
  const auto s = both.check_write(kVersion);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  // If-Match holds and If-None-Match names another version.
  EXPECT_TRUE(parsed(kTag, "\"1\"").check_write(kVersion).ok());
  // If-Match fails first.
  EXPECT_THAT(parsed("\"1\"", "\"2\"").check_write(kVersion).message(), StartsWith("If-Match"));
}

// ---- not_modified ----

TEST(PreconditionsTest, NotModifiedWhenIfNoneMatchNamesTheCurrentVersion) {
  EXPECT_TRUE(if_none_match(kTag).not_modified(kVersion));
  EXPECT_TRUE(if_none_match("W/" + std::string(kTag)).not_modified(kVersion));  // weak comparison
  EXPECT_TRUE(if_none_match("\"1\", \"2\", " + std::string(kTag)).not_modified(kVersion));
  EXPECT_TRUE(if_none_match("*").not_modified(kVersion));
}

TEST(PreconditionsTest, ModifiedWhenIfNoneMatchNamesOnlyOtherVersions) {
  EXPECT_FALSE(if_none_match("\"1795427285925\"").not_modified(kVersion));
  EXPECT_FALSE(if_none_match("\"1\", W/\"2\"").not_modified(kVersion));
}

TEST(PreconditionsTest, IfMatchAloneNeverMakesAReadNotModified) {
  EXPECT_FALSE(if_match(kTag).not_modified(kVersion));
  EXPECT_FALSE(if_match("*").not_modified(kVersion));
}

}  // namespace
}  // namespace synclog::domain
