// How each resource is kept in a storage::Record (docs/storage.md, "records"). The record data
// is a small JSON object in synclog's own field names; lookup keys go into k1/k2.
#pragma once

#include "common/status.hpp"
#include "domain/model.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

// k2 of the one bookmark that is the user's reading bookmark.
inline constexpr std::string_view kReadingBookmarkKey = "reading";

storage::Record to_record(const Bookmark& b);
storage::Record to_record(const Collection& c);
storage::Record to_record(const Membership& m);
storage::Record to_record(const Note& n);
storage::Record to_record(const ReadingSession& s);

// Each fails with kInternal if the record does not decode (a corrupt or foreign database).
Result<Bookmark> bookmark_from(const storage::Record& r);
Result<Collection> collection_from(const storage::Record& r);
Result<Membership> membership_from(const storage::Record& r);
Result<Note> note_from(const storage::Record& r);
Result<ReadingSession> reading_session_from(const storage::Record& r);

}  // namespace synclog::domain
