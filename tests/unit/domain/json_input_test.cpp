// Request bodies read as JSON under synclog's input limits (domain/json_input.cpp): decimals are
// read as the nearest double, and the limits (depth, UTF-8, range, one value) still hold.
// Regression_DecimalsAreReadAsTheNearestDouble was found by fuzz/push_body_fuzzer.cpp: Boost.JSON
// 1.81 read about one in eight full-precision coordinates a unit in the last place off, so what a
// push's ack echoed read back as another number.
#include "domain/json_input.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <string>

namespace synclog::domain {
namespace {

TEST(JsonInputTest, Regression_DecimalsAreReadAsTheNearestDouble) {
  for (const char* text : {"-9.146229953197121", "-15.075161560223165", "1.3333333333333335E110",
                           "6.689921856898562e-217", "53.45075", "123456789012345678901"}) {
    const auto v = parse_json(text);
    ASSERT_TRUE(v.ok()) << text;
    double nearest = 0;
    std::from_chars(text, text + std::strlen(text), nearest);
    EXPECT_EQ(v->as_double(), nearest) << text;
    // So a value written back (an ack's echo) reads as itself.
    EXPECT_EQ(parse_json(boost::json::serialize(*v))->as_double(), nearest) << text;
  }
  const auto body =
      parse_json(R"({"mutations":[{"data":{"latitude":-9.146229953197121,"floor":3}}]})");
  ASSERT_TRUE(body.ok());
  const auto& data = body->at("mutations").at(0).at("data");
  EXPECT_EQ(data.at("latitude").as_double(), -9.146229953197121);
  EXPECT_EQ(data.at("floor").as_int64(), 3);
}

TEST(JsonInputTest, LimitsStillHold) {
  EXPECT_FALSE(parse_json(std::string(65, '[') + std::string(65, ']')).ok());
  EXPECT_TRUE(parse_json(std::string(64, '[') + std::string(64, ']')).ok());
  EXPECT_FALSE(parse_json("[1e400]").ok());
  EXPECT_FALSE(parse_json("\"\xff\"").ok());
  EXPECT_FALSE(parse_json("{} []").ok());
  EXPECT_FALSE(parse_json("").ok());
  EXPECT_FALSE(parse_json("[1,").ok());
}

}  // namespace
}  // namespace synclog::domain
