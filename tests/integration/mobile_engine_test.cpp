// An emulation of the official mobile sync engine (Kotlin, in the Quran apps for Android and
// iOS; SPEC section 6) driven through full offline edit / sync cycles against the real binary.
//
// The engine keeps a local store of the five resources keyed by server id and a queue of local
// mutations. A sync is: GET /v1/sync?mutationsSince=<cursor>&resources=<all five> with no page
// or limit, applied as upserts and deletes, repeated while hasMore with lastMutationAt as the
// next cursor; then the push in four phases (COLLECTION_BOOKMARK deletes; BOOKMARK + COLLECTION;
// COLLECTION_BOOKMARK creates; NOTE + READING_SESSION), each POST chained on the previous
// answer's lastMutationAt, every ack checked the way the engine checks it, temporary ids mapped
// to the acked server ids before the next phase. Any error restarts the whole sync from a fresh
// GET with backoff 200 ms x 2.5^n, at most 5 tries. After a push the cursor stays at the GET's
// head, so the next sync pulls the device's own writes back and must apply them idempotently.
//
// Local conflict policy (the engine's, not the server's): an edit beats a delete. A pending local
// DELETE is dropped when the pull brings a newer edit of the resource; a pending local UPDATE of a
// resource deleted elsewhere is turned into a CREATE of what the user typed; a pending membership
// of a bookmark deleted elsewhere is re-sent by bookmark details.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
using std::chrono::milliseconds;

constexpr const char* kAllResources = "BOOKMARK,COLLECTION,COLLECTION_BOOKMARK,NOTE,READING_SESSION";
constexpr const char* kFavorites = "__default__";
constexpr const char* kBookmark = "BOOKMARK";
constexpr const char* kCollection = "COLLECTION";
constexpr const char* kMembership = "COLLECTION_BOOKMARK";
constexpr const char* kNote = "NOTE";
constexpr const char* kSession = "READING_SESSION";
constexpr int kMaxTries = 5;
constexpr std::size_t kMaxBatch = 100;

std::int64_t wall_ms() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string str_or(const json::object& o, const char* key, const std::string& fallback = "") {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : fallback;
}

std::optional<std::int64_t> int_of(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return std::nullopt;
  return v->to_number<std::int64_t>();
}

// Something the server did that the real engine refuses (an IllegalStateException there).
struct SyncFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// How often the engine's local conflict policy acted (over the engine's life).
struct PolicyCounts {
  int edits_over_deletes = 0;  // a pending DELETE dropped for a newer remote edit
  int resurrected = 0;         // a pending UPDATE of a remotely deleted resource sent as CREATE
  int by_details = 0;          // a pending membership whose bookmark was deleted elsewhere
};

// One queued local change. Resources with an id refer to it by `id` (a temporary "local-..." id
// until the CREATE is acknowledged); memberships by their collection and bookmark ids, plus the
// bookmark's details for re-sending by details.
struct Pending {
  std::uint64_t seq = 0;
  std::string type;  // CREATE, UPDATE, DELETE
  std::string resource;
  std::string id;
  std::string collection_id;
  std::string bookmark_id;
  json::object details;  // memberships: type, key, verseNumber of the bookmark
  json::object fields;   // UPDATE: the changed fields
};

// What one GET of a sync returned.
struct GetRecord {
  std::string target;
  std::size_t entries = 0;
  bool has_more = false;
  std::int64_t last_mutation_at = 0;
};

class MobileEngine {
 public:
  // resource -> id -> data. Memberships are keyed "<collectionId>/<bookmarkId>".
  using Store = std::map<std::string, std::map<std::string, json::object>>;

  MobileEngine(const ServerProcess& server, std::string user, std::string client_id)
      : client_(server.client()), headers_(server.auth(user, client_id)), name_(std::move(client_id)) {}

  // ---- local edits (work offline: nothing here talks to the server) ----

  std::string create_collection(const std::string& name) {
    const auto id = new_local_id();
    store_[kCollection][id] = json::object{{"name", name}, {"isPrivate", false}};
    enqueue("CREATE", kCollection, id);
    return id;
  }
  void rename_collection(const std::string& id, const std::string& name) {
    store_[kCollection].at(id)["name"] = name;
    edit(kCollection, id, json::object{{"name", name}});
  }
  void delete_collection(const std::string& id) {
    remove_resource(kCollection, id);
    // Its memberships go with it, here as on the server.
    for (auto it = store_[kMembership].begin(); it != store_[kMembership].end();) {
      it = str_or(it->second, "collectionId") == id ? store_[kMembership].erase(it) : std::next(it);
    }
    drop_pending_if([&](const Pending& p) { return p.resource == kMembership && p.collection_id == id; });
  }

  std::string create_ayah_bookmark(int surah, int ayah) {
    return create_bookmark(json::object{{"type", "ayah"}, {"key", surah}, {"verseNumber", ayah}});
  }
  std::string create_page_bookmark(int page) {
    return create_bookmark(json::object{{"type", "page"}, {"key", page}});
  }
  void delete_bookmark(const std::string& id) {
    remove_resource(kBookmark, id);
    for (auto it = store_[kMembership].begin(); it != store_[kMembership].end();) {
      it = str_or(it->second, "bookmarkId") == id ? store_[kMembership].erase(it) : std::next(it);
    }
    drop_pending_if([&](const Pending& p) { return p.resource == kMembership && p.bookmark_id == id; });
  }

  // Adds a bookmark to a collection, or to Favorites with kFavorites.
  void add_to_collection(const std::string& collection_id, const std::string& bookmark_id) {
    const auto& b = store_[kBookmark].at(bookmark_id);
    if (collection_id == kFavorites) {
      store_[kBookmark][bookmark_id]["isInDefaultCollection"] = true;
    } else {
      store_[kMembership][membership_key(collection_id, bookmark_id)] =
          json::object{{"collectionId", collection_id}, {"bookmarkId", bookmark_id}};
    }
    drop_pending_if([&](const Pending& p) {
      return p.resource == kMembership && p.collection_id == collection_id && p.bookmark_id == bookmark_id;
    });
    Pending p;
    p.type = "CREATE";
    p.resource = kMembership;
    p.collection_id = collection_id;
    p.bookmark_id = bookmark_id;
    p.details = details_of(b);
    push_back(std::move(p));
  }
  void remove_from_collection(const std::string& collection_id, const std::string& bookmark_id) {
    if (collection_id == kFavorites) {
      store_[kBookmark].at(bookmark_id)["isInDefaultCollection"] = false;
    } else {
      store_[kMembership].erase(membership_key(collection_id, bookmark_id));
    }
    drop_pending_if([&](const Pending& p) {
      return p.resource == kMembership && p.collection_id == collection_id && p.bookmark_id == bookmark_id;
    });
    if (is_local(collection_id) || is_local(bookmark_id)) return;  // never reached the server
    Pending p;
    p.type = "DELETE";
    p.resource = kMembership;
    p.collection_id = collection_id;
    p.bookmark_id = bookmark_id;
    p.details = details_of(store_[kBookmark][bookmark_id]);
    push_back(std::move(p));
  }

