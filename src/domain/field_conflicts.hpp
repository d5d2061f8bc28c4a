// conflictMode=field: whether one mutation really clashes with what other devices did since
// the version its client edited from (docs/api.md, "Genuine-only conflicts"). A field clashes
// when the mutation would change it and another client changed it after the base; a delete
// clashes with any change after the base; an edit clashes with a deletion after the base.
// Judging reads only; applying stays with apply.hpp, so both modes share one write path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/mutation.hpp"
#include "domain/resource_view.hpp"

namespace synclog::domain {

enum class Outcome : std::uint8_t { kApplied, kMerged, kConflict };
std::string_view outcome_name(Outcome o);  // "applied", "merged", "conflict"

// What a client gets back for a mutation that clashed.
struct Conflict {
  std::string_view reason;          // "changed" or "deleted"
  std::vector<std::string_view> fields;  // the clashing fields' wire names
  std::int64_t version = 0;         // the resource's version (for a deleted one, the deletion's)
  std::string record = "null";      // its current state in the pull form, or null
};

struct Judgement {
  Outcome outcome = Outcome::kApplied;
  std::optional<Conflict> conflict;  // set exactly when outcome is kConflict
  // The judged resource's id in ack form when it is not the mutation's resourceId (a bookmark
  // CREATE matched by its details; a membership's "<collectionId>-<bookmarkId>"); else empty.
  std::string resource_id;
};

// Who is asking and what they had seen.
struct Vantage {
  std::int64_t base = 0;     // the version the client edited from
  std::int64_t horizon = 0;  // the user's retention horizon (deletions before it are forgotten)
  std::string_view client;   // its x-client-id; its own changes never clash (empty: none are own)
  // The head when this request's transaction began: later changes are the request's own (an
  // earlier mutation of the same batch), whoever the client is.
  std::int64_t own_after = 0;
};

// A judged mutation's outcome and the resource it was about (for metrics and the log).
struct JudgedOutcome {
  Resource resource = Resource::kNote;
  Outcome outcome = Outcome::kApplied;
};

Result<Judgement> judge_mutation(ResourceView& view, const Mutation& m, const Vantage& who);

// {"reason":...,"fields":[...],"version":...,"record":...}
std::string conflict_json(const Conflict& c);

}  // namespace synclog::domain
