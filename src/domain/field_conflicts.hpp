// conflictMode=field: whether one mutation really clashes with what other devices did since
// the version its client edited from (docs/api.md, "Genuine-only conflicts"). A field clashes
// when the mutation would change it and another client changed it after the base; a delete
// clashes with any change after the base; an edit clashes with a deletion after the base.
// Judging reads only; applying stays with apply.hpp, so both modes share one write path. One
// judge serves every record type: it compares the field stamps of the record a mutation's plan
// (record_type.hpp) addresses, and a type adds what its own rules say (cascades, Favorites).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/any_record.hpp"
#include "domain/mutation.hpp"
#include "domain/resource_view.hpp"

namespace synclog::domain {

// kSoftMerged and kRejected happen in spaces only (docs/api.md, "Outcomes").
enum class Outcome : std::uint8_t { kApplied, kMerged, kConflict, kSoftMerged, kRejected };
// "applied", "merged", "conflict", "softMerged", "rejected"
std::string_view outcome_name(Outcome o);

// Both sides of a field that the mutation changes and another device changed since its base
// (declared types): a conflict shows them side by side; a clash settled by capture time or by
// the type's policy says whose value the record kept.
struct FieldClash {
  std::string_view field;
  std::string server_value;  // JSON text; null when the record does not have the field
  FieldStamp server;         // who changed it (person and client), when (ts) and its capture time
  std::string device_value;  // JSON text; null when the mutation clears the field
  std::int64_t device_captured = 0;
  bool device_kept = false;  // settled clashes: the record kept the device's value
};

// What a client gets back for a mutation that clashed.
struct Conflict {
  Conflict() = default;
  Conflict(std::string_view r, std::vector<std::string_view> f, std::int64_t v, std::string rec,
           std::vector<FieldClash> c = {})
      : reason(r), fields(std::move(f)), version(v), record(std::move(rec)), clashes(std::move(c)) {}
  std::string_view reason;          // "changed" or "deleted"
  std::vector<std::string_view> fields;  // the clashing fields' wire names
  std::int64_t version = 0;         // the resource's version (for a deleted one, the deletion's)
  std::string record = "null";      // its current state in the pull form, or null
  std::vector<FieldClash> clashes;  // declared types: each clashing field, both sides
};

struct Judgement {
  Outcome outcome = Outcome::kApplied;
  std::optional<Conflict> conflict;  // set exactly when outcome is kConflict
  // The judged resource's id in ack form when it is not the mutation's resourceId (a bookmark
  // CREATE matched by its details; a membership's "<collectionId>-<bookmarkId>"); else empty.
  std::string resource_id;
  // Declared types: clashes settled without the person (the same person's other device, or the
  // type's policy); the record to save instead of the plan's when the settling kept some of the
  // server's values; and whether it kept all of them, so that nothing is written at all (a
  // removal the settling undid, or an edit of only settled fields the server won).
  std::vector<FieldClash> settled;
  std::optional<AnyRecord> settled_next;
  bool settled_to_nothing = false;
  // Declared types: a change the judge found cannot apply, refused on its own rather than
  // failing its batch (an UPDATE of a record the space never had).
  std::optional<Rejection> rejection;
};

// Who is asking and what they had seen.
struct Vantage {
  Vantage() = default;
  Vantage(std::int64_t b, std::int64_t h, std::string_view c, std::int64_t own)
      : base(b), horizon(h), client(c), own_after(own) {}
  std::int64_t base = 0;     // the version the client edited from
  std::int64_t horizon = 0;  // the user's retention horizon (deletions before it are forgotten)
  std::string_view client;   // its x-client-id; its own changes never clash (empty: none are own)
  // The head when this request's transaction began: later changes are the request's own (an
  // earlier mutation of the same batch), whoever the client is.
  std::int64_t own_after = 0;
  // In a space's log: the person writing, and when their device captured this mutation
  // (clientUpdatedAt, else the time it arrived). The same person's changes from another device
  // settle by capture time instead of clashing.
  std::string_view person;
  std::int64_t captured = 0;
};

// A judged mutation's outcome and the resource it was about (for metrics and the log).
struct JudgedOutcome {
  JudgedOutcome() = default;
  JudgedOutcome(Resource r, Outcome o, std::string_view type = {}, std::string_view why = {})
      : resource(r), outcome(o), type_name(type), reason(why) {}
  Resource resource = Resource::kNote;
  Outcome outcome = Outcome::kApplied;
  // Owned: the push result that names them is gone by the time the metrics are counted (after
  // the commit, on another thread).
  std::string type_name;  // a declared type's name (empty: resource_name(resource))
  std::string reason;     // kRejected: the rejection's reason
};

struct Plan;

// Judges `m` as its type plans it. A mutation that cannot apply at all (its plan fails) is no
// clash: applying it then reports why.
Result<Judgement> judge_mutation(ResourceView& view, const Mutation& m, const Vantage& who);

// The judgement of a plan by the record's own fields: an edit of a stored record by its field
// stamps, a removal by every unseen change, a write to a missing record by its deletion since
// the base. What RecordType::judge does unless a type says more.
Result<Judgement> judge_plan(ResourceView& view, const Mutation& m, const Plan& plan, const Vantage& who);

namespace detail {
// The pieces judge_plan is made of, for types that judge more than their fields.
// A change the client had not seen: after its base, not its own, not this request's.
bool unseen(const FieldStamp& s, const Vantage& who);
// A conflict "changed" with `current` as the record and `fields` as the clashing fields.
Judgement changed(const AnyRecord& current, std::vector<std::string_view> fields);
// Adds `field` to the clash (making one of `current` if there is none yet).
void add_clash(Judgement& j, const AnyRecord& current, std::string_view field);
// `next` is `current` with the mutation's fields set: a field clashes when the mutation
// changes its value and somebody else changed it since the base; unseen changes to other
// fields make the outcome a merge.
Judgement judge_edit(const AnyRecord& current, const AnyRecord& next, const Vantage& who);
// A removal clashes with every change the client had not seen: removing would discard it.
Judgement judge_delete(const AnyRecord& current, const Vantage& who);
// A write to a record `id` of `kind` that does not exist: a conflict if it was deleted after the
// base (by somebody else); for an UPDATE, also when it may have been (the base predates the
// retention horizon); else nothing.
Result<std::optional<Judgement>> judge_missing(ResourceView& view, const Mutation& m, Resource kind,
                                               std::string_view id, const Vantage& who);
}  // namespace detail

// {"reason":...,"fields":[...],"version":...,"record":...}, and for a declared type's
// conflict "clashes": clashes_json(c.clashes).
std::string conflict_json(const Conflict& c);
// [{"field":...,"kept":"device"|"server" (settled ones),
//   "server":{"value":...,"by":person,"client":...,"at":ISO,"capturedAt":ISO},
//   "device":{"value":...,"capturedAt":ISO}}, ...]
std::string clashes_json(const std::vector<FieldClash>& clashes, bool settled = true);
// {"reason":...,"field":...,"message":...}
std::string rejection_json(const Rejection& r);

}  // namespace synclog::domain
