// What every workload of the load generator shares: client threads started together, their
// latencies, and the figures a run reports, printed for a person and appended as tab-separated
// lines for bench/report/write_report.py.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace synclog::bench {

using Clock = std::chrono::steady_clock;

struct Latencies {
  std::vector<double> ms;
  void add(Clock::duration d) { ms.push_back(std::chrono::duration<double, std::milli>(d).count()); }
  void add_all(const Latencies& other) { ms.insert(ms.end(), other.ms.begin(), other.ms.end()); }
  // p in [0, 100]; sorts in place.
  double percentile(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(ms.size() - 1));
    return ms[i];
  }
};

// The outcome of `n` client threads run together.
struct ClientsRun {
  std::int64_t total = 0;  // the sum of what the threads returned
  double seconds = 0;      // from the first thread's start to the last one's end
  Latencies latencies;     // every latency any thread recorded
  double rate() const { return seconds > 0 ? static_cast<double>(total) / seconds : 0; }
};

// Runs `work(i, latencies)` on `n` threads at once. A thread that throws fails the run: the
// exception is rethrown here once every thread has ended.
template <class Work>
ClientsRun run_clients(int n, Work work) {
  std::vector<std::thread> threads;
  std::vector<Latencies> lats(static_cast<std::size_t>(n));
  std::atomic<std::int64_t> total{0};
  std::exception_ptr failure;
  std::atomic_flag failed = ATOMIC_FLAG_INIT;
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        total += work(i, lats[static_cast<std::size_t>(i)]);
      } catch (...) {
        if (!failed.test_and_set()) failure = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  if (failure) std::rethrow_exception(failure);
  ClientsRun run;
  run.total = total.load();
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& l : lats) run.latencies.add_all(l);
  return run;
}

// A device's loop: calls `once(i)` for i = 0, 1, 2... until `deadline`, timing each call into
// `lat`, and returns the sum of what the calls return (the requests, documents or mutations
// each one counts). `once` checks its answer and throws when it is wrong.
template <class Once>
std::int64_t repeat_until(Clock::time_point deadline, Latencies& lat, Once once) {
  std::int64_t total = 0;
  for (std::int64_t i = 0; Clock::now() < deadline; ++i) {
    const auto start = Clock::now();
    total += once(i);
    lat.add(Clock::now() - start);
  }
  return total;
}

inline std::vector<int> parse_int_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(std::stoi(item));
  }
  return out;
}

// The figures of a run. Each is one line of `path` (when set):
//   subject <TAB> workload <TAB> devices <TAB> metric <TAB> value <TAB> unit
// subject is what was measured (synclog, pouchdb, nginx, fsync, sqlite); metric is `rate`,
// `p50`, `p99`, `seconds`, `rss_mb`, ... The report reads these and nothing else.
class Results {
 public:
  Results(std::string path, std::string subject) : path_(std::move(path)), subject_(std::move(subject)) {}

  void add(const std::string& workload, int devices, const std::string& metric, double value,
           const std::string& unit) const {
    if (path_.empty()) return;
    std::ofstream out(path_, std::ios::app);
    if (!out) throw std::runtime_error("cannot append to " + path_);
    out << subject_ << '\t' << workload << '\t' << devices << '\t' << metric << '\t' << value << '\t' << unit
        << '\n';
  }
  // A closed-loop run's rate and latency percentiles, in one call.
  void add_run(const std::string& workload, int devices, ClientsRun& run, double per_unit,
               const std::string& unit) const {
    add(workload, devices, "rate", run.rate() * per_unit, unit);
    add(workload, devices, "p50", run.latencies.percentile(50), "ms");
    add(workload, devices, "p99", run.latencies.percentile(99), "ms");
  }
  const std::string& subject() const { return subject_; }

 private:
  std::string path_;
  std::string subject_;
};

// Prints one human-readable line for a closed-loop run.
inline void print_run(const std::string& label, int devices, ClientsRun& run, double per_unit,
                      const char* unit) {
  std::printf("%-24s devices=%-4d %10.0f %-12s p50 %7.2f ms  p99 %7.2f ms\n", label.c_str(), devices,
              run.rate() * per_unit, unit, run.latencies.percentile(50), run.latencies.percentile(99));
  std::fflush(stdout);
}

}  // namespace synclog::bench
