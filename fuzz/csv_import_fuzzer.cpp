// Master-data import (`synclog import`, `synclog client import`): the input is a CSV file, read
// by common/csv_reader.cpp, turned into records of each master-data type of the worked example
// (apps/synclog/import_rows.cpp: site, asset, checklistTemplate), and the first batch's push
// body read by the server's space push parser, all without a network.
//
// Properties:
// - read_csv refuses with kInvalidRequest naming the line; what it reads has the header's
//   number of fields in every record, lines in increasing order, and written out again (every
//   field quoted) reads back to the same fields;
// - rows_from_csv keeps a row per record, each value of the JSON type its field's kind asks for;
// - the push body of the first 100 rows is JSON the server takes (no 400 for the whole import):
//   in conflictMode=field each row becomes a mutation or a rejection of its own, except a
//   resourceId the server cannot take, which refuses the batch (422).
#include <boost/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "common/csv_reader.hpp"
#include "domain/json_input.hpp"
#include "domain/schema_catalog.hpp"
#include "domain/space_push_parser.hpp"
#include "fuzz_check.hpp"
#include "import_rows.hpp"

namespace {

namespace json = boost::json;
namespace domain = synclog::domain;
using synclog::ErrorCode;

struct Example {
  json::value document;
  domain::SchemaPtr schema;
};

const Example& example() {
  static const Example e = [] {
    const std::string text = synclog::fuzz::source_file("examples/inspections/schema.json");
    auto versions = domain::compile_versions({text}, domain::SchemaLimits{});
    SYNCLOG_FUZZ_CHECK(versions.ok(), "the worked example's schema compiles");
    return Example{json::parse(text), versions->back()};
  }();
  return e;
}

std::string write_csv(const std::vector<synclog::CsvRecord>& records) {
  std::string out;
  for (const auto& r : records) {
    for (std::size_t i = 0; i < r.fields.size(); ++i) {
      if (i > 0) out += ',';
      out += '"';
      for (const char c : r.fields[i]) out += c == '"' ? std::string("\"\"") : std::string(1, c);
      out += '"';
    }
    out += "\r\n";
  }
  return out;
}

bool fits(const std::string& kind, const json::value& v) {
  if (kind == "integer") return v.is_int64() || v.is_double();
  if (kind == "number") return v.is_number();
  if (kind == "boolean") return v.is_bool();
  if (kind == "stringList") {
    return v.is_array() && std::all_of(v.get_array().begin(), v.get_array().end(),
                                       [](const json::value& item) { return item.is_string(); });
  }
  return v.is_string();
}

void check_rows(const std::string& text, const std::vector<synclog::CsvRecord>& records,
                const std::string& type) {
  const auto kinds = synclog::cli::field_kinds(example().document, type);
  SYNCLOG_FUZZ_CHECK(kinds.ok(), type);
  const auto rows = synclog::cli::rows_from_csv(text, *kinds);
  if (!rows.ok()) {
    SYNCLOG_FUZZ_CHECK(rows.error().code == ErrorCode::kInvalidRequest, rows.error().message);
    return;
  }
  SYNCLOG_FUZZ_CHECK(rows->size() == (records.empty() ? 0 : records.size() - 1), "rows lost");
  for (const auto& row : *rows) {
    for (const auto& kv : row.data) {
      const std::string field(kv.key());
      SYNCLOG_FUZZ_CHECK(kinds->count(field) && fits(kinds->at(field), kv.value()),
                         type + "." + field + " = " + json::serialize(kv.value()));
    }
  }
  if (rows->empty()) return;
  const std::string body_text =
      synclog::cli::batch_body(*rows, 0, std::min<std::size_t>(rows->size(), 100), type);
  const auto body = domain::parse_json(body_text);
  SYNCLOG_FUZZ_CHECK(body.ok(), "the server refuses the import's body: " + body.error().message);
  const auto& schema = *example().schema;
  const auto parsed =
      domain::parse_space_push_body(*body, domain::ConflictMode::kField, schema.schema, schema);
  if (!parsed.ok()) {
    SYNCLOG_FUZZ_CHECK(parsed.error().message.find("Invalid resourceId") == 0,
                       parsed.error().message);
    return;
  }
  SYNCLOG_FUZZ_CHECK(parsed->size() == std::min<std::size_t>(rows->size(), 100), "mutations lost");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(synclog::fuzz::text(data, size));
  const auto records = synclog::read_csv(text);
  if (!records.ok()) {
    SYNCLOG_FUZZ_CHECK(records.error().code == ErrorCode::kInvalidRequest &&
                           records.error().message.rfind("line ", 0) == 0,
                       records.error().message);
    return 0;
  }
  for (std::size_t i = 0; i < records->size(); ++i) {
    const auto& r = (*records)[i];
    SYNCLOG_FUZZ_CHECK(r.fields.size() == records->front().fields.size(),
                       "line " + std::to_string(r.line));
    SYNCLOG_FUZZ_CHECK(i == 0 || r.line > (*records)[i - 1].line, "line " + std::to_string(r.line));
  }
  const auto again = synclog::read_csv(write_csv(*records));
  SYNCLOG_FUZZ_CHECK(again.ok(), "written out again, refused: " + again.error().message);
  SYNCLOG_FUZZ_CHECK(again->size() == records->size(), "written out again, records lost");
  for (std::size_t i = 0; i < records->size(); ++i) {
    SYNCLOG_FUZZ_CHECK((*again)[i].fields == (*records)[i].fields,
                       "line " + std::to_string((*records)[i].line));
  }
  for (const char* type : {"site", "asset", "checklistTemplate"}) check_rows(text, *records, type);
  return 0;
}
