// The load generator's workloads against a CouchDB-compatible peer (pouchdb-server): synclog's
// push, first sync, poll and stale push done in CouchDB's own protocol, over the same HTTP
// client, with the same documents and the same figures as synclog_workloads.cpp, so that the
// two sets of lines in the results file can be set side by side.
//
// Each device has a database of its own, CouchDB's usual shape for per-user data (synclog's
// equivalent is a user each). Databases are never deleted: synclog keeps its users' data too.
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http_client.hpp"
#include "peer_workloads.hpp"

namespace synclog::bench {
namespace {

using test::HttpClient;
using test::Response;

constexpr int kBatch = 100;
// Requests of the first sync's seeding carry this many of synclog's batches at once: seeding
// is not measured, and fewer round trips make it shorter.
constexpr int kSeedBatchesPerRequest = 10;
// Distinct databases per run: each workload's devices start with empty databases.
int g_run = 0;

// Names are unique per process too (CouchDB answers 412 to the PUT of an existing database), so
// that the load generator can run twice against one server. CouchDB allows [a-z0-9_$()+-/] only.
const std::string& process_tag() {
  static const std::string tag = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  return tag;
}

std::string db_name(const char* workload, int device) {
  return std::string(workload) + "-" + process_tag() + "-" + std::to_string(g_run) + "-" + std::to_string(device);
}

[[noreturn]] void fail(const std::string& what, const Response& r) {
  throw std::runtime_error(what + ": " + std::to_string(r.status) + " " + r.transport_error + " " +
                           r.body.substr(0, 300));
}

void create_db(HttpClient& c, const std::string& db) {
  auto r = c.request("PUT", "/" + db);
  if (r.status != 201) fail("PUT /" + db, r);
}

std::int64_t count_of(std::string_view body, std::string_view needle) {
  std::int64_t n = 0;
  for (auto pos = body.find(needle); pos != std::string_view::npos; pos = body.find(needle, pos + needle.size())) ++n;
  return n;
}

// Percent-encodes all but RFC 3986's unreserved characters: a sequence may be any string.
std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || ch == '-' || ch == '_' ||
        ch == '.' || ch == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// One note, with the fields and about the size of the data of synclog's NOTE create (see
// note_batch in synclog_workloads.cpp), plus the `type` a CouchDB app keeps its kinds of
// document apart by (synclog's mutation names its resource instead). `rev` empty: a new document.
void append_note(std::string& out, const std::string& id, const std::string& rev, const std::string& label, int i) {
  const int surah = 1 + (i % 114);
  out += R"({"_id":")" + id + '"';
  if (!rev.empty()) out += R"(,"_rev":")" + rev + '"';
  out += R"(,"type":"note","body":"Reflection )" + label + R"( on this passage","ranges":[")" +
         std::to_string(surah) + ":1-" + std::to_string(surah) +
         R"(:1"],"clientCreatedAt":"2026-05-19T10:15:30.000Z"})";
}

// The 100 new notes of batch `batch` of `device`, without the enclosing array. The app chooses
// the ids, as PouchDB apps do (PouchDB's guide prefers put() with an _id of the app's own to
// post()); they are unique per database because the batch number is in them.
void append_new_notes(std::string& out, int device, std::int64_t batch) {
  const std::string prefix = std::to_string(device) + "-" + std::to_string(batch) + "-";
  for (int i = 0; i < kBatch; ++i) {
    if (i) out += ',';
    append_note(out, "note-" + prefix + std::to_string(i), "", prefix + std::to_string(i), i);
  }
}

std::string new_notes_body(int device, std::int64_t batch) {
  std::string body = R"({"docs":[)";
  append_new_notes(body, device, batch);
  return body + "]}";
}

// 100 notes with ids f0..f99, carrying `revs[i]` (none: created), their body marked with `mark`.
std::string fixed_notes_body(const std::vector<std::string>& revs, const std::string& mark) {
  std::string body = R"({"docs":[)";
  for (int i = 0; i < kBatch; ++i) {
    if (i) body += ',';
    const auto idx = static_cast<std::size_t>(i);
    append_note(body, "f" + std::to_string(i), revs.empty() ? "" : revs[idx], mark + "-" + std::to_string(i), i);
  }
  return body + "]}";
}

// _bulk_docs answers 201 even when documents fail; each failure is an item with "error" in place
// of "ok":true. Counting the successes is a string search: cheap beside the request, so every
// answer is checked.
void expect_written(const Response& r, std::int64_t docs, const char* what) {
  if (r.status != 201) fail(what, r);
  if (count_of(r.body, R"("ok":true)") != docs || r.body.find(R"("error")") != std::string::npos) {
    fail(std::string(what) + " (expected " + std::to_string(docs) + " documents written)", r);
  }
}

