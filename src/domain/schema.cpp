// Parsing schema documents, giving their types stable kinds, and judging a new version against
// the one it replaces.
#include "domain/schema.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "domain/field_value.hpp"
#include "domain/json_input.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

// Names a record's wire form already uses, and the id every record has.
constexpr std::string_view kReservedFieldNames[] = {"id", "clientCreatedAt", "clientUpdatedAt", "updatedBy"};
// A log's kind mask has 32 bits (storage::EntryQuery).
constexpr std::uint32_t kKindLimit = 32;

Error invalid(const std::string& where, const std::string& what) {
  return make_error(ErrorCode::kUnprocessable, "Invalid schema: " + where + ": " + what);
}

// Type and field names: a letter, then letters, digits and underscores; they are JSON keys and
// query values, never escaped.
bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameLength) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::optional<FieldKind> parse_field_kind(std::string_view s) {
  for (FieldKind k : {FieldKind::kString, FieldKind::kInteger, FieldKind::kNumber, FieldKind::kBoolean,
                      FieldKind::kDatetime, FieldKind::kEnum, FieldKind::kStringList, FieldKind::kReference}) {
    if (field_kind_name(k) == s) return k;
  }
  return std::nullopt;
}

std::optional<ConflictPolicy> parse_policy(std::string_view s) {
  for (ConflictPolicy p : {ConflictPolicy::kField, ConflictPolicy::kLastWriteWins, ConflictPolicy::kServerWins}) {
    if (conflict_policy_name(p) == s) return p;
  }
  return std::nullopt;
}

// Reads one object's members, refusing any it does not know (a typo in a schema must not pass
// silently as a missing setting).
class Members {
 public:
  Members(const json::object& o, std::string where) : o_(o), where_(std::move(where)) {}
  // The place of member `key` ("types.site.fields.name", or "version" at the top).
  std::string place(std::string_view key) const {
    return where_.empty() ? std::string(key) : where_ + "." + std::string(key);
  }
  const std::string& where() const { return where_; }

