// The field-mode judgement, per resource type. Besides the resource's own fields, a mutation is
// judged on what its cascades would take with them unseen: the bookmarks a collection delete
// orphans, the memberships a bookmark delete removes, and the reading flag that taking it
// clears elsewhere (which bookmark is the reading one is a single value, like a position).
#include "domain/field_conflicts.hpp"

#include <algorithm>

#include "common/json_text.hpp"
#include "domain/apply.hpp"
#include "domain/field_edits.hpp"
#include "domain/field_stamps.hpp"
#include "domain/wire.hpp"

namespace synclog::domain {
namespace {

using detail::set_fields;

constexpr std::size_t kIsReadingField = 1;  // field_names<Bookmark>()

// A change the client had not seen: after its base, not its own, not this request's.
bool unseen(const FieldStamp& s, const Vantage& who) {
  return s.ts > who.base && s.ts <= who.own_after && (who.client.empty() || s.by != who.client);
}

// A membership has no fields: it is judged by its creation (a repeated add changes nothing).
bool unseen(const Membership& mb, const Vantage& who) {
  return unseen(FieldStamp{mb.created_ts, mb.modified_by}, who);
}

Judgement conflict(std::string_view reason, std::vector<std::string_view> fields,
                   std::int64_t version, std::string record) {
  Judgement j;
  j.outcome = Outcome::kConflict;
  j.conflict = Conflict{reason, std::move(fields), version, std::move(record)};
  return j;
}

// The record a conflict shows: the pull form, which for a note lacks saveToQR, a judged
// field; the conflict adds it, so a clash on it shows both values.
template <class T>
std::string conflict_record(const T& current) { return wire_data(current); }
template <>
std::string conflict_record(const Note& current) {
  std::string out = wire_data(current);
  out.pop_back();  // the closing brace
  out.append(current.save_to_qr ? R"(,"saveToQR":true})" : R"(,"saveToQR":false})");
  return out;
}

template <class T>
Judgement changed(const T& current, std::vector<std::string_view> fields) {
  return conflict("changed", std::move(fields), current.version, conflict_record(current));
}

template <class T>
void add_field(std::vector<std::string_view>& out, std::size_t i) {
  const FieldName& f = field_names<T>()[i];
  out.push_back(f.name);
  if (!f.also.empty()) out.push_back(f.also);
}

// Adds `field` to the clash (making one of `current` if there is none yet).
template <class T>
void add_clash(Judgement& j, const T& current, std::string_view field) {
  if (!j.conflict) j = changed(current, {});
  j.conflict->fields.push_back(field);
}

// `edited` is `current` with the mutation's fields set: a field clashes when the mutation
// changes its value and somebody else changed it since the base. Unseen changes to other
// fields make the outcome a merge.
template <class T>
Judgement judge_edit(const T& current, const T& edited, const Vantage& who) {
  const auto before = field_values(current);
  const auto after = field_values(edited);
  std::vector<std::string_view> clashing;
  bool others = false;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (!unseen(current.stamps.at[i], who)) continue;
    others = true;
    if (after[i] != before[i]) add_field<T>(clashing, i);
  }
  if (!clashing.empty()) return changed(current, std::move(clashing));
  Judgement j;
  j.outcome = others ? Outcome::kMerged : Outcome::kApplied;
  return j;
}

// A delete clashes with every change the client had not seen: deleting would discard it.
template <class T>
Judgement judge_delete(const T& current, const Vantage& who) {
  std::vector<std::string_view> clashing;
  for (std::size_t i = 0; i < current.stamps.at.size(); ++i) {
    if (unseen(current.stamps.at[i], who)) add_field<T>(clashing, i);
  }
  if (clashing.empty()) return Judgement{};
  return changed(current, std::move(clashing));
}

// A write to a resource that does not exist: a conflict if it was deleted after the base (by
// somebody else: a deletion earlier in this request is the request's own). For an UPDATE, also
// when it may have been (the base predates the retention horizon, which forgot deletions);
// else nullopt, and applying goes on as in the default mode (404 for an UPDATE).
Result<std::optional<Judgement>> judge_missing(ResourceView& view, const Mutation& m, Resource kind,
                                               std::string_view id, const Vantage& who) {
  SYNCLOG_ASSIGN_OR_RETURN(const auto deleted, view.deleted_at(kind, id));
  if (deleted && *deleted > who.base && *deleted <= who.own_after) {
    return std::optional(conflict("deleted", {}, *deleted, "null"));
  }
  const bool forgotten = !deleted && who.base < who.horizon && m.type == MutationType::kUpdate;
  if (forgotten) return std::optional(conflict("deleted", {}, who.horizon, "null"));
  return std::optional<Judgement>();
}

// UPDATE, or CREATE with a client id (an upsert when it exists): `edit` sets the fields.
template <class T, class Edit>
Result<Judgement> judge_write(ResourceView& view, const Mutation& m, const Vantage& who, Edit edit) {
  if (m.resource_id.empty()) return Judgement{};
  SYNCLOG_ASSIGN_OR_RETURN(auto current, view.get<T>(m.resource_id));
  if (!current) {
    SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, m, m.resource, m.resource_id, who));
    return missing.value_or(Judgement{});
  }
  T edited = *current;
  edit(edited);
  return judge_edit(*current, edited, who);
}

