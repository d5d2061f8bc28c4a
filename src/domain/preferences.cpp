// The Preference schema as a table: each key's group, value type, allowed values and default.
#include "domain/preferences.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <vector>

#include "common/utf8.hpp"
#include "domain/direct_wire.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

enum class Type { kEnum, kString, kBool, kInt, kNumberEnum, kEnumArray, kStringArray, kIntArray };

struct Key {
  std::string_view group;
  std::string_view name;
  Type type;
  std::vector<std::string_view> values;  // kEnum, kEnumArray, kNumberEnum (as text)
  int min;                // kInt bounds; kString/kStringArray/kIntArray items: min/max
  int max;
  bool required;          // required in its group: filled with `fallback` on reads
  std::string_view fallback;  // JSON text
  std::size_t min_items;
};

// Arrays and strings beyond these are not preferences.
constexpr std::size_t kMaxItems = 100;

Key enum_key(std::string_view g, std::string_view n, std::vector<std::string_view> values,
             std::string_view fallback = {}) {
  Key k{g, n, Type::kEnum, std::move(values), 0, 0, !fallback.empty(), fallback, 0};
  return k;
}
Key bool_key(std::string_view g, std::string_view n, std::string_view fallback = {}) {
  return Key{g, n, Type::kBool, {}, 0, 0, !fallback.empty(), fallback, 0};
}
Key int_key(std::string_view g, std::string_view n, int min, int max, std::string_view fallback = {}) {
  return Key{g, n, Type::kInt, {}, min, max, !fallback.empty(), fallback, 0};
}
Key string_key(std::string_view g, std::string_view n, int max, std::string_view fallback = {}) {
  return Key{g, n, Type::kString, {}, 1, max, !fallback.empty(), fallback, 0};
}
Key array_key(std::string_view g, std::string_view n, Type type, std::vector<std::string_view> values,
              int max, std::size_t min_items = 0) {
  return Key{g, n, type, std::move(values), 1, max, false, {}, min_items};
}

const std::vector<Key>& schema() {
  static const std::vector<std::string_view> kContentTypes = {"translation", "transliteration"};
  static const std::vector<Key> kKeys = {
      enum_key("theme", "type", {"auto", "light", "sepia", "dark"}),
      enum_key("reading", "readingPreference", {"translation", "reading", "readingTranslation"}, R"("translation")"),
      enum_key("reading", "selectedWordByWordLocale",
               {"en", "ur", "id", "bn", "tr", "fa", "ru", "hi", "de", "ta", "inh", "fr", "sq", "dv", "zh", "sd", "ml"},
               R"("en")"),
      enum_key("reading", "wordClickFunctionality", {"play-audio", "no-audio"}, R"("play-audio")"),
      bool_key("reading", "isReadingByRevelationOrder"),
      array_key("reading", "wordByWordContentType", Type::kEnumArray, kContentTypes, 0),
      array_key("reading", "wordByWordDisplay", Type::kEnumArray, {"tooltip", "inline"}, 0),
      array_key("reading", "wordByWordTooltipContentType", Type::kEnumArray, kContentTypes, 0),
      array_key("reading", "wordByWordInlineContentType", Type::kEnumArray, kContentTypes, 0),
      string_key("reading", "selectedReadingTranslation", 255, R"("131")"),
      array_key("reading", "selectedReflectionLanguages", Type::kStringArray, {}, 10, 1),
      array_key("reading", "selectedLessonLanguages", Type::kStringArray, {}, 10, 1),
      int_key("quranReaderStyles", "tafsirFontScale", 1, 10, "3"),
      int_key("quranReaderStyles", "quranTextFontScale", 1, 10, "3"),
      int_key("quranReaderStyles", "translationFontScale", 1, 10, "3"),
      int_key("quranReaderStyles", "wordByWordFontScale", 1, 6, "3"),
      int_key("quranReaderStyles", "reflectionFontScale", 1, 10, "3"),
      int_key("quranReaderStyles", "qnaFontScale", 1, 10, "3"),
      int_key("quranReaderStyles", "lessonFontScale", 1, 10, "3"),
      int_key("quranReaderStyles", "surahInfoFontScale", 1, 10, "3"),
      int_key("quranReaderStyles", "hadithFontScale", 1, 10, "3"),
      int_key("quranReaderStyles", "layersFontScale", 1, 10, "3"),
      enum_key("quranReaderStyles", "quranFont",
               {"code_v1", "code_v2", "text_uthmani", "text_indopak", "qpc_uthmani_hafs", "tajweed", "tajweed_v4"}),
      enum_key("quranReaderStyles", "mushafLines", {"15_lines", "16_lines"}),
      bool_key("quranReaderStyles", "showTajweedRules"),
      array_key("translations", "selectedTranslations", Type::kIntArray, {}, 1000000),
      array_key("tafsirs", "selectedTafsirs", Type::kStringArray, {}, 255),
      int_key("audio", "reciter", 1, 1000000, "7"),
      Key{"audio", "playbackRate", Type::kNumberEnum, {"0.25", "0.5", "0.75", "1", "1.25", "1.5", "1.75", "2"},
          0, 0, false, {}, 0},
      bool_key("audio", "showTooltipWhenPlayingAudio"),
      bool_key("audio", "enableAutoScrolling"),
      enum_key("language", "language",
               {"en", "ar", "bn", "fa", "fr", "id", "it", "nl", "pt", "ru", "sq", "th", "tr", "ur", "zh", "ms", "es", "sw", "vi"}),
      bool_key("userHasCustomised", "userHasCustomised", "false"),
  };
  return kKeys;
}

