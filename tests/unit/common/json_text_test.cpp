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

}  // namespace
}  // namespace synclog
