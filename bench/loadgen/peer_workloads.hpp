// The load generator's workloads against the peer and the ceiling it is set beside: a
// CouchDB-compatible server (pouchdb-server) doing synclog's work in its own protocol, and any
// HTTP server answering a fixed 200 (nginx), whose request rate bounds what any server could
// answer through this client on this machine.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "measure.hpp"

namespace synclog::bench {

struct PeerTarget {
  std::string host;
  std::uint16_t port = 0;
  std::vector<int> clients;                  // device counts, one run each
  std::chrono::milliseconds duration{5000};  // per run
  const Results* results = nullptr;
};

// N devices, a database each, POST _bulk_docs with 100 new documents shaped like the notes
// synclog's push sends, as fast as answers come.
void couch_push(const PeerTarget& t);
// One database with `entries` documents, read whole through _changes?include_docs=true by pages
// of `page` (since = the previous page's last_seq), `repeats` times.
void couch_first_sync(const PeerTarget& t, std::int64_t entries, int page, int repeats);
// N devices, a database each, POST _bulk_docs with 100 updates carrying a _rev that another
// write has replaced: every document is answered `conflict`, none written.
void couch_stale_updates(const PeerTarget& t);
// N devices GET their database's info (its update_seq): CouchDB's "has anything changed?".
void couch_polls(const PeerTarget& t);

// N clients GET `path` as fast as answers come (keep-alive): the request rate alone.
void fixed_rate(const PeerTarget& t, const std::string& path);

}  // namespace synclog::bench
