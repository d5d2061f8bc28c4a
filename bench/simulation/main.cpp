// synclog_conflict_sim: many users with several devices each, offline periods and random
// edits, replayed against the real synclog server over HTTP under the upstream protocol
// (strict: any write by another device since the cursor is a 409) and under
// conflictMode=field (only genuine clashes are conflicts), and teams sharing a space (several
// people with several devices each, master data and captured records, field mode), each
// checked against an oracle that knows every edit. Prints one table line per mode; exits 1
// when a mode shows what it must not (see report.hpp's failures()). Each mode gets a fresh
// server (rate limit and request log off); users or spaces run on --threads threads, a log's
// devices one after another.
#include "report.hpp"
#include "server_process.hpp"
#include "user_run.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace {

using synclog::sim::Config;
using synclog::sim::Counters;
using synclog::sim::Mode;

Counters run_mode(const Config& config, Mode mode, const std::vector<std::string>& server_args, int spaces) {
  std::vector<std::string> args = {"--rate-limit", "0", "--access-log", "off"};
  if (mode == Mode::kSpace) {
    args.push_back("--schema");
    args.push_back(synclog::test::source_path("bench/simulation/space_schema.json"));
  }
  args.insert(args.end(), server_args.begin(), server_args.end());
  synclog::test::ServerProcess server(args);
  Counters total;
  std::mutex mu;
  std::atomic<int> next{0};
  const int logs = mode == Mode::kSpace ? spaces : config.users;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, config.threads); ++t) {
    threads.emplace_back([&] {
      for (int log = next++; log < logs; log = next++) {
        const Counters c = mode == Mode::kSpace ? synclog::sim::run_space(config, log, server)
                                                : synclog::sim::run_user(config, mode, log, server);
        const std::lock_guard<std::mutex> lock(mu);
        total.add(c);
      }
    });
  }
  for (auto& t : threads) t.join();
  total.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return total;
}

std::vector<Mode> parse_modes(const std::string& text) {
  std::vector<Mode> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "strict")
      out.push_back(Mode::kStrict);
    else if (item == "field")
      out.push_back(Mode::kField);
    else if (item == "space")
      out.push_back(Mode::kSpace);
    else
      throw CLI::ValidationError("--modes", "unknown mode " + item);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "synclog_conflict_sim: devices editing offline, strict vs field conflict mode, "
      "checked against an oracle"};
  Config config;
  std::string modes_text = "strict,field,space";
  int spaces = 6;
  std::vector<std::string> server_args;
  app.add_option("--users", config.users, "Users, each with its own devices")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--devices", config.devices, "Devices per user")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--rounds", config.rounds, "Rounds: each device's turn to edit and sync")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seed", config.seed, "Seed of every random choice")->capture_default_str();
  app.add_option("--max-edits", config.max_edits, "Edits per device per round, at most")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--offline-chance", config.offline_chance,
                 "Chance an online device goes offline at its turn")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--max-offline", config.max_offline, "Rounds an offline period lasts at most")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--records", config.initial_records, "Records each user starts with")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--max-records", config.max_records, "Records a device creates no more beyond")
      ->capture_default_str()
      ->check(CLI::Range(3, 90));
  app.add_option("--threads", config.threads, "Users run at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--spaces", spaces, "Spaces (mode space), each with --people people")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--people", config.people, "People in each space, with --devices devices each; the first is its lead")
      ->capture_default_str()
      ->check(CLI::Range(2, 32));
  app.add_option("--edit-turns", config.edit_turns, "Chance a device's turn has edits at all")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--colleague-edits", config.colleague_edits,
                 "Spaces: chance an edit is of a record another person captured (the rest are one's own)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--modes", modes_text, "strict, field, space (a comma-separated list)")->capture_default_str();
  app.add_option("--server-arg", server_args, "Extra argument for `synclog serve` (repeatable)");
  CLI11_PARSE(app, argc, argv);

  std::vector<Mode> modes;
  try {
    modes = parse_modes(modes_text);
  } catch (const CLI::Error& e) {
    return app.exit(e);
  }
  std::printf(
      "synclog_conflict_sim: %d users x %d devices, %d spaces x %d people x %d devices, %d rounds, "
      "seed %llu, %d threads (hardware threads: %u)\n",
      config.users, config.devices, spaces, config.people, config.devices, config.rounds,
      static_cast<unsigned long long>(config.seed), config.threads, std::thread::hardware_concurrency());
  std::vector<std::pair<Mode, Counters>> results;
  for (Mode mode : modes) {
    try {
      results.emplace_back(mode, run_mode(config, mode, server_args, spaces));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: could not run: %s\n",
                   std::string(synclog::sim::mode_name(mode)).c_str(), e.what());
      return 1;
    }
  }
  std::printf("\n");
  synclog::sim::print_table_header();
  for (const auto& [mode, c] : results) synclog::sim::print_table_row(mode, c);
  std::printf("\n");
  int status = 0;
  for (const auto& [mode, c] : results) {
    synclog::sim::print_details(mode, c);
    const auto why = synclog::sim::failures(mode, c);
    for (const auto& line : c.details) std::printf("  %s\n", line.c_str());
    for (const auto& line : why) {
      std::printf("FAIL %s: %s\n", std::string(synclog::sim::mode_name(mode)).c_str(),
                  line.c_str());
      status = 1;
    }
  }
  std::printf("%s (seed %llu)\n", status == 0 ? "PASS" : "FAIL",
              static_cast<unsigned long long>(config.seed));
  return status;
}
