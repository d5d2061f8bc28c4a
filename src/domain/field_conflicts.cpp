// The field-mode judge, the same for every record type: the stamps of the fields a mutation
// changes, the stamps of a record it removes, the tombstone of a record it writes to.
#include "domain/field_conflicts.hpp"

#include "common/json_text.hpp"
#include "common/time_format.hpp"
#include "domain/record_type.hpp"

namespace synclog::domain {
namespace detail {

bool unseen(const FieldStamp& s, const Vantage& who) {
  return s.ts > who.base && s.ts <= who.own_after && (who.client.empty() || s.by != who.client);
}

Judgement changed(const AnyRecord& current, std::vector<std::string_view> fields) {
  Judgement j;
  j.outcome = Outcome::kConflict;
  j.conflict = Conflict{"changed", std::move(fields), record_version(current), conflict_record(current)};
  return j;
}

void add_clash(Judgement& j, const AnyRecord& current, std::string_view field) {
  if (!j.conflict) j = changed(current, {});
  j.conflict->fields.push_back(field);
}

namespace {

void add_field(std::vector<std::string_view>& out, const AnyRecord& r, std::size_t i) {
  const FieldName f = record_field_name(r, i);
  out.push_back(f.name);
  if (!f.also.empty()) out.push_back(f.also);
}

Judgement deleted(std::int64_t version) {
  Judgement j;
  j.outcome = Outcome::kConflict;
  j.conflict = Conflict{"deleted", {}, version, "null"};
  return j;
}

}  // namespace

Judgement judge_edit(const AnyRecord& current, const AnyRecord& next, const Vantage& who) {
  const auto before = record_field_values(current);
  const auto after = record_field_values(next);
  const auto& stamps = record_stamps(current).at;
  std::vector<std::string_view> clashing;
  bool others = false;
  for (std::size_t i = 0; i < before.size(); ++i) {
    if (!unseen(stamps[i], who)) continue;
    others = true;
    if (after[i] != before[i]) add_field(clashing, current, i);
  }
  if (!clashing.empty()) return changed(current, std::move(clashing));
  Judgement j;
  j.outcome = others ? Outcome::kMerged : Outcome::kApplied;
  return j;
}

Judgement judge_delete(const AnyRecord& current, const Vantage& who) {
  std::vector<std::string_view> clashing;
  const auto& stamps = record_stamps(current).at;
  for (std::size_t i = 0; i < stamps.size(); ++i) {
    if (unseen(stamps[i], who)) add_field(clashing, current, i);
  }
  if (clashing.empty()) return Judgement{};
  return changed(current, std::move(clashing));
}

Result<std::optional<Judgement>> judge_missing(ResourceView& view, const Mutation& m, Resource kind,
                                               std::string_view id, const Vantage& who) {
  SYNCLOG_ASSIGN_OR_RETURN(const auto when, view.deleted_at(kind, id));
  // A deletion earlier in this request is the request's own.
  if (when && *when > who.base && *when <= who.own_after) return std::optional(deleted(*when));
  const bool forgotten = !when && who.base < who.horizon && m.type == MutationType::kUpdate;
  if (forgotten) return std::optional(deleted(who.horizon));
  return std::optional<Judgement>();
}

}  // namespace detail

Result<Judgement> judge_plan(ResourceView& view, const Mutation& m, const Plan& plan, const Vantage& who) {
  switch (plan.step) {
    case Plan::Step::kRejected:
    case Plan::Step::kNothing: return Judgement{};
    case Plan::Step::kRemove: return detail::judge_delete(*plan.current, who);
    case Plan::Step::kSave:
      if (plan.current) return detail::judge_edit(*plan.current, *plan.next, who);
      // A new record: only one with a client-chosen id can have been deleted since the base.
      if (m.resource_id.empty()) return Judgement{};
      [[fallthrough]];
    case Plan::Step::kMissing: {
      SYNCLOG_ASSIGN_OR_RETURN(auto missing, detail::judge_missing(view, m, m.resource, m.resource_id, who));
      return missing.value_or(Judgement{});
    }
  }
  return Judgement{};
}

Status RecordType::cascade(Ledger&, const Mutation&, Plan&) const { return Status(); }

Result<Judgement> RecordType::judge(ResourceView& view, const Mutation& m, const Plan& plan,
                                    const Vantage& who) const {
  return judge_plan(view, m, plan, who);
}

Result<JudgedPlan> judge_and_plan(ResourceView& view, const RecordType& type, const Mutation& m,
                                  const PlanContext& ctx, const Vantage& who) {
  auto plan = type.plan(view, m, ctx);
  if (!plan.ok()) {
    if (plan.error().code == ErrorCode::kInternal) return plan.error();
    SYNCLOG_ASSIGN_OR_RETURN(Judgement j, type.judge(view, m, Plan{}, who));
    if (j.conflict) return JudgedPlan{std::move(j), std::nullopt};
    return plan.error();
  }
  if (plan->step == Plan::Step::kRejected) {
    Judgement j;
    j.outcome = Outcome::kRejected;
    return JudgedPlan{std::move(j), std::move(*plan)};
  }
  SYNCLOG_ASSIGN_OR_RETURN(Judgement j, type.judge(view, m, *plan, who));
  if (j.conflict) return JudgedPlan{std::move(j), std::nullopt};
  if (j.rejection) {
    j.outcome = Outcome::kRejected;
    plan->step = Plan::Step::kRejected;
    plan->rejection = std::move(j.rejection);
    j.rejection.reset();
    return JudgedPlan{std::move(j), std::move(*plan)};
  }
  // What the settling of clashes kept of the server's values stays as it is.
  if (j.settled_to_nothing) {
    plan->step = Plan::Step::kNothing;
  } else if (j.settled_next) {
    plan->next = std::move(j.settled_next);
  }
  j.settled_next.reset();
  return JudgedPlan{std::move(j), std::move(*plan)};
}

Result<Judgement> judge_mutation(ResourceView& view, const Mutation& m, const Vantage& who) {
  SYNCLOG_ASSIGN_OR_RETURN(const RecordType* type, type_of(view, m));
  const FieldContext ctx;
  auto judged = judge_and_plan(view, *type, m, PlanContext{ctx, who.client}, who);
  if (!judged.ok()) {
    // Applying it reports why it cannot apply.
    if (judged.error().code != ErrorCode::kInternal) return Judgement{};
    return judged.error();
  }
  return std::move(judged->judgement);
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kApplied: return "applied";
    case Outcome::kMerged: return "merged";
    case Outcome::kConflict: return "conflict";
    case Outcome::kSoftMerged: return "softMerged";
    case Outcome::kRejected: return "rejected";
  }
  return "applied";
}

