// Declared types in the engine: plan (role, required fields, references) and judge (person and
// capture time).
#include "domain/declared_type.hpp"

#include "common/ids.hpp"
#include "domain/declared_record.hpp"

namespace synclog::domain {
namespace {

Plan rejected(std::string_view reason, std::string field, std::string message) {
  Plan p;
  p.step = Plan::Step::kRejected;
  p.rejection = Rejection{reason, std::move(field), std::move(message)};
  return p;
}

std::string writers_text(const TypeSpec& t) {
  std::string out;
  for (Role r : t.writers) out += (out.empty() ? "" : ", ") + std::string(role_name(r));
  return out;
}

// An id as a reference field's canonical value holds it ("\"s-1\"": ids need no escaping).
std::string_view unquoted(std::string_view text) { return text.substr(1, text.size() - 2); }

class DeclaredRecordType final : public RecordType {
 public:
  DeclaredRecordType(const Schema& schema, const TypeSpec& spec)
      : RecordType(spec.kind, spec.name), schema_(schema), spec_(spec) {}

  Result<AnyRecord> decode(const storage::Record& r) const override {
    SYNCLOG_ASSIGN_OR_RETURN(auto d, declared_record_from(r, spec_));
    return AnyRecord(std::move(d));
  }

  void append_pulled_data(std::string& out, std::string_view stored) const override {
    if (spec_.former_names.empty()) {
      out.append(stored);
    } else {
      out.append(current_wire_data(stored, spec_));
    }
  }

  Result<Plan> plan(ResourceView& view, const Mutation& m, const PlanContext& ctx) const override {
    if (!ctx.role || !spec_.writable_by(*ctx.role)) {
      const std::string role(ctx.role ? role_name(*ctx.role) : "non-member");
      return rejected("permission", "",
                      "A " + role + " cannot write " + spec_.name + " records; " + writers_text(spec_) +
                          " can. Ask an owner of the space for another role, or discard this change.");
    }
    Plan p;
    p.ack_id = m.resource_id;
    p.times = times_of(m.data);
    std::optional<AnyRecord> existing;
    if (!m.resource_id.empty()) {
      SYNCLOG_ASSIGN_OR_RETURN(existing, view.get_any(kind(), m.resource_id));
    }
    if (m.type == MutationType::kDelete) {
      if (!existing) return p;  // already gone: a no-op
      p.step = Plan::Step::kRemove;
      p.current = std::move(existing);
      return p;
    }
    if (!existing && m.type == MutationType::kUpdate) {
      p.step = Plan::Step::kMissing;
      return p;
    }
    DeclaredRecord next;
    if (existing) {
      next = std::get<DeclaredRecord>(*existing);
      p.current = std::move(existing);
      p.op = MutationType::kUpdate;
    } else {
      next.type = &spec_;
      next.id = m.resource_id.empty() ? new_resource_id() : m.resource_id;
      next.values.assign(spec_.fields.size(), std::nullopt);
      p.op = MutationType::kCreate;
    }
    const auto& d = std::get<DeclaredFields>(m.data);
    for (const auto& [i, text] : d.values) {
      const FieldSpec& f = spec_.fields[i];
      if (text == "null") {
        if (f.required) {
          return rejected("validation", f.name, f.name + " is required: it cannot be cleared");
        }
        next.values[i].reset();
        continue;
      }
      next.values[i] = text;
      if (f.kind == FieldKind::kReference) {
        SYNCLOG_ASSIGN_OR_RETURN(auto problem, check_reference(view, f, unquoted(text)));
        if (problem) return std::move(*problem);
      }
    }
    if (!p.current) {
      // A new record: the declared defaults fill what was not given (never on an existing one,
      // where a field not sent keeps its value, whichever the device's schema version), and
      // its capture is its creation when the device said only when it was last changed.
      for (std::size_t i = 0; i < spec_.fields.size(); ++i) {
        const FieldSpec& f = spec_.fields[i];
        if (!next.values[i] && !f.default_json.empty()) next.values[i] = f.default_json;
        if (f.required && !next.values[i]) return rejected("validation", f.name, "Missing " + f.name);
      }
      if (!p.times.created) p.times.created = p.times.updated;
    }
    p.ack_id = next.id;
    p.step = Plan::Step::kSave;
    p.next = std::move(next);
    return p;
  }

  Result<Judgement> judge(ResourceView& view, const Mutation& m, const Plan& plan,
                          const Vantage& who) const override {
    switch (plan.step) {
      case Plan::Step::kRejected:
      case Plan::Step::kNothing: return Judgement{};
      case Plan::Step::kMissing: {
        // Deleted since the base: a conflict. Never there: the change is refused on its own,
        // so that it holds back nothing else the device sent.
        SYNCLOG_ASSIGN_OR_RETURN(Judgement j, judge_plan(view, m, plan, who));
        if (j.conflict) return j;
        j.rejection = Rejection{"reference", "",
                                "No " + spec_.name + " has the id " + m.resource_id +
                                    " in this space: the change cannot apply to it; nothing you entered was lost"};
        return j;
      }
      case Plan::Step::kSave:
        if (!plan.current) return judge_plan(view, m, plan, who);
        return judge_edit(std::get<DeclaredRecord>(*plan.current), std::get<DeclaredRecord>(*plan.next), who);
      case Plan::Step::kRemove: return judge_removal(std::get<DeclaredRecord>(*plan.current), who);
    }
    return Judgement{};
  }