  std::string create_note(const std::string& body, const std::vector<std::string>& ranges) {
    const auto id = new_local_id();
    json::array r;
    for (const auto& range : ranges) r.emplace_back(range);
    store_[kNote][id] = json::object{{"body", body}, {"ranges", std::move(r)}};
    enqueue("CREATE", kNote, id);
    return id;
  }
  void update_note(const std::string& id, const std::string& body) {
    store_[kNote].at(id)["body"] = body;
    edit(kNote, id, json::object{{"body", body}});
  }
  void delete_note(const std::string& id) { remove_resource(kNote, id); }

  std::string start_reading_session(int surah, int ayah) {
    const auto id = new_local_id();
    store_[kSession][id] = json::object{{"chapterNumber", surah}, {"verseNumber", ayah}};
    enqueue("CREATE", kSession, id);
    return id;
  }
  void update_reading_session(const std::string& id, int surah, int ayah) {
    auto& s = store_[kSession].at(id);
    s["chapterNumber"] = surah;
    s["verseNumber"] = ayah;
    edit(kSession, id, json::object{{"chapterNumber", surah}, {"verseNumber", ayah}});
  }

  // ---- finding things in the local store (ids change when a CREATE is acknowledged) ----

  std::string find_collection(const std::string& name) const {
    return find_id(kCollection, [&](const json::object& d) { return str_or(d, "name") == name; });
  }
  std::string find_ayah_bookmark(int surah, int ayah) const {
    return find_id(kBookmark, [&](const json::object& d) {
      return bookmark_kind(d) == "ayah" && int_of(d, "key") == surah && int_of(d, "verseNumber") == ayah;
    });
  }
  std::string find_note(const std::string& body) const {
    return find_id(kNote, [&](const json::object& d) { return str_or(d, "body") == body; });
  }
  std::string find_session(int surah, int ayah) const {
    return find_id(kSession, [&](const json::object& d) {
      return int_of(d, "chapterNumber") == surah && int_of(d, "verseNumber") == ayah;
    });
  }

  // ---- sync ----

  // Called right before every POST with its phase (1-4): lets a test change the server between
  // the GET and a push.
  std::function<void(int phase)> before_post;

  // A full sync with the engine's retry policy. False when all tries failed (queue kept).
  bool sync() {
    attempts_ = 0;
    backoffs_.clear();
    errors_.clear();
    for (int attempt = 0; attempt < kMaxTries; ++attempt) {
      // What the GETs and POSTs record is the last attempt's.
      gets_.clear();
      posts_.clear();
      pulled_ = 0;
      if (attempt > 0) {
        const milliseconds delay(static_cast<std::int64_t>(200.0 * std::pow(2.5, attempt - 1)));
        backoffs_.push_back(delay);
        std::this_thread::sleep_for(delay);
      }
      ++attempts_;
      try {
        sync_once();
        return true;
      } catch (const SyncFailure& e) {
        errors_.push_back(e.what());
      }
    }
    return false;
  }

  const Store& store() const { return store_; }
  std::size_t queued() const { return queue_.size(); }
  std::int64_t cursor() const { return cursor_; }
  const std::string& name() const { return name_; }
  // About the last sync() call.
  int attempts() const { return attempts_; }
  const std::vector<milliseconds>& backoffs() const { return backoffs_; }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::vector<GetRecord>& gets() const { return gets_; }
  // lastMutationAt of each POST, and the answer's.
  const std::vector<std::pair<std::int64_t, std::int64_t>>& posts() const { return posts_; }
  std::size_t pulled() const { return pulled_; }
  std::int64_t head_of_last_get() const { return last_get_head_; }
  // Rule breaks by the server that the real engine would not notice but must never happen
  // (for example COLLECTION_BOOKMARK entries for Favorites). Should stay empty.
  const std::vector<std::string>& anomalies() const { return anomalies_; }
  const PolicyCounts& policy() const { return policy_; }

  std::string describe_errors() const {
    std::string out;
    for (const auto& e : errors_) out += "  " + e + "\n";
    return out;
  }

 private:
  // ---- queue ----

  std::string new_local_id() { return "local-" + name_ + "-" + std::to_string(++local_counter_); }
  static bool is_local(const std::string& id) { return id.rfind("local-", 0) == 0; }
  static std::string membership_key(const std::string& c, const std::string& b) { return c + "/" + b; }

  void push_back(Pending p) {
    p.seq = ++seq_;
    queue_.push_back(std::move(p));
  }
  void enqueue(const char* type, const char* resource, const std::string& id) {
    Pending p;
    p.type = type;
    p.resource = resource;
    p.id = id;
    push_back(std::move(p));
  }
  Pending* pending_for(const std::string& resource, const std::string& id) {
    for (auto& p : queue_) {
      if (p.resource == resource && p.id == id) return &p;
    }
    return nullptr;
  }
  template <class Pred>
  bool drop_pending_if(Pred pred) {
    const auto before = queue_.size();
    std::erase_if(queue_, pred);
    return queue_.size() != before;
  }

  // An edit: folded into a pending CREATE (whose payload is read from the store at push time)
  // or a pending UPDATE, else queued.
  void edit(const char* resource, const std::string& id, const json::object& fields) {
    if (Pending* p = pending_for(resource, id)) {
      if (p->type == "UPDATE") {
        for (const auto& kv : fields) p->fields[kv.key()] = kv.value();
      }
      return;
    }
    Pending p;
    p.type = "UPDATE";
    p.resource = resource;
    p.id = id;
    p.fields = fields;
    push_back(std::move(p));
  }

  void remove_resource(const char* resource, const std::string& id) {
    store_[resource].erase(id);
    const bool never_pushed = is_local(id);
    drop_pending_if([&](const Pending& p) { return p.resource == resource && p.id == id; });
    if (!never_pushed) enqueue("DELETE", resource, id);
  }

  std::string create_bookmark(json::object details) {
    if (auto existing = find_id(kBookmark, [&](const json::object& d) {
          return details_of(d) == details;
        });
        !existing.empty()) {
      return existing;
    }
    const auto id = new_local_id();
    store_[kBookmark][id] = std::move(details);
    enqueue("CREATE", kBookmark, id);
    return id;
  }

  static std::string bookmark_kind(const json::object& d) {
    auto kind = str_or(d, "bookmarkType");
    return kind.empty() ? str_or(d, "type") : kind;
  }
  static json::object details_of(const json::object& bookmark) {
    json::object d{{"type", bookmark_kind(bookmark)}, {"key", int_of(bookmark, "key").value_or(0)}};
    if (auto v = int_of(bookmark, "verseNumber")) d["verseNumber"] = *v;
    return d;
  }

