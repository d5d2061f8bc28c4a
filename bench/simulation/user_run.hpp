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
};

// Runs user number `user` against `server` in `mode`; never throws (an unexpected answer is
// counted in `errors` with a description).
Counters run_user(const Config& config, Mode mode, int user, const test::ServerProcess& server);

}  // namespace synclog::sim
