// UTF-8 helpers for limits that are stated in characters, not bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace synclog {

// Number of code points in valid UTF-8 (counts lead bytes; continuation bytes are skipped).
std::size_t utf8_length(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text);

// `text` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD.
std::string sanitize_utf8(std::string_view text);

}  // namespace synclog