  template <class Pred>
  std::string find_id(const char* resource, Pred pred) const {
    auto it = store_.find(resource);
    if (it == store_.end()) return "";
    for (const auto& [id, data] : it->second) {
      if (pred(data)) return id;
    }
    return "";
  }

  // Renames a resource everywhere: store keys, queue, membership references.
  void rekey(const std::string& resource, const std::string& from, const std::string& to) {
    if (from == to) return;
    auto& table = store_[resource];
    if (auto it = table.find(from); it != table.end()) {
      // An upsert onto a resource this device already has: the pulled state, with what was
      // set here on top (for example a Favorites flag whose push is still to come).
      auto& target = table[to];
      for (const auto& kv : it->second) target[kv.key()] = kv.value();
      table.erase(from);
    }
    for (auto& p : queue_) {
      if (p.resource == resource && p.id == from) p.id = to;
    }
    if (resource != kBookmark && resource != kCollection) return;
    const char* field = resource == kBookmark ? "bookmarkId" : "collectionId";
    auto& memberships = store_[kMembership];
    std::vector<std::pair<std::string, json::object>> moved;
    for (auto it = memberships.begin(); it != memberships.end();) {
      if (str_or(it->second, field) == from) {
        json::object data = std::move(it->second);
        data[field] = to;
        moved.emplace_back(membership_key(str_or(data, "collectionId"), str_or(data, "bookmarkId")),
                           std::move(data));
        it = memberships.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [k, v] : moved) memberships[k] = std::move(v);
    for (auto& p : queue_) {
      if (p.resource != kMembership) continue;
      if (resource == kBookmark && p.bookmark_id == from) p.bookmark_id = to;
      if (resource == kCollection && p.collection_id == from) p.collection_id = to;
    }
  }

  // ---- pull ----

  json::object parse_envelope(const Response& r, const char* what) {
    json::value body;
    try {
      body = r.json();
    } catch (const std::exception& e) {
      throw SyncFailure(std::string(what) + ": " + e.what());
    }
    if (!body.is_object() || !body.as_object().contains("data") ||
        body.at("success") != json::value(true) || !body.at("data").is_object()) {
      throw SyncFailure(std::string(what) + ": not a success envelope: " + r.body.substr(0, 300));
    }
    return body.at("data").as_object();
  }

  void pull() {
    std::int64_t since = cursor_;
    for (int round = 0;; ++round) {
      if (round > 10000) throw SyncFailure("pull never ended");
      const std::string target = "/v1/sync?mutationsSince=" + std::to_string(since) +
                                 "&resources=" + kAllResources;
      auto r = client_.get(target, headers_);
      if (r.status != 200) {
        throw SyncFailure("GET " + target + " answered " + std::to_string(r.status) + ": " + r.body);
      }
      const json::object data = parse_envelope(r, "GET /v1/sync");
      const auto last = int_of(data, "lastMutationAt");
      const auto* ms = data.if_contains("mutations");
      if (!last || !ms || !ms->is_array()) throw SyncFailure("GET /v1/sync without mutations/lastMutationAt");
      const auto* more = data.if_contains("hasMore");
      const bool has_more = more && more->is_bool() && more->get_bool();
      std::int64_t previous_ts = since;
      for (const auto& m : ms->as_array()) {
        if (!m.is_object()) throw SyncFailure("a pulled mutation is not an object");
        const auto& e = m.as_object();
        const auto ts = int_of(e, "timestamp");
        if (!ts) throw SyncFailure("a pulled mutation without timestamp: " + json::serialize(e));
        if (*ts <= previous_ts) {
          anomalies_.push_back("entries not ascending after " + std::to_string(since) + ": " +
                               json::serialize(e));
        }
        previous_ts = *ts;
        apply_remote(e);
        ++pulled_;
      }
      gets_.push_back(GetRecord{target, ms->as_array().size(), has_more, *last});
      if (has_more) {
        if (ms->as_array().empty()) throw SyncFailure("hasMore with no entries would loop forever");
        if (*last != previous_ts) {
          anomalies_.push_back("a capped answer's lastMutationAt " + std::to_string(*last) +
                               " is not its last entry's ts " + std::to_string(previous_ts));
        }
      } else if (*last < previous_ts) {
        anomalies_.push_back("lastMutationAt " + std::to_string(*last) + " before an entry's ts");
      }
      // The applied entries and the cursor are stored together.
      since = *last;
      cursor_ = since;
      if (!has_more) break;
    }
    last_get_head_ = since;
  }

  void apply_remote(const json::object& e) {
    const std::string type = str_or(e, "type");
    const std::string resource = str_or(e, "resource");
    if (type != "CREATE" && type != "UPDATE" && type != "DELETE") {
      throw SyncFailure("unknown mutation type in pull: " + json::serialize(e));
    }
    const auto* dv = e.if_contains("data");
    const json::object data = dv && dv->is_object() ? dv->as_object() : json::object();
    if (resource == kMembership) {
      if (e.contains("resourceId")) anomalies_.push_back("COLLECTION_BOOKMARK entry with a resourceId: " + json::serialize(e));
      const auto c = str_or(data, "collectionId");
      const auto b = str_or(data, "bookmarkId");
      if (c.empty() || b.empty()) throw SyncFailure("COLLECTION_BOOKMARK entry without collectionId/bookmarkId");
      if (c == kFavorites) anomalies_.push_back("a COLLECTION_BOOKMARK entry for Favorites: " + json::serialize(e));
      const auto key = membership_key(c, b);
      if (type == "DELETE") {
        store_[kMembership].erase(key);
        // A pending CREATE of this membership stays: the user's later intent.
        for (const auto& p : queue_) {
          if (p.resource == kMembership && p.type == "CREATE" && p.collection_id == c && p.bookmark_id == b) {
            store_[kMembership][key] = json::object{{"collectionId", c}, {"bookmarkId", b}};
          }
        }
      } else {
        store_[kMembership][key] = data;
        for (const auto& p : queue_) {
          if (p.resource == kMembership && p.type == "DELETE" && p.collection_id == c && p.bookmark_id == b) {
            store_[kMembership].erase(key);
          }
        }
      }
      return;
    }
    if (resource != kBookmark && resource != kCollection && resource != kNote && resource != kSession) {
      throw SyncFailure("unknown resource in pull: " + json::serialize(e));
    }
    const auto id = str_or(e, "resourceId");
    if (id.empty()) throw SyncFailure("a pulled " + resource + " without resourceId");
    Pending* p = pending_for(resource, id);
    // This device's own write coming back (the cursor stays at the GET's head) is no news: it
    // is applied under whatever is still queued, without the conflict rules below.
    const bool own = own_ts_.count(int_of(e, "timestamp").value_or(0)) > 0;
    if (own && p && p->type == "DELETE") {
      store_[resource].erase(id);
      return;
    }
    if (type == "DELETE") {
      if (p && p->type == "UPDATE" && !own) {
        // Deleted elsewhere while edited here: keep what was typed, as a new resource.
        const auto fresh = new_local_id();
        ++policy_.resurrected;
        rekey(resource, id, fresh);
        p = pending_for(resource, fresh);
        p->type = "CREATE";
        p->fields = {};
        if (resource == kCollection) {
          // Its memberships were deleted with it; only the ones still queued come back.
          auto& memberships = store_[kMembership];
          for (auto it = memberships.begin(); it != memberships.end();) {
            const bool queued = std::any_of(queue_.begin(), queue_.end(), [&](const Pending& q) {
              return q.resource == kMembership && q.type == "CREATE" &&
                     membership_key(q.collection_id, q.bookmark_id) == it->first;
            });
            it = str_or(it->second, "collectionId") == fresh && !queued ? memberships.erase(it) : std::next(it);
          }
        }
        return;
      } else {
        if (p) drop_pending_if([&](const Pending& q) { return q.resource == resource && q.id == id; });
        store_[resource].erase(id);
      }
      after_remote_delete(resource, id);
      return;
    }
    if (p && p->type == "DELETE") {
      // Edited elsewhere after this device deleted it: the edit wins.
      ++policy_.edits_over_deletes;
      drop_pending_if([&](const Pending& q) { return q.resource == resource && q.id == id; });
      p = nullptr;
    }
    json::object merged = data;
    if (p && p->type == "UPDATE") {
      for (const auto& kv : p->fields) merged[kv.key()] = kv.value();
    }
    if (resource == kBookmark) {
      if (!merged.contains("isInDefaultCollection")) {
        anomalies_.push_back("a BOOKMARK entry without isInDefaultCollection: " + json::serialize(e));
      }
      // Favorites changes still queued here win over the pulled flag.
      for (const auto& q : queue_) {
        if (q.resource == kMembership && q.collection_id == kFavorites && q.bookmark_id == id) {
          merged["isInDefaultCollection"] = q.type == "CREATE";
        }
      }
    }
    store_[resource][id] = std::move(merged);
  }

  // Memberships (local and pending) of a collection or bookmark deleted elsewhere. The server
  // deletes the memberships too; their tombstones may come later in the pull, or not at all for
  // memberships that only exist here.
  void after_remote_delete(const std::string& resource, const std::string& id) {
    const char* field = nullptr;
    if (resource == kCollection) {
      field = "collectionId";
      drop_pending_if([&](const Pending& p) { return p.resource == kMembership && p.collection_id == id; });
    } else if (resource == kBookmark) {
      field = "bookmarkId";
      drop_pending_if([&](const Pending& p) {
        return p.resource == kMembership && p.type == "DELETE" && p.bookmark_id == id;
      });
      for (auto& p : queue_) {
        // The user still wants that verse in the collection: send it by details.
        if (p.resource == kMembership && p.bookmark_id == id) {
          p.bookmark_id.clear();
          ++policy_.by_details;
        }
      }
    } else {
      return;
    }
    auto& memberships = store_[kMembership];
    for (auto it = memberships.begin(); it != memberships.end();) {
      it = str_or(it->second, field) == id ? memberships.erase(it) : std::next(it);
    }
  }

  // ---- push ----

  static int phase_of(const Pending& p) {
    if (p.resource == kMembership) return p.type == "DELETE" ? 1 : 3;
    if (p.resource == kBookmark || p.resource == kCollection) return 2;
    return 4;
  }

  json::object payload(const Pending& p) const {
    json::object m{{"type", p.type}, {"resource", p.resource}};
    if (p.resource == kMembership) {
      json::object d{{"collectionId", p.collection_id}};
      if (!p.bookmark_id.empty()) d["bookmarkId"] = p.bookmark_id;
      for (const auto& kv : p.details) d[kv.key()] = kv.value();
      if (bookmark_kind(p.details) != "ayah") d.erase("verseNumber");
      d["mushaf"] = 1;
      if (p.type == "CREATE") d["clientCreatedAt"] = wall_ms();
      d["clientUpdatedAt"] = wall_ms();
      m["data"] = std::move(d);
      return m;
    }
    if (p.type != "CREATE") m["resourceId"] = p.id;
    if (p.type == "DELETE") return m;
    json::object d;
    if (p.type == "UPDATE") {
      d = p.fields;
    } else {
      const auto& s = store_.at(p.resource).at(p.id);
      if (p.resource == kBookmark) {
        d = details_of(s);
        d["isReading"] = false;
        d["mushaf"] = 1;
      } else if (p.resource == kCollection) {
        d = json::object{{"name", s.at("name")}, {"isDefault", false}, {"isSystem", false}};
      } else if (p.resource == kNote) {
        d = json::object{{"body", s.at("body")}, {"ranges", s.at("ranges")}};
      } else {
        d = json::object{{"chapterNumber", s.at("chapterNumber")}, {"verseNumber", s.at("verseNumber")}};
      }
      d["clientCreatedAt"] = wall_ms();
    }
    d["clientUpdatedAt"] = wall_ms();
    m["data"] = std::move(d);
    return m;
  }

  // The engine's ack validation; throws on the first mismatch.
  static std::string check_ack(const json::object& sent, const json::value& ackv, std::size_t i) {
    const std::string where = " (ack " + std::to_string(i) + " of " + json::serialize(sent) + ")";
    if (!ackv.is_object()) throw SyncFailure("ack is not an object" + where);
    const auto& ack = ackv.as_object();
    if (str_or(ack, "type") != str_or(sent, "type")) throw SyncFailure("ack type differs" + where + ": " + json::serialize(ack));
    if (str_or(ack, "resource") != str_or(sent, "resource")) throw SyncFailure("ack resource differs" + where + ": " + json::serialize(ack));
    const auto rid = str_or(ack, "resourceId");
    if (rid.find_first_not_of(" \t") == std::string::npos) throw SyncFailure("ack without resourceId" + where);
    const auto sent_rid = str_or(sent, "resourceId");
    if (!sent_rid.empty() && rid != sent_rid) throw SyncFailure("ack resourceId differs" + where + ": " + rid);
    const auto* adv = ack.if_contains("data");
    const auto* sdv = sent.if_contains("data");
    if (adv && adv->is_object() && sdv && sdv->is_object()) {
      for (const char* key : {"collectionId", "bookmarkId", "key", "verseNumber"}) {
        const auto* a = adv->as_object().if_contains(key);
        const auto* s = sdv->as_object().if_contains(key);
        if (a && s && *a != *s) {
          throw SyncFailure(std::string("ack ") + key + " differs" + where + ": " + json::serialize(ack));
        }
      }
    }
    if (str_or(sent, "resource") == kMembership) {
      const auto& sd = sdv->as_object();
      const auto c = str_or(sd, "collectionId");
      std::string b = str_or(sd, "bookmarkId");
      if (adv && adv->is_object() && b.empty()) b = str_or(adv->as_object(), "bookmarkId");
      if (!b.empty() ? rid != c + "-" + b : rid.rfind(c + "-", 0) != 0 || rid.size() <= c.size() + 1) {
        throw SyncFailure("COLLECTION_BOOKMARK ack id " + rid + " is not <collectionId>-<bookmarkId>" + where);
      }
    }
    return rid;
  }

  void push_phase(int phase, std::int64_t& last) {
    std::vector<std::uint64_t> seqs;
    for (const auto& p : queue_) {
      if (phase_of(p) == phase) seqs.push_back(p.seq);
    }
    for (std::size_t start = 0; start < seqs.size(); start += kMaxBatch) {
      std::vector<std::uint64_t> chunk(seqs.begin() + static_cast<std::ptrdiff_t>(start),
                                       seqs.begin() + static_cast<std::ptrdiff_t>(std::min(seqs.size(), start + kMaxBatch)));
      json::array mutations;
      for (auto seq : chunk) {
        const auto& p = *std::find_if(queue_.begin(), queue_.end(), [&](const Pending& q) { return q.seq == seq; });
        if (p.resource == kMembership && (is_local(p.collection_id) || is_local(p.bookmark_id))) {
          throw SyncFailure("phase 3 still names a temporary id: " + p.collection_id + " " + p.bookmark_id);
        }
        mutations.push_back(payload(p));
      }
      if (before_post) before_post(phase);
      const std::string target = "/v1/sync?lastMutationAt=" + std::to_string(last);
      auto r = client_.post(target, json::serialize(json::object{{"mutations", mutations}}), headers_);
      if (r.status != 200) {
        throw SyncFailure("POST (phase " + std::to_string(phase) + ") answered " + std::to_string(r.status) + ": " + r.body);
      }
      const json::object data = parse_envelope(r, "POST /v1/sync");
      const auto next = int_of(data, "lastMutationAt");
      const auto* acks = data.if_contains("mutations");
      if (!next || !acks || !acks->is_array()) throw SyncFailure("POST answer without mutations/lastMutationAt");
      if (acks->as_array().size() != mutations.size()) {
        throw SyncFailure("ack count " + std::to_string(acks->as_array().size()) + " for " +
                          std::to_string(mutations.size()) + " mutations");
      }
      std::vector<std::string> ids;
      for (std::size_t i = 0; i < mutations.size(); ++i) {
        ids.push_back(check_ack(mutations[i].as_object(), acks->as_array()[i], i));
        if (auto ts = int_of(acks->as_array()[i].as_object(), "timestamp")) own_ts_.insert(*ts);
      }
      // Accepted: map temporary ids and dequeue, so a retry never sends these again.
      for (std::size_t i = 0; i < chunk.size(); ++i) {
        auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Pending& q) { return q.seq == chunk[i]; });
        const Pending p = *it;
        queue_.erase(it);
        if (p.type == "CREATE" && p.resource != kMembership) rekey(p.resource, p.id, ids[i]);
      }
      posts_.emplace_back(last, *next);
      last = *next;
    }
  }

  void sync_once() {
    pull();
    if (cursor_ <= 0) throw SyncFailure("the head is not positive: " + std::to_string(cursor_));
    const std::int64_t head = cursor_;
    std::int64_t last = head;
    for (int phase = 1; phase <= 4; ++phase) push_phase(phase, last);
    // The engine keeps the GET's head: its own writes come back with the next pull.
    cursor_ = head;
  }

  HttpClient client_;
  Headers headers_;
  std::string name_;
  Store store_;
  std::vector<Pending> queue_;
  std::uint64_t seq_ = 0;
  int local_counter_ = 0;
  std::int64_t cursor_ = 0;
  std::int64_t last_get_head_ = 0;
  int attempts_ = 0;
  std::vector<milliseconds> backoffs_;
  std::vector<std::string> errors_;
  std::vector<GetRecord> gets_;
  std::vector<std::pair<std::int64_t, std::int64_t>> posts_;
  std::size_t pulled_ = 0;
  std::vector<std::string> anomalies_;
  std::set<std::int64_t> own_ts_;  // timestamps of this device's acknowledged mutations
  PolicyCounts policy_;
};

