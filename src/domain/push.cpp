// The push transaction.
#include "domain/push.hpp"

#include "common/json_text.hpp"
#include "domain/ledger.hpp"

namespace synclog::domain {

Status check_last_mutation_at(const storage::UserHead& head, std::int64_t last) {
  const bool has_mutations = head.head != head.baseline;
  if (last == kFirstSyncMarker) {
    if (has_mutations) return make_error(ErrorCode::kOutOfSync, std::string(kOutOfSyncMessage));
  } else if (last != head.head) {
    return make_error(ErrorCode::kOutOfSync,
                      std::string(has_mutations ? kOutOfSyncMessage : kFirstSyncMessage));
  }
  return Status();
}

namespace {

// In field mode the cursor may be stale but not from the future.
Status check_field_cursor(const storage::UserHead& head, std::int64_t last) {
  if (last > head.head) return make_error(ErrorCode::kOutOfSync, std::string(kOutOfSyncMessage));
  return Status();
}

Ack rejected_ack(const Mutation& m, std::optional<Rejection> rejection) {
  Ack ack = detail::make_ack(m, m.resource_id, 0);
  ack.outcome = Outcome::kRejected;
  ack.rejection = std::move(rejection);
  return ack;
}

// The judged path of one mutation: a conflict is answered, not applied. A mutation the parser
// refused (its type is not in the schema, a field its version refuses) is answered without
// being planned: it may have no type to plan with.
Result<Ack> judge_and_apply(Ledger& ledger, const Mutation& m, const FieldContext& ctx,
                            const Vantage& who, std::optional<Role> role) {
  if (m.rejected) return rejected_ack(m, m.rejected);
  SYNCLOG_ASSIGN_OR_RETURN(const RecordType* type, type_of(ledger, m));
  SYNCLOG_ASSIGN_OR_RETURN(auto judged,
                           judge_and_plan(ledger, *type, m, PlanContext{ctx, ledger.client_id(), role}, who));
  Judgement& judgement = judged.judgement;
  if (judgement.conflict) {
    Ack ack = detail::make_ack(m, judgement.resource_id.empty() ? m.resource_id : judgement.resource_id, 0);
    ack.outcome = Outcome::kConflict;
    ack.conflict = std::move(judgement.conflict);
    return ack;
  }
  if (judged.plan->step == Plan::Step::kRejected) return rejected_ack(m, std::move(judged.plan->rejection));
  SYNCLOG_ASSIGN_OR_RETURN(auto ack, apply_plan(ledger, *type, m, *judged.plan, ctx));
  ack.outcome = judgement.outcome;
  ack.settled = std::move(judgement.settled);
  return ack;
}

}  // namespace

Result<PushResult> apply_push(storage::WriteTxn& txn, const PushRequest& req, std::int64_t now_ms) {
  SYNCLOG_ASSIGN_OR_RETURN(const storage::UserHead head, txn.head());
  const bool field_mode = req.mode == ConflictMode::kField;
  SYNCLOG_RETURN_IF_ERROR(field_mode ? check_field_cursor(head, req.last_mutation_at)
                                     : check_last_mutation_at(head, req.last_mutation_at));

  Ledger ledger = req.types ? Ledger(txn, *req.types, now_ms, head.head, req.client_id)
                            : Ledger(txn, now_ms, head.head, req.client_id);
  ledger.set_person(req.person);
  PushResult result;
  result.acks.reserve(req.mutations.size());
  for (std::size_t i = 0; i < req.mutations.size(); ++i) {
    const Mutation& m = req.mutations[i];
    const FieldContext ctx{ErrorCode::kValidation, "data.", " at mutation[" + std::to_string(i) + "]"};
    if (!field_mode) {
      SYNCLOG_ASSIGN_OR_RETURN(auto ack, apply_mutation(ledger, m, ctx, req.role));
      result.acks.push_back(std::move(ack));
      continue;
    }
    const std::int64_t base = m.base_ts.value_or(std::max<std::int64_t>(0, req.last_mutation_at));
    if (base > head.head) {
      return make_error(ErrorCode::kValidation,
                        "Invalid baseTimestamp" + ctx.where + ": it is after the head " +
                            std::to_string(head.head));
    }
    Vantage who{base, head.horizon, req.client_id, head.head};
    who.person = req.person;
    who.captured = times_of(m.data).updated.value_or(now_ms);
    SYNCLOG_ASSIGN_OR_RETURN(auto ack, judge_and_apply(ledger, m, ctx, who, req.role));
    result.acks.push_back(std::move(ack));
  }
  result.head = ledger.head();
  if (result.head != head.head) SYNCLOG_RETURN_IF_ERROR(txn.set_head(result.head));
  return result;
}

std::string push_response_body(const PushResult& result) {
  std::string out;
  out.reserve(64 + result.acks.size() * 192);
  out.append(R"({"success":true,"data":{"mutations":[)");
  for (std::size_t i = 0; i < result.acks.size(); ++i) {
    const Ack& a = result.acks[i];
    if (i) out.push_back(',');
    JsonObjectWriter w;
    w.str("type", mutation_type_name(a.type))
        .str("resource", a.type_name.empty() ? resource_name(a.resource) : std::string_view(a.type_name))
        .str("resourceId", a.resource_id);
    if (!a.data.empty()) w.raw("data", a.data);
    if (!a.conflict && !a.rejection) w.num("timestamp", a.ts);
    if (a.outcome) w.str("outcome", outcome_name(*a.outcome));
    if (a.conflict) w.raw("conflict", conflict_json(*a.conflict));
    if (a.rejection) w.raw("rejection", rejection_json(*a.rejection));
    if (!a.settled.empty()) w.raw("settled", clashes_json(a.settled));
    out += std::move(w).finish();
  }
  out.append(R"(],"lastMutationAt":)");
  append_json_int(out, result.head);
  out.append("}}");
  return out;
}

}  // namespace synclog::domain