// The new revision of each of the 100 fixed notes f0..f99, from a _bulk_docs answer (parsed:
// this is setup, not measured). Items are matched by id: pouchdb-server does not keep the
// request's order in its answer, although CouchDB does.
std::vector<std::string> revs_of(const Response& r, const char* what) {
  expect_written(r, kBatch, what);
  std::vector<std::string> revs(kBatch);
  const boost::json::value answer = r.json();
  for (const auto& v : answer.as_array()) {
    const auto& item = v.as_object();
    const std::string_view id = item.at("id").as_string();
    const int i = id.size() > 1 && id[0] == 'f' ? std::stoi(std::string(id.substr(1))) : -1;
    if (i < 0 || i >= kBatch || !revs[static_cast<std::size_t>(i)].empty()) {
      fail(std::string(what) + " (unexpected id " + std::string(id) + ")", r);
    }
    revs[static_cast<std::size_t>(i)] = std::string(item.at("rev").as_string());
  }
  return revs;
}

// The last_seq of a _changes answer, as the text to send back as `since`. It is a number in
// pouchdb-server and a string in CouchDB 2 and later: opaque either way, a string is passed
// without its quotes (sequence strings hold no escapes).
std::string last_seq_of(const Response& r) {
  static const std::string kKey = "\"last_seq\":";
  auto pos = r.body.rfind(kKey);
  if (pos == std::string::npos) fail("_changes (no last_seq)", r);
  pos += kKey.size();
  while (pos < r.body.size() && r.body[pos] == ' ') ++pos;
  if (pos < r.body.size() && r.body[pos] == '"') {
    const auto end = r.body.find('"', pos + 1);
    if (end == std::string::npos) fail("_changes (unterminated last_seq)", r);
    return r.body.substr(pos + 1, end - pos - 1);
  }
  const auto end = r.body.find_first_of(",} \r\n", pos);
  if (end == std::string::npos || end == pos) fail("_changes (bad last_seq)", r);
  return r.body.substr(pos, end - pos);
}

// Pushes until `deadline`; returns documents written.
std::int64_t push_until(HttpClient& c, const std::string& db, int device, Clock::time_point deadline,
                        Latencies& lat) {
  const std::string target = "/" + db + "/_bulk_docs";
  // The body is built inside the timed part, as synclog's push builds its own.
  return repeat_until(deadline, lat, [&](std::int64_t b) {
    expect_written(c.post(target, new_notes_body(device, b)), kBatch, "push");
    return std::int64_t{kBatch};
  });
}

}  // namespace

// Plain _bulk_docs, as an app writing to CouchDB itself does. PouchDB's replicator would ask
// _revs_diff first and send the documents with their revision histories (new_edits=false), a
// round trip more per batch: this is the peer's cheaper way to write.
void couch_push(const PeerTarget& t) {
  for (int n : t.clients) {
    ++g_run;
    std::vector<HttpClient> clients;
    std::vector<std::string> dbs;
    for (int i = 0; i < n; ++i) {
      clients.emplace_back(t.host, t.port);
      dbs.push_back(db_name("push", i));
      create_db(clients.back(), dbs.back());
    }
    const auto deadline = Clock::now() + t.duration;
    auto run = run_clients(n, [&](int i, Latencies& lat) {
      const auto idx = static_cast<std::size_t>(i);
      return push_until(clients[idx], dbs[idx], i, deadline, lat);
    });
    // A document written is what synclog counts as a mutation applied.
    print_run("push (documents/s)", n, run, 1, "mutations/s");
    t.results->add_run("push", n, run, 1, "mutations/s");
    t.results->add("push", n, "batches", run.rate() / kBatch, "batches/s");
  }
}