// ---- comparing stores ----

// Drops empty tables so a store that never held a resource equals one that lost its last.
MobileEngine::Store normalized(const MobileEngine::Store& s) {
  MobileEngine::Store out;
  for (const auto& [resource, table] : s) {
    if (!table.empty()) out[resource] = table;
  }
  return out;
}

// The lines of one store's dump that the other lacks.
std::string store_diff(const MobileEngine::Store& x, const MobileEngine::Store& y) {
  std::set<std::string> lx, ly;
  for (const auto& [r, t] : x) for (const auto& [id, d] : t) lx.insert(r + " " + id + " " + json::serialize(d));
  for (const auto& [r, t] : y) for (const auto& [id, d] : t) ly.insert(r + " " + id + " " + json::serialize(d));
  std::string out;
  for (const auto& l : lx) if (!ly.count(l)) out += "  - " + l + "\n";
  for (const auto& l : ly) if (!lx.count(l)) out += "  + " + l + "\n";
  return out;
}

#define EXPECT_SAME_STORE(x, y)                                                        \
  do {                                                                                 \
    const auto sx_ = normalized(x);                                                    \
    const auto sy_ = normalized(y);                                                    \
    EXPECT_TRUE(sx_ == sy_) << #x << " (-) and " << #y << " (+) differ:\n" << store_diff(sx_, sy_); \
  } while (0)

