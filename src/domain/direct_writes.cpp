// Direct writes in terms of the sync domain's mutations.
#include "domain/direct_writes.hpp"

#include <algorithm>

#include "domain/apply.hpp"
#include "domain/direct_wire.hpp"
#include "domain/tuning.hpp"

namespace synclog::domain {
namespace {

const FieldContext& direct_context() {
  static const FieldContext kContext{ErrorCode::kUnprocessable, "", ""};
  return kContext;
}

Error not_found(std::string_view what) {
  return make_error(ErrorCode::kNotFound, std::string(what) + " not found");
}

template <class T>
std::optional<std::int64_t> version_of(const std::optional<T>& v) {
  return v ? std::optional<std::int64_t>(v->version) : std::nullopt;
}

Mutation mutation(MutationType type, Resource resource, std::string id, MutationData data) {
  Mutation m;
  m.type = type;
  m.resource = resource;
  m.resource_id = std::move(id);
  m.data = std::move(data);
  return m;
}

Result<Ack> apply(Ledger& l, const Mutation& m) { return apply_mutation(l, m, direct_context()); }

DirectResult with_version(std::string body, std::int64_t version, std::string modified_by) {
  DirectResult r;
  r.body = std::move(body);
  r.version = version;
  r.modified_by = std::move(modified_by);
  return r;
}

DirectResult body_only(std::string body) {
  DirectResult r;
  r.body = std::move(body);
  return r;
}

Result<DirectResult> bookmark_answer(Ledger& l, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto b, l.get<Bookmark>(id));
  if (!b) return make_error(ErrorCode::kInternal, "bookmark vanished after its write");
  SYNCLOG_ASSIGN_OR_RETURN(const int count, l.collections_count(*b));
  return with_version(success_body(bookmark_json(*b, count)), b->version, b->modified_by);
}

Result<std::optional<Collection>> existing_collection(Ledger& l, std::string_view id) {
  if (id == kDefaultCollectionId) {
    return make_error(ErrorCode::kUnprocessable,
                      "The default collection (Favorites) cannot be renamed or deleted");
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto c, l.get<Collection>(id));
  if (!c) return not_found("Collection");
  return c;
}

// The bookmark a membership target names, and the version of the membership itself (for
// Favorites, membership is the bookmark's flag, so its version is the bookmark's).
struct TargetState {
  std::optional<Bookmark> bookmark;
  std::optional<std::int64_t> membership_version;
};

Result<TargetState> target_state(Ledger& l, const MembershipTarget& t) {
  TargetState s;
  if (t.collection_id != kDefaultCollectionId) {
    SYNCLOG_ASSIGN_OR_RETURN(auto c, l.get<Collection>(t.collection_id));
    if (!c) return not_found("Collection");
  }
  if (!t.bookmark_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(s.bookmark, l.get<Bookmark>(t.bookmark_id));
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(s.bookmark, l.bookmark_by_identity(*t.details));
  }
  if (!s.bookmark) return s;
  if (t.collection_id == kDefaultCollectionId) {
    if (s.bookmark->in_default) s.membership_version = s.bookmark->version;
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(auto m, l.membership(t.collection_id, s.bookmark->id));
    s.membership_version = version_of(m);
  }
  return s;
}

// The preconditions of a write to a resource at version `current`: If-Match/If-None-Match as
// usual, or, under conflictMode=field with a stale If-Match, `m` judged from that version.
// `refused` is set when the write must not happen (a clash, answered 412 with it).
struct Admission {
  std::optional<JudgedOutcome> judged;
  std::optional<DirectResult> refused;
};

Result<Admission> admit(Ledger& l, const Preconditions& pre, std::int64_t current, const Mutation& m) {
  const auto base = pre.merge_base(current);
  if (!base) {
    SYNCLOG_RETURN_IF_ERROR(pre.check_write(current));
    return Admission{};
  }
  // The resource exists, so the retention horizon (which only forgets deletions) plays no part.
  const Vantage who{*base, 0, l.client_id(), l.head()};
  SYNCLOG_ASSIGN_OR_RETURN(auto judgement, judge_mutation(l, m, who));
  Admission a;
  a.judged = JudgedOutcome{m.resource, judgement.outcome};
  if (judgement.conflict) {
    DirectResult r;
    r.judged = a.judged;
    r.conflict = std::move(judgement.conflict);
    r.version = current;
    a.refused = std::move(r);
  }
  return a;
}

DirectResult judged(DirectResult r, const Admission& a) {
  r.judged = a.judged;
  return r;
}

}  // namespace

