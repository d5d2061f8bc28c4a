// The preference schema: every group and key with the values it accepts and the values it
// refuses (enums, bounded strings counted in characters, integer ranges, playback rates,
// enum/string/integer arrays with their item and size bounds, booleans), the 422 messages naming
// the field, set_preference merging one key into the stored document, set_preferences_bulk
// validating every key before merging any, and preferences_body completing each stored group
// with the defaults of its required keys.
#include "domain/preferences.hpp"

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/resource.hpp"

namespace synclog::domain {
namespace {

namespace json = boost::json;
using ::testing::StartsWith;

// {"group":..,"key":..,"value":<value_json>}
json::value one(std::string_view group, std::string_view key, std::string_view value_json) {
  json::object o;
  o["group"] = group;
  o["key"] = key;
  o["value"] = json::parse(value_json);
  return o;
}

Result<std::string> set(std::string_view group, std::string_view key, std::string_view value_json,
                        std::string_view stored = "") {
  return set_preference(stored, one(group, key, value_json));
}

// A JSON string of `n` copies of `unit` (a UTF-8 character).
std::string text_of(std::size_t n, std::string_view unit = "a") {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += unit;
  return json::serialize(json::value(s));
}
// A JSON array of `n` copies of `item_json`.
std::string array_of(std::size_t n, std::string_view item_json) {
  std::string s = "[";
  for (std::size_t i = 0; i < n; ++i) s += (i ? "," : "") + std::string(item_json);
  return s + "]";
}

// One schema key: values it accepts and values it refuses.
struct KeyCase {
  std::string group;
  std::string key;
  std::vector<std::string> valid;
  std::vector<std::string> invalid;
};

std::vector<KeyCase> schema_cases() {
  const std::vector<std::string> not_enum = {"null", "1", "true", "\"\"", "[]", "{}"};
  const auto plus = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const auto scale = [&](std::string key, int max) {
    return KeyCase{"quranReaderStyles", std::move(key),
                   {"1", "3", std::to_string(max), "2.0"},
                   {"0", "-1", std::to_string(max + 1), "2.5", "\"3\"", "true", "null", "[3]"}};
  };
  const std::vector<std::string> locales = {"en", "ur", "id", "bn", "tr", "fa", "ru", "hi", "de",
                                            "ta", "inh", "fr", "sq", "dv", "zh", "sd", "ml"};
  const std::vector<std::string> languages = {"en", "ar", "bn", "fa", "fr", "id", "it", "nl", "pt", "ru",
                                              "sq", "th", "tr", "ur", "zh", "ms", "es", "sw", "vi"};
  const auto quoted = [](const std::vector<std::string>& vs) {
    std::vector<std::string> out;
    for (const auto& v : vs) out.push_back("\"" + v + "\"");
    return out;
  };
  const auto content_types = [&](std::string key) {
    return KeyCase{"reading", std::move(key),
                   {"[]", R"(["translation"])", R"(["transliteration","translation"])"},
                   {R"(["Translation"])", R"(["tooltip"])", "[1]", "[null]", "\"translation\"", "null", "{}",
                    array_of(101, "\"translation\"")}};
  };
  const auto bool_case = [](std::string group, std::string key) {
    return KeyCase{std::move(group), std::move(key), {"true", "false"}, {"null", "0", "1", "\"true\"", "[]"}};
  };
  const auto language_list = [&](std::string key) {
    return KeyCase{"reading", std::move(key),
                   {R"(["en"])", R"(["en","ar","ur"])", "[" + text_of(10) + "]", array_of(100, "\"en\"")},
                   {"[]", R"([""])", "[" + text_of(11) + "]", "[1]", "[null]", "\"en\"", "null",
                    array_of(101, "\"en\"")}};
  };

  return {
      KeyCase{"theme", "type", quoted({"auto", "light", "sepia", "dark"}),
              plus({"\"Dark\"", "\"black\"", "\" dark\""}, not_enum)},
      KeyCase{"reading", "readingPreference", quoted({"translation", "reading", "readingTranslation"}),
              plus({"\"Reading\"", "\"readingtranslation\""}, not_enum)},
      KeyCase{"reading", "selectedWordByWordLocale", quoted(locales), plus({"\"EN\"", "\"xx\"", "\"en-US\""}, not_enum)},
      KeyCase{"reading", "wordClickFunctionality", quoted({"play-audio", "no-audio"}),
              plus({"\"play_audio\"", "\"audio\""}, not_enum)},
      bool_case("reading", "isReadingByRevelationOrder"),
      content_types("wordByWordContentType"),
      KeyCase{"reading", "wordByWordDisplay",
              {"[]", R"(["tooltip"])", R"(["inline","tooltip"])"},
              {R"(["translation"])", R"(["Tooltip"])", "[true]", "\"inline\"", "null", array_of(101, "\"inline\"")}},
      content_types("wordByWordTooltipContentType"),
      content_types("wordByWordInlineContentType"),
      KeyCase{"reading", "selectedReadingTranslation",
              {"\"131\"", "\"a\"", text_of(255), text_of(255, "\xc3\xa9")},  // 255 characters, 510 bytes
              {"\"\"", text_of(256), "131", "null", "[\"131\"]", "true"}},
      language_list("selectedReflectionLanguages"),
      language_list("selectedLessonLanguages"),
      scale("tafsirFontScale", 10),
      scale("quranTextFontScale", 10),
      scale("translationFontScale", 10),
      scale("wordByWordFontScale", 6),
      scale("reflectionFontScale", 10),
      scale("qnaFontScale", 10),
      scale("lessonFontScale", 10),
      scale("surahInfoFontScale", 10),
      scale("hadithFontScale", 10),
      scale("layersFontScale", 10),
      KeyCase{"quranReaderStyles", "quranFont",
              quoted({"code_v1", "code_v2", "text_uthmani", "text_indopak", "qpc_uthmani_hafs", "tajweed", "tajweed_v4"}),
              plus({"\"code_v3\"", "\"Tajweed\""}, not_enum)},
      KeyCase{"quranReaderStyles", "mushafLines", quoted({"15_lines", "16_lines"}),
              plus({"\"15\"", "\"14_lines\"", "15"}, not_enum)},
      bool_case("quranReaderStyles", "showTajweedRules"),
      KeyCase{"translations", "selectedTranslations",
              {"[]", "[131]", "[131,20,85]", "[1]", "[1000000]", "[20.0]", array_of(100, "1")},
              {"[0]", "[-1]", "[1000001]", "[1.5]", "[\"131\"]", "[null]", "131", "null", "{}", array_of(101, "1")}},
      KeyCase{"tafsirs", "selectedTafsirs",
              {"[]", R"(["ar-tafsir-ibn-kathir"])", "[" + text_of(255) + "]", array_of(100, "\"x\"")},
              {R"([""])", "[" + text_of(256) + "]", "[169]", "[null]", "\"ar-tafsir-ibn-kathir\"", "null",
               array_of(101, "\"x\"")}},
      KeyCase{"audio", "reciter",
              {"1", "7", "1000000", "7.0"},
              {"0", "-7", "1000001", "7.5", "\"7\"", "null", "true", "1e300"}},
      KeyCase{"audio", "playbackRate",
              {"0.25", "0.5", "0.75", "1", "1.0", "1.25", "1.5", "1.75", "2", "2.0", "25e-2"},
              {"0", "0.3", "1.1", "2.25", "3", "-1", "\"1\"", "\"0.5\"", "null", "true", "[1]"}},
      bool_case("audio", "showTooltipWhenPlayingAudio"),
      bool_case("audio", "enableAutoScrolling"),
      KeyCase{"language", "language", quoted(languages), plus({"\"EN\"", "\"de\"", "\"en-GB\""}, not_enum)},
      bool_case("userHasCustomised", "userHasCustomised"),
  };
}

// ---- the schema, key by key ----

TEST(PreferencesTest, EveryKeyStoresEachValueItAccepts) {
  for (const auto& c : schema_cases()) {
    for (const auto& v : c.valid) {
      const auto r = set(c.group, c.key, v);
      ASSERT_TRUE(r.ok()) << c.group << "." << c.key << " = " << v << ": " << r.error().message;
      json::object expected;
      expected[c.group].emplace_object()[c.key] = json::parse(v);
      EXPECT_EQ(json::parse(*r), expected) << c.group << "." << c.key << " = " << v;
    }
  }
}

TEST(PreferencesTest, EveryKeyRefusesValuesOutsideTheSchemaNamingTheValue) {
  for (const auto& c : schema_cases()) {
    ASSERT_FALSE(c.invalid.empty()) << c.key;
    for (const auto& v : c.invalid) {
      const auto r = set(c.group, c.key, v);
      ASSERT_FALSE(r.ok()) << c.group << "." << c.key << " = " << v << " was accepted";
      EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable) << c.key << " = " << v;
      EXPECT_THAT(r.error().message, StartsWith("Invalid value: ")) << c.key << " = " << v;
    }
  }
}

TEST(PreferencesTest, TheSchemaCasesCoverEveryKeyOnce) {
  // The upstream Preference schema has 33 keys; the table above lists each exactly once.
  const auto cases = schema_cases();
  EXPECT_EQ(cases.size(), 33u);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (std::size_t j = i + 1; j < cases.size(); ++j) {
      EXPECT_FALSE(cases[i].group == cases[j].group && cases[i].key == cases[j].key) << cases[i].key;
    }
  }
  for (const auto& c : cases) {
    EXPECT_FALSE(c.valid.empty()) << c.key;
  }
}

