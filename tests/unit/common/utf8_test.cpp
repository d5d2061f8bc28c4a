// Character counting and validation for limits stated in characters.
#include "common/utf8.hpp"

#include <gtest/gtest.h>

namespace synclog {
namespace {

TEST(Utf8Test, CountsCodePointsNotBytes) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("بسم الله"), 8u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x93\x96"), 1u);  // an emoji: 4 bytes, 1 character
}

TEST(Utf8Test, RejectsMalformedSequences) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("سلام"));
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8Test, SanitizeReplacesOnlyMalformedBytes) {
  EXPECT_EQ(sanitize_utf8("plain سلام"), "plain سلام");
  EXPECT_EQ(sanitize_utf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(sanitize_utf8("\xC3"), "\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(sanitize_utf8("\xED\xA0\x80 \xC0\xAF")));
}

}  // namespace
}  // namespace synclog
