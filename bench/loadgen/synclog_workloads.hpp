// The load generator's workloads against synclog (docs/benchmarks.md lists them).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "measure.hpp"

namespace synclog::test {
class ServerProcess;
}

namespace synclog::bench {

struct SynclogTarget {
  const test::ServerProcess* server = nullptr;  // host, port, and the tokens it accepts
  std::vector<int> clients;                     // device counts, one run each
  std::chrono::milliseconds duration{5000};     // per run
  const Results* results = nullptr;
};

// N devices, a user each, push batches of 100 NOTE creates as fast as answers come, each POST
// chained on the previous answer's head (closed loop). `keyed`: each with an Idempotency-Key.
// Returns the batches per second of the last device count.
double push_closed_loop(const SynclogTarget& t, bool keyed);
// `devices` devices push at a fixed total rate (`batches_per_second`, spread evenly), and the
// latency of each push is taken from when it was due, not when it was sent, so a stall counts
// against every push it delays (open loop, no coordinated omission).
void push_paced(const SynclogTarget& t, int devices, double batches_per_second, const std::string& label);
// One user with `entries` entries, pulled whole by cursor pages of `page`, `repeats` times.
void first_sync(const SynclogTarget& t, std::int64_t entries, int page, int repeats);
// N devices poll GET /v1/sync?metadataOnly=true.
void metadata_polls(const SynclogTarget& t);
// N devices push batches of 100 at a head that is no longer theirs: every answer is a 409.
void stale_pushes(const SynclogTarget& t);
// N devices push, in conflictMode=field, batches of 100 UPDATEs of notes whose bodies another
// device changed after the batch's base: every mutation is judged a conflict, none applied.
void field_conflicts(const SynclogTarget& t);
// `streams` change-stream connections held open at once (two devices per user): the server's
// resident memory before and with them.
void idle_streams(const SynclogTarget& t, int streams);

}  // namespace synclog::bench