template <class T>
Result<Judgement> judge_removal(ResourceView& view, const Mutation& m, const Vantage& who) {
  SYNCLOG_ASSIGN_OR_RETURN(auto current, view.get<T>(m.resource_id));
  if (!current) return Judgement{};  // already gone: a no-op
  return judge_delete(*current, who);
}

Result<Judgement> judge_note(ResourceView& view, const Mutation& m, const Vantage& who) {
  if (m.type == MutationType::kDelete) return judge_removal<Note>(view, m, who);
  return judge_write<Note>(view, m, who, [&m](Note& n) {
    if (m.type == MutationType::kCreate) {
      set_fields(n, std::get<NoteCreate>(m.data));
    } else {
      set_fields(n, std::get<NoteUpdate>(m.data));
    }
  });
}

Result<Judgement> judge_session(ResourceView& view, const Mutation& m, const Vantage& who) {
  if (m.type == MutationType::kDelete) return judge_removal<ReadingSession>(view, m, who);
  return judge_write<ReadingSession>(view, m, who, [&m](ReadingSession& s) {
    set_fields(s, std::get<SessionFields>(m.data));
  });
}

// Whether deleting collection `collection_id` orphans `b` (the cascade then deletes it).
Result<bool> orphaned_by(ResourceView& view, const Bookmark& b, std::string_view collection_id) {
  if (b.in_default || b.is_reading) return false;
  SYNCLOG_ASSIGN_OR_RETURN(const auto ms, view.memberships_of_bookmark(b.id));
  for (const auto& mb : ms) {
    if (mb.collection_id != collection_id) return false;
  }
  return true;
}

Result<Judgement> judge_collection(ResourceView& view, const Mutation& m, const Vantage& who) {
  if (m.type != MutationType::kDelete) {
    return judge_write<Collection>(view, m, who, [&m](Collection& c) {
      detail::set_name(c, std::get<CollectionFields>(m.data).name);
    });
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto current, view.get<Collection>(m.resource_id));
  if (!current) return Judgement{};
  Judgement j = judge_delete(*current, who);
  // Its memberships are its content, and the bookmarks it orphans go with it: an unseen add,
  // or an unseen edit of such a bookmark, would be discarded.
  SYNCLOG_ASSIGN_OR_RETURN(const auto members, view.memberships_of_collection(current->id));
  for (const auto& mb : members) {
    bool clash = unseen(mb, who);
    if (!clash) {
      SYNCLOG_ASSIGN_OR_RETURN(const auto b, view.get<Bookmark>(mb.bookmark_id));
      if (b && judge_delete(*b, who).conflict) {
        SYNCLOG_ASSIGN_OR_RETURN(clash, orphaned_by(view, *b, current->id));
      }
    }
    if (clash) {
      add_clash(j, *current, "bookmarks");
      break;
    }
  }
  return j;
}

// Taking the reading flag clears it on the previous reading bookmark: the bookmark another
// device chose unseen, if that is what `flag` would undo.
Result<std::optional<Bookmark>> unseen_reading_choice(ResourceView& view, std::string_view taker,
                                                      ReadingFlag flag, const Vantage& who) {
  if (flag != ReadingFlag::kSet) return std::optional<Bookmark>();
  SYNCLOG_ASSIGN_OR_RETURN(auto previous, view.reading_bookmark());
  if (!previous || previous->id == taker || !unseen(previous->stamps.at[kIsReadingField], who)) {
    return std::optional<Bookmark>();
  }
  return previous;
}

Result<Judgement> judge_bookmark_edit(ResourceView& view, const Bookmark& current, std::optional<int> mushaf,
                                      ReadingFlag reading, const Vantage& who) {
  Bookmark edited = current;
  set_fields(edited, mushaf, reading);
  Judgement j = judge_edit(current, edited, who);
  SYNCLOG_ASSIGN_OR_RETURN(const auto undone, unseen_reading_choice(view, current.id, reading, who));
  const bool reported = j.conflict && std::find(j.conflict->fields.begin(), j.conflict->fields.end(),
                                                "isReading") != j.conflict->fields.end();
  if (undone && !reported) add_clash(j, current, "isReading");
  return j;
}