  Result<const json::value*> get(std::string_view key) {
    seen_.insert(std::string(key));
    return o_.if_contains(key);
  }
  Result<std::optional<std::string>> string(std::string_view key) {
    SYNCLOG_ASSIGN_OR_RETURN(const json::value* v, get(key));
    if (!v) return std::optional<std::string>();
    if (!v->is_string()) return invalid(place(key), "must be a string");
    return std::optional<std::string>(std::string(v->get_string()));
  }
  Result<std::optional<bool>> boolean(std::string_view key) {
    SYNCLOG_ASSIGN_OR_RETURN(const json::value* v, get(key));
    if (!v) return std::optional<bool>();
    if (!v->is_bool()) return invalid(place(key), "must be true or false");
    return std::optional<bool>(v->get_bool());
  }
  Result<std::optional<double>> number(std::string_view key) {
    SYNCLOG_ASSIGN_OR_RETURN(const json::value* v, get(key));
    if (!v) return std::optional<double>();
    if (v->is_int64()) return std::optional<double>(static_cast<double>(v->get_int64()));
    if (v->is_uint64()) return std::optional<double>(static_cast<double>(v->get_uint64()));
    if (v->is_double()) return std::optional<double>(v->get_double());
    return invalid(place(key), "must be a number");
  }
  // A whole number from `lo` to `hi`.
  Result<std::optional<std::int64_t>> whole(std::string_view key, std::int64_t lo, std::int64_t hi) {
    SYNCLOG_ASSIGN_OR_RETURN(auto d, number(key));
    if (!d) return std::optional<std::int64_t>();
    if (std::floor(*d) != *d || *d < static_cast<double>(lo) || *d > static_cast<double>(hi)) {
      return invalid(place(key),
                     "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi));
    }
    return std::optional<std::int64_t>(static_cast<std::int64_t>(*d));
  }
  Status no_others() const {
    for (const auto& kv : o_) {
      if (!seen_.count(std::string(kv.key()))) {
        return invalid(where_.empty() ? "the document" : where_, "unknown member \"" + std::string(kv.key()) + "\"");
      }
    }
    return Status();
  }

 private:
  const json::object& o_;
  std::string where_;
  std::set<std::string> seen_;
};

Result<const json::object*> object_at(const json::value* v, const std::string& where) {
  if (!v || !v->is_object()) return invalid(where, "must be an object");
  return &v->get_object();
}

Result<FieldSpec> parse_field(std::string_view name, const json::value& v, const std::string& where) {
  if (!valid_name(name)) {
    return invalid(where, "field names are 1-64 letters, digits and underscores, starting with a letter");
  }
  for (auto reserved : kReservedFieldNames) {
    if (name == reserved) return invalid(where, "\"" + std::string(name) + "\" is reserved");
  }
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* o, object_at(&v, where));
  Members m(*o, where);
  FieldSpec f;
  f.name = std::string(name);
  SYNCLOG_ASSIGN_OR_RETURN(auto type, m.string("type"));
  if (!type) return invalid(where + ".type", "is required");
  const auto kind = parse_field_kind(*type);
  if (!kind) {
    return invalid(where + ".type",
                   "must be string, integer, number, boolean, datetime, enum, stringList or reference");
  }
  f.kind = *kind;
  SYNCLOG_ASSIGN_OR_RETURN(auto required, m.boolean("required"));
  f.required = required.value_or(false);
  const bool textual = f.kind == FieldKind::kString || f.kind == FieldKind::kStringList;
  const bool numeric = f.kind == FieldKind::kInteger || f.kind == FieldKind::kNumber;
  if (textual) {
    SYNCLOG_ASSIGN_OR_RETURN(auto min_length, m.whole("minLength", 0, kDefaultMaxStringChars));
    SYNCLOG_ASSIGN_OR_RETURN(auto max_length, m.whole("maxLength", 1, 1 << 20));
    f.min_length = static_cast<std::size_t>(min_length.value_or(0));
    f.max_length = static_cast<std::size_t>(max_length.value_or(kDefaultMaxStringChars));
    if (f.min_length > f.max_length) return invalid(where, "minLength is above maxLength");
  }
  if (f.kind == FieldKind::kStringList) {
    SYNCLOG_ASSIGN_OR_RETURN(auto max_items, m.whole("maxItems", 1, 10000));
    f.max_items = static_cast<std::size_t>(max_items.value_or(kDefaultMaxListItems));
  }
  if (numeric) {
    SYNCLOG_ASSIGN_OR_RETURN(f.min, m.number("min"));
    SYNCLOG_ASSIGN_OR_RETURN(f.max, m.number("max"));
    if (f.min && f.max && *f.min > *f.max) return invalid(where, "min is above max");
  }
  if (f.kind == FieldKind::kEnum) {
    SYNCLOG_ASSIGN_OR_RETURN(const json::value* values, m.get("values"));
    if (!values || !values->is_array() || values->get_array().empty() ||
        values->get_array().size() > kMaxEnumValues) {
      return invalid(where + ".values", "must be a list of 1-" + std::to_string(kMaxEnumValues) + " strings");
    }
    std::set<std::string> distinct;
    for (const auto& item : values->get_array()) {
      if (!item.is_string() || item.get_string().empty() || item.get_string().size() > 256) {
        return invalid(where + ".values", "each value must be a string of 1-256 bytes");
      }
      if (!distinct.insert(std::string(item.get_string())).second) {
        return invalid(where + ".values", "\"" + std::string(item.get_string()) + "\" is listed twice");
      }
      f.values.emplace_back(item.get_string());
    }
  }
  if (f.kind == FieldKind::kReference) {
    SYNCLOG_ASSIGN_OR_RETURN(auto to, m.string("to"));
    if (!to) return invalid(where + ".to", "a reference names the type it points to");
    f.to = *to;
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto renamed, m.string("renamedFrom"));
  if (renamed) {
    if (!valid_name(*renamed) || *renamed == f.name) {
      return invalid(where + ".renamedFrom", "must be the field's former name");
    }
    f.renamed_from = *renamed;
  }
  SYNCLOG_ASSIGN_OR_RETURN(const json::value* def, m.get("default"));
  if (def && !def->is_null()) {
    if (f.kind == FieldKind::kReference) return invalid(where + ".default", "a reference has no default");
    auto canonical = canonical_value(f, *def);
    if (!canonical.ok()) return invalid(where + ".default", canonical.error().message);
    f.default_json = std::move(*canonical);
  }
  SYNCLOG_RETURN_IF_ERROR(m.no_others());
  return f;
}

