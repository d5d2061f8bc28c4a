// What the fuzz targets share: a property check that fails the run, the input as text, the
// worked example's files, and percent-encoding (to write a request target again).
// A failed check prints what was expected and aborts, which libFuzzer records as a crash and
// saves the input for (crash-<sha1>); an exception that escapes a target aborts the same way.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclog::fuzz {

[[noreturn]] inline void failed(const char* condition, const std::string& detail, const char* file,
                                int line) {
  std::fprintf(stderr, "%s:%d: property failed: %s\n  %s\n", file, line, condition, detail.c_str());
  std::abort();
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Reads a file of the source tree (the worked example's schemas); aborts if it is missing,
// since a target without its fixture would fuzz nothing.
inline std::string source_file(const std::string& relative) {
  std::ifstream in(std::string(SYNCLOG_SOURCE_DIR) + "/" + relative, std::ios::binary);
  if (!in) failed("source file readable", relative, __FILE__, __LINE__);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Percent-encodes all but unreserved characters (and '/', in a path).
inline std::string percent_encode(std::string_view s, bool path = false) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (path && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// A decoded query written again: "?k=v&..." (nothing for no parameters).
inline std::string percent_encode_query(
    const std::vector<std::pair<std::string, std::string>>& query) {
  std::string out;
  for (std::size_t i = 0; i < query.size(); ++i) {
    out += (i == 0 ? "?" : "&") + percent_encode(query[i].first) + "=" +
           percent_encode(query[i].second);
  }
  return out;
}

}  // namespace synclog::fuzz

// Checks a property of the code under test; `detail` (a std::string) says what was seen.
#define SYNCLOG_FUZZ_CHECK(condition, detail)                                            \
  do {                                                                                   \
    if (!(condition)) ::synclog::fuzz::failed(#condition, (detail), __FILE__, __LINE__); \
  } while (0)
