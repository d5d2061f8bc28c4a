// Field-level validation shared by POST /v1/sync and the direct endpoints.
#include "domain/field_reader.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <limits>

#include "common/ids.hpp"
#include "common/time_format.hpp"
#include "common/utf8.hpp"
#include "domain/quran.hpp"

namespace synclog::domain {
namespace json = boost::json;

Error FieldContext::missing(std::string_view field) const {
  return make_error(code, "Missing " + prefix + std::string(field) + where);
}

Error FieldContext::invalid(std::string_view field, std::string_view reason) const {
  return make_error(code,
                    "Invalid " + prefix + std::string(field) + where + ": " + std::string(reason));
}

const json::value* FieldReader::get(std::string_view key) const {
  const json::value* v = obj_.if_contains(key);
  return v && !v->is_null() ? v : nullptr;
}

bool FieldReader::has(std::string_view key) const { return get(key) != nullptr; }

void FieldReader::echo(std::string_view key, const json::value& v) { echo_[key] = v; }

void FieldReader::keep(std::string_view key) {
  if (const json::value* v = get(key)) echo(key, *v);
}

std::string FieldReader::echo_json() const { return json::serialize(echo_); }

namespace {

// The value as an int64 when it is an integer (or an integral double within range).
std::optional<std::int64_t> as_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    return v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
               ? std::optional<std::int64_t>(static_cast<std::int64_t>(v.get_uint64()))
               : std::nullopt;
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
      return static_cast<std::int64_t>(d);
    }
  }
  return std::nullopt;
}

}  // namespace

Result<std::optional<int>> FieldReader::opt_int(std::string_view key, int lo, int hi,
                                                std::string_view range) {
  const json::value* v = get(key);
  if (!v) return std::optional<int>();
  const auto n = as_integer(*v);
  if (!n) return ctx_.invalid(key, "must be an integer");
  if (*n < lo || *n > hi) return ctx_.invalid(key, "must be " + std::string(range));
  echo(key, *v);
  return std::optional<int>(static_cast<int>(*n));
}

Result<int> FieldReader::req_int(std::string_view key, int lo, int hi, std::string_view range) {
  if (!has(key)) return ctx_.missing(key);
  SYNCLOG_ASSIGN_OR_RETURN(auto n, opt_int(key, lo, hi, range));
  return *n;
}

Result<std::optional<bool>> FieldReader::opt_bool(std::string_view key) {
  const json::value* v = get(key);
  if (!v) return std::optional<bool>();
  if (!v->is_bool()) return ctx_.invalid(key, "must be true or false");
  echo(key, *v);
  return std::optional<bool>(v->get_bool());
}

Result<std::optional<std::string>> FieldReader::opt_string(std::string_view key,
                                                           std::size_t min_chars,
                                                           std::size_t max_chars) {
  const json::value* v = get(key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return ctx_.invalid(key, "must be a string");
  const auto& s = v->get_string();
  const std::size_t n = utf8_length(std::string_view(s.data(), s.size()));
  if (n < min_chars || n > max_chars) {
    return ctx_.invalid(key, "must be " + std::to_string(min_chars) + "-" +
                                 std::to_string(max_chars) + " characters");
  }
  // Control characters have no place in user text, and each would grow sixfold when escaped in
  // every answer that carries it: refusing them keeps an entry's wire size close to its input.
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return ctx_.invalid(key, "must not contain control characters other than tab and line breaks");
    }
  }
  echo(key, *v);
  return std::optional<std::string>(std::string(s));
}

Result<std::string> FieldReader::req_string(std::string_view key, std::size_t min_chars,
                                            std::size_t max_chars) {
  if (!has(key)) return ctx_.missing(key);
  SYNCLOG_ASSIGN_OR_RETURN(auto s, opt_string(key, min_chars, max_chars));
  return std::move(*s);
}

Result<std::optional<std::string>> FieldReader::opt_id(std::string_view key,
                                                       std::string_view also_allowed) {
  const json::value* v = get(key);
  if (!v) return std::optional<std::string>();
  if (!v->is_string()) return ctx_.invalid(key, "must be a string");
  const std::string_view s(v->get_string().data(), v->get_string().size());
  if (!is_valid_id(s) && !(!also_allowed.empty() && s == also_allowed)) {
    return ctx_.invalid(key, "must be 1-64 characters of A-Z, a-z, 0-9, _ and -");
  }
  echo(key, *v);
  return std::optional<std::string>(std::string(s));
}

