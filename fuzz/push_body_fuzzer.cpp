// The body of POST /v1/sync: the input is the request body, read as the handler reads it
// (domain::parse_json under the input limits, then parse_push_body) in both conflict modes.
//
// Properties, in each mode:
// - a refusal is a 400 (not JSON, or beyond the input limits) or a 422 (kValidation), never
//   anything else, and no exception escapes;
// - a batch that parses has at most 100 mutations, and a body written back from them (each
//   one's resource, type, id, base and its acknowledged data) parses to the same mutations:
//   what the ack echoes is what the server took;
// and across the modes: the same body parsed in both gives the same mutations, unless field
// mode refuses an invalid baseTimestamp (strict mode ignores it) or strict mode refuses a NOTE
// UPDATE without a body (field mode takes changed fields only).
#include <boost/json.hpp>

#include <string>
#include <vector>

#include "domain/json_input.hpp"
#include "domain/push_parser.hpp"
#include "domain/tuning.hpp"
#include "fuzz_check.hpp"
#include "push_round_trip.hpp"

namespace {

namespace json = boost::json;
namespace domain = synclog::domain;
using domain::ConflictMode;
using domain::Mutation;
using synclog::ErrorCode;

std::string describe(const Mutation& m) {
  return std::string(domain::mutation_type_name(m.type)) + " " +
         std::string(domain::resource_name(m.resource)) + " id=" + m.resource_id +
         " ack=" + m.ack_data +
         " base=" + (m.base_ts ? std::to_string(*m.base_ts) : std::string("none"));
}

bool same(const Mutation& a, const Mutation& b) {
  return a.type == b.type && a.resource == b.resource && a.resource_id == b.resource_id &&
         a.ack_data == b.ack_data && a.base_ts == b.base_ts;
}

synclog::Result<std::vector<Mutation>> parse(const json::value& body, ConflictMode mode) {
  auto r = domain::parse_push_body(body, mode);
  if (!r.ok()) {
    SYNCLOG_FUZZ_CHECK(r.error().code == ErrorCode::kValidation, r.error().message);
    return r;
  }
  SYNCLOG_FUZZ_CHECK(r->size() <= domain::kMaxMutationsPerPush, std::to_string(r->size()));
  std::vector<const Mutation*> all;
  for (const auto& m : *r) all.push_back(&m);
  const std::string again = synclog::fuzz::write_back(all);
  auto body2 = domain::parse_json(again);
  SYNCLOG_FUZZ_CHECK(body2.ok(), "written back, the body is refused: " + again);
  auto r2 = domain::parse_push_body(*body2, mode);
  SYNCLOG_FUZZ_CHECK(r2.ok(),
                     "written back, the batch is refused: " + r2.error().message + " in " + again);
  SYNCLOG_FUZZ_CHECK(r2->size() == r->size(), again);
  for (std::size_t i = 0; i < r->size(); ++i) {
    SYNCLOG_FUZZ_CHECK(same((*r)[i], (*r2)[i]),
                       describe((*r)[i]) + " became " + describe((*r2)[i]));
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto body = synclog::fuzz::push_body(data, size);
  if (!body) return 0;
  const auto strict = parse(*body, ConflictMode::kStrict);
  const auto field = parse(*body, ConflictMode::kField);
  if (strict.ok() && field.ok()) {
    SYNCLOG_FUZZ_CHECK(strict->size() == field->size(), "the modes read different batches");
    for (std::size_t i = 0; i < strict->size(); ++i) {
      Mutation s = (*strict)[i];
      s.base_ts = (*field)[i].base_ts;  // only field mode reads it
      SYNCLOG_FUZZ_CHECK(same(s, (*field)[i]), describe(s) + " vs field " + describe((*field)[i]));
    }
  } else if (strict.ok()) {
    const auto& why = field.error().message;
    SYNCLOG_FUZZ_CHECK(why.find("baseTimestamp") != std::string::npos,
                       "only field mode refused: " + why);
  } else if (field.ok()) {
    const auto& why = strict.error().message;
    SYNCLOG_FUZZ_CHECK(why.find("data.body") != std::string::npos,
                       "only strict mode refused: " + why);
  }
  return 0;
}
