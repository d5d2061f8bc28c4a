// RFC 4180 reading for master data files: quoting, doubled quotes, line breaks inside quotes,
// CRLF and LF, a byte order mark, and the errors that name their line.
#include "common/csv_reader.hpp"

#include <gtest/gtest.h>

namespace synclog {
namespace {

std::vector<std::vector<std::string>> fields(const Result<std::vector<CsvRecord>>& r) {
  std::vector<std::vector<std::string>> out;
  if (!r.ok()) return out;
  for (const auto& rec : *r) out.push_back(rec.fields);
  return out;
}

TEST(CsvReaderTest, ReadsQuotedFieldsWithCommasQuotesAndLineBreaks) {
  const auto r = read_csv("id,name,address\r\ns1,\"Depot, North\",\"12 \"\"Main\"\" St\nFloor 2\"\r\ns2,,x\n");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(fields(r), (std::vector<std::vector<std::string>>{
                           {"id", "name", "address"},
                           {"s1", "Depot, North", "12 \"Main\" St\nFloor 2"},
                           {"s2", "", "x"}}));
  EXPECT_EQ((*r)[2].line, 4u) << "a line break inside quotes counts as a line";
}

TEST(CsvReaderTest, ToleratesAMissingFinalLineBreakEmptyLinesAndAByteOrderMark) {
  const auto r = read_csv("\xEF\xBB\xBFid,n\n\na,1\n\nb,2");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(fields(r), (std::vector<std::vector<std::string>>{{"id", "n"}, {"a", "1"}, {"b", "2"}}));
}

TEST(CsvReaderTest, ErrorsNameTheirLine) {
  const auto unterminated = read_csv("id,n\na,\"open\nb,2\n");
  ASSERT_FALSE(unterminated.ok());
  EXPECT_EQ(unterminated.error().message, "line 2: a quoted field is never closed");
  const auto count = read_csv("id,n\na,1\nb,2,3\n");
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.error().message, "line 3: 3 fields where the header has 2");
  const auto after = read_csv("id,n\n\"a\"x,1\n");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().message, "line 2: text after a closing quote");
  EXPECT_FALSE(read_csv("id,n\na\"b,1\n").ok());
  EXPECT_FALSE(read_csv("id,n\ra,1\n").ok());
}

TEST(CsvReaderTest, EmptyTextHasNoRecords) {
  const auto r = read_csv("");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

}  // namespace
}  // namespace synclog