// The user-visible content of a store, independent of ids.
struct View {
  std::multiset<std::string> collections;  // names
  std::multiset<std::string> bookmarks;    // "ayah 2:255", "page 3"
  std::set<std::string> favorites;         // bookmarks with isInDefaultCollection
  std::multiset<std::string> memberships;  // "<collection name> <- <bookmark>"
  std::multiset<std::string> notes;        // bodies
  std::multiset<std::string> sessions;     // "18:10"
};

std::string bookmark_label(const json::object& d) {
  auto kind = str_or(d, "bookmarkType", str_or(d, "type"));
  auto label = kind + " " + std::to_string(int_of(d, "key").value_or(0));
  if (auto v = int_of(d, "verseNumber")) label += ":" + std::to_string(*v);
  return label;
}

View view_of(const MobileEngine::Store& s) {
  View v;
  auto table = [&](const char* r) -> const std::map<std::string, json::object>& {
    static const std::map<std::string, json::object> kEmpty;
    auto it = s.find(r);
    return it == s.end() ? kEmpty : it->second;
  };
  for (const auto& [id, d] : table(kCollection)) v.collections.insert(str_or(d, "name"));
  for (const auto& [id, d] : table(kBookmark)) {
    v.bookmarks.insert(bookmark_label(d));
    if (const auto* f = d.if_contains("isInDefaultCollection"); f && *f == json::value(true)) {
      v.favorites.insert(bookmark_label(d));
    }
  }
  for (const auto& [id, d] : table(kMembership)) {
    const auto& cs = table(kCollection);
    const auto& bs = table(kBookmark);
    auto c = cs.find(str_or(d, "collectionId"));
    auto b = bs.find(str_or(d, "bookmarkId"));
    v.memberships.insert((c == cs.end() ? "<missing collection>" : str_or(c->second, "name")) + " <- " +
                         (b == bs.end() ? "<missing bookmark>" : bookmark_label(b->second)));
  }
  for (const auto& [id, d] : table(kNote)) v.notes.insert(str_or(d, "body"));
  for (const auto& [id, d] : table(kSession)) {
    v.sessions.insert(std::to_string(int_of(d, "chapterNumber").value_or(0)) + ":" +
                      std::to_string(int_of(d, "verseNumber").value_or(0)));
  }
  return v;
}

