// Cursor pages over sorted keys: `first`/`after` forwards and `last`/`before` backwards, the
// default page of 20 and the 1-100 bounds, cursors that are base64url sort keys (so they keep
// working after their item is deleted and do not shift when items are inserted), malformed
// cursors refused with 422 unprocessable, hasNextPage/hasPreviousPage and the pagination JSON,
// and the sort-key builders (ascending/descending numbers, descending text).
#include "domain/cursor_page.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::domain {
namespace {

namespace json = boost::json;
using ::testing::StartsWith;

// Keys "k000", "k010", ..., "k<10*(n-1)>": gaps leave room to insert between neighbours.
std::vector<std::string> keys(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string k = std::to_string(i * 10);
    out.push_back("k" + std::string(3 - std::min<std::size_t>(3, k.size()), '0') + k);
  }
  return out;
}

PageParams forwards(std::optional<std::int64_t> first, std::optional<std::string> after = std::nullopt) {
  PageParams p;
  p.first = first;
  p.after = std::move(after);
  return p;
}
PageParams backwards(std::optional<std::int64_t> last, std::optional<std::string> before = std::nullopt) {
  PageParams p;
  p.last = last;
  p.before = std::move(before);
  return p;
}

PageWindow page(const std::vector<std::string>& ks, const PageParams& p) {
  auto w = select_page(ks, p);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.error().message);
  return w.ok() ? *w : PageWindow{};
}

// The keys a window selects.
std::vector<std::string> items(const std::vector<std::string>& ks, const PageWindow& w) {
  return {ks.begin() + static_cast<std::ptrdiff_t>(w.begin), ks.begin() + static_cast<std::ptrdiff_t>(w.end)};
}

json::object pagination(const std::vector<std::string>& ks, const PageWindow& w) {
  return json::parse(pagination_json(ks, w)).as_object();
}

// ---- forwards ----

TEST(CursorPageTest, DefaultIsTheFirstTwentyItems) {
  EXPECT_EQ(kDefaultPageSize, 20);
  EXPECT_EQ(kMaxPageSize, 100);
  const auto ks = keys(25);
  const auto w = page(ks, PageParams{});
  EXPECT_EQ(w.begin, 0u);
  EXPECT_EQ(w.end, 20u);
  EXPECT_TRUE(w.has_next);
  EXPECT_FALSE(w.has_previous);
}

TEST(CursorPageTest, FirstTakesThatManyFromTheStart) {
  const auto ks = keys(10);
  const auto w = page(ks, forwards(3));
  EXPECT_EQ(items(ks, w), (std::vector<std::string>{"k000", "k010", "k020"}));
  EXPECT_TRUE(w.has_next);
  EXPECT_FALSE(w.has_previous);
}

TEST(CursorPageTest, AfterStartsJustPastTheCursorsItem) {
  const auto ks = keys(10);
  const auto w = page(ks, forwards(3, encode_cursor("k030")));
  EXPECT_EQ(items(ks, w), (std::vector<std::string>{"k040", "k050", "k060"}));
  EXPECT_TRUE(w.has_next);
  EXPECT_TRUE(w.has_previous);
}

TEST(CursorPageTest, AfterAloneUsesTheDefaultSize) {
  const auto ks = keys(50);
  const auto w = page(ks, forwards(std::nullopt, encode_cursor(ks[4])));
  EXPECT_EQ(w.begin, 5u);
  EXPECT_EQ(w.end, 25u);
}

TEST(CursorPageTest, LastForwardPageHasNoNextPage) {
  const auto ks = keys(10);
  const auto w = page(ks, forwards(5, encode_cursor("k040")));
  EXPECT_EQ(items(ks, w), (std::vector<std::string>{"k050", "k060", "k070", "k080", "k090"}));
  EXPECT_FALSE(w.has_next);  // exactly full, nothing after it
  EXPECT_TRUE(w.has_previous);
}

