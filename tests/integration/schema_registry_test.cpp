// The schema registry against the real binary (docs/api.md "Schemas", "Schema versions"):
// POST /v1/schemas needs the admin scope; a new version is 201, the same document again 200
// registered:false, the same version with another document 409; a version that would break the
// devices still in its window is 422 listing the breaks, and accepted once minVersion moves past
// the previous version; minVersion never goes back; invalid documents are 422 naming the place;
// GET /v1/schemas lists every schema and GET /v1/schemas/{name}[/{version}] answers documents
// with X-Schema-Version; --schema at start registers documents, and a restart with the same
// files changes nothing.
#include "server_process.hpp"
#include "space_helpers.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace synclog::test {
namespace {

namespace json = boost::json;
using spaces::ack;
using spaces::batch;
using spaces::create;
using spaces::Device;
using spaces::Mode;
using spaces::num;
using spaces::str;

json::object v2_doc() { return json::parse(spaces::schema_v2_text()).as_object(); }

json::object& inspection_fields(json::object& doc) {
  return doc["types"].as_object()["inspection"].as_object()["fields"].as_object();
}

// A v3 of the worked schema, with `min_version`, that drops inspection.weather and tightens
// site.name's maxLength: two breaks for a device on version 2.
std::string breaking_v3(std::int64_t min_version) {
  auto doc = v2_doc();
  doc["version"] = 3;
  doc["minVersion"] = min_version;
  inspection_fields(doc).erase("weather");
  doc["types"]
      .as_object()["site"]
      .as_object()["fields"]
      .as_object()["name"]
      .as_object()["maxLength"] = 50;
  return json::serialize(doc);
}

// A small schema of its own (minVersion 1 unless `min_version` is given; absent, it is `version`).
std::string checklist_schema(int version, const std::string& extra_field = "",
                             int min_version = 1) {
  std::string fields = R"("title":{"type":"string","required":true})";
  if (!extra_field.empty()) fields += "," + extra_field;
  std::string doc = R"({"name":"checklists","version":)" + std::to_string(version);
  if (min_version > 0) doc += R"(,"minVersion":)" + std::to_string(min_version);
  return doc + R"(,"types":{"item":{"fields":{)" + fields + "}}}}";
}

class SchemaRegistryTest : public ::testing::Test {
 protected:
  SchemaRegistryTest() : server_(spaces::server_args()) {}

  Response register_schema(const std::string& document) {
    return http_.post("/v1/schemas", document,
                      {{"x-auth-token", server_.token("ops", "sync admin")}});
  }
  // The data of GET /v1/schemas' entry for `name` (empty when absent).
  json::object listed(const std::string& name) {
    const auto r = http_.get("/v1/schemas", server_.auth("alice"));
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return {};
    const auto body = r.json();
    for (const auto& s : body.at("data").at("schemas").as_array()) {
      if (s.at("name") == name.c_str()) return s.as_object();
    }
    return {};
  }
  std::vector<std::int64_t> versions(const std::string& name) {
    std::vector<std::int64_t> out;
    const auto s = listed(name);
    if (!s.contains("versions")) return out;
    for (const auto& v : s.at("versions").as_array()) out.push_back(num(v));
    return out;
  }

