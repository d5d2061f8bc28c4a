// `synclog import` against the real binary: master data from CSV and JSON files into a space,
// in batches through the API, as its lead. The example's files import whole; references from
// assets to sites resolve; a re-run changes nothing; a row the space refuses (a reference that
// does not resolve, a member's write of master data) is reported with its line and the import
// exits 1 while the rest is kept; a cell that is not its field's type stops it before anything
// is sent.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <fstream>
#include <string>

#include "server_process.hpp"
#include "synclog_command.hpp"
#include "temp_dir.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--schema", source_path("examples/inspections/schema.json"), "--rate-limit", "0"});
    const auto r = server_->client().post("/v1/spaces", R"({"name":"North","schema":"inspections","spaceId":"north"})",
                                          server_->auth("lead"));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  CommandRun import(const std::string& user, const std::string& type, const std::string& file) {
    return run_synclog({"import", "--server", "http://" + server_->host() + ":" + std::to_string(server_->port()),
                        "--token", server_->token(user), "--space", "north", "--type", type, file},
                       dir_.path() / ("import-" + std::to_string(++runs_)));
  }
  // The space's records of `type`, by a full pull.
  std::size_t count(const std::string& type) {
    const auto r = server_->client().get("/v1/spaces/north/sync?mutationsSince=0&resources=" + type,
                                         server_->auth("lead"));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).at("data").at("mutations").as_array().size();
  }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  int runs_ = 0;
};

TEST_F(ImportTest, TheExamplesMasterDataImportsWholeAndAgainChangesNothing) {
  const auto sites = import("lead", "site", source_path("examples/inspections/master-data/sites.csv"));
  ASSERT_EQ(sites.exit_code, 0) << sites;
  EXPECT_NE(sites.out.find("2000 site records; applied 2000"), std::string::npos) << sites;
  const auto assets = import("lead", "asset", source_path("examples/inspections/master-data/assets.csv"));
  ASSERT_EQ(assets.exit_code, 0) << assets;
  EXPECT_NE(assets.out.find("8000 asset records; applied 8000"), std::string::npos) << assets;
  const auto templates =
      import("lead", "checklistTemplate", source_path("examples/inspections/master-data/checklist-templates.json"));
  ASSERT_EQ(templates.exit_code, 0) << templates;
  EXPECT_EQ(count("site"), 2000u);
  EXPECT_EQ(count("asset"), 8000u);
  EXPECT_EQ(count("checklistTemplate"), 48u);
  const auto head = server_->client().get("/v1/spaces/north/sync?mutationsSince=0&metadataOnly=true", server_->auth("lead"));
  const auto again = import("lead", "site", source_path("examples/inspections/master-data/sites.csv"));
  ASSERT_EQ(again.exit_code, 0) << again;
  EXPECT_EQ(server_->client().get("/v1/spaces/north/sync?mutationsSince=0&metadataOnly=true", server_->auth("lead")).body,
            head.body)
      << "a second run of the same file moved the space's head";
  // Values arrive with their types: numbers, booleans, datetimes in UTC.
  const auto site = server_->client().get("/v1/spaces/north/records/site/site-0001", server_->auth("lead"));
  ASSERT_EQ(site.status, 200) << site.body;
  const auto data = json::parse(site.body).at("data").as_object();
  EXPECT_TRUE(data.at("latitude").is_double() || data.at("latitude").is_int64()) << site.body;
  EXPECT_TRUE(data.at("active").is_bool()) << site.body;
}

TEST_F(ImportTest, RefusedRowsAreReportedByLineAndTheRestIsKept) {
  ASSERT_EQ(import("lead", "site", write("sites.csv", "id,name,code\ns1,Depot,D1\n")).exit_code, 0);
  const auto r = import("lead", "asset", write("assets.csv",
                                               "id,site,tag,category\n"
                                               "a1,s1,T1,boiler\n"
                                               "a2,nope,T2,boiler\n"
                                               "a3,s1,T3,roof\n"));
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.out.find("applied 2 rejected 1"), std::string::npos) << r;
  EXPECT_NE(r.out.find("line 3 (a2): No site has the id nope"), std::string::npos) << r;
  EXPECT_EQ(count("asset"), 2u);
}

TEST_F(ImportTest, AMemberCannotImportMasterData) {
  const auto add = server_->client().request("PUT", "/v1/spaces/north/members", R"({"person":"mia","role":"member"})",
                                         server_->auth("lead"));
  ASSERT_EQ(add.status, 200) << add.body;
  const auto r = import("mia", "site", write("sites.csv", "id,name,code\ns1,Depot,D1\n"));
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_NE(r.out.find("A member cannot write site records"), std::string::npos) << r;
  EXPECT_EQ(count("site"), 0u);
}

TEST_F(ImportTest, ACellOfTheWrongTypeStopsTheImportBeforeAnythingIsSent) {
  const auto r = import("lead", "site", write("sites.csv", "id,name,code,latitude\ns1,Depot,D1,north\n"));
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_NE(r.err.find("line 2, column latitude: \"north\" is not a number"), std::string::npos) << r;
  const auto unknown = import("lead", "site", write("sites2.csv", "id,name,colour\ns1,Depot,red\n"));
  EXPECT_EQ(unknown.exit_code, 2) << unknown;
  EXPECT_NE(unknown.err.find("column \"colour\" is not a field of the type"), std::string::npos) << unknown;
  EXPECT_EQ(count("site"), 0u);
}

}  // namespace
}  // namespace synclog::test
