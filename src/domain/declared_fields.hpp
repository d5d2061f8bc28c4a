// Reading a record's fields as a device sent them (a space's push, a direct record write),
// against the schema version the device was built for, and upgrading them to the space's
// current version: renamed fields take their new names (docs/api.md, "Schema versions"). The
// declared defaults are not filled in here: only a CREATE that makes a new record gets them,
// which the plan knows (declared_type.cpp) and the device does not.
#pragma once

#include <boost/json/fwd.hpp>

#include <string>
#include <variant>

#include "domain/mutation.hpp"
#include "domain/schema.hpp"

namespace synclog::domain {

// A field the device sent that its schema refuses: which one, and why (the message names it).
struct FieldProblem {
  std::string field;
  std::string message;
};

struct ReadFields {
  DeclaredFields fields;
  std::string echo;  // the known fields as read (canonical values, times in UTC), JSON text
};

// `data` as a `type` mutation of `device` (the device's version of the type), upgraded to
// `current` (the same type in the space's current version). `prefix` and `where` word the
// messages as the sync envelope does ("data.", " at mutation[3]"). Unknown fields are refused;
// clientCreatedAt and clientUpdatedAt are the client times; updatedBy and id, which pulls show,
// are ignored.
std::variant<ReadFields, FieldProblem> read_declared_fields(MutationType type, const TypeSpec& device,
                                                            const TypeSpec& current,
                                                            const boost::json::object& data,
                                                            std::string_view prefix, std::string_view where);

}  // namespace synclog::domain