  ServerProcess server_;
  HttpClient http_ = server_.client();
};

TEST_F(SchemaRegistryTest, RegisteringNeedsTheAdminScope) {
  for (const char* scopes : {"sync", "", "sync note bookmark"}) {
    SCOPED_TRACE(scopes);
    const Headers h =
        std::string(scopes).empty() ? server_.auth("ops") : server_.auth("ops", "dev", scopes);
    const auto r = http_.post("/v1/schemas", spaces::schema_v2_text(), h);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(spaces::error_code(r), "forbidden");
  }
  EXPECT_EQ(http_.post("/v1/schemas", spaces::schema_v2_text()).status, 401);
  EXPECT_EQ(versions("inspections"), std::vector<std::int64_t>{1});
}

TEST_F(SchemaRegistryTest, ANewVersionIs201AndTheSameDocumentAgain200) {
  const auto r = register_schema(spaces::schema_v2_text());
  ASSERT_EQ(r.status, 201) << r.body;
  const auto d = r.json().at("data").as_object();
  EXPECT_EQ(d.at("name"), "inspections");
  EXPECT_EQ(num(d.at("version")), 2);
  EXPECT_EQ(num(d.at("minVersion")), 1);
  EXPECT_EQ(d.at("versions"), json::parse("[1,2]"));
  EXPECT_EQ(d.at("registered"), true);
  EXPECT_EQ(d.at("types").as_array().size(), 5u);

  const auto again = register_schema(spaces::schema_v2_text());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json().at("data").at("registered"), false);
  EXPECT_EQ(again.json().at("data").at("versions"), json::parse("[1,2]"));
  // The document re-serialised (same members, other whitespace) is the same document.
  const auto reformatted = register_schema(json::serialize(v2_doc()));
  EXPECT_EQ(reformatted.status, 200) << reformatted.body;
  // Version 1, as the server started with it, is registered already too.
  const auto v1 = register_schema(spaces::read_text(spaces::schema_v1_path()));
  EXPECT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(v1.json().at("data").at("registered"), false);
}

TEST_F(SchemaRegistryTest, TheSameVersionWithAnotherDocumentIs409) {
  ASSERT_EQ(register_schema(spaces::schema_v2_text()).status, 201);
  auto doc = v2_doc();
  inspection_fields(doc)["weather"].as_object()["maxLength"] = 150;
  const auto r = register_schema(json::serialize(doc));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(spaces::error_code(r), "conflict");
  // And for version 1.
  auto v1 = json::parse(spaces::read_text(spaces::schema_v1_path())).as_object();
  inspection_fields(v1)["notes"].as_object()["maxLength"] = 20000;
  EXPECT_EQ(register_schema(json::serialize(v1)).status, 409);
  EXPECT_EQ(versions("inspections"), (std::vector<std::int64_t>{1, 2}));
}

TEST_F(SchemaRegistryTest, ABreakingVersionIs422ListingTheBreaksUntilMinVersionMovesPast) {
  ASSERT_EQ(register_schema(spaces::schema_v2_text()).status, 201);
  const auto r = register_schema(breaking_v3(2));
  ASSERT_EQ(r.status, 422) << r.body;
  const std::string message = spaces::error_message(r);
  EXPECT_NE(message.find("inspection.weather"), std::string::npos) << message;
  EXPECT_NE(message.find("site.name"), std::string::npos) << message;
  EXPECT_NE(message.find("maxLength"), std::string::npos) << message;
  EXPECT_EQ(versions("inspections"), (std::vector<std::int64_t>{1, 2}));

  // Also for a window that still holds version 1.
  EXPECT_EQ(register_schema(breaking_v3(1)).status, 422);

  // With minVersion past version 2, no device of version 2 writes through it: accepted.
  const auto accepted = register_schema(breaking_v3(3));
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  EXPECT_EQ(num(accepted.json().at("data").at("minVersion")), 3);
  EXPECT_EQ(versions("inspections"), (std::vector<std::int64_t>{1, 2, 3}));
}

TEST_F(SchemaRegistryTest, OtherBreaksAreNamedToo) {
  auto doc = v2_doc();
  doc["version"] = 3;
  doc["minVersion"] = 2;
  auto& f = inspection_fields(doc);
  f["status"].as_object()["values"] =
      json::parse(R"(["draft","in_progress","submitted","approved"])");
  f["notes"].as_object()["type"] = "integer";
  f["notes"].as_object().erase("maxLength");
  f["reviewer"] = json::parse(R"({"type":"string","required":true})");
  doc["types"].as_object().erase("checklistTemplate");
  // Template references go too.
  f.erase("template");
  ASSERT_EQ(register_schema(spaces::schema_v2_text()).status, 201);
  const auto r = register_schema(json::serialize(doc));
  ASSERT_EQ(r.status, 422) << r.body;
  const std::string message = spaces::error_message(r);
  for (const char* what :
       {"rejected", "inspection.notes", "reviewer", "checklistTemplate", "inspection.template"}) {
    EXPECT_NE(message.find(what), std::string::npos) << what << " in " << message;
  }
}

