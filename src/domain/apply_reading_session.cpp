// READING_SESSION mutations. Through sync every CREATE is a new session (the 20-minute reuse
// rule belongs to the direct endpoint).
#include "domain/apply.hpp"
#include "domain/field_edits.hpp"

namespace synclog::domain::detail {
namespace {

Result<Ack> create(Ledger& ledger, const Mutation& m) {
  const auto& f = std::get<SessionFields>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto target, create_target<ReadingSession>(ledger, m));
  ReadingSession& s = target.value;
  set_fields(s, f);
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(s, target.op, f.times));
  return make_ack(m, s.id, ts);
}

Result<Ack> update(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  const auto& f = std::get<SessionFields>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get<ReadingSession>(m.resource_id));
  if (!existing) return not_found(m, ctx);
  set_fields(*existing, f);
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(*existing, MutationType::kUpdate, f.times));
  return make_ack(m, existing->id, ts);
}

}  // namespace

Result<Ack> apply_reading_session(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  switch (m.type) {
    case MutationType::kCreate: return create(ledger, m);
    case MutationType::kUpdate: return update(ledger, m, ctx);
    case MutationType::kDelete: return delete_by_id<ReadingSession>(ledger, m);
  }
  return make_error(ErrorCode::kInternal, "unknown mutation type");
}

}  // namespace synclog::domain::detail
