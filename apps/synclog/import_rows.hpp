// The pure half of an import (import_records.hpp): a file's text read into records of a
// declared type, and those records into the body of a space's push. No network, so the fuzzers
// (fuzz/csv_import_fuzzer.cpp) reach it as they reach the parsers.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace synclog::cli {

/// One record to import, and where it came from (for messages).
struct ImportRow {
  std::size_t line = 0;  ///< CSV line, or array index + 1
  std::string id;        ///< empty: the server mints one
  boost::json::object data;
};

/// A type's fields and their kinds ("string", "integer", ...), from its schema document.
/// kNotFound when the document has no such type.
using FieldKinds = std::map<std::string, std::string>;
Result<FieldKinds> field_kinds(const boost::json::value& document, const std::string& type);

/// CSV with a header row of field names (and `id`): an empty cell is a field the record does
/// not have, a stringList cell is split on '|', integers, numbers and booleans are read by
/// `kinds`, the rest are text. kInvalidRequest naming the line (and column) otherwise, and for
/// text that is not UTF-8.
Result<std::vector<ImportRow>> rows_from_csv(const std::string& text, const FieldKinds& kinds);
/// A JSON array of objects, each one record with an optional string "id".
Result<std::vector<ImportRow>> rows_from_json(const std::string& text);

/// The push body of rows [start, end): a CREATE of `type` each, with its id when it has one.
std::string batch_body(const std::vector<ImportRow>& rows, std::size_t start, std::size_t end,
                       const std::string& type);

}  // namespace synclog::cli
