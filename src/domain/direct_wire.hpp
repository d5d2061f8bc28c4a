// The representations the upstream direct endpoints answer with (contract section 2: Bookmark,
// RawBookmark, Collection, Note, ReadingSession), and the success envelopes around them. These
// schemas forbid extra properties, so synclog's own additions (versions, modifiedBy) travel in
// headers (ETag, X-Modified-By), never here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/model.hpp"

namespace synclog::domain {

// Bookmark / BookmarkWithCollectionsCount: id, createdAt, type, key, verseNumber (null unless
// ayah), group, isInDefaultCollection, isReading, collectionsCount.
std::string bookmark_json(const Bookmark& b, int collections_count);
// RawBookmark: id, createdAt, bookmarkType, key, verseNumber, bookmarkGroup,
// isInDefaultCollection, isReading.
std::string raw_bookmark_json(const Bookmark& b);
// Collection: id, name, slug, isPrivate, isDefault, isSystem, updatedAt, bookmarksCount,
// resourcesCount, count.
std::string collection_json(const Collection& c, int bookmarks_count);
// The virtual Favorites collection in the same shape: id "__default__", isDefault and isSystem.
std::string favorites_collection_json(int bookmarks_count, std::int64_t updated_ms);
// Note: id, createdAt, updatedAt, body, source, attachedEntities, ranges.
std::string note_json(const Note& n);
// ReadingSession: id, updatedAt, chapterNumber, verseNumber.
std::string reading_session_json(const ReadingSession& s);

// {"success":true,"data":<data>} and, for lists, {...,"pagination":<pagination>}.
std::string success_body(std::string_view data_json);
std::string success_body(std::string_view data_json, std::string_view pagination_json);
// {"success":true,"data":{"message":"<message>"}}
std::string message_body(std::string_view message);

}  // namespace synclog::domain
