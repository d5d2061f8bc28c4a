// Wire forms and random values of the simulated records.
#include "model.hpp"

#include "domain/quran.hpp"

#include <boost/json.hpp>

namespace synclog::sim {
namespace json = boost::json;

std::string_view mode_name(Mode m) {
  switch (m) {
    case Mode::kStrict: return "strict";
    case Mode::kField: return "field";
    case Mode::kSpace: return "space";
  }
  return "?";
}

std::string_view resource_name(Kind k) {
  switch (k) {
    case Kind::kNote:
      return "NOTE";
    case Kind::kCollection:
      return "COLLECTION";
    case Kind::kReadingSession:
      return "READING_SESSION";
    case Kind::kSite:
      return "site";
    case Kind::kInspection:
      return "inspection";
  }
  return "?";
}

std::optional<Kind> kind_of_resource(std::string_view resource) {
  if (resource == "NOTE") return Kind::kNote;
  if (resource == "COLLECTION") return Kind::kCollection;
  if (resource == "READING_SESSION") return Kind::kReadingSession;
  if (resource == "site") return Kind::kSite;
  if (resource == "inspection") return Kind::kInspection;
  return std::nullopt;
}

const std::vector<std::string>& fields_of(Kind k) {
  static const std::vector<std::string> note = {"body", "ranges"};
  static const std::vector<std::string> collection = {"name"};
  static const std::vector<std::string> session = {"position"};
  static const std::vector<std::string> site = {"code", "name"};
  static const std::vector<std::string> inspection = {"notes", "site", "status"};
  switch (k) {
    case Kind::kSite:
      return site;
    case Kind::kInspection:
      return inspection;
    case Kind::kNote:
      return note;
    case Kind::kCollection:
      return collection;
    case Kind::kReadingSession:
      return session;
  }
  return note;
}

std::optional<std::string> field_of_wire_name(Kind k, std::string_view wire) {
  if (k == Kind::kReadingSession && (wire == "chapterNumber" || wire == "verseNumber")) {
    return "position";
  }
  for (const auto& f : fields_of(k)) {
    if (f == wire) return f;
  }
  return std::nullopt;
}

namespace {

std::string canonical_ranges(const json::array& ranges) { return json::serialize(ranges); }

std::string position_text(std::int64_t chapter, std::int64_t verse) {
  return std::to_string(chapter) + ":" + std::to_string(verse);
}

int uniform(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

}  // namespace

void put_fields(const Fields& fields, json::object& data) {
  for (const auto& [field, value] : fields) {
    if (field == "ranges") {
      data["ranges"] = json::parse(value);
    } else if (field == "position") {
      const auto colon = value.find(':');
      data["chapterNumber"] = std::stoi(value.substr(0, colon));
      data["verseNumber"] = std::stoi(value.substr(colon + 1));
    } else {
      data[field] = value;  // body, name: text as it is
    }
  }
}

std::optional<Fields> read_fields(Kind k, const json::object& data) {
  Fields out;
  switch (k) {
    case Kind::kNote: {
      const auto* body = data.if_contains("body");
      const auto* ranges = data.if_contains("ranges");
      if (!body || !body->is_string() || !ranges || !ranges->is_array()) return std::nullopt;
      out["body"] = std::string(body->get_string());
      out["ranges"] = canonical_ranges(ranges->get_array());
      break;
    }
    case Kind::kCollection: {
      const auto* name = data.if_contains("name");
      if (!name || !name->is_string()) return std::nullopt;
      out["name"] = std::string(name->get_string());
      break;
    }
    case Kind::kReadingSession: {
      const auto* chapter = data.if_contains("chapterNumber");
      const auto* verse = data.if_contains("verseNumber");
      if (!chapter || !chapter->is_int64() || !verse || !verse->is_int64()) return std::nullopt;
      out["position"] = position_text(chapter->get_int64(), verse->get_int64());
      break;
    }
    case Kind::kSite:
    case Kind::kInspection:
      // Text fields all; a space's record also shows times and updatedBy, which are not edited.
      for (const auto& field : fields_of(k)) {
        const auto* v = data.if_contains(field);
        if (!v || !v->is_string()) return std::nullopt;
        out[field] = std::string(v->get_string());
      }
      break;
  }
  return out;
}

std::string random_value(Kind k, const std::string& field, const std::string& tag,
                         std::mt19937_64& rng) {
  // Now and then a popular value (the start of a surah, Ayat al-Kursi), so devices also write
  // what another device already wrote: the server must take that as no change, not a clash.
  const bool popular = std::bernoulli_distribution(0.2)(rng);
  if (field == "ranges" && popular) {
    static const char* const kPopular[] = {R"(["1:1-1:7"])", R"(["2:255-2:257"])",
                                           R"(["36:1-36:12"])"};
    return kPopular[uniform(rng, 0, 2)];
  }
  if (field == "position" && popular) return position_text(1, uniform(rng, 1, 3));
  if (field == "ranges") {
    json::array ranges;
    const int n = uniform(rng, 1, 2);
    for (int i = 0; i < n; ++i) {
      const int surah = uniform(rng, 1, domain::quran::kSurahCount);
      const int count = domain::quran::ayah_count(surah);
      const int from = uniform(rng, 1, count);
      const int to = uniform(rng, from, count);
      ranges.emplace_back(std::to_string(surah) + ":" + std::to_string(from) + "-" +
                          std::to_string(surah) + ":" + std::to_string(to));
    }
    return canonical_ranges(ranges);
  }
  if (field == "position") {
    const int surah = uniform(rng, 1, domain::quran::kSurahCount);
    return position_text(surah, uniform(rng, 1, domain::quran::ayah_count(surah)));
  }
  if (field == "status") {
    // Few values: devices often set what another already set.
    static const char* const kStatus[] = {"draft", "in_progress", "submitted", "approved", "rejected"};
    return kStatus[uniform(rng, 0, 4)];
  }
  if (field == "code") return "C-" + tag;
  if (k == Kind::kSite) return "site " + tag;
  if (k == Kind::kInspection) return "notes " + tag;
  // body (6-10000 characters) and name (1-255): the tag makes the value unique.
  return k == Kind::kNote ? "note " + tag : "collection " + tag;
}

}  // namespace synclog::sim

