// The crash test (SPEC section 2 "Batches", section 3 "Idempotency keys"; docs/storage.md
// "Durability"): several users push concurrently while the server is killed with SIGKILL at
// random moments and restarted on the same data. Afterwards every acknowledged mutation is
// there, no batch is half-applied, every batch whose answer was lost and that was retried with
// its Idempotency-Key is applied exactly once, and each user's clock only ever rose.
//
// Each user has one device, driven by one thread, so the user's head moves only when that
// thread's batch commits: a lost answer is therefore always resolved by retrying the same
// request (same target, body and key), which is either applied then or replayed, and never a
// 409. Notes are created without client ids, so a batch applied twice would show as two notes
// with one body. The kill schedule and the batches come from a seed printed at the start;
// SYNCLOG_CRASH_SEED=<seed> replays them (where a kill lands in the server's work still
// depends on timing, which is the point).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "server_process.hpp"
#include "thread_failures.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr int kUsers = 6;
constexpr int kKills = 5;
// Each kill comes this long after the previous restart: long enough for every device to get
// many batches through, short enough to keep the test short on a shared 2-core machine. One
// kill in kQuickKillOneIn comes at once instead, while the devices reconnect and retry.
constexpr int kMinKillDelayMs = 300;
constexpr int kMaxKillDelayMs = 2000;
constexpr int kMaxQuickKillDelayMs = 50;
constexpr int kQuickKillOneIn = 4;
// After the last restart every device must get this many batches acknowledged before the
// end, so the data it checks was also written by a server that had recovered.
constexpr int kBatchesAfterLastRestart = 3;
// Small enough that the final pulls are cut several times and must follow hasMore.
constexpr int kPullCap = 150;
// Generous bounds for waits that normally take milliseconds; reaching one is a failure.
constexpr auto kRestartWait = 60s;
constexpr auto kProgressWait = 60s;

std::string str(const json::value& v) { return std::string(v.as_string()); }
std::int64_t num(const json::value& v) { return v.to_number<std::int64_t>(); }

std::uint64_t seed_for_this_run() {
  if (const char* given = std::getenv("SYNCLOG_CRASH_SEED")) return std::strtoull(given, nullptr, 10);
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) | rd();
}

// Where the server listens. A kill marks it down before the signal is sent, so a device whose
// request failed while it is up and in the same generation met a failure nobody caused.
class Endpoint {
 public:
  explicit Endpoint(std::uint16_t port) : port_(port) {}

  struct View {
    int generation;
    std::uint16_t port;
  };
  View current() const {
    std::lock_guard lock(mu_);
    return {generation_, port_};
  }
  void mark_down() {
    std::lock_guard lock(mu_);
    up_ = false;
  }
  void mark_up(std::uint16_t port) {
    {
      std::lock_guard lock(mu_);
      port_ = port;
      ++generation_;
      up_ = true;
    }
    cv_.notify_all();
  }
  // The server will not come back (a restart failed): waiters give up.
  void abandon() {
    {
      std::lock_guard lock(mu_);
      abandoned_ = true;
    }
    cv_.notify_all();
  }
  // After a request to generation `used` got no answer: whether that generation had been
  // killed (false: the failure was the server's own), and then waits for its successor.
  enum class Wait { kRestarted, kNotKilled, kGaveUp };
  Wait await_successor(int used) {
    std::unique_lock lock(mu_);
    if (generation_ == used && up_) return Wait::kNotKilled;
    const bool back = cv_.wait_for(lock, kRestartWait, [&] { return abandoned_ || (generation_ != used && up_); });
    return back && !abandoned_ ? Wait::kRestarted : Wait::kGaveUp;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int generation_ = 0;    // guarded by mu_; bumped by every restart
  std::uint16_t port_;    // guarded by mu_
  bool up_ = true;        // guarded by mu_
  bool abandoned_ = false;  // guarded by mu_
};

// One mutation of a batch, as the device meant it.
struct Planned {
  enum Kind { kNoteCreate, kCollectionCreate, kCollectionUpdate, kCollectionDelete } kind;
  std::string id;    // collections: the client-chosen id
  std::string text;  // note body or collection name
};

struct AckedNote {
  std::string body;
  std::int64_t ts = 0;
};

// What one device did and what the server answered it, for the final checks.
struct DeviceLog {
  std::vector<std::int64_t> heads;                  // lastMutationAt of each 200, in order
  std::vector<std::vector<std::string>> batch_notes;  // note bodies of each acknowledged batch
  std::map<std::string, AckedNote> notes;            // by the id the server acked
  std::map<std::string, std::string> collections;    // live: id -> name
  std::set<std::string> deleted_collections;
  int lost_answers = 0;       // requests that got no answer
  int retried_batches = 0;    // batches that needed more than one request
  int retried_applied = 0;    // ... and were applied by a retry
  int retried_replayed = 0;   // ... and had been applied before the kill (replayed)
  std::atomic<int> acked{0};  // batches acknowledged so far (read by the test's thread)
};

class Device {
 public:
  Device(int user, std::string host, Headers headers, Endpoint& endpoint, std::uint64_t seed,
         const std::atomic<bool>& stop, Failures& failures, DeviceLog& log)
      : user_(user),
        host_(std::move(host)),
        headers_(std::move(headers)),
        endpoint_(endpoint),
        rng_(seed),
        stop_(stop),
        failures_(failures),
        log_(log) {}

