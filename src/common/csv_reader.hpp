// Reading CSV (RFC 4180): fields separated by commas, records by CRLF or LF; a field in double
// quotes may hold commas, quotes (doubled) and line breaks. Used for master data files
// (synclog import). Errors name the line: an unterminated quoted field, text after a closing
// quote, a record with another number of fields than the header.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace synclog {

struct CsvRecord {
  std::size_t line = 0;  // where the record starts, from 1
  std::vector<std::string> fields;
};

// Every record of `text`, the header first. A final line break is optional; empty lines are
// skipped. kInvalidRequest naming the line when `text` is not CSV, or a record's field count
// differs from the first record's.
Result<std::vector<CsvRecord>> read_csv(std::string_view text);

}  // namespace synclog
