// The preference endpoints against the real binary (contract section 3, A5): GET
// /v1/preferences, POST /v1/preferences?mushafId= (one key) and POST
// /v1/preferences/bulk?mushafId= (groups). Preferences are validated key by key, kept outside
// the sync log (no head moves, no X-Mutation-At, nothing pulled), per user and not per mushaf.
// The schema's every key and bound is covered by tests/unit/domain/preferences_test.cpp.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "direct_helpers.hpp"
#include "pull_helpers.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace direct;

class DirectPreferencesTest : public ::testing::Test {
 protected:
  json::value stored() { return api_.data(api_.get("/v1/preferences")); }
  Response set(const std::string& body, const std::string& mushaf = "?mushafId=4") {
    return api_.post("/v1/preferences" + mushaf, body);
  }
  Response bulk(const std::string& body, const std::string& mushaf = "?mushafId=4") {
    return api_.post("/v1/preferences/bulk" + mushaf, body);
  }

  ServerProcess server_{server_args()};
  DirectApi api_{server_, "alice"};
  SyncApi sync_{server_, "alice", "other-device"};
};

TEST_F(DirectPreferencesTest, NothingStoredReadsAsAnEmptyObject) {
  auto r = api_.get("/v1/preferences");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json(), json::parse(R"({"success":true,"data":{}})"));
  EXPECT_FALSE(r.has_header("x-mutation-at"));
  EXPECT_FALSE(r.has_header("etag"));
}

TEST_F(DirectPreferencesTest, SettingOneKeyAnswersAMessageAndMovesNoHead) {
  const auto head = sync_.head();
  auto r = set(R"({"group":"theme","key":"type","value":"dark"})");
  expect_message(r, "preference updated");
  EXPECT_FALSE(r.has_header("x-mutation-at"));
  EXPECT_FALSE(r.has_header("etag"));
  EXPECT_EQ(sync_.head(), head);
  EXPECT_TRUE(pulls::pulled(sync_, 0).empty());
  EXPECT_EQ(stored(), json::parse(R"({"theme":{"type":"dark"}})"));
  // A later value replaces it.
  expect_message(set(R"({"group":"theme","key":"type","value":"sepia"})"), "preference updated");
  EXPECT_EQ(stored(), json::parse(R"({"theme":{"type":"sepia"}})"));
  EXPECT_EQ(sync_.head(), head);
}

TEST_F(DirectPreferencesTest, ReadsFillTheDefaultsOfEachStoredGroup) {
  expect_message(set(R"({"group":"quranReaderStyles","key":"tafsirFontScale","value":5})"), "preference updated");
  expect_message(set(R"({"group":"audio","key":"playbackRate","value":1.5})"), "preference updated");
  EXPECT_EQ(stored(), json::parse(R"({
    "quranReaderStyles":{"tafsirFontScale":5,"quranTextFontScale":3,"translationFontScale":3,
      "wordByWordFontScale":3,"reflectionFontScale":3,"qnaFontScale":3,"lessonFontScale":3,
      "surahInfoFontScale":3,"hadithFontScale":3,"layersFontScale":3},
    "audio":{"playbackRate":1.5,"reciter":7}})"));
}

TEST_F(DirectPreferencesTest, BulkMergesGroupsIntoWhatIsStored) {
  expect_message(set(R"({"group":"theme","key":"type","value":"dark"})"), "preference updated");
  const auto head = sync_.head();
  auto r = bulk(R"({"reading":{"readingPreference":"reading","selectedReflectionLanguages":["en","ar"]},
                    "audio":{"reciter":5},"userHasCustomised":{"userHasCustomised":true}})");
  expect_message(r, "preferences updated");
  EXPECT_FALSE(r.has_header("x-mutation-at"));
  EXPECT_EQ(sync_.head(), head);
  expect_message(bulk(R"({"reading":{"wordByWordDisplay":["inline"]},"translations":{"selectedTranslations":[131,20]}})"),
                 "preferences updated");
  EXPECT_EQ(stored(), json::parse(R"({
    "theme":{"type":"dark"},
    "reading":{"readingPreference":"reading","selectedReflectionLanguages":["en","ar"],"wordByWordDisplay":["inline"],
      "selectedWordByWordLocale":"en","wordClickFunctionality":"play-audio","selectedReadingTranslation":"131"},
    "audio":{"reciter":5},
    "userHasCustomised":{"userHasCustomised":true},
    "translations":{"selectedTranslations":[131,20]}})"));
  EXPECT_TRUE(pulls::pulled(sync_, 0).empty());
}

TEST_F(DirectPreferencesTest, BulkValidatesEveryKeyBeforeStoringAny) {
  expect_message(set(R"({"group":"theme","key":"type","value":"dark"})"), "preference updated");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"theme":{"type":"light"},"audio":{"reciter":0}})", "Invalid audio.reciter: must be an integer from 1 to 1000000"},
      {R"({"theme":{"type":"light"},"colors":{"a":1}})", "Invalid colors: is not a preference group"},
      {R"({"theme":"light"})", "Invalid theme: must be an object of preferences"},
      {R"({"theme":{"type":"light","color":"red"}})", "Invalid theme.color: is not a preference of group theme"},
      {R"({"theme":{"type":"light"},"reading":{"selectedReflectionLanguages":[]}})",
       "Invalid reading.selectedReflectionLanguages: must be an array of 1-100 items"},
      {"[]", "The body must be a JSON object"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    expect_422(bulk(body), message);
  }
  expect_error(bulk("{"), 400, "invalid_request");
  EXPECT_EQ(stored(), json::parse(R"({"theme":{"type":"dark"}})"));
}

