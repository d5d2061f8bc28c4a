// Schema documents: parse_schema reading every field type with its defaults and refusing each
// kind of invalid document with a message that names the place; assign_kinds giving types
// stable kinds across versions (never reusing one, at most 32) and tracking renamed fields;
// check_upgrade accepting compatible versions and listing every break; check_replacement
// applying the version window rules.
#include "domain/schema.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclog::domain {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

// {"name":"app","version":<version>,["minVersion":<min>,]"types":{<types_json>}}
std::string doc(std::string_view types_json, int version = 1, int min_version = 0) {
  std::string out = R"({"name":"app","version":)" + std::to_string(version);
  if (min_version) out += R"(,"minVersion":)" + std::to_string(min_version);
  return out + R"(,"types":{)" + std::string(types_json) + "}}";
}
// A document whose only type, "site", is <type_json>.
std::string doc_with_type(std::string_view type_json) {
  return doc(R"("site":)" + std::string(type_json));
}
// A document whose only type, "site", has the one field "name": <field_json>.
std::string doc_with_field(std::string_view field_json) {
  return doc_with_type(R"({"fields":{"name":)" + std::string(field_json) + "}}");
}

// The message of a refusal of `document` (empty, with a test failure, if it parsed).
std::string refusal(std::string_view document, const SchemaLimits& limits = {}) {
  auto r = parse_schema(document, limits);
  if (r.ok()) {
    ADD_FAILURE() << "parsed: " << document;
    return "";
  }
  EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable) << r.error().message;
  return r.error().message;
}

// What a refusal naming `place` starts with.
std::string at(std::string_view place) { return "Invalid schema: " + std::string(place) + ": "; }

Schema parsed(std::string_view document, const SchemaLimits& limits = {}) {
  auto r = parse_schema(document, limits);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message << "\n  in: " << document;
    return Schema{};
  }
  return std::move(r).value();
}

// `document` parsed and given its kinds after `previous`, as registration does.
Schema registered(std::string_view document, const Schema* previous) {
  Schema s = parsed(document);
  const Status st = assign_kinds(s, previous);
  EXPECT_TRUE(st.ok()) << st.message() << "\n  in: " << document;
  return s;
}

// The message of assign_kinds refusing `document` after `previous`.
std::string kinds_refusal(std::string_view document, const Schema* previous) {
  Schema s = parsed(document);
  const Status st = assign_kinds(s, previous);
  if (st.ok()) {
    ADD_FAILURE() << "kinds assigned: " << document;
    return "";
  }
  EXPECT_EQ(st.code(), ErrorCode::kUnprocessable) << st.message();
  return st.message();
}

std::string upgrade_refusal(const Schema& older, const Schema& newer) {
  const Status st = check_upgrade(older, newer);
  if (st.ok()) {
    ADD_FAILURE() << "upgrade accepted";
    return "";
  }
  EXPECT_EQ(st.code(), ErrorCode::kUnprocessable) << st.message();
  return st.message();
}

const FieldSpec& field_of(const Schema& s, std::string_view type, std::string_view field) {
  static const FieldSpec kMissing;
  const TypeSpec* t = s.type(type);
  if (!t) {
    ADD_FAILURE() << "no type " << type;
    return kMissing;
  }
  const auto i = t->field_index(field);
  if (!i) {
    ADD_FAILURE() << "no field " << type << "." << field;
    return kMissing;
  }
  return t->fields[*i];
}

// ---------------------------------------------------------------------------------------------
// parse_schema: valid documents

constexpr std::string_view kEveryFieldType = R"({
  "name": "inspections", "version": 3,
  "types": {
    "site": {"masterData": true,
             "fields": {"name": {"type": "string", "required": true, "minLength": 2, "maxLength": 200}}},
    "inspection": {
      "conflictPolicy": "lastWriteWins",
      "fields": {
        "site": {"type": "reference", "to": "site", "required": true},
        "score": {"type": "integer", "min": 0, "max": 10, "default": 5.0},
        "weight": {"type": "number", "min": -1.5, "default": 1.50},
        "passed": {"type": "boolean", "default": false},
        "at": {"type": "datetime", "default": "2026-03-29T02:30:00+02:00"},
        "status": {"type": "enum", "values": ["draft", "done"], "default": "draft"},
        "tags": {"type": "stringList", "maxItems": 5, "maxLength": 20, "default": ["a", "b"]},
        "notes": {"type": "string"}
      }},
    "audit": {"writers": ["owner"], "conflictPolicy": "serverWins",
              "fields": {"by": {"type": "string"}}}
  }})";

TEST(SchemaTest, DocumentWithEveryFieldTypeParses) {
  const Schema s = parsed(kEveryFieldType);
  EXPECT_EQ(s.name, "inspections");
  EXPECT_EQ(s.version, 3);
  ASSERT_EQ(s.types.size(), 3u);
  EXPECT_EQ(s.types[0].name, "site");
  EXPECT_EQ(s.types[1].name, "inspection");
  EXPECT_EQ(s.types[2].name, "audit");
  EXPECT_FALSE(s.document.empty());

  const TypeSpec* inspection = s.type("inspection");
  ASSERT_NE(inspection, nullptr);
  ASSERT_EQ(inspection->fields.size(), 8u);
  std::vector<FieldKind> kinds;
  for (const auto& f : inspection->fields) kinds.push_back(f.kind);
  EXPECT_THAT(kinds, ElementsAre(FieldKind::kReference, FieldKind::kInteger, FieldKind::kNumber,
                                 FieldKind::kBoolean, FieldKind::kDatetime, FieldKind::kEnum,
                                 FieldKind::kStringList, FieldKind::kString));

  const FieldSpec& name = field_of(s, "site", "name");
  EXPECT_EQ(name.kind, FieldKind::kString);
  EXPECT_TRUE(name.required);
  EXPECT_EQ(name.min_length, 2u);
  EXPECT_EQ(name.max_length, 200u);
  EXPECT_TRUE(name.default_json.empty());

  const FieldSpec& site = field_of(s, "inspection", "site");
  EXPECT_TRUE(site.required);
  EXPECT_EQ(site.to, "site");

  const FieldSpec& score = field_of(s, "inspection", "score");
  EXPECT_FALSE(score.required);
  EXPECT_EQ(score.min, 0.0);
  EXPECT_EQ(score.max, 10.0);
  EXPECT_EQ(score.default_json, "5");

  const FieldSpec& weight = field_of(s, "inspection", "weight");
  EXPECT_EQ(weight.min, -1.5);
  EXPECT_FALSE(weight.max.has_value());
  EXPECT_EQ(weight.default_json, "1.5");

  EXPECT_EQ(field_of(s, "inspection", "passed").default_json, "false");
  EXPECT_EQ(field_of(s, "inspection", "at").default_json, "\"2026-03-29T00:30:00.000Z\"");

  const FieldSpec& status = field_of(s, "inspection", "status");
  EXPECT_THAT(status.values, ElementsAre("draft", "done"));
  EXPECT_EQ(status.default_json, "\"draft\"");

  const FieldSpec& tags = field_of(s, "inspection", "tags");
  EXPECT_EQ(tags.max_items, 5u);
  EXPECT_EQ(tags.max_length, 20u);
  EXPECT_EQ(tags.default_json, R"(["a","b"])");

  // Limits the document does not set take the documented defaults.
  const FieldSpec& notes = field_of(s, "inspection", "notes");
  EXPECT_FALSE(notes.required);
  EXPECT_EQ(notes.min_length, 0u);
  EXPECT_EQ(notes.max_length, kDefaultMaxStringChars);
  EXPECT_TRUE(notes.default_json.empty());
  EXPECT_TRUE(notes.renamed_from.empty());
}

