// Declared records in storage and on the wire.
#include "domain/declared_record.hpp"

#include <boost/json.hpp>

#include "common/json_text.hpp"
#include "common/time_format.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

Error corrupt(const storage::Record& r, std::string_view what) {
  return make_error(ErrorCode::kInternal, "corrupt record " + r.id + " (kind " + std::to_string(r.kind) +
                                              "): " + std::string(what));
}

}  // namespace

storage::Record to_record(const DeclaredRecord& r) {
  storage::Record out;
  out.kind = r.type->kind;
  out.id = r.id;
  out.version = r.version;
  out.created_ts = r.created_ts;
  std::string values = "{";
  std::string stamps = "{";
  for (std::size_t i = 0; i < r.type->fields.size(); ++i) {
    const std::string& name = r.type->fields[i].name;
    if (r.values[i]) {
      if (values.size() > 1) values.push_back(',');
      append_json_string(values, name);
      values.push_back(':');
      values.append(*r.values[i]);
    }
    if (i < r.stamps.at.size() && r.stamps.at[i].ts != 0) {
      const FieldStamp& s = r.stamps.at[i];
      if (stamps.size() > 1) stamps.push_back(',');
      append_json_string(stamps, name);
      stamps.append(":[");
      append_json_int(stamps, s.ts);
      stamps.push_back(',');
      append_json_string(stamps, s.by);
      stamps.push_back(',');
      append_json_string(stamps, s.person);
      stamps.push_back(',');
      append_json_int(stamps, s.captured);
      stamps.push_back(']');
    }
  }
  values.push_back('}');
  stamps.push_back('}');
  JsonObjectWriter w(values.size() + stamps.size() + 128);
  w.raw("values", values).raw("stamps", stamps).num("clientCreatedAt", r.client.created_ms)
      .num("clientUpdatedAt", r.client.updated_ms).str("modifiedBy", r.modified_by)
      .str("modifiedPerson", r.modified_person);
  out.data = std::move(w).finish();
  return out;
}

Result<DeclaredRecord> declared_record_from(const storage::Record& r, const TypeSpec& type) {
  // Values keep their exact text (a parser would rewrite numbers), so the record is split, not
  // parsed; the small members are parsed one by one.
  std::vector<std::pair<std::string_view, std::string_view>> members;
  if (!split_json_object(r.data, members)) return corrupt(r, "data is not an object");
  DeclaredRecord d;
  d.type = &type;
  d.id = r.id;
  d.version = r.version;
  d.created_ts = r.created_ts;
  d.values.assign(type.fields.size(), std::nullopt);
  // A field without a stamp was last changed by whoever wrote the record before stamps: nobody's
  // own change, as the Quran types' records (field_stamps.hpp).
  d.stamps.at.assign(type.fields.size(), FieldStamp{r.version, {}, {}, 0});
  int seen = 0;
  for (const auto& [key, text] : members) {
    if (key == "values") {
      std::vector<std::pair<std::string_view, std::string_view>> values;
      if (!split_json_object(text, values)) return corrupt(r, "bad values");
      // A field no longer in the schema (outside every device's window now) is not shown.
      for (const auto& [name, value] : values) {
        if (const auto i = type.field_known_as(name)) d.values[*i] = std::string(value);
      }
      ++seen;
      continue;
    }
    json::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec) return corrupt(r, "bad member");
    if (key == "stamps" && v.is_object()) {
      for (const auto& kv : v.get_object()) {
        const auto i = type.field_known_as(kv.key());
        if (!i) continue;
        const auto* a = kv.value().if_array();
        if (!a || a->size() != 4 || !(*a)[0].is_int64() || !(*a)[1].is_string() || !(*a)[2].is_string() ||
            !(*a)[3].is_int64()) {
          return corrupt(r, "bad field stamp");
        }
        d.stamps.at[*i] = FieldStamp{(*a)[0].get_int64(), std::string((*a)[1].get_string()),
                                     std::string((*a)[2].get_string()), (*a)[3].get_int64()};
      }
      ++seen;
    } else if (key == "clientCreatedAt" && v.is_int64()) {
      d.client.created_ms = v.get_int64();
      ++seen;
    } else if (key == "clientUpdatedAt" && v.is_int64()) {
      d.client.updated_ms = v.get_int64();
      ++seen;
    } else if (key == "modifiedBy" && v.is_string()) {
      d.modified_by = std::string(v.get_string());
      ++seen;
    } else if (key == "modifiedPerson" && v.is_string()) {
      d.modified_person = std::string(v.get_string());
      ++seen;
    }
  }
  if (seen != 6) return corrupt(r, "missing or mistyped field");
  for (const auto& value : d.values) d.stamps.loaded.push_back(value.value_or(std::string()));
  return d;
}

std::string wire_data(const DeclaredRecord& r) {
  JsonObjectWriter w(256);
  for (std::size_t i = 0; i < r.type->fields.size(); ++i) {
    if (r.values[i]) w.raw(r.type->fields[i].name, *r.values[i]);
  }
  w.str("clientCreatedAt", format_iso8601_ms(r.client.created_ms))
      .str("clientUpdatedAt", format_iso8601_ms(r.client.updated_ms))
      .str("updatedBy", r.modified_person);
  return std::move(w).finish();
}

std::string current_wire_data(std::string_view stored, const TypeSpec& type) {
  if (type.former_names.empty()) return std::string(stored);
  std::vector<std::pair<std::string_view, std::string_view>> members;
  if (!split_json_object(stored, members)) return std::string(stored);
  bool renamed = false;
  std::string out = "{";
  for (const auto& [key, value] : members) {
    std::string_view name = key;
    if (const auto i = type.field_known_as(key); i && type.fields[*i].name != key) {
      name = type.fields[*i].name;
      renamed = true;
    }
    if (out.size() > 1) out.push_back(',');
    out.push_back('"');
    out.append(name);
    out.append("\":");
    out.append(value);
  }
  out.push_back('}');
  return renamed ? out : std::string(stored);
}

}  // namespace synclog::domain
