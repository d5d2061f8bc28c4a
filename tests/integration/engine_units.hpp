// What the tests of the sync engine's units share (puller_test.cpp, pusher_test.cpp): one unit
// under test, an EngineContext over a device file with its Puller and Pusher, driven directly
// (no SyncEngine), against the real App and store in-process (in_process_server.hpp), with the
// manual clocks and the other device of the fault loops (fault_loop.hpp) to seed the server.
//
// The unit's requests go through a RecordingTransport (every request and what came back) over a
// FaultyTransport (faults at chosen requests), and its file has a second, read-only handle, the
// observer: a second SQLite connection sees committed state only, so what the observer reads
// from inside an event or progress callback is what the file held when the app heard of it.
#pragma once

#include "synclog/client/local_store.hpp"
#include "synclog/client/sync_engine.hpp"
#include "synclog/client/transport.hpp"

#include "client/engine_context.hpp"
#include "client/puller.hpp"
#include "client/pusher.hpp"
#include "client/sync_queue.hpp"
#include "client/sync_wire.hpp"
#include "fault_loop.hpp"
#include "faulty_transport.hpp"
#include "in_process_server.hpp"
#include "storage/postgres/pg_store.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "temp_dir.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace synclog::test::engine_units {

namespace json = boost::json;

// One request the unit sent and what came back: an answer, or the transport's error.
struct Exchange {
  client::HttpRequest request;
  std::optional<client::HttpResponse> response;
  std::string error;

  std::string header(std::string_view name) const {
    for (const auto& [k, v] : request.headers) {
      if (k == name) return v;
    }
    return "";
  }
  int status() const { return response ? response->status : 0; }
  // The answer's body, or the transport's error: for a failure message.
  std::string text() const { return response ? response->body : "(no answer: " + error + ")"; }
};

// Records every request sent through it (also those the transport below then fails) and its
// outcome. `before_send` runs before each request goes on.
class RecordingTransport final : public client::Transport {
 public:
  explicit RecordingTransport(std::shared_ptr<client::Transport> inner)
      : inner_(std::move(inner)) {}

  Result<client::HttpResponse> send(const client::HttpRequest& request) override {
    if (before_send) before_send(request);
    auto r = inner_->send(request);
    Exchange e;
    e.request = request;
    if (r.ok()) {
      e.response = *r;
    } else {
      e.error = r.error().message;
    }
    exchanges.push_back(std::move(e));
    return r;
  }
  Result<std::unique_ptr<client::ResponseStream>> open_stream(const client::HttpRequest& request,
                                                              std::stop_token stop) override {
    return inner_->open_stream(request, std::move(stop));
  }

  // The exchanges whose request is `method` (in order).
  std::vector<Exchange> of(std::string_view method) const {
    std::vector<Exchange> out;
    for (const auto& e : exchanges) {
      if (e.request.method == method) out.push_back(e);
    }
    return out;
  }

  std::function<void(const client::HttpRequest&)> before_send;
  std::vector<Exchange> exchanges;

 private:
  std::shared_ptr<client::Transport> inner_;
};

// What an event or a progress report found in the file (through the observer) when it was told.
struct Seen {
  std::int64_t cursor = -1;
  std::int64_t queued = -1;
  std::int64_t conflicts = -1;  // rows in the conflict log
  std::optional<client::LocalRecord> record;  // the event's record; unset for progress
};

// The unit under test: a device file, its EngineContext, Puller and Pusher.
struct Unit {
  Unit(const std::string& path, const std::string& token, client::SyncOptions sync_options,
       std::shared_ptr<client::Transport> server) {
    faulty = std::make_shared<FaultyTransport>(std::move(server));
    wire = std::make_shared<RecordingTransport>(faulty);
    sync_options.transport = wire;
    client::LocalStore::Options o;
    o.clock = sync_options.clock;
    o.before_commit = commits.before_commit();
    auto s = client::LocalStore::open(path, o);
    if (!s.ok()) throw std::runtime_error(path + ": " + s.error().message);
    store = std::move(*s);
    if (!store->set_token(token).ok()) throw std::runtime_error("cannot set the token");
    auto obs = client::LocalStore::open(path);
    if (!obs.ok()) throw std::runtime_error(path + " (observer): " + obs.error().message);
    observer = std::move(*obs);
    ctx = std::make_unique<client::EngineContext>(*store, std::move(sync_options));
    puller = std::make_unique<client::Puller>(*ctx);
    pusher = std::make_unique<client::Pusher>(*ctx, *puller);
    ctx->event_cb = [this](const client::SyncEvent& e) {
      events.push_back(e);
      Seen seen = observe();
      auto rec = observer->get(e.resource, e.id);
      if (rec.ok()) seen.record = *rec;
      seen_at_events.push_back(std::move(seen));
    };
    ctx->progress_cb = [this](const client::SyncProgress& p) {
      progress.push_back(p);
      seen_at_progress.push_back(observe());
    };
  }

