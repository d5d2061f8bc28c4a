// Parsing request bodies as JSON under synclog's input limits: nesting at most 64 deep,
// well-formed UTF-8 only, numbers that fit a double. Failures are kInvalidRequest with a
// message that says which rule was broken.
#pragma once

#include <boost/json/value.hpp>

#include <string_view>

#include "common/status.hpp"

namespace synclog::domain {

inline constexpr std::size_t kMaxJsonDepth = 64;
// The message of the error for text that is not JSON at all (callers may word it their way).
inline constexpr std::string_view kNotJsonMessage = "Request body is not valid JSON";

Result<boost::json::value> parse_json(std::string_view text);

}  // namespace synclog::domain
