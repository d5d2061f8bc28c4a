// The load generator's workloads against synclog, over HTTP with the tests' client.
#include "synclog_workloads.hpp"

#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "event_stream_client.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

namespace synclog::bench {
namespace {

using test::EventStreamClient;
using test::Headers;
using test::HttpClient;
using test::Response;

constexpr int kBatch = 100;
// Distinct users per run: each workload's devices start with empty logs.
int g_run = 0;

std::string user_name(const char* workload, int device) {
  return std::string(workload) + "-" + std::to_string(g_run) + "-" + std::to_string(device);
}

[[noreturn]] void fail(const std::string& what, const Response& r) {
  throw std::runtime_error(what + ": " + std::to_string(r.status) + " " + r.transport_error + " " +
                           r.body.substr(0, 300));
}

std::int64_t head_of(HttpClient& c, const Headers& h) {
  auto r = c.get("/v1/sync?mutationsSince=0&metadataOnly=true", h);
  if (r.status != 200) fail("metadataOnly poll", r);
  return std::stoll(r.header("x-mutation-at"));
}

// A batch of 100 NOTE creates, about 170 bytes each: what an app's note sync sends.
std::string note_batch(int device, std::int64_t batch) {
  std::string body = "{\"mutations\":[";
  for (int i = 0; i < kBatch; ++i) {
    if (i) body += ',';
    const int surah = 1 + (i % 114);
    body += R"({"resource":"NOTE","type":"CREATE","data":{"body":"Reflection )" + std::to_string(device) +
            "-" + std::to_string(batch) + "-" + std::to_string(i) +
            R"( on this passage","ranges":[")" + std::to_string(surah) + ":1-" + std::to_string(surah) +
            R"(:1"],"clientCreatedAt":"2026-05-19T10:15:30.000Z"}})";
  }
  return body + "]}";
}

// 100 notes with client-chosen ids f0..f99, created (`type` CREATE) or given a new body
// (UPDATE, only the body: field mode judges the fields a mutation carries).
std::string field_batch(const char* type, const std::string& body_text) {
  std::string body = "{\"mutations\":[";
  for (int i = 0; i < kBatch; ++i) {
    if (i) body += ',';
    body += R"({"resource":"NOTE","type":")" + std::string(type) + R"(","resourceId":"f)" + std::to_string(i) +
            R"(","data":{"body":")" + body_text + " " + std::to_string(i) + R"(")";
    if (std::string(type) == "CREATE") body += R"(,"ranges":["2:255-2:256"])";
    body += "}}";
  }
  return body + "]}";
}

class Device {
 public:
  Device(const SynclogTarget& t, const std::string& user, int index)
      : client_(t.server->host(), t.server->port()),
        auth_(t.server->auth(user, "loadgen-" + std::to_string(index))),
        index_(index) {
    head_ = head_of(client_, auth_);
  }

  // Pushes batch number `b` at the device's head; returns the answer (head advanced on 200).
  Response push(std::int64_t b, bool keyed) {
    Headers h = auth_;
    if (keyed) h.emplace_back("Idempotency-Key", "k" + std::to_string(index_) + "-" + std::to_string(b));
    auto r = client_.post("/v1/sync?lastMutationAt=" + std::to_string(head_), note_batch(index_, b), h);
    if (r.status == 200) head_ = std::stoll(r.header("x-mutation-at"));
    return r;
  }
  Response post(const std::string& target, const std::string& body) { return client_.post(target, body, auth_); }
  HttpClient& client() { return client_; }
  const Headers& auth() const { return auth_; }
  std::int64_t head() const { return head_; }
  void set_head(std::int64_t h) { head_ = h; }

 private:
  HttpClient client_;
  Headers auth_;
  int index_;
  std::int64_t head_ = 0;
};

// Pushes until `deadline`; returns mutations pushed.
std::int64_t push_until(Device& d, Clock::time_point deadline, bool keyed, Latencies& lat) {
  return repeat_until(deadline, lat, [&](std::int64_t b) {
    auto r = d.push(b, keyed);
    if (r.status != 200) fail("push", r);
    return std::int64_t{kBatch};
  });
}

// Resident and peak resident memory of a process, in MiB, from /proc.
std::pair<double, double> rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  double rss = 0, hwm = 0;
  while (in >> key) {
    double kb = 0;
    if (key == "VmRSS:" && in >> kb) rss = kb / 1024;
    else if (key == "VmHWM:" && in >> kb) hwm = kb / 1024;
    else in.ignore(1 << 12, '\n');
  }
  return {rss, hwm};
}

}  // namespace

