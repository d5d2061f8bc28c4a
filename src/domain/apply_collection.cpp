// COLLECTION mutations. Deleting a collection deletes its memberships and the bookmarks that it
// leaves orphaned (in no collection, not in Favorites, not the reading bookmark) (A22).
#include "domain/apply.hpp"
#include "domain/field_edits.hpp"

namespace synclog::domain::detail {
namespace {

Result<Ack> create(Ledger& ledger, const Mutation& m) {
  const auto& f = std::get<CollectionFields>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto target, create_target<Collection>(ledger, m));
  Collection& c = target.value;
  set_name(c, f.name);
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(c, target.op, f.times));
  return make_ack(m, c.id, ts);
}

Result<Ack> update(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  const auto& f = std::get<CollectionFields>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get<Collection>(m.resource_id));
  if (!existing) return not_found(m, ctx);
  set_name(*existing, f.name);
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(*existing, MutationType::kUpdate, f.times));
  return make_ack(m, existing->id, ts);
}

Result<Ack> remove(Ledger& ledger, const Mutation& m) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get<Collection>(m.resource_id));
  if (!existing) return make_ack(m, m.resource_id, ledger.next_ts());  // already gone: a no-op
  SYNCLOG_ASSIGN_OR_RETURN(auto memberships, ledger.memberships_of_collection(existing->id));
  for (const auto& mb : memberships) {
    SYNCLOG_RETURN_IF_ERROR(ledger.remove(mb));
  }
  for (const auto& mb : memberships) {
    SYNCLOG_ASSIGN_OR_RETURN(auto b, ledger.get<Bookmark>(mb.bookmark_id));
    if (!b) continue;
    SYNCLOG_ASSIGN_OR_RETURN(bool orphan, ledger.is_orphan(*b));
    if (orphan) SYNCLOG_RETURN_IF_ERROR(ledger.remove(*b));
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.remove(*existing));
  return make_ack(m, existing->id, ts);
}

}  // namespace

Result<Ack> apply_collection(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  switch (m.type) {
    case MutationType::kCreate: return create(ledger, m);
    case MutationType::kUpdate: return update(ledger, m, ctx);
    case MutationType::kDelete: return remove(ledger, m);
  }
  return make_error(ErrorCode::kInternal, "unknown mutation type");
}

}  // namespace synclog::domain::detail
