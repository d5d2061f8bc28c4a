// Dispatch and helpers shared by the per-resource apply functions.
#include "domain/apply.hpp"

namespace synclog::domain {

Result<Ack> apply_mutation(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  switch (m.resource) {
    case Resource::kBookmark: return detail::apply_bookmark(ledger, m, ctx);
    case Resource::kCollection: return detail::apply_collection(ledger, m, ctx);
    case Resource::kCollectionBookmark: return detail::apply_membership(ledger, m, ctx);
    case Resource::kNote: return detail::apply_note(ledger, m, ctx);
    case Resource::kReadingSession: return detail::apply_reading_session(ledger, m, ctx);
  }
  return make_error(ErrorCode::kInternal, "unknown resource");
}

namespace detail {

Error not_found(const Mutation& m, const FieldContext& ctx) {
  return make_error(ErrorCode::kNotFound, std::string(resource_name(m.resource)) + " " +
                                              m.resource_id + " not found" + ctx.where);
}

Ack make_ack(const Mutation& m, std::string resource_id, std::int64_t ts) {
  Ack a;
  a.type = m.type;
  a.resource = m.resource;
  a.resource_id = std::move(resource_id);
  a.data = m.ack_data;
  a.ts = ts;
  return a;
}

Result<std::int64_t> remove_bookmark_cascade(Ledger& ledger, const Bookmark& b) {
  SYNCLOG_ASSIGN_OR_RETURN(auto memberships, ledger.memberships_of_bookmark(b.id));
  for (const auto& mb : memberships) {
    SYNCLOG_RETURN_IF_ERROR(ledger.remove(mb));
  }
  return ledger.remove(b);
}

Status take_reading_flag(Ledger& ledger, Bookmark& b) {
  SYNCLOG_ASSIGN_OR_RETURN(auto previous, ledger.reading_bookmark());
  if (previous && previous->id != b.id) {
    previous->is_reading = false;
    SYNCLOG_RETURN_IF_ERROR(ledger.save(*previous, MutationType::kUpdate, ClientTimes{}).status());
  }
  b.is_reading = true;
  return Status();
}

}  // namespace detail
}  // namespace synclog::domain