void couch_first_sync(const PeerTarget& t, std::int64_t entries, int page, int repeats) {
  ++g_run;
  HttpClient c(t.host, t.port);
  const std::string db = db_name("pull", 0);
  create_db(c, db);
  // The same documents synclog's first sync is seeded with: device 0's batches 0, 1, ...
  const std::int64_t batches = entries / kBatch;
  const auto seed_start = Clock::now();
  for (std::int64_t b = 0; b < batches; b += kSeedBatchesPerRequest) {
    const std::int64_t end = std::min(batches, b + kSeedBatchesPerRequest);
    std::string body = R"({"docs":[)";
    for (std::int64_t k = b; k < end; ++k) {
      if (k != b) body += ',';
      append_new_notes(body, 0, k);
    }
    body += "]}";
    expect_written(c.post("/" + db + "/_bulk_docs", body), (end - b) * kBatch, "seeding _bulk_docs");
  }
  const double seed_secs = std::chrono::duration<double>(Clock::now() - seed_start).count();
  std::printf("first-sync seeded %lld documents in %.2f s\n", static_cast<long long>(entries), seed_secs);
  std::fflush(stdout);

  // What a replicating client reads: the changes feed with the documents in it, page by page.
  const std::string prefix = "/" + db + "/_changes?include_docs=true&limit=" + std::to_string(page) + "&since=";
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    std::string since = "0";
    std::int64_t got = 0;
    const auto start = Clock::now();
    for (;;) {
      auto resp = c.get(prefix + url_encode(since));
      if (resp.status != 200) fail("_changes", resp);
      // Each result has a "seq" (last_seq's key has an underscore before it, not a quote).
      const std::int64_t n = count_of(resp.body, R"("seq":)");
      got += n;
      // pouchdb-server sends no `pending`: a short page is the last one (a full last page costs
      // one more, empty, request). PouchDB's replicator always asks until a page is empty.
      if (n < page) break;
      since = last_seq_of(resp);
    }
    times.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    if (got != entries) {
      throw std::runtime_error("_changes returned " + std::to_string(got) + " documents, expected " +
                               std::to_string(entries));
    }
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  std::printf("%-24s %lld entries by pages of %d: %9.0f entries/s, median %.3f s, best %.3f s (%d runs)\n",
              "first-sync", static_cast<long long>(entries), page, static_cast<double>(entries) / median, median,
              times.front(), repeats);
  std::fflush(stdout);
  t.results->add("first-sync", 1, "rate", static_cast<double>(entries) / median, "entries/s");
  t.results->add("first-sync", 1, "seconds", median, "s");
  t.results->add("first-sync", 1, "best", times.front(), "s");
}

void couch_polls(const PeerTarget& t) {
  for (int n : t.clients) {
    ++g_run;
    {
      HttpClient setup(t.host, t.port);
      for (int i = 0; i < n; ++i) create_db(setup, db_name("poll", i));
    }
    const auto deadline = Clock::now() + t.duration;
    auto run = run_clients(n, [&](int i, Latencies& lat) {
      HttpClient c(t.host, t.port);
      const std::string target = "/" + db_name("poll", i);
      static const std::string kKey = "\"update_seq\":";
      return repeat_until(deadline, lat, [&](std::int64_t) {
        auto r = c.get(target);
        // The app finds update_seq to compare it with the one it holds, as synclog's poll
        // reads X-Mutation-At.
        if (r.status != 200 || r.body.find(kKey) == std::string::npos) {
          fail("GET " + target + " (expected update_seq)", r);
        }
        return std::int64_t{1};
      });
    });
    print_run("poll (database info)", n, run, 1, "polls/s");
    t.results->add_run("poll", n, run, 1, "requests/s");
  }
}

void couch_stale_updates(const PeerTarget& t) {
  for (int n : t.clients) {
    ++g_run;
    std::vector<HttpClient> clients;
    std::vector<std::string> targets;
    std::vector<std::string> stale_bodies;
    for (int i = 0; i < n; ++i) {
      clients.emplace_back(t.host, t.port);
      HttpClient& c = clients.back();
      const std::string db = db_name("stale", i);
      create_db(c, db);
      targets.push_back("/" + db + "/_bulk_docs");
      const auto first = revs_of(c.post(targets.back(), fixed_notes_body({}, "first")), "creating the notes");
      // Another device's edit replaces every revision this one holds...
      revs_of(c.post(targets.back(), fixed_notes_body(first, "other")), "the other device's edit");
      // ...so each later edit made from `first` is refused.
      stale_bodies.push_back(fixed_notes_body(first, "mine"));
    }
    const auto deadline = Clock::now() + t.duration;
    auto run = run_clients(n, [&](int i, Latencies& lat) {
      const auto idx = static_cast<std::size_t>(i);
      return repeat_until(deadline, lat, [&](std::int64_t) {
        auto r = clients[idx].post(targets[idx], stale_bodies[idx]);
        // CouchDB's refusal is per document, in a 201 answer: synclog's 409 for the batch is
        // the same news. A string count checks every item of every answer.
        if (r.status != 201 || count_of(r.body, R"("error":"conflict")") != kBatch) {
          fail("stale _bulk_docs (expected 100 conflicts)", r);
        }
        return std::int64_t{1};
      });
    });
    print_run("stale push (409-equiv.)", n, run, 1, "409s/s");
    t.results->add_run("stale-push", n, run, 1, "batches/s");
  }
}

}  // namespace synclog::bench