  void run() {
    auto head = request_until_answered("GET", "/v1/sync?mutationsSince=0&metadataOnly=true", "", headers_);
    if (!head) return;
    if (head->status != 200) return fail("head: " + std::to_string(head->status) + " " + head->body);
    std::int64_t last = num(head->json().at("data").at("lastMutationAt"));
    for (int b = 0; !stop_.load(); ++b) {
      if (!push_batch(b, last)) return;
    }
  }

 private:
  void fail(const std::string& what) { failures_.add("user" + std::to_string(user_) + ": " + what); }

  std::string tag(int batch, std::size_t item) const {
    return "u" + std::to_string(user_) + "/b" + std::to_string(batch) + "/i" + std::to_string(item);
  }

  // 5-20 mutations: new notes and collections, renames and sometimes a deletion of
  // collections made by earlier (acknowledged) batches, in a random order.
  std::vector<Planned> plan(int batch) {
    std::vector<Planned> out;
    const int notes = std::uniform_int_distribution(3, 10)(rng_);
    const int creates = std::uniform_int_distribution(1, 4)(rng_);
    std::vector<std::string> live;
    for (const auto& [id, name] : log_.collections) live.push_back(id);
    std::shuffle(live.begin(), live.end(), rng_);
    const int renames = std::min<int>(std::uniform_int_distribution(0, 4)(rng_), static_cast<int>(live.size()));
    const bool deletes = renames < static_cast<int>(live.size()) && std::uniform_int_distribution(0, 2)(rng_) == 0;
    for (int i = 0; i < notes; ++i) {
      out.push_back({Planned::kNoteCreate, "", "crash note " + tag(batch, out.size())});
    }
    for (int i = 0; i < creates; ++i) {
      const std::string t = tag(batch, out.size());
      std::string id = "c-" + t;
      std::replace(id.begin(), id.end(), '/', '-');
      out.push_back({Planned::kCollectionCreate, std::move(id), "collection " + t});
    }
    for (int i = 0; i < renames; ++i) {
      out.push_back({Planned::kCollectionUpdate, live[i], "collection " + live[i] + " renamed in b" +
                                                             std::to_string(batch)});
    }
    if (deletes) out.push_back({Planned::kCollectionDelete, live[renames], ""});
    std::shuffle(out.begin(), out.end(), rng_);
    return out;
  }