TEST_F(DirectPreferencesTest, SettingOneKeyValidatesGroupKeyAndValue) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"key":"type","value":"dark"})", "Missing group"},
      {R"({"group":"theme","value":"dark"})", "Missing key"},
      {R"({"group":"theme","key":"type"})", "Missing value"},
      {R"({"group":"colors","key":"type","value":"dark"})",
       "Invalid group: must be one of theme, reading, quranReaderStyles, translations, tafsirs, audio, language, "
       "userHasCustomised"},
      {R"({"group":"theme","key":"color","value":"dark"})", "Invalid key: is not a preference of group theme"},
      {R"({"group":"theme","key":"reciter","value":5})", "Invalid key: is not a preference of group theme"},
      {R"({"group":"theme","key":"type","value":"purple"})", "Invalid value: must be one of auto, light, sepia, dark"},
      {R"({"group":"quranReaderStyles","key":"wordByWordFontScale","value":7})",
       "Invalid value: must be an integer from 1 to 6"},
      {R"({"group":"audio","key":"playbackRate","value":3})",
       "Invalid value: must be one of 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2"},
      {R"({"group":"audio","key":"enableAutoScrolling","value":"yes"})", "Invalid value: must be true or false"},
      {"[]", "The body must be a JSON object"},
  };
  for (const auto& [body, message] : cases) {
    SCOPED_TRACE(body);
    expect_422(set(body), message);
  }
  expect_error(set("group=theme"), 400, "invalid_request");
  EXPECT_EQ(stored(), json::parse("{}"));
}

// Upstream requires mushafId on the preference writes; @quranjs/api sends none, and synclog
// keeps preferences per user, so it is checked when present and may be absent.
TEST_F(DirectPreferencesTest, MushafIdIsOptionalAndCheckedAndPreferencesAreNotPerMushaf) {
  const std::string body = R"({"group":"language","key":"language","value":"ar"})";
  expect_422(set(body, "?mushafId=8"), "mushafId must be one of 1, 2, 3, 4, 5, 6, 7, 11, 19");
  expect_422(set(body, "?mushafId=x"), "mushafId must be an integer from 1 to 19");
  expect_422(bulk(R"({"language":{"language":"ar"}})", "?mushafId=20"), "mushafId must be an integer from 1 to 19");
  EXPECT_EQ(stored(), json::parse("{}"));

  expect_message(set(body, "?mushafId=1"), "preference updated");
  expect_message(bulk(R"({"theme":{"type":"auto"}})", "?mushafId=19"), "preferences updated");
  EXPECT_EQ(stored(), json::parse(R"({"language":{"language":"ar"},"theme":{"type":"auto"}})"));
  expect_message(set(R"({"group":"language","key":"language","value":"en"})", ""), "preference updated");
  expect_message(bulk(R"({"theme":{"type":"dark"}})", ""), "preferences updated");
  EXPECT_EQ(stored(), json::parse(R"({"language":{"language":"en"},"theme":{"type":"dark"}})"));
}

TEST_F(DirectPreferencesTest, ScopesGateEachEndpoint) {
  const std::string body = R"({"group":"theme","key":"type","value":"dark"})";
  DirectApi others(server_, "alice", "others", "sync bookmark collection note reading_session");
  expect_403(others.get("/v1/preferences"));
  expect_403(others.post("/v1/preferences?mushafId=4", body));
  expect_403(others.post("/v1/preferences/bulk?mushafId=4", R"({"theme":{"type":"dark"}})"));

  DirectApi read(server_, "alice", "reader", "preference.read");
  EXPECT_EQ(read.get("/v1/preferences").status, 200);
  expect_403(read.post("/v1/preferences?mushafId=4", body));

  DirectApi update(server_, "alice", "updater", "preference.update");
  expect_message(update.post("/v1/preferences?mushafId=4", body), "preference updated");
  expect_403(update.get("/v1/preferences"));
  DirectApi create(server_, "alice", "creator", "preference.create");
  expect_message(create.post("/v1/preferences/bulk?mushafId=4", R"({"theme":{"type":"light"}})"),
                 "preferences updated");
  EXPECT_EQ(server_.client().get("/v1/preferences").status, 401);
  EXPECT_EQ(stored(), json::parse(R"({"theme":{"type":"light"}})"));
}

TEST_F(DirectPreferencesTest, PreferencesBelongToTheirUser) {
  expect_message(set(R"({"group":"theme","key":"type","value":"dark"})"), "preference updated");
  DirectApi bob(server_, "bob");
  EXPECT_EQ(bob.data(bob.get("/v1/preferences")), json::parse("{}"));
  expect_message(bob.post("/v1/preferences?mushafId=4", R"({"group":"theme","key":"type","value":"light"})"),
                 "preference updated");
  EXPECT_EQ(stored(), json::parse(R"({"theme":{"type":"dark"}})"));
}

TEST_F(DirectPreferencesTest, PreferencesSurviveARestart) {
  expect_message(set(R"({"group":"tafsirs","key":"selectedTafsirs","value":["en-tafisr-ibn-kathir"]})"),
                 "preference updated");
  server_.restart();
  DirectApi again(server_, "alice");
  EXPECT_EQ(again.data(again.get("/v1/preferences")),
            json::parse(R"({"tafsirs":{"selectedTafsirs":["en-tafisr-ibn-kathir"]}})"));
}

}  // namespace
}  // namespace synclog::test