TEST_F(SchemaRegistryTest, MinVersionNeverGoesBackAndVersionsOnlyRise) {
  auto doc = v2_doc();
  doc["version"] = 3;
  doc["minVersion"] = 2;
  ASSERT_EQ(register_schema(spaces::schema_v2_text()).status, 201);
  ASSERT_EQ(register_schema(json::serialize(doc)).status, 201);
  doc["version"] = 4;
  doc["minVersion"] = 1;
  const auto back = register_schema(json::serialize(doc));
  EXPECT_EQ(back.status, 422) << back.body;
  EXPECT_NE(spaces::error_message(back).find("minVersion"), std::string::npos) << back.body;
  EXPECT_EQ(num(listed("inspections").at("minVersion")), 2);
}

TEST_F(SchemaRegistryTest, AnInvalidDocumentIs422NamingThePlace) {
  const struct {
    std::string document;
    std::string place;
  } cases[] = {
      {R"({"name":"bad","version":1,"types":{"t":{"fields":{"f":{"type":"string","maxLenght":5}}}}})",
       "maxLenght"},
      {R"({"name":"bad","version":1,"types":{"t":{"fields":{"f":{"type":"text"}}}}})",
       "types.t.fields.f"},
      {R"({"name":"bad","version":1,"types":{"t":{"fields":{"id":{"type":"string"}}}}})", "id"},
      {R"({"name":"bad","version":1,"types":{"t":{"fields":{"r":{"type":"reference","to":"nowhere"}}}}})",
       "nowhere"},
      {R"({"name":"bad","version":1,"types":{"t":{"conflictPolicy":"newestWins","fields":{}}}})",
       "conflictPolicy"},
      {R"({"name":"bad","version":0,"types":{"t":{"fields":{}}}})", "version"},
      {R"({"version":1,"types":{}})", "name"},
      {"not json", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.document);
    const auto r = register_schema(c.document);
    EXPECT_EQ(r.status, 422) << r.body;
    if (!c.place.empty()) {
      EXPECT_NE(spaces::error_message(r).find(c.place), std::string::npos) << r.body;
      EXPECT_NE(spaces::error_message(r).find("Invalid schema"), std::string::npos) << r.body;
    }
  }
  EXPECT_TRUE(listed("bad").empty());
}

TEST_F(SchemaRegistryTest, GetSchemasListsEveryOneWithItsTypes) {
  ASSERT_EQ(register_schema(checklist_schema(1)).status, 201);
  ASSERT_EQ(register_schema(spaces::schema_v2_text()).status, 201);
  const auto s = listed("inspections");
  ASSERT_FALSE(s.empty());
  EXPECT_EQ(num(s.at("version")), 2);
  EXPECT_EQ(num(s.at("minVersion")), 1);
  EXPECT_EQ(s.at("versions"), json::parse("[1,2]"));
  std::vector<std::string> names;
  for (const auto& t : s.at("types").as_array()) {
    names.push_back(str(t.at("name")));
    if (t.at("name") == "site") {
      EXPECT_EQ(t.at("masterData"), true);
      EXPECT_EQ(t.at("conflictPolicy"), "field");
      EXPECT_EQ(t.at("writers"), json::parse(R"(["owner","lead"])"));
    }
    if (t.at("name") == "inspection") {
      EXPECT_EQ(t.at("masterData"), false);
      EXPECT_EQ(t.at("writers"), json::parse(R"(["owner","lead","member"])"));
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"site", "asset", "checklistTemplate", "inspection",
                                             "finding"}));
  const auto c = listed("checklists");
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(c.at("versions"), json::parse("[1]"));
  EXPECT_EQ(c.at("types").at(0).at("writers"), json::parse(R"(["owner","lead","member"])"));
  // Reading the registry needs the sync scope, not admin.
  EXPECT_EQ(http_.get("/v1/schemas", server_.auth("alice", "dev", "note")).status, 403);
}

