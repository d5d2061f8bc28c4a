// Hand-written JSON must always be valid JSON.
#include "common/json_text.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace synclog {
namespace {

TEST(JsonTextTest, EscapesEverythingJsonRequires) {
  std::string out;
  const std::string nasty = std::string("quote\" backslash\\ newline\n tab\t nul") + '\0' + "\x01 end";
  append_json_string(out, nasty);
  const auto v = boost::json::parse(out);
  EXPECT_EQ(v.as_string(), nasty);
}

TEST(JsonTextTest, ObjectWriterProducesParseableObjectsInOrder) {
  JsonObjectWriter w;
  w.str("a", "x\"y").num("b", -42).boolean("c", true).null("d").raw("e", "[1,2]");
  const std::string text = std::move(w).finish();
  EXPECT_EQ(text, R"({"a":"x\"y","b":-42,"c":true,"d":null,"e":[1,2]})");
  EXPECT_NO_THROW(boost::json::parse(text));
}

TEST(JsonTextTest, InvalidUtf8BecomesReplacementCharactersAndStaysValidJson) {
  std::string out;
  append_json_string(out, "path/\xFF/\xC3");
  const auto v = boost::json::parse(out);  // throws on invalid UTF-8
  EXPECT_EQ(v.as_string(), "path/\xEF\xBF\xBD/\xEF\xBF\xBD");
}

TEST(JsonTextTest, EmptyObject) { EXPECT_EQ(JsonObjectWriter().finish(), "{}"); }

// Declared records keep each value's exact text: the splitter hands back members untouched.
TEST(JsonTextTest, SplittingAnObjectKeepsEachValuesExactText) {
  std::vector<std::pair<std::string_view, std::string_view>> m;
  ASSERT_TRUE(split_json_object(R"( {"a": 1.50 , "b":"x,\"}","c":[1,{"d":[2]}],"e":null} )", m));
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0], std::make_pair(std::string_view("a"), std::string_view("1.50")));
  EXPECT_EQ(m[1].second, R"("x,\"}")");
  EXPECT_EQ(m[2].second, R"([1,{"d":[2]}])");
  EXPECT_EQ(m[3].second, "null");
  ASSERT_TRUE(split_json_object("{}", m));
  EXPECT_TRUE(m.empty());
  for (const char* bad : {"", "[]", "{", R"({"a":1)", R"({"a" 1})", R"({"a":1,})", R"({"a":"x)", R"({"a":1} x)"}) {
    EXPECT_FALSE(split_json_object(bad, m)) << bad;
  }
}

}  // namespace
}  // namespace synclog
