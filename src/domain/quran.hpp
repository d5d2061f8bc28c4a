// The Quran's structure, for validating references: 114 surahs with their ayah counts (6236
// ayahs in all), 30 juz, and the page count of each mushaf edition clients may name.
#pragma once

#include <optional>
#include <string_view>

namespace synclog::domain::quran {

inline constexpr int kSurahCount = 114;
inline constexpr int kJuzCount = 30;
inline constexpr int kAyahCount = 6236;

// Ayahs in `surah`, or 0 when `surah` is not 1..114.
int ayah_count(int surah);
bool is_valid_ayah(int surah, int ayah);

// The mushaf ids of the upstream enum: 1 QCFV2, 2 QCFV1, 3 Indopak, 4 UthmaniHafs,
// 5 KFGQPCHAFS, 6 Indopak15Lines, 7 Indopak16Lines, 11 Tajweed, 19 QCFTajweedV4.
bool is_known_mushaf(int mushaf);
// Pages in the mushaf: 604 for the Madani layouts (and when none is named), 610 for the
// 15-line Indopak layouts, 548 for the 16-line Indopak layout.
int page_count(std::optional<int> mushaf);

// A note range "c:v-c:v": both ends valid ayahs and the start not after the end.
struct VerseRange {
  int from_surah = 0, from_ayah = 0, to_surah = 0, to_ayah = 0;
  bool contains(int surah, int ayah) const;
  bool overlaps(const VerseRange& o) const;
};
std::optional<VerseRange> parse_range(std::string_view text);

}  // namespace synclog::domain::quran
