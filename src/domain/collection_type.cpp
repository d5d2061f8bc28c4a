// COLLECTION. Deleting a collection deletes its memberships and the bookmarks that it leaves
// orphaned (in no collection, not in Favorites, not the reading bookmark) (A22); in field mode
// that deletion clashes with what it would take with it unseen.
#include "domain/detail/quran_types.hpp"
#include "domain/detail/resource_traits.hpp"
#include "domain/field_edits.hpp"

namespace synclog::domain::detail {
namespace {

// Whether deleting collection `collection_id` orphans `b` (the cascade then deletes it).
Result<bool> orphaned_by(ResourceView& view, const Bookmark& b, std::string_view collection_id) {
  if (b.in_default || b.is_reading) return false;
  SYNCLOG_ASSIGN_OR_RETURN(const auto ms, view.memberships_of_bookmark(b.id));
  for (const auto& mb : ms) {
    if (mb.collection_id != collection_id) return false;
  }
  return true;
}

class CollectionType final : public RecordType {
 public:
  CollectionType()
      : RecordType(kind_of(Resource::kCollection), std::string(resource_name(Resource::kCollection))) {}

  Result<AnyRecord> decode(const storage::Record& r) const override {
    SYNCLOG_ASSIGN_OR_RETURN(auto c, collection_from(r));
    return AnyRecord(std::move(c));
  }

  Result<Plan> plan(ResourceView& view, const Mutation& m, const PlanContext&) const override {
    if (m.type == MutationType::kDelete) {
      return plan_by_id<Collection>(view, m, times_of(m.data), [](Collection&, bool) {});
    }
    const auto& f = std::get<CollectionFields>(m.data);
    return plan_by_id<Collection>(view, m, f.times, [&](Collection& c, bool) { set_name(c, f.name); });
  }

  Status cascade(Ledger& ledger, const Mutation&, Plan& plan) const override {
    if (plan.step != Plan::Step::kRemove) return Status();
    const auto& collection = std::get<Collection>(*plan.current);
    SYNCLOG_ASSIGN_OR_RETURN(auto memberships, ledger.memberships_of_collection(collection.id));
    for (const auto& mb : memberships) {
      SYNCLOG_RETURN_IF_ERROR(ledger.remove(mb).status());
    }
    for (const auto& mb : memberships) {
      SYNCLOG_ASSIGN_OR_RETURN(auto b, ledger.get<Bookmark>(mb.bookmark_id));
      if (!b) continue;
      SYNCLOG_ASSIGN_OR_RETURN(bool orphan, ledger.is_orphan(*b));
      if (orphan) SYNCLOG_RETURN_IF_ERROR(ledger.remove(*b).status());
    }
    return Status();
  }

  // Its memberships are its content, and the bookmarks it orphans go with it: an unseen add,
  // or an unseen edit of such a bookmark, would be discarded.
  Result<Judgement> judge(ResourceView& view, const Mutation& m, const Plan& plan,
                          const Vantage& who) const override {
    SYNCLOG_ASSIGN_OR_RETURN(Judgement j, judge_plan(view, m, plan, who));
    if (plan.step != Plan::Step::kRemove) return j;
    const auto& current = std::get<Collection>(*plan.current);
    SYNCLOG_ASSIGN_OR_RETURN(const auto members, view.memberships_of_collection(current.id));
    for (const auto& mb : members) {
      bool clash = unseen_membership(mb, who);
      if (!clash) {
        SYNCLOG_ASSIGN_OR_RETURN(const auto b, view.get<Bookmark>(mb.bookmark_id));
        if (b && judge_delete(AnyRecord(*b), who).conflict) {
          SYNCLOG_ASSIGN_OR_RETURN(clash, orphaned_by(view, *b, current.id));
        }
      }
      if (clash) {
        add_clash(j, *plan.current, "bookmarks");
        break;
      }
    }
    return j;
  }
};

}  // namespace

std::unique_ptr<RecordType> make_collection_type() { return std::make_unique<CollectionType>(); }

}  // namespace synclog::domain::detail
