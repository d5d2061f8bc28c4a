// Appending JSON text by hand, for the hot paths that assemble responses from pieces that are
// already JSON (stored entry data) without building a DOM first.
#pragma once

#include <cstdint>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace synclog {

// Appends `s` as a JSON string literal, quotes included. Control characters, quotes and
// backslashes are escaped; bytes that are not well-formed UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view s);

void append_json_int(std::string& out, std::int64_t v);

// `items` as a JSON array of strings.
std::string json_string_array(const std::vector<std::string>& items);

// The members of a JSON object given as text, as (key, value text) pairs, without parsing the
// values: for objects synclog wrote itself, whose values must keep their exact text (a parser
// would write 1.5 back as 1.5E0). Keys are returned as they appear between their quotes
// (synclog's own keys hold no escapes). False, with `out` unspecified, when `text` is not a
// well-formed object.
bool split_json_object(std::string_view text, std::vector<std::pair<std::string_view, std::string_view>>& out);

// Builds one JSON object, keys in the order they are added (so output is deterministic and
// reads like the upstream examples). Keys are trusted literals and are not escaped.
class JsonObjectWriter {
 public:
  // Room for a typical record or ack up front: growing from empty took five reallocations per
  // object, one object per mutation on the writer thread.
  explicit JsonObjectWriter(std::size_t expected_size = 256) {
    out_.reserve(expected_size);
    out_.push_back('{');
  }
  JsonObjectWriter& str(std::string_view key, std::string_view value) {
    add_key(key);
    append_json_string(out_, value);
    return *this;
  }
  JsonObjectWriter& num(std::string_view key, std::int64_t value) {
    add_key(key);
    append_json_int(out_, value);
    return *this;
  }
  JsonObjectWriter& boolean(std::string_view key, bool value) {
    add_key(key);
    out_.append(value ? "true" : "false");
    return *this;
  }
  JsonObjectWriter& null(std::string_view key) {
    add_key(key);
    out_.append("null");
    return *this;
  }
  // `json` must already be valid JSON text.
  JsonObjectWriter& raw(std::string_view key, std::string_view json) {
    add_key(key);
    out_.append(json);
    return *this;
  }
  std::string finish() && {
    out_.push_back('}');
    return std::move(out_);
  }

 private:
  void add_key(std::string_view key) {
    if (out_.size() > 1) out_.push_back(',');
    out_.push_back('"');
    out_.append(key);
    out_.append("\":");
  }
  std::string out_;
};

}  // namespace synclog