Result<TypeSpec> parse_type(std::string_view name, const json::value& v, const SchemaLimits& limits,
                            const std::string& where) {
  if (!valid_name(name)) {
    return invalid(where, "type names are 1-64 letters, digits and underscores, starting with a letter");
  }
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* o, object_at(&v, where));
  Members m(*o, where);
  TypeSpec t;
  t.name = std::string(name);
  SYNCLOG_ASSIGN_OR_RETURN(auto master, m.boolean("masterData"));
  t.master_data = master.value_or(false);
  SYNCLOG_ASSIGN_OR_RETURN(const json::value* writers, m.get("writers"));
  if (writers) {
    if (!writers->is_array()) return invalid(where + ".writers", "must be a list of roles");
    for (const auto& w : writers->get_array()) {
      const auto role = w.is_string() ? parse_role(std::string_view(w.get_string())) : std::nullopt;
      if (!role || *role == Role::kViewer) {
        return invalid(where + ".writers", "roles that may write are owner, lead and member");
      }
      if (std::find(t.writers.begin(), t.writers.end(), *role) == t.writers.end()) t.writers.push_back(*role);
    }
    if (std::find(t.writers.begin(), t.writers.end(), Role::kOwner) == t.writers.end()) {
      return invalid(where + ".writers", "owners write every type");
    }
  } else if (t.master_data) {
    t.writers = {Role::kOwner, Role::kLead};
  } else {
    t.writers = {Role::kOwner, Role::kLead, Role::kMember};
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto policy, m.string("conflictPolicy"));
  if (policy) {
    const auto p = parse_policy(*policy);
    if (!p) return invalid(where + ".conflictPolicy", "must be field, lastWriteWins or serverWins");
    t.policy = *p;
  }
  SYNCLOG_ASSIGN_OR_RETURN(const json::value* fields, m.get("fields"));
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* fo, object_at(fields, where + ".fields"));
  if (fo->empty() || fo->size() > limits.max_fields) {
    return invalid(where + ".fields", "a type has 1-" + std::to_string(limits.max_fields) + " fields");
  }
  std::set<std::string> former;
  for (const auto& kv : *fo) {
    SYNCLOG_ASSIGN_OR_RETURN(auto f, parse_field(kv.key(), kv.value(), where + ".fields." + std::string(kv.key())));
    if (!f.renamed_from.empty() && !former.insert(f.renamed_from).second) {
      return invalid(where + ".fields." + f.name + ".renamedFrom", "two fields cannot come from one");
    }
    t.fields.push_back(std::move(f));
  }
  for (const auto& f : t.fields) {
    if (!f.renamed_from.empty() && t.field_index(f.renamed_from)) {
      return invalid(where + ".fields." + f.name + ".renamedFrom",
                     "\"" + f.renamed_from + "\" is still a field of this type");
    }
  }
  SYNCLOG_RETURN_IF_ERROR(m.no_others());
  return t;
}

// What a device of the older version could send that the newer one refuses, for one field.
void field_breaks(const std::string& where, const FieldSpec& o, const FieldSpec& n, std::vector<std::string>& out) {
  if (o.kind != n.kind) {
    out.push_back(where + " changed from " + std::string(field_kind_name(o.kind)) + " to " +
                  std::string(field_kind_name(n.kind)));
    return;
  }
  if (n.required && !o.required && n.default_json.empty()) {
    out.push_back(where + " became required without a default");
  }
  if (n.min_length > o.min_length) out.push_back(where + ".minLength rose");
  if (n.max_length < o.max_length) out.push_back(where + ".maxLength fell");
  if (n.max_items < o.max_items) out.push_back(where + ".maxItems fell");
  if (n.min && (!o.min || *n.min > *o.min)) out.push_back(where + ".min rose");
  if (n.max && (!o.max || *n.max < *o.max)) out.push_back(where + ".max fell");
  for (const auto& v : o.values) {
    if (std::find(n.values.begin(), n.values.end(), v) == n.values.end()) {
      out.push_back(where + " no longer accepts \"" + v + "\"");
    }
  }
  if (o.to != n.to) out.push_back(where + " points to " + n.to + " instead of " + o.to);
}

}  // namespace

std::string_view field_kind_name(FieldKind k) {
  switch (k) {
    case FieldKind::kString: return "string";
    case FieldKind::kInteger: return "integer";
    case FieldKind::kNumber: return "number";
    case FieldKind::kBoolean: return "boolean";
    case FieldKind::kDatetime: return "datetime";
    case FieldKind::kEnum: return "enum";
    case FieldKind::kStringList: return "stringList";
    case FieldKind::kReference: return "reference";
  }
  return "";
}

std::string_view role_name(Role r) {
  switch (r) {
    case Role::kViewer: return "viewer";
    case Role::kMember: return "member";
    case Role::kLead: return "lead";
    case Role::kOwner: return "owner";
  }
  return "";
}

