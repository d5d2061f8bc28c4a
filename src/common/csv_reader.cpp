// A small state machine over the text, one field at a time.
#include "common/csv_reader.hpp"

namespace synclog {
namespace {

Error bad(std::size_t line, std::string what) {
  return make_error(ErrorCode::kInvalidRequest, "line " + std::to_string(line) + ": " + std::move(what));
}

}  // namespace

Result<std::vector<CsvRecord>> read_csv(std::string_view text) {
  // A UTF-8 byte order mark is not part of the first field's name.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRecord> out;
  std::size_t i = 0;
  std::size_t line = 1;
  while (i < text.size()) {
    // Empty lines separate nothing.
    if (text[i] == '\n' || (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      i += text[i] == '\r' ? 2 : 1;
      ++line;
      continue;
    }
    CsvRecord record;
    record.line = line;
    for (;;) {
      std::string field;
      if (i < text.size() && text[i] == '"') {
        const std::size_t opened = line;
        ++i;
        for (;;) {
          if (i >= text.size()) return bad(opened, "a quoted field is never closed");
          const char c = text[i++];
          if (c == '"') {
            if (i < text.size() && text[i] == '"') {
              field.push_back('"');
              ++i;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field.push_back(c);
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          return bad(line, "text after a closing quote");
        }
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          if (text[i] == '"') return bad(line, "a quote inside an unquoted field");
          field.push_back(text[i++]);
        }
      }
      record.fields.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      // The end of the record: a line break (CRLF or LF), or the end of the text.
      if (i < text.size() && text[i] == '\r') {
        ++i;
        if (i < text.size() && text[i] != '\n') return bad(line, "a carriage return without a line feed");
      }
      if (i < text.size() && text[i] == '\n') ++i;
      ++line;
      break;
    }
    if (!out.empty() && record.fields.size() != out.front().fields.size()) {
      return bad(record.line, std::to_string(record.fields.size()) + " fields where the header has " +
                                  std::to_string(out.front().fields.size()));
    }
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace synclog