template <class C>
std::string join(const C& c) {
  std::string out;
  for (const auto& s : c) out += (out.empty() ? "" : " | ") + s;
  return "{" + out + "}";
}

void expect_view(const View& got, const View& want, const std::string& who) {
  EXPECT_EQ(join(got.collections), join(want.collections)) << who << ": collections";
  EXPECT_EQ(join(got.bookmarks), join(want.bookmarks)) << who << ": bookmarks";
  EXPECT_EQ(join(got.favorites), join(want.favorites)) << who << ": favorites";
  EXPECT_EQ(join(got.memberships), join(want.memberships)) << who << ": memberships";
  EXPECT_EQ(join(got.notes), join(want.notes)) << who << ": notes";
  EXPECT_EQ(join(got.sessions), join(want.sessions)) << who << ": reading sessions";
}

// ---- the scenario ----

const std::string kKursi = "Ayat al-Kursi: the greatest verse of the Quran";
const std::string kKursiEdited = "Ayat al-Kursi: the greatest verse of the Quran (edited on B)";
const std::string kCave = "The youths of the cave sought refuge with their Lord";
const std::string kYasin = "Ya-Sin is the heart of the Quran";
const std::string kYasinEdited = "Ya-Sin is the heart of the Quran (edited on A while B deleted it)";
const std::string kMulk = "Al-Mulk intercedes for the one who recites it";
const std::string kAgain = "Written on A while offline a second time";

class MobileEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { server_ = std::make_unique<ServerProcess>(args_); }
  void TearDown() override { server_.reset(); }

  MobileEngine device(const std::string& name, const std::string& user = "amina") {
    return MobileEngine(*server_, user, name);
  }

  static void expect_synced(MobileEngine& d) {
    ASSERT_TRUE(d.sync()) << d.name() << " could not sync:\n" << d.describe_errors();
    EXPECT_EQ(d.queued(), 0u) << d.name();
    EXPECT_TRUE(d.anomalies().empty()) << d.name() << ": " << join(d.anomalies());
    for (const auto& g : d.gets()) {
      EXPECT_EQ(g.target.find("page="), std::string::npos) << g.target;
      EXPECT_EQ(g.target.find("limit="), std::string::npos) << g.target;
    }
    // Each POST is chained on the previous answer, the first on the GET's head.
    std::int64_t expected = d.head_of_last_get();
    for (const auto& [sent, answered] : d.posts()) {
      EXPECT_EQ(sent, expected) << d.name();
      EXPECT_GT(answered, sent) << d.name();
      expected = answered;
    }
    EXPECT_EQ(d.cursor(), d.head_of_last_get()) << d.name() << " keeps the GET's head";
  }

  // Round 1, offline on both devices from an empty account.
  static void offline_round_one_a(MobileEngine& a) {
    const auto duas = a.create_collection("Duas");
    const auto stories = a.create_collection("Stories of the Prophets");
    const auto kursi = a.create_ayah_bookmark(2, 255);
    const auto cave = a.create_ayah_bookmark(18, 10);
    const auto yasin = a.create_ayah_bookmark(36, 1);
    a.create_page_bookmark(3);
    a.add_to_collection(duas, kursi);
    a.add_to_collection(duas, cave);
    a.add_to_collection(stories, cave);
    a.add_to_collection(stories, yasin);
    a.add_to_collection(kFavorites, kursi);
    a.create_note(kKursi, {"2:255-2:255"});
    const auto draft = a.create_note("The youths of the cave (draft)", {"18:9-18:26"});
    a.update_note(draft, kCave);  // edited before it was ever synced
    a.create_note(kYasin, {"36:1-36:12"});
    a.start_reading_session(18, 10);
  }
  static void offline_round_one_b(MobileEngine& b) {
    const auto night = b.create_collection("Night reading");
    const auto mulk = b.create_ayah_bookmark(67, 1);
    const auto kursi = b.create_ayah_bookmark(2, 255);  // the same verse A bookmarked
    b.add_to_collection(night, mulk);
    b.add_to_collection(night, kursi);
    b.add_to_collection(kFavorites, mulk);
    b.create_note(kMulk, {"67:1-67:30"});
    b.start_reading_session(67, 5);
  }
  static View expected_after_round_one() {
    View v;
    v.collections = {"Duas", "Stories of the Prophets", "Night reading"};
    v.bookmarks = {"ayah 2:255", "ayah 18:10", "ayah 36:1", "page 3", "ayah 67:1"};
    v.favorites = {"ayah 2:255", "ayah 67:1"};
    v.memberships = {"Duas <- ayah 2:255", "Duas <- ayah 18:10", "Stories of the Prophets <- ayah 18:10",
                     "Stories of the Prophets <- ayah 36:1", "Night reading <- ayah 67:1",
                     "Night reading <- ayah 2:255"};
    v.notes = {kKursi, kCave, kYasin, kMulk};
    v.sessions = {"18:10", "67:5"};
    return v;
  }

  // Round 2: B (having synced A's work) edits and deletes A's items; A works offline again.
  static void offline_round_two_b(MobileEngine& b) {
    const auto duas = b.find_collection("Duas");
    const auto night = b.find_collection("Night reading");
    const auto cave = b.find_ayah_bookmark(18, 10);
    ASSERT_FALSE(duas.empty());
    ASSERT_FALSE(cave.empty());
    b.rename_collection(duas, "Duas and protection");
    b.update_note(b.find_note(kKursi), kKursiEdited);
    b.delete_bookmark(b.find_ayah_bookmark(36, 1));
    b.remove_from_collection(duas, cave);
    b.add_to_collection(night, cave);
    b.delete_note(b.find_note(kYasin));
    b.update_reading_session(b.find_session(18, 10), 18, 20);
  }
  static void offline_round_two_a(MobileEngine& a) {
    const auto fatiha = a.create_ayah_bookmark(1, 1);
    a.add_to_collection(a.find_collection("Night reading"), fatiha);
    a.add_to_collection(kFavorites, fatiha);
    a.update_note(a.find_note(kYasin), kYasinEdited);
    a.delete_collection(a.find_collection("Stories of the Prophets"));
    a.create_note(kAgain, {"1:1-1:7"});
    a.start_reading_session(2, 286);
  }
  static View expected_final() {
    View v;
    v.collections = {"Duas and protection", "Night reading"};
    v.bookmarks = {"ayah 2:255", "ayah 18:10", "page 3", "ayah 67:1", "ayah 1:1"};
    v.favorites = {"ayah 2:255", "ayah 67:1", "ayah 1:1"};
    v.memberships = {"Duas and protection <- ayah 2:255", "Night reading <- ayah 67:1",
                     "Night reading <- ayah 2:255", "Night reading <- ayah 18:10",
                     "Night reading <- ayah 1:1"};
    v.notes = {kKursiEdited, kCave, kYasinEdited, kMulk, kAgain};
    v.sessions = {"18:20", "67:5", "2:286"};
    return v;
  }

  // Both devices pull everything, then they, and a third device's first full pull, must agree.
  void expect_converged(MobileEngine& a, MobileEngine& b, const View& want) {
    expect_synced(a);
    expect_synced(b);
    expect_synced(a);  // nothing left to push anywhere: these pulls see the final state
    expect_synced(b);
    auto c = device("device-C");
    expect_synced(c);
    EXPECT_EQ(c.gets().front().target.find("mutationsSince=0&"), std::string("/v1/sync?").size());
    EXPECT_SAME_STORE(a.store(), b.store());
    EXPECT_SAME_STORE(a.store(), c.store());
    const auto sa = normalized(a.store());
    expect_view(view_of(c.store()), want, "fresh pull");
    // Settled: another sync brings nothing and changes nothing.
    expect_synced(a);
    EXPECT_EQ(a.pulled(), 0u);
    EXPECT_SAME_STORE(a.store(), sa);
  }

  void run_in_order(bool a_first) {
    auto a = device("device-A");
    auto b = device("device-B");
    offline_round_one_a(a);
    offline_round_one_b(b);
    auto& x = a_first ? a : b;
    auto& y = a_first ? b : a;
    expect_synced(x);
    expect_synced(y);
    expect_synced(x);
    expect_view(view_of(a.store()), expected_after_round_one(), "A after round 1");
    expect_view(view_of(b.store()), expected_after_round_one(), "B after round 1");

    offline_round_two_b(b);
    offline_round_two_a(a);
    expect_synced(x);
    expect_synced(y);
    expect_synced(x);
    if (a_first) {
      // A's edit of the note B deleted reached the server first: B drops its delete.
      EXPECT_EQ(b.policy().edits_over_deletes, 1);
      EXPECT_EQ(a.policy().resurrected, 0);
    } else {
      // B's delete came first: A sends what it typed as a new note.
      EXPECT_EQ(a.policy().resurrected, 1);
      EXPECT_EQ(b.policy().edits_over_deletes, 0);
    }
    expect_converged(a, b, expected_final());
  }

  std::vector<std::string> args_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(MobileEngineTest, TwoDevicesOfflineSyncAThenBThenA) { run_in_order(/*a_first=*/true); }

