// JSON parsing with limits. Boost.JSON checks UTF-8 and depth as it parses, so a hostile body
// costs at most one pass over its bytes.
#include "domain/json_input.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

#include "common/utf8.hpp"

namespace synclog::domain {
namespace {

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
  boost::json::value v = boost::json::parse(text, ec, std::move(arena), opts);
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
