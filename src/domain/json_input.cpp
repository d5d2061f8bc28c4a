// JSON parsing with limits. Boost.JSON checks UTF-8 and depth as it parses, so a hostile body
// costs at most one pass over its bytes.
#include "domain/json_input.hpp"

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "common/utf8.hpp"

namespace synclog::domain {
namespace {

namespace json = boost::json;

// Builds the value as boost::json::parser does, except for decimals. Boost.JSON 1.81 reads some
// of them one unit in the last place away from the nearest double (about one in eight coordinates
// written with full precision, e.g. -9.146229953197121): a device's value would be stored, and
// echoed, as another. Each decimal is read again from its text with std::from_chars, which
// rounds correctly. (From Boost 1.83, parse_options::numbers = precise does the same.)
class PreciseHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  PreciseHandler(json::storage_ptr sp, unsigned char* temp, std::size_t temp_size)
      : stack_(json::storage_ptr(), temp, temp_size) {
    stack_.reset(std::move(sp));
  }
  // The value parsed, once the parser is done.
  json::value release() { return stack_.release(); }

  // Every event but a decimal is handled as boost::json::parser's own handler does.
  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    double exact = 0;
    const auto [end, ec] = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
    // Beyond a double's range (1e400) Boost's infinity stays, for parse_json to refuse.
    stack_.push_double(ec == std::errc() && end == number_.data() + number_.size() ? exact : d);
    number_.clear();
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  json::value_stack stack_;
  std::string number_;  // a number's text, when it arrives in parts
};

json::value parse_precisely(std::string_view text, json::error_code& ec, json::storage_ptr sp,
                            const json::parse_options& opts) {
  unsigned char temp[BOOST_JSON_STACK_BUFFER_SIZE];
  json::basic_parser<PreciseHandler> p(opts, std::move(sp), temp, sizeof temp);
  const std::size_t n = p.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) return nullptr;
  return p.handler().release();
}

// Boost.JSON 1.81 turns a number beyond a double's range (1e400) into infinity instead of
// failing with exponent_overflow, so the limit is enforced after parsing. The depth is
// already bounded by kMaxJsonDepth.
bool all_numbers_finite(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::double_: return std::isfinite(v.get_double());
    case boost::json::kind::array:
      for (const auto& e : v.get_array()) {
        if (!all_numbers_finite(e)) return false;
      }
      return true;
    case boost::json::kind::object:
      for (const auto& kv : v.get_object()) {
        if (!all_numbers_finite(kv.value())) return false;
      }
      return true;
    default: return true;
  }
}

}  // namespace

Result<boost::json::value> parse_json(std::string_view text) {
  boost::json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  opts.allow_invalid_utf8 = false;
  boost::json::error_code ec;
  // The value lives in an arena it owns: a push is hundreds of small strings and objects, and
  // allocating and freeing them one by one showed in the profile (docs/benchmarks.md). The
  // arena goes with the last copy of the value.
  boost::json::storage_ptr arena = boost::json::make_shared_resource<boost::json::monotonic_resource>(
      std::max<std::size_t>(1024, text.size() * 2));
  boost::json::value v = parse_precisely(text, ec, std::move(arena), opts);
  if (!ec && all_numbers_finite(v)) return v;
  if (!ec) return make_error(ErrorCode::kInvalidRequest, "Request body has a number out of range");
  namespace je = boost::json;
  if (ec == je::error::too_deep) {
    return make_error(ErrorCode::kInvalidRequest,
                      "Request body is nested deeper than " + std::to_string(kMaxJsonDepth) +
                          " levels");
  }
  // Boost.JSON reports malformed UTF-8 as a syntax error; tell the two apart for the client.
  if (!is_valid_utf8(text)) {
    return make_error(ErrorCode::kInvalidRequest, "Request body is not valid UTF-8");
  }
  if (ec == je::error::exponent_overflow) {
    return make_error(ErrorCode::kInvalidRequest, "Request body has a number out of range");
  }
  return make_error(ErrorCode::kInvalidRequest, std::string(kNotJsonMessage) + ": " + ec.message());
}

}  // namespace synclog::domain