TEST(PreferencesTest, RefusalsSayWhatIsAllowed) {
  EXPECT_EQ(set("theme", "type", "\"black\"").error().message,
            "Invalid value: must be one of auto, light, sepia, dark");
  EXPECT_EQ(set("quranReaderStyles", "wordByWordFontScale", "7").error().message,
            "Invalid value: must be an integer from 1 to 6");
  EXPECT_EQ(set("reading", "selectedReadingTranslation", "\"\"").error().message,
            "Invalid value: must be a string of 1-255 characters");
  EXPECT_EQ(set("audio", "enableAutoScrolling", "1").error().message, "Invalid value: must be true or false");
  EXPECT_EQ(set("audio", "playbackRate", "3").error().message,
            "Invalid value: must be one of 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2");
  EXPECT_EQ(set("reading", "selectedReflectionLanguages", "[]").error().message,
            "Invalid value: must be an array of 1-100 items");
  EXPECT_EQ(set("reading", "wordByWordDisplay", "{}").error().message,
            "Invalid value: must be an array of 0-100 items");
  EXPECT_EQ(set("reading", "wordByWordDisplay", R"(["popup"])").error().message,
            "Invalid value: items must be one of tooltip, inline");
  EXPECT_EQ(set("tafsirs", "selectedTafsirs", R"([""])").error().message,
            "Invalid value: items must be strings of 1-255 characters");
  EXPECT_EQ(set("translations", "selectedTranslations", "[0]").error().message,
            "Invalid value: items must be positive integers");
}

