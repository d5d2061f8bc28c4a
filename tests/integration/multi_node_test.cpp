// Several synclog nodes on one PostgreSQL database behind nginx (SPEC section 1; docs/deploy.md):
// the promises one node keeps must hold when requests of one user land on different nodes and
// a node dies with SIGKILL in the middle of the load.
//
// Three nodes share a database and a token secret; nginx balances round robin. Several users
// each have several devices (the SDK, each a local file) that create and edit notes and
// collections and sync all the time, a raw client that pushes notes without ids under
// Idempotency-Keys (a batch applied twice would show as two notes with one body), and a watcher
// that keeps asking any node for the head. One node is killed while all of that goes on. Then:
// nothing acknowledged is lost, nothing is applied twice, every head anyone saw only rose, and
// every device of a user holds exactly what the server holds.
//
// Runs in the PostgreSQL half of the suite only (a SQLite database belongs to one process).
#include "synclog/client/sync_engine.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "auth/secret_file.hpp"
#include "fault_proxy.hpp"
#include "http_client.hpp"
#include "listening_device.hpp"
#include "metric_wait.hpp"
#include "nginx_balancer.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"
#include "thread_failures.hpp"
#include "test_database.hpp"

namespace synclog::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using client::Listener;
using client::ListenOptions;
using client::LocalStore;
using client::Resource;
using client::SyncEngine;
using client::SyncOptions;

constexpr int kNodes = 3;
constexpr int kUsers = 4;
constexpr int kDevicesPerUser = 3;
constexpr int kRawNotesPerBatch = 5;
// Every device gets this many syncs done before the kill and as many after it, so the kill
// lands in the middle of real work and the survivors carry load afterwards.
constexpr int kSyncsBeforeKill = 8;
constexpr int kSyncsAfterKill = 8;
constexpr auto kProgressWait = 90s;


std::string note_json(const std::string& body) {
  return json::serialize(json::object{{"body", body}, {"ranges", json::array{"2:255-2:256"}}});
}

// A device: a local file and its engine, driven by one thread.
struct Device {
  std::string name;
  std::unique_ptr<LocalStore> store;
  std::unique_ptr<SyncEngine> engine;
  std::map<std::string, std::string> own_notes;  // id -> the body this device last typed
  std::atomic<int> syncs_ok{0};
  int syncs_failed = 0;
};

class MultiNodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto host = test_postgres_host();
    if (!host) GTEST_SKIP() << "several nodes share one database: PostgreSQL only (the .postgres run)";
    ASSERT_TRUE(dir_.ok()) << "cannot create a temporary directory";
    database_ = std::make_unique<TestDatabase>(*host);
    // Every node verifies the same tokens: one secret, copied into each node's data directory.
    const fs::path first = dir_.path() / "node0";
    ASSERT_TRUE(auth::load_or_create_secret(first).ok());
    for (int n = 0; n < kNodes; ++n) {
      const fs::path data = dir_.path() / ("node" + std::to_string(n));
      if (n > 0) {
        fs::create_directories(data);
        fs::copy_file(first / auth::kSecretFileName, data / auth::kSecretFileName);
        fs::permissions(data / auth::kSecretFileName, fs::perms::owner_read | fs::perms::owner_write);
      }
      nodes_.push_back(std::make_unique<ServerProcess>(
          std::vector<std::string>{"--db", database_->url(), "--rate-limit", "0"}, data));
    }
    std::vector<std::uint16_t> ports;
    for (auto& n : nodes_) ports.push_back(n->port());
    balancer_ = std::make_unique<NginxBalancer>(ports);
  }

  // A device of `user` that talks to `url` (the balancer's unless given).
  std::unique_ptr<Device> device(int user, int d, const std::string& url = {}) {
    auto dev = std::make_unique<Device>();
    dev->name = "u" + std::to_string(user) + "d" + std::to_string(d);
    auto store = LocalStore::open((dir_.path() / (dev->name + ".db")).string());
    if (!store.ok()) throw std::runtime_error(store.error().message);
    dev->store = std::move(*store);
    if (!dev->store->set_server_url(url.empty() ? balancer_->url() : url).ok() ||
        !dev->store->set_token(nodes_[0]->token(user_name(user))).ok()) {
      throw std::runtime_error("cannot configure " + dev->name);
    }
    SyncOptions options;
    // The per-user data across nodes: these tests count its pulls and streams exactly (the
    // spaces' stream would add a sync each time it opens).
    options.spaces = false;
    options.backoff_base = 20ms;
    options.backoff_cap = 500ms;
    options.request_timeout = 10s;
    options.max_attempts = 8;
    dev->engine = std::make_unique<SyncEngine>(*dev->store, options);
    return dev;
  }

  static std::string user_name(int user) { return "multinode-user-" + std::to_string(user); }

  Headers auth(int user, const std::string& client_id) const {
    return Headers{{"x-auth-token", nodes_[0]->token(user_name(user))}, {"x-client-id", client_id}};
  }

  // The user's live notes and collections as the server has them, through the balancer:
  // "NOTE/<id>" -> body, "COLLECTION/<id>" -> name.
  std::map<std::string, std::string> server_state(int user) {
    HttpClient http("127.0.0.1", balancer_->port());
    std::map<std::string, std::string> out;
    std::int64_t cursor = 0;
    for (;;) {
      const auto r = http.get("/v1/sync?mutationsSince=" + std::to_string(cursor) +
                                  "&resources=NOTE,COLLECTION",
                              auth(user, "checker"));
      if (r.status != 200) throw std::runtime_error("pull: " + std::to_string(r.status) + " " + r.body);
      const auto data = r.json().at("data").as_object();
      for (const auto& m : data.at("mutations").as_array()) {
        const auto& o = m.as_object();
        const std::string key = std::string(o.at("resource").as_string()) + "/" +
                                std::string(o.at("resourceId").as_string());
        if (o.at("type").as_string() == "DELETE") {
          out.erase(key);
          continue;
        }
        const auto& d = o.at("data").as_object();
        const auto* text = d.if_contains("body") ? d.if_contains("body") : d.if_contains("name");
        out[key] = text ? std::string(text->as_string()) : "";
      }
      cursor = data.at("lastMutationAt").to_number<std::int64_t>();
      if (!data.at("hasMore").as_bool()) return out;
    }
  }

  // The same view of what a device holds.
  static std::map<std::string, std::string> device_state(LocalStore& store) {
    std::map<std::string, std::string> out;
    for (Resource r : {Resource::kNote, Resource::kCollection}) {
      auto list = store.list(r);
      if (!list.ok()) throw std::runtime_error(list.error().message);
      for (const auto& rec : *list) {
        const auto o = json::parse(rec.data).as_object();
        const auto* text = o.if_contains("body") ? o.if_contains("body") : o.if_contains("name");
        out[std::string(r == Resource::kNote ? "NOTE/" : "COLLECTION/") + rec.id] =
            text ? std::string(text->as_string()) : "";
      }
    }
    return out;
  }

  static std::string node_url(const ServerProcess& node) {
    return "http://127.0.0.1:" + std::to_string(node.port());
  }

  // The node holding `streams` open change streams (by its /metrics), if exactly one does.
  std::optional<std::size_t> node_with_streams(int streams) {
    std::optional<std::size_t> found;
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      if (!nodes_[n]->running()) continue;
      if (wait_for_metric(*nodes_[n], "synclog_event_streams", streams, 0ms)) {
        if (found) return std::nullopt;
        found = n;
      }
    }
    return found;
  }

  // The GET /v1/sync requests of `client` over every node's access log.
  int pulls_of(const std::string& client) {
    int n = 0;
    for (auto& node : nodes_) n += client::logged_requests(*node, client, "GET", "/v1/sync");
    return n;
  }

  TempDir dir_;
  std::unique_ptr<TestDatabase> database_;
  std::vector<std::unique_ptr<ServerProcess>> nodes_;
  std::unique_ptr<NginxBalancer> balancer_;
};

// What a raw client pushed and what it was told.
struct RawLog {
  std::set<std::string> acked_bodies;   // in batches answered 200
  std::set<std::string> unanswered;     // in batches that never got an answer
  std::vector<std::int64_t> heads;      // lastMutationAt of each 200, in order
  int retried = 0;                      // batches that needed more than one request
  int replayed = 0;                     // ... whose answer was a stored one (Idempotent-Replayed)
};

