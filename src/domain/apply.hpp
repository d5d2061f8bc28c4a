// Applying validated mutations to a user's data. Each function either applies its mutation
// completely (records, log entries and cascades) or fails; the caller then abandons the whole
// transaction, so a batch is all or nothing.
//
// Cascades get their own timestamps, before the mutation's own, so that a mutation's ack
// timestamp is the last one it used and the last ack's timestamp is the new head:
//   COLLECTION DELETE    COLLECTION_BOOKMARK DELETE for each membership, BOOKMARK DELETE for
//                        each bookmark left orphaned, then the COLLECTION DELETE
//   BOOKMARK DELETE      COLLECTION_BOOKMARK DELETE for each membership, then the BOOKMARK DELETE
//   isReading = true     BOOKMARK UPDATE of the previous reading bookmark, then this bookmark
//   add by details       BOOKMARK CREATE when no bookmark matches, then the membership
#pragma once

#include <cstdint>
#include <string>

#include "common/ids.hpp"
#include "common/status.hpp"
#include "domain/field_conflicts.hpp"
#include "domain/field_reader.hpp"
#include "domain/ledger.hpp"
#include "domain/mutation.hpp"

namespace synclog::domain {

// What the POST /v1/sync answer says about one applied mutation.
struct Ack {
  MutationType type = MutationType::kCreate;
  Resource resource = Resource::kBookmark;
  std::string resource_id;
  std::string data;  // JSON text, or empty for none
  std::int64_t ts = 0;  // 0 for a mutation not applied (a conflict)
  // conflictMode=field only: how the mutation was judged, and what it clashed with.
  std::optional<Outcome> outcome;
  std::optional<Conflict> conflict;
};

// `ctx` words the errors: for POST /v1/sync it is {kValidation, "data.", " at mutation[i]"}.
// Failures: kNotFound (UPDATE of a missing resource), ctx.code (a reference that does not
// resolve, an identity change), kInternal (storage).
Result<Ack> apply_mutation(Ledger& ledger, const Mutation& m, const FieldContext& ctx);

namespace detail {
Result<Ack> apply_bookmark(Ledger& ledger, const Mutation& m, const FieldContext& ctx);
Result<Ack> apply_collection(Ledger& ledger, const Mutation& m, const FieldContext& ctx);
Result<Ack> apply_membership(Ledger& ledger, const Mutation& m, const FieldContext& ctx);
Result<Ack> apply_note(Ledger& ledger, const Mutation& m, const FieldContext& ctx);
Result<Ack> apply_reading_session(Ledger& ledger, const Mutation& m, const FieldContext& ctx);

Error not_found(const Mutation& m, const FieldContext& ctx);
// The bookmark part of a membership's composite id when the target names no bookmark id and
// no bookmark matches its details (an ack that touched nothing).
std::string details_token(const BookmarkDetails& d);
Ack make_ack(const Mutation& m, std::string resource_id, std::int64_t ts);
// Removes a bookmark and its memberships (cascade first); returns the bookmark's tombstone ts.
Result<std::int64_t> remove_bookmark_cascade(Ledger& ledger, const Bookmark& b);
// Makes `b` the reading bookmark, clearing the previous one (logged as a cascade).
Status take_reading_flag(Ledger& ledger, Bookmark& b);

// The resource a CREATE writes: the existing one when the client chose an id that exists (an
// upsert, logged as UPDATE), else a new one with the client's id or a minted one.
template <class T>
struct Target {
  T value;
  MutationType op = MutationType::kCreate;
};
template <class T>
Result<Target<T>> create_target(Ledger& ledger, const Mutation& m) {
  if (!m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get<T>(m.resource_id));
    if (existing) return Target<T>{std::move(*existing), MutationType::kUpdate};
  }
  Target<T> t;
  t.value.id = m.resource_id.empty() ? new_resource_id() : m.resource_id;
  return t;
}

// DELETE of a resource by id: its tombstone, or a no-op (that still gets a ts) if it is gone.
template <class T>
Result<Ack> delete_by_id(Ledger& ledger, const Mutation& m) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get<T>(m.resource_id));
  if (!existing) return make_ack(m, m.resource_id, ledger.next_ts());
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.remove(*existing));
  return make_ack(m, m.resource_id, ts);
}
}  // namespace detail

}  // namespace synclog::domain
