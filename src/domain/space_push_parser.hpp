// Validation of a space's push body (POST /v1/spaces/{id}/sync) into mutations of its declared
// types: the /v1/sync envelope ({"mutations":[{resource, type, resourceId, data,
// baseTimestamp}]}, at most 100), where `resource` names a type of the space's schema. The
// envelope's own mistakes are 422 for the whole batch, as on /v1/sync. A mutation's data is
// read in the schema version the device was built for and upgraded to the current one
// (declared_fields.hpp); what its version refuses is a 422 for the batch in strict mode, and
// the mutation's `rejected` outcome in conflictMode=field, so one bad record never holds back
// the rest.
#pragma once

#include <boost/json/fwd.hpp>

#include <vector>

#include "common/status.hpp"
#include "domain/declared_type.hpp"
#include "domain/mutation.hpp"

namespace synclog::domain {

// `device` is the version the device sent (X-Schema-Version) and `current` the space's.
Result<std::vector<Mutation>> parse_space_push_body(const boost::json::value& body, ConflictMode mode,
                                                    const Schema& device, const CompiledSchema& current);

}  // namespace synclog::domain