TEST(SchemaTest, StringListWithoutLimitsGetsDefaultBounds) {
  const Schema s = parsed(doc_with_field(R"({"type":"stringList"})"));
  const FieldSpec& f = field_of(s, "site", "name");
  EXPECT_EQ(f.max_items, kDefaultMaxListItems);
  EXPECT_EQ(f.max_length, kDefaultMaxStringChars);
}

TEST(SchemaTest, KindsAreNotAssignedByParsing) {
  const Schema s = parsed(kEveryFieldType);
  for (const auto& t : s.types) EXPECT_EQ(t.kind, 0) << t.name;
  EXPECT_EQ(s.next_kind, 0u);
  for (const auto& t : s.types) EXPECT_TRUE(t.former_names.empty()) << t.name;
}

TEST(SchemaTest, MasterDataIsWrittenByOwnersAndLeadsByDefault) {
  const Schema s = parsed(kEveryFieldType);
  const TypeSpec* site = s.type("site");
  ASSERT_NE(site, nullptr);
  EXPECT_TRUE(site->master_data);
  EXPECT_THAT(site->writers, UnorderedElementsAre(Role::kOwner, Role::kLead));
  EXPECT_TRUE(site->writable_by(Role::kOwner));
  EXPECT_TRUE(site->writable_by(Role::kLead));
  EXPECT_FALSE(site->writable_by(Role::kMember));
  EXPECT_FALSE(site->writable_by(Role::kViewer));
}

TEST(SchemaTest, OtherTypesAreWrittenByOwnersLeadsAndMembersByDefault) {
  const Schema s = parsed(kEveryFieldType);
  const TypeSpec* inspection = s.type("inspection");
  ASSERT_NE(inspection, nullptr);
  EXPECT_FALSE(inspection->master_data);
  EXPECT_THAT(inspection->writers, UnorderedElementsAre(Role::kOwner, Role::kLead, Role::kMember));
  EXPECT_FALSE(inspection->writable_by(Role::kViewer));
}

TEST(SchemaTest, DeclaredWritersReplaceTheDefault) {
  const Schema s = parsed(kEveryFieldType);
  const TypeSpec* audit = s.type("audit");
  ASSERT_NE(audit, nullptr);
  EXPECT_THAT(audit->writers, ElementsAre(Role::kOwner));
  EXPECT_FALSE(audit->writable_by(Role::kLead));

  const Schema master = parsed(doc_with_type(
      R"({"masterData":true,"writers":["owner","member","owner"],"fields":{"a":{"type":"string"}}})"));
  EXPECT_THAT(master.types[0].writers, UnorderedElementsAre(Role::kOwner, Role::kMember))
      << "writers override masterData's default, and a role listed twice counts once";
}

TEST(SchemaTest, ConflictPolicyDefaultsToField) {
  const Schema s = parsed(kEveryFieldType);
  EXPECT_EQ(s.type("site")->policy, ConflictPolicy::kField);
  EXPECT_EQ(s.type("inspection")->policy, ConflictPolicy::kLastWriteWins);
  EXPECT_EQ(s.type("audit")->policy, ConflictPolicy::kServerWins);
  EXPECT_EQ(parsed(doc_with_type(R"({"conflictPolicy":"field","fields":{"a":{"type":"string"}}})"))
                .types[0]
                .policy,
            ConflictPolicy::kField);
}

TEST(SchemaTest, MinVersionDefaultsToVersion) {
  EXPECT_EQ(parsed(doc(R"("site":{"fields":{"a":{"type":"string"}}})", 4)).min_version, 4);
  const Schema s = parsed(doc(R"("site":{"fields":{"a":{"type":"string"}}})", 4, 2));
  EXPECT_EQ(s.version, 4);
  EXPECT_EQ(s.min_version, 2);
  EXPECT_EQ(parsed(doc(R"("site":{"fields":{"a":{"type":"string"}}})", 4, 4)).min_version, 4);
}

TEST(SchemaTest, WholeNumbersMayBeWrittenWithAFraction) {
  const Schema s = parsed(
      R"({"name":"app","version":2.0,"minVersion":1.0,"types":{"site":{"fields":{"a":{"type":"string","maxLength":10.0}}}}})");
  EXPECT_EQ(s.version, 2);
  EXPECT_EQ(s.min_version, 1);
  EXPECT_EQ(s.types[0].fields[0].max_length, 10u);
}

TEST(SchemaTest, NullDefaultMeansNoDefault) {
  const Schema s = parsed(doc_with_field(R"({"type":"string","default":null})"));
  EXPECT_TRUE(s.types[0].fields[0].default_json.empty());
}

TEST(SchemaTest, NamesOfSixtyFourCharactersAreAccepted) {
  const std::string long_name(kMaxNameLength, 'a');
  const Schema s = parsed(doc("\"" + long_name + R"(":{"fields":{")" + long_name + R"(":{"type":"string"}}})"));
  ASSERT_EQ(s.types.size(), 1u);
  EXPECT_EQ(s.types[0].name, long_name);
  EXPECT_EQ(s.types[0].fields[0].name, long_name);
  EXPECT_TRUE(parsed(doc(R"("Site_2":{"fields":{"x_1Y":{"type":"string"}}})")).types.size() == 1);
}

TEST(SchemaTest, FieldIndexAndTypeLookupFindByName) {
  const Schema s = parsed(kEveryFieldType);
  EXPECT_EQ(s.type("missing"), nullptr);
  ASSERT_NE(s.type("inspection"), nullptr);
  EXPECT_EQ(s.type("inspection")->field_index("status"), 5u);
  EXPECT_FALSE(s.type("inspection")->field_index("nope").has_value());
}

TEST(SchemaTest, NamesOfEnumsRoundTrip) {
  EXPECT_EQ(field_kind_name(FieldKind::kStringList), "stringList");
  EXPECT_EQ(field_kind_name(FieldKind::kDatetime), "datetime");
  EXPECT_EQ(role_name(Role::kLead), "lead");
  EXPECT_EQ(parse_role("member"), Role::kMember);
  EXPECT_EQ(parse_role("viewer"), Role::kViewer);
  EXPECT_FALSE(parse_role("Owner").has_value());
  EXPECT_EQ(conflict_policy_name(ConflictPolicy::kLastWriteWins), "lastWriteWins");
}

// ---------------------------------------------------------------------------------------------
// parse_schema: refusals name the place

TEST(SchemaTest, UnknownMemberOfTheDocumentIsRefused) {
  const std::string m = refusal(
      R"({"name":"app","version":1,"types":{"site":{"fields":{"a":{"type":"string"}}}},"extra":1})");
  EXPECT_THAT(m, StartsWith("Invalid schema: "));
  EXPECT_THAT(m, HasSubstr("unknown member \"extra\""));
}

TEST(SchemaTest, UnknownMemberOfATypeIsRefusedWithItsPlace) {
  EXPECT_THAT(refusal(doc_with_type(R"({"masterdata":true,"fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site") + "unknown member \"masterdata\""));
}

TEST(SchemaTest, UnknownMemberOfAFieldIsRefusedWithItsPlace) {
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","maxlength":5})")),
              StartsWith(at("types.site.fields.name") + "unknown member \"maxlength\""));
}