TEST(CursorPageTest, AfterTheLastItemIsAnEmptyPage) {
  const auto ks = keys(10);
  const auto w = page(ks, forwards(5, encode_cursor("k090")));
  EXPECT_EQ(w.begin, w.end);
  EXPECT_FALSE(w.has_next);
  EXPECT_TRUE(w.has_previous);
}

TEST(CursorPageTest, FollowingEndCursorsVisitsEveryItemOnce) {
  const auto ks = keys(23);
  std::vector<std::string> seen;
  PageParams p = forwards(5);
  int pages = 0;
  for (;;) {
    const auto w = page(ks, p);
    const auto got = items(ks, w);
    seen.insert(seen.end(), got.begin(), got.end());
    ++pages;
    if (!w.has_next) break;
    ASSERT_LT(pages, 10);
    p.after = pagination(ks, w).at("endCursor").as_string().c_str();
  }
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(seen, ks);
}

TEST(CursorPageTest, FirstIsCappedByWhatIsLeft) {
  const auto ks = keys(3);
  const auto w = page(ks, forwards(100));
  EXPECT_EQ(w.begin, 0u);
  EXPECT_EQ(w.end, 3u);
  EXPECT_FALSE(w.has_next);
}

// ---- backwards ----

TEST(CursorPageTest, LastTakesThatManyFromTheEnd) {
  const auto ks = keys(10);
  const auto w = page(ks, backwards(3));
  EXPECT_EQ(items(ks, w), (std::vector<std::string>{"k070", "k080", "k090"}));
  EXPECT_FALSE(w.has_next);
  EXPECT_TRUE(w.has_previous);
}

TEST(CursorPageTest, BeforeEndsJustBeforeTheCursorsItem) {
  const auto ks = keys(10);
  const auto w = page(ks, backwards(3, encode_cursor("k060")));
  EXPECT_EQ(items(ks, w), (std::vector<std::string>{"k030", "k040", "k050"}));
  EXPECT_TRUE(w.has_next);
  EXPECT_TRUE(w.has_previous);
}

TEST(CursorPageTest, BeforeAloneIsBackwardsWithTheDefaultSize) {
  const auto ks = keys(50);
  const auto w = page(ks, backwards(std::nullopt, encode_cursor(ks[30])));
  EXPECT_EQ(w.begin, 10u);
  EXPECT_EQ(w.end, 30u);
  EXPECT_TRUE(w.has_next);
  EXPECT_TRUE(w.has_previous);
}

TEST(CursorPageTest, BackwardsPageReachingTheStartHasNoPreviousPage) {
  const auto ks = keys(10);
  const auto w = page(ks, backwards(5, encode_cursor("k030")));
  EXPECT_EQ(items(ks, w), (std::vector<std::string>{"k000", "k010", "k020"}));
  EXPECT_FALSE(w.has_previous);
  EXPECT_TRUE(w.has_next);
}

TEST(CursorPageTest, BeforeTheFirstItemIsAnEmptyPage) {
  const auto ks = keys(10);
  const auto w = page(ks, backwards(5, encode_cursor("k000")));
  EXPECT_EQ(w.begin, 0u);
  EXPECT_EQ(w.end, 0u);
  EXPECT_FALSE(w.has_previous);
  EXPECT_TRUE(w.has_next);
}

TEST(CursorPageTest, FollowingStartCursorsBackwardsVisitsEveryItemOnce) {
  const auto ks = keys(23);
  std::vector<std::string> seen;
  PageParams p = backwards(5);
  int pages = 0;
  for (;;) {
    const auto w = page(ks, p);
    const auto got = items(ks, w);
    seen.insert(seen.begin(), got.begin(), got.end());
    ++pages;
    if (!w.has_previous) break;
    ASSERT_LT(pages, 10);
    p.before = pagination(ks, w).at("startCursor").as_string().c_str();
  }
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(seen, ks);
}

