// What one mode's run counted, the table the simulation prints, and the verdict: which counts
// must be zero in which mode for the run to pass.
#pragma once

#include "model.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace synclog::sim {

struct Counters {
  // Traffic.
  std::int64_t edits = 0;      // edits the users made (field writes, creates' fields, deletes)
  std::int64_t pushes = 0;     // POST /v1/sync requests
  std::int64_t mutations = 0;  // items in them
  std::int64_t pulls = 0;      // GET /v1/sync requests
  std::int64_t status409 = 0;  // pushes answered 409
  // Conflicts. Reported: field mode's `conflict` outcomes; strict mode's 409 answers (all the
  // upstream protocol has to say). Genuine: those where a pushed change really clashed with an
  // edit its device had not seen (the oracle's causal judgement).
  std::int64_t conflicts = 0;
  std::int64_t genuine = 0;
  std::int64_t not_genuine = 0;       // reported, nothing clashed
  std::int64_t missed = 0;            // a clash the server applied instead of reporting (field)
  std::int64_t wrong_fields = 0;      // a genuine conflict naming other fields or reason (field)
  std::int64_t merges = 0;            // changes applied beside others' unseen changes to the record
  std::int64_t merge_mismatches = 0;  // `merged` where the oracle expected `applied` or back
  std::int64_t decisions = 0;         // records where a user was shown a clash and decided
  std::int64_t client_clashes = 0;    // of those, clashes a device found itself in a pull
  // Spaces.
  std::int64_t soft_merges = 0;     // the same person's clashes, settled by capture time
  std::int64_t rejections = 0;      // mutations refused (a member's write of master data, a
                                    // reference to a record deleted meanwhile)
  std::int64_t wrong_outcomes = 0;  // a rejection or a settling the oracle did not predict
  // Syncs that pushed, on one trace: how many the strict rule would have refused (the cursor
  // behind the head at the first push), and how many ended with a conflict.
  std::int64_t syncs = 0;
  std::int64_t strict_would_fail = 0;
  std::int64_t conflict_syncs = 0;
  // Outcome.
  std::int64_t lost = 0;        // edits gone although nobody who replaced them had seen them
  std::int64_t unsettled = 0;   // edits still pending on a device at the end
  std::int64_t duplicated = 0;  // records on the server nobody created
  std::int64_t diverged = 0;    // records or devices whose final state is not the oracle's
  std::int64_t mismatches = 0;  // pulled states the oracle's mirror does not explain
  std::int64_t anomalies = 0;   // applied writes the oracle cannot attribute
  std::int64_t errors = 0;      // user runs stopped by an unexpected answer
  double seconds = 0;
  // Descriptions of everything above that is wrong, capped.
  std::vector<std::string> details;

  void note(std::string line);
  void add(const Counters& o);
};

// Lines explaining why `c` fails its mode's requirements; empty when it passes. Every mode must
// end converged with no lost, unsettled or duplicated edit; field and space modes must also
// report exactly the genuine clashes (in a space: another person's edit) and never answer 409,
// and a space's rejections and settlings must be the oracle's.
std::vector<std::string> failures(Mode mode, const Counters& c);

void print_table_header();
void print_table_row(Mode mode, const Counters& c);
// A second line per mode with the counts that explain the first, and the share of syncs the
// strict rule would refuse beside the share that ended in a conflict, on the same trace.
void print_details(Mode mode, const Counters& c);

}  // namespace synclog::sim
