// A space's push body, mutation by mutation.
#include "domain/space_push_parser.hpp"

#include <boost/json.hpp>

#include "common/ids.hpp"
#include "domain/declared_fields.hpp"
#include "domain/detail/push_items.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

using detail::at;
using detail::quoted;
using detail::validation;

}  // namespace

Result<std::vector<Mutation>> parse_space_push_body(const json::value& body, ConflictMode mode,
                                                    const Schema& device, const CompiledSchema& current) {
  SYNCLOG_ASSIGN_OR_RETURN(const json::array* items, detail::push_items(body));
  const auto& list = *items;
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

    SYNCLOG_ASSIGN_OR_RETURN(m.type, detail::item_type(*item, i));

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
      SYNCLOG_ASSIGN_OR_RETURN(m.base_ts, detail::item_base(*item, i));
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