Error invalid(std::string field, std::string_view reason) {
  return make_error(ErrorCode::kUnprocessable, "Invalid " + field + ": " + std::string(reason));
}

const Key* find_key(std::string_view group, std::string_view name) {
  for (const auto& k : schema()) {
    if (k.group == group && k.name == name) return &k;
  }
  return nullptr;
}

bool known_group(std::string_view group) {
  return std::any_of(schema().begin(), schema().end(), [&](const Key& k) { return k.group == group; });
}

bool in(const std::vector<std::string_view>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

std::string list_of(const std::vector<std::string_view>& values) {
  std::string s;
  for (auto v : values) s += (s.empty() ? "" : ", ") + std::string(v);
  return s;
}

std::optional<std::int64_t> integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() < (1ull << 53)) return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double() && std::floor(v.get_double()) == v.get_double() && std::fabs(v.get_double()) < 9e15) {
    return static_cast<std::int64_t>(v.get_double());
  }
  return std::nullopt;
}

bool string_ok(const json::value& v, std::size_t min, std::size_t max) {
  if (!v.is_string()) return false;
  const auto n = utf8_length(std::string_view(v.get_string().data(), v.get_string().size()));
  return n >= min && n <= max;
}

Status check_value(const Key& k, const json::value& v, const std::string& field) {
  switch (k.type) {
    case Type::kEnum:
      if (!v.is_string() || !in(k.values, std::string_view(v.get_string()))) {
        return invalid(field, "must be one of " + list_of(k.values));
      }
      return Status();
    case Type::kString:
      if (!string_ok(v, static_cast<std::size_t>(k.min), static_cast<std::size_t>(k.max))) {
        return invalid(field, "must be a string of " + std::to_string(k.min) + "-" + std::to_string(k.max) + " characters");
      }
      return Status();
    case Type::kBool:
      if (!v.is_bool()) return invalid(field, "must be true or false");
      return Status();
    case Type::kInt: {
      const auto n = integer(v);
      if (!n || *n < k.min || *n > k.max) {
        return invalid(field, "must be an integer from " + std::to_string(k.min) + " to " + std::to_string(k.max));
      }
      return Status();
    }
    case Type::kNumberEnum: {
      bool ok = false;
      if (v.is_number()) {
        const double d = v.to_number<double>();
        for (auto text : k.values) ok = ok || std::stod(std::string(text)) == d;
      }
      if (!ok) return invalid(field, "must be one of " + list_of(k.values));
      return Status();
    }
    case Type::kEnumArray:
    case Type::kStringArray:
    case Type::kIntArray: {
      const auto* arr = v.if_array();
      if (!arr || arr->size() > kMaxItems || arr->size() < k.min_items) {
        return invalid(field, "must be an array of " + std::to_string(k.min_items) + "-" + std::to_string(kMaxItems) + " items");
      }
      for (const auto& item : *arr) {
        const bool ok = k.type == Type::kEnumArray    ? item.is_string() && in(k.values, std::string_view(item.get_string()))
                        : k.type == Type::kStringArray ? string_ok(item, 1, static_cast<std::size_t>(k.max))
                                                       : integer(item).has_value() && *integer(item) >= k.min &&
                                                             *integer(item) <= k.max;
        if (!ok) {
          return invalid(field, k.type == Type::kEnumArray    ? "items must be one of " + list_of(k.values)
                                : k.type == Type::kStringArray ? "items must be strings of 1-" + std::to_string(k.max) + " characters"
                                                               : "items must be positive integers");
        }
      }
      return Status();
    }
  }
  return Status();
}

