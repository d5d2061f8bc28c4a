// A space's push body, mutation by mutation.
#include "domain/space_push_parser.hpp"

#include <boost/json.hpp>

#include "common/ids.hpp"
#include "domain/declared_fields.hpp"
#include "domain/tuning.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

Error validation(std::string message) { return make_error(ErrorCode::kValidation, std::move(message)); }

std::string at(std::size_t i) { return " at mutation[" + std::to_string(i) + "]"; }

std::string quoted(const json::value& v) {
  if (v.is_string()) return "\"" + std::string(v.get_string()) + "\"";
  return "\"" + json::serialize(v) + "\"";
}

}  // namespace

Result<std::vector<Mutation>> parse_space_push_body(const json::value& body, ConflictMode mode,
                                                    const Schema& device, const CompiledSchema& current) {
  const auto* root = body.if_object();
  if (!root) return validation("Invalid mutations");
  const auto* list_value = root->if_contains("mutations");
  if (!list_value || !list_value->is_array()) return validation("Invalid mutations");
  const auto& list = list_value->get_array();
  if (list.size() > kMaxMutationsPerPush) {
    return validation("Mutations must not exceed " + std::to_string(kMaxMutationsPerPush));
  }
  const bool field_mode = mode == ConflictMode::kField;
  std::vector<Mutation> out;
  out.reserve(list.size());
  static const json::object kEmpty;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto* item = list[i].if_object();
    if (!item) return validation("Invalid mutations");
    Mutation m;
    const auto refuse = [&](std::string_view reason, std::string field, std::string message) -> Status {
      if (!field_mode) return validation(std::move(message));
      m.rejected = Rejection{reason, std::move(field), std::move(message)};
      return Status();
    };

    const auto* type = item->if_contains("type");
    if (!type || type->is_null()) return validation("Missing mutation type" + at(i));
    const auto parsed_type =
        type->is_string() ? parse_mutation_type(std::string_view(type->get_string())) : std::nullopt;
    if (!parsed_type) return validation("Invalid mutation type: " + quoted(*type) + at(i));
    m.type = *parsed_type;

    const auto* rid = item->if_contains("resourceId");
    const bool rid_present = rid && !rid->is_null() && !(rid->is_string() && rid->get_string().empty());
    if (rid_present) {
      if (!rid->is_string() || !is_valid_id(std::string_view(rid->get_string()))) {
        return validation("Invalid resourceId" + at(i));
      }
      m.resource_id = rid->get_string();
    }
    if (m.type != MutationType::kCreate && !rid_present) return validation("Missing resourceId" + at(i));

    const auto* data = item->if_contains("data");
    const bool has_data = data && !data->is_null();
    if (has_data && !data->is_object()) return validation("Invalid data" + at(i) + ": must be an object");
    if (m.type != MutationType::kDelete && !has_data) return validation("Missing data" + at(i));

    if (field_mode) {
      if (const auto* base = item->if_contains("baseTimestamp"); base && !base->is_null()) {
        if (!base->is_int64() || base->get_int64() < 0) {
          return validation("Invalid baseTimestamp" + at(i) + ": must be a timestamp in milliseconds");
        }
        m.base_ts = base->get_int64();
      }
    }

    const auto* resource = item->if_contains("resource");
    if (!resource || resource->is_null()) return validation("Missing resource" + at(i));
    if (!resource->is_string()) return validation("Invalid resource: " + quoted(*resource) + at(i));
    const std::string_view name(resource->get_string().data(), resource->get_string().size());
    m.type_name = std::string(name);
    const TypeSpec* device_type = device.type(name);
    const TypeSpec* current_type = current.schema.type(name);
    m.data = DeclaredFields{};
    if (!device_type || !current_type) {
      const std::string message =
          !device_type ? "Invalid resource: " + quoted(*resource) + at(i) + ": schema " + device.name +
                             " version " + std::to_string(device.version) + " has no such type"
                       : "Invalid resource: " + quoted(*resource) + at(i) + ": the space's schema no longer has it";
      // Which kind it is does not matter for a rejection; the first type's is as good as any.
      m.resource = static_cast<Resource>(current.schema.types.front().kind);
      SYNCLOG_RETURN_IF_ERROR(refuse("schema", "", message));
      if (has_data) m.ack_data = json::serialize(data->get_object());
      out.push_back(std::move(m));
      continue;
    }
    m.resource = static_cast<Resource>(current_type->kind);
    auto read = read_declared_fields(m.type, *device_type, *current_type, has_data ? data->get_object() : kEmpty,
                                     "data.", at(i));
    if (auto* problem = std::get_if<FieldProblem>(&read)) {
      SYNCLOG_RETURN_IF_ERROR(refuse("validation", problem->field, problem->message));
      // The ack gives the device back what it sent: its data is kept, not lost.
      if (has_data) m.ack_data = json::serialize(data->get_object());
    } else {
      auto& fields = std::get<ReadFields>(read);
      m.data = std::move(fields.fields);
      if (has_data) m.ack_data = std::move(fields.echo);
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace synclog::domain
