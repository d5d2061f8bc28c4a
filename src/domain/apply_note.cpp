// NOTE mutations. The note's source is the client id that created it.
#include "common/ids.hpp"
#include "domain/apply.hpp"

namespace synclog::domain::detail {
namespace {

Result<Ack> create(Ledger& ledger, const Mutation& m) {
  const auto& c = std::get<NoteCreate>(m.data);
  std::optional<Note> existing;
  if (!m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(existing, ledger.note(m.resource_id));
  }
  Note n;
  MutationType op = MutationType::kCreate;
  if (existing) {
    n = std::move(*existing);
    op = MutationType::kUpdate;
  } else {
    n.id = m.resource_id.empty() ? new_resource_id() : m.resource_id;
    n.source = ledger.client_id();
  }
  n.body = c.body;
  n.ranges = c.ranges;
  n.save_to_qr = c.save_to_qr;
  n.entities.clear();
  if (c.entity) n.entities.push_back(*c.entity);
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(n, op, c.times));
  return make_ack(m, n.id, ts);
}

Result<Ack> update(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  const auto& u = std::get<NoteUpdate>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.note(m.resource_id));
  if (!existing) return not_found(m, ctx);
  Note& n = *existing;
  n.body = u.body;
  if (u.ranges) n.ranges = *u.ranges;
  if (u.save_to_qr) n.save_to_qr = *u.save_to_qr;
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(n, MutationType::kUpdate, u.times));
  return make_ack(m, n.id, ts);
}

Result<Ack> remove(Ledger& ledger, const Mutation& m) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.note(m.resource_id));
  if (!existing) return make_ack(m, m.resource_id, ledger.next_ts());
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.remove(*existing));
  return make_ack(m, m.resource_id, ts);
}

}  // namespace

Result<Ack> apply_note(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  switch (m.type) {
    case MutationType::kCreate: return create(ledger, m);
    case MutationType::kUpdate: return update(ledger, m, ctx);
    case MutationType::kDelete: return remove(ledger, m);
  }
  return make_error(ErrorCode::kInternal, "unknown mutation type");
}

}  // namespace synclog::domain::detail
