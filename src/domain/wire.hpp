// The `data` object each resource shows in GET /v1/sync (and in every log entry), following
// the upstream pull examples (contract section 2 and ambiguity A9):
//   BOOKMARK             type, bookmarkType, bookmarkGroup, key, verseNumber (ayah only),
//                        mushaf (when known), isInDefaultCollection, isReading
//   COLLECTION           name, slug, isPrivate
//   COLLECTION_BOOKMARK  collectionId, bookmarkId
//   NOTE                 body, ranges, source, attachedEntities
//   READING_SESSION      chapterNumber, verseNumber
// each followed by clientCreatedAt and clientUpdatedAt as ISO 8601 UTC strings. A DELETE
// entry carries identifying fields only: {} for resources with an id, {collectionId,
// bookmarkId} for a membership.
#pragma once

#include <string>

#include "domain/model.hpp"

namespace synclog::domain {

std::string wire_data(const Bookmark& b);
std::string wire_data(const Collection& c);
std::string wire_data(const Membership& m);
std::string wire_data(const Note& n);
std::string wire_data(const ReadingSession& s);

// A note's ranges and attached entities as JSON arrays (shared by the wire and record forms).
std::string ranges_json(const std::vector<std::string>& ranges);
std::string entities_json(const std::vector<AttachedEntity>& entities);

std::string tombstone_data();
std::string tombstone_data(const Membership& m);

}  // namespace synclog::domain
