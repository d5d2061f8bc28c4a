// synclog_loadgen: drives a real synclog server over HTTP and prints throughput and latency.
//
//   push   N devices (one user each) push batches of 100 NOTE creates, each chained on the
//          previous answer's head: mutations/s, batches/s, latency percentiles
//   pull   one user with --pull-entries entries, pulled whole by cursor pages of --page
//          (mutationsSince = the last entry's timestamp): entries/s and time per full pull
//   poll   N devices poll GET /v1/sync?metadataOnly=true: polls/s, latency percentiles
//
// Without --server it starts the synclog binary itself (rate limit and request log off, a
// temporary data directory). Figures depend on the machine and what else runs on it: compare
// ratios taken in one run, never absolute numbers across machines.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "server_process.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using synclog::test::Headers;
using synclog::test::HttpClient;
using synclog::test::ServerProcess;

struct Target {
  std::string host;
  std::uint16_t port = 0;
  const ServerProcess* server = nullptr;
};

struct Latencies {
  std::vector<double> ms;
  void add(Clock::duration d) { ms.push_back(std::chrono::duration<double, std::milli>(d).count()); }
  double percentile(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    const auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(ms.size() - 1));
    return ms[i];
  }
};

// Runs `work(i, latencies)` on `n` threads; returns the sum of what they return, the elapsed
// seconds and every latency they recorded.
template <class Work>
std::int64_t run_clients(int n, Work work, double* seconds, Latencies* all) {
  std::vector<std::thread> threads;
  std::vector<Latencies> lats(static_cast<std::size_t>(n));
  std::atomic<std::int64_t> total{0};
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] { total += work(i, lats[static_cast<std::size_t>(i)]); });
  }
  for (auto& th : threads) th.join();
  *seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& l : lats) all->ms.insert(all->ms.end(), l.ms.begin(), l.ms.end());
  return total.load();
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoi(item));
  return out;
}

std::int64_t head_of(HttpClient& c, const Headers& h) {
  auto r = c.get("/v1/sync?mutationsSince=0&metadataOnly=true", h);
  if (r.status != 200) throw std::runtime_error("metadataOnly poll failed: " + std::to_string(r.status) + " " + r.body);
  return std::stoll(r.header("x-mutation-at"));
}

// A batch of 100 NOTE creates: a realistic payload (~170 bytes per mutation).
std::string note_batch(int device, std::int64_t batch) {
  std::string body = "{\"mutations\":[";
  for (int i = 0; i < 100; ++i) {
    if (i) body += ',';
    const int surah = 1 + (i % 114);
    body += R"({"resource":"NOTE","type":"CREATE","data":{"body":"Reflection )" + std::to_string(device) +
            "-" + std::to_string(batch) + "-" + std::to_string(i) +
            R"( on this passage","ranges":[")" + std::to_string(surah) + ":1-" + std::to_string(surah) +
            R"(:1"],"clientCreatedAt":"2026-05-19T10:15:30.000Z"}})";
  }
  return body + "]}";
}

// Whether pushes carry an Idempotency-Key (as the SDK's do): its answer is then stored with
// the batch, which is what this lets a run compare.
bool g_idempotency_keys = false;

// Pushes batches until `batches` are done (if > 0) or until `deadline`; returns mutations pushed.
std::int64_t push_loop(const Target& t, const std::string& user, int device, std::int64_t batches,
                       Clock::time_point deadline, Latencies* lat) {
  HttpClient c(t.host, t.port);
  const Headers auth = t.server->auth(user, "loadgen-" + std::to_string(device));
  std::int64_t head = head_of(c, auth);
  std::int64_t done = 0;
  for (std::int64_t b = 0; batches > 0 ? b < batches : Clock::now() < deadline; ++b) {
    const std::string body = note_batch(device, b);
    Headers h = auth;
    if (g_idempotency_keys) h.emplace_back("Idempotency-Key", user + "-" + std::to_string(b));
    const auto start = Clock::now();
    auto r = c.post("/v1/sync?lastMutationAt=" + std::to_string(head), body, h);
    if (lat) lat->add(Clock::now() - start);
    if (r.status != 200) throw std::runtime_error("push failed: " + std::to_string(r.status) + " " + r.body.substr(0, 200));
    head = std::stoll(r.header("x-mutation-at"));
    done += 100;
  }
  return done;
}

void run_push(const Target& t, const std::vector<int>& clients, std::chrono::milliseconds duration) {
  static int run = 0;
  for (int n : clients) {
    ++run;
    const auto deadline = Clock::now() + duration;
    double secs = 0;
    Latencies all;
    const std::int64_t total = run_clients(
        n,
        [&](int i, Latencies& lat) {
          return push_loop(t, "push-" + std::to_string(run) + "-" + std::to_string(i), i, 0, deadline, &lat);
        },
        &secs, &all);
    std::printf("push%s clients=%-3d  %9.0f mutations/s  %7.1f batches/s  p50 %6.2f ms  p99 %6.2f ms\n",
                g_idempotency_keys ? "+key" : "    ", n,
                static_cast<double>(total) / secs, static_cast<double>(total) / 100 / secs,
                all.percentile(50), all.percentile(99));
  }
}

