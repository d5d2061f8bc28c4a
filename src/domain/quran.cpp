// Ayah counts per surah (the Hafs count, 6236 in all) and mushaf page counts.
#include "domain/quran.hpp"

#include <array>
#include <charconv>
#include <numeric>

namespace synclog::domain::quran {
namespace {

constexpr std::array<int, kSurahCount> kAyahs = {
    7,   286, 200, 176, 120, 165, 206, 75,  129, 109, 123, 111, 43,  52,  99,  128, 111,
    110, 98,  135, 112, 78,  118, 64,  77,  227, 93,  88,  69,  60,  34,  30,  73,  54,
    45,  83,  182, 88,  75,  85,  54,  53,  89,  59,  37,  35,  38,  29,  18,  45,  60,
    49,  62,  55,  78,  96,  29,  22,  24,  13,  14,  11,  11,  18,  12,  12,  30,  52,
    52,  44,  28,  28,  20,  56,  40,  31,  50,  40,  46,  42,  29,  19,  36,  25,  22,
    17,  19,  26,  30,  20,  15,  21,  11,  8,   8,   19,  5,   8,   8,   11,  11,  8,
    3,   9,   5,   4,   7,   3,   6,   3,   5,   4,   5,   6};

static_assert(std::accumulate(kAyahs.begin(), kAyahs.end(), 0) == kAyahCount);

// Reads a positive decimal integer of at most 3 digits from s[pos..].
bool read_number(std::string_view s, std::size_t& pos, int& out) {
  const std::size_t start = pos;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 4) ++pos;
  if (pos == start || pos - start > 3) return false;
  std::from_chars(s.data() + start, s.data() + pos, out);
  return true;
}

bool before_or_same(int s1, int a1, int s2, int a2) { return s1 < s2 || (s1 == s2 && a1 <= a2); }

}  // namespace

int ayah_count(int surah) {
  return surah >= 1 && surah <= kSurahCount ? kAyahs[static_cast<std::size_t>(surah - 1)] : 0;
}

bool is_valid_ayah(int surah, int ayah) { return ayah >= 1 && ayah <= ayah_count(surah); }

bool is_known_mushaf(int mushaf) {
  switch (mushaf) {
    case 1: case 2: case 3: case 4: case 5: case 6: case 7: case 11: case 19: return true;
    default: return false;
  }
}

int page_count(std::optional<int> mushaf) {
  if (!mushaf) return 604;
  switch (*mushaf) {
    case 3: case 6: return 610;
    case 7: return 548;
    default: return 604;
  }
}

bool VerseRange::contains(int surah, int ayah) const {
  return before_or_same(from_surah, from_ayah, surah, ayah) &&
         before_or_same(surah, ayah, to_surah, to_ayah);
}

bool VerseRange::overlaps(const VerseRange& o) const {
  return before_or_same(from_surah, from_ayah, o.to_surah, o.to_ayah) &&
         before_or_same(o.from_surah, o.from_ayah, to_surah, to_ayah);
}

std::optional<VerseRange> parse_range(std::string_view s) {
  VerseRange r;
  std::size_t pos = 0;
  auto expect = [&](char c) {
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  };
  if (!read_number(s, pos, r.from_surah) || !expect(':') || !read_number(s, pos, r.from_ayah) ||
      !expect('-') || !read_number(s, pos, r.to_surah) || !expect(':') ||
      !read_number(s, pos, r.to_ayah) || pos != s.size()) {
    return std::nullopt;
  }
  if (!is_valid_ayah(r.from_surah, r.from_ayah) || !is_valid_ayah(r.to_surah, r.to_ayah) ||
      !before_or_same(r.from_surah, r.from_ayah, r.to_surah, r.to_ayah)) {
    return std::nullopt;
  }
  return r;
}

}  // namespace synclog::domain::quran
