// The import's pure half (apps/synclog/import_rows.cpp): CSV cells turned into values by the
// type's field kinds, and rows into a push body. The two regressions were found by
// fuzz/csv_import_fuzzer.cpp: a file that was not UTF-8 went out as batches the server refused
// whole (400, every batch), and an integer cell beyond int64 was cast to one (undefined).
#include "import_rows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <string>

namespace synclog::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace json = boost::json;

const FieldKinds kKinds = {{"name", "string"},
                           {"floor", "integer"},
                           {"latitude", "number"},
                           {"active", "boolean"},
                           {"items", "stringList"}};

TEST(ImportRowsTest, CellsBecomeValuesOfTheirFieldsKinds) {
  const auto rows = rows_from_csv(
      "id,name,floor,latitude,active,items\r\n"
      "s-1,\"Depot, north\",3,53.45,true,a|b|\r\n"
      "s-2,,2.0,,,\r\n",
      kKinds);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  const auto& first = (*rows)[0];
  EXPECT_EQ(first.id, "s-1");
  EXPECT_EQ(first.line, 2u);
  EXPECT_EQ(first.data.at("name").as_string(), "Depot, north");
  EXPECT_EQ(first.data.at("floor").as_int64(), 3);
  EXPECT_EQ(first.data.at("latitude").as_double(), 53.45);
  EXPECT_EQ(first.data.at("active").as_bool(), true);
  EXPECT_EQ(json::serialize(first.data.at("items")), R"(["a","b",""])");
  // An empty cell is a field the record does not have; a whole decimal is an integer.
  EXPECT_EQ((*rows)[1].data.size(), 1u);
  EXPECT_EQ((*rows)[1].data.at("floor").as_int64(), 2);
}

TEST(ImportRowsTest, BatchBodyIsCreatesWithTheirIds) {
  const auto rows = rows_from_csv("id,name\ns-1,A\n,B\n", kKinds);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(
      batch_body(*rows, 0, 2, "site"),
      R"({"mutations":[{"resource":"site","type":"CREATE","resourceId":"s-1","data":{"name":"A"}},)"
      R"({"resource":"site","type":"CREATE","data":{"name":"B"}}]})");
}

TEST(ImportRowsTest, Regression_TextThatIsNotUtf8IsRefusedByLine) {
  // "Café" as a spreadsheet saves it in Windows-1252.
  const auto rows = rows_from_csv("id,name\ns-1,Caf\xe9\n", kKinds);
  ASSERT_FALSE(rows.ok());
  EXPECT_THAT(rows.error().message, StartsWith("line 2: not UTF-8"));
}

TEST(ImportRowsTest, Regression_NumbersBeyondAnIntegerAreNotCastToOne) {
  const auto huge = rows_from_csv("floor\n6.66667e82\n", kKinds);
  ASSERT_TRUE(huge.ok()) << huge.error().message;
  EXPECT_EQ((*huge)[0].data.at("floor").as_double(), 6.66667e82);  // the schema's bounds judge it
  for (const char* cell : {"inf", "-infinity", "nan"}) {
    const auto r = rows_from_csv(std::string("floor\n") + cell + "\n", kKinds);
    ASSERT_FALSE(r.ok()) << cell;
    EXPECT_THAT(r.error().message, HasSubstr("is not a number"));
  }
}

}  // namespace
}  // namespace synclog::cli