  static std::string encode(const std::vector<Planned>& plan) {
    json::array items;
    for (const auto& p : plan) {
      json::object m;
      switch (p.kind) {
        case Planned::kNoteCreate:
          m = {{"resource", "NOTE"}, {"type", "CREATE"}, {"data", {{"body", p.text}, {"ranges", {"1:1-1:7"}}}}};
          break;
        case Planned::kCollectionCreate:
          m = {{"resource", "COLLECTION"}, {"type", "CREATE"}, {"resourceId", p.id}, {"data", {{"name", p.text}}}};
          break;
        case Planned::kCollectionUpdate:
          m = {{"resource", "COLLECTION"}, {"type", "UPDATE"}, {"resourceId", p.id}, {"data", {{"name", p.text}}}};
          break;
        case Planned::kCollectionDelete:
          m = {{"resource", "COLLECTION"}, {"type", "DELETE"}, {"resourceId", p.id}};
          break;
      }
      items.push_back(std::move(m));
    }
    return json::serialize(json::object{{"mutations", std::move(items)}});
  }

  // Sends the request until it gets an answer, following the server across restarts; the same
  // bytes every time. Counts the requests that went unanswered in `lost`. nullopt: gave up
  // (already reported).
  std::optional<Response> request_until_answered(const std::string& method, const std::string& target,
                                                 const std::string& body, const Headers& headers,
                                                 int* lost = nullptr) {
    for (;;) {
      const auto at = endpoint_.current();
      if (!client_ || at.generation != client_generation_) {
        client_ = std::make_unique<HttpClient>(host_, at.port);
        // A request whose answer was lost must come back here, not be sent again silently.
        client_->set_resend_on_closed_connection(false);
        client_generation_ = at.generation;
      }
      Response r = client_->request(method, target, body, headers);
      if (r.status != 0) return r;
      client_.reset();
      if (lost) ++*lost;
      switch (endpoint_.await_successor(at.generation)) {
        case Endpoint::Wait::kRestarted:
          continue;
        case Endpoint::Wait::kNotKilled:
          fail(method + " " + target + " got no answer from a server nobody killed: " + r.transport_error);
          return std::nullopt;
        case Endpoint::Wait::kGaveUp:
          fail("the server did not come back after a kill");
          return std::nullopt;
      }
    }
  }

  // Pushes batch `b` at `last` until the server answers, and records what it acknowledged.
  bool push_batch(int b, std::int64_t& last) {
    const auto planned = plan(b);
    const std::string target = "/v1/sync?lastMutationAt=" + std::to_string(last);
    const std::string body = encode(planned);
    Headers headers = headers_;
    headers.emplace_back("Idempotency-Key", "crash-u" + std::to_string(user_) + "-b" + std::to_string(b));
    int lost = 0;
    auto r = request_until_answered("POST", target, body, headers, &lost);
    if (!r) return false;
    const std::string what = "batch " + std::to_string(b) + (lost ? " (retried)" : "");
    // A retry finds its key before anything else, so it cannot meet the 409 its stale target
    // would otherwise get: a 409 here means a lost batch was applied without its key.
    if (r->status != 200) {
      fail(what + ": " + std::to_string(r->status) + " " + r->body +
           (r->status == 409 && lost ? " (the retry did not find the key of the batch it repeats)" : ""));
      return false;
    }
    const bool replayed = r->header("idempotent-replayed") == "true";
    log_.lost_answers += lost;
    if (lost) {
      ++log_.retried_batches;
      ++(replayed ? log_.retried_replayed : log_.retried_applied);
    } else if (replayed) {
      fail(what + ": a first request with a fresh key was answered as a replay");
    }

    const auto parsed = r->json();
    const auto& data = parsed.at("data");
    const std::int64_t head = num(data.at("lastMutationAt"));
    if (head <= last) fail(what + ": the head went from " + std::to_string(last) + " to " + std::to_string(head));
    if (r->header("x-mutation-at") != std::to_string(head)) fail(what + ": X-Mutation-At is not the new head");
    const auto& acks = data.at("mutations").as_array();
    if (acks.size() != planned.size()) {
      fail(what + ": " + std::to_string(acks.size()) + " acks for " + std::to_string(planned.size()) + " mutations");
      return false;
    }
    std::int64_t previous_ts = last;
    std::vector<std::string> notes;
    for (std::size_t i = 0; i < planned.size(); ++i) {
      const auto& ack = acks[i];
      const auto& p = planned[i];
      const std::string id = str(ack.at("resourceId"));
      const std::int64_t ts = num(ack.at("timestamp"));
      if (ts <= previous_ts) fail(what + ": ack timestamps do not rise at mutation " + std::to_string(i));
      previous_ts = ts;
      if (p.kind != Planned::kNoteCreate && id != p.id) fail(what + ": acked " + id + " for " + p.id);
      switch (p.kind) {
        case Planned::kNoteCreate:
          log_.notes[id] = AckedNote{p.text, ts};
          notes.push_back(p.text);
          break;
        case Planned::kCollectionCreate:
        case Planned::kCollectionUpdate:
          log_.collections[p.id] = p.text;
          break;
        case Planned::kCollectionDelete:
          log_.collections.erase(p.id);
          log_.deleted_collections.insert(p.id);
          break;
      }
    }
    if (previous_ts != head) fail(what + ": the last ack's timestamp is not the new head");
    log_.batch_notes.push_back(std::move(notes));
    log_.heads.push_back(head);
    last = head;
    log_.acked.fetch_add(1);
    return true;
  }