  // The committed state, read through the second handle.
  Seen observe() const {
    Seen seen;
    if (auto c = observer->cursor(); c.ok()) seen.cursor = *c;
    if (auto q = observer->queue_length(); q.ok()) seen.queued = *q;
    if (auto c = observer->conflicts(); c.ok()) seen.conflicts = static_cast<std::int64_t>(c->size());
    return seen;
  }

  client::SyncQueue& queue() { return ctx->store; }
  // begin_sync(), failing the test's run when it fails.
  void begin() {
    const Status s = ctx->begin_sync();
    if (!s.ok()) throw std::runtime_error("begin_sync: " + s.message());
  }
  void put(client::Resource r, std::string_view data, std::string_view id) {
    auto put = store->put(r, data, id);
    if (!put.ok()) {
      throw std::runtime_error("put " + fault_loop::Device::key_of(r, id) + ": " +
                               put.error().message);
    }
  }
  std::optional<client::LocalRecord> get(client::Resource r, std::string_view id) {
    auto got = store->get(r, id);
    if (!got.ok()) throw std::runtime_error(got.error().message);
    return *got;
  }
  std::int64_t cursor() { return *store->cursor(); }
  // The events told for one record.
  std::vector<client::SyncEvent> events_for(std::string_view id) const {
    std::vector<client::SyncEvent> out;
    for (const auto& e : events) {
      if (e.id == id) out.push_back(e);
    }
    return out;
  }

  CommitFaults commits;
  std::shared_ptr<FaultyTransport> faulty;
  std::shared_ptr<RecordingTransport> wire;
  std::unique_ptr<client::LocalStore> store;
  std::unique_ptr<client::LocalStore> observer;
  std::unique_ptr<client::EngineContext> ctx;
  std::unique_ptr<client::Puller> puller;
  std::unique_ptr<client::Pusher> pusher;
  std::vector<client::SyncEvent> events;
  std::vector<Seen> seen_at_events;
  std::vector<client::SyncProgress> progress;
  std::vector<Seen> seen_at_progress;
};

// A NOTE's data (the server wants a body of 6+ characters and a range).
inline std::string note(const std::string& body, const std::string& ranges = "1:1-1:7") {
  return R"({"body":")" + body + R"(","ranges":[")" + ranges + R"("]})";
}

inline json::value parse(std::string_view text) { return json::parse(text); }

// A field of a record's data, as JSON text ("" when absent).
inline std::string field_of(std::string_view data, std::string_view field) {
  const json::value v = json::parse(data);
  const auto* f = v.as_object().if_contains(field);
  return f ? json::serialize(*f) : "";
}

// The resourceIds (COLLECTION_BOOKMARK: "<collectionId>-<bookmarkId>") and types of a push body,
// in order: "NOTE/n1 CREATE".
inline std::vector<std::string> pushed_items(std::string_view body) {
  std::vector<std::string> out;
  const json::value v = json::parse(body);
  for (const auto& item : v.at("mutations").as_array()) {
    const auto& o = item.as_object();
    std::string id;
    if (const auto* rid = o.if_contains("resourceId")) {
      id = std::string(rid->as_string());
    } else {
      const auto& d = o.at("data").as_object();
      id = std::string(d.at("collectionId").as_string()) + "-" +
           std::string(d.at("bookmarkId").as_string());
    }
    out.push_back(std::string(o.at("resource").as_string()) + "/" + id + " " +
                  std::string(o.at("type").as_string()));
  }
  return out;
}

// The fixture: the server (its clock standing still), a user, the unit's and the other device's
// clocks, and the files.
class EngineUnitTest : public ::testing::Test {
 protected:
  explicit EngineUnitTest(int pull_cap = 10000)
      : server_(server_options(server_clock_, pull_cap)), token_(server_.token_for(kUser)) {}

  static InProcessServerOptions server_options(const Clock& clock, int pull_cap) {
    InProcessServerOptions o;
    o.clock = &clock;
    o.app.pull_cap = pull_cap;
    return o;
  }

