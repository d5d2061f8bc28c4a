// Resource identifiers: the ones the server mints, and the rules for ones clients choose.
#pragma once

#include <string>
#include <string_view>

namespace synclog {

inline constexpr std::size_t kMaxIdLength = 64;

// A new 24-character lowercase alphanumeric id (the shape of the upstream API's ids): a time
// component, so ids sort roughly by creation, then a per-process counter and random
// characters, so ids never collide across threads, processes or nodes. Thread-safe.
std::string new_resource_id();

// True for 1-64 characters of [A-Za-z0-9_-]: the ids synclog accepts from clients.
bool is_valid_id(std::string_view id);

}  // namespace synclog
