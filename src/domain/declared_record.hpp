// A record of a declared type (schema.hpp), as the engine and the wire see it. Values are kept
// per field of the type, in canonical JSON text (field_value.hpp); a field the record does not
// have is absent, not null.
//
// Stored form (docs/storage.md, "Space records"): {"values":{name:value,...},
// "stamps":{name:[ts,client,person,captured],...}, "clientCreatedAt":ms, "clientUpdatedAt":ms,
// "modifiedBy":client, "modifiedPerson":person}. Names are the ones current when it was
// written; decoding maps a field's former names (TypeSpec::former_names) to the field.
//
// Wire form (pulls and log entries): its fields by name, then clientCreatedAt and
// clientUpdatedAt as ISO 8601 UTC, then updatedBy, the person who last changed it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/model.hpp"
#include "domain/schema.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

struct DeclaredRecord {
  const TypeSpec* type = nullptr;  // its type in the log's schema (outlives the record)
  std::string id;
  std::vector<std::optional<std::string>> values;  // per field of `type`
  ClientStamps client;
  std::int64_t created_ts = 0;
  std::int64_t version = 0;
  std::string modified_by;      // the client id of the last writer
  std::string modified_person;  // the person of the last writer
  FieldStamps stamps;
};

storage::Record to_record(const DeclaredRecord& r);
// kInternal when the record does not decode as `type` (a corrupt database).
Result<DeclaredRecord> declared_record_from(const storage::Record& r, const TypeSpec& type);
std::string wire_data(const DeclaredRecord& r);
// A stored entry's wire data with the field names of `type` now: names the entry was written
// with that were renamed since are replaced (docs/api.md, "Schema versions").
std::string current_wire_data(std::string_view stored, const TypeSpec& type);

}  // namespace synclog::domain
