// The device's check of a space edit (src/client/space_validation.hpp) against the worked schema
// (examples/inspections/schema.json, read from the source tree): types, roles, fields, required
// fields on creation and on update, references through the device's ReferenceCheck, the
// canonical form the edit is queued in, and what the helpers read of a schema document.
#include "client/space_validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace synclog::client {
namespace {

using ::testing::HasSubstr;

std::string read_source_file(const std::string& relative) {
  std::ifstream in(std::string(SYNCLOG_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const std::string& inspections_schema() {
  static const std::string doc = read_source_file("examples/inspections/schema.json");
  return doc;
}

class SpaceValidationTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(inspections_schema().empty()) << "examples/inspections/schema.json"; }

  // Checks `fields` as a `role` creating (is_new) or updating a record of `type`; the device has
  // the records in `known_` ("type/id").
  Result<std::string> check(std::string_view type, std::string_view role, std::string_view fields,
                            bool is_new = true) {
    return check_space_edit(inspections_schema(), type, role,
                            is_new ? MutationType::kCreate : MutationType::kUpdate, is_new, fields,
                            exists_);
  }

  std::set<std::string> known_ = {"site/s1", "asset/a1", "checklistTemplate/t1", "inspection/i1"};
  std::vector<std::pair<std::string, std::string>> asked_;
  ReferenceCheck exists_ = [this](std::string_view type, std::string_view id) -> Result<bool> {
    asked_.emplace_back(type, id);
    return known_.count(std::string(type) + "/" + std::string(id)) > 0;
  };
};

template <class T>
ErrorCode code_of(const Result<T>& r) {
  return r.ok() ? ErrorCode::kInternal : r.error().code;
}

template <class T>
std::string message_of(const Result<T>& r) {
  return r.ok() ? std::string("(ok: ") + *r + ")" : r.error().message;
}

//////// Types and roles

TEST_F(SpaceValidationTest, ATypeTheSchemaDoesNotHaveIsAnInvalidRequest) {
  const auto r = check("vehicle", "owner", R"({"name":"Van"})");
  EXPECT_EQ(code_of(r), ErrorCode::kInvalidRequest);
  EXPECT_THAT(message_of(r), HasSubstr("vehicle"));
  EXPECT_THAT(message_of(r), HasSubstr("inspections"));
}

TEST_F(SpaceValidationTest, AViewerMayWriteNothing) {
  for (const char* type : {"site", "inspection", "finding"}) {
    const auto r = check(type, "viewer", "{}");
    EXPECT_EQ(code_of(r), ErrorCode::kForbidden) << type << ": " << message_of(r);
    EXPECT_THAT(message_of(r), HasSubstr("viewer"));
  }
  const auto del = check_space_edit(inspections_schema(), "inspection", "viewer",
                                    MutationType::kDelete, false, "{}", exists_);
  EXPECT_EQ(code_of(del), ErrorCode::kForbidden) << message_of(del);
}

TEST_F(SpaceValidationTest, AMemberMayNotWriteMasterData) {
  for (const char* type : {"site", "asset", "checklistTemplate"}) {
    const auto r = check(type, "member", R"({"name":"Depot","code":"D1"})");
    EXPECT_EQ(code_of(r), ErrorCode::kForbidden) << type << ": " << message_of(r);
    EXPECT_THAT(message_of(r), HasSubstr(type));
  }
  const auto del = check_space_edit(inspections_schema(), "site", "member", MutationType::kDelete,
                                    false, "{}", exists_);
  EXPECT_EQ(code_of(del), ErrorCode::kForbidden) << message_of(del);
}

TEST_F(SpaceValidationTest, LeadsAndOwnersWriteMasterDataAndMembersCapturedData) {
  EXPECT_TRUE(check("site", "lead", R"({"name":"Depot","code":"D1"})").ok());
  EXPECT_TRUE(check("site", "owner", R"({"name":"Depot","code":"D1"})").ok());
  const auto r = check("inspection", "member", R"({"site":"s1"})");
  EXPECT_TRUE(r.ok()) << message_of(r);
}

TEST_F(SpaceValidationTest, AnUnknownRoleMayWriteNothing) {
  EXPECT_EQ(code_of(check("inspection", "admin", R"({"site":"s1"})")), ErrorCode::kForbidden);
  EXPECT_EQ(code_of(check("inspection", "", R"({"site":"s1"})")), ErrorCode::kForbidden);
}

TEST_F(SpaceValidationTest, ADeleteIsCheckedForTheRoleOnlyAndCarriesNoFields) {
  const auto r = check_space_edit(inspections_schema(), "site", "lead", MutationType::kDelete,
                                  false, "not even json", exists_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "{}");
  EXPECT_TRUE(asked_.empty());
}

//////// Fields

TEST_F(SpaceValidationTest, AnUnknownFieldIsRefusedByName) {
  const auto r = check("inspection", "member", R"({"site":"s1","colour":"red"})");
  EXPECT_EQ(code_of(r), ErrorCode::kValidation);
  EXPECT_THAT(message_of(r), HasSubstr("colour"));
}

TEST_F(SpaceValidationTest, AnEnumValueNotInTheListIsRefusedByName) {
  const auto r = check("inspection", "member", R"({"site":"s1","status":"finished"})");
  EXPECT_EQ(code_of(r), ErrorCode::kValidation);
  EXPECT_THAT(message_of(r), HasSubstr("status"));
  EXPECT_THAT(message_of(r), HasSubstr("draft"));  // says which values it takes
}

TEST_F(SpaceValidationTest, AStringOverItsMaxLengthIsRefusedByName) {
  const auto ok = check("site", "lead", R"({"name":"Depot","code":")" + std::string(32, 'C') + R"("})");
  EXPECT_TRUE(ok.ok()) << message_of(ok);
  const auto r = check("site", "lead", R"({"name":"Depot","code":")" + std::string(33, 'C') + R"("})");
  EXPECT_EQ(code_of(r), ErrorCode::kValidation);
  EXPECT_THAT(message_of(r), HasSubstr("code"));
  EXPECT_THAT(message_of(r), HasSubstr("32"));
}

TEST_F(SpaceValidationTest, ANumberOutOfItsRangeIsRefusedByName) {
  const auto lat = check("site", "lead", R"({"name":"Depot","code":"D1","latitude":90.5})");
  EXPECT_EQ(code_of(lat), ErrorCode::kValidation);
  EXPECT_THAT(message_of(lat), HasSubstr("latitude"));
  const auto floor = check("asset", "lead", R"({"site":"s1","tag":"B-1","category":"boiler","floor":-11})");
  EXPECT_EQ(code_of(floor), ErrorCode::kValidation);
  EXPECT_THAT(message_of(floor), HasSubstr("floor"));
  const auto edge = check("asset", "lead", R"({"site":"s1","tag":"B-1","category":"boiler","floor":200})");
  EXPECT_TRUE(edge.ok()) << message_of(edge);
}

TEST_F(SpaceValidationTest, AValueOfTheWrongKindIsRefusedByName) {
  const auto r = check("site", "lead", R"({"name":"Depot","code":"D1","active":"yes"})");
  EXPECT_EQ(code_of(r), ErrorCode::kValidation);
  EXPECT_THAT(message_of(r), HasSubstr("active"));
  const auto i = check("asset", "lead", R"({"site":"s1","tag":"B-1","category":"boiler","floor":1.5})");
  EXPECT_EQ(code_of(i), ErrorCode::kValidation);
  EXPECT_THAT(message_of(i), HasSubstr("floor"));
}

TEST_F(SpaceValidationTest, DataThatIsNotAnObjectIsAnInvalidRequest) {
  EXPECT_EQ(code_of(check("inspection", "member", "[]")), ErrorCode::kInvalidRequest);
  EXPECT_EQ(code_of(check("inspection", "member", "not json")), ErrorCode::kInvalidRequest);
}

//////// Required fields

TEST_F(SpaceValidationTest, ACreationWithoutARequiredFieldIsRefusedByName) {
  const auto r = check("site", "lead", R"({"name":"Depot"})");
  EXPECT_EQ(code_of(r), ErrorCode::kValidation);
  EXPECT_THAT(message_of(r), HasSubstr("code"));
  // null on a creation is as if not sent.
  const auto n = check("inspection", "member", R"({"site":null,"notes":"x"})");
  EXPECT_EQ(code_of(n), ErrorCode::kValidation);
  EXPECT_THAT(message_of(n), HasSubstr("site"));
}

TEST_F(SpaceValidationTest, ARequiredFieldWithADefaultNeedNotBeGiven) {
  // The worked schema has no such field; a small one does.
  const std::string doc =
      R"({"name":"jobs","version":1,"types":{"job":{"fields":{)"
      R"("state":{"type":"enum","values":["open","done"],"required":true,"default":"open"},)"
      R"("title":{"type":"string","required":true}}}}})";
  ASSERT_EQ(schema_document_version(doc), 1) << "the small schema does not parse";
  const auto r = check_space_edit(doc, "job", "member", MutationType::kCreate, true,
                                  R"({"title":"Fix the boiler"})", exists_);
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(*r, R"({"title":"Fix the boiler"})");  // the default is the server's to add
  const auto missing = check_space_edit(doc, "job", "member", MutationType::kCreate, true,
                                        R"({"state":"done"})", exists_);
  EXPECT_EQ(code_of(missing), ErrorCode::kValidation);
  EXPECT_THAT(message_of(missing), HasSubstr("title"));
}

TEST_F(SpaceValidationTest, AnUpdateNeedNotRepeatRequiredFields) {
  const auto r = check("site", "lead", R"({"city":"Leeds"})", /*is_new=*/false);
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(*r, R"({"city":"Leeds"})");
}

TEST_F(SpaceValidationTest, AnUpdateMayNotClearARequiredField) {
  const auto r = check("site", "lead", R"({"name":null})", /*is_new=*/false);
  EXPECT_EQ(code_of(r), ErrorCode::kValidation);
  EXPECT_THAT(message_of(r), HasSubstr("name"));
  EXPECT_THAT(message_of(r), HasSubstr("cleared"));
}

TEST_F(SpaceValidationTest, AnUpdateMayClearAnOptionalField) {
  const auto r = check("inspection", "member", R"({"notes":null,"asset":null})", /*is_new=*/false);
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(*r, R"({"notes":null,"asset":null})");
  EXPECT_TRUE(asked_.empty());  // a cleared reference points nowhere: nothing to look up
}

//////// References

TEST_F(SpaceValidationTest, AReferenceTheDeviceDoesNotHaveIsRefusedNamingFieldAndId) {
  const auto r = check("inspection", "member", R"({"site":"s404"})");
  EXPECT_EQ(code_of(r), ErrorCode::kValidation);
  EXPECT_THAT(message_of(r), HasSubstr("site"));
  EXPECT_THAT(message_of(r), HasSubstr("s404"));
  ASSERT_EQ(asked_.size(), 1u);
  EXPECT_EQ(asked_[0], (std::pair<std::string, std::string>{"site", "s404"}));
}

TEST_F(SpaceValidationTest, EachReferenceIsLookedUpAsItsTargetType) {
  const auto r = check("inspection", "member", R"({"site":"s1","asset":"a1","template":"t1"})");
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(asked_, (std::vector<std::pair<std::string, std::string>>{
                        {"site", "s1"}, {"asset", "a1"}, {"checklistTemplate", "t1"}}));
  // A finding's inspection is captured data, looked up the same way.
  const auto f = check("finding", "member", R"({"inspection":"i2","severity":"low","description":"d"})");
  EXPECT_EQ(code_of(f), ErrorCode::kValidation);
  EXPECT_THAT(message_of(f), HasSubstr("inspection"));
  EXPECT_THAT(message_of(f), HasSubstr("i2"));
}

TEST_F(SpaceValidationTest, AnUpdateOfAReferenceIsCheckedToo) {
  const auto r = check("inspection", "member", R"({"asset":"a404"})", /*is_new=*/false);
  EXPECT_EQ(code_of(r), ErrorCode::kValidation);
  EXPECT_THAT(message_of(r), HasSubstr("asset"));
  EXPECT_THAT(message_of(r), HasSubstr("a404"));
}

TEST_F(SpaceValidationTest, AFailingLookupIsPassedOn) {
  exists_ = [](std::string_view, std::string_view) -> Result<bool> {
    return make_error(ErrorCode::kInternal, "disk on fire");
  };
  const auto r = check("inspection", "member", R"({"site":"s1"})");
  EXPECT_EQ(code_of(r), ErrorCode::kInternal);
  EXPECT_EQ(message_of(r), "disk on fire");
}

//////// Canonical output

TEST_F(SpaceValidationTest, ADatetimeWithAnOffsetComesBackInUtc) {
  const auto r = check("inspection", "member",
                       R"({"site":"s1","scheduledFor":"2026-05-19T12:15:30.123+02:00"})");
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(*r, R"({"site":"s1","scheduledFor":"2026-05-19T10:15:30.123Z"})");
}

TEST_F(SpaceValidationTest, EpochMillisecondsComeBackAsUtcText) {
  const auto r = check("inspection", "member", R"({"site":"s1","startedAt":1779185730123})");
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(*r, R"({"site":"s1","startedAt":"2026-05-19T10:15:30.123Z"})");
}

TEST_F(SpaceValidationTest, CanonicalOutputKeepsValuesAndTheOrderGiven) {
  const auto r = check("site", "lead",
                       R"({"code":"D1","name":"Depot","latitude":53,"longitude":-1.5,"active":false})");
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(*r, R"({"code":"D1","name":"Depot","latitude":53,"longitude":-1.5,"active":false})");
  // Defaults are the server's to add: the edit carries only what the person set.
  EXPECT_EQ(r->find("active\":true"), std::string::npos);
}

TEST_F(SpaceValidationTest, ACaptureTimeInTheFieldsComesBackInUtc) {
  const auto r = check("inspection", "member",
                       R"({"notes":"n","clientUpdatedAt":"2026-05-19T11:15:30.123+01:00"})",
                       /*is_new=*/false);
  ASSERT_TRUE(r.ok()) << message_of(r);
  EXPECT_EQ(*r, R"({"notes":"n","clientUpdatedAt":"2026-05-19T10:15:30.123Z"})");
}

//////// The schema document

TEST_F(SpaceValidationTest, TypeGroupsSplitsMasterDataFromCapturedDataInDocumentOrder) {
  const auto g = type_groups(inspections_schema());
  EXPECT_EQ(g.master, (std::vector<std::string>{"site", "asset", "checklistTemplate"}));
  EXPECT_EQ(g.captured, (std::vector<std::string>{"inspection", "finding"}));
}

TEST_F(SpaceValidationTest, NameAndVersionAreReadFromTheDocument) {
  EXPECT_EQ(schema_document_name(inspections_schema()), "inspections");
  EXPECT_EQ(schema_document_version(inspections_schema()), 1);
  const std::string v7 =
      R"({"name":"audits","version":7,"minVersion":3,"types":{"visit":{"fields":{"note":{"type":"string"}}}}})";
  EXPECT_EQ(schema_document_name(v7), "audits");
  EXPECT_EQ(schema_document_version(v7), 7);
  const auto g = type_groups(v7);
  EXPECT_TRUE(g.master.empty());
  EXPECT_EQ(g.captured, (std::vector<std::string>{"visit"}));
}

TEST_F(SpaceValidationTest, ADocumentThatIsNotASchemaYieldsNothing) {
  for (const std::string& doc :
       {std::string("not json"), std::string("{}"), std::string(R"({"name":"x","version":1})"),
        std::string(R"({"name":"x","version":1,"types":{"t":{"fields":{"f":{"type":"colour"}}}}})")}) {
    EXPECT_EQ(schema_document_name(doc), "") << doc;
    EXPECT_EQ(schema_document_version(doc), 0) << doc;
    const auto g = type_groups(doc);
    EXPECT_TRUE(g.master.empty()) << doc;
    EXPECT_TRUE(g.captured.empty()) << doc;
    const auto r = check_space_edit(doc, "t", "owner", MutationType::kCreate, true, "{}", exists_);
    EXPECT_EQ(code_of(r), ErrorCode::kInvalidRequest) << doc;
    EXPECT_THAT(message_of(r), HasSubstr("schema")) << doc;
  }
}

}  // namespace
}  // namespace synclog::client