// Relay's rules: `first` keeps the first n, then `last` the last n of those.
TEST(CursorPageTest, FirstThenLastWhenBothAreGiven) {
  const auto ks = keys(10);
  PageParams p;
  p.first = 4;
  p.last = 3;
  EXPECT_EQ(items(ks, page(ks, p)), (std::vector<std::string>{"k010", "k020", "k030"}));
  p.first = 2;
  EXPECT_EQ(items(ks, page(ks, p)), (std::vector<std::string>{"k000", "k010"}));
}

TEST(CursorPageTest, ACursorOrSizeThatIsGivenIsNeverIgnored) {
  const auto ks = keys(50);
  PageParams first_before;
  first_before.first = 5;
  first_before.before = encode_cursor(ks[40]);
  const auto a = page(ks, first_before);
  EXPECT_LE(a.end - a.begin, 5u);
  EXPECT_LE(a.end, 40u);

  PageParams last_after;
  last_after.last = 3;
  last_after.after = encode_cursor(ks[48]);
  const auto b = page(ks, last_after);
  EXPECT_GE(b.begin, 49u);  // only items after the cursor
}

// ---- sizes ----

TEST(CursorPageTest, SizesFromOneToOneHundredAreAccepted) {
  const auto ks = keys(150);
  for (std::int64_t n : {1, 2, 99, 100}) {
    EXPECT_EQ(page(ks, forwards(n)).end, static_cast<std::size_t>(n)) << n;
    const auto w = page(ks, backwards(n));
    EXPECT_EQ(w.end - w.begin, static_cast<std::size_t>(n)) << n;
  }
}

TEST(CursorPageTest, SizesOutsideOneToOneHundredAreUnprocessable) {
  const auto ks = keys(5);
  for (std::int64_t n : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{101}, std::int64_t{1000},
                         std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}) {
    const auto f = select_page(ks, forwards(n));
    ASSERT_FALSE(f.ok()) << n;
    EXPECT_EQ(f.error().code, ErrorCode::kUnprocessable) << n;
    EXPECT_EQ(f.error().message, "first must be 1-100") << n;
    const auto l = select_page(ks, backwards(n));
    ASSERT_FALSE(l.ok()) << n;
    EXPECT_EQ(l.error().code, ErrorCode::kUnprocessable) << n;
    EXPECT_EQ(l.error().message, "last must be 1-100") << n;
  }
}

TEST(CursorPageTest, ABadFirstIsRefusedEvenWhenLastDecidesTheDirection) {
  PageParams p;
  p.first = 0;
  p.last = 5;
  const auto w = select_page(keys(5), p);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().code, ErrorCode::kUnprocessable);
}

// ---- cursors ----

TEST(CursorPageTest, CursorIsTheKeyInUnpaddedBase64url) {
  EXPECT_EQ(encode_cursor("k030"), "azAzMA");
  // Bytes that would be '+' and '/' in standard base64.
  EXPECT_EQ(encode_cursor("\xfb\xff"), "-_8");
}

TEST(CursorPageTest, MalformedCursorsAreUnprocessable) {
  const auto ks = keys(10);
  for (std::string_view bad : {
           "",          // decodes to an empty key
           "a",         // an impossible length
           "azAzMA==",  // padding
           "!!!!",      // outside the alphabet
           "az+zMA",    // standard base64, not base64url
           "az/zMA",    // (the same)
           "azAzMB",    // non-canonical trailing bits
           "azA zMA",   // whitespace
       }) {
    const auto a = select_page(ks, forwards(5, std::string(bad)));
    ASSERT_FALSE(a.ok()) << "after=" << bad;
    EXPECT_EQ(a.error().code, ErrorCode::kUnprocessable) << bad;
    EXPECT_EQ(a.error().message, "after must be a cursor from a previous page's pagination") << bad;
    const auto b = select_page(ks, backwards(5, std::string(bad)));
    ASSERT_FALSE(b.ok()) << "before=" << bad;
    EXPECT_EQ(b.error().code, ErrorCode::kUnprocessable) << bad;
    EXPECT_EQ(b.error().message, "before must be a cursor from a previous page's pagination") << bad;
  }
}

