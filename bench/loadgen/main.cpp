// synclog_loadgen: drives a server over HTTP and reports throughput and latency.
//
//   --target synclog   starts the real `synclog serve` (rate limit and request log off, a
//                      temporary data directory; PostgreSQL when SYNCLOG_TEST_PG_HOST is set)
//                      and runs synclog's workloads against it
//   --target pouchdb   the same work in CouchDB's protocol against a running pouchdb-server
//   --target fixed     keep-alive GETs of --path against a running server (nginx answering a
//                      fixed 200): the request rate this client and machine allow
//
// Figures depend on the machine and on what else runs on it: compare ratios taken in one run,
// never absolute numbers across machines. bench/run runs all three and writes the report.
#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include "peer_workloads.hpp"
#include "server_process.hpp"
#include "synclog_workloads.hpp"

namespace {

using namespace synclog::bench;

// Idle streams need a descriptor each, here and in the server it starts (which inherits it).
void raise_descriptor_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

struct Options {
  std::string target = "synclog";
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/";
  std::vector<int> clients;
  std::chrono::milliseconds duration{5000};
  std::string workloads;
  std::int64_t pull_entries = 100000;
  int page = 1000;
  int repeats = 3;
  int streams = 10000;
  int paced_devices = 32;
  std::vector<double> paced_loads;
  std::vector<std::string> server_args;
  std::string results;
};

bool wanted(const Options& o, const std::string& name) {
  return ("," + o.workloads + ",").find("," + name + ",") != std::string::npos;
}

void run_synclog(const Options& o) {
  std::vector<std::string> args = {"--rate-limit", "0", "--access-log", "off", "--max-connections",
                                   std::to_string(o.streams + 1000), "--events-per-user", "4"};
  args.insert(args.end(), o.server_args.begin(), o.server_args.end());
  synclog::test::ServerProcess server(args);
  const Results results(o.results, "synclog");
  SynclogTarget t{&server, o.clients, o.duration, &results};
  std::printf("synclog_loadgen: synclog at %s:%u%s (hardware threads: %u)\n", server.host().c_str(), server.port(),
              server.on_postgres() ? " on PostgreSQL" : " on SQLite", std::thread::hardware_concurrency());
  double capacity = 0;
  if (wanted(o, "push")) capacity = push_closed_loop(t, false);
  if (wanted(o, "keyed-push")) push_closed_loop(t, true);
  if (wanted(o, "paced-push")) {
    if (capacity <= 0) {
      SynclogTarget probe = t;
      probe.clients = {o.paced_devices};
      capacity = push_closed_loop(probe, false);
    }
    // Latency at a stated share of what the same devices push flat out, measured just before.
    for (double share : o.paced_loads) {
      push_paced(t, o.paced_devices, capacity * share, std::to_string(static_cast<int>(share * 100)) + "%");
    }
  }
  if (wanted(o, "first-sync")) first_sync(t, o.pull_entries, o.page, o.repeats);
  if (wanted(o, "poll")) metadata_polls(t);
  if (wanted(o, "stale-push")) stale_pushes(t);
  if (wanted(o, "field-conflicts")) field_conflicts(t);
  if (wanted(o, "idle-streams")) idle_streams(t, o.streams);
}

void run_peer(const Options& o) {
  if (o.port == 0) throw std::runtime_error("--port is required for --target " + o.target);
  const Results results(o.results, o.target == "fixed" ? "nginx" : "pouchdb");
  PeerTarget t{o.host, o.port, o.clients, o.duration, &results};
  std::printf("synclog_loadgen: %s at %s:%u (hardware threads: %u)\n", o.target.c_str(), o.host.c_str(), o.port,
              std::thread::hardware_concurrency());
  if (o.target == "fixed") {
    fixed_rate(t, o.path);
    return;
  }
  if (wanted(o, "push")) couch_push(t);
  if (wanted(o, "first-sync")) couch_first_sync(t, o.pull_entries, o.page, o.repeats);
  if (wanted(o, "poll")) couch_polls(t);
  if (wanted(o, "stale-push")) couch_stale_updates(t);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"synclog_loadgen: synclog's workloads against synclog, a CouchDB peer, or a fixed-200 server"};
  Options o;
  std::string clients = "1,32";
  std::string paced = "0.25,0.5,0.75";
  double seconds = 5;
  o.workloads = "push,keyed-push,paced-push,first-sync,poll,stale-push,field-conflicts";
  app.add_option("--target", o.target, "synclog, pouchdb or fixed")
      ->capture_default_str()->check(CLI::IsMember({"synclog", "pouchdb", "fixed"}));
  app.add_option("--host", o.host, "The peer's address (pouchdb, fixed)")->capture_default_str();
  app.add_option("--port", o.port, "The peer's port (pouchdb, fixed)");
  app.add_option("--path", o.path, "What --target fixed GETs")->capture_default_str();
  app.add_option("--clients", clients, "Concurrent devices, comma-separated")->capture_default_str();
  app.add_option("--duration", seconds, "Seconds per measurement")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--workloads", o.workloads,
                 "Any of push,keyed-push,paced-push,first-sync,poll,stale-push,field-conflicts,idle-streams")
      ->capture_default_str();
  app.add_option("--pull-entries", o.pull_entries, "Entries of the first sync")->capture_default_str();
  app.add_option("--page", o.page, "First-sync page size")->capture_default_str();
  app.add_option("--repeats", o.repeats, "Full first syncs measured (the median is reported)")->capture_default_str();
  app.add_option("--streams", o.streams, "Idle change streams held open")->capture_default_str();
  app.add_option("--paced-devices", o.paced_devices, "Devices of the paced push")->capture_default_str();
  app.add_option("--paced-loads", paced, "Offered loads of the paced push, as shares of the flat-out rate")
      ->capture_default_str();
  app.add_option("--server-arg", o.server_args, "Extra argument for `synclog serve` (repeatable)");
  app.add_option("--results", o.results, "Append each figure to this file as a tab-separated line");
  CLI11_PARSE(app, argc, argv);

  o.clients = parse_int_list(clients);
  o.duration = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  for (const auto& item : CLI::detail::split(paced, ',')) o.paced_loads.push_back(std::stod(item));
  raise_descriptor_limit();
  try {
    if (o.target == "synclog") run_synclog(o);
    else run_peer(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synclog_loadgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
