// Cursor pagination for the direct list endpoints (upstream's `first`/`after`/`last`/`before`
// and `pagination: {startCursor, endCursor, hasNextPage, hasPreviousPage}`). A list is sorted
// by a string key; a cursor is that key, base64url-encoded, so a page boundary survives the
// deletion of the item it was taken from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace synclog::domain {

inline constexpr std::int64_t kDefaultPageSize = 20;
inline constexpr std::int64_t kMaxPageSize = 100;

struct PageParams {
  std::optional<std::int64_t> first;
  std::optional<std::int64_t> last;
  std::optional<std::string> after;   // a cursor
  std::optional<std::string> before;  // a cursor
};

struct PageWindow {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool has_next = false;
  bool has_previous = false;
};

// The items strictly between `after` and `before` (either may be absent), then the first
// `first` and the last `last` of them (Relay's rules); with no size, `before` alone pages
// backwards and anything else forwards, kDefaultPageSize items. kUnprocessable for sizes
// outside 1..kMaxPageSize or bad cursors.
Result<PageWindow> select_page(const std::vector<std::string>& sorted_keys, const PageParams& p);

std::string encode_cursor(std::string_view key);

// {"startCursor":...,"endCursor":...,"hasNextPage":...,"hasPreviousPage":...}; empty cursors
// for an empty page.
std::string pagination_json(const std::vector<std::string>& sorted_keys, const PageWindow& w);

// Sort-key pieces: a number that sorts ascending or descending as text, and text that sorts
// descending as text.
std::string ascending_key(std::int64_t n);
std::string descending_key(std::int64_t n);
std::string descending_text_key(std::string_view text);

}  // namespace synclog::domain