 private:
  // Whether the reference to `id` of field `f` resolves: a live record of the target type in
  // this space (an earlier mutation of the same batch is already in the transaction).
  Result<std::optional<Plan>> check_reference(ResourceView& view, const FieldSpec& f, std::string_view id) const {
    const TypeSpec* target = schema_.type(f.to);
    SYNCLOG_ASSIGN_OR_RETURN(auto found, view.txn().get(target->kind, id));
    if (found) return std::optional<Plan>();
    SYNCLOG_ASSIGN_OR_RETURN(auto deleted, view.deleted_at(static_cast<Resource>(target->kind), id));
    std::string message = deleted ? "The " + f.to + " " + std::string(id) + " was deleted"
                                  : "No " + f.to + " has the id " + std::string(id);
    message += ": choose " + std::string(deleted ? "another" : "an existing") + " " + f.to + " for this " + spec_.name +
               "'s " + f.name + "; nothing you entered was lost";
    return std::optional<Plan>(rejected("reference", f.name, std::move(message)));
  }

  // A clash on field `i` between the stored record and the mutation, settled or not.
  FieldClash clash(const DeclaredRecord& current, std::size_t i, const std::optional<std::string>& device,
                   const Vantage& who) const {
    FieldClash c;
    c.field = spec_.fields[i].name;
    c.server_value = current.values[i].value_or("null");
    c.server = current.stamps.at[i];
    c.device_value = device.value_or("null");
    c.device_captured = who.captured;
    return c;
  }

  // Whether a clash with `stamp` is settled without the person, and then whether the device's
  // side wins.
  struct Settling {
    bool settled = false;
    bool device_wins = false;
    bool same_person = false;
  };
  Settling settle(const FieldStamp& stamp, const Vantage& who) const {
    Settling s;
    s.same_person = !who.person.empty() && stamp.person == who.person;
    if (spec_.policy == ConflictPolicy::kServerWins) {
      s.settled = true;
      return s;
    }
    if (spec_.policy == ConflictPolicy::kField && !s.same_person) return s;
    s.settled = true;
    // The later capture wins; on a tie the server keeps what it has.
    s.device_wins = who.captured > stamp.captured;
    return s;
  }

  static Judgement finish(Judgement j, bool others, bool same_person_settled) {
    if (!j.conflict) {
      j.outcome = same_person_settled ? Outcome::kSoftMerged
                                      : (others || !j.settled.empty() ? Outcome::kMerged : Outcome::kApplied);
    }
    return j;
  }

  Judgement conflict_of(const DeclaredRecord& current, std::vector<FieldClash> clashes) const {
    Judgement j;
    j.outcome = Outcome::kConflict;
    Conflict c{"changed", {}, current.version, wire_data(current), std::move(clashes)};
    for (const auto& fc : c.clashes) c.fields.push_back(fc.field);
    j.conflict = std::move(c);
    return j;
  }

  Judgement judge_edit(const DeclaredRecord& current, DeclaredRecord next, const Vantage& who) const {
    std::vector<FieldClash> clashes;
    Judgement j;
    bool others = false, same_person_settled = false, server_kept = false;
    for (std::size_t i = 0; i < spec_.fields.size(); ++i) {
      if (!detail::unseen(current.stamps.at[i], who)) continue;
      others = true;
      if (next.values[i] == current.values[i]) continue;
      FieldClash c = clash(current, i, next.values[i], who);
      const Settling s = settle(current.stamps.at[i], who);
      if (!s.settled) {
        clashes.push_back(std::move(c));
        continue;
      }
      c.device_kept = s.device_wins;
      if (!s.device_wins) {
        next.values[i] = current.values[i];
        server_kept = true;
      }
      same_person_settled = same_person_settled || s.same_person;
      j.settled.push_back(std::move(c));
    }
    if (!clashes.empty()) return conflict_of(current, std::move(clashes));
    if (server_kept) {
      j.settled_to_nothing = next.values == current.values;
      j.settled_next = AnyRecord(std::move(next));
    }
    return finish(std::move(j), others, same_person_settled);
  }

  // A removal against every unseen change: another person's is a conflict (policy `field`);
  // otherwise the later capture wins, and a change that wins keeps the record.
  Judgement judge_removal(const DeclaredRecord& current, const Vantage& who) const {
    std::vector<FieldClash> clashes;
    Judgement j;
    bool others = false, same_person_settled = false;
    for (std::size_t i = 0; i < spec_.fields.size(); ++i) {
      if (!detail::unseen(current.stamps.at[i], who)) continue;
      others = true;
      FieldClash c = clash(current, i, std::nullopt, who);
      const Settling s = settle(current.stamps.at[i], who);
      if (!s.settled) {
        clashes.push_back(std::move(c));
        continue;
      }
      c.device_kept = s.device_wins;
      if (!s.device_wins) j.settled_to_nothing = true;
      same_person_settled = same_person_settled || s.same_person;
      j.settled.push_back(std::move(c));
    }
    if (!clashes.empty()) return conflict_of(current, std::move(clashes));
    return finish(std::move(j), others, same_person_settled);
  }

  const Schema& schema_;
  const TypeSpec& spec_;
};

}  // namespace

std::shared_ptr<const CompiledSchema> compile_schema(Schema schema) {
  auto compiled = std::make_shared<CompiledSchema>();
  compiled->schema = std::move(schema);
  for (const auto& t : compiled->schema.types) {
    compiled->types.add(std::make_unique<DeclaredRecordType>(compiled->schema, t));
  }
  return compiled;
}

}  // namespace synclog::domain