TEST(SchemaTest, SettingsOfAnotherFieldTypeAreUnknownMembers) {
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"integer","maxLength":5})")),
              StartsWith(at("types.site.fields.name") + "unknown member \"maxLength\""));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","min":1})")),
              StartsWith(at("types.site.fields.name") + "unknown member \"min\""));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","values":["a"]})")),
              StartsWith(at("types.site.fields.name") + "unknown member \"values\""));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","maxItems":3})")),
              StartsWith(at("types.site.fields.name") + "unknown member \"maxItems\""));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum","values":["a"],"to":"site"})")),
              StartsWith(at("types.site.fields.name") + "unknown member \"to\""));
}

TEST(SchemaTest, BadSchemaNameIsRefused) {
  EXPECT_THAT(refusal(R"({"name":"my app","version":1,"types":{"s":{"fields":{"a":{"type":"string"}}}}})"),
              StartsWith(at("name")));
  EXPECT_THAT(refusal(R"({"version":1,"types":{"s":{"fields":{"a":{"type":"string"}}}}})"), StartsWith(at("name")));
  EXPECT_THAT(refusal(R"({"name":7,"version":1,"types":{"s":{"fields":{"a":{"type":"string"}}}}})"),
              StartsWith(at("name")));
}

TEST(SchemaTest, BadTypeNameIsRefusedWithItsPlace) {
  for (const std::string& name :
       std::vector<std::string>{"1site", "site-x", "_site", "si te", "sité", std::string(kMaxNameLength + 1, 'a')}) {
    EXPECT_THAT(refusal(doc("\"" + name + R"(":{"fields":{"a":{"type":"string"}}})")),
                StartsWith(at("types." + name) + "type names are"))
        << name;
  }
  EXPECT_THAT(refusal(doc(R"("":{"fields":{"a":{"type":"string"}}})")), StartsWith(at("types.")));
}

TEST(SchemaTest, BadFieldNameIsRefusedWithItsPlace) {
  for (const std::string& name :
       std::vector<std::string>{"9lives", "a.b", "_x", "first-name", std::string(kMaxNameLength + 1, 'f')}) {
    EXPECT_THAT(refusal(doc_with_type(R"({"fields":{")" + name + R"(":{"type":"string"}}})")),
                StartsWith(at("types.site.fields." + name) + "field names are"))
        << name;
  }
}

TEST(SchemaTest, ReservedFieldNamesAreRefused) {
  for (const std::string name : {"id", "clientCreatedAt", "clientUpdatedAt", "updatedBy"}) {
    EXPECT_THAT(refusal(doc_with_type(R"({"fields":{")" + name + R"(":{"type":"string"}}})")),
                StartsWith(at("types.site.fields." + name) + "\"" + name + "\" is reserved"))
        << name;
  }
  // Only those names: a similar name is a field like any other.
  EXPECT_EQ(parsed(doc_with_type(R"({"fields":{"siteId":{"type":"string"},"Id":{"type":"string"}}})"))
                .types[0]
                .fields.size(),
            2u);
}

TEST(SchemaTest, FieldWithoutOrWithUnknownTypeIsRefused) {
  EXPECT_THAT(refusal(doc_with_field(R"({"required":true})")),
              StartsWith(at("types.site.fields.name.type") + "is required"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"text"})")), StartsWith(at("types.site.fields.name.type")));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"String"})")), StartsWith(at("types.site.fields.name.type")));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":3})")), StartsWith(at("types.site.fields.name.type")));
  EXPECT_THAT(refusal(doc_with_field(R"("string")")), StartsWith(at("types.site.fields.name") + "must be an object"));
}

TEST(SchemaTest, WronglyTypedSettingsAreRefusedWithTheirPlace) {
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","required":"yes"})")),
              StartsWith(at("types.site.fields.name.required") + "must be true or false"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"integer","min":"0"})")),
              StartsWith(at("types.site.fields.name.min") + "must be a number"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","maxLength":0})")),
              StartsWith(at("types.site.fields.name.maxLength")));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","maxLength":2.5})")),
              StartsWith(at("types.site.fields.name.maxLength")));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","minLength":-1})")),
              StartsWith(at("types.site.fields.name.minLength")));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"stringList","maxItems":0})")),
              StartsWith(at("types.site.fields.name.maxItems")));
  EXPECT_THAT(refusal(doc_with_type(R"({"masterData":1,"fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site.masterData")));
  EXPECT_THAT(refusal(doc_with_type(R"({"conflictPolicy":"newest","fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site.conflictPolicy")));
  EXPECT_THAT(refusal(doc_with_type(R"([])")), StartsWith(at("types.site") + "must be an object"));
}

TEST(SchemaTest, ReferenceToAnUnknownTypeIsRefused) {
  EXPECT_THAT(refusal(doc(R"("site":{"fields":{"a":{"type":"string"}}},
                             "inspection":{"fields":{"place":{"type":"reference","to":"place"}}})")),
              StartsWith(at("types.inspection.fields.place.to") + "no type is called \"place\""));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"reference"})")), StartsWith(at("types.site.fields.name.to")));
  // A type may point to itself or to a type declared after it.
  EXPECT_EQ(parsed(doc(R"("inspection":{"fields":{"site":{"type":"reference","to":"site"},
                                                  "parent":{"type":"reference","to":"inspection"}}},
                          "site":{"fields":{"a":{"type":"string"}}})"))
                .types.size(),
            2u);
}

TEST(SchemaTest, EnumWithoutValuesIsRefused) {
  const std::string place = at("types.site.fields.name.values");
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum"})")), StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum","values":[]})")), StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum","values":"a"})")), StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum","values":["a",1]})")), StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum","values":["a",""]})")), StartsWith(place));
}

TEST(SchemaTest, EnumWithTooManyValuesIsRefused) {
  std::string values;
  for (std::size_t i = 0; i <= kMaxEnumValues; ++i) values += (i ? ",\"v" : "\"v") + std::to_string(i) + "\"";
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum","values":[)" + values + "]}")),
              StartsWith(at("types.site.fields.name.values")));
  const std::string fits = values.substr(0, values.rfind(','));
  EXPECT_EQ(parsed(doc_with_field(R"({"type":"enum","values":[)" + fits + "]}")).types[0].fields[0].values.size(),
            kMaxEnumValues);
}

