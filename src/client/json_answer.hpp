// Reading the server's JSON answers, for the wire parsers of the per-user sync (sync_wire.cpp)
// and of shared spaces (space_wire.cpp): an answer that is not the documented shape is
// kInternal, "unexpected answer from the server: ...", never a crash or a silent skip.
#pragma once

#include "common/status.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace synclog::client {

Error bad_answer(std::string what);

// An integer as the server writes it (a double is tolerated: the upstream contract allows
// decimal cursors); nullopt for anything else or a missing value.
std::optional<std::int64_t> as_int(const boost::json::value* v);

Result<boost::json::object> parse_object(std::string_view body);

// The answer envelope's `data` object.
Result<const boost::json::object*> data_of(const boost::json::object& root);

// A string member, or "" when absent or not a string.
std::string string_field(const boost::json::object& o, std::string_view key);

// The envelope of a pull page or a push answer ({"data":{"lastMutationAt", "mutations":[...],
// "total", "hasMore"}}), the same for /v1/sync, a space's sync and the spaces feed. `entries`
// points into `root`.
struct PageHead {
  const boost::json::array* entries = nullptr;
  std::int64_t last_mutation_at = 0;
  std::int64_t total = 0;  // 0 when absent (a push answer)
  bool has_more = false;
};
Result<PageHead> page_head(const boost::json::object& root);

}  // namespace synclog::client
