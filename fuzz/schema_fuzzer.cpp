// Schema documents of declared types (domain/schema.cpp, what --schema and POST /v1/schemas
// read): the input is a document, parsed under the server's default limits, then given kinds,
// compiled, and judged as the next version of the worked example's schema.
//
// Properties:
// - a refusal is kUnprocessable; no exception escapes;
// - a schema that parses is within the limits (1-32 types, 1-64 fields each), its canonical
//   document parses to the same document and types, and each field's default is canonical
//   (read again, it is the same text);
// - a version is always an upgrade its own devices can write through (check_upgrade of itself);
// - kinds are distinct, and the schema compiles into record types;
// - judged against examples/inspections/schema.json, check_upgrade and check_replacement answer
//   ok or kUnprocessable.
#include <boost/json.hpp>

#include <set>
#include <string>

#include "domain/declared_type.hpp"
#include "domain/field_value.hpp"
#include "domain/json_input.hpp"
#include "domain/schema.hpp"
#include "fuzz_check.hpp"

namespace {

namespace domain = synclog::domain;
using synclog::ErrorCode;

const domain::Schema& example() {
  static const domain::Schema s = [] {
    auto parsed = domain::parse_schema(
        synclog::fuzz::source_file("examples/inspections/schema.json"), domain::SchemaLimits{});
    SYNCLOG_FUZZ_CHECK(parsed.ok(), "the worked example's schema parses");
    SYNCLOG_FUZZ_CHECK(domain::assign_kinds(*parsed, nullptr).ok(), "the worked example's kinds");
    return *parsed;
  }();
  return s;
}

bool ok_or_unprocessable(const synclog::Status& st) {
  return st.ok() || st.error().code == ErrorCode::kUnprocessable;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const domain::SchemaLimits limits;
  auto parsed = domain::parse_schema(synclog::fuzz::text(data, size), limits);
  if (!parsed.ok()) {
    SYNCLOG_FUZZ_CHECK(parsed.error().code == ErrorCode::kUnprocessable, parsed.error().message);
    return 0;
  }
  domain::Schema s = std::move(*parsed);
  SYNCLOG_FUZZ_CHECK(!s.types.empty() && s.types.size() <= limits.max_types,
                     std::to_string(s.types.size()));
  for (const auto& t : s.types) {
    SYNCLOG_FUZZ_CHECK(!t.fields.empty() && t.fields.size() <= limits.max_fields, t.name);
    for (const auto& f : t.fields) {
      if (f.default_json.empty()) continue;
      const auto again = domain::canonical_value(f, *domain::parse_json(f.default_json));
      SYNCLOG_FUZZ_CHECK(again.ok() && *again == f.default_json,
                         t.name + "." + f.name + ": " + f.default_json);
    }
  }

  auto reparsed = domain::parse_schema(s.document, limits);
  SYNCLOG_FUZZ_CHECK(reparsed.ok(),
                     "the canonical document is refused: " + reparsed.error().message);
  SYNCLOG_FUZZ_CHECK(reparsed->document == s.document,
                     s.document + " became " + reparsed->document);
  SYNCLOG_FUZZ_CHECK(reparsed->types.size() == s.types.size(), s.document);
  for (std::size_t i = 0; i < s.types.size(); ++i) {
    const auto& a = s.types[i];
    const auto& b = reparsed->types[i];
    SYNCLOG_FUZZ_CHECK(a.name == b.name && a.fields.size() == b.fields.size() &&
                           a.writers == b.writers && a.policy == b.policy &&
                           a.master_data == b.master_data,
                       a.name);
    for (std::size_t j = 0; j < a.fields.size(); ++j) {
      SYNCLOG_FUZZ_CHECK(a.fields[j].name == b.fields[j].name &&
                             a.fields[j].kind == b.fields[j].kind &&
                             a.fields[j].default_json == b.fields[j].default_json,
                         a.name + "." + a.fields[j].name);
    }
  }

  const auto self = domain::check_upgrade(s, s);
  SYNCLOG_FUZZ_CHECK(self.ok(), "not an upgrade of itself: " + self.error().message);
  SYNCLOG_FUZZ_CHECK(ok_or_unprocessable(domain::check_upgrade(example(), s)), "check_upgrade");
  SYNCLOG_FUZZ_CHECK(ok_or_unprocessable(domain::check_replacement(example(), s)),
                     "check_replacement");

  const auto kinds = domain::assign_kinds(s, nullptr);
  SYNCLOG_FUZZ_CHECK(kinds.ok(), "kinds for a first version: " + kinds.error().message);
  std::set<std::uint8_t> distinct;
  for (const auto& t : s.types)
    SYNCLOG_FUZZ_CHECK(distinct.insert(t.kind).second, "two types share kind " + t.name);
  const auto compiled = domain::compile_schema(s);
  SYNCLOG_FUZZ_CHECK(compiled != nullptr, "compiling failed");

  // As the next version of the example, kinds continue the example's.
  domain::Schema next = *reparsed;
  SYNCLOG_FUZZ_CHECK(ok_or_unprocessable(domain::assign_kinds(next, &example())),
                     "assign_kinds after the example");
  return 0;
}