// The timestamp of the last entry of a pull page, or -1 when it has none.
std::int64_t last_timestamp(const std::string& body, std::int64_t* entries) {
  static const std::string kKey = "\"timestamp\":";
  std::int64_t count = 0;
  std::size_t pos = 0, last = std::string::npos;
  while ((pos = body.find(kKey, pos)) != std::string::npos) {
    last = pos;
    ++count;
    pos += kKey.size();
  }
  *entries = count;
  if (last == std::string::npos) return -1;
  return std::stoll(body.substr(last + kKey.size(), 20));
}

void run_pull(const Target& t, std::int64_t entries, int page, int repeats) {
  const std::string user = "pull-user";
  const auto seed_start = Clock::now();
  push_loop(t, user, 0, entries / 100, Clock::time_point::max(), nullptr);
  const double seed_secs = std::chrono::duration<double>(Clock::now() - seed_start).count();
  std::printf("pull   seeded %lld entries in %.2f s (%.0f mutations/s, one device)\n",
              static_cast<long long>(entries), seed_secs, static_cast<double>(entries) / seed_secs);

  HttpClient c(t.host, t.port);
  const Headers h = t.server->auth(user, "loadgen-pull");
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    std::int64_t since = 0, got = 0;
    const auto start = Clock::now();
    for (;;) {
      auto resp = c.get("/v1/sync?mutationsSince=" + std::to_string(since) + "&limit=" + std::to_string(page), h);
      if (resp.status != 200) throw std::runtime_error("pull failed: " + std::to_string(resp.status));
      std::int64_t n = 0;
      const std::int64_t last = last_timestamp(resp.body, &n);
      got += n;
      if (n == 0 || resp.body.find("\"hasMore\":true") == std::string::npos) break;
      since = last;
    }
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    if (got != entries) {
      throw std::runtime_error("pull returned " + std::to_string(got) + " entries, expected " + std::to_string(entries));
    }
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  std::printf("pull   %lld entries by pages of %d  %9.0f entries/s  full pull: median %.3f s, best %.3f s (%d runs)\n",
              static_cast<long long>(entries), page, static_cast<double>(entries) / median, median,
              times.front(), repeats);
}

void run_poll(const Target& t, const std::vector<int>& clients, std::chrono::milliseconds duration) {
  for (int n : clients) {
    const auto deadline = Clock::now() + duration;
    double secs = 0;
    Latencies all;
    const std::int64_t total = run_clients(
        n,
        [&](int i, Latencies& lat) {
          HttpClient c(t.host, t.port);
          const Headers h = t.server->auth("poll-" + std::to_string(i), "loadgen-poll");
          std::int64_t count = 0;
          while (Clock::now() < deadline) {
            const auto s = Clock::now();
            head_of(c, h);
            lat.add(Clock::now() - s);
            ++count;
          }
          return count;
        },
        &secs, &all);
    std::printf("poll   clients=%-3d  %9.0f polls/s                       p50 %6.2f ms  p99 %6.2f ms\n", n,
                static_cast<double>(total) / secs, all.percentile(50), all.percentile(99));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"synclog_loadgen: push, pull and poll throughput against a real synclog server"};
  std::string clients_list = "1,32";
  std::string duration_text = "5";
  std::int64_t pull_entries = 100000;
  int page = 1000;
  int repeats = 3;
  std::string workloads = "push,keyed-push,pull,poll";
  std::vector<std::string> server_args;
  app.add_option("--clients", clients_list, "Concurrent devices, comma-separated")->capture_default_str();
  app.add_option("--duration", duration_text, "Seconds per push/poll measurement")->capture_default_str();
  app.add_option("--pull-entries", pull_entries, "Entries in the pull workload")->capture_default_str();
  app.add_option("--page", page, "Pull page size (limit)")->capture_default_str();
  app.add_option("--repeats", repeats, "Full pulls measured")->capture_default_str();
  app.add_option("--workloads", workloads, "Any of push,keyed-push,pull,poll")->capture_default_str();
  app.add_option("--server-arg", server_args, "Extra argument for `synclog serve` (repeatable)");
  CLI11_PARSE(app, argc, argv);

  const auto clients = parse_list(clients_list);
  const auto duration = std::chrono::milliseconds(static_cast<std::int64_t>(std::stod(duration_text) * 1000));
  std::vector<std::string> args = {"--rate-limit", "0", "--access-log", "off"};
  args.insert(args.end(), server_args.begin(), server_args.end());
  try {
    ServerProcess server(args);
    const Target t{server.host(), server.port(), &server};
    std::printf("synclog_loadgen against %s:%u (hardware threads: %u)\n", t.host.c_str(), t.port,
                std::thread::hardware_concurrency());
    const auto wanted = [&](const std::string& name) {
      const std::string list = "," + workloads + ",";
      return list.find("," + name + ",") != std::string::npos;
    };
    if (wanted("push")) run_push(t, clients, duration);
    if (wanted("keyed-push")) {
      g_idempotency_keys = true;
      run_push(t, clients, duration);
      g_idempotency_keys = false;
    }
    if (wanted("pull")) run_pull(t, pull_entries, page, repeats);
    if (wanted("poll")) run_poll(t, clients, duration);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "synclog_loadgen: %s\n", e.what());
    return 1;
  }
  return 0;
}
