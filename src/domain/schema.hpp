// Schema documents: an app's declared record types (SPEC section 7, docs/api.md "Schemas").
//
//   {"name": "inspections", "version": 3, "minVersion": 2,
//    "types": {
//      "site": {"masterData": true,
//               "fields": {"name": {"type": "string", "required": true, "maxLength": 200}}},
//      "inspection": {"conflictPolicy": "field", "writers": ["owner", "lead", "member"],
//                     "fields": {"site": {"type": "reference", "to": "site", "required": true},
//                                "status": {"type": "enum", "values": ["draft", "done"],
//                                           "default": "draft"},
//                                "notes": {"type": "string", "renamedFrom": "remarks"}}}}}
//
// Field types: string, integer, number, boolean, datetime (ISO 8601 with any offset, or epoch
// milliseconds; kept in UTC), enum, stringList, reference (the id of a record of another type
// of the same schema). Master-data types are written by owners and leads only; other types by
// owners, leads and members unless `writers` says otherwise; viewers never write.
//
// A schema has versions. A space follows the latest registered version of its schema and
// accepts writes from devices built for any version in [minVersion, version]: their payloads
// are upgraded by the declared rules (a new optional field, a default, a rename). A version
// that older devices in its window could not write safely is refused (check_upgrade).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"

namespace synclog::domain {

enum class FieldKind : std::uint8_t {
  kString, kInteger, kNumber, kBoolean, kDatetime, kEnum, kStringList, kReference,
};
std::string_view field_kind_name(FieldKind k);  // "string", "integer", ..., "stringList"

// Roles in a space, weakest first (spaces.hpp).
enum class Role : std::uint8_t { kViewer, kMember, kLead, kOwner };
std::string_view role_name(Role r);  // "viewer", "member", "lead", "owner"
std::optional<Role> parse_role(std::string_view name);

// How clashes on a type's fields are settled when two devices changed the same field since
// their bases (docs/api.md, "Outcomes"): `field` makes a conflict of another person's change
// (the same person's other device: the later capture wins); `lastWriteWins` lets the later
// capture win whoever made it; `serverWins` keeps what the server has.
enum class ConflictPolicy : std::uint8_t { kField, kLastWriteWins, kServerWins };
std::string_view conflict_policy_name(ConflictPolicy p);

struct FieldSpec {
  std::string name;
  FieldKind kind = FieldKind::kString;
  bool required = false;
  // The value a CREATE gets when it does not send the field (JSON text; empty: none).
  std::string default_json;
  // string and stringList items: characters; stringList: items.
  std::size_t min_length = 0;
  std::size_t max_length = 0;
  std::size_t max_items = 0;
  // integer and number bounds (integers are whole numbers within these).
  std::optional<double> min;
  std::optional<double> max;
  std::vector<std::string> values;  // enum
  std::string to;                   // reference: the target type's name
  // The field's name in the previous registered version, when it was renamed since. Kept in
  // later documents it is history: a field that has its name in the previous version continues
  // that field.
  std::string renamed_from;
};

struct TypeSpec {
  std::string name;
  std::uint8_t kind = 0;  // assigned at registration (assign_kinds), stable across versions
  bool master_data = false;
  std::vector<Role> writers;  // who may create, update and delete its records
  ConflictPolicy policy = ConflictPolicy::kField;
  std::vector<FieldSpec> fields;
  // Every name a field of this type had in earlier registered versions, mapped to the field's
  // index here (filled by assign_kinds): stored records and log entries keep the names they were
  // written with.
  std::unordered_map<std::string, std::size_t> former_names;
  // Names of fields earlier versions had and this one dropped (filled by assign_kinds): no
  // later field may take them, or stored data would be read as that field.
  std::vector<std::string> retired_names;

  // The index of the field called `name` now, if any.
  std::optional<std::size_t> field_index(std::string_view name) const;
  // The index of the field called `field` now or in an earlier version (what a stored record,
  // a log entry or an older device's mutation may call it), if any.
  std::optional<std::size_t> field_known_as(std::string_view field) const;
  bool writable_by(Role r) const;
};

struct Schema {
  std::string name;
  std::int64_t version = 0;
  std::int64_t min_version = 0;
  std::vector<TypeSpec> types;
  // The smallest kind no version of this schema has used (kinds are never reused).
  std::uint32_t next_kind = 0;
  std::string document;  // the document as registered (canonical JSON)

  const TypeSpec* type(std::string_view name) const;
};

struct SchemaLimits {
  std::size_t max_bytes = 256 * 1024;  // the document
  std::size_t max_types = 32;          // the most a log's kind mask holds
  std::size_t max_fields = 64;         // per type
};

// Hard bounds of a field's values when the schema sets none (docs/api.md "Schemas").
inline constexpr std::size_t kDefaultMaxStringChars = 4096;
inline constexpr std::size_t kDefaultMaxListItems = 100;
inline constexpr std::size_t kMaxEnumValues = 256;
inline constexpr std::size_t kMaxNameLength = 64;

// Parses and checks a document. kUnprocessable with a message naming the offending place
// ("types.site.fields.name.maxLength: ...") for anything that is not a valid schema. Kinds are
// not assigned yet.
Result<Schema> parse_schema(std::string_view document, const SchemaLimits& limits);

// Gives each type of `next` its kind: the kind it had in `previous` (the latest registered
// version before it, if any), or a new one, never one an earlier version used; and carries each
// type's name history: the former names of its fields (from `previous` and `next`'s
// renamedFrom) and the retired names of fields dropped. kUnprocessable when `next` needs a kind
// beyond the kind mask's 32, a renamedFrom names no field of `previous`, or a field takes a
// name that belonged to another field in an earlier version (stored data would be read as the
// wrong field).
Status assign_kinds(Schema& next, const Schema* previous);

// Whether a device built for `older` can write through `newer`: every type and field it knows
// still exists (under its name or a declared rename) with the same field type, values it could
// send are still accepted (enum values kept, limits not tightened, the same reference target),
// and fields it does not know are optional or have a default. kUnprocessable listing each
// break otherwise.
Status check_upgrade(const Schema& older, const Schema& newer);

// The rules a space applies when `next` replaces `previous` (the latest registered version):
// versions only increase, minVersion never decreases and is at most the version, and if
// `previous`'s devices are still in the window (minVersion <= previous.version), `next` must
// be an upgrade they can write through (check_upgrade). kConflict-like refusals are
// kUnprocessable with the reason.
Status check_replacement(const Schema& previous, const Schema& next);

}  // namespace synclog::domain
