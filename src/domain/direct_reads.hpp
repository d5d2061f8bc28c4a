// The reads behind the upstream direct GET endpoints, run inside one read transaction. Each
// returns the whole success body; lists are sorted and paged with cursor_page.hpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.hpp"
#include "domain/cursor_page.hpp"
#include "domain/direct_result.hpp"
#include "domain/model.hpp"
#include "domain/quran.hpp"
#include "domain/resource_view.hpp"

namespace synclog::domain {

// GET /v1/bookmarks: every bookmark visible in `mushaf` (ayah, surah and juz bookmarks are
// the same in every mushaf; page bookmarks belong to one page layout), newest first.
struct BookmarkFilter {
  std::optional<BookmarkKind> kind;
  std::optional<bool> is_reading;
  std::optional<int> key;
  int mushaf = 4;
};
Result<std::string> list_bookmarks(ResourceView& v, const BookmarkFilter& f, const PageParams& page);

// GET /v1/bookmarks/bookmark: by details, or the reading bookmark. kNotFound if none.
Result<DirectResult> get_bookmark(ResourceView& v, const BookmarkDetails& d);
Result<DirectResult> get_reading_bookmark(ResourceView& v);

// GET /v1/bookmarks/collections: the ids of the collections holding the bookmark with these
// details, and "__default__" last when asked for and it is in Favorites.
Result<std::string> bookmark_collection_ids(ResourceView& v, const BookmarkDetails& d,
                                            bool include_default);

// GET /v1/bookmarks/ayahs-range: ayah bookmarks of one surah within [from, to].
Result<std::string> bookmarks_in_ayah_range(ResourceView& v, int surah, int from, int to);

enum class CollectionSort { kRecentlyUpdated, kAlphabetical, kAlphabeticalDesc };
// GET /v1/collections: with `kind`, only collections holding a bookmark of that kind.
Result<std::string> list_collections(ResourceView& v, CollectionSort sort,
                                     std::optional<BookmarkKind> kind, const PageParams& page);

enum class ItemSort { kRecentlyAdded, kVerseKey };
// GET /v1/collections/{id}: the collection (or Favorites for "__default__") and a page of its
// bookmarks. kNotFound if it does not exist.
Result<DirectResult> get_collection(ResourceView& v, std::string_view id, ItemSort sort,
                                    const PageParams& page);
// GET /v1/collections/all: every bookmark in a collection or in Favorites, once.
Result<std::string> all_collection_bookmarks(ResourceView& v, ItemSort sort,
                                             std::optional<BookmarkKind> kind,
                                             const PageParams& page);

// GET /v1/notes: newest (default) or oldest first; `cursor` continues after a previous page.
Result<std::string> list_notes(ResourceView& v, bool oldest_first,
                               const std::optional<std::string>& cursor, std::int64_t limit);
// GET /v1/notes/{id}. kNotFound if none.
Result<DirectResult> get_note(ResourceView& v, std::string_view id);
// GET /v1/notes/by-verse/{verseKey}: notes with a range containing the ayah.
Result<std::string> notes_by_verse(ResourceView& v, int surah, int ayah);
// GET /v1/notes/by-range: notes with a range overlapping [from, to].
Result<std::string> notes_by_range(ResourceView& v, const quran::VerseRange& range);
// GET /v1/notes/by-attached-entity.
Result<std::string> notes_by_entity(ResourceView& v, std::string_view entity_id,
                                    std::string_view entity_type);
// GET /v1/notes/count-within-range: {"<surah>:<ayah>": notes covering it} for each ayah of
// [from, to] that some note covers.
Result<std::string> notes_count_in_range(ResourceView& v, const quran::VerseRange& range);

// GET /v1/reading-sessions: most recent first.
Result<std::string> list_reading_sessions(ResourceView& v, const PageParams& page);

// A verse key "<surah>:<ayah>" (a valid ayah), for query and path parameters.
std::optional<std::pair<int, int>> parse_verse_key(std::string_view key);

}  // namespace synclog::domain
