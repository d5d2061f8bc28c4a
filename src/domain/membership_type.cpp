// COLLECTION_BOOKMARK. The virtual Favorites collection ("__default__") has no rows: adding to
// or removing from it flips Bookmark::in_default and logs a BOOKMARK mutation, so pulls show
// Favorites only through isInDefaultCollection (A10, A11). Adding by details creates the
// bookmark when none matches. Removing a membership through sync never deletes the bookmark: a
// device that only untagged a bookmark must not lose it. In field mode an add never clashes
// (a membership has no fields) unless what it joins was deleted; a removal clashes with an add
// the client had not seen.
#include "domain/detail/quran_types.hpp"
#include "domain/detail/resource_traits.hpp"

namespace synclog::domain::detail {
namespace {

// The bookmark a target names: by id (must exist) or by details (may not exist yet).
Result<std::optional<Bookmark>> find_target(ResourceView& view, const MembershipTarget& t) {
  if (!t.bookmark_id.empty()) return view.get<Bookmark>(t.bookmark_id);
  return view.bookmark_by_identity(*t.details);
}

// The membership's id in an ack ("<collectionId>-<bookmarkId>"), when it touched `b` or would.
std::string ack_id_of(const MembershipTarget& t, const std::optional<Bookmark>& b) {
  const std::string bookmark =
      b ? b->id : (!t.bookmark_id.empty() ? t.bookmark_id : details_token(*t.details));
  return t.collection_id + "-" + bookmark;
}

Result<Plan> plan_add(ResourceView& view, const MembershipTarget& t, const FieldContext& ctx) {
  const bool favorites = t.collection_id == kDefaultCollectionId;
  if (!favorites) {
    SYNCLOG_ASSIGN_OR_RETURN(auto collection, view.get<Collection>(t.collection_id));
    if (!collection) return ctx.invalid("collectionId", "no collection has this id");
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto bookmark, find_target(view, t));
  if (!bookmark && !t.bookmark_id.empty()) return ctx.invalid("bookmarkId", "no bookmark has this id");
  if (favorites && bookmark && bookmark->details.kind != BookmarkKind::kAyah) {
    return ctx.invalid("bookmarkId", "the default collection holds ayah bookmarks only");
  }
  Plan p;
  p.step = Plan::Step::kSave;
  p.times = t.times;
  if (favorites) {
    // One BOOKMARK mutation carries the whole change.
    Bookmark b;
    p.op = MutationType::kUpdate;
    if (bookmark) {
      p.current = *bookmark;
      b = std::move(*bookmark);
    } else {
      b.id = new_resource_id();
      b.details = *t.details;
      p.op = MutationType::kCreate;
    }
    b.in_default = true;
    p.ack_id = std::string(kDefaultCollectionId) + "-" + b.id;
    p.next = std::move(b);
    return p;
  }
  Membership mb;
  if (bookmark) {
    SYNCLOG_ASSIGN_OR_RETURN(auto existing, view.membership(t.collection_id, bookmark->id));
    if (existing) {
      p.current = *existing;
      mb = std::move(*existing);  // already a member: an idempotent upsert
    }
  }
  if (!p.current) {
    mb.collection_id = t.collection_id;
    // A bookmark named by details that does not exist yet is created by the cascade.
    mb.bookmark_id = bookmark ? bookmark->id : new_resource_id();
  }
  // Memberships have no UPDATE on the wire; a repeated add is logged as CREATE again.
  p.op = MutationType::kCreate;
  p.ack_id = mb.wire_id();
  p.next = std::move(mb);
  return p;
}

Result<Plan> plan_remove(ResourceView& view, const MembershipTarget& t) {
  SYNCLOG_ASSIGN_OR_RETURN(auto bookmark, find_target(view, t));
  Plan p;
  p.times = t.times;
  p.ack_id = ack_id_of(t, bookmark);
  if (!bookmark) return p;  // nothing to remove
  if (t.collection_id == kDefaultCollectionId) {
    if (!bookmark->in_default) return p;
    p.step = Plan::Step::kSave;
    p.op = MutationType::kUpdate;
    p.current = *bookmark;
    bookmark->in_default = false;
    p.next = std::move(*bookmark);
    return p;
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, view.membership(t.collection_id, bookmark->id));
  if (!existing) return p;
  p.step = Plan::Step::kRemove;
  p.current = std::move(*existing);
  return p;
}

class MembershipType final : public RecordType {
 public:
  MembershipType()
      : RecordType(kind_of(Resource::kCollectionBookmark), std::string(resource_name(Resource::kCollectionBookmark))) {}

  bool pull_shows_id() const override { return false; }

  Result<AnyRecord> decode(const storage::Record& r) const override {
    SYNCLOG_ASSIGN_OR_RETURN(auto mb, membership_from(r));
    return AnyRecord(std::move(mb));
  }

  Result<Plan> plan(ResourceView& view, const Mutation& m, const PlanContext& ctx) const override {
    const auto& t = std::get<MembershipTarget>(m.data);
    switch (m.type) {
      case MutationType::kCreate: return plan_add(view, t, ctx.fields);
      case MutationType::kDelete: return plan_remove(view, t);
      case MutationType::kUpdate: break;
    }
    return make_error(ctx.fields.code, "Invalid mutation type: \"UPDATE\"" + ctx.fields.where +
                                           ": COLLECTION_BOOKMARK supports CREATE and DELETE only");
  }

  // Adding by details a bookmark that does not exist creates it first.
  Status cascade(Ledger& ledger, const Mutation& m, Plan& plan) const override {
    if (plan.step != Plan::Step::kSave || plan.current) return Status();
    const auto* mb = std::get_if<Membership>(&*plan.next);
    if (!mb) return Status();
    SYNCLOG_ASSIGN_OR_RETURN(auto bookmark, ledger.get<Bookmark>(mb->bookmark_id));
    if (bookmark) return Status();
    const auto& t = std::get<MembershipTarget>(m.data);
    Bookmark b;
    b.id = mb->bookmark_id;
    b.details = *t.details;
    return ledger.save(b, MutationType::kCreate, t.times).status();
  }

  Result<Judgement> judge(ResourceView& view, const Mutation& m, const Plan&,
                          const Vantage& who) const override {
    const auto& t = std::get<MembershipTarget>(m.data);
    const bool favorites = t.collection_id == kDefaultCollectionId;
    SYNCLOG_ASSIGN_OR_RETURN(auto bookmark, find_target(view, t));
    Judgement j;
    if (m.type == MutationType::kCreate) {
      // Adding never clashes, unless what it joins was deleted.
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
        j = changed(AnyRecord(*bookmark), {"isInDefaultCollection"});
      }
    } else if (bookmark) {
      SYNCLOG_ASSIGN_OR_RETURN(auto mb, view.membership(t.collection_id, bookmark->id));
      if (mb && unseen_membership(*mb, who)) j = changed(AnyRecord(*mb), {});
    }
    if (j.conflict) j.resource_id = ack_id_of(t, bookmark);
    return j;
  }
};

}  // namespace

std::unique_ptr<RecordType> make_membership_type() { return std::make_unique<MembershipType>(); }

}  // namespace synclog::domain::detail
