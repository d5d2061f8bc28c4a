// Synced record types as data. The engine applies (apply.hpp) and judges (field_conflicts.hpp)
// every mutation the same way and asks the mutation's type only what is its own: which record
// the mutation addresses and what it becomes (plan), what else must change with it (cascade),
// and, where the type's rules say more than its fields do, how it clashes (judge). The five
// Quran resources are built-in types (quran_types.hpp), with their cascades and Favorites rules
// as those hooks. A TypeRegistry maps a log's kinds and wire names to its types.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.hpp"
#include "domain/any_record.hpp"
#include "domain/field_conflicts.hpp"
#include "domain/field_reader.hpp"
#include "domain/mutation.hpp"
#include "domain/resource_view.hpp"
#include "domain/schema.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

class Ledger;

// What a type needs to know of a write besides the mutation.
struct PlanContext {
  const FieldContext& fields;  // words validation errors
  std::string_view client_id;  // the writing device (x-client-id)
  // In a space's log: the writer's role as stored now (writes a role may not make are rejected).
  std::optional<Role> role = std::nullopt;
};

// What one mutation does to the log, worked out before anything is written: shared by the
// judge (which only reads it) and apply (which carries it out), so the two cannot disagree.
struct Plan {
  enum class Step : std::uint8_t {
    kSave,     // `next` is stored and logged as `op` (`current`: its state before, if any)
    kRemove,   // `current` is removed and its tombstone logged
    kNothing,  // nothing to do (a delete of what is gone); the ack still gets a timestamp
    kMissing,  // an UPDATE of a record that does not exist: 404, or judged as perhaps deleted
    kRejected, // refused by the type's rules (`rejection`): nothing is written
  };
  Step step = Step::kNothing;
  std::optional<AnyRecord> current;
  std::optional<AnyRecord> next;  // may be of another type (Favorites writes a BOOKMARK)
  MutationType op = MutationType::kCreate;
  std::string ack_id;  // the ack's resourceId
  ClientTimes times;   // the mutation's client times, for the save
  std::optional<Rejection> rejection;  // kRejected
};

class RecordType {
 public:
  RecordType(std::uint8_t kind, std::string name) : kind_(kind), name_(std::move(name)) {}
  virtual ~RecordType() = default;
  RecordType(const RecordType&) = delete;
  RecordType& operator=(const RecordType&) = delete;

  // The kind its records and entries carry in storage (never renumbered).
  std::uint8_t kind() const { return kind_; }
  // The wire name ("BOOKMARK", or a declared type's name).
  const std::string& name() const { return name_; }
  // Whether a pull's entries name the record's id (COLLECTION_BOOKMARK's data does instead).
  virtual bool pull_shows_id() const { return true; }
  // Appends a stored entry's data as a pull shows it now: as stored, unless the type changed
  // since in a way its old entries must follow (a declared field renamed).
  virtual void append_pulled_data(std::string& out, std::string_view stored) const { out.append(stored); }

  // The record stored as `r` (kInternal when it does not decode: a corrupt database).
  virtual Result<AnyRecord> decode(const storage::Record& r) const = 0;
  // What `m` would do, read from `view` without writing. Fails (ctx.fields.code) when `m`
  // cannot apply to the stored state (a reference that does not resolve, an identity change).
  virtual Result<Plan> plan(ResourceView& view, const Mutation& m, const PlanContext& ctx) const = 0;
  // The writes that go with `plan` and come before its own in the log (cascades); may adjust
  // `plan.next`. Default: none.
  virtual Status cascade(Ledger& ledger, const Mutation& m, Plan& plan) const;
  // conflictMode=field: how `plan` clashes with what the client had not seen. Default: the
  // record's own fields (judge_plan).
  virtual Result<Judgement> judge(ResourceView& view, const Mutation& m, const Plan& plan,
                                  const Vantage& who) const;

 private:
  std::uint8_t kind_;
  std::string name_;
};

// The types one log may hold, by kind and by wire name. Owns them.
class TypeRegistry {
 public:
  TypeRegistry() = default;
  TypeRegistry(const TypeRegistry&) = delete;
  TypeRegistry& operator=(const TypeRegistry&) = delete;

  // Adds `type`; its kind and name must be new to the registry.
  void add(std::unique_ptr<RecordType> type);
  const RecordType* find(std::uint8_t kind) const;
  const RecordType* find(std::string_view name) const;

 private:
  std::vector<std::unique_ptr<RecordType>> types_;
  std::vector<const RecordType*> by_kind_ = std::vector<const RecordType*>(256, nullptr);
  std::unordered_map<std::string_view, const RecordType*> by_name_;
};

// The type of `m` in `view`'s log (kInternal when the log has no such kind).
inline Result<const RecordType*> type_of(const ResourceView& view, const Mutation& m) {
  const RecordType* type = view.types().find(static_cast<std::uint8_t>(m.resource));
  if (!type) return make_error(ErrorCode::kInternal, "unknown record type");
  return type;
}

// conflictMode=field: `m` judged, and, unless it is a conflict, the plan that carries it out
// (apply_plan). A mutation that cannot apply (its plan fails: a reference that does not
// resolve) may still be a conflict, when what it refers to was deleted since the base; if it
// is not, the plan's error is returned, as applying it would fail.
struct JudgedPlan {
  Judgement judgement;
  std::optional<Plan> plan;
};
Result<JudgedPlan> judge_and_plan(ResourceView& view, const RecordType& type, const Mutation& m,
                                  const PlanContext& ctx, const Vantage& who);

// The registry of a user's log: the five Quran resources.
const TypeRegistry& quran_types();

}  // namespace synclog::domain