Result<ClientTimes> FieldReader::client_times() {
  ClientTimes t;
  for (std::string_view key : {std::string_view("clientCreatedAt"), std::string_view("clientUpdatedAt")}) {
    const json::value* v = get(key);
    if (!v) continue;
    std::optional<std::int64_t> ms;
    if (v->is_string()) {
      const auto& s = v->get_string();
      ms = parse_iso8601_ms(std::string_view(s.data(), s.size()));
    } else if (auto n = as_integer(*v)) {
      if (*n >= kMinEpochMs && *n <= kMaxEpochMs) ms = n;
    }
    if (!ms) {
      return ctx_.invalid(key, "must be an ISO 8601 date-time with an offset, or epoch milliseconds");
    }
    echo(key, json::value(format_iso8601_ms(*ms)));
    (key == "clientCreatedAt" ? t.created : t.updated) = ms;
  }
  return t;
}

Result<ReadingFlag> FieldReader::reading_flag(std::string_view key) {
  const json::value* v = obj_.if_contains(key);
  if (!v) return ReadingFlag::kOmitted;
  if (v->is_null()) {
    echo(key, *v);
    return ReadingFlag::kCleared;
  }
  if (!v->is_bool()) return ctx_.invalid(key, "must be true, false or null");
  echo(key, *v);
  return v->get_bool() ? ReadingFlag::kSet : ReadingFlag::kCleared;
}

Result<std::optional<int>> FieldReader::mushaf() {
  std::optional<int> result;
  for (std::string_view key : {std::string_view("mushafId"), std::string_view("mushaf")}) {
    SYNCLOG_ASSIGN_OR_RETURN(auto m, opt_int(key, 1, 19, "a known mushaf id"));
    if (!m) continue;
    if (!quran::is_known_mushaf(*m)) {
      return ctx_.invalid(key, "must be one of 1, 2, 3, 4, 5, 6, 7, 11, 19");
    }
    if (result && *result != *m) return ctx_.invalid(key, "must equal mushafId when both are sent");
    result = m;
  }
  return result;
}

Result<BookmarkDetails> read_bookmark_details(FieldReader& r, bool ayah_only) {
  const auto& ctx = r.context();
  BookmarkDetails d;
  SYNCLOG_ASSIGN_OR_RETURN(auto type, r.opt_string("type", 1, 16));
  if (type) {
    const auto kind = parse_bookmark_kind(*type);
    if (!kind) return ctx.invalid("type", "must be one of ayah, surah, juz, page");
    d.kind = *kind;
  }
  if (ayah_only && d.kind != BookmarkKind::kAyah) {
    return ctx.invalid("type", "the default collection holds ayah bookmarks only");
  }
  SYNCLOG_ASSIGN_OR_RETURN(d.mushaf, r.mushaf());
  switch (d.kind) {
    case BookmarkKind::kAyah:
    case BookmarkKind::kSurah: {
      SYNCLOG_ASSIGN_OR_RETURN(d.key, r.req_int("key", 1, quran::kSurahCount, "a surah number 1-114"));
      break;
    }
    case BookmarkKind::kJuz: {
      SYNCLOG_ASSIGN_OR_RETURN(d.key, r.req_int("key", 1, quran::kJuzCount, "a juz number 1-30"));
      break;
    }
    case BookmarkKind::kPage: {
      const int pages = quran::page_count(d.mushaf);
      SYNCLOG_ASSIGN_OR_RETURN(
          d.key, r.req_int("key", 1, pages, "a page number 1-" + std::to_string(pages) +
                                                " for this mushaf"));
      break;
    }
  }
  if (d.kind == BookmarkKind::kAyah) {
    const int ayahs = quran::ayah_count(d.key);
    SYNCLOG_ASSIGN_OR_RETURN(
        d.verse, r.req_int("verseNumber", 1, ayahs,
                           "an ayah of surah " + std::to_string(d.key) + " (1-" +
                               std::to_string(ayahs) + ")"));
  } else if (r.has("verseNumber")) {
    return ctx.invalid("verseNumber", "is only allowed on ayah bookmarks");
  }
  return d;
}

}  // namespace synclog::domain
