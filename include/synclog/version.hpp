// synclog's version, and the version of its sync protocol extensions.
#pragma once

#include <string_view>

namespace synclog {

inline constexpr std::string_view kVersion = "0.1.0";

// Changelog of synclog's own protocol extensions (the Quran Foundation API itself is fixed):
//   1  the upstream Sync API as specified in docs/api.md
inline constexpr int kProtocolVersion = 1;

}  // namespace synclog
