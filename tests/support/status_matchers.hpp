// ASSERT_OK(expr) and EXPECT_OK(expr) for a synclog::Status or Result (common/status.hpp), as leveldb's testutil.h
// has it: fails the test with the expression and the error's message.
#pragma once

#include <gtest/gtest.h>

#define ASSERT_OK(expr)                                                          \
  do {                                                                           \
    auto synclog_s_ = (expr);                                                    \
    ASSERT_TRUE(synclog_s_.ok()) << #expr << ": " << synclog_s_.error().message; \
  } while (false)
#define EXPECT_OK(expr)                                                          \
  do {                                                                           \
    auto synclog_s_ = (expr);                                                    \
    EXPECT_TRUE(synclog_s_.ok()) << #expr << ": " << synclog_s_.error().message; \
  } while (false)