TEST_F(MobileEngineTest, TwoDevicesOfflineSyncBThenAThenB) { run_in_order(/*a_first=*/false); }

TEST_F(MobileEngineTest, TwoDevicesInterleavedWithForced409s) {
  auto a = device("device-A");
  auto b = device("device-B");
  offline_round_one_a(a);
  offline_round_one_b(b);

  // A has pushed its deletes, collections and bookmarks when B syncs: A's membership push is
  // refused and A starts over from a fresh GET, without re-creating what it already pushed.
  int fired = 0;
  a.before_post = [&](int phase) {
    if (phase == 3 && fired++ == 0) expect_synced(b);
  };
  expect_synced(a);
  a.before_post = nullptr;
  EXPECT_EQ(a.attempts(), 2);
  ASSERT_EQ(a.backoffs().size(), 1u);
  EXPECT_EQ(a.backoffs()[0], milliseconds(200));
  ASSERT_EQ(a.errors().size(), 1u);
  EXPECT_NE(a.errors()[0].find("409"), std::string::npos) << a.errors()[0];
  EXPECT_NE(a.errors()[0].find("OutOfSyncError"), std::string::npos) << a.errors()[0];
  expect_synced(b);
  expect_view(view_of(b.store()), expected_after_round_one(), "B after round 1");

  offline_round_two_b(b);
  offline_round_two_a(a);
  // B's membership delete is in when A syncs all of round 2 (and deletes "Stories", which now
  // orphans 18:10); B's retry then re-adds 18:10 to "Night reading" by its details.
  fired = 0;
  b.before_post = [&](int phase) {
    if (phase == 2 && fired++ == 0) expect_synced(a);
  };
  expect_synced(b);
  b.before_post = nullptr;
  EXPECT_EQ(b.attempts(), 2);
  EXPECT_EQ(b.policy().by_details, 1);
  EXPECT_EQ(b.policy().edits_over_deletes, 1);
  expect_converged(a, b, expected_final());
}

TEST_F(MobileEngineTest, GivesUpAfterFiveTriesAndLosesNothing) {
  auto a = device("device-A");
  offline_round_one_a(a);
  const auto queued = a.queued();
  SyncApi other(*server_, "amina", "device-Z");
  // Another device writes between every GET and the first POST.
  int writes = 0;
  a.before_post = [&](int) {
    other.push_ok(R"([{"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":)" +
                  std::to_string(++writes) + R"(,"verseNumber":1}}])");
  };
  EXPECT_FALSE(a.sync());
  EXPECT_EQ(a.attempts(), 5);
  EXPECT_EQ(writes, 5);
  EXPECT_EQ(a.backoffs(), (std::vector<milliseconds>{milliseconds(200), milliseconds(500),
                                                     milliseconds(1250), milliseconds(3125)}));
  EXPECT_EQ(a.queued(), queued) << "nothing was pushed, nothing was dropped";
  a.before_post = nullptr;
  expect_synced(a);
  expect_synced(a);
  auto c = device("device-C");
  expect_synced(c);
  EXPECT_SAME_STORE(a.store(), c.store());
  auto want = View{};
  want.collections = {"Duas", "Stories of the Prophets"};
  want.bookmarks = {"ayah 2:255", "ayah 18:10", "ayah 36:1", "page 3"};
  want.favorites = {"ayah 2:255"};
  want.memberships = {"Duas <- ayah 2:255", "Duas <- ayah 18:10", "Stories of the Prophets <- ayah 18:10",
                      "Stories of the Prophets <- ayah 36:1"};
  want.notes = {kKursi, kCave, kYasin};
  want.sessions = {"18:10", "1:1", "2:1", "3:1", "4:1", "5:1"};
  expect_view(view_of(c.store()), want, "fresh pull");
}

