// JSON string escaping and integer formatting.
#include "common/json_text.hpp"

#include <charconv>

#include "common/utf8.hpp"

namespace synclog {

void append_json_string(std::string& out, std::string_view s) {
  // Text from the wire (paths, query values) may not be UTF-8; JSON output must be.
  if (!is_valid_utf8(s)) {
    append_json_string(out, sanitize_utf8(s));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
  out.append(s.data() + run_start, s.size() - run_start);
  out.push_back('"');
}

void append_json_int(std::string& out, std::int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out.append(buf, static_cast<std::size_t>(end - buf));
}

std::string json_string_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out.push_back(',');
    append_json_string(out, item);
  }
  out.push_back(']');
  return out;
}

namespace {

void skip_space(std::string_view t, std::size_t& i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
}

// Moves `i` past the string that starts at it (at its opening quote).
bool skip_string(std::string_view t, std::size_t& i) {
  if (i >= t.size() || t[i] != '"') return false;
  for (++i; i < t.size(); ++i) {
    if (t[i] == '\\') {
      ++i;
    } else if (t[i] == '"') {
      ++i;
      return true;
    }
  }
  return false;
}

// Moves `i` past the value that starts at it: a string, or anything up to the comma or
// brace that ends it at depth 0.
bool skip_value(std::string_view t, std::size_t& i) {
  if (i < t.size() && t[i] == '"') return skip_string(t, i);
  int depth = 0;
  const std::size_t start = i;
  while (i < t.size()) {
    const char c = t[i];
    if (c == '"') {
      if (!skip_string(t, i)) return false;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (depth == 0) break;
      --depth;
    }
    if (c == ',' && depth == 0) break;
    ++i;
  }
  return depth == 0 && i > start;
}

}  // namespace

bool split_json_object(std::string_view t, std::vector<std::pair<std::string_view, std::string_view>>& out) {
  out.clear();
  std::size_t i = 0;
  skip_space(t, i);
  if (i >= t.size() || t[i] != '{') return false;
  ++i;
  skip_space(t, i);
  if (i < t.size() && t[i] == '}') {
    ++i;
    skip_space(t, i);
    return i == t.size();
  }
  for (;;) {
    skip_space(t, i);
    const std::size_t key_start = i;
    if (!skip_string(t, i)) return false;
    const std::string_view key = t.substr(key_start + 1, i - key_start - 2);
    skip_space(t, i);
    if (i >= t.size() || t[i] != ':') return false;
    ++i;
    skip_space(t, i);
    const std::size_t value_start = i;
    if (!skip_value(t, i)) return false;
    std::size_t value_end = i;
    while (value_end > value_start && (t[value_end - 1] == ' ' || t[value_end - 1] == '\n' ||
                                       t[value_end - 1] == '\t' || t[value_end - 1] == '\r')) {
      --value_end;
    }
    out.emplace_back(key, t.substr(value_start, value_end - value_start));
    skip_space(t, i);
    if (i >= t.size()) return false;
    if (t[i] == '}') {
      ++i;
      skip_space(t, i);
      return i == t.size();
    }
    if (t[i] != ',') return false;
    ++i;
  }
}

}  // namespace synclog