  const int user_;
  const std::string host_;
  const Headers headers_;
  Endpoint& endpoint_;
  std::mt19937_64 rng_;
  const std::atomic<bool>& stop_;
  Failures& failures_;
  DeviceLog& log_;
  std::unique_ptr<HttpClient> client_;
  int client_generation_ = -1;
};

// Everything the server holds for a user: a capped pull from 0, following hasMore.
struct Pulled {
  std::vector<json::object> entries;
  std::int64_t head = 0;
};

Pulled pull_everything(HttpClient& client, const Headers& headers) {
  Pulled out;
  std::int64_t since = 0;
  for (int page = 0; page < 10000; ++page) {
    auto r = client.get("/v1/sync?mutationsSince=" + std::to_string(since), headers);
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return out;
    const auto body = r.json();
    const auto& data = body.at("data");
    for (const auto& m : data.at("mutations").as_array()) out.entries.push_back(m.as_object());
    const std::int64_t last = num(data.at("lastMutationAt"));
    if (!data.at("hasMore").as_bool()) {
      out.head = last;
      return out;
    }
    EXPECT_GT(last, since) << "a cut pull must move the cursor";
    if (last <= since) return out;
    since = last;
  }
  ADD_FAILURE() << "the pull never ended";
  return out;
}

class CrashTest : public ::testing::Test {
 protected:
  // No per-user rate limit: the devices push back to back on purpose.
  ServerProcess server_{std::vector<std::string>{"--rate-limit", "0", "--pull-cap", std::to_string(kPullCap)}};
};

TEST_F(CrashTest, KillsLoseNoAcknowledgedBatchAndRetriedBatchesApplyOnce) {
  const std::uint64_t seed = seed_for_this_run();
  std::printf("crash_test seed %llu (SYNCLOG_CRASH_SEED=%llu replays the schedule)\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  std::fflush(stdout);
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("SYNCLOG_CRASH_SEED=" + std::to_string(seed));

  std::vector<Headers> headers;
  for (int u = 0; u < kUsers; ++u) {
    headers.push_back(server_.auth("crash-user" + std::to_string(u), "phone-" + std::to_string(u)));
  }
  const std::string host = server_.host();
  Endpoint endpoint(server_.port());
  Failures failures;
  std::atomic<bool> stop{false};
  // Every log exists before any device starts: the vector must not move under a running one.
  std::vector<std::unique_ptr<DeviceLog>> logs;
  for (int u = 0; u < kUsers; ++u) logs.push_back(std::make_unique<DeviceLog>());
  std::vector<std::thread> devices;
  for (int u = 0; u < kUsers; ++u) {
    devices.emplace_back([&, u] {
      try {
        Device(u, host, headers[u], endpoint, seed + 1 + static_cast<std::uint64_t>(u), stop, failures,
               *logs[u])
            .run();
      } catch (const std::exception& e) {
        failures.add("user" + std::to_string(u) + ": " + e.what());
      }
    });
  }

  // The kills and restarts happen on this thread: the server dies with the thread that
  // started it (PR_SET_PDEATHSIG), which must outlive it.
  std::mt19937_64 schedule(seed);
  int kills = 0;
  try {
    for (; kills < kKills; ++kills) {
      const bool quick = std::uniform_int_distribution(1, kQuickKillOneIn)(schedule) == 1;
      const int delay_ms = quick ? std::uniform_int_distribution(0, kMaxQuickKillDelayMs)(schedule)
                                 : std::uniform_int_distribution(kMinKillDelayMs, kMaxKillDelayMs)(schedule);
      std::printf("kill %d after %d ms\n", kills + 1, delay_ms);
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      endpoint.mark_down();
      server_.kill9();
      server_.restart();
      auto ready = server_.client().get("/readyz");
      EXPECT_EQ(ready.status, 200) << "after restart " << kills + 1 << ": " << ready.body;
      endpoint.mark_up(server_.port());
    }
    std::vector<int> at_last_restart;
    for (const auto& log : logs) at_last_restart.push_back(log->acked.load());
    const auto deadline = std::chrono::steady_clock::now() + kProgressWait;
    for (int u = 0; u < kUsers; ++u) {
      while (logs[u]->acked.load() < at_last_restart[u] + kBatchesAfterLastRestart &&
             failures.list().empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(10ms);
      }
      EXPECT_GE(logs[u]->acked.load(), at_last_restart[u] + kBatchesAfterLastRestart)
          << "user" << u << " made no progress after the last restart";
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "after " << kills << " kills: " << e.what();
    endpoint.abandon();
  }
  stop = true;
  for (auto& t : devices) t.join();
  for (const auto& f : failures.list()) ADD_FAILURE() << f;
  ASSERT_TRUE(server_.running());

  int lost_total = 0;
  int retried_total = 0;
  for (int u = 0; u < kUsers; ++u) {
    SCOPED_TRACE("crash-user" + std::to_string(u));
    const DeviceLog& log = *logs[u];
    std::printf("crash-user%d: %zu batches, %zu notes, %zu collections (%zu deleted); %d answers lost, "
                "%d batches retried: %d applied by the retry, %d replayed\n",
                u, log.heads.size(), log.notes.size(), log.collections.size(), log.deleted_collections.size(),
                log.lost_answers, log.retried_batches, log.retried_applied, log.retried_replayed);
    lost_total += log.lost_answers;
    retried_total += log.retried_batches;
    ASSERT_FALSE(log.heads.empty());

    // Heads only rose, across every restart.
    for (std::size_t i = 1; i < log.heads.size(); ++i) {
      EXPECT_GT(log.heads[i], log.heads[i - 1]) << "batch " << i;
    }

    HttpClient client = server_.client();
    const Pulled pulled = pull_everything(client, headers[u]);
    EXPECT_EQ(pulled.head, log.heads.back());
    auto meta = client.get("/v1/sync?mutationsSince=0&metadataOnly=true", headers[u]);
    ASSERT_EQ(meta.status, 200) << meta.body;
    EXPECT_EQ(num(meta.json().at("data").at("lastMutationAt")), log.heads.back());

    std::map<std::string, std::vector<std::string>> note_ids_by_body;
    std::map<std::string, AckedNote> notes;  // what the server holds, by id
    std::map<std::string, std::string> collections;                   // live: id -> name
    std::set<std::string> collection_tombstones;
    std::int64_t previous_ts = 0;
    for (const auto& e : pulled.entries) {
      const std::int64_t ts = num(e.at("timestamp"));
      EXPECT_GT(ts, previous_ts) << "entries must ascend: " << json::serialize(e);
      EXPECT_LE(ts, log.heads.back()) << json::serialize(e);
      previous_ts = ts;
      const std::string resource = str(e.at("resource"));
      const std::string id = str(e.at("resourceId"));
      const bool deleted = e.at("type") == "DELETE";
      if (resource == "NOTE" && !deleted) {
        const std::string body = str(e.at("data").at("body"));
        note_ids_by_body[body].push_back(id);
        notes[id] = AckedNote{body, ts};
      } else if (resource == "COLLECTION") {
        if (deleted) {
          collection_tombstones.insert(id);
        } else {
          collections[id] = str(e.at("data").at("name"));
        }
      } else {
        ADD_FAILURE() << "nobody wrote this: " << json::serialize(e);
      }
    }

    // Every acknowledged note is there once, as acknowledged; no note nobody was told about.
    // (Problems are gathered and shown a few at a time: one broken batch breaks many notes.)
    std::vector<std::string> problems;
    for (const auto& [id, acked] : log.notes) {
      auto it = notes.find(id);
      if (it == notes.end()) {
        problems.push_back("acknowledged note " + id + " (" + acked.body + ") is missing");
      } else if (it->second.body != acked.body || it->second.ts != acked.ts) {
        problems.push_back("note " + id + " is \"" + it->second.body + "\" at " + std::to_string(it->second.ts) +
                           ", acknowledged as \"" + acked.body + "\" at " + std::to_string(acked.ts));
      }
    }
    for (const auto& [body, ids] : note_ids_by_body) {
      if (ids.size() > 1) problems.push_back("\"" + body + "\" is there " + std::to_string(ids.size()) + " times");
    }
    for (const auto& [id, note] : notes) {
      if (!log.notes.contains(id)) problems.push_back("note " + id + " (" + note.body + ") was never acknowledged");
    }
    // Batches are whole: all of a batch's notes or none (and here all: each got a 200).
    for (std::size_t b = 0; b < log.batch_notes.size(); ++b) {
      std::size_t present = 0;
      for (const auto& body : log.batch_notes[b]) present += note_ids_by_body.count(body);
      if (present == log.batch_notes[b].size()) continue;
      problems.push_back("acknowledged batch " + std::to_string(b) + (present ? " is half there: " : " is missing: ") +
                         std::to_string(present) + " of its " + std::to_string(log.batch_notes[b].size()) + " notes");
    }
    std::string shown;
    for (std::size_t i = 0; i < problems.size() && i < 10; ++i) shown += "\n  " + problems[i];
    EXPECT_TRUE(problems.empty()) << problems.size() << " problems with notes, the first:" << shown;

    // Collections have their latest acknowledged name; deleted ones are gone.
    EXPECT_EQ(collections, log.collections);
    for (const auto& id : log.deleted_collections) {
      EXPECT_EQ(collections.count(id), 0u) << id;
      EXPECT_EQ(collection_tombstones.count(id), 1u) << id;
    }
  }
  std::printf("%d kills, %d answers lost, %d batches retried\n", kills, lost_total, retried_total);
  RecordProperty("lost_answers", lost_total);
  RecordProperty("retried_batches", retried_total);
  // Devices push back to back, so each kill meets requests that get no answer.
  EXPECT_GT(retried_total, 0);

  // Every restart served the same data directory, and no request failed inside the server,
  // before or after any kill.
  const std::string events = server_.event_log();
  std::size_t starts = 0;
  for (auto at = events.find("\"event\":\"listening\""); at != std::string::npos;
       at = events.find("\"event\":\"listening\"", at + 1)) {
    ++starts;
  }
  EXPECT_EQ(starts, static_cast<std::size_t>(kills + 1)) << events;
  EXPECT_EQ(events.find("\"level\":\"error\""), std::string::npos) << events;
  EXPECT_EQ(events.find("internal"), std::string::npos) << events;
  const std::string requests = server_.access_log();
  EXPECT_EQ(requests.find("\"level\":\"error\""), std::string::npos);
}

}  // namespace
}  // namespace synclog::test