Result<DirectResult> add_bookmark(Ledger& l, const BookmarkCreate& c, const Preconditions& pre) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, l.bookmark_by_identity(c.details));
  SYNCLOG_RETURN_IF_ERROR(pre.check_write(version_of(existing)));
  SYNCLOG_ASSIGN_OR_RETURN(auto ack, apply(l, mutation(MutationType::kCreate, Resource::kBookmark, {}, c)));
  return bookmark_answer(l, ack.resource_id);
}

Result<DirectResult> delete_bookmark(Ledger& l, std::string_view id, const Preconditions& pre) {
  SYNCLOG_ASSIGN_OR_RETURN(auto b, l.get<Bookmark>(id));
  if (!b) return not_found("Bookmark");
  SYNCLOG_ASSIGN_OR_RETURN(auto memberships, l.memberships_of_bookmark(b->id));
  const bool kept = b->in_default || !memberships.empty();
  // Judged as what it does: a kept bookmark only loses the reading flag.
  BookmarkUpdate clear_reading;
  clear_reading.reading = ReadingFlag::kCleared;
  const Mutation m = kept ? mutation(MutationType::kUpdate, Resource::kBookmark, b->id, clear_reading)
                          : mutation(MutationType::kDelete, Resource::kBookmark, b->id, NoFields{});
  SYNCLOG_ASSIGN_OR_RETURN(const auto admission, admit(l, pre, b->version, m));
  if (admission.refused) return *admission.refused;
  if (kept) {
    // Kept for its collections; it only stops being the reading bookmark.
    if (b->is_reading) {
      b->is_reading = false;
      SYNCLOG_RETURN_IF_ERROR(l.save(*b, MutationType::kUpdate, ClientTimes{}).status());
    }
  } else {
    SYNCLOG_RETURN_IF_ERROR(l.remove(*b).status());
  }
  return judged(body_only(message_body("bookmark deleted")), admission);
}

Result<DirectResult> create_collection(Ledger& l, const CollectionFields& f, const Preconditions& pre) {
  SYNCLOG_RETURN_IF_ERROR(pre.check_write(std::nullopt));
  SYNCLOG_ASSIGN_OR_RETURN(auto ack, apply(l, mutation(MutationType::kCreate, Resource::kCollection, {}, f)));
  SYNCLOG_ASSIGN_OR_RETURN(auto c, l.get<Collection>(ack.resource_id));
  if (!c) return make_error(ErrorCode::kInternal, "collection vanished after its write");
  return with_version(success_body(collection_json(*c, 0)), c->version, c->modified_by);
}

Result<DirectResult> rename_collection(Ledger& l, std::string_view id, const CollectionFields& f,
                                       const Preconditions& pre) {
  SYNCLOG_ASSIGN_OR_RETURN(auto c, existing_collection(l, id));
  const Mutation m = mutation(MutationType::kUpdate, Resource::kCollection, std::string(id), f);
  SYNCLOG_ASSIGN_OR_RETURN(const auto admission, admit(l, pre, c->version, m));
  if (admission.refused) return *admission.refused;
  SYNCLOG_ASSIGN_OR_RETURN(auto ack, apply(l, m));
  return judged(with_version(message_body("collection renamed"), ack.ts, l.client_id()), admission);
}

Result<DirectResult> delete_collection(Ledger& l, std::string_view id, const Preconditions& pre) {
  SYNCLOG_ASSIGN_OR_RETURN(auto c, existing_collection(l, id));
  const Mutation m = mutation(MutationType::kDelete, Resource::kCollection, std::string(id), NoFields{});
  SYNCLOG_ASSIGN_OR_RETURN(const auto admission, admit(l, pre, c->version, m));
  if (admission.refused) return *admission.refused;
  SYNCLOG_RETURN_IF_ERROR(apply(l, m).status());
  return judged(body_only(message_body("collection deleted")), admission);
}

Result<DirectResult> add_to_collection(Ledger& l, const MembershipTarget& target,
                                       const Preconditions& pre) {
  SYNCLOG_ASSIGN_OR_RETURN(const auto state, target_state(l, target));
  if (!state.bookmark && !target.bookmark_id.empty()) return not_found("Bookmark");
  SYNCLOG_RETURN_IF_ERROR(pre.check_write(state.membership_version));
  SYNCLOG_ASSIGN_OR_RETURN(auto ack,
                           apply(l, mutation(MutationType::kCreate, Resource::kCollectionBookmark, {}, target)));
  return with_version(message_body("collection bookmark added"), ack.ts, l.client_id());
}

