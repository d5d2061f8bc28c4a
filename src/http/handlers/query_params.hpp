// Reading query parameters: numbers as upstream types them (floats that clients send as
// integers), booleans, and the lastMutationAt parameter of writes. Failures are 422 in the
// generic envelope, naming the parameter; a missing required one is 400.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.hpp"
#include "domain/mutation.hpp"
#include "http/message.hpp"

namespace synclog::http::handlers {

// An integer; nothing for anything else ("12abc", "", "1e3", overflow).
std::optional<std::int64_t> parse_int(std::string_view s);
// A number that may be written as a decimal ("1731636500303", "100.0", "1731636500303.5").
// `whole_only` refuses fractions; otherwise they round down (exact for an exclusive bound).
std::optional<std::int64_t> parse_number(std::string_view s, bool whole_only);

// An optional integer parameter within [lo, hi].
Result<std::optional<std::int64_t>> int_param(const HttpRequest& req, std::string_view name,
                                              std::int64_t lo, std::int64_t hi);
// The same, required (400 when absent).
Result<std::int64_t> required_int_param(const HttpRequest& req, std::string_view name,
                                        std::int64_t lo, std::int64_t hi);
// "true"/"false"/"1"/"0"; absent or empty is nothing.
Result<std::optional<bool>> bool_param(const HttpRequest& req, std::string_view name);

// lastMutationAt as POST /v1/sync takes it: an integer, or -1; a fractional value can never
// equal a head and becomes one that never does. 400 when it is not a number.
Result<std::int64_t> parse_last_mutation_at(std::string_view text);

// conflictMode: absent or "strict" (the upstream rule) or "field" (docs/api.md); 422 otherwise.
Result<domain::ConflictMode> conflict_mode_param(const HttpRequest& req);

}  // namespace synclog::http::handlers