TEST(SchemaTest, EnumWithDuplicateValuesIsRefused) {
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum","values":["draft","done","draft"]})")),
              StartsWith(at("types.site.fields.name.values") + "\"draft\" is listed twice"));
}

TEST(SchemaTest, DefaultThatIsNotAValueOfItsFieldIsRefused) {
  const std::string place = at("types.site.fields.name.default");
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"enum","values":["draft","done"],"default":"open"})")),
              StartsWith(place + "must be one of draft, done"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","maxLength":3,"default":"four"})")),
              StartsWith(place + "must be 0-3 characters"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","default":5})")), StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"integer","default":1.5})")), StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"integer","min":1,"max":3,"default":4})")),
              StartsWith(place + "must be an integer from 1 to 3"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"number","max":1,"default":1.01})")), StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"boolean","default":"true"})")), StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"datetime","default":"2026-03-29T02:30:00"})")),
              StartsWith(place));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"stringList","maxItems":1,"default":["a","b"]})")),
              StartsWith(place));
}

TEST(SchemaTest, ReferenceCannotHaveADefault) {
  EXPECT_THAT(refusal(doc(R"("site":{"fields":{"parent":{"type":"reference","to":"site","default":"abc"}}})")),
              StartsWith(at("types.site.fields.parent.default") + "a reference has no default"));
}

TEST(SchemaTest, MinAboveMaxIsRefused) {
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"integer","min":5,"max":4})")),
              StartsWith(at("types.site.fields.name") + "min is above max"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"number","min":0.5,"max":0.25})")),
              StartsWith(at("types.site.fields.name") + "min is above max"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","minLength":5,"maxLength":4})")),
              StartsWith(at("types.site.fields.name") + "minLength is above maxLength"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"stringList","minLength":5,"maxLength":4})")),
              StartsWith(at("types.site.fields.name") + "minLength is above maxLength"));
  // Equal bounds are one allowed value.
  EXPECT_EQ(parsed(doc_with_field(R"({"type":"integer","min":4,"max":4})")).types[0].fields[0].min, 4.0);
}

TEST(SchemaTest, WritersWithoutOwnerAreRefused) {
  EXPECT_THAT(refusal(doc_with_type(R"({"writers":["lead","member"],"fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site.writers") + "owners write every type"));
  EXPECT_THAT(refusal(doc_with_type(R"({"writers":[],"fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site.writers")));
}

TEST(SchemaTest, WritersWithViewerOrUnknownRoleAreRefused) {
  EXPECT_THAT(refusal(doc_with_type(R"({"writers":["owner","viewer"],"fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site.writers") + "roles that may write are owner, lead and member"));
  EXPECT_THAT(refusal(doc_with_type(R"({"writers":["owner","admin"],"fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site.writers")));
  EXPECT_THAT(refusal(doc_with_type(R"({"writers":["owner",1],"fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site.writers")));
  EXPECT_THAT(refusal(doc_with_type(R"({"writers":"owner","fields":{"a":{"type":"string"}}})")),
              StartsWith(at("types.site.writers") + "must be a list of roles"));
}

TEST(SchemaTest, RenamedFromMustBeAnotherNameNotInUse) {
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","renamedFrom":"name"})")),
              StartsWith(at("types.site.fields.name.renamedFrom") + "must be the field's former name"));
  EXPECT_THAT(refusal(doc_with_field(R"({"type":"string","renamedFrom":"not valid"})")),
              StartsWith(at("types.site.fields.name.renamedFrom")));
  EXPECT_THAT(refusal(doc_with_type(R"({"fields":{"a":{"type":"string"},
                                                  "b":{"type":"string","renamedFrom":"a"}}})")),
              StartsWith(at("types.site.fields.b.renamedFrom") + "\"a\" is still a field of this type"));
  EXPECT_THAT(refusal(doc_with_type(R"({"fields":{"a":{"type":"string","renamedFrom":"old"},
                                                  "b":{"type":"string","renamedFrom":"old"}}})")),
              StartsWith(at("types.site.fields.b.renamedFrom") + "two fields cannot come from one"));
  EXPECT_EQ(parsed(doc_with_field(R"({"type":"string","renamedFrom":"title"})")).types[0].fields[0].renamed_from,
            "title");
}

TEST(SchemaTest, MoreTypesThanTheLimitAreRefused) {
  SchemaLimits limits;
  limits.max_types = 2;
  const std::string two = R"("a":{"fields":{"x":{"type":"string"}}},"b":{"fields":{"x":{"type":"string"}}})";
  EXPECT_EQ(parsed(doc(two), limits).types.size(), 2u);
  EXPECT_THAT(refusal(doc(two + R"(,"c":{"fields":{"x":{"type":"string"}}})"), limits),
              StartsWith(at("types") + "a schema declares 1-2 types"));
  EXPECT_THAT(refusal(doc("")), StartsWith(at("types")));
}

TEST(SchemaTest, MoreFieldsThanTheLimitAreRefused) {
  SchemaLimits limits;
  limits.max_fields = 2;
  EXPECT_EQ(parsed(doc_with_type(R"({"fields":{"a":{"type":"string"},"b":{"type":"string"}}})"), limits)
                .types[0]
                .fields.size(),
            2u);
  EXPECT_THAT(
      refusal(doc_with_type(R"({"fields":{"a":{"type":"string"},"b":{"type":"string"},"c":{"type":"string"}}})"),
              limits),
      StartsWith(at("types.site.fields") + "a type has 1-2 fields"));
  EXPECT_THAT(refusal(doc_with_type(R"({"fields":{}})")), StartsWith(at("types.site.fields")));
  EXPECT_THAT(refusal(doc_with_type(R"({"masterData":true})")),
              StartsWith(at("types.site.fields") + "must be an object"));
}

TEST(SchemaTest, DocumentBiggerThanTheLimitIsRefused) {
  const std::string document = doc_with_field(R"({"type":"string"})");
  SchemaLimits limits;
  limits.max_bytes = document.size();
  EXPECT_EQ(parsed(document, limits).types.size(), 1u);
  limits.max_bytes = document.size() - 1;
  EXPECT_THAT(refusal(document, limits), HasSubstr("larger than " + std::to_string(document.size() - 1) + " bytes"));
}

TEST(SchemaTest, MinVersionAboveVersionIsRefused) {
  const std::string m = refusal(doc(R"("site":{"fields":{"a":{"type":"string"}}})", 2, 3));
  EXPECT_THAT(m, StartsWith("Invalid schema: "));
  EXPECT_THAT(m, HasSubstr("minVersion: must be a whole number from 1 to 2"));
  EXPECT_THAT(refusal(R"({"name":"app","version":2,"minVersion":0,"types":{"s":{"fields":{"a":{"type":"string"}}}}})"),
              HasSubstr("minVersion"));
}

TEST(SchemaTest, MissingOrInvalidVersionIsRefused) {
  EXPECT_THAT(refusal(R"({"name":"app","types":{"s":{"fields":{"a":{"type":"string"}}}}})"),
              StartsWith(at("version")));
  for (const std::string v : {"0", "-1", "1.5", "\"1\"", "1000000001"}) {
    EXPECT_THAT(refusal(R"({"name":"app","version":)" + v + R"(,"types":{"s":{"fields":{"a":{"type":"string"}}}}})"),
                HasSubstr("version"))
        << v;
  }
}

TEST(SchemaTest, DocumentThatIsNotAnObjectIsRefused) {
  for (const std::string document : {"[]", "\"schema\"", "42", "null"}) {
    EXPECT_THAT(refusal(document), StartsWith(at("the document") + "must be an object")) << document;
  }
  EXPECT_THAT(refusal("{\"name\":"), StartsWith("Invalid schema: "));
  EXPECT_THAT(refusal(""), StartsWith("Invalid schema: "));
  EXPECT_THAT(refusal(doc("").substr(0, 10) + "\xff\"}"), StartsWith("Invalid schema: "));
  EXPECT_THAT(refusal(R"({"name":"app","version":1,"types":[]})"), StartsWith(at("types") + "must be an object"));
}

// ---------------------------------------------------------------------------------------------
// assign_kinds

constexpr std::string_view kV1 = R"({"name":"app","version":1,"types":{
  "site":{"fields":{"name":{"type":"string"}}},
  "inspection":{"fields":{"remarks":{"type":"string"},"score":{"type":"integer"}}},
  "photo":{"fields":{"url":{"type":"string"}}}}})";

TEST(SchemaTest, FirstVersionGetsKindsInDocumentOrder) {
  const Schema v1 = registered(kV1, nullptr);
  ASSERT_EQ(v1.types.size(), 3u);
  EXPECT_EQ(v1.types[0].kind, 0);
  EXPECT_EQ(v1.types[1].kind, 1);
  EXPECT_EQ(v1.types[2].kind, 2);
  EXPECT_EQ(v1.next_kind, 3u);
}

TEST(SchemaTest, LaterVersionKeepsKindsByTypeName) {
  const Schema v1 = registered(kV1, nullptr);
  const Schema v2 = registered(R"({"name":"app","version":2,"types":{
      "photo":{"fields":{"url":{"type":"string"}}},
      "audit":{"fields":{"by":{"type":"string"}}},
      "site":{"fields":{"name":{"type":"string"}}},
      "inspection":{"fields":{"remarks":{"type":"string"},"score":{"type":"integer"}}}}})",
                               &v1);
  EXPECT_EQ(v2.type("site")->kind, 0);
  EXPECT_EQ(v2.type("inspection")->kind, 1);
  EXPECT_EQ(v2.type("photo")->kind, 2);
  EXPECT_EQ(v2.type("audit")->kind, 3) << "a new type gets the next unused kind";
  EXPECT_EQ(v2.next_kind, 4u);
}

TEST(SchemaTest, KindsOfRemovedTypesAreNeverReused) {
  const Schema v1 = registered(kV1, nullptr);
  const Schema v2 = registered(R"({"name":"app","version":2,"types":{
      "site":{"fields":{"name":{"type":"string"}}},
      "photo":{"fields":{"url":{"type":"string"}}}}})",
                               &v1);
  EXPECT_EQ(v2.type("site")->kind, 0);
  EXPECT_EQ(v2.type("photo")->kind, 2);
  EXPECT_EQ(v2.next_kind, 3u) << "the removed type's kind stays used";
  const Schema v3 = registered(R"({"name":"app","version":3,"types":{
      "site":{"fields":{"name":{"type":"string"}}},
      "visit":{"fields":{"at":{"type":"datetime"}}},
      "photo":{"fields":{"url":{"type":"string"}}},
      "inspection":{"fields":{"remarks":{"type":"string"}}}}})",
                               &v2);
  EXPECT_EQ(v3.type("site")->kind, 0);
  EXPECT_EQ(v3.type("photo")->kind, 2);
  EXPECT_EQ(v3.type("visit")->kind, 3);
  EXPECT_EQ(v3.type("inspection")->kind, 4) << "a type removed and declared again is a new type";
  EXPECT_EQ(v3.next_kind, 5u);
}