TEST_F(MobileEngineTest, PullsItsOwnWritesBackAndAppliesThemIdempotently) {
  auto a = device("device-A");
  expect_synced(a);  // an empty account: a positive head, nothing to apply
  EXPECT_EQ(a.pulled(), 0u);
  EXPECT_GT(a.cursor(), 0);
  const auto empty_head = a.cursor();
  offline_round_one_a(a);
  expect_synced(a);
  EXPECT_EQ(a.cursor(), empty_head) << "after a push the cursor stays at the GET's head";
  ASSERT_FALSE(a.posts().empty());
  const auto pushed_head = a.posts().back().second;
  // The next sync pulls exactly A's own resources back (4 bookmarks, 2 collections, 4
  // memberships, 3 notes, 1 session) and changes no id.
  std::set<std::string> ids_before;
  for (const auto& [r, t] : a.store()) for (const auto& [id, d] : t) ids_before.insert(r + " " + id);
  expect_synced(a);
  EXPECT_EQ(a.pulled(), 14u);
  EXPECT_EQ(a.head_of_last_get(), pushed_head);
  std::set<std::string> ids_after;
  for (const auto& [r, t] : a.store()) for (const auto& [id, d] : t) ids_after.insert(r + " " + id);
  EXPECT_EQ(ids_before, ids_after);
  const auto settled = normalized(a.store());
  expect_synced(a);
  EXPECT_EQ(a.pulled(), 0u);
  EXPECT_SAME_STORE(a.store(), settled);
  auto c = device("device-C");
  expect_synced(c);
  EXPECT_SAME_STORE(c.store(), settled);
  auto want = expected_after_round_one();
  want.collections.erase("Night reading");
  want.bookmarks.erase("ayah 67:1");
  want.favorites.erase("ayah 67:1");
  want.memberships.erase("Night reading <- ayah 67:1");
  want.memberships.erase("Night reading <- ayah 2:255");
  want.notes.erase(kMulk);
  want.sessions.erase("67:5");
  expect_view(view_of(settled), want, "A");
}

class MobileEnginePullCapTest : public MobileEngineTest {
 protected:
  MobileEnginePullCapTest() { args_ = {"--pull-cap", "40"}; }
};

TEST_F(MobileEnginePullCapTest, FirstSyncOfALargeAccountConvergesThroughTheCappedLoop) {
  // Another device (a plain API client) fills the account: 103 live entries, some of them
  // updated (superseded) and some deleted.
  SyncApi writer(*server_, "amina", "web");
  std::string batch = "[";
  for (int c = 1; c <= 3; ++c) {
    batch += R"({"resource":"COLLECTION","type":"CREATE","data":{"name":"Collection )" + std::to_string(c) + "\"}},";
  }
  for (int v = 1; v <= 60; ++v) {
    batch += R"({"resource":"BOOKMARK","type":"CREATE","data":{"type":"ayah","key":2,"verseNumber":)" +
             std::to_string(v) + "}}" + (v < 60 ? "," : "]");
  }
  const auto created = writer.push_ok(batch);
  const auto& acks = created.at("mutations").as_array();
  ASSERT_EQ(acks.size(), 63u);
  auto id_at = [&](std::size_t i) { return std::string(acks[i].at("resourceId").as_string()); };
  batch = "[";
  for (int i = 0; i < 30; ++i) {
    batch += R"({"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":")" + id_at(i % 3) +
             R"(","bookmarkId":")" + id_at(3 + i) + R"("}},)";
  }
  for (int n = 1; n <= 10; ++n) {
    batch += R"({"resource":"NOTE","type":"CREATE","data":{"body":"Note number )" + std::to_string(n) +
             R"(","ranges":["2:)" + std::to_string(n) + "-2:" + std::to_string(n) + R"("]}})" + (n < 10 ? "," : "]");
  }
  writer.push_ok(batch);
  batch = "[";
  for (int v = 51; v <= 55; ++v) {
    batch += R"({"resource":"BOOKMARK","type":"DELETE","resourceId":")" + id_at(2 + v) + R"("},)";
  }
  batch += R"({"resource":"COLLECTION","type":"UPDATE","resourceId":")" + id_at(0) +
           R"(","data":{"name":"First collection"}}])";
  writer.push_ok(batch);

  // A new device that already has offline work.
  auto e = device("device-E");
  const auto mine = e.create_collection("Mine");
  const auto verse = e.create_ayah_bookmark(3, 7);
  e.add_to_collection(mine, verse);
  e.add_to_collection(kFavorites, verse);
  e.create_note("Written before the first sync", {"3:7-3:7"});
  e.start_reading_session(3, 8);
  expect_synced(e);
  ASSERT_GE(e.gets().size(), 3u);
  std::size_t total = 0;
  for (std::size_t i = 0; i < e.gets().size(); ++i) {
    const auto& g = e.gets()[i];
    total += g.entries;
    if (i + 1 < e.gets().size()) {
      EXPECT_TRUE(g.has_more) << i;
      EXPECT_EQ(g.entries, 40u) << i;
    } else {
      EXPECT_FALSE(g.has_more);
    }
  }
  EXPECT_EQ(total, 103u);
  expect_synced(e);  // its own writes come back
  EXPECT_EQ(e.pulled(), 5u);

  // A second fresh device converges to the same store through the same loop.
  auto f = device("device-F");
  expect_synced(f);
  EXPECT_GE(f.gets().size(), 3u);
  EXPECT_SAME_STORE(e.store(), f.store());
  const View v = view_of(f.store());
  EXPECT_EQ(v.collections, (std::multiset<std::string>{"First collection", "Collection 2", "Collection 3", "Mine"}));
  EXPECT_EQ(v.bookmarks.size(), 56u);
  EXPECT_EQ(std::set<std::string>(v.bookmarks.begin(), v.bookmarks.end()).size(), 56u) << "no duplicates";
  EXPECT_EQ(v.bookmarks.count("ayah 2:53"), 0u);
  EXPECT_EQ(v.favorites, (std::set<std::string>{"ayah 3:7"}));
  EXPECT_EQ(v.memberships.size(), 31u);
  EXPECT_EQ(v.memberships.count("Mine <- ayah 3:7"), 1u);
  EXPECT_EQ(v.notes.size(), 11u);
  EXPECT_EQ(v.sessions, (std::multiset<std::string>{"3:8"}));
}

}  // namespace
}  // namespace synclog::test
