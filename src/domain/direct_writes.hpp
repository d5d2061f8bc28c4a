// The writes behind the upstream direct endpoints. Each runs inside the user's write
// transaction through the same ledger and apply code as POST /v1/sync, so it advances the head
// and is pulled by every device. Around that they add what the direct contract says:
//   - a missing path resource (collection, note, bookmark to delete) is 404, not a no-op;
//   - DELETE /v1/bookmarks/{id} removes only orphan bookmarks; one in a collection or in
//     Favorites merely stops being the reading bookmark;
//   - removing a bookmark from a collection deletes the bookmark when that leaves it an orphan;
//   - POST /v1/reading-sessions updates the latest session when it is under 20 minutes old;
//   - If-Match / If-None-Match are checked against the affected resource's version.
// Validation failures are kUnprocessable (the generic 422).
#pragma once

#include <string_view>

#include "common/status.hpp"
#include "domain/direct_result.hpp"
#include "domain/ledger.hpp"
#include "domain/mutation.hpp"
#include "domain/preconditions.hpp"

namespace synclog::domain {

Result<DirectResult> add_bookmark(Ledger& l, const BookmarkCreate& c, const Preconditions& pre);
Result<DirectResult> delete_bookmark(Ledger& l, std::string_view id, const Preconditions& pre);

Result<DirectResult> create_collection(Ledger& l, const CollectionFields& f, const Preconditions& pre);
Result<DirectResult> rename_collection(Ledger& l, std::string_view id, const CollectionFields& f,
                                       const Preconditions& pre);
Result<DirectResult> delete_collection(Ledger& l, std::string_view id, const Preconditions& pre);

// `target.collection_id` may be "__default__" (Favorites). `removed_message` is the message of
// the answer (empty: the answer's data is {}).
Result<DirectResult> add_to_collection(Ledger& l, const MembershipTarget& target,
                                       const Preconditions& pre);
Result<DirectResult> remove_from_collection(Ledger& l, const MembershipTarget& target,
                                            const Preconditions& pre,
                                            std::string_view removed_message);

Result<DirectResult> create_note(Ledger& l, const NoteCreate& c, const Preconditions& pre);
Result<DirectResult> update_note(Ledger& l, std::string_view id, const NoteUpdate& u,
                                 const Preconditions& pre);
Result<DirectResult> delete_note(Ledger& l, std::string_view id, const Preconditions& pre);

Result<DirectResult> record_reading_session(Ledger& l, const SessionFields& f,
                                            const Preconditions& pre);

}  // namespace synclog::domain
