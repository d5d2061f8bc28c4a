// COLLECTION_BOOKMARK mutations. The virtual Favorites collection ("__default__") has no rows:
// adding to or removing from it flips Bookmark::in_default and logs a BOOKMARK mutation, so
// pulls show Favorites only through isInDefaultCollection (A10, A11). Adding by details creates
// the bookmark when none matches. Removing a membership through sync never deletes the bookmark:
// a device that only untagged a bookmark must not lose it.
#include "common/ids.hpp"
#include "domain/apply.hpp"

namespace synclog::domain::detail {
namespace {

// The bookmark a target names: by id (must exist) or by details (may not exist yet).
Result<std::optional<Bookmark>> find_target(Ledger& ledger, const MembershipTarget& t) {
  if (!t.bookmark_id.empty()) return ledger.get<Bookmark>(t.bookmark_id);
  return ledger.bookmark_by_identity(*t.details);
}

Result<Ack> create(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  const auto& t = std::get<MembershipTarget>(m.data);
  const bool favorites = t.collection_id == kDefaultCollectionId;
  if (!favorites) {
    SYNCLOG_ASSIGN_OR_RETURN(auto collection, ledger.get<Collection>(t.collection_id));
    if (!collection) return ctx.invalid("collectionId", "no collection has this id");
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto bookmark, find_target(ledger, t));
  if (!bookmark && !t.bookmark_id.empty()) {
    return ctx.invalid("bookmarkId", "no bookmark has this id");
  }
  if (favorites && bookmark && bookmark->details.kind != BookmarkKind::kAyah) {
    return ctx.invalid("bookmarkId", "the default collection holds ayah bookmarks only");
  }

  if (favorites) {
    // One BOOKMARK mutation carries the whole change.
    Bookmark b;
    MutationType op = MutationType::kUpdate;
    if (bookmark) {
      b = std::move(*bookmark);
    } else {
      b.id = new_resource_id();
      b.details = *t.details;
      op = MutationType::kCreate;
    }
    b.in_default = true;
    SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(b, op, t.times));
    return make_ack(m, std::string(kDefaultCollectionId) + "-" + b.id, ts);
  }

  if (!bookmark) {
    Bookmark b;
    b.id = new_resource_id();
    b.details = *t.details;
    SYNCLOG_RETURN_IF_ERROR(ledger.save(b, MutationType::kCreate, t.times).status());
    bookmark = std::move(b);
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.membership(t.collection_id, bookmark->id));
  Membership mb;
  if (existing) {
    mb = std::move(*existing);  // already a member: an idempotent upsert
  } else {
    mb.collection_id = t.collection_id;
    mb.bookmark_id = bookmark->id;
  }
  // Memberships have no UPDATE on the wire; a repeated add is logged as CREATE again.
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(mb, MutationType::kCreate, t.times));
  return make_ack(m, mb.wire_id(), ts);
}

Result<Ack> remove(Ledger& ledger, const Mutation& m) {
  const auto& t = std::get<MembershipTarget>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto bookmark, find_target(ledger, t));
  const std::string bookmark_ref =
      bookmark ? bookmark->id : (!t.bookmark_id.empty() ? t.bookmark_id : details_token(*t.details));
  const std::string wire_id = t.collection_id + "-" + bookmark_ref;
  if (!bookmark) return make_ack(m, wire_id, ledger.next_ts());  // nothing to remove

  if (t.collection_id == kDefaultCollectionId) {
    if (!bookmark->in_default) return make_ack(m, wire_id, ledger.next_ts());
    bookmark->in_default = false;
    SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(*bookmark, MutationType::kUpdate, t.times));
    return make_ack(m, wire_id, ts);
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.membership(t.collection_id, bookmark->id));
  if (!existing) return make_ack(m, wire_id, ledger.next_ts());
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.remove(*existing));
  return make_ack(m, wire_id, ts);
}

}  // namespace

std::string details_token(const BookmarkDetails& d) {
  std::string s(bookmark_kind_name(d.kind));
  s += "_" + std::to_string(d.key);
  if (d.verse) s += "_" + std::to_string(*d.verse);
  return s;
}

Result<Ack> apply_membership(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  switch (m.type) {
    case MutationType::kCreate: return create(ledger, m, ctx);
    case MutationType::kDelete: return remove(ledger, m);
    case MutationType::kUpdate: break;
  }
  return make_error(ctx.code, "Invalid mutation type: \"UPDATE\"" + ctx.where +
                                  ": COLLECTION_BOOKMARK supports CREATE and DELETE only");
}

}  // namespace synclog::domain::detail
