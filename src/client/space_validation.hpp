// The device's check of an edit before it is queued (docs/client.md, "Master data offline"):
// the same rules the server applies to a space's mutation (the schema's fields, required
// fields, the role's right to write the type, references that resolve), judged against what the
// device has, so the person hears of a mistake the moment they save, not hours later.
#pragma once

#include "synclog/client/types.hpp"

#include "common/status.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace synclog::client {

/// Whether the device has a live record of `type` with `id` in the space being written.
using ReferenceCheck = std::function<Result<bool>(std::string_view type, std::string_view id)>;

/// Checks `fields` (a JSON object: the fields an edit sets) as a `op` of `type` by a person with
/// `role`, against `schema_document` (the version the device speaks). `is_new`: the record
/// does not exist yet (required fields must be given or have defaults). Returns the fields in
/// their canonical form (times in UTC), or:
///   kInvalidRequest  a type the schema does not have, or a schema document that does not parse
///   kForbidden       the role may not write the type
///   kValidation      a field refused or missing, or a reference that does not resolve: the
///                    message names the field and says why
Result<std::string> check_space_edit(std::string_view schema_document, std::string_view type,
                                     std::string_view role, MutationType op, bool is_new,
                                     std::string_view fields, const ReferenceCheck& exists);

/// The names of the schema's master-data types and of its other types (a first pull fetches the
/// former first). Empty lists when the document does not parse.
struct TypeGroups {
  std::vector<std::string> master, captured;
};
TypeGroups type_groups(std::string_view schema_document);

/// Whether `document` is a valid schema document: kInvalidRequest naming the place that is not
/// ("types.site.fields.name.maxLength: ...") otherwise.
Status check_schema_document(std::string_view document);

/// The version a schema document declares; 0 when it does not parse.
std::int64_t schema_document_version(std::string_view schema_document);
/// The name a schema document declares; "" when it does not parse.
std::string schema_document_name(std::string_view schema_document);

}  // namespace synclog::client
