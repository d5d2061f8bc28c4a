// Base64url without padding (RFC 4648 section 5), as JWS uses it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace synclog {

std::string base64url_encode(std::string_view bytes);
// Rejects characters outside the alphabet, padding, and impossible lengths.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace synclog