json::object parse_stored(std::string_view stored) {
  json::error_code ec;
  auto v = json::parse(stored, ec);
  return !ec && v.is_object() ? v.get_object() : json::object();
}

Result<const json::object*> object_body(const json::value& body) {
  const auto* o = body.if_object();
  if (!o) return make_error(ErrorCode::kUnprocessable, "The body must be a JSON object");
  return o;
}

}  // namespace

Result<std::string> set_preference(std::string_view stored, const json::value& body) {
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* o, object_body(body));
  const auto* group = o->if_contains("group");
  const auto* key = o->if_contains("key");
  const auto* value = o->if_contains("value");
  if (!group) return make_error(ErrorCode::kUnprocessable, "Missing group");
  if (!key) return make_error(ErrorCode::kUnprocessable, "Missing key");
  if (!value) return make_error(ErrorCode::kUnprocessable, "Missing value");
  if (!group->is_string() || !known_group(std::string_view(group->get_string()))) {
    return invalid("group", "must be one of theme, reading, quranReaderStyles, translations, tafsirs, audio, language, userHasCustomised");
  }
  const std::string_view g(group->get_string());
  const Key* k = key->is_string() ? find_key(g, std::string_view(key->get_string())) : nullptr;
  if (!k) return invalid("key", "is not a preference of group " + std::string(g));
  SYNCLOG_RETURN_IF_ERROR(check_value(*k, *value, "value"));
  json::object doc = parse_stored(stored);
  auto& target = doc[g];
  if (!target.is_object()) target = json::object();
  target.get_object()[k->name] = *value;
  return json::serialize(doc);
}

Result<std::string> set_preferences_bulk(std::string_view stored, const json::value& body) {
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* o, object_body(body));
  for (const auto& [group, keys] : *o) {
    const std::string g(group);
    if (!known_group(g)) return invalid(g, "is not a preference group");
    const auto* ko = keys.if_object();
    if (!ko) return invalid(g, "must be an object of preferences");
    for (const auto& [name, value] : *ko) {
      const Key* k = find_key(g, std::string_view(name));
      if (!k) return invalid(g + "." + std::string(name), "is not a preference of group " + g);
      SYNCLOG_RETURN_IF_ERROR(check_value(*k, value, g + "." + std::string(name)));
    }
  }
  json::object doc = parse_stored(stored);
  for (const auto& [group, keys] : *o) {
    auto& target = doc[group];
    if (!target.is_object()) target = json::object();
    for (const auto& [name, value] : keys.get_object()) target.get_object()[name] = value;
  }
  return json::serialize(doc);
}

std::string preferences_body(std::string_view stored) {
  json::object doc = parse_stored(stored);
  for (auto& [group, keys] : doc) {
    if (!keys.is_object()) continue;
    for (const auto& k : schema()) {
      if (k.group != std::string_view(group) || !k.required || keys.get_object().contains(k.name)) continue;
      keys.get_object()[k.name] = json::parse(k.fallback);
    }
  }
  return success_body(json::serialize(doc));
}

}  // namespace synclog::domain
