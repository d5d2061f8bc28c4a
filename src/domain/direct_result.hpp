// What a direct endpoint's domain operation produces: the response body, and for a single
// resource its version and last writer (sent as ETag and X-Modified-By).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace synclog::domain {

struct DirectResult {
  std::string body;
  std::optional<std::int64_t> version;
  std::string modified_by;
};

}  // namespace synclog::domain