// A document of version `version` with the one type "t<n>".
std::string single_type_doc(int version, int n) {
  return R"({"name":"app","version":)" + std::to_string(version) + R"(,"types":{"t)" + std::to_string(n) +
         R"(":{"fields":{"a":{"type":"string"}}}}})";
}

TEST(SchemaTest, MoreThanThirtyTwoKindsOverVersionsAreRefused) {
  Schema previous = registered(single_type_doc(1, 0), nullptr);
  for (int v = 2; v <= 32; ++v) {
    Schema next = registered(single_type_doc(v, v - 1), &previous);
    ASSERT_EQ(next.types[0].kind, v - 1);
    previous = std::move(next);
  }
  EXPECT_EQ(previous.next_kind, 32u);
  EXPECT_THAT(kinds_refusal(single_type_doc(33, 32), &previous),
              AllOf(StartsWith(at("types.t32")), HasSubstr("32")));
  // Types that keep their kind still register.
  EXPECT_EQ(registered(single_type_doc(33, 31), &previous).types[0].kind, 31);
}

TEST(SchemaTest, ThirtyTwoTypesFillEveryKind) {
  std::string types;
  for (int i = 0; i < 32; ++i) types += (i ? ",\"t" : "\"t") + std::to_string(i) + R"(":{"fields":{"a":{"type":"string"}}})";
  const Schema v1 = registered(doc(types), nullptr);
  EXPECT_EQ(v1.types.back().kind, 31);
  EXPECT_EQ(v1.next_kind, 32u);
  // Replacing one type by a new one needs a 33rd kind.
  std::string replaced = types.substr(0, types.rfind(",\"t31\"")) + R"(,"u":{"fields":{"a":{"type":"string"}}})";
  EXPECT_THAT(kinds_refusal(doc(replaced, 2), &v1), StartsWith(at("types.u")));
}

constexpr std::string_view kRenamedV2 = R"({"name":"app","version":2,"types":{
  "site":{"fields":{"name":{"type":"string"}}},
  "inspection":{"fields":{"score":{"type":"integer"},"at":{"type":"datetime"},
                          "notes":{"type":"string","renamedFrom":"remarks"}}},
  "photo":{"fields":{"url":{"type":"string"}}}}})";

TEST(SchemaTest, RenamedFromMapsTheFormerNameToTheField) {
  const Schema v1 = registered(kV1, nullptr);
  const Schema v2 = registered(kRenamedV2, &v1);
  const TypeSpec* t = v2.type("inspection");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->field_index("notes"), 2u);
  ASSERT_TRUE(t->former_names.count("remarks"));
  EXPECT_EQ(t->former_names.at("remarks"), 2u) << "the index of the field now, not then";
  EXPECT_FALSE(t->former_names.count("at")) << "a new field has no former name";
  for (const auto& [name, index] : t->former_names) {
    ASSERT_LT(index, t->fields.size()) << name;
    if (name != "remarks") {
      EXPECT_EQ(t->fields[index].name, name) << "an unrenamed field is only itself";
    }
  }
}

