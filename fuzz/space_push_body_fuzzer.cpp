// The body of a space's push (POST /v1/spaces/{id}/sync): the input is the request body, read
// as the handler reads it (domain::parse_json, then parse_space_push_body) for a space on the
// worked example's schema (examples/inspections, version 2), from a device built for version 2
// and from one built for version 1 (its writes upgraded: `inspector` renamed), in both modes.
//
// Properties:
// - a refusal of the batch is a 400 (not JSON) or a 422 (kValidation); no exception escapes;
// - strict mode never answers a mutation with a rejection (it refuses the batch instead);
// - a batch strict mode takes, field mode takes the same, without rejections (unless it refuses
//   an invalid baseTimestamp, which strict mode ignores), and a batch field mode takes without
//   rejections, strict mode takes the same;
// - the accepted mutations written back (type, id, base, and the data their ack echoes) parse
//   to the same mutations with the same field values: the ack is what the server took.
#include <boost/json.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "domain/json_input.hpp"
#include "domain/schema_catalog.hpp"
#include "domain/space_push_parser.hpp"
#include "domain/tuning.hpp"
#include "fuzz_check.hpp"
#include "push_round_trip.hpp"

namespace {

namespace json = boost::json;
namespace domain = synclog::domain;
using domain::ConflictMode;
using domain::DeclaredFields;
using domain::Mutation;
using synclog::ErrorCode;

struct Schemas {
  domain::SchemaPtr v1;       // an older device's version
  domain::SchemaPtr current;  // the space's: version 2
};

const Schemas& schemas() {
  static const Schemas s = [] {
    const std::string v1 = synclog::fuzz::source_file("examples/inspections/schema.json");
    const std::string v2 = synclog::fuzz::source_file("examples/inspections/schema-v2.json");
    auto versions = domain::compile_versions({v1, v2}, domain::SchemaLimits{});
    SYNCLOG_FUZZ_CHECK(versions.ok() && versions->size() == 2,
                       "the worked example's schemas compile");
    return Schemas{(*versions)[0], (*versions)[1]};
  }();
  return s;
}

std::string describe(const Mutation& m) {
  return std::string(domain::mutation_type_name(m.type)) + " " + m.type_name +
         " id=" + m.resource_id + " ack=" + m.ack_data +
         (m.rejected ? " rejected: " + m.rejected->message : std::string());
}

const DeclaredFields& fields_of(const Mutation& m) { return std::get<DeclaredFields>(m.data); }

bool same(const Mutation& a, const Mutation& b) {
  return a.type == b.type && a.type_name == b.type_name && a.resource_id == b.resource_id &&
         a.ack_data == b.ack_data && a.rejected.has_value() == b.rejected.has_value() &&
         fields_of(a).values == fields_of(b).values &&
         fields_of(a).times.created == fields_of(b).times.created &&
         fields_of(a).times.updated == fields_of(b).times.updated;
}

synclog::Result<std::vector<Mutation>> parse(const json::value& body, ConflictMode mode,
                                             const domain::Schema& device) {
  auto r = domain::parse_space_push_body(body, mode, device, *schemas().current);
  if (!r.ok()) {
    SYNCLOG_FUZZ_CHECK(r.error().code == ErrorCode::kValidation, r.error().message);
    return r;
  }
  SYNCLOG_FUZZ_CHECK(r->size() <= domain::kMaxMutationsPerPush, std::to_string(r->size()));
  for (const auto& m : *r) {
    SYNCLOG_FUZZ_CHECK(mode == ConflictMode::kField || !m.rejected,
                       "strict mode rejected " + describe(m));
  }
  return r;
}

void check_round_trip(const std::vector<Mutation>& ms, const domain::Schema& device) {
  std::vector<const Mutation*> kept;  // the accepted ones
  for (const auto& m : ms) {
    if (!m.rejected) kept.push_back(&m);
  }
  const std::string again = synclog::fuzz::write_back(kept);
  auto body = domain::parse_json(again);
  SYNCLOG_FUZZ_CHECK(body.ok(), "written back, the body is refused: " + again);
  auto r = domain::parse_space_push_body(*body, ConflictMode::kField, device, *schemas().current);
  SYNCLOG_FUZZ_CHECK(r.ok(),
                     "written back, the batch is refused: " + r.error().message + " in " + again);
  SYNCLOG_FUZZ_CHECK(r->size() == kept.size(), again);
  for (std::size_t i = 0; i < kept.size(); ++i) {
    SYNCLOG_FUZZ_CHECK(same(*kept[i], (*r)[i]) && kept[i]->base_ts == (*r)[i].base_ts,
                       describe(*kept[i]) + " became " + describe((*r)[i]));
  }
}

void check(const json::value& body, const domain::Schema& device) {
  const auto strict = parse(body, ConflictMode::kStrict, device);
  const auto field = parse(body, ConflictMode::kField, device);
  if (field.ok()) check_round_trip(*field, device);
  const bool field_clean =
      field.ok() && std::none_of(field->begin(), field->end(),
                                 [](const Mutation& m) { return m.rejected.has_value(); });
  if (strict.ok()) {
    if (!field.ok()) {
      SYNCLOG_FUZZ_CHECK(field.error().message.find("baseTimestamp") != std::string::npos,
                         "only field mode refused: " + field.error().message);
      return;
    }
    SYNCLOG_FUZZ_CHECK(field_clean, "field mode rejected what strict mode took");
    SYNCLOG_FUZZ_CHECK(strict->size() == field->size(), "the modes read different batches");
    for (std::size_t i = 0; i < strict->size(); ++i) {
      SYNCLOG_FUZZ_CHECK(same((*strict)[i], (*field)[i]),
                         describe((*strict)[i]) + " vs " + describe((*field)[i]));
    }
  } else {
    SYNCLOG_FUZZ_CHECK(!field_clean,
                       "strict mode refused what field mode took whole: " + strict.error().message);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = synclog::fuzz::push_body(data, size);
  if (!body) return 0;
  check(*body, schemas().current->schema);
  check(*body, schemas().v1->schema);
  return 0;
}
