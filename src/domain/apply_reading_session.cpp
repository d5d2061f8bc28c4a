// READING_SESSION mutations. Through sync every CREATE is a new session (the 20-minute reuse
// rule belongs to the direct endpoint).
#include "common/ids.hpp"
#include "domain/apply.hpp"

namespace synclog::domain::detail {
namespace {

Result<Ack> create(Ledger& ledger, const Mutation& m) {
  const auto& f = std::get<SessionFields>(m.data);
  std::optional<ReadingSession> existing;
  if (!m.resource_id.empty()) {
    SYNCLOG_ASSIGN_OR_RETURN(existing, ledger.reading_session(m.resource_id));
  }
  ReadingSession s;
  MutationType op = MutationType::kCreate;
  if (existing) {
    s = std::move(*existing);
    op = MutationType::kUpdate;
  } else {
    s.id = m.resource_id.empty() ? new_resource_id() : m.resource_id;
  }
  s.chapter = f.chapter;
  s.verse = f.verse;
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(s, op, f.times));
  return make_ack(m, s.id, ts);
}

Result<Ack> update(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  const auto& f = std::get<SessionFields>(m.data);
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.reading_session(m.resource_id));
  if (!existing) return not_found(m, ctx);
  existing->chapter = f.chapter;
  existing->verse = f.verse;
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(*existing, MutationType::kUpdate, f.times));
  return make_ack(m, existing->id, ts);
}

Result<Ack> remove(Ledger& ledger, const Mutation& m) {
  SYNCLOG_ASSIGN_OR_RETURN(auto existing, ledger.reading_session(m.resource_id));
  if (!existing) return make_ack(m, m.resource_id, ledger.next_ts());
  SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.remove(*existing));
  return make_ack(m, m.resource_id, ts);
}

}  // namespace

Result<Ack> apply_reading_session(Ledger& ledger, const Mutation& m, const FieldContext& ctx) {
  switch (m.type) {
    case MutationType::kCreate: return create(ledger, m);
    case MutationType::kUpdate: return update(ledger, m, ctx);
    case MutationType::kDelete: return remove(ledger, m);
  }
  return make_error(ErrorCode::kInternal, "unknown mutation type");
}

}  // namespace synclog::domain::detail