TEST(SchemaTest, RenamesChainAcrossVersions) {
  const Schema v1 = registered(kV1, nullptr);
  const Schema v2 = registered(kRenamedV2, &v1);
  const Schema v3 = registered(R"({"name":"app","version":3,"types":{
      "inspection":{"fields":{"comment":{"type":"string","renamedFrom":"notes"},
                              "grade":{"type":"integer","renamedFrom":"score"}}}}})",
                               &v2);
  const TypeSpec* t = v3.type("inspection");
  ASSERT_NE(t, nullptr);
  EXPECT_THAT(t->former_names, ::testing::IsSupersetOf({Pair("remarks", 0u), Pair("notes", 0u), Pair("score", 1u)}));
  EXPECT_FALSE(t->former_names.count("at"));

  // A later version without renames keeps every earlier name.
  const Schema v4 = registered(R"({"name":"app","version":4,"types":{
      "inspection":{"fields":{"extra":{"type":"string"},"grade":{"type":"integer"},
                              "comment":{"type":"string"}}}}})",
                               &v3);
  const TypeSpec* t4 = v4.type("inspection");
  ASSERT_NE(t4, nullptr);
  EXPECT_THAT(t4->former_names,
              ::testing::IsSupersetOf({Pair("remarks", 2u), Pair("notes", 2u), Pair("score", 1u)}));
}

TEST(SchemaTest, RenamedFromNamingNoFieldOfThePreviousVersionIsRefused) {
  const Schema v1 = registered(kV1, nullptr);
  EXPECT_THAT(kinds_refusal(R"({"name":"app","version":2,"types":{
      "inspection":{"fields":{"notes":{"type":"string","renamedFrom":"comments"}}}}})",
                            &v1),
              StartsWith(at("types.inspection.fields.notes.renamedFrom") + "version 1 has no field \"comments\""));
  // A field of another type is no former name of this one.
  EXPECT_THAT(kinds_refusal(R"({"name":"app","version":2,"types":{
      "inspection":{"fields":{"title":{"type":"string","renamedFrom":"name"}}}}})",
                            &v1),
              StartsWith(at("types.inspection.fields.title.renamedFrom")));
  // A new type has no history to refer to: its renamedFrom are moot, as in a first version.
  const Schema with_visit = registered(R"({"name":"app","version":2,"types":{
      "visit":{"fields":{"title":{"type":"string","renamedFrom":"name"}}}}})",
                                       &v1);
  EXPECT_TRUE(with_visit.type("visit")->former_names.empty());
  // A renamedFrom kept from the version before the previous one is history: the field has its
  // name in the previous version and continues it.
  const Schema v2 = registered(kRenamedV2, &v1);
  const Schema v3 = registered(R"({"name":"app","version":3,"types":{
      "inspection":{"fields":{"notes":{"type":"string","renamedFrom":"remarks"}}}}})",
                               &v2);
  EXPECT_EQ(v3.type("inspection")->former_names.at("remarks"), 0u);
}

// A server may start on a later version of a document: its renames have no earlier version
// to refer to there, and are history, not a mistake.
TEST(SchemaTest, RenamedFromInAFirstVersionIsHistory) {
  const Schema first = registered(doc_with_field(R"({"type":"string","renamedFrom":"title"})"), nullptr);
  EXPECT_TRUE(first.type("site")->former_names.empty());
}

// A document copied forward keeps its renamedFrom: the field still has its name in the previous
// version, so it continues that field, and the rename stays in its history.
TEST(SchemaTest, ARenameCopiedIntoTheNextVersionIsHistory) {
  const Schema v1 = registered(R"({"name":"app","version":1,"types":{"site":{"fields":{"title":{"type":"string"}}}}})",
                               nullptr);
  const std::string renamed = R"({"name":"app","version":%V,"types":{"site":{"fields":{
                                   "name":{"type":"string","renamedFrom":"title"}}}}})";
  const auto at_version = [&](int v) {
    std::string d = renamed;
    d.replace(d.find("%V"), 2, std::to_string(v));
    return d;
  };
  const Schema v2 = registered(at_version(2), &v1);
  Schema v3 = parsed(at_version(3));
  ASSERT_TRUE(check_replacement(v2, v3).ok()) << check_replacement(v2, v3).message();
  ASSERT_TRUE(assign_kinds(v3, &v2).ok());
  EXPECT_EQ(v3.type("site")->former_names.at("title"), 0u);
}

TEST(SchemaTest, FormerNameReusedByAnotherFieldIsRefused) {
  const Schema v1 = registered(R"({"name":"app","version":1,"types":{"site":{"fields":{"x":{"type":"string"}}}}})",
                               nullptr);
  const Schema v2 = registered(
      R"({"name":"app","version":2,"types":{"site":{"fields":{"z":{"type":"string","renamedFrom":"x"}}}}})", &v1);
  EXPECT_THAT(kinds_refusal(R"({"name":"app","version":3,"types":{"site":{"fields":{
                                  "z":{"type":"string"},"x":{"type":"integer"}}}}})",
                            &v2),
              StartsWith(at("types.site.fields.x") + "this name belonged to another field"));
  // Also after further renames.
  const Schema v3 = registered(
      R"({"name":"app","version":3,"types":{"site":{"fields":{"w":{"type":"string","renamedFrom":"z"}}}}})", &v2);
  EXPECT_THAT(kinds_refusal(R"({"name":"app","version":4,"types":{"site":{"fields":{
                                  "w":{"type":"string"},"z":{"type":"string"}}}}})",
                            &v3),
              StartsWith(at("types.site.fields.z")));
  EXPECT_THAT(kinds_refusal(R"({"name":"app","version":4,"types":{"site":{"fields":{
                                  "w":{"type":"string"},"x":{"type":"string"}}}}})",
                            &v3),
              StartsWith(at("types.site.fields.x")));
}

// A field renamed to the name another field had in the previous version would have stored
// records read as the wrong field: v1 {a, b}; v2 {b renamedFrom a} would read v1's own b as v2's
// b (and render {"b":<a>,"b":<old b>}). Found while writing these tests.
TEST(SchemaTest, RenameOntoANameOfAnotherPreviousFieldIsRefused) {
  const Schema v1 = registered(R"({"name":"app","version":1,"types":{"site":{"fields":{
                                     "a":{"type":"string"},"b":{"type":"string"}}}}})",
                               nullptr);
  const std::string v2 = R"({"name":"app","version":2,"minVersion":2,"types":{"site":{"fields":{
                               "b":{"type":"string","renamedFrom":"a"}}}}})";
  Schema next = parsed(v2);
  const Status st = assign_kinds(next, &v1);
  EXPECT_FALSE(st.ok()) << "v2's b is v1's a, but stored v1 records also have a b of their own";
  if (!st.ok()) {
    EXPECT_THAT(st.message(), HasSubstr("types.site.fields.b"));
  }
}

