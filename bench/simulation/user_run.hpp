// One user's run: their devices take turns for a number of rounds (going offline now and then,
// editing random fields of random records, syncing when online), then all come online and
// sync until nothing is pending, and the server's final state is checked against the oracle
// and every device. The sync protocols of both modes live here:
//
//   strict  push the local changes with lastMutationAt = the cursor; on 409 pull from the
//           cursor, rebase (the device's user decides what clashes) and push again; after a
//           200, pull from the cursor the push used, to get the writes back as stored.
//   field   push with conflictMode=field, each mutation with its record's base version; take
//           each ack's outcome (a conflict is decided by the user and, if kept, pushed again);
//           then pull from the old cursor.
//
// A user's devices run one after another on the calling thread, so the oracle sees the
// server's order; different users may run on different threads at once.
//
// A space's run is the same with people: `people` of them with `devices` each share one space
// (the first person its lead, who alone writes master data: sites; everyone captures
// inspections, which point at a site). They push in conflictMode=field with each mutation's
// capture time (clientUpdatedAt, in the device's own UTC offset); the oracle also predicts
// softMerged (the same person's clash, settled by capture time) and the rejections (a member's
// write of a site; an inspection pointing at a site deleted meanwhile). Every push also says
// whether the upstream's strict rule would have refused it (its cursor behind the head), so the
// run reports, on one trace, how often strict syncs fail and how often field syncs conflict.
#pragma once

#include "model.hpp"
#include "report.hpp"
#include "server_process.hpp"

#include <cstdint>

namespace synclog::sim {

struct Config {
  int users = 12;
  int devices = 3;
  int rounds = 25;
  std::uint64_t seed = 20261124;
  int max_edits = 3;            // per device per round (0..max, uniformly)
  double offline_chance = 0.2;  // that an online device goes offline at its turn
  int max_offline = 6;          // rounds an offline period lasts at most
  int initial_records = 4;      // created by the first device before the rounds
  int max_records = 12;         // a device creates no record beyond this many
  int threads = 4;              // users run at once
  int people = 4;               // spaces: people in each space (the first is its lead)
  double colleague_edits = 0.15;  // spaces: that an edit is of a record someone else captured
  double edit_turns = 1.0;        // that a device's turn has edits at all (0..max_edits of them)
};

// Runs user number `user` against `server` in `mode`; never throws (an unexpected answer is
// counted in `errors` with a description).
Counters run_user(const Config& config, Mode mode, int user, const test::ServerProcess& server);
// Runs space number `space` (Config::people people with Config::devices devices each) in
// Mode::kSpace; never throws.
Counters run_space(const Config& config, int space, const test::ServerProcess& server);

}  // namespace synclog::sim