Result<DirectResult> remove_from_collection(Ledger& l, const MembershipTarget& target,
                                            const Preconditions& pre,
                                            std::string_view removed_message) {
  SYNCLOG_ASSIGN_OR_RETURN(const auto state, target_state(l, target));
  if (!state.membership_version) return not_found("Bookmark in this collection");
  SYNCLOG_RETURN_IF_ERROR(pre.check_write(state.membership_version));
  SYNCLOG_RETURN_IF_ERROR(
      apply(l, mutation(MutationType::kDelete, Resource::kCollectionBookmark, {}, target)).status());
  // The direct contract: a bookmark the removal leaves in no collection is deleted too.
  SYNCLOG_ASSIGN_OR_RETURN(auto b, l.get<Bookmark>(state.bookmark->id));
  if (b) {
    SYNCLOG_ASSIGN_OR_RETURN(const bool orphan, l.is_orphan(*b));
    if (orphan) SYNCLOG_RETURN_IF_ERROR(l.remove(*b).status());
  }
  return body_only(removed_message.empty() ? success_body("{}") : message_body(removed_message));
}

Result<DirectResult> create_note(Ledger& l, const NoteCreate& c, const Preconditions& pre) {
  SYNCLOG_RETURN_IF_ERROR(pre.check_write(std::nullopt));
  SYNCLOG_ASSIGN_OR_RETURN(auto ack, apply(l, mutation(MutationType::kCreate, Resource::kNote, {}, c)));
  SYNCLOG_ASSIGN_OR_RETURN(auto n, l.get<Note>(ack.resource_id));
  if (!n) return make_error(ErrorCode::kInternal, "note vanished after its write");
  return with_version(success_body(note_json(*n)), n->version, n->modified_by);
}

Result<DirectResult> update_note(Ledger& l, std::string_view id, const NoteUpdate& u,
                                 const Preconditions& pre) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, l.get<Note>(id));
  if (!existing) return not_found("Note");
  const Mutation m = mutation(MutationType::kUpdate, Resource::kNote, std::string(id), u);
  SYNCLOG_ASSIGN_OR_RETURN(const auto admission, admit(l, pre, existing->version, m));
  if (admission.refused) return *admission.refused;
  SYNCLOG_RETURN_IF_ERROR(apply(l, m).status());
  SYNCLOG_ASSIGN_OR_RETURN(auto n, l.get<Note>(id));
  return judged(with_version(success_body(note_json(*n)), n->version, n->modified_by), admission);
}

Result<DirectResult> delete_note(Ledger& l, std::string_view id, const Preconditions& pre) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, l.get<Note>(id));
  if (!existing) return not_found("Note");
  SYNCLOG_ASSIGN_OR_RETURN(
      const auto admission,
      admit(l, pre, existing->version, mutation(MutationType::kDelete, Resource::kNote, existing->id, NoFields{})));
  if (admission.refused) return *admission.refused;
  SYNCLOG_RETURN_IF_ERROR(l.remove(*existing).status());
  return judged(body_only(success_body(R"({"success":true})")), admission);
}

Result<DirectResult> record_reading_session(Ledger& l, const SessionFields& f,
                                            const Preconditions& pre) {
  SYNCLOG_ASSIGN_OR_RETURN(auto sessions, l.list<ReadingSession>());
  const auto latest = std::max_element(
      sessions.begin(), sessions.end(),
      [](const ReadingSession& a, const ReadingSession& b) { return a.version < b.version; });
  const bool recent = latest != sessions.end() && l.now_ms() - latest->version < kReadingSessionWindowMs;
  SYNCLOG_RETURN_IF_ERROR(pre.check_write(recent ? std::optional<std::int64_t>(latest->version) : std::nullopt));
  const MutationType type = recent ? MutationType::kUpdate : MutationType::kCreate;
  SYNCLOG_ASSIGN_OR_RETURN(
      auto ack, apply(l, mutation(type, Resource::kReadingSession, recent ? latest->id : std::string(), f)));
  return with_version(message_body(recent ? "reading session updated" : "reading session created"), ack.ts,
                      l.client_id());
}

}  // namespace synclog::domain