// A dropped field's name is retired: a later field of that name would read the old field's
// stored values as its own. v1 {a, b}; v2 {a} (b dropped, minVersion 2); v3 {a, b}: refused.
TEST(SchemaTest, ANameOfADroppedFieldIsNeverTakenAgain) {
  const Schema v1 = registered(R"({"name":"app","version":1,"types":{"site":{"fields":{
                                     "a":{"type":"string"},"b":{"type":"string"}}}}})",
                               nullptr);
  const Schema v2 = registered(R"({"name":"app","version":2,"minVersion":2,"types":{"site":{"fields":{
                                     "a":{"type":"string"}}}}})",
                               &v1);
  EXPECT_EQ(v2.type("site")->retired_names, std::vector<std::string>{"b"});
  Schema v3 = parsed(R"({"name":"app","version":3,"minVersion":3,"types":{"site":{"fields":{
                          "a":{"type":"string"},"b":{"type":"integer"}}}}})");
  const Status st = assign_kinds(v3, &v2);
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("types.site.fields.b"));
  // A field renamed back to a name it had itself is the same field.
  Schema v2b = parsed(R"({"name":"app","version":2,"types":{"site":{"fields":{
                           "a":{"type":"string"},"c":{"type":"string","renamedFrom":"b"}}}}})");
  ASSERT_TRUE(assign_kinds(v2b, &v1).ok());
  Schema v3b = parsed(R"({"name":"app","version":3,"types":{"site":{"fields":{
                           "a":{"type":"string"},"b":{"type":"string","renamedFrom":"c"}}}}})");
  ASSERT_TRUE(assign_kinds(v3b, &v2b).ok());
  EXPECT_EQ(v3b.type("site")->former_names.at("c"), 1u);
}

// ---------------------------------------------------------------------------------------------
// check_upgrade

constexpr std::string_view kBase = R"({"name":"app","version":1,"types":{
  "site":{"fields":{
    "name":{"type":"string","required":true,"minLength":1,"maxLength":100},
    "code":{"type":"string"},
    "count":{"type":"integer","min":0,"max":100},
    "weight":{"type":"number"},
    "status":{"type":"enum","values":["draft","done"]},
    "tags":{"type":"stringList","maxItems":10}}},
  "inspection":{"fields":{
    "site":{"type":"reference","to":"site"},
    "remarks":{"type":"string"}}},
  "place":{"fields":{"label":{"type":"string"}}}}})";

// kBase at version 2 with `from` replaced by `to` (which must occur exactly once).
std::string base_with(std::string_view from, std::string_view to) {
  std::string s(kBase);
  const auto v = s.find(R"("version":1)");
  s.replace(v, 11, R"("version":2)");
  const auto at_pos = s.find(from);
  EXPECT_NE(at_pos, std::string::npos) << from;
  EXPECT_EQ(s.find(from, at_pos + 1), std::string::npos) << from << " occurs twice";
  if (at_pos != std::string::npos) s.replace(at_pos, from.size(), to);
  return s;
}

TEST(SchemaTest, SameSchemaIsAnUpgrade) {
  const Schema v1 = parsed(kBase);
  EXPECT_TRUE(check_upgrade(v1, parsed(base_with("\"code\"", "\"code\""))).ok());
}

TEST(SchemaTest, CompatibleChangesAreAnUpgrade) {
  const Schema v1 = parsed(kBase);
  const std::vector<std::pair<std::string, std::string>> changes = {
      // a new optional field
      {R"("code":{"type":"string"})", R"("code":{"type":"string"},"extra":{"type":"integer"})"},
      // a new required field with a default
      {R"("code":{"type":"string"})", R"("code":{"type":"string"},"kind":{"type":"enum","values":["a"],"required":true,"default":"a"})"},
      // an optional field becomes required with a default
      {R"("code":{"type":"string"})", R"("code":{"type":"string","required":true,"default":"x"})"},
      // a required field becomes optional
      {R"("name":{"type":"string","required":true,)", R"("name":{"type":"string",)"},
      // enum widened
      {R"(["draft","done"])", R"(["draft","review","done"])"},
      // limits loosened
      {R"("minLength":1,"maxLength":100)", R"("minLength":0,"maxLength":200)"},
      {R"("minLength":1,"maxLength":100)", R"("maxLength":100)"},
      {R"("min":0,"max":100)", R"("min":-5,"max":1000)"},
      {R"("min":0,"max":100)", R"("max":100)"},
      {R"("min":0,"max":100)", ""},
      {R"("maxItems":10)", R"("maxItems":20)"},
      // a declared rename
      {R"("remarks":{"type":"string"})", R"("notes":{"type":"string","renamedFrom":"remarks"})"},
      // a new type
      {R"("place":{)", R"("visit":{"fields":{"at":{"type":"datetime","required":true}}},"place":{)"},
      // other settings devices do not depend on
      {R"("place":{)", R"("place":{"masterData":true,"conflictPolicy":"serverWins",)"},
  };
  for (const auto& [from, to] : changes) {
    std::string newer = base_with(from, to);
    // Dropping a whole setting may leave a dangling comma.
    for (std::string_view bad : {",}", "{,"}) {
      for (auto p = newer.find(bad); p != std::string::npos; p = newer.find(bad)) newer.erase(p + (bad[0] == ',' ? 0 : 1), 1);
    }
    const Status st = check_upgrade(v1, parsed(newer));
    EXPECT_TRUE(st.ok()) << from << " -> " << to << ": " << st.message();
  }
}

TEST(SchemaTest, RemovedTypeBreaksAnUpgrade) {
  const Schema v1 = parsed(kBase);
  const Schema v2 = parsed(base_with(R"(,
  "place":{"fields":{"label":{"type":"string"}}})",
                                     ""));
  EXPECT_THAT(upgrade_refusal(v1, v2), HasSubstr("type place was removed"));
}

TEST(SchemaTest, RemovedFieldBreaksAnUpgrade) {
  const Schema v1 = parsed(kBase);
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("code":{"type":"string"},)", ""))),
              HasSubstr("site.code was removed"));
  // Renaming without saying so is removing one field and adding another.
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("remarks":{"type":"string"})", R"("notes":{"type":"string"})"))),
              HasSubstr("inspection.remarks was removed"));
}

TEST(SchemaTest, ChangedFieldTypeBreaksAnUpgrade) {
  const Schema v1 = parsed(kBase);
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("count":{"type":"integer","min":0,"max":100})",
                                                   R"("count":{"type":"number","min":0,"max":100})"))),
              HasSubstr("site.count changed from integer to number"));
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("code":{"type":"string"})", R"("code":{"type":"stringList"})"))),
              HasSubstr("site.code changed from string to stringList"));
  // Through a rename, the break is named by the field's old name.
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("remarks":{"type":"string"})",
                                                   R"("notes":{"type":"integer","renamedFrom":"remarks"})"))),
              HasSubstr("inspection.remarks changed from string to integer"));
}

TEST(SchemaTest, BecomingRequiredWithoutDefaultBreaksAnUpgrade) {
  const Schema v1 = parsed(kBase);
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("code":{"type":"string"})",
                                                   R"("code":{"type":"string","required":true})"))),
              HasSubstr("site.code became required without a default"));
}

TEST(SchemaTest, NewRequiredFieldWithoutDefaultBreaksAnUpgrade) {
  const Schema v1 = parsed(kBase);
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("code":{"type":"string"})",
                                                   R"("code":{"type":"string"},"owner":{"type":"string","required":true})"))),
              HasSubstr("site.owner is new and required without a default"));
}

