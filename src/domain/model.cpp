// Bookmark identities and groups, and slugs.
#include "domain/model.hpp"

#include "domain/quran.hpp"

namespace synclog::domain {

std::string_view bookmark_kind_name(BookmarkKind k) {
  switch (k) {
    case BookmarkKind::kAyah: return "ayah";
    case BookmarkKind::kSurah: return "surah";
    case BookmarkKind::kJuz: return "juz";
    case BookmarkKind::kPage: return "page";
  }
  return "";
}

std::optional<BookmarkKind> parse_bookmark_kind(std::string_view name) {
  if (name == "ayah") return BookmarkKind::kAyah;
  if (name == "surah") return BookmarkKind::kSurah;
  if (name == "juz") return BookmarkKind::kJuz;
  if (name == "page") return BookmarkKind::kPage;
  return std::nullopt;
}

std::string BookmarkDetails::group() const {
  switch (kind) {
    case BookmarkKind::kAyah: return "verses_6236";
    case BookmarkKind::kSurah: return "surahs_114";
    case BookmarkKind::kJuz: return "juzs_30";
    case BookmarkKind::kPage: return "pages_" + std::to_string(quran::page_count(mushaf));
  }
  return "";
}

std::string BookmarkDetails::identity() const {
  std::string s(bookmark_kind_name(kind));
  s += ':';
  s += std::to_string(key);
  s += ':';
  if (verse) s += std::to_string(*verse);
  s += ':';
  s += group();
  return s;
}

std::string slugify(std::string_view name) {
  std::string out;
  bool pending_dash = false;
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ascii_word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    const bool upper = c >= 'A' && c <= 'Z';
    if (ascii_word || upper || c >= 0x80) {
      if (pending_dash && !out.empty()) out.push_back('-');
      pending_dash = false;
      out.push_back(upper ? static_cast<char>(c - 'A' + 'a') : ch);
    } else {
      pending_dash = true;
    }
  }
  return out;
}

}  // namespace synclog::domain