// ---- set_preference: the request shape ----

TEST(PreferencesTest, TheBodyMustBeAnObject) {
  for (std::string_view body : {"[]", "\"theme\"", "null", "1"}) {
    const auto r = set_preference("", json::parse(body));
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable);
    EXPECT_EQ(r.error().message, "The body must be a JSON object");
  }
}

TEST(PreferencesTest, GroupKeyAndValueAreRequired) {
  const auto missing = [](std::string_view body) { return set_preference("", json::parse(body)); };
  EXPECT_EQ(missing(R"({"key":"type","value":"dark"})").error().message, "Missing group");
  EXPECT_EQ(missing(R"({"group":"theme","value":"dark"})").error().message, "Missing key");
  EXPECT_EQ(missing(R"({"group":"theme","key":"type"})").error().message, "Missing value");
  EXPECT_EQ(missing("{}").error().code, ErrorCode::kUnprocessable);
}

TEST(PreferencesTest, AnUnknownGroupIsRefused) {
  for (std::string_view g : {"\"themes\"", "\"Theme\"", "\"\"", "1", "null", "[\"theme\"]"}) {
    const auto r = set_preference("", json::parse(R"({"group":)" + std::string(g) + R"(,"key":"type","value":"dark"})"));
    ASSERT_FALSE(r.ok()) << g;
    EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable) << g;
    EXPECT_THAT(r.error().message, StartsWith("Invalid group: must be one of theme, reading")) << g;
  }
}

