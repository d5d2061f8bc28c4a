// The schemas spaces use (docs/api.md, "Schemas"):
//   POST /v1/schemas                   register a schema document, or its next version (the
//                                      `admin` scope: a schema serves every space that uses it)
//   GET  /v1/schemas                   every schema: its versions, latest and minVersion
//   GET  /v1/schemas/{name}            the latest version's document
//   GET  /v1/schemas/{name}/{version}  one version's document
#include "common/json_text.hpp"
#include "domain/direct_wire.hpp"
#include "http/envelope.hpp"
#include "http/exchange.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/query_params.hpp"
#include "http/handlers/space_access.hpp"
#include "http/schema_sync.hpp"

namespace synclog::http::handlers {
namespace {

std::string summary_json(const std::vector<domain::SchemaPtr>& versions) {
  const domain::Schema& latest = versions.back()->schema;
  std::string list = "[";
  for (const auto& v : versions) {
    if (list.size() > 1) list.push_back(',');
    append_json_int(list, v->schema.version);
  }
  list.push_back(']');
  std::string types = "[";
  for (const auto& t : latest.types) {
    if (types.size() > 1) types.push_back(',');
    JsonObjectWriter w;
    w.str("name", t.name).boolean("masterData", t.master_data)
        .str("conflictPolicy", domain::conflict_policy_name(t.policy));
    std::string writers = "[";
    for (auto r : t.writers) {
      if (writers.size() > 1) writers.push_back(',');
      append_json_string(writers, domain::role_name(r));
    }
    writers.push_back(']');
    w.raw("writers", writers);
    types += std::move(w).finish();
  }
  types.push_back(']');
  JsonObjectWriter w;
  w.str("name", latest.name).num("version", latest.version).num("minVersion", latest.min_version)
      .raw("versions", list).raw("types", types);
  return std::move(w).finish();
}

void post_schema(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (!ex->ctx().scopes.has("admin")) {
    return ex->fail(make_error(ErrorCode::kForbidden, "Registering a schema needs the admin scope"));
  }
  register_schema(s, ex->request().body, [&s, ex](Result<domain::Registration> r) {
    ex->resume([&s, ex, r = std::move(r)] {
      if (!r.ok()) return ex->fail(r.error());
      const auto& latest = r->versions.back()->schema;
      if (!r->existed) {
        s.log.write("info", [&] {
          JsonObjectWriter w;
          w.str("event", "schema_registered").str("schema", latest.name).num("version", latest.version)
              .str("by", ex->ctx().subject);
          return w;
        }());
      }
      std::string data = summary_json(r->versions);
      data.pop_back();
      data.append(r->existed ? R"(,"registered":false})" : R"(,"registered":true})");
      ex->respond(json_response(r->existed ? 200 : 201, domain::success_body(data)));
    });
  });
}

void list_schemas(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_scope(ex->ctx(), "sync"); !st.ok()) return ex->fail(st.error());
  std::string list = "[";
  for (const auto& [name, versions] : s.schemas.all()) {
    if (versions.empty()) continue;
    if (list.size() > 1) list.push_back(',');
    list += summary_json(versions);
  }
  list.push_back(']');
  JsonObjectWriter w(list.size() + 16);
  w.raw("schemas", list);
  ex->respond(json_response(200, domain::success_body(std::move(w).finish())));
}

void get_schema(Services& s, const std::shared_ptr<Exchange>& ex) {
  if (auto st = require_scope(ex->ctx(), "sync"); !st.ok()) return ex->fail(st.error());
  const std::string name(ex->path_param("name").value_or(""));
  domain::SchemaPtr schema;
  if (auto v = ex->path_param("version")) {
    const auto version = parse_int(*v);
    if (version) schema = s.schemas.version(name, *version);
  } else {
    schema = s.schemas.latest(name);
  }
  if (!schema) return ex->fail(make_error(ErrorCode::kNotFound, "No such schema version"));
  HttpResponse r = json_response(200, domain::success_body(schema->schema.document));
  r.set_header("X-Schema-Version", std::to_string(schema->schema.version));
  ex->respond(std::move(r));
}

}  // namespace

void add_schema_routes(Router& router, Services& services) {
  Services* s = &services;
  router.add(Route{"POST", "/v1/schemas", true, [s](const auto& ex) { post_schema(*s, ex); }});
  router.add(Route{"GET", "/v1/schemas", true, [s](const auto& ex) { list_schemas(*s, ex); }});
  router.add(Route{"GET", "/v1/schemas/{name}", true, [s](const auto& ex) { get_schema(*s, ex); }});
  router.add(Route{"GET", "/v1/schemas/{name}/{version}", true, [s](const auto& ex) { get_schema(*s, ex); }});
}

}  // namespace synclog::http::handlers
