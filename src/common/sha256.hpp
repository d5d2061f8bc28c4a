// SHA-256 as lower-case hex, for fingerprints (not for secrets: tokens use auth/).
#pragma once

#include <string>
#include <string_view>

namespace synclog {

std::string sha256_hex(std::string_view data);

}  // namespace synclog
