// The field-mode judgement, per resource type.
#include "domain/field_conflicts.hpp"

#include "common/json_text.hpp"
#include "domain/field_edits.hpp"
#include "domain/field_stamps.hpp"
#include "domain/wire.hpp"

namespace synclog::domain {
namespace {

using detail::set_fields;

// A change the client had not seen: after its base, by somebody else.
bool unseen(const FieldStamp& s, const Vantage& who) {
  return s.ts > who.base && (who.client.empty() || s.by != who.client);
}

Judgement conflict(std::string_view reason, std::vector<std::string_view> fields,
                   std::int64_t version, std::string record) {
  Judgement j;
  j.outcome = Outcome::kConflict;
  j.conflict = Conflict{reason, std::move(fields), version, std::move(record)};
  return j;
}

template <class T>
void add_field(std::vector<std::string_view>& out, std::size_t i) {
  const FieldName& f = field_names<T>()[i];
  out.push_back(f.name);
  if (!f.also.empty()) out.push_back(f.also);
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
  if (!clashing.empty()) return conflict("changed", std::move(clashing), current.version, wire_data(current));
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
  return conflict("changed", std::move(clashing), current.version, wire_data(current));
}

// An edit of a resource that does not exist: a conflict if it was deleted after the base, or
// may have been (the base is older than the retention horizon, which forgot deletions); else
// nullopt, and applying it fails as in the default mode.
Result<std::optional<Judgement>> judge_missing(ResourceView& view, Resource kind,
                                               std::string_view id, const Vantage& who) {
  SYNCLOG_ASSIGN_OR_RETURN(const auto deleted, view.deleted_at(kind, id));
  if (deleted && *deleted > who.base) return std::optional(conflict("deleted", {}, *deleted, "null"));
  if (!deleted && who.base < who.horizon) return std::optional(conflict("deleted", {}, who.horizon, "null"));
  return std::optional<Judgement>();
}

// UPDATE, or CREATE with a client id (an upsert when it exists): `edit` sets the fields.
template <class T, class Edit>
Result<Judgement> judge_write(ResourceView& view, const Mutation& m, const Vantage& who, Edit edit) {
  if (m.resource_id.empty()) return Judgement{};
  SYNCLOG_ASSIGN_OR_RETURN(auto current, view.get<T>(m.resource_id));
  if (!current) {
    if (m.type == MutationType::kCreate) return Judgement{};
    SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, m.resource, m.resource_id, who));
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
    if (m.type == MutationType::kCreate) set_fields(n, std::get<NoteCreate>(m.data));
    else set_fields(n, std::get<NoteUpdate>(m.data));
  });
}

Result<Judgement> judge_session(ResourceView& view, const Mutation& m, const Vantage& who) {
  if (m.type == MutationType::kDelete) return judge_removal<ReadingSession>(view, m, who);
  return judge_write<ReadingSession>(view, m, who, [&m](ReadingSession& s) {
    set_fields(s, std::get<SessionFields>(m.data));
  });
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
  // Its memberships are its content: one added since the base would go with it unseen.
  SYNCLOG_ASSIGN_OR_RETURN(const auto members, view.memberships_of_collection(current->id));
  for (const auto& mb : members) {
    if (!unseen(FieldStamp{mb.version, mb.modified_by}, who)) continue;
    if (!j.conflict) j = conflict("changed", {}, current->version, wire_data(*current));
    j.conflict->fields.push_back("bookmarks");
    break;
  }
  return j;
}

Result<Judgement> judge_bookmark(ResourceView& view, const Mutation& m, const Vantage& who) {
  if (m.type == MutationType::kDelete) return judge_removal<Bookmark>(view, m, who);
  if (m.type == MutationType::kUpdate) {
    const auto& u = std::get<BookmarkUpdate>(m.data);
    return judge_write<Bookmark>(view, m, who,
                                 [&u](Bookmark& b) { set_fields(b, u.mushaf, u.reading); });
  }
  // A CREATE updates the bookmark its client id or its details name, if any.
  const auto& c = std::get<BookmarkCreate>(m.data);
  std::optional<Bookmark> current;
  if (!m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(current, view.get<Bookmark>(m.resource_id));
  }
  if (!current) {
    SYNCLOG_ASSIGN_OR_RETURN(current, view.bookmark_by_identity(c.details));
  }
  if (!current || current->details.identity() != c.details.identity()) return Judgement{};
  Bookmark edited = *current;
  set_fields(edited, c.details.mushaf, c.reading);
  Judgement j = judge_edit(*current, edited, who);
  j.resource_id = current->id;
  return j;
}

Result<Judgement> judge_membership(ResourceView& view, const Mutation& m, const Vantage& who) {
  const auto& t = std::get<MembershipTarget>(m.data);
  const bool favorites = t.collection_id == kDefaultCollectionId;
  if (m.type == MutationType::kCreate) {
    // Adding never clashes (a membership has no fields), unless what it joins was deleted.
    if (!favorites) {
      SYNCLOG_ASSIGN_OR_RETURN(auto c, view.get<Collection>(t.collection_id));
      if (!c) {
        SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, Resource::kCollection, t.collection_id, who));
        if (missing) return *missing;
      }
    }
    if (!t.bookmark_id.empty()) {
      SYNCLOG_ASSIGN_OR_RETURN(auto b, view.get<Bookmark>(t.bookmark_id));
      if (!b) {
        SYNCLOG_ASSIGN_OR_RETURN(auto missing, judge_missing(view, Resource::kBookmark, t.bookmark_id, who));
        if (missing) return *missing;
      }
    }
    return Judgement{};
  }
  std::optional<Bookmark> bookmark;
  if (!t.bookmark_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(bookmark, view.get<Bookmark>(t.bookmark_id));
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(bookmark, view.bookmark_by_identity(*t.details));
  }
  if (!bookmark) return Judgement{};
  Judgement j;
  if (favorites) {
    // Removing from Favorites clashes with an unseen add (the bookmark's flag).
    if (!bookmark->in_default || !unseen(bookmark->stamps.at[kBookmarkInDefaultField], who)) return j;
    j = conflict("changed", {"isInDefaultCollection"}, bookmark->version, wire_data(*bookmark));
  } else {
    SYNCLOG_ASSIGN_OR_RETURN(auto mb, view.membership(t.collection_id, bookmark->id));
    if (!mb || !unseen(FieldStamp{mb->version, mb->modified_by}, who)) return j;
    j = conflict("changed", {}, mb->version, wire_data(*mb));
  }
  j.resource_id = t.collection_id + "-" + bookmark->id;
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