std::optional<Role> parse_role(std::string_view name) {
  for (Role r : {Role::kViewer, Role::kMember, Role::kLead, Role::kOwner}) {
    if (role_name(r) == name) return r;
  }
  return std::nullopt;
}

std::string_view conflict_policy_name(ConflictPolicy p) {
  switch (p) {
    case ConflictPolicy::kField: return "field";
    case ConflictPolicy::kLastWriteWins: return "lastWriteWins";
    case ConflictPolicy::kServerWins: return "serverWins";
  }
  return "";
}

std::optional<std::size_t> TypeSpec::field_index(std::string_view field) const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> TypeSpec::field_known_as(std::string_view field) const {
  if (auto i = field_index(field)) return i;
  // A former name is never given to another field (assign_kinds), so the two cannot disagree.
  const auto it = former_names.find(std::string(field));
  if (it == former_names.end()) return std::nullopt;
  return it->second;
}

bool TypeSpec::writable_by(Role r) const {
  return std::find(writers.begin(), writers.end(), r) != writers.end();
}

const TypeSpec* Schema::type(std::string_view n) const {
  for (const auto& t : types) {
    if (t.name == n) return &t;
  }
  return nullptr;
}

Result<Schema> parse_schema(std::string_view document, const SchemaLimits& limits) {
  if (document.size() > limits.max_bytes) {
    return make_error(ErrorCode::kUnprocessable, "Invalid schema: the document is larger than " +
                                                     std::to_string(limits.max_bytes) + " bytes");
  }
  auto parsed = parse_json(document);
  if (!parsed.ok()) {
    std::string why = parsed.error().message;
    if (why.rfind(kNotJsonMessage, 0) == 0) why = "the document is not valid JSON" + why.substr(kNotJsonMessage.size());
    return make_error(ErrorCode::kUnprocessable, "Invalid schema: " + why);
  }
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* root, object_at(&*parsed, "the document"));
  Members m(*root, "");
  Schema s;
  SYNCLOG_ASSIGN_OR_RETURN(auto name, m.string("name"));
  if (!name || !valid_name(*name)) {
    return invalid("name", "is required: 1-64 letters, digits and underscores, starting with a letter");
  }
  s.name = *name;
  SYNCLOG_ASSIGN_OR_RETURN(auto version, m.whole("version", 1, 1'000'000'000));
  if (!version) return invalid("version", "is required: a whole number from 1");
  s.version = *version;
  SYNCLOG_ASSIGN_OR_RETURN(auto min_version, m.whole("minVersion", 1, s.version));
  s.min_version = min_version.value_or(s.version);
  SYNCLOG_ASSIGN_OR_RETURN(const json::value* types, m.get("types"));
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* to, object_at(types, "types"));
  if (to->empty() || to->size() > limits.max_types) {
    return invalid("types", "a schema declares 1-" + std::to_string(limits.max_types) + " types");
  }
  for (const auto& kv : *to) {
    SYNCLOG_ASSIGN_OR_RETURN(auto t, parse_type(kv.key(), kv.value(), limits, "types." + std::string(kv.key())));
    s.types.push_back(std::move(t));
  }
  for (const auto& t : s.types) {
    for (const auto& f : t.fields) {
      if (f.kind == FieldKind::kReference && !s.type(f.to)) {
        return invalid("types." + t.name + ".fields." + f.name + ".to", "no type is called \"" + f.to + "\"");
      }
    }
  }
  SYNCLOG_RETURN_IF_ERROR(m.no_others());
  s.document = json::serialize(*parsed);
  return s;
}