TEST(PreferencesTest, AKeyMustBelongToItsGroup) {
  for (const auto& [g, k] : std::vector<std::pair<std::string, std::string>>{
           {"theme", "reciter"}, {"audio", "type"}, {"reading", "readingpreference"}, {"theme", ""}}) {
    const auto r = set(g, k, "1");
    ASSERT_FALSE(r.ok()) << g << "." << k;
    EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable);
    EXPECT_EQ(r.error().message, "Invalid key: is not a preference of group " + g);
  }
  const auto r = set_preference("", json::parse(R"({"group":"theme","key":1,"value":"dark"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, StartsWith("Invalid key"));
}

// ---- set_preference: merging ----

TEST(PreferencesTest, SettingAKeyKeepsEverythingElseStored) {
  const std::string stored = R"({"theme":{"type":"dark"},"audio":{"reciter":7,"playbackRate":1.5}})";
  const auto r = set("audio", "reciter", "9", stored);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(json::parse(*r), json::parse(R"({"theme":{"type":"dark"},"audio":{"reciter":9,"playbackRate":1.5}})"));
  const auto added = set("language", "language", "\"ar\"", *r);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(json::parse(*added), json::parse(R"({"theme":{"type":"dark"},"audio":{"reciter":9,"playbackRate":1.5},
                                                 "language":{"language":"ar"}})"));
}

TEST(PreferencesTest, AnUnreadableStoredDocumentIsTreatedAsEmpty) {
  for (std::string_view stored : {"", "not json", "[1,2]", "\"x\"", "{\"theme\":"}) {
    const auto r = set("theme", "type", "\"dark\"", stored);
    ASSERT_TRUE(r.ok()) << stored;
    EXPECT_EQ(json::parse(*r), json::parse(R"({"theme":{"type":"dark"}})")) << stored;
  }
}

TEST(PreferencesTest, AStoredGroupThatIsNotAnObjectIsReplaced) {
  const auto r = set("theme", "type", "\"dark\"", R"({"theme":"dark","audio":{"reciter":7}})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::parse(*r), json::parse(R"({"theme":{"type":"dark"},"audio":{"reciter":7}})"));
}

// ---- set_preferences_bulk ----

TEST(PreferencesTest, BulkMergesEveryGroupAndKey) {
  const std::string stored = R"({"theme":{"type":"dark"},"audio":{"reciter":7,"playbackRate":1.5}})";
  const auto r = set_preferences_bulk(stored, json::parse(R"({
      "audio": {"reciter": 9, "enableAutoScrolling": false},
      "reading": {"readingPreference": "reading", "selectedReflectionLanguages": ["en", "ar"]},
      "userHasCustomised": {"userHasCustomised": true}})"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(json::parse(*r), json::parse(R"({
      "theme": {"type": "dark"},
      "audio": {"reciter": 9, "playbackRate": 1.5, "enableAutoScrolling": false},
      "reading": {"readingPreference": "reading", "selectedReflectionLanguages": ["en", "ar"]},
      "userHasCustomised": {"userHasCustomised": true}})"));
}

TEST(PreferencesTest, BulkAcceptsEveryValidKeyOfTheSchemaAtOnce) {
  json::object body;
  for (const auto& c : schema_cases()) {
    auto& group = body[c.group];
    if (!group.is_object()) group = json::object();
    group.as_object()[c.key] = json::parse(c.valid.front());
  }
  const auto r = set_preferences_bulk("", body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(json::parse(*r), body);
}

TEST(PreferencesTest, BulkRefusesTheWholeBodyForOneBadKeyNamingIt) {
  // Valid groups come first; the bad value is last, so nothing before it may be merged.
  const auto r = set_preferences_bulk(R"({"theme":{"type":"dark"}})", json::parse(R"({
      "theme": {"type": "light"},
      "audio": {"reciter": 9},
      "reading": {"readingPreference": "reading", "wordClickFunctionality": "tap"}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable);
  EXPECT_EQ(r.error().message, "Invalid reading.wordClickFunctionality: must be one of play-audio, no-audio");
}

TEST(PreferencesTest, BulkRefusesEveryKindOfBadValue) {
  for (const auto& c : schema_cases()) {
    for (const auto& v : c.invalid) {
      // A valid group first, then the bad key.
      json::object body;
      body[c.group == "theme" ? "language" : "theme"] = json::parse(c.group == "theme" ? R"({"language":"ar"})" : R"({"type":"dark"})");
      body[c.group].emplace_object()[c.key] = json::parse(v);
      const auto r = set_preferences_bulk("", body);
      ASSERT_FALSE(r.ok()) << c.group << "." << c.key << " = " << v;
      EXPECT_THAT(r.error().message, StartsWith("Invalid " + c.group + "." + c.key + ": ")) << v;
    }
  }
}

TEST(PreferencesTest, BulkRefusesUnknownGroupsAndKeys) {
  const auto bulk = [](std::string_view body) { return set_preferences_bulk("", json::parse(body)); };
  auto r = bulk(R"({"theme":{"type":"dark"},"colours":{"type":"dark"}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnprocessable);
  EXPECT_EQ(r.error().message, "Invalid colours: is not a preference group");

  r = bulk(R"({"theme":{"colour":"dark"}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Invalid theme.colour: is not a preference of group theme");

  r = bulk(R"({"audio":{"type":"dark"}})");  // a key of another group
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "Invalid audio.type: is not a preference of group audio");

  for (std::string_view group : {"\"dark\"", "[]", "null", "1"}) {
    r = bulk(R"({"theme":)" + std::string(group) + "}");
    ASSERT_FALSE(r.ok()) << group;
    EXPECT_EQ(r.error().message, "Invalid theme: must be an object of preferences") << group;
  }

  r = set_preferences_bulk("", json::parse("[]"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "The body must be a JSON object");
}

TEST(PreferencesTest, AnEmptyBulkKeepsTheStoredDocument) {
  const std::string stored = R"({"theme":{"type":"dark"}})";
  const auto r = set_preferences_bulk(stored, json::parse("{}"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(json::parse(*r), json::parse(stored));
  const auto g = set_preferences_bulk(stored, json::parse(R"({"theme":{}})"));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(json::parse(*g), json::parse(stored));
}

// ---- preferences_body ----

TEST(PreferencesTest, NothingStoredReadsAsAnEmptyObject) {
  EXPECT_EQ(json::parse(preferences_body("")), json::parse(R"({"success":true,"data":{}})"));
  EXPECT_EQ(json::parse(preferences_body("garbage")), json::parse(R"({"success":true,"data":{}})"));
}

TEST(PreferencesTest, EachStoredGroupIsCompletedWithItsRequiredDefaults) {
  const std::string stored = R"({"theme":{"type":"dark"},"reading":{"isReadingByRevelationOrder":true},
      "quranReaderStyles":{"quranFont":"tajweed"},"translations":{},"tafsirs":{},
      "audio":{"playbackRate":2},"language":{"language":"ar"},"userHasCustomised":{}})";
  EXPECT_EQ(json::parse(preferences_body(stored)), json::parse(R"({"success":true,"data":{
      "theme": {"type": "dark"},
      "reading": {"isReadingByRevelationOrder": true, "readingPreference": "translation",
                  "selectedWordByWordLocale": "en", "wordClickFunctionality": "play-audio",
                  "selectedReadingTranslation": "131"},
      "quranReaderStyles": {"quranFont": "tajweed", "tafsirFontScale": 3, "quranTextFontScale": 3,
                            "translationFontScale": 3, "wordByWordFontScale": 3, "reflectionFontScale": 3,
                            "qnaFontScale": 3, "lessonFontScale": 3, "surahInfoFontScale": 3,
                            "hadithFontScale": 3, "layersFontScale": 3},
      "translations": {},
      "tafsirs": {},
      "audio": {"playbackRate": 2, "reciter": 7},
      "language": {"language": "ar"},
      "userHasCustomised": {"userHasCustomised": false}}})"));
}

TEST(PreferencesTest, StoredValuesWinOverDefaults) {
  const std::string stored = R"({"audio":{"reciter":9},"reading":{"readingPreference":"reading",
      "selectedWordByWordLocale":"ur","wordClickFunctionality":"no-audio","selectedReadingTranslation":"20"}})";
  EXPECT_EQ(json::parse(preferences_body(stored)), json::parse(R"({"success":true,"data":)" + stored + "}"));
}

TEST(PreferencesTest, GroupsThatAreNotStoredAreNotInvented) {
  const auto body = json::parse(preferences_body(R"({"theme":{"type":"light"}})")).as_object();
  EXPECT_EQ(body.at("data"), json::parse(R"({"theme":{"type":"light"}})"));
}

TEST(PreferencesTest, WhatSetPreferenceStoresReadsBackWithDefaults) {
  const auto r = set("audio", "playbackRate", "1.25");
  ASSERT_TRUE(r.ok());
  const auto data = json::parse(preferences_body(*r)).at("data");
  EXPECT_EQ(data, json::parse(R"({"audio":{"playbackRate":1.25,"reciter":7}})"));
}

TEST(PreferencesTest, ThePreferencesRecordIsOutsideTheSyncKinds) {
  for (const Resource r : kAllResources) EXPECT_NE(kPreferencesKind, static_cast<std::uint8_t>(r));
  EXPECT_EQ(kPreferencesId, "preferences");
}

}  // namespace
}  // namespace synclog::domain
