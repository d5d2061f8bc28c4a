// What the two push fuzzers share (push_body, space_push_body): the input read as the handlers
// read a body, and parsed mutations written back as a device would push them again.
#pragma once

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "domain/json_input.hpp"
#include "domain/mutation.hpp"
#include "fuzz_check.hpp"

namespace synclog::fuzz {

// The body as domain::parse_json reads it; nothing when it is refused, which must be a 400.
inline std::optional<boost::json::value> push_body(const std::uint8_t* data, std::size_t size) {
  auto body = domain::parse_json(text(data, size));
  if (body.ok()) return std::move(*body);
  SYNCLOG_FUZZ_CHECK(body.error().code == ErrorCode::kInvalidRequest, body.error().message);
  return std::nullopt;
}

// A push body of `ms`: each one's resource (a space's type as it was named, else the resource),
// type, id and base, and as its data what its ack echoed.
inline std::string write_back(const std::vector<const domain::Mutation*>& ms) {
  boost::json::array items;
  for (const auto* m : ms) {
    boost::json::object item;
    item["resource"] =
        m->type_name.empty() ? std::string(domain::resource_name(m->resource)) : m->type_name;
    item["type"] = domain::mutation_type_name(m->type);
    if (!m->resource_id.empty()) item["resourceId"] = m->resource_id;
    if (!m->ack_data.empty()) item["data"] = *domain::parse_json(m->ack_data);
    if (m->base_ts) item["baseTimestamp"] = *m->base_ts;
    items.push_back(std::move(item));
  }
  boost::json::object body;
  body["mutations"] = std::move(items);
  return boost::json::serialize(body);
}

}  // namespace synclog::fuzz
