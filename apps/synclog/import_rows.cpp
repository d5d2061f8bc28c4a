// Reading an import file into rows, and rows into push bodies (import_rows.hpp).
#include "import_rows.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>

#include "common/csv_reader.hpp"
#include "common/utf8.hpp"

namespace synclog::cli {
namespace json = boost::json;
namespace {

constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53

// A CSV cell as the field's JSON value.
Result<json::value> cell_value(const std::string& kind, const std::string& cell) {
  if (kind == "integer" || kind == "number") {
    double d = 0;
    const auto r = std::from_chars(cell.data(), cell.data() + cell.size(), d);
    // from_chars reads "inf" and "nan" too, which JSON cannot carry.
    if (r.ec != std::errc() || r.ptr != cell.data() + cell.size() || !std::isfinite(d)) {
      return make_error(ErrorCode::kInvalidRequest, "\"" + cell + "\" is not a number");
    }
    // A whole number stays an integer while a double holds it exactly (and the cast is defined);
    // beyond, it goes as written, for the schema's bounds to judge.
    if (kind == "integer" && std::fabs(d) <= kMaxExactInteger && std::trunc(d) == d) {
      return json::value(static_cast<std::int64_t>(d));
    }
    return json::value(d);
  }
  if (kind == "boolean") {
    if (cell == "true") return json::value(true);
    if (cell == "false") return json::value(false);
    return make_error(ErrorCode::kInvalidRequest, "\"" + cell + "\" is not true or false");
  }
  if (kind == "stringList") {
    json::array items;
    std::size_t start = 0;
    for (;;) {
      const auto bar = cell.find('|', start);
      items.emplace_back(cell.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    return json::value(std::move(items));
  }
  return json::value(cell);
}

}  // namespace

Result<FieldKinds> field_kinds(const json::value& document, const std::string& type) {
  const auto* types = document.is_object() ? document.get_object().if_contains("types") : nullptr;
  const auto* t = types && types->is_object() ? types->get_object().if_contains(type) : nullptr;
  const auto* fields = t && t->is_object() ? t->get_object().if_contains("fields") : nullptr;
  if (!fields || !fields->is_object()) return make_error(ErrorCode::kNotFound, "the space's schema has no type " + type);
  FieldKinds out;
  for (const auto& kv : fields->get_object()) {
    const auto* kind = kv.value().is_object() ? kv.value().get_object().if_contains("type") : nullptr;
    if (kind && kind->is_string()) out[std::string(kv.key())] = std::string(kind->get_string());
  }
  return out;
}

Result<std::vector<ImportRow>> rows_from_csv(const std::string& text, const FieldKinds& kinds) {
  SYNCLOG_ASSIGN_OR_RETURN(auto records, read_csv(text));
  if (records.empty()) return std::vector<ImportRow>();
  // Records travel as JSON, which is UTF-8, and the server refuses a whole batch that is not:
  // a file saved in another encoding (a spreadsheet's Windows-1252) is refused here, by line.
  for (const auto& record : records) {
    for (const auto& field : record.fields) {
      if (!is_valid_utf8(field)) {
        return make_error(ErrorCode::kInvalidRequest,
                          "line " + std::to_string(record.line) + ": not UTF-8 text (save the file as UTF-8)");
      }
    }
  }
  const auto& header = records.front().fields;
  for (const auto& name : header) {
    if (name != "id" && !kinds.count(name)) {
      return make_error(ErrorCode::kInvalidRequest, "column \"" + name + "\" is not a field of the type");
    }
  }
  std::vector<ImportRow> rows;
  for (std::size_t r = 1; r < records.size(); ++r) {
    ImportRow row;
    row.line = records[r].line;
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string& cell = records[r].fields[c];
      if (cell.empty()) continue;
      if (header[c] == "id") {
        row.id = cell;
        continue;
      }
      auto v = cell_value(kinds.at(header[c]), cell);
      if (!v.ok()) {
        return make_error(ErrorCode::kInvalidRequest,
                          "line " + std::to_string(row.line) + ", column " + header[c] + ": " + v.error().message);
      }
      row.data[header[c]] = std::move(*v);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<ImportRow>> rows_from_json(const std::string& text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return make_error(ErrorCode::kInvalidRequest, "the file is not a JSON array of records");
  std::vector<ImportRow> rows;
  std::size_t index = 0;
  for (auto& item : v.get_array()) {
    ++index;
    if (!item.is_object()) {
      return make_error(ErrorCode::kInvalidRequest, "item " + std::to_string(index) + " is not an object");
    }
    ImportRow row;
    row.line = index;
    row.data = std::move(item.get_object());
    if (const auto* id = row.data.if_contains("id")) {
      if (!id->is_string()) return make_error(ErrorCode::kInvalidRequest, "item " + std::to_string(index) + ": id must be a string");
      row.id = std::string(id->get_string());
      row.data.erase("id");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string batch_body(const std::vector<ImportRow>& rows, std::size_t start, std::size_t end,
                       const std::string& type) {
  json::array mutations;
  for (std::size_t i = start; i < end; ++i) {
    json::object m;
    m["resource"] = type;
    m["type"] = "CREATE";
    if (!rows[i].id.empty()) m["resourceId"] = rows[i].id;
    m["data"] = rows[i].data;
    mutations.push_back(std::move(m));
  }
  json::object body;
  body["mutations"] = std::move(mutations);
  return json::serialize(body);
}

}  // namespace synclog::cli