// Pushes batches of notes without ids in conflictMode=field (so other devices' pushes never make
// it 409) under an Idempotency-Key, sending the same request again until it is answered. It
// talks through a fault proxy that loses some answers after the node applied the batch, so its
// retries (which nginx sends to the next node) must be answered from the stored response.
void raw_pusher(int user, HttpClient http, Headers headers, const std::atomic<bool>& stop,
                RawLog& log, Failures& failures) {
  std::int64_t head = -1;
  for (int batch = 0; !stop.load(); ++batch) {
    json::array mutations;
    std::vector<std::string> bodies;
    for (int i = 0; i < kRawNotesPerBatch; ++i) {
      bodies.push_back("raw u" + std::to_string(user) + " b" + std::to_string(batch) + " i" + std::to_string(i));
      mutations.push_back(json::object{{"type", "CREATE"}, {"resource", "NOTE"},
                                       {"data", json::parse(note_json(bodies.back()))}});
    }
    if (head < 0) {
      const auto r = http.get("/v1/sync?mutationsSince=0&metadataOnly=true", headers);
      if (r.status != 200) {
        std::this_thread::sleep_for(50ms);
        continue;
      }
      head = r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
    }
    const std::string target = "/v1/sync?conflictMode=field&lastMutationAt=" + std::to_string(head);
    const std::string body = json::serialize(json::object{{"mutations", mutations}});
    Headers with_key = headers;
    with_key.emplace_back("Idempotency-Key", "raw-u" + std::to_string(user) + "-b" + std::to_string(batch));
    Response r;
    int attempts = 0;
    const auto deadline = std::chrono::steady_clock::now() + kProgressWait;
    do {
      if (attempts++ > 0) std::this_thread::sleep_for(50ms);
      r = http.post(target, body, with_key);
    } while ((r.status == 0 || r.status >= 500) && std::chrono::steady_clock::now() < deadline);
    if (attempts > 1) ++log.retried;
    if (r.header("idempotent-replayed") == "true") ++log.replayed;
    if (r.status != 200) {
      for (auto& b : bodies) log.unanswered.insert(b);
      if (r.status != 0 && r.status < 500) {
        failures.add("raw u" + std::to_string(user) + ": " + std::to_string(r.status) + " " + r.body);
      }
      return;
    }
    const auto data = r.json().at("data").as_object();
    for (const auto& ack : data.at("mutations").as_array()) {
      if (ack.as_object().at("outcome").as_string() != "applied") {
        failures.add("raw u" + std::to_string(user) + ": a note create was not applied: " + json::serialize(ack));
      }
    }
    const std::int64_t acked = data.at("lastMutationAt").to_number<std::int64_t>();
    if (!log.heads.empty() && acked <= log.heads.back()) {
      failures.add("raw u" + std::to_string(user) + ": head " + std::to_string(acked) + " after " +
                   std::to_string(log.heads.back()));
    }
    log.heads.push_back(acked);
    head = acked;
    for (auto& b : bodies) log.acked_bodies.insert(b);
  }
}

// Asks any node for the user's head, again and again; each answer must be at least the last.
void head_watcher(int user, HttpClient http, Headers headers, const std::atomic<bool>& stop,
                  std::atomic<int>& answers, Failures& failures) {
  std::int64_t last = 0;
  while (!stop.load()) {
    const auto r = http.get("/v1/sync?mutationsSince=0&metadataOnly=true", headers);
    if (r.status != 200) {
      std::this_thread::sleep_for(20ms);
      continue;
    }
    const std::int64_t head = r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
    if (head < last) {
      failures.add("watcher u" + std::to_string(user) + ": head went from " + std::to_string(last) +
                   " to " + std::to_string(head));
    }
    last = head;
    answers.fetch_add(1);
    std::this_thread::sleep_for(5ms);
  }
}

// One round of a device's work: a new note, an edit of one of its earlier notes, sometimes a
// collection, then a sync (which may fail while a node dies; what is queued stays queued).
void device_round(Device& d, int round) {
  const std::string id = d.name + "-n" + std::to_string(round);
  const std::string body = d.name + " note " + std::to_string(round);
  if (!d.store->put(Resource::kNote, note_json(body), std::string_view(id)).ok()) {
    throw std::runtime_error(d.name + ": local put failed");
  }
  d.own_notes[id] = body;
  if (round >= 2) {
    const std::string old = d.name + "-n" + std::to_string(round - 2);
    const std::string edited = d.name + " note " + std::to_string(round - 2) + " edited";
    if (!d.store->put(Resource::kNote, note_json(edited), std::string_view(old)).ok()) {
      throw std::runtime_error(d.name + ": local edit failed");
    }
    d.own_notes[old] = edited;
  }
  if (round % 4 == 0) {
    const std::string coll = d.name + "-c" + std::to_string(round);
    const std::string payload = json::serialize(json::object{{"name", coll}});
    if (!d.store->put(Resource::kCollection, payload, std::string_view(coll)).ok()) {
      throw std::runtime_error(d.name + ": local collection failed");
    }
  }
  if (d.engine->sync().ok()) {
    d.syncs_ok.fetch_add(1);
  } else {
    ++d.syncs_failed;
  }
}

