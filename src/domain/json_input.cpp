// JSON parsing with limits. Boost.JSON checks UTF-8 and depth as it parses, so a hostile body
// costs at most one pass over its bytes.
#include "domain/json_input.hpp"

#include <boost/json.hpp>

#include "common/utf8.hpp"

namespace synclog::domain {

Result<boost::json::value> parse_json(std::string_view text) {
  boost::json::parse_options opts;
  opts.max_depth = kMaxJsonDepth;
  opts.allow_invalid_utf8 = false;
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (!ec) return v;
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
  return make_error(ErrorCode::kInvalidRequest,
                    "Request body is not valid JSON: " + ec.message());
}

}  // namespace synclog::domain