TEST_F(SchemaRegistryTest, GetSchemaAnswersTheDocumentWithItsVersion) {
  ASSERT_EQ(register_schema(spaces::schema_v2_text()).status, 201);
  const auto latest = http_.get("/v1/schemas/inspections", server_.auth("alice"));
  ASSERT_EQ(latest.status, 200) << latest.body;
  EXPECT_EQ(latest.header("x-schema-version"), "2");
  EXPECT_EQ(latest.json().at("data"), json::value(v2_doc()));

  const auto one = http_.get("/v1/schemas/inspections/1", server_.auth("alice"));
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.header("x-schema-version"), "1");
  EXPECT_EQ(one.json().at("data"), json::parse(spaces::read_text(spaces::schema_v1_path())));

  const auto two = http_.get("/v1/schemas/inspections/2", server_.auth("alice"));
  EXPECT_EQ(two.header("x-schema-version"), "2");
  EXPECT_EQ(two.body, latest.body);

  EXPECT_EQ(http_.get("/v1/schemas/inspections/7", server_.auth("alice")).status, 404);
  EXPECT_EQ(http_.get("/v1/schemas/inspections/x", server_.auth("alice")).status / 100, 4);
  EXPECT_EQ(http_.get("/v1/schemas/nothing", server_.auth("alice")).status, 404);
}

TEST_F(SchemaRegistryTest, ASpaceFollowsTheLatestVersionOfItsSchema) {
  ASSERT_EQ(register_schema(checklist_schema(1)).status, 201);
  Device alice(server_, "alice", "alice-phone");
  alice.create_space_ok("lists", "Lists", "checklists");
  const auto a = alice.push_ok("lists", -1, batch({create("item", "x1", R"({"title":"First"})")}),
                               Mode::kStrict);
  const auto info = alice.info("lists");
  EXPECT_EQ(num(info.json().at("data").at("schemaVersion")), 1);

  ASSERT_EQ(
      register_schema(checklist_schema(2, R"("done":{"type":"boolean","default":false})")).status,
      201);
  EXPECT_EQ(num(alice.info("lists").json().at("data").at("schemaVersion")), 2);
  const auto b = alice.push_ok("lists", spaces::head_of(a),
                               batch({create("item", "x2", R"({"title":"Second","done":true})")}));
  EXPECT_EQ(ack(b, 0).at("outcome"), "applied") << json::serialize(b);
  // A version 1 device's new item gets the new field's default.
  const auto c = alice.push_ok("lists", spaces::head_of(b),
                               batch({create("item", "x3", R"({"title":"Third"})")}), Mode::kField,
                               {{"X-Schema-Version", "1"}});
  EXPECT_EQ(ack(c, 0).at("outcome"), "applied") << json::serialize(c);
  EXPECT_EQ(alice.pulled_record("lists", "item", "x3").at("done"), false);
  EXPECT_EQ(alice.pulled_record("lists", "item", "x2").at("done"), true);
  // Without minVersion a version is its own minVersion: version 1 devices are then refused.
  ASSERT_EQ(register_schema(checklist_schema(3, R"("done":{"type":"boolean","default":false})", 0))
                .status,
            201);
  const auto old =
      alice.push("lists", spaces::head_of(c), batch({create("item", "x5", R"({"title":"Fifth"})")}),
                 Mode::kField, {{"X-Schema-Version", "2"}});
  EXPECT_EQ(old.status, 426) << old.body;
  EXPECT_EQ(num(alice.info("lists").json().at("data").at("minSchemaVersion")), 3);
  // A version that does not exist is 422.
  const auto none = alice.push("lists", spaces::head_of(c),
                               batch({create("item", "x4", R"({"title":"Fourth"})")}), Mode::kField,
                               {{"X-Schema-Version", "5"}});
  EXPECT_EQ(none.status, 422) << none.body;
}

