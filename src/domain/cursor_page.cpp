// Page selection over sorted keys.
#include "domain/cursor_page.hpp"

#include <algorithm>
#include <cstdio>

#include "common/base64url.hpp"
#include "common/json_text.hpp"

namespace synclog::domain {
namespace {

Result<std::string> decode_cursor(std::string_view cursor, std::string_view name) {
  auto key = base64url_decode(cursor);
  if (!key || key->empty()) {
    return make_error(ErrorCode::kUnprocessable,
                      std::string(name) + " must be a cursor from a previous page's pagination");
  }
  return std::move(*key);
}

Status check_size(std::optional<std::int64_t> n, std::string_view name) {
  if (n && (*n < 1 || *n > kMaxPageSize)) {
    return make_error(ErrorCode::kUnprocessable,
                      std::string(name) + " must be 1-" + std::to_string(kMaxPageSize));
  }
  return Status();
}

}  // namespace

std::string encode_cursor(std::string_view key) { return base64url_encode(key); }

// Relay's connection rules: `after` and `before` narrow the list to the items strictly between
// them, then `first` keeps the first n of those and `last` the last n. With neither size, a
// request with only `before` pages backwards, any other forwards, kDefaultPageSize at a time.
Result<PageWindow> select_page(const std::vector<std::string>& keys, const PageParams& p) {
  SYNCLOG_RETURN_IF_ERROR(check_size(p.first, "first"));
  SYNCLOG_RETURN_IF_ERROR(check_size(p.last, "last"));
  std::size_t start = 0;
  std::size_t stop = keys.size();
  if (p.after) {
    SYNCLOG_ASSIGN_OR_RETURN(const std::string after, decode_cursor(*p.after, "after"));
    start = static_cast<std::size_t>(std::upper_bound(keys.begin(), keys.end(), after) - keys.begin());
  }
  if (p.before) {
    SYNCLOG_ASSIGN_OR_RETURN(const std::string before, decode_cursor(*p.before, "before"));
    stop = static_cast<std::size_t>(std::lower_bound(keys.begin(), keys.end(), before) - keys.begin());
  }
  stop = std::max(start, stop);
  auto first = p.first;
  auto last = p.last;
  if (!first && !last) (p.before && !p.after ? last : first) = kDefaultPageSize;
  PageWindow w;
  w.begin = start;
  w.end = stop;
  if (first) w.end = std::min(w.end, w.begin + static_cast<std::size_t>(*first));
  if (last && w.end - w.begin > static_cast<std::size_t>(*last)) w.begin = w.end - static_cast<std::size_t>(*last);
  w.has_previous = w.begin > 0;
  w.has_next = w.end < keys.size();
  return w;
}

std::string pagination_json(const std::vector<std::string>& keys, const PageWindow& w) {
  const bool empty = w.begin >= w.end;
  JsonObjectWriter out;
  out.str("startCursor", empty ? std::string() : encode_cursor(keys[w.begin]))
      .str("endCursor", empty ? std::string() : encode_cursor(keys[w.end - 1]))
      .boolean("hasNextPage", w.has_next)
      .boolean("hasPreviousPage", w.has_previous);
  return std::move(out).finish();
}

std::string ascending_key(std::int64_t n) {
  char buf[32];
  // Offset so negative numbers sort before positive ones as text.
  const auto u = static_cast<std::uint64_t>(n) ^ (std::uint64_t{1} << 63);
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(u));
  return buf;
}

std::string descending_key(std::int64_t n) { return ascending_key(~n); }  // ~n = -n - 1

std::string descending_text_key(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 1);
  for (char c : text) out.push_back(static_cast<char>(0xFF - static_cast<unsigned char>(c)));
  // A shorter text sorts after its extensions, as descending order wants.
  out.push_back(static_cast<char>(0xFF));
  return out;
}

}  // namespace synclog::domain