double push_closed_loop(const SynclogTarget& t, bool keyed) {
  double last_batches = 0;
  const std::string workload = keyed ? "keyed-push" : "push";
  for (int n : t.clients) {
    ++g_run;
    std::vector<std::unique_ptr<Device>> devices;
    for (int i = 0; i < n; ++i) devices.push_back(std::make_unique<Device>(t, user_name("push", i), i));
    const auto deadline = Clock::now() + t.duration;
    auto run = run_clients(n, [&](int i, Latencies& lat) {
      return push_until(*devices[static_cast<std::size_t>(i)], deadline, keyed, lat);
    });
    print_run(workload + " (mutations/s)", n, run, 1, "mutations/s");
    t.results->add_run(workload, n, run, 1, "mutations/s");
    t.results->add(workload, n, "batches", run.rate() / kBatch, "batches/s");
    last_batches = run.rate() / kBatch;
  }
  return last_batches;
}

void push_paced(const SynclogTarget& t, int n, double batches_per_second, const std::string& label) {
  ++g_run;
  std::vector<std::unique_ptr<Device>> devices;
  for (int i = 0; i < n; ++i) devices.push_back(std::make_unique<Device>(t, user_name("paced", i), i));
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(n) / batches_per_second));
  const auto start = Clock::now() + std::chrono::milliseconds(20);
  const auto deadline = start + t.duration;
  auto run = run_clients(n, [&](int i, Latencies& lat) {
    Device& d = *devices[static_cast<std::size_t>(i)];
    // Devices are spread over the interval so that the offered load is even.
    auto due = start + interval * i / n;
    std::int64_t done = 0;
    for (std::int64_t b = 0; due < deadline; ++b, due += interval) {
      std::this_thread::sleep_until(due);
      auto r = d.push(b, false);
      lat.add(Clock::now() - due);
      if (r.status != 200) fail("paced push", r);
      done += kBatch;
    }
    return done;
  });
  run.seconds = std::chrono::duration<double>(t.duration).count();
  std::printf("%-24s devices=%-4d offered %6.0f batches/s, done %6.0f   p50 %7.2f ms  p99 %7.2f ms\n",
              ("paced-push " + label).c_str(), n, batches_per_second, run.rate() / kBatch,
              run.latencies.percentile(50), run.latencies.percentile(99));
  std::fflush(stdout);
  const std::string workload = "paced-push-" + label;
  t.results->add(workload, n, "offered", batches_per_second, "batches/s");
  t.results->add_run(workload, n, run, 1, "mutations/s");
}

void first_sync(const SynclogTarget& t, std::int64_t entries, int page, int repeats) {
  ++g_run;
  Device seeder(t, user_name("pull", 0), 0);
  const auto seed_start = Clock::now();
  for (std::int64_t b = 0; b < entries / kBatch; ++b) {
    auto r = seeder.push(b, false);
    if (r.status != 200) fail("seeding push", r);
  }
  const double seed_secs = std::chrono::duration<double>(Clock::now() - seed_start).count();
  std::printf("first-sync seeded %lld entries in %.2f s\n", static_cast<long long>(entries), seed_secs);

  HttpClient& c = seeder.client();
  static const std::string kKey = "\"timestamp\":";
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    std::int64_t since = 0, got = 0;
    const auto start = Clock::now();
    for (;;) {
      auto resp = c.get("/v1/sync?mutationsSince=" + std::to_string(since) + "&limit=" + std::to_string(page),
                        seeder.auth());
      if (resp.status != 200) fail("pull", resp);
      // The cursor for the next page is the last entry's timestamp.
      std::int64_t n = 0;
      std::size_t pos = 0, last = std::string::npos;
      while ((pos = resp.body.find(kKey, pos)) != std::string::npos) {
        last = pos;
        ++n;
        pos += kKey.size();
      }
      got += n;
      if (n == 0 || resp.body.find("\"hasMore\":true") == std::string::npos) break;
      since = std::stoll(resp.body.substr(last + kKey.size(), 20));
    }
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    if (got != entries) {
      throw std::runtime_error("pull returned " + std::to_string(got) + " entries, expected " +
                               std::to_string(entries));
    }
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  std::printf("%-24s %lld entries by pages of %d: %9.0f entries/s, median %.3f s, best %.3f s (%d runs)\n",
              "first-sync", static_cast<long long>(entries), page, static_cast<double>(entries) / median,
              median, times.front(), repeats);
  std::fflush(stdout);
  t.results->add("first-sync", 1, "rate", static_cast<double>(entries) / median, "entries/s");
  t.results->add("first-sync", 1, "seconds", median, "s");
  t.results->add("first-sync", 1, "best", times.front(), "s");
}

void metadata_polls(const SynclogTarget& t) {
  for (int n : t.clients) {
    ++g_run;
    const auto deadline = Clock::now() + t.duration;
    auto run = run_clients(n, [&](int i, Latencies& lat) {
      HttpClient c(t.server->host(), t.server->port());
      const Headers h = t.server->auth(user_name("poll", i), "loadgen-poll");
      return repeat_until(deadline, lat, [&](std::int64_t) {
        head_of(c, h);
        return std::int64_t{1};
      });
    });
    print_run("poll (metadataOnly)", n, run, 1, "polls/s");
    t.results->add_run("poll", n, run, 1, "requests/s");
  }
}