// Waits until `pred` holds or kProgressWait passes.
template <class Pred>
bool wait_for(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kProgressWait;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST_F(MultiNodeTest, ThreeNodesBehindNginxKeepEveryPromiseWhenOneIsKilledMidLoad) {
  std::vector<std::unique_ptr<Device>> devices;
  for (int u = 0; u < kUsers; ++u) {
    for (int d = 0; d < kDevicesPerUser; ++d) devices.push_back(device(u, d));
  }
  std::atomic<bool> stop{false};
  Failures failures;
  std::vector<RawLog> raw(kUsers);
  std::vector<std::atomic<int>> watched(kUsers);
  std::vector<std::thread> threads;
  for (auto& dev : devices) {
    threads.emplace_back([&, d = dev.get()] {
      try {
        for (int round = 0; !stop.load(); ++round) device_round(*d, round);
      } catch (const std::exception& e) {
        failures.add(e.what());
      }
    });
  }
  // Every third push of a raw client loses its answer on the way back.
  std::vector<std::unique_ptr<FaultProxy>> lossy;
  for (int u = 0; u < kUsers; ++u) {
    lossy.push_back(std::make_unique<FaultProxy>("127.0.0.1", balancer_->port()));
    lossy.back()->fault_matching(
        [n = std::make_shared<int>(0)](std::string_view method, std::string_view) {
          return method == "POST" && ++*n % 3 == 0;
        },
        Fault::drop_response());
  }
  for (int u = 0; u < kUsers; ++u) {
    HttpClient through_proxy("127.0.0.1", lossy[static_cast<std::size_t>(u)]->port());
    through_proxy.set_resend_on_closed_connection(false);
    threads.emplace_back(raw_pusher, u, std::move(through_proxy), auth(u, "raw"),
                         std::cref(stop), std::ref(raw[u]), std::ref(failures));
    threads.emplace_back(head_watcher, u, HttpClient("127.0.0.1", balancer_->port()), auth(u, "watcher"),
                         std::cref(stop), std::ref(watched[u]), std::ref(failures));
  }
  auto every_device_synced = [&](int n) {
    for (auto& d : devices)
      if (d->syncs_ok.load() < n) return false;
    return true;
  };

  const bool loaded = wait_for([&] { return every_device_synced(kSyncsBeforeKill); });
  const std::string killed_log_before = nodes_[1]->access_log();
  nodes_[1]->kill9();
  const bool carried_on = loaded && wait_for([&] { return every_device_synced(kSyncsBeforeKill + kSyncsAfterKill); });
  stop.store(true);
  for (auto& t : threads) t.join();
  ASSERT_TRUE(loaded) << "the devices made no progress before the kill";
  ASSERT_TRUE(carried_on) << "the devices made no progress on the two surviving nodes";
  for (const auto& f : failures.list()) ADD_FAILURE() << f;
  EXPECT_NE(killed_log_before.find("\"status\":200"), std::string::npos)
      << "the killed node had served nothing: the balancer did not spread the load";
  // What the kill did to the clients (it varies with where it lands), for the log.
  int syncs = 0, failed_syncs = 0, raw_batches = 0, raw_retried = 0, raw_replayed = 0;
  for (auto& d : devices) {
    syncs += d->syncs_ok.load();
    failed_syncs += d->syncs_failed;
  }
  for (auto& r : raw) {
    raw_batches += static_cast<int>(r.heads.size());
    raw_retried += r.retried;
    raw_replayed += r.replayed;
  }
  std::printf("multi-node load: %d device syncs (%d failed and were retried later), %d raw batches "
              "(%d needed more than one request, %d answered from the stored response)\n",
              syncs, failed_syncs, raw_batches, raw_retried, raw_replayed);
  // The lost answers were of batches the nodes had applied: their retries must have been
  // answered from the stored response, on whichever node they reached.
  EXPECT_GT(raw_replayed, 0);

  // Settle: every device syncs until its queue is empty, then once more to pull the others.
  for (int pass = 0; pass < 2; ++pass) {
    for (auto& d : devices) {
      for (int attempt = 0; attempt < 5; ++attempt) {
        if (d->engine->sync().ok() && *d->store->queue_length() == 0) break;
      }
    }
  }

  for (int u = 0; u < kUsers; ++u) {
    SCOPED_TRACE("user " + std::to_string(u));
    const auto server = server_state(u);
    std::map<std::string, int> bodies;  // note body -> how many notes have it
    for (const auto& [key, text] : server) {
      if (key.starts_with("NOTE/")) ++bodies[text];
    }
    // Nothing acknowledged lost, nothing applied twice: the raw client's notes.
    for (const auto& b : raw[u].acked_bodies) EXPECT_EQ(bodies[b], 1) << "acknowledged note \"" << b << "\"";
    for (const auto& b : raw[u].unanswered) EXPECT_LE(bodies[b], 1) << "unanswered note \"" << b << "\"";
    EXPECT_GT(watched[u].load(), 0);
    for (int d = 0; d < kDevicesPerUser; ++d) {
      Device& dev = *devices[static_cast<std::size_t>(u * kDevicesPerUser + d)];
      SCOPED_TRACE(dev.name);
      EXPECT_EQ(*dev.store->queue_length(), 0);
      // Every note the device typed is on the server as it last typed it.
      for (const auto& [id, body] : dev.own_notes) {
        const auto it = server.find("NOTE/" + id);
        ASSERT_NE(it, server.end()) << id << " is lost";
        EXPECT_EQ(it->second, body) << id;
      }
      // The devices converge: each holds exactly what the server holds.
      EXPECT_EQ(device_state(*dev.store), server);
    }
  }
}

TEST_F(MultiNodeTest, ADeviceHearsPushesMadeThroughOtherNodesAndFollowsItsStreamWhenItsNodeDies) {
  // B listens through the balancer; A pushes through each node in turn, so most of its pushes
  // reach B's node only as the database's notifications.
  auto b = device(0, 1);
  ASSERT_TRUE(b->engine->sync().ok());
  const std::string b_client = *b->store->client_id();
  ListenOptions options;
  options.reconnect_delay = 100ms;
  Listener listening(*b->engine, options);
  std::optional<std::size_t> stream_node;
  ASSERT_TRUE(wait_for([&] { return (stream_node = node_with_streams(1)).has_value(); }));

  int pushes = 0;
  for (std::size_t n = 0; n < nodes_.size(); ++n) {
    auto a = device(0, 100 + static_cast<int>(n), node_url(*nodes_[n]));
    a->store->put(Resource::kNote, note_json("through node " + std::to_string(n)),
                  std::string_view("via-node-" + std::to_string(n))).status().ignore();
    ASSERT_TRUE(listening.hears_push_of(*a->engine)) << "a push through node " << n;
    ++pushes;
  }
  // B pulled only when told: once before listening, then once per push it heard.
  EXPECT_EQ(pulls_of(b_client), 1 + pushes);

  // B's node dies. B's stream breaks, B reconnects through the balancer to a survivor, and
  // hears the next push (made through yet another node) without polling.
  const std::size_t killed = *stream_node;
  nodes_[killed]->kill9();
  std::optional<std::size_t> new_stream_node;
  ASSERT_TRUE(wait_for([&] { return (new_stream_node = node_with_streams(1)).has_value(); }))
      << "B did not reconnect to a surviving node";
  EXPECT_NE(*new_stream_node, killed);
  const std::size_t writer_node = (killed + 1) % nodes_.size() == *new_stream_node
                                      ? (killed + 2) % nodes_.size()
                                      : (killed + 1) % nodes_.size();
  auto a = device(0, 200, node_url(*nodes_[writer_node]));
  a->store->put(Resource::kNote, note_json("after the kill"), std::string_view("after-kill")).status().ignore();
  ASSERT_TRUE(listening.hears_push_of(*a->engine));
  ASSERT_TRUE(listening.stop().ok());
  EXPECT_TRUE(listening.failures().empty());
  // Still no polling on the survivors: one more pull, for the one more push. (The killed node's
  // log holds the pulls it served; it is read from the file the dead process left.)
  EXPECT_EQ(pulls_of(b_client), 1 + pushes + 1);

  // B converged: it holds what the server holds.
  EXPECT_EQ(device_state(*b->store), server_state(0));
  EXPECT_EQ(device_state(*b->store).count("NOTE/after-kill"), 1u);
}

}  // namespace
}  // namespace synclog::test
