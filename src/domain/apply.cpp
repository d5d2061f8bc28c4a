// The one apply path: plan, cascade, save or remove, ack.
#include "domain/apply.hpp"

namespace synclog::domain {

Result<Ack> apply_mutation(Ledger& ledger, const Mutation& m, const FieldContext& ctx,
                           std::optional<Role> role) {
  if (m.rejected) return detail::refused(*m.rejected, ctx);
  SYNCLOG_ASSIGN_OR_RETURN(const RecordType* type, type_of(ledger, m));
  SYNCLOG_ASSIGN_OR_RETURN(Plan plan, type->plan(ledger, m, PlanContext{ctx, ledger.client_id(), role}));
  return apply_plan(ledger, *type, m, plan, ctx);
}

Result<Ack> apply_plan(Ledger& ledger, const RecordType& type, const Mutation& m, Plan& plan,
                       const FieldContext& ctx) {
  switch (plan.step) {
    case Plan::Step::kMissing: return detail::not_found(type, m, ctx);
    case Plan::Step::kRejected: return detail::refused(*plan.rejection, ctx);
    case Plan::Step::kNothing: return detail::make_ack(m, plan.ack_id, ledger.next_ts());
    case Plan::Step::kSave: {
      SYNCLOG_RETURN_IF_ERROR(type.cascade(ledger, m, plan));
      SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.save(*plan.next, plan.op, plan.times));
      return detail::make_ack(m, plan.ack_id, ts);
    }
    case Plan::Step::kRemove: {
      SYNCLOG_RETURN_IF_ERROR(type.cascade(ledger, m, plan));
      SYNCLOG_ASSIGN_OR_RETURN(auto ts, ledger.remove(*plan.current));
      return detail::make_ack(m, plan.ack_id, ts);
    }
  }
  return make_error(ErrorCode::kInternal, "unknown plan step");
}

namespace detail {

Error not_found(const RecordType& type, const Mutation& m, const FieldContext& ctx) {
  return make_error(ErrorCode::kNotFound, type.name() + " " + m.resource_id + " not found" + ctx.where);
}

Error refused(const Rejection& r, const FieldContext& ctx) {
  return make_error(r.reason == "permission" ? ErrorCode::kForbidden : ctx.code, r.message + ctx.where);
}

Ack make_ack(const Mutation& m, std::string resource_id, std::int64_t ts) {
  Ack a;
  a.type = m.type;
  a.resource = m.resource;
  a.type_name = m.type_name;
  a.resource_id = std::move(resource_id);
  a.data = m.ack_data;
  a.ts = ts;
  return a;
}

}  // namespace detail
}  // namespace synclog::domain
