// Conversions between Unix epoch milliseconds and ISO 8601 text. Clients send their own
// times (clientCreatedAt/clientUpdatedAt) in any offset; synclog stores UTC milliseconds and
// answers with "YYYY-MM-DDTHH:MM:SS.mmmZ".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synclog {

// The range synclog accepts for client times: 0001-01-01T00:00:00.000Z ... 9999-12-31T23:59:59.999Z.
inline constexpr std::int64_t kMinEpochMs = -62135596800000;
inline constexpr std::int64_t kMaxEpochMs = 253402300799999;

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fraction]]" followed by "Z", "±HH:MM", "±HHMM"
// or "±HH" (a time without an offset is rejected: it would be ambiguous). 'T' may be 't' or a
// space. Fractions beyond milliseconds are truncated. Returns nothing for anything else,
// including impossible dates (2026-02-30) and out-of-range offsets.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// Formats as "YYYY-MM-DDTHH:MM:SS.mmmZ". `ms` must be within [kMinEpochMs, kMaxEpochMs].
std::string format_iso8601_ms(std::int64_t ms);

}  // namespace synclog