void stale_pushes(const SynclogTarget& t) {
  for (int n : t.clients) {
    ++g_run;
    std::vector<std::unique_ptr<Device>> devices;
    for (int i = 0; i < n; ++i) {
      auto d = std::make_unique<Device>(t, user_name("stale", i), i);
      // Another device's write moves the head; this one still holds the old one.
      const std::int64_t old_head = d->head();
      if (auto r = d->push(0, false); r.status != 200) fail("push before the stale ones", r);
      d->set_head(old_head);
      devices.push_back(std::move(d));
    }
    const auto deadline = Clock::now() + t.duration;
    auto run = run_clients(n, [&](int i, Latencies& lat) {
      Device& d = *devices[static_cast<std::size_t>(i)];
      return repeat_until(deadline, lat, [&](std::int64_t b) {
        auto r = d.push(b + 1, false);
        if (r.status != 409) fail("stale push (expected 409)", r);
        return std::int64_t{1};
      });
    });
    print_run("stale push (409s)", n, run, 1, "409s/s");
    t.results->add_run("stale-push", n, run, 1, "batches/s");
  }
}

void field_conflicts(const SynclogTarget& t) {
  for (int n : t.clients) {
    ++g_run;
    std::vector<std::unique_ptr<Device>> devices;
    std::vector<std::string> targets;
    for (int i = 0; i < n; ++i) {
      auto d = std::make_unique<Device>(t, user_name("field", i), i);
      auto created = d->post("/v1/sync?lastMutationAt=" + std::to_string(d->head()), field_batch("CREATE", "first"));
      if (created.status != 200) fail("creating the notes", created);
      const std::string base = created.header("x-mutation-at");
      // Another device of the same user rewrites every body after `base`...
      auto moved = d->client().post("/v1/sync?conflictMode=field&lastMutationAt=" + base,
                                    field_batch("UPDATE", "other"),
                                    t.server->auth(user_name("field", i), "loadgen-other"));
      if (moved.status != 200) fail("the other device's edit", moved);
      // ...so every later edit made from `base` clashes with it.
      targets.push_back("/v1/sync?conflictMode=field&lastMutationAt=" + base);
      devices.push_back(std::move(d));
    }
    const std::string clash = field_batch("UPDATE", "mine");
    const auto deadline = Clock::now() + t.duration;
    auto run = run_clients(n, [&](int i, Latencies& lat) {
      Device& d = *devices[static_cast<std::size_t>(i)];
      return repeat_until(deadline, lat, [&](std::int64_t n_done) {
        auto r = d.post(targets[static_cast<std::size_t>(i)], clash);
        if (r.status != 200) fail("field-mode push", r);
        if (n_done == 0 && r.body.find(R"("outcome":"conflict")") == std::string::npos) {
          fail("field-mode push (expected conflicts)", r);
        }
        return std::int64_t{kBatch};
      });
    });
    print_run("field conflicts", n, run, 1, "conflicts/s");
    t.results->add_run("field-conflicts", n, run, 1, "mutations/s");
  }
}

void idle_streams(const SynclogTarget& t, int streams) {
  ++g_run;
  const pid_t pid = t.server->pid();
  const auto [before, before_peak] = rss_mib(pid);
  std::vector<EventStreamClient> open;
  open.reserve(static_cast<std::size_t>(streams));
  const auto start = Clock::now();
  for (int i = 0; i < streams; ++i) {
    const Headers h = t.server->auth(user_name("stream", i / 2), "loadgen-" + std::to_string(i % 2));
    open.emplace_back(t.server->host(), t.server->port(), "/v1/sync/events", h);
    if (open.back().status() != 200) {
      throw std::runtime_error("change stream " + std::to_string(i) + " answered " +
                               std::to_string(open.back().status()) + " " + open.back().body().substr(0, 200));
    }
  }
  const double open_secs = std::chrono::duration<double>(Clock::now() - start).count();
  // Each stream's first event (the head) has been queued; let the server settle.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto [with, with_peak] = rss_mib(pid);
  std::printf("%-24s %d streams opened in %.2f s; server RSS %.1f MiB before, %.1f MiB with them "
              "(%.1f KiB a stream)\n",
              "idle-streams", streams, open_secs, before, with, (with - before) * 1024 / streams);
  std::fflush(stdout);
  t.results->add("idle-streams", streams, "rss_before", before, "MiB");
  t.results->add("idle-streams", streams, "rss", with, "MiB");
  t.results->add("idle-streams", streams, "per_stream", (with - before) * 1024 / streams, "KiB");
}

}  // namespace synclog::bench