Result<Judgement> judge_bookmark(ResourceView& view, const Mutation& m, const Vantage& who) {
  if (m.type == MutationType::kDelete) {
    SYNCLOG_ASSIGN_OR_RETURN(auto current, view.get<Bookmark>(m.resource_id));
    if (!current) return Judgement{};
    Judgement j = judge_delete(*current, who);
    // Its memberships go with it: one added unseen would be discarded.
    SYNCLOG_ASSIGN_OR_RETURN(const auto ms, view.memberships_of_bookmark(current->id));
    for (const auto& mb : ms) {
      if (!unseen(mb, who)) continue;
      add_clash(j, *current, "collections");
      break;
    }
    return j;
  }
  std::optional<Bookmark> current;
  if (m.type == MutationType::kUpdate) {
    SYNCLOG_ASSIGN_OR_RETURN(current, view.get<Bookmark>(m.resource_id));
    if (!current) {
      SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, m, m.resource, m.resource_id, who));
      return missing.value_or(Judgement{});
    }
    const auto& u = std::get<BookmarkUpdate>(m.data);
    return judge_bookmark_edit(view, *current, u.mushaf, u.reading, who);
  }
  // A CREATE updates the bookmark its client id or its details name, if any.
  const auto& c = std::get<BookmarkCreate>(m.data);
  if (!m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(current, view.get<Bookmark>(m.resource_id));
  }
  if (!current) {
    SYNCLOG_ASSIGN_OR_RETURN(current, view.bookmark_by_identity(c.details));
  }
  if (current && current->details.identity() == c.details.identity()) {
    SYNCLOG_ASSIGN_OR_RETURN(Judgement j, judge_bookmark_edit(view, *current, c.details.mushaf, c.reading, who));
    j.resource_id = current->id;
    return j;
  }
  if (!current && !m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, m, m.resource, m.resource_id, who));
    if (missing) return *missing;
  }
  // A new bookmark: only the reading flag it would take from another one can clash.
  SYNCLOG_ASSIGN_OR_RETURN(const auto undone, unseen_reading_choice(view, m.resource_id, c.reading, who));
  if (!undone) return Judgement{};
  Judgement j = changed(*undone, {"isReading"});
  j.resource_id = m.resource_id.empty() ? detail::details_token(c.details) : m.resource_id;
  return j;
}

// The membership's id in an ack ("<collectionId>-<bookmarkId>"), as apply answers it.
std::string membership_ack_id(const MembershipTarget& t, const std::optional<Bookmark>& b) {
  const std::string bookmark =
      b ? b->id : (!t.bookmark_id.empty() ? t.bookmark_id : detail::details_token(*t.details));
  return t.collection_id + "-" + bookmark;
}

Result<Judgement> judge_membership(ResourceView& view, const Mutation& m, const Vantage& who) {
  const auto& t = std::get<MembershipTarget>(m.data);
  const bool favorites = t.collection_id == kDefaultCollectionId;
  std::optional<Bookmark> bookmark;
  if (!t.bookmark_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(bookmark, view.get<Bookmark>(t.bookmark_id));
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(bookmark, view.bookmark_by_identity(*t.details));
  }
  Judgement j;
  if (m.type == MutationType::kCreate) {
    // Adding never clashes (a membership has no fields), unless what it joins was deleted.
    if (!favorites) {
      SYNCLOG_ASSIGN_OR_RETURN(auto c, view.get<Collection>(t.collection_id));
      if (!c) {
        SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, m, Resource::kCollection, t.collection_id, who));
        if (missing) j = std::move(*missing);
      }
    }
    if (!j.conflict && !bookmark && !t.bookmark_id.empty()) {
      SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, m, Resource::kBookmark, t.bookmark_id, who));
      if (missing) j = std::move(*missing);
    }
  } else if (bookmark && favorites) {
    // Removing from Favorites clashes with an unseen add (the bookmark's flag).
    if (bookmark->in_default && unseen(bookmark->stamps.at[kBookmarkInDefaultField], who)) {
      j = changed(*bookmark, {"isInDefaultCollection"});
    }
  } else if (bookmark) {
    SYNCLOG_ASSIGN_OR_RETURN(auto mb, view.membership(t.collection_id, bookmark->id));
    if (mb && unseen(*mb, who)) j = changed(*mb, {});
  }
  if (j.conflict) j.resource_id = membership_ack_id(t, bookmark);
  return j;
}

}  // namespace

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kApplied: return "applied";
    case Outcome::kMerged: return "merged";
    case Outcome::kConflict: return "conflict";
  }
  return "applied";
}

Result<Judgement> judge_mutation(ResourceView& view, const Mutation& m, const Vantage& who) {
  switch (m.resource) {
    case Resource::kBookmark: return judge_bookmark(view, m, who);
    case Resource::kCollection: return judge_collection(view, m, who);
    case Resource::kCollectionBookmark: return judge_membership(view, m, who);
    case Resource::kNote: return judge_note(view, m, who);
    case Resource::kReadingSession: return judge_session(view, m, who);
  }
  return make_error(ErrorCode::kInternal, "unknown resource");
}

std::string conflict_json(const Conflict& c) {
  std::string fields = "[";
  for (const auto& f : c.fields) {
    if (fields.size() > 1) fields.push_back(',');
    append_json_string(fields, f);
  }
  fields.push_back(']');
  JsonObjectWriter w;
  w.str("reason", c.reason).raw("fields", fields).num("version", c.version).raw("record", c.record);
  return std::move(w).finish();
}

}  // namespace synclog::domain
