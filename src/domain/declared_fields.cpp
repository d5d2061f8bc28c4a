// A device's record fields, checked in its own schema version and carried to the current one.
#include "domain/declared_fields.hpp"

#include <boost/json.hpp>

#include "common/json_text.hpp"
#include "common/time_format.hpp"
#include "domain/field_reader.hpp"
#include "domain/field_value.hpp"

namespace synclog::domain {
namespace json = boost::json;

std::variant<ReadFields, FieldProblem> read_declared_fields(MutationType type, const TypeSpec& device,
                                                            const TypeSpec& current, const json::object& data,
                                                            std::string_view prefix, std::string_view where) {
  const auto problem = [&](const std::string& field, const std::string& what) {
    return FieldProblem{field, "Invalid " + std::string(prefix) + field + std::string(where) + ": " + what};
  };
  ReadFields out;
  JsonObjectWriter echo;
  FieldContext ctx{ErrorCode::kValidation, std::string(prefix), std::string(where)};
  FieldReader reader(data, ctx);
  auto times = reader.client_times();
  if (!times.ok()) return FieldProblem{"", times.error().message};
  out.fields.times = *times;
  for (const auto& kv : data) {
    const std::string key(kv.key());
    if (key == "clientCreatedAt" || key == "clientUpdatedAt" || key == "updatedBy" || key == "id") continue;
    const auto at = device.field_index(key);
    if (!at) {
      return FieldProblem{key, "Invalid " + std::string(prefix) + key + std::string(where) + ": " + device.name +
                                   " has no field \"" + key + "\""};
    }
    const FieldSpec& f = device.fields[*at];
    std::string value = "null";
    if (!kv.value().is_null()) {
      auto canonical = canonical_value(f, kv.value());
      if (!canonical.ok()) return problem(key, canonical.error().message);
      value = std::move(*canonical);
    } else if (type == MutationType::kCreate) {
      continue;  // absent, as if not sent
    }
    // The field it was renamed to since, or the field of that name.
    const auto index = current.field_known_as(f.name);
    if (!index) {
      // A field the current version dropped (the device is outside the window that kept it).
      return problem(key, "the space's schema no longer has this field; update the app");
    }
    echo.raw(f.name, value);
    out.fields.values.emplace_back(*index, std::move(value));
  }
  if (times->created) echo.str("clientCreatedAt", format_iso8601_ms(*times->created));
  if (times->updated) echo.str("clientUpdatedAt", format_iso8601_ms(*times->updated));
  out.echo = std::move(echo).finish();
  return out;
}

}  // namespace synclog::domain