TEST(CursorPageTest, ACursorOfADeletedItemStillMarksItsPlace) {
  auto ks = keys(10);
  const std::string after = encode_cursor("k040");
  const std::string before = encode_cursor("k060");
  ks.erase(std::find(ks.begin(), ks.end(), "k040"));
  ks.erase(std::find(ks.begin(), ks.end(), "k060"));
  EXPECT_EQ(items(ks, page(ks, forwards(2, after))), (std::vector<std::string>{"k050", "k070"}));
  EXPECT_EQ(items(ks, page(ks, backwards(2, before))), (std::vector<std::string>{"k030", "k050"}));
}

TEST(CursorPageTest, ACursorBetweenKeysWorksLikeAnyOther) {
  const auto ks = keys(10);
  EXPECT_EQ(items(ks, page(ks, forwards(2, encode_cursor("k045")))), (std::vector<std::string>{"k050", "k060"}));
  EXPECT_EQ(items(ks, page(ks, backwards(2, encode_cursor("k045")))), (std::vector<std::string>{"k030", "k040"}));
  EXPECT_EQ(page(ks, forwards(2, encode_cursor("a"))).begin, 0u);     // before every key
  EXPECT_EQ(page(ks, forwards(2, encode_cursor("z"))).begin, 10u);    // after every key
}

TEST(CursorPageTest, PagesAreStableWhenItemsAreInsertedBeforeTheCursor) {
  auto ks = keys(10);
  const auto w1 = page(ks, forwards(3));
  const std::string end_cursor = pagination(ks, w1).at("endCursor").as_string().c_str();
  // Other devices add items before and inside the page already read, and one after it.
  for (std::string k : {"k005", "k015", "j999", "k035"}) ks.insert(std::upper_bound(ks.begin(), ks.end(), k), k);
  const auto w2 = page(ks, forwards(3, end_cursor));
  EXPECT_EQ(items(ks, w2), (std::vector<std::string>{"k030", "k035", "k040"}));  // no repeats, no gaps
  EXPECT_TRUE(w2.has_previous);
}

TEST(CursorPageTest, BackwardPagesAreStableWhenItemsAreInsertedAfterTheCursor) {
  auto ks = keys(10);
  const auto w1 = page(ks, backwards(3));
  const std::string start_cursor = pagination(ks, w1).at("startCursor").as_string().c_str();
  for (std::string k : {"k095", "k075", "z"}) ks.insert(std::upper_bound(ks.begin(), ks.end(), k), k);
  const auto w2 = page(ks, backwards(3, start_cursor));
  EXPECT_EQ(items(ks, w2), (std::vector<std::string>{"k040", "k050", "k060"}));
}

TEST(CursorPageTest, CursorsRoundTripArbitraryBytes) {
  std::vector<std::string> ks = {descending_text_key("b"), descending_text_key("ab"), descending_text_key("a"),
                                 descending_text_key("")};
  ASSERT_TRUE(std::is_sorted(ks.begin(), ks.end()));
  const auto w = page(ks, forwards(1, encode_cursor(ks[1])));
  EXPECT_EQ(items(ks, w), (std::vector<std::string>{ks[2]}));
}

// ---- pagination JSON ----

TEST(CursorPageTest, PaginationNamesTheFirstAndLastItemsOfThePage) {
  const auto ks = keys(10);
  const PageWindow w = page(ks, forwards(3, encode_cursor("k010")));
  EXPECT_EQ(pagination_json(ks, w),
            R"({"startCursor":")" + encode_cursor("k020") + R"(","endCursor":")" + encode_cursor("k040") +
                R"(","hasNextPage":true,"hasPreviousPage":true})");
}