Status assign_kinds(Schema& next, const Schema* previous) {
  std::uint32_t free = previous ? previous->next_kind : 0;
  for (auto& t : next.types) {
    const TypeSpec* before = previous ? previous->type(t.name) : nullptr;
    if (before) {
      t.kind = before->kind;
    } else {
      if (free >= kKindLimit) {
        return invalid("types." + t.name, "schema \"" + next.name + "\" has used all " +
                                              std::to_string(kKindLimit) + " type kinds over its versions");
      }
      t.kind = static_cast<std::uint8_t>(free++);
    }
    t.former_names.clear();
    t.retired_names.clear();
    // A type new to this version has no history; neither has a schema's first registered
    // version, whose renamedFrom (a server started on a later version of a document) are moot.
    if (!before) continue;
    // Every name the type's fields ever had, and the field of `before` it denotes (none: retired).
    constexpr std::size_t kRetired = static_cast<std::size_t>(-1);
    std::unordered_map<std::string, std::size_t> history;
    for (std::size_t j = 0; j < before->fields.size(); ++j) history[before->fields[j].name] = j;
    for (const auto& [old_name, j] : before->former_names) history[old_name] = j;
    for (const auto& old_name : before->retired_names) history[old_name] = kRetired;
    std::vector<bool> continued(before->fields.size(), false);
    for (std::size_t i = 0; i < t.fields.size(); ++i) {
      const FieldSpec& f = t.fields[i];
      const std::string where = "types." + t.name + ".fields." + f.name;
      // The field of `before` this one continues, if any: the one of its name (a renamedFrom it
      // still carries is history, as in a document copied forward), else the one it was renamed
      // from, which `before` must have.
      std::optional<std::size_t> source = before->field_index(f.name);
      if (!f.renamed_from.empty()) {
        const auto from = before->field_index(f.renamed_from);
        if (source && from) {
          return invalid(where + ".renamedFrom", "version " + std::to_string(previous->version) + " has both \"" +
                                                     f.name + "\" and \"" + f.renamed_from +
                                                     "\": a field cannot be renamed onto another");
        }
        if (!source && !from) {
          return invalid(where + ".renamedFrom", "version " + std::to_string(previous->version) +
                                                     " has no field \"" + f.renamed_from + "\"");
        }
        if (!source) source = from;
      }
      const auto had = history.find(f.name);
      if (had != history.end() && (!source || had->second != *source)) {
        return invalid(where, "this name belonged to another field in an earlier version");
      }
      if (!source) continue;
      continued[*source] = true;
      for (const auto& [old_name, j] : history) {
        if (j == *source && old_name != f.name) t.former_names[old_name] = i;
      }
    }
    for (const auto& [old_name, j] : history) {
      if (j == kRetired || !continued[j]) t.retired_names.push_back(old_name);
    }
    std::sort(t.retired_names.begin(), t.retired_names.end());
  }
  next.next_kind = free;
  return Status();
}

Status check_upgrade(const Schema& older, const Schema& newer) {
  std::vector<std::string> breaks;
  for (const auto& ot : older.types) {
    const TypeSpec* nt = newer.type(ot.name);
    if (!nt) {
      breaks.push_back("type " + ot.name + " was removed");
      continue;
    }
    std::vector<bool> known(nt->fields.size(), false);
    for (const auto& of : ot.fields) {
      // The field continuing it: the one of its name, else one renamed from it.
      std::optional<std::size_t> at = nt->field_index(of.name);
      for (std::size_t i = 0; i < nt->fields.size() && !at; ++i) {
        if (nt->fields[i].renamed_from == of.name && !ot.field_index(nt->fields[i].name)) at = i;
      }
      const std::string where = ot.name + "." + of.name;
      if (!at) {
        breaks.push_back(where + " was removed (a device on version " + std::to_string(older.version) +
                         " may still send it)");
        continue;
      }
      known[*at] = true;
      field_breaks(where, of, nt->fields[*at], breaks);
    }
    for (std::size_t i = 0; i < nt->fields.size(); ++i) {
      const auto& nf = nt->fields[i];
      if (!known[i] && nf.required && nf.default_json.empty()) {
        breaks.push_back(ot.name + "." + nf.name + " is new and required without a default");
      }
    }
  }
  if (breaks.empty()) return Status();
  std::string message = "Schema " + newer.name + " version " + std::to_string(newer.version) +
                        " would break devices on version " + std::to_string(older.version) +
                        " (raise minVersion above " + std::to_string(older.version) + " to allow it): ";
  for (std::size_t i = 0; i < breaks.size(); ++i) message += (i ? "; " : "") + breaks[i];
  return make_error(ErrorCode::kUnprocessable, std::move(message));
}

Status check_replacement(const Schema& previous, const Schema& next) {
  if (next.version <= previous.version) {
    return make_error(ErrorCode::kUnprocessable, "Schema " + next.name + " is already at version " +
                                                     std::to_string(previous.version) +
                                                     "; a new version must be higher");
  }
  if (next.min_version < previous.min_version) {
    return make_error(ErrorCode::kUnprocessable,
                      "Schema " + next.name + ": minVersion cannot go back from " +
                          std::to_string(previous.min_version) + " to " + std::to_string(next.min_version));
  }
  if (next.min_version <= previous.version) return check_upgrade(previous, next);
  return Status();
}

}  // namespace synclog::domain