std::string conflict_json(const Conflict& c) {
  std::string fields = "[";
  for (const auto& f : c.fields) {
    if (fields.size() > 1) fields.push_back(',');
    append_json_string(fields, f);
  }
  fields.push_back(']');
  JsonObjectWriter w;
  w.str("reason", c.reason).raw("fields", fields).num("version", c.version).raw("record", c.record);
  if (!c.clashes.empty()) w.raw("clashes", clashes_json(c.clashes, /*settled=*/false));
  return std::move(w).finish();
}

namespace {

// A time as the wire shows it, or null when it is unknown (0).
void put_time(JsonObjectWriter& w, std::string_view key, std::int64_t ms) {
  if (ms > kMinEpochMs && ms <= kMaxEpochMs && ms != 0) {
    w.str(key, format_iso8601_ms(ms));
  } else {
    w.null(key);
  }
}

}  // namespace

std::string clashes_json(const std::vector<FieldClash>& clashes, bool settled) {
  std::string out = "[";
  for (const auto& c : clashes) {
    if (out.size() > 1) out.push_back(',');
    JsonObjectWriter server;
    server.raw("value", c.server_value).str("by", c.server.person).str("client", c.server.by);
    put_time(server, "at", c.server.ts);
    put_time(server, "capturedAt", c.server.captured);
    JsonObjectWriter device;
    device.raw("value", c.device_value);
    put_time(device, "capturedAt", c.device_captured);
    JsonObjectWriter w;
    w.str("field", c.field);
    if (settled) w.str("kept", c.device_kept ? "device" : "server");
    w.raw("server", std::move(server).finish()).raw("device", std::move(device).finish());
    out += std::move(w).finish();
  }
  out.push_back(']');
  return out;
}

std::string rejection_json(const Rejection& r) {
  JsonObjectWriter w;
  w.str("reason", r.reason);
  if (!r.field.empty()) w.str("field", r.field);
  w.str("message", r.message);
  return std::move(w).finish();
}

}  // namespace synclog::domain