TEST(SchemaTest, TightenedLimitsBreakAnUpgrade) {
  const Schema v1 = parsed(kBase);
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("minLength":1)", R"("minLength":2)"))),
              HasSubstr("site.name.minLength rose"));
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("maxLength":100)", R"("maxLength":99)"))),
              HasSubstr("site.name.maxLength fell"));
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("code":{"type":"string"})",
                                                   R"("code":{"type":"string","maxLength":50})"))),
              HasSubstr("site.code.maxLength fell"));
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("min":0)", R"("min":1)"))), HasSubstr("site.count.min rose"));
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("max":100)", R"("max":99.5)"))),
              HasSubstr("site.count.max fell"));
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("weight":{"type":"number"})",
                                                   R"("weight":{"type":"number","min":0})"))),
              HasSubstr("site.weight.min rose"));
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("weight":{"type":"number"})",
                                                   R"("weight":{"type":"number","max":10})"))),
              HasSubstr("site.weight.max fell"));
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("maxItems":10)", R"("maxItems":9)"))),
              HasSubstr("site.tags.maxItems fell"));
}

TEST(SchemaTest, RemovedEnumValueBreaksAnUpgrade) {
  const Schema v1 = parsed(kBase);
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"(["draft","done"])", R"(["draft","closed"])"))),
              HasSubstr("site.status no longer accepts \"done\""));
}

TEST(SchemaTest, ChangedReferenceTargetBreaksAnUpgrade) {
  const Schema v1 = parsed(kBase);
  EXPECT_THAT(upgrade_refusal(v1, parsed(base_with(R"("to":"site")", R"("to":"place")"))),
              HasSubstr("inspection.site points to place instead of site"));
}

TEST(SchemaTest, EveryBreakIsListedInOneMessage) {
  const Schema v1 = parsed(kBase);
  std::string newer = base_with(R"(["draft","done"])", R"(["draft"])");
  newer.replace(newer.find(R"("maxItems":10)"), 13, R"("maxItems":5)");
  newer.replace(newer.find(R"("code":{"type":"string"},)"), 25, "");
  newer.replace(newer.find(R"("to":"site")"), 11, R"("to":"place")");
  const std::string m = upgrade_refusal(v1, parsed(newer));
  EXPECT_THAT(m, StartsWith("Schema app version 2 would break devices on version 1 (raise minVersion above 1 to "
                            "allow it): "));
  EXPECT_THAT(m, HasSubstr("site.code was removed"));
  EXPECT_THAT(m, HasSubstr("site.status no longer accepts \"done\""));
  EXPECT_THAT(m, HasSubstr("site.tags.maxItems fell"));
  EXPECT_THAT(m, HasSubstr("inspection.site points to place instead of site"));
  EXPECT_THAT(m, HasSubstr("; "));
}

TEST(SchemaTest, RenameOntoAnOldFieldNameIsRefusedForWhatItBreaks) {
  const Schema v1 = parsed(kBase);
  // inspection.site is gone; remarks now carries its old name under a declared rename.
  const Schema v2 = parsed(base_with(R"("site":{"type":"reference","to":"site"},
    "remarks":{"type":"string"})",
                                     R"("site":{"type":"string","renamedFrom":"remarks"})"));
  // v2's site is v1's site (it has that name), retyped; v1's remarks has no field continuing it.
  // (assign_kinds refuses such a document outright: a field cannot be renamed onto another.)
  const std::string m = upgrade_refusal(v1, v2);
  EXPECT_THAT(m, HasSubstr("inspection.site changed from reference to string"));
  EXPECT_THAT(m, HasSubstr("inspection.remarks was removed"));
}

// ---------------------------------------------------------------------------------------------
// check_replacement

// kBase with its version (and minVersion) replaced and `from` replaced by `to`.
std::string version_of_base(int version, int min_version, std::string_view from = "\"code\"",
                            std::string_view to = "\"code\"") {
  std::string s = base_with(from, to);
  s.replace(s.find(R"("version":2)"), 11,
            R"("version":)" + std::to_string(version) + R"(,"minVersion":)" + std::to_string(min_version));
  return s;
}

TEST(SchemaTest, ReplacementMustRaiseTheVersion) {
  const Schema v2 = parsed(version_of_base(2, 1));
  const Status same = check_replacement(v2, parsed(version_of_base(2, 1)));
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.code(), ErrorCode::kUnprocessable);
  EXPECT_THAT(same.message(), HasSubstr("already at version 2"));
  EXPECT_FALSE(check_replacement(v2, parsed(version_of_base(1, 1))).ok());
  EXPECT_TRUE(check_replacement(v2, parsed(version_of_base(3, 1))).ok());
  EXPECT_TRUE(check_replacement(v2, parsed(version_of_base(10, 2))).ok()) << "versions may skip";
}

TEST(SchemaTest, ReplacementCannotLowerMinVersion) {
  const Schema v3 = parsed(version_of_base(3, 2));
  const Status st = check_replacement(v3, parsed(version_of_base(4, 1)));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kUnprocessable);
  EXPECT_THAT(st.message(), HasSubstr("minVersion cannot go back from 2 to 1"));
  EXPECT_TRUE(check_replacement(v3, parsed(version_of_base(4, 2))).ok());
  EXPECT_TRUE(check_replacement(v3, parsed(version_of_base(4, 3))).ok());
}

TEST(SchemaTest, ReplacementWhoseWindowHoldsThePreviousVersionMustBeAnUpgrade) {
  const Schema v2 = parsed(version_of_base(2, 1));
  const std::string breaking_from = R"("code":{"type":"string"})";
  const std::string breaking_to = R"("code":{"type":"integer"})";
  // minVersion at the previous version, or below it: previous devices still write.
  for (int min_version : {1, 2}) {
    const Status st = check_replacement(v2, parsed(version_of_base(3, min_version, breaking_from, breaking_to)));
    ASSERT_FALSE(st.ok()) << min_version;
    EXPECT_EQ(st.code(), ErrorCode::kUnprocessable);
    EXPECT_THAT(st.message(), HasSubstr("would break devices on version 2"));
    EXPECT_THAT(st.message(), HasSubstr("site.code changed from string to integer"));
  }
  EXPECT_TRUE(check_replacement(v2, parsed(version_of_base(3, 2, breaking_from,
                                                           R"("code":{"type":"string"},"n":{"type":"integer"})")))
                  .ok());
}

TEST(SchemaTest, ReplacementWhoseWindowIsPastThePreviousVersionMayBreak) {
  const Schema v2 = parsed(version_of_base(2, 1));
  EXPECT_TRUE(check_replacement(v2, parsed(version_of_base(3, 3, R"("code":{"type":"string"})",
                                                           R"("code":{"type":"integer","required":true})")))
                  .ok());
  std::string removed_type = version_of_base(5, 4);
  removed_type.erase(removed_type.find(R"(,
  "place")"));
  removed_type += "}}";
  EXPECT_TRUE(check_replacement(v2, parsed(removed_type)).ok());
}

}  // namespace
}  // namespace synclog::domain