  // The unit on a fresh file. `attempts`: SyncOptions::max_attempts (1: a failed request ends
  // the call); `field_mode`: SyncOptions::field_mode.
  std::unique_ptr<Unit> unit(const std::string& name = "unit", int attempts = 6,
                             bool field_mode = true) {
    client::SyncOptions o = fault_loop::fast_options(attempts, nullptr, &device_clock_);
    o.field_mode = field_mode;
    o.spaces = false;
    auto u = std::make_unique<Unit>(dir_.file(name + ".db"), token_, std::move(o),
                                    server_.transport());
    u->begin();
    return u;
  }

  // Another device of the same user, a whole SyncEngine: what it pushes seeds the server.
  std::unique_ptr<fault_loop::Device> other(const std::string& name = "other") {
    client::SyncOptions o = fault_loop::fast_options(6, server_.transport(), &other_clock_);
    o.spaces = false;
    return std::make_unique<fault_loop::Device>(dir_.file(name + ".db"), token_, std::move(o));
  }

  // The other device's sync, failing the test's run when it fails.
  static void sync(fault_loop::Device& d) {
    auto r = d.engine->sync();
    if (!r.ok()) throw std::runtime_error(d.path + ": sync: " + r.error().message);
  }

  // A GET of the unit's user through a transport of the test's own.
  client::HttpResponse get(const std::string& target) {
    client::HttpRequest req;
    req.target = target;
    req.headers = {{"x-auth-token", token_}, {"x-client-id", "checker"}};
    auto r = server_.transport()->send(req);
    if (!r.ok()) throw std::runtime_error("GET " + target + ": " + r.error().message);
    return *r;
  }

  // The server's head for the user.
  std::int64_t head() {
    auto r = get("/v1/sync?mutationsSince=0&metadataOnly=true");
    if (r.status != 200) throw std::runtime_error("head: " + r.body);
    auto h = client::parse_head(r.body);
    if (!h.ok()) throw std::runtime_error(h.error().message);
    return *h;
  }

  // The server's records, "RESOURCE/id" -> data: a full pull from 0 following hasMore.
  std::map<std::string, json::value> server_records() {
    std::map<std::string, json::value> out;
    std::int64_t since = 0;
    for (;;) {
      auto r = get("/v1/sync?mutationsSince=" + std::to_string(since) +
                   "&resources=BOOKMARK,COLLECTION,COLLECTION_BOOKMARK,NOTE,READING_SESSION");
      if (r.status != 200) throw std::runtime_error("pull: " + r.body);
      auto page = client::parse_pull(r.body);
      if (!page.ok()) throw std::runtime_error(page.error().message);
      for (const auto& e : page->entries) {
        const std::string key = fault_loop::Device::key_of(e.resource, e.id);
        if (e.data) {
          out[key] = json::parse(*e.data);
        } else {
          out.erase(key);
        }
      }
      if (!page->has_more || page->last_mutation_at == since) return out;
      since = page->last_mutation_at;
    }
  }

  // Runs the server's retention pass now (the background one waits a day in-process); returns
  // the rows it removed. Tombstones older than the default 90 days go: move server_clock_ first.
  std::int64_t purge_now() {
    Result<std::int64_t> purged = make_error(ErrorCode::kInternal, "unknown store");
    if (auto* s = dynamic_cast<storage::sqlite::SqliteStore*>(&server_.store())) {
      purged = s->test_purge_now();
    } else if (auto* p = dynamic_cast<storage::postgres::PgStore*>(&server_.store())) {
      purged = p->test_purge_now();
    }
    if (!purged.ok()) throw std::runtime_error("purge: " + purged.error().message);
    return *purged;
  }

  // The device's records in the same form.
  static std::map<std::string, json::value> device_records(client::LocalStore& store) {
    std::map<std::string, json::value> out;
    for (client::Resource r : client::kAllResources) {
      auto records = store.list(r);
      if (!records.ok()) throw std::runtime_error(records.error().message);
      for (const auto& rec : *records) {
        out[fault_loop::Device::key_of(r, rec.id)] = json::parse(rec.data);
      }
    }
    return out;
  }

  static constexpr const char* kUser = "reader";
  ManualClock server_clock_{fault_loop::kServerMs};
  ManualClock device_clock_{fault_loop::kDevicesStartMs};  // the unit's
  ManualClock other_clock_{fault_loop::kDevicesStartMs};   // the other device's
  InProcessServer server_;
  std::string token_;
  TempDir dir_;
};

}  // namespace synclog::test::engine_units
