// The device's check of a space edit (space_validation.hpp). It reads the schema with the
// server's own parser and field rules (domain/schema.hpp, domain/declared_fields.hpp), so the
// device and the server can never disagree about what a field accepts.
#include "client/space_validation.hpp"

#include "domain/declared_fields.hpp"
#include "domain/schema.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace synclog::client {
namespace json = boost::json;

namespace {

Result<domain::Schema> parse(std::string_view document) {
  auto schema = domain::parse_schema(document, domain::SchemaLimits{});
  if (!schema.ok()) {
    return make_error(ErrorCode::kInvalidRequest, "the schema document is not valid: " +
                                                      schema.error().message);
  }
  return std::move(*schema);
}

std::string unquoted(std::string_view json_text) {
  if (json_text.size() >= 2 && json_text.front() == '"') return std::string(json_text.substr(1, json_text.size() - 2));
  return std::string(json_text);
}

}  // namespace

Result<std::string> check_space_edit(std::string_view schema_document, std::string_view type,
                                     std::string_view role, MutationType op, bool is_new,
                                     std::string_view fields, const ReferenceCheck& exists) {
  SYNCLOG_ASSIGN_OR_RETURN(domain::Schema schema, parse(schema_document));
  const domain::TypeSpec* spec = schema.type(type);
  if (!spec) {
    return make_error(ErrorCode::kInvalidRequest, "Type " + std::string(type) + " is not in schema " +
                                                      schema.name + " version " +
                                                      std::to_string(schema.version));
  }
  const auto person = domain::parse_role(role);
  if (!person || !spec->writable_by(*person)) {
    return make_error(ErrorCode::kForbidden, "Your role (" + std::string(role) +
                                                 ") may not write " + std::string(type) +
                                                 " records in this space");
  }
  if (op == MutationType::kDelete) return std::string("{}");
  boost::system::error_code ec;
  json::value v = json::parse(fields, ec);
  if (ec || !v.is_object()) return make_error(ErrorCode::kInvalidRequest, "data must be a JSON object");
  const auto read = domain::read_declared_fields(is_new ? domain::MutationType::kCreate
                                                        : domain::MutationType::kUpdate,
                                                 *spec, *spec, v.as_object(), "", "");
  if (const auto* problem = std::get_if<domain::FieldProblem>(&read)) {
    return make_error(ErrorCode::kValidation, problem->message);
  }
  const auto& got = std::get<domain::ReadFields>(read);
  std::vector<bool> given(spec->fields.size(), false);
  for (const auto& [i, text] : got.fields.values) {
    const domain::FieldSpec& f = spec->fields[i];
    given[i] = text != "null";
    if (text == "null") {
      if (f.required) {
        return make_error(ErrorCode::kValidation, f.name + " is required: it cannot be cleared");
      }
      continue;
    }
    if (f.kind == domain::FieldKind::kReference) {
      const std::string id = unquoted(text);
      SYNCLOG_ASSIGN_OR_RETURN(bool found, exists(f.to, id));
      if (!found) {
        return make_error(ErrorCode::kValidation,
                          f.name + ": no " + f.to + " '" + id +
                              "' in this space on this device (it may have been deleted; sync, "
                              "then choose another)");
      }
    }
  }
  if (is_new) {
    for (std::size_t i = 0; i < spec->fields.size(); ++i) {
      const domain::FieldSpec& f = spec->fields[i];
      if (f.required && !given[i] && f.default_json.empty()) {
        return make_error(ErrorCode::kValidation, "Missing " + f.name);
      }
    }
  }
  return got.echo;
}

Status check_schema_document(std::string_view document) { return parse(document).status(); }

TypeGroups type_groups(std::string_view schema_document) {
  TypeGroups g;
  auto schema = domain::parse_schema(schema_document, domain::SchemaLimits{});
  if (!schema.ok()) return g;
  for (const auto& t : schema->types) (t.master_data ? g.master : g.captured).push_back(t.name);
  return g;
}

std::int64_t schema_document_version(std::string_view schema_document) {
  auto schema = domain::parse_schema(schema_document, domain::SchemaLimits{});
  return schema.ok() ? schema->version : 0;
}

std::string schema_document_name(std::string_view schema_document) {
  auto schema = domain::parse_schema(schema_document, domain::SchemaLimits{});
  return schema.ok() ? schema->name : std::string();
}

}  // namespace synclog::client