TEST_F(SchemaRegistryTest, ARestartWithTheSameSchemaFileChangesNothing) {
  ASSERT_EQ(register_schema(spaces::schema_v2_text()).status, 201);
  Device alice(server_, "alice", "alice-phone");
  alice.create_space_ok("north");
  alice.push_ok("north", -1, batch({create("site", "s1", spaces::site_data("One", "S-1"))}),
                Mode::kStrict);
  const auto before = http_.get("/v1/schemas", server_.auth("alice"));
  ASSERT_EQ(before.status, 200);

  server_.restart();
  HttpClient after_client = server_.client();
  const auto after = after_client.get("/v1/schemas", server_.auth("alice"));
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.body, before.body);

  Device again(server_, "alice", "alice-phone");
  const auto info = again.info("north");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(num(info.json().at("data").at("schemaVersion")), 2);
  EXPECT_EQ(again.pulled_record("north", "site", "s1").at("name"), "One");
  const auto d = again.push_ok("north", again.head("north"),
                               batch({create("inspection", "i1", R"({"site":"s1"})")}));
  EXPECT_EQ(ack(d, 0).at("outcome"), "applied") << json::serialize(d);
  EXPECT_EQ(again.pulled_record("north", "inspection", "i1").at("priority"), "normal");
  // Registering version 1 again is still no change.
  HttpClient admin = server_.client();
  const auto v1 = admin.post("/v1/schemas", spaces::read_text(spaces::schema_v1_path()),
                             {{"x-auth-token", server_.token("ops", "sync admin")}});
  EXPECT_EQ(v1.status, 200) << v1.body;
}

TEST_F(SchemaRegistryTest, TheSizeLimitsOfADocumentAreKept) {
  auto with_fields = [](int n) {
    std::string fields;
    for (int i = 0; i < n; ++i)
      fields +=
          (i ? "," : "") + std::string(R"("f)") + std::to_string(i) + R"(":{"type":"string"})";
    return R"({"name":"wide","version":1,"types":{"t":{"fields":{)" + fields + "}}}}";
  };
  EXPECT_EQ(register_schema(with_fields(64)).status, 201);
  const auto wide = register_schema(with_fields(65));
  EXPECT_EQ(wide.status, 422) << wide.body;
  EXPECT_NE(spaces::error_message(wide).find("fields"), std::string::npos) << wide.body;

  auto with_types = [](int n) {
    std::string types;
    for (int i = 0; i < n; ++i)
      types += (i ? "," : "") + std::string(R"("t)") + std::to_string(i) +
               R"(":{"fields":{"a":{"type":"string"}}})";
    return R"({"name":"many","version":1,"types":{)" + types + "}}";
  };
  const auto many = register_schema(with_types(33));
  EXPECT_EQ(many.status, 422) << many.body;
  EXPECT_EQ(register_schema(with_types(32)).status, 201);

  for (const char* name : {"1type", "has-dash", "clientUpdatedAt"}) {
    SCOPED_TRACE(name);
    const auto r = register_schema(R"({"name":"names","version":1,"types":{"t":{"fields":{")" +
                                   std::string(name) + R"(":{"type":"string"}}}}})");
    EXPECT_EQ(r.status, 422) << r.body;
  }
}

TEST(SchemaLimitsTest, ADocumentOverMaxSchemaBytesIs422) {
  // A --schema file over the limit stops the server at start.
  EXPECT_THROW(ServerProcess(spaces::server_args({"--max-schema-bytes", "2KiB"})),
               std::runtime_error);
  ServerProcess server({"--rate-limit", "0", "--max-schema-bytes", "2KiB"});
  const auto r = server.client().post("/v1/schemas", spaces::schema_v2_text(),
                                      {{"x-auth-token", server.token("ops", "sync admin")}});
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(spaces::error_message(r).find("larger"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace synclog::test
