// The envelope of a push body, shared by POST /v1/sync's parser (push_parser.cpp) and a space's
// (space_push_parser.cpp): {"mutations":[items...]}, each item's "type" and, in
// conflictMode=field, its "baseTimestamp", with the upstream's messages. Private to the domain.
#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.hpp"
#include "domain/resource.hpp"

namespace synclog::domain::detail {

Error validation(std::string message);
// " at mutation[i]"
std::string at(std::size_t i);
// A value as the upstream's messages quote it: `"<text>"` for a string, else its JSON in quotes.
std::string quoted(const boost::json::value& v);

// The body's items: 422 "Invalid mutations" unless it is {"mutations":[...]}, 422 "Mutations
// must not exceed 100" beyond the batch limit.
Result<const boost::json::array*> push_items(const boost::json::value& body);
// An item's type: "Missing mutation type at mutation[i]", "Invalid mutation type: ...".
Result<MutationType> item_type(const boost::json::object& item, std::size_t i);
// conflictMode=field: the item's baseTimestamp, if it has one ("Invalid baseTimestamp ...").
Result<std::optional<std::int64_t>> item_base(const boost::json::object& item, std::size_t i);

}  // namespace synclog::domain::detail
