// NOTE mutations. The note's source is the client id that created it.
#include "domain/apply.hpp"
#include "domain/field_edits.hpp"

namespace synclog::domain::detail {
namespace {

Result<Ack> create(Ledger& ledger, const Mutation& m) {
  const auto& c = std::get<NoteCreate>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto target, create_target<Note>(ledger, m));
  Note& n = target.value;
  if (target.op == MutationType::kCreate) n.source = ledger.client_id();
  set_fields(n, c);
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(n, target.op, c.times));
  return make_ack(m, n.id, ts);
}

Result<Ack> update(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  const auto& u = std::get<NoteUpdate>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.get<Note>(m.resource_id));
  if (!existing) return not_found(m, ctx);
  Note& n = *existing;
  set_fields(n, u);
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(n, MutationType::kUpdate, u.times));
  return make_ack(m, n.id, ts);
}

}  // namespace

Result<Ack> apply_note(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  switch (m.type) {
    case MutationType::kCreate: return create(ledger, m);
    case MutationType::kUpdate: return update(ledger, m, ctx);
    case MutationType::kDelete: return delete_by_id<Note>(ledger, m);
  }
  return make_error(ErrorCode::kInternal, "unknown mutation type");
}

}  // namespace synclog::domain::detail