TEST(CursorPageTest, PaginationOfASingleItemPageHasEqualCursors) {
  const auto ks = keys(1);
  const auto p = pagination(ks, page(ks, PageParams{}));
  EXPECT_EQ(p.at("startCursor").as_string(), encode_cursor("k000"));
  EXPECT_EQ(p.at("endCursor").as_string(), encode_cursor("k000"));
  EXPECT_FALSE(p.at("hasNextPage").as_bool());
  EXPECT_FALSE(p.at("hasPreviousPage").as_bool());
}

TEST(CursorPageTest, EmptyPageHasEmptyCursors) {
  const std::vector<std::string> none;
  const auto w = page(none, PageParams{});
  EXPECT_EQ(w.begin, 0u);
  EXPECT_EQ(w.end, 0u);
  EXPECT_EQ(pagination_json(none, w),
            R"({"startCursor":"","endCursor":"","hasNextPage":false,"hasPreviousPage":false})");

  const auto ks = keys(4);
  const auto past = page(ks, forwards(2, encode_cursor("k030")));
  const auto p = pagination(ks, past);
  EXPECT_EQ(p.at("startCursor").as_string(), "");
  EXPECT_EQ(p.at("endCursor").as_string(), "");
  EXPECT_FALSE(p.at("hasNextPage").as_bool());
  EXPECT_TRUE(p.at("hasPreviousPage").as_bool());
}

// ---- sort keys ----

TEST(CursorPageTest, AscendingKeysSortAsTheirNumbersAndHaveAFixedWidth) {
  const std::vector<std::int64_t> ns = {std::numeric_limits<std::int64_t>::min(), -1'000'000'000'000, -2, -1, 0, 1,
                                        9, 10, 1'795'427'285'926, std::numeric_limits<std::int64_t>::max()};
  std::vector<std::string> ks;
  for (auto n : ns) ks.push_back(ascending_key(n));
  for (const auto& k : ks) EXPECT_EQ(k.size(), 20u) << k;
  EXPECT_TRUE(std::is_sorted(ks.begin(), ks.end()));
  EXPECT_EQ(std::adjacent_find(ks.begin(), ks.end()), ks.end());  // distinct
}

TEST(CursorPageTest, DescendingKeysSortInReverse) {
  const std::vector<std::int64_t> ns = {std::numeric_limits<std::int64_t>::max(), 1'795'427'285'926, 10, 9, 1, 0,
                                        -1, -2, std::numeric_limits<std::int64_t>::min()};
  std::vector<std::string> ks;
  for (auto n : ns) ks.push_back(descending_key(n));
  for (const auto& k : ks) EXPECT_EQ(k.size(), 20u) << k;
  EXPECT_TRUE(std::is_sorted(ks.begin(), ks.end()));
  EXPECT_EQ(std::adjacent_find(ks.begin(), ks.end()), ks.end());
}

TEST(CursorPageTest, DescendingTextKeysSortTextInReverseWithPrefixesLast) {
  // Descending text order: "é" (bytes above ASCII) > "z" > "b" > "ab" > "a" > "".
  const std::vector<std::string_view> texts = {"\xc3\xa9", "z", "b", "ab", "a", ""};
  std::vector<std::string> ks;
  for (auto t : texts) ks.push_back(descending_text_key(t));
  EXPECT_TRUE(std::is_sorted(ks.begin(), ks.end()));
  EXPECT_EQ(std::adjacent_find(ks.begin(), ks.end()), ks.end());
}

TEST(CursorPageTest, CompositeKeysOrderByTheirFirstPartThenTheNext) {
  // How list endpoints build keys: a fixed-width number, then a tie-breaker.
  std::vector<std::string> ks = {descending_key(100) + "a", descending_key(200) + "b", descending_key(200) + "a"};
  std::sort(ks.begin(), ks.end());
  EXPECT_EQ(ks[0], descending_key(200) + "a");
  EXPECT_EQ(ks[1], descending_key(200) + "b");
  EXPECT_EQ(ks[2], descending_key(100) + "a");
}

}  // namespace
}  // namespace synclog::domain
