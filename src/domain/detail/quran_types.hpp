// The built-in Quran types (record_type.hpp) and the rules they share: their factories for
// quran_types(), the plan of a type whose mutations only set its fields, and the cascades
// around bookmarks. Private to the domain.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/ids.hpp"
#include "domain/ledger.hpp"
#include "domain/record_type.hpp"

namespace synclog::domain::detail {

std::unique_ptr<RecordType> make_bookmark_type();
std::unique_ptr<RecordType> make_collection_type();
std::unique_ptr<RecordType> make_membership_type();
std::unique_ptr<RecordType> make_note_type();
std::unique_ptr<RecordType> make_reading_session_type();

// The plan of a CREATE (an upsert, logged as UPDATE, when the client chose an id that exists),
// UPDATE or DELETE by id, for a type whose mutation sets the record's fields and nothing else:
// `edit(T& record, bool creating)` sets them.
template <class T, class Edit>
Result<Plan> plan_by_id(ResourceView& view, const Mutation& m, const ClientTimes& times, Edit edit) {
  Plan p;
  p.ack_id = m.resource_id;
  p.times = times;
  std::optional<T> existing;
  if (!m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(existing, view.get<T>(m.resource_id));
  }
  if (m.type == MutationType::kDelete) {
    if (!existing) return p;  // already gone: a no-op
    p.step = Plan::Step::kRemove;
    p.current = std::move(*existing);
    return p;
  }
  if (!existing && m.type == MutationType::kUpdate) {
    p.step = Plan::Step::kMissing;
    return p;
  }
  T v;
  if (existing) {
    p.current = *existing;
    v = std::move(*existing);
    p.op = MutationType::kUpdate;
  } else {
    v.id = m.resource_id.empty() ? new_resource_id() : m.resource_id;
    p.op = MutationType::kCreate;
  }
  edit(v, !existing);
  p.ack_id = v.id;
  p.step = Plan::Step::kSave;
  p.next = std::move(v);
  return p;
}

// The bookmark part of a membership's composite id when the target names no bookmark id and
// no bookmark matches its details (an ack that touched nothing).
std::string details_token(const BookmarkDetails& d);
// A membership has no fields: it is judged by its creation (a repeated add changes nothing).
bool unseen_membership(const Membership& mb, const Vantage& who);
// Removes a bookmark's memberships (the cascade of removing the bookmark).
Status remove_memberships(Ledger& ledger, const Bookmark& b);
// Makes `b` the reading bookmark, clearing the previous one (logged as a cascade).
Status take_reading_flag(Ledger& ledger, Bookmark& b);

}  // namespace synclog::domain::detail
