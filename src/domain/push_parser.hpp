// Validation of a POST /v1/sync body into domain mutations. The whole batch is validated before
// anything is applied; the first failure is reported with the upstream's messages (contract
// section 1.2) as a kValidation error, e.g. "Missing resourceId at mutation[2]".
#pragma once

#include <boost/json/fwd.hpp>

#include <vector>

#include "common/status.hpp"
#include "domain/mutation.hpp"

namespace synclog::domain {

// `body` is the parsed request body. Unknown fields inside `data` are ignored (real clients
// send extras such as isDefault); known fields are validated strictly.
// In kField mode an item may carry `baseTimestamp` (an integer >= 0) and a NOTE UPDATE may omit
// its body; in kStrict mode both are as upstream (baseTimestamp is ignored like any unknown key).
Result<std::vector<Mutation>> parse_push_body(const boost::json::value& body,
                                              ConflictMode mode = ConflictMode::kStrict);

// The data part of one mutation, for callers that already know type and resource (the direct
// endpoints use it with their own FieldContext).
class FieldReader;
Result<MutationData> read_mutation_data(MutationType type, Resource resource, FieldReader& r,
                                        ConflictMode mode = ConflictMode::kStrict);

}  // namespace synclog::domain
