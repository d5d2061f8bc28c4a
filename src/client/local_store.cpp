// The device's local store on SQLite. Every public write is one atomic step (a transaction, or
// a savepoint inside LocalStore::transaction), so a record and its queued mutation are never
// committed one without the other.
#include "synclog/client/local_store.hpp"

#include "client/local_schema.hpp"
#include "common/ids.hpp"
#include "common/time_format.hpp"
#include "storage/sqlite/statement.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <utility>

namespace synclog::client {
namespace {

namespace json = boost::json;
using storage::sqlite::Connection;
using storage::sqlite::ResetOnExit;
using storage::sqlite::Statement;

// The same nesting limit the server applies to request bodies (domain/json_input.hpp): data the
// device accepts must be data the server will take.
constexpr std::size_t kMaxJsonDepth = 64;
// The virtual Favorites collection (docs/api.md, COLLECTION_BOOKMARK) is never a COLLECTION.
constexpr std::string_view kDefaultCollection = "__default__";

constexpr std::string_view kMetaServer = "server";
constexpr std::string_view kMetaAccount = "account";
constexpr std::string_view kMetaToken = "token";
constexpr std::string_view kMetaClientId = "client_id";
constexpr std::string_view kMetaCursor = "cursor";
// Set while a pull from 0 (a first sync, a 410) has not completed; resync_unseen then holds the
// synced records no page of it has brought yet.
constexpr std::string_view kMetaResyncing = "resyncing";
constexpr std::string_view kMetaLastSync = "last_sync_ms";
constexpr std::string_view kMetaServerFieldMode = "server_field_mode";

Result<MutationType> parse_type(std::string_view s) {
  if (auto t = parse_mutation_type(s)) return *t;
  return make_error(ErrorCode::kInternal, "device file: unknown mutation type " + std::string(s));
}

Result<Resource> resource_at(const Statement& s, int column) {
  const auto name = s.text_at(column);
  if (auto r = parse_resource(name)) return *r;
  return make_error(ErrorCode::kInternal, "device file: unknown resource " + std::string(name));
}

Error bad_input(std::string message) {
  return make_error(ErrorCode::kInvalidRequest, std::move(message));
}

std::string record_name(Resource resource, std::string_view id) {
  return std::string(resource_name(resource)) + " " + std::string(id);
}

Result<json::object> parse_object(std::string_view text, std::string_view what) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) return bad_input(std::string(what) + " is not valid JSON: " + ec.message());
  if (!v.is_object()) return bad_input(std::string(what) + " must be a JSON object");
  return std::move(v.as_object());
}

// A client time as the server accepts it (ISO 8601 with an offset, or epoch milliseconds), in
// UTC epoch milliseconds.
Result<std::int64_t> client_time(const json::value& v, std::string_view field) {
  std::optional<std::int64_t> ms;
  if (v.is_string()) {
    ms = parse_iso8601_ms(std::string_view(v.as_string()));
  } else if (v.is_int64()) {
    ms = v.as_int64();
  } else if (v.is_uint64() && v.as_uint64() <= static_cast<std::uint64_t>(kMaxEpochMs)) {
    ms = static_cast<std::int64_t>(v.as_uint64());
  }
  if (!ms || *ms < kMinEpochMs || *ms > kMaxEpochMs) {
    return bad_input("data." + std::string(field) +
                     " must be an ISO 8601 time with an offset or epoch milliseconds");
  }
  return *ms;
}

// The client-updated time of data that is already stored, for the queue's last-write-wins
// column; `fallback` when it has none that reads.
std::int64_t updated_at_or(const json::object& data, std::int64_t fallback) {
  if (const auto* v = data.if_contains("clientUpdatedAt")) {
    if (auto ms = client_time(*v, "clientUpdatedAt"); ms.ok()) return *ms;
  }
  return fallback;
}

// What a COLLECTION_BOOKMARK is known by: its collection and bookmark, as the server needs them
// on CREATE and DELETE alike.
struct Membership {
  std::string collection_id;
  std::string bookmark_id;
  std::string id() const { return collection_id + "-" + bookmark_id; }
  std::string data() const {
    json::object o;
    o["collectionId"] = collection_id;
    o["bookmarkId"] = bookmark_id;
    return json::serialize(o);
  }
};

Result<Membership> membership_of(const json::object& data) {
  const auto* c = data.if_contains("collectionId");
  const auto* b = data.if_contains("bookmarkId");
  if (!c || !c->is_string() || !is_valid_id(std::string_view(c->as_string()))) {
    return bad_input("data.collectionId must be a collection id");
  }
  if (!b || !b->is_string() || !is_valid_id(std::string_view(b->as_string()))) {
    return bad_input("data.bookmarkId must be a bookmark id");
  }
  return Membership{std::string(c->as_string()), std::string(b->as_string())};
}

Status check_id(Resource resource, std::string_view id) {
  if (!is_valid_id(id)) return bad_input("id must be 1-64 of [A-Za-z0-9_-]");
  if (resource == Resource::kCollection && id == kDefaultCollection) {
    return bad_input("__default__ is the virtual Favorites collection, not a COLLECTION id");
  }
  return Status();
}

Result<std::int64_t> parse_int(std::string_view text, std::string_view what) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return make_error(ErrorCode::kInternal,
                      "device file: " + std::string(what) + " is not a number");
  }
  return v;
}

std::string strategy_key(Resource resource) {
  return "strategy." + std::string(resource_name(resource));
}

// Push order (docs/client.md, "Sync" step 3): what a mutation may depend on goes first.
int dependency_rank(const QueuedMutation& m) {
  switch (m.resource) {
    case Resource::kCollectionBookmark:
      return m.type == MutationType::kDelete ? 0 : 2;
    case Resource::kCollection:
    case Resource::kBookmark:
      return 1;
    case Resource::kNote:
    case Resource::kReadingSession:
      return 3;
  }
  return 3;
}

Result<QueuedMutation> mutation_from_row(const Statement& s) {
  QueuedMutation m;
  m.seq = s.int_at(0);
  SYNCLOG_ASSIGN_OR_RETURN(m.resource, resource_at(s, 1));
  m.id = s.text_at(2);
  SYNCLOG_ASSIGN_OR_RETURN(m.type, parse_type(s.text_at(3)));
  m.data = s.text_at(4);
  m.base_version = s.int_at(5);
  m.client_updated_at = s.int_at(6);
  m.batch = s.text_at(7);
  m.held = s.int_at(8);
  return m;
}

Result<std::vector<QueuedMutation>> mutations_of(Statement* s) {
  std::vector<QueuedMutation> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    SYNCLOG_ASSIGN_OR_RETURN(auto m, mutation_from_row(*s));
    out.push_back(std::move(m));
  }
  return out;
}

std::string join_seqs(const std::vector<std::int64_t>& seqs) {
  std::string out;
  for (auto seq : seqs) {
    if (!out.empty()) out.push_back(',');
    out += std::to_string(seq);
  }
  return out;
}

Result<std::vector<std::int64_t>> split_seqs(std::string_view text) {
  std::vector<std::int64_t> out;
  while (!text.empty()) {
    const auto comma = text.find(',');
    SYNCLOG_ASSIGN_OR_RETURN(auto seq, parse_int(text.substr(0, comma), "a batch's seqs"));
    out.push_back(seq);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

// types.hpp names outcomes but does not parse them; the log only reads back what it wrote.
std::optional<Outcome> parse_outcome(std::string_view name) {
  for (auto o : {Outcome::kSynced, Outcome::kMerged, Outcome::kNeedsUser}) {
    if (outcome_name(o) == name) return o;
  }
  return std::nullopt;
}

Result<ConflictRecord> conflict_from_row(const Statement& s) {
  ConflictRecord c;
  c.seq = s.int_at(0);
  c.at_ms = s.int_at(1);
  SYNCLOG_ASSIGN_OR_RETURN(c.resource, resource_at(s, 2));
  c.id = s.text_at(3);
  auto strategy = parse_strategy(s.text_at(4));
  auto outcome = parse_outcome(s.text_at(5));
  if (!strategy || !outcome) {
    return make_error(ErrorCode::kInternal,
                      "device file: bad conflict row " + std::to_string(c.seq));
  }
  c.strategy = *strategy;
  c.outcome = *outcome;
  c.local = s.text_at(6);
  c.server = s.text_at(7);
  c.result = s.text_at(8);
  boost::system::error_code ec;
  const json::value fields = json::parse(s.text_at(9), ec);
  if (ec || !fields.is_array()) {
    return make_error(ErrorCode::kInternal,
                      "device file: bad conflict row " + std::to_string(c.seq));
  }
  for (const auto& f : fields.as_array()) {
    if (f.is_string()) c.clashing_fields.emplace_back(f.as_string());
  }
  c.reason = s.text_at(10);
  c.resolved = s.int_at(11) != 0;
  return c;
}

}  // namespace

LocalStore::LocalStore(std::unique_ptr<Connection> c, Options options)
    : c_(std::move(c)), options_(options) {}

LocalStore::~LocalStore() = default;

Result<std::unique_ptr<LocalStore>> LocalStore::open(const std::string& path, Options options) {
  SYNCLOG_ASSIGN_OR_RETURN(auto c, Connection::open(path, /*create=*/true));
  // journal_mode=WAL answers with the mode it got instead of failing (some file systems cannot
  // share memory); a device file without WAL + synchronous=FULL would not be durable as promised.
  {
    SYNCLOG_ASSIGN_OR_RETURN(Statement * mode, c->prepare("PRAGMA journal_mode"));
    ResetOnExit guard{mode};
    SYNCLOG_ASSIGN_OR_RETURN(bool row, mode->step());
    if (!row || mode->text_at(0) != "wal") {
      return make_error(ErrorCode::kInternal, "sqlite: " + path + " cannot use WAL journaling");
    }
  }
  SYNCLOG_RETURN_IF_ERROR(migrate_local(*c));
  std::unique_ptr<LocalStore> store(new LocalStore(std::move(c), options));
  const Status done = store->atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto id, store->meta(kMetaClientId));
    if (id) return Status();
    return store->set_meta(kMetaClientId, "device-" + new_resource_id());
  });
  if (!done.ok()) return done.error();
  return store;
}

// Rows the last statement changed. Not RETURNING: that needs SQLite 3.35, newer than the system
// SQLite of many phones the SDK may be built against.
std::int64_t LocalStore::changes() { return sqlite3_changes(c_->handle()); }

std::int64_t LocalStore::now_ms() const {
  return options_.clock ? options_.clock->now_ms() : system_clock_.now_ms();
}

Status LocalStore::atomically(const std::function<Status()>& body) {
  // IMMEDIATE: take the write lock up front, so a transaction never fails half way on a lock
  // another connection to the file holds.
  const bool outermost = depth_ == 0;
  SYNCLOG_RETURN_IF_ERROR(c_->exec(outermost ? "BEGIN IMMEDIATE" : "SAVEPOINT step"));
  ++depth_;
  Status s = body();
  --depth_;
  if (s.ok() && outermost && options_.before_commit) s = options_.before_commit();
  if (s.ok()) s = c_->exec(outermost ? "COMMIT" : "RELEASE step");
  if (!s.ok()) {
    if (outermost) {
      c_->exec("ROLLBACK").ignore();
    } else {
      c_->exec("ROLLBACK TO step").ignore();
      c_->exec("RELEASE step").ignore();
    }
  }
  return s;
}

Status LocalStore::transaction(const std::function<Status()>& body) { return atomically(body); }

//////// Metadata

Result<std::optional<std::string>> LocalStore::meta(std::string_view key) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("SELECT value FROM meta WHERE key=?"));
  ResetOnExit guard{s};
  s->bind(1, key);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(s->text_at(0)));
}

Status LocalStore::set_meta(std::string_view key, std::string_view value) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           c_->prepare("INSERT INTO meta(key, value) VALUES(?,?) "
                                       "ON CONFLICT(key) DO UPDATE SET value=excluded.value"));
  ResetOnExit guard{s};
  return s->bind(1, key).bind(2, value).run();
}

Result<std::string> LocalStore::server_url() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(kMetaServer));
  return v.value_or("");
}

Status LocalStore::set_server_url(std::string_view url) {
  return atomically([&] { return set_meta(kMetaServer, url); });
}

Result<std::string> LocalStore::account() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(kMetaAccount));
  return v.value_or("");
}

Status LocalStore::set_account(std::string_view account) {
  return atomically([&] { return set_meta(kMetaAccount, account); });
}

Result<std::string> LocalStore::token() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(kMetaToken));
  return v.value_or("");
}

Status LocalStore::set_token(std::string_view token) {
  return atomically([&] { return set_meta(kMetaToken, token); });
}

Result<std::string> LocalStore::client_id() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(kMetaClientId));
  if (!v) return make_error(ErrorCode::kInternal, "device file: no client id");
  return std::move(*v);
}

Result<std::int64_t> LocalStore::cursor() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(kMetaCursor));
  if (!v) return std::int64_t{0};
  return parse_int(*v, "the cursor");
}

Status LocalStore::set_cursor(std::int64_t cursor) {
  return atomically([&] { return set_meta(kMetaCursor, std::to_string(cursor)); });
}

Status LocalStore::begin_resync() {
  return atomically([&]() -> Status {
    SYNCLOG_RETURN_IF_ERROR(set_meta(kMetaCursor, "0"));
    SYNCLOG_RETURN_IF_ERROR(set_meta(kMetaResyncing, "1"));
    SYNCLOG_RETURN_IF_ERROR(c_->exec("DELETE FROM resync_unseen"));
    return c_->exec("INSERT INTO resync_unseen(resource, id) SELECT resource, id FROM records "
                    "WHERE version > 0");
  });
}

Result<bool> LocalStore::resyncing() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(kMetaResyncing));
  return v.has_value();
}

Status LocalStore::seen_in_resync(Resource resource, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           c_->prepare("DELETE FROM resync_unseen WHERE resource=? AND id=?"));
  ResetOnExit guard{s};
  return s->bind(1, resource_name(resource)).bind(2, id).run();
}

Result<std::vector<std::pair<Resource, std::string>>> LocalStore::unseen_in_resync() {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           c_->prepare("SELECT resource, id FROM resync_unseen ORDER BY resource, id"));
  ResetOnExit guard{s};
  std::vector<std::pair<Resource, std::string>> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    const auto r = parse_resource(s->text_at(0));
    if (r) out.emplace_back(*r, std::string(s->text_at(1)));
  }
  return out;
}

Status LocalStore::end_resync() {
  return atomically([&]() -> Status {
    SYNCLOG_RETURN_IF_ERROR(c_->exec("DELETE FROM resync_unseen"));
    SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("DELETE FROM meta WHERE key=?"));
    ResetOnExit guard{s};
    return s->bind(1, kMetaResyncing).run();
  });
}

Result<std::int64_t> LocalStore::last_sync_ms() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(kMetaLastSync));
  if (!v) return std::int64_t{0};
  return parse_int(*v, "last_sync_ms");
}

Status LocalStore::set_last_sync_ms(std::int64_t ms) {
  return atomically([&] { return set_meta(kMetaLastSync, std::to_string(ms)); });
}

Result<std::optional<bool>> LocalStore::server_field_mode() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(kMetaServerFieldMode));
  if (!v) return std::optional<bool>();
  return std::optional<bool>(*v == "1");
}

Status LocalStore::set_server_field_mode(bool field_mode) {
  return atomically([&] { return set_meta(kMetaServerFieldMode, field_mode ? "1" : "0"); });
}

Result<Strategy> LocalStore::strategy(Resource resource) {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, meta(strategy_key(resource)));
  if (!v) return Strategy::kServerWins;
  if (auto s = parse_strategy(*v)) return *s;
  return make_error(ErrorCode::kInternal, "device file: unknown strategy " + *v);
}

Status LocalStore::set_strategy(Resource resource, Strategy strategy) {
  return atomically([&] { return set_meta(strategy_key(resource), strategy_name(strategy)); });
}

//////// The app's reads and writes

Result<std::string> LocalStore::put(Resource resource, std::string_view data,
                                    std::optional<std::string_view> id) {
  SYNCLOG_ASSIGN_OR_RETURN(json::object patch, parse_object(data, "data"));
  std::string record_id;
  if (resource == Resource::kCollectionBookmark) {
    // A membership's identity is its pair; a second id for it would be a second membership to
    // the device and one to the server.
    SYNCLOG_ASSIGN_OR_RETURN(Membership m, membership_of(patch));
    record_id = m.id();
    if (id && *id != record_id) {
      return bad_input("a COLLECTION_BOOKMARK's id is \"<collectionId>-<bookmarkId>\"");
    }
  } else if (id) {
    SYNCLOG_RETURN_IF_ERROR(check_id(resource, *id));
    record_id = std::string(*id);
  } else {
    record_id = new_resource_id();
  }

  const std::int64_t now = now_ms();
  std::int64_t updated_ms = now;
  if (const auto* v = patch.if_contains("clientUpdatedAt")) {
    SYNCLOG_ASSIGN_OR_RETURN(updated_ms, client_time(*v, "clientUpdatedAt"));
  }
  std::optional<std::int64_t> created_ms;
  if (const auto* v = patch.if_contains("clientCreatedAt")) {
    SYNCLOG_ASSIGN_OR_RETURN(created_ms, client_time(*v, "clientCreatedAt"));
    patch["clientCreatedAt"] = format_iso8601_ms(*created_ms);
  }

  const Status done = atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto existing, get_stored(resource, record_id));
    QueuedMutation m;
    m.resource = resource;
    m.id = record_id;
    m.client_updated_at = updated_ms;
    json::object state;
    if (!existing) {
      state = std::move(patch);
      // Defaulted to the update time so a record is never created after it was last updated.
      if (!created_ms) state["clientCreatedAt"] = format_iso8601_ms(updated_ms);
      m.type = MutationType::kCreate;
    } else {
      if (resource == Resource::kCollectionBookmark) return Status();
      SYNCLOG_ASSIGN_OR_RETURN(state, parse_object(existing->record.data, "stored data"));
      for (auto& [key, value] : patch) state[key] = std::move(value);
      m.type = MutationType::kUpdate;
      m.base_version = existing->record.version;
    }
    state["clientUpdatedAt"] = format_iso8601_ms(updated_ms);
    m.data = json::serialize(state);

    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s, c_->prepare("INSERT INTO records(resource, id, data) VALUES(?,?,?) "
                                   "ON CONFLICT(resource, id) DO UPDATE SET data=excluded.data"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(
        s->bind(1, resource_name(resource)).bind(2, record_id).bind(3, m.data).run());
    return squash_or_enqueue(m);
  });
  if (!done.ok()) return done.error();
  return record_id;
}

Status LocalStore::remove(Resource resource, std::string_view id) {
  return atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto existing, get_stored(resource, id));
    if (!existing)
      return make_error(ErrorCode::kNotFound, record_name(resource, id) + " not found");
    QueuedMutation m;
    m.resource = resource;
    m.id = std::string(id);
    m.type = MutationType::kDelete;
    m.data = "{}";
    if (resource == Resource::kCollectionBookmark) {
      SYNCLOG_ASSIGN_OR_RETURN(auto data, parse_object(existing->record.data, "stored data"));
      SYNCLOG_ASSIGN_OR_RETURN(auto membership, membership_of(data));
      m.data = membership.data();
    }
    m.base_version = existing->record.version;
    m.client_updated_at = now_ms();
    SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                             c_->prepare("DELETE FROM records WHERE resource=? AND id=?"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, resource_name(resource)).bind(2, id).run());
    return squash_or_enqueue(m);
  });
}

Result<std::optional<LocalRecord>> LocalStore::get(Resource resource, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto stored, get_stored(resource, id));
  if (!stored) return std::optional<LocalRecord>();
  return std::optional<LocalRecord>(std::move(stored->record));
}

Result<std::vector<LocalRecord>> LocalStore::list(Resource resource) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           c_->prepare("SELECT id, data, version, EXISTS(SELECT 1 FROM queue q "
                                       "WHERE q.resource=r.resource AND q.id=r.id) "
                                       "FROM records r WHERE resource=? ORDER BY id"));
  ResetOnExit guard{s};
  s->bind(1, resource_name(resource));
  std::vector<LocalRecord> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    LocalRecord r;
    r.resource = resource;
    r.id = s->text_at(0);
    r.data = s->text_at(1);
    r.version = s->int_at(2);
    r.pending = s->int_at(3) != 0;
    out.push_back(std::move(r));
  }
  return out;
}

//////// The queue

Result<std::optional<QueuedMutation>> LocalStore::last_queued(Resource resource,
                                                              std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      c_->prepare("SELECT seq, resource, id, type, data, base_version, client_updated_at, batch, held "
                  "FROM queue WHERE resource=? AND id=? ORDER BY seq DESC LIMIT 1"));
  ResetOnExit guard{s};
  s->bind(1, resource_name(resource)).bind(2, id);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<QueuedMutation>();
  SYNCLOG_ASSIGN_OR_RETURN(auto m, mutation_from_row(*s));
  return std::optional<QueuedMutation>(std::move(m));
}

Status LocalStore::enqueue(const QueuedMutation& m) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      c_->prepare("INSERT INTO queue(resource, id, type, data, base_version, client_updated_at, "
                  "held) VALUES(?,?,?,?,?,?,?)"));
  ResetOnExit guard{s};
  return s->bind(1, resource_name(m.resource))
      .bind(2, m.id)
      .bind(3, mutation_type_name(m.type))
      .bind(4, m.data)
      .bind(5, m.base_version)
      .bind(6, m.client_updated_at)
      .bind(7, m.held)
      .run();
}

// docs/client.md, "Squashing". The squashed mutation keeps its place in the queue and its
// base_version: what the server had before the first of the writes it now stands for.
Status LocalStore::squash_or_enqueue(const QueuedMutation& written) {
  SYNCLOG_ASSIGN_OR_RETURN(auto last, last_queued(written.resource, written.id));
  // In flight: the retry must be byte for byte the request that may have been applied.
  if (!last || !last->batch.empty()) return enqueue(written);
  // A write behind a held mutation is held with it: pushed alone, it would reach the server
  // before the mutation it follows. (Squashing into the held row keeps it held as it is.)
  QueuedMutation m = written;
  m.held = last->held;
  const auto before = last->type;
  if (m.type == MutationType::kDelete && before == MutationType::kCreate) {
    // Created and deleted before the server heard of it: it never hears of either.
    SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("DELETE FROM queue WHERE seq=?"));
    ResetOnExit guard{s};
    return s->bind(1, last->seq).run();
  }
  const bool squash = (m.type == MutationType::kUpdate && before != MutationType::kDelete) ||
                      (m.type == MutationType::kDelete && before == MutationType::kUpdate);
  // DELETE then CREATE stays two mutations: the server must drop the old record's fields, and
  // a CREATE naming an existing id would update it instead.
  if (!squash) return enqueue(m);
  const MutationType type = m.type == MutationType::kUpdate ? before : MutationType::kDelete;
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      c_->prepare("UPDATE queue SET type=?, data=?, client_updated_at=? WHERE seq=?"));
  ResetOnExit guard{s};
  return s->bind(1, mutation_type_name(type))
      .bind(2, m.data)
      .bind(3, m.client_updated_at)
      .bind(4, last->seq)
      .run();
}

Result<std::int64_t> LocalStore::queue_length() {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("SELECT count(*) FROM queue"));
  ResetOnExit guard{s};
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  return row ? s->int_at(0) : 0;
}

Result<std::optional<std::string>> LocalStore::inflight_key() {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("SELECT key FROM batches LIMIT 1"));
  ResetOnExit guard{s};
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(std::string(s->text_at(0)));
}

Result<std::vector<QueuedMutation>> LocalStore::next_batch(std::size_t max) {
  SYNCLOG_ASSIGN_OR_RETURN(auto inflight, inflight_key());
  if (inflight) {
    return make_error(ErrorCode::kPreconditionFailed,
                      "batch " + *inflight + " is in flight: finish or abandon it first");
  }
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      c_->prepare("SELECT seq, resource, id, type, data, base_version, client_updated_at, batch, held "
                  "FROM queue WHERE batch IS NULL AND held=0 ORDER BY seq"));
  ResetOnExit guard{s};
  SYNCLOG_ASSIGN_OR_RETURN(auto pending, mutations_of(s));

  // A mutation goes no earlier than its record's previous one: a membership deleted and added
  // again must reach the server in that order even though deletes go first.
  std::vector<std::pair<int, std::size_t>> order;  // (effective rank, index in seq order)
  std::map<std::pair<Resource, std::string>, int> record_rank;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    int& last = record_rank[{pending[i].resource, pending[i].id}];
    last = std::max(last, dependency_rank(pending[i]));
    order.emplace_back(last, i);
  }
  std::sort(order.begin(), order.end());
  std::vector<QueuedMutation> out;
  for (std::size_t i = 0; i < order.size() && out.size() < max; ++i) {
    out.push_back(std::move(pending[order[i].second]));
  }
  return out;
}

Status LocalStore::begin_batch(std::string_view key, std::string_view target, std::string_view body,
                               const std::vector<std::int64_t>& seqs) {
  if (key.empty()) return bad_input("a batch needs an Idempotency-Key");
  if (seqs.empty() || seqs.size() > kMaxBatchMutations) {
    return bad_input("a batch holds 1-" + std::to_string(kMaxBatchMutations) + " mutations");
  }
  if (std::set<std::int64_t>(seqs.begin(), seqs.end()).size() != seqs.size()) {
    return bad_input("a batch names a mutation twice");
  }
  return atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto inflight, inflight_key());
    if (inflight) {
      return make_error(ErrorCode::kPreconditionFailed,
                        "batch " + *inflight + " is already in flight");
    }
    for (auto seq : seqs) {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s, c_->prepare("UPDATE queue SET batch=? WHERE seq=? AND batch IS NULL"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, key).bind(2, seq).run());
      if (changes() == 0) {
        return make_error(ErrorCode::kPreconditionFailed,
                          "mutation " + std::to_string(seq) + " is not pending");
      }
    }
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        c_->prepare("INSERT INTO batches(key, target, body, seqs, created_ms) VALUES(?,?,?,?,?)"));
    ResetOnExit guard{s};
    return s->bind(1, key)
        .bind(2, target)
        .bind(3, body)
        .bind(4, join_seqs(seqs))
        .bind(5, now_ms())
        .run();
  });
}

Result<std::optional<InflightBatch>> LocalStore::inflight_batch() {
  InflightBatch b;
  std::string seqs_text;
  {
    SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                             c_->prepare("SELECT key, target, body, seqs FROM batches LIMIT 1"));
    ResetOnExit guard{s};
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) return std::optional<InflightBatch>();
    b.key = s->text_at(0);
    b.target = s->text_at(1);
    b.body = s->text_at(2);
    seqs_text = s->text_at(3);
  }
  SYNCLOG_ASSIGN_OR_RETURN(auto seqs, split_seqs(seqs_text));
  for (auto seq : seqs) {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        c_->prepare("SELECT seq, resource, id, type, data, base_version, client_updated_at, batch, held "
                    "FROM queue WHERE seq=? AND batch=?"));
    ResetOnExit guard{s};
    s->bind(1, seq).bind(2, b.key);
    SYNCLOG_ASSIGN_OR_RETURN(auto found, mutations_of(s));
    if (found.size() != 1) {
      return make_error(ErrorCode::kInternal, "device file: batch " + b.key +
                                                  " lost its mutation " + std::to_string(seq));
    }
    b.mutations.push_back(std::move(found.front()));
  }
  return std::optional<InflightBatch>(std::move(b));
}

// The record's pending mutations were written on top of state the server now has at `version`.
Status LocalStore::rebase_pending(Resource resource, std::string_view id, std::int64_t version) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           c_->prepare("UPDATE queue SET base_version=? "
                                       "WHERE resource=? AND id=? AND batch IS NULL"));
  ResetOnExit guard{s};
  return s->bind(1, version).bind(2, resource_name(resource)).bind(3, id).run();
}

Result<std::vector<AdoptedId>> LocalStore::finish_batch(std::string_view key,
                                                        const std::vector<BatchAck>& acks,
                                                        std::int64_t last_mutation_at) {
  std::vector<AdoptedId> adopted;
  const Status done = atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto batch, inflight_batch());
    if (!batch || batch->key != key) {
      return make_error(ErrorCode::kNotFound, "no batch " + std::string(key) + " in flight");
    }
    if (acks.size() != batch->mutations.size()) {
      return bad_input("batch " + batch->key + " holds " + std::to_string(batch->mutations.size()) +
                       " mutations, not " + std::to_string(acks.size()));
    }
    // A conflict is superseded by a later mutation of its record that the server applied (a
    // DELETE and a CREATE again): that one made the server's state what the device wants.
    std::vector<bool> superseded(acks.size(), false);
    for (std::size_t i = 0; i < acks.size(); ++i) {
      if (acks[i].outcome != AckOutcome::kConflict) continue;
      for (std::size_t j = i + 1; j < acks.size(); ++j) {
        const QueuedMutation& later = batch->mutations[j];
        if (acks[j].outcome != AckOutcome::kConflict &&
            later.resource == batch->mutations[i].resource && later.id == batch->mutations[i].id) {
          superseded[i] = true;
        }
      }
    }
    for (std::size_t i = 0; i < acks.size(); ++i) {
      const QueuedMutation& m = batch->mutations[i];
      const BatchAck& ack = acks[i];
      if (ack.outcome == AckOutcome::kConflict && !superseded[i]) {
        SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                                 c_->prepare("UPDATE queue SET batch=NULL WHERE seq=?"));
        ResetOnExit guard{s};
        SYNCLOG_RETURN_IF_ERROR(s->bind(1, m.seq).run());
        continue;
      }
      {
        SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("DELETE FROM queue WHERE seq=?"));
        ResetOnExit guard{s};
        SYNCLOG_RETURN_IF_ERROR(s->bind(1, m.seq).run());
      }
      if (ack.outcome == AckOutcome::kConflict) continue;  // superseded
      if (ack.resource_id != m.id) {
        adopted.push_back(AdoptedId{m.resource, m.id, ack.resource_id, ack.timestamp});
        continue;
      }
      if (ack.outcome == AckOutcome::kMerged) continue;
      if (m.type != MutationType::kDelete) {
        // A record deleted locally since has no row to update; its DELETE is still queued.
        SYNCLOG_ASSIGN_OR_RETURN(
            Statement * s,
            c_->prepare("UPDATE records SET version=?, base=? WHERE resource=? AND id=?"));
        ResetOnExit guard{s};
        SYNCLOG_RETURN_IF_ERROR(s->bind(1, ack.timestamp)
                                    .bind(2, m.data)
                                    .bind(3, resource_name(m.resource))
                                    .bind(4, m.id)
                                    .run());
      }
      SYNCLOG_RETURN_IF_ERROR(rebase_pending(m.resource, m.id, ack.timestamp));
    }
    {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("DELETE FROM batches WHERE key=?"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, key).run());
    }
    if (last_mutation_at <= 0) return Status();
    return set_meta(kMetaCursor, std::to_string(last_mutation_at));
  });
  if (!done.ok()) return done.error();
  return adopted;
}

Status LocalStore::abandon_batch(std::string_view key) {
  return atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto inflight, inflight_key());
    if (!inflight || *inflight != key) {
      return make_error(ErrorCode::kNotFound, "no batch " + std::string(key) + " in flight");
    }
    {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                               c_->prepare("UPDATE queue SET batch=NULL WHERE batch=?"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, key).run());
    }
    SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("DELETE FROM batches WHERE key=?"));
    ResetOnExit guard{s};
    return s->bind(1, key).run();
  });
}

//////// Server state

Result<std::optional<StoredRecord>> LocalStore::get_stored(Resource resource, std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           c_->prepare("SELECT data, version, base, EXISTS(SELECT 1 FROM queue q "
                                       "WHERE q.resource=r.resource AND q.id=r.id) "
                                       "FROM records r WHERE resource=? AND id=?"));
  ResetOnExit guard{s};
  s->bind(1, resource_name(resource)).bind(2, id);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<StoredRecord>();
  StoredRecord r;
  r.record.resource = resource;
  r.record.id = std::string(id);
  r.record.data = s->text_at(0);
  r.record.version = s->int_at(1);
  r.base = s->text_at(2);
  r.record.pending = s->int_at(3) != 0;
  return std::optional<StoredRecord>(std::move(r));
}

Status LocalStore::apply_server(Resource resource, std::string_view id,
                                std::optional<std::string_view> data, std::int64_t version) {
  if (id.empty()) return bad_input("a record needs an id");
  if (data) SYNCLOG_RETURN_IF_ERROR(parse_object(*data, "the server's data").status());
  return atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto queued, last_queued(resource, id));
    if (queued) {
      return make_error(ErrorCode::kPreconditionFailed,
                        record_name(resource, id) + " has a queued mutation: settle it first");
    }
    if (!data) {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                               c_->prepare("DELETE FROM records WHERE resource=? AND id=?"));
      ResetOnExit guard{s};
      return s->bind(1, resource_name(resource)).bind(2, id).run();
    }
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        c_->prepare("INSERT INTO records(resource, id, data, version, base) VALUES(?1,?2,?3,?4,?3) "
                    "ON CONFLICT(resource, id) DO UPDATE SET data=excluded.data, "
                    "version=excluded.version, base=excluded.base"));
    ResetOnExit guard{s};
    return s->bind(1, resource_name(resource)).bind(2, id).bind(3, *data).bind(4, version).run();
  });
}

Result<std::vector<QueuedMutation>> LocalStore::pending_for(Resource resource,
                                                            std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      c_->prepare("SELECT seq, resource, id, type, data, base_version, client_updated_at, batch, held "
                  "FROM queue WHERE resource=? AND id=? ORDER BY seq"));
  ResetOnExit guard{s};
  s->bind(1, resource_name(resource)).bind(2, id);
  return mutations_of(s);
}

Result<std::int64_t> LocalStore::drop_pending(Resource resource, std::string_view id) {
  std::int64_t dropped = 0;
  const Status done = atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        c_->prepare("DELETE FROM queue WHERE resource=? AND id=? AND batch IS NULL"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, resource_name(resource)).bind(2, id).run());
    dropped = changes();
    return Status();
  });
  if (!done.ok()) return done.error();
  return dropped;
}

Status LocalStore::replace_pending(Resource resource, std::string_view id, MutationType type,
                                   std::optional<std::string_view> local_data,
                                   std::optional<std::string_view> server_data,
                                   std::int64_t server_version) {
  if (id.empty()) return bad_input("a record needs an id");
  if ((type == MutationType::kDelete) != !local_data) {
    return bad_input("a DELETE carries no local data; a CREATE or UPDATE does");
  }
  std::optional<json::object> local;
  std::optional<json::object> server;
  if (local_data) {
    SYNCLOG_ASSIGN_OR_RETURN(local, parse_object(*local_data, "the local data"));
  }
  if (server_data) {
    SYNCLOG_ASSIGN_OR_RETURN(server, parse_object(*server_data, "the server's data"));
  }
  return atomically([&]() -> Status {
    QueuedMutation m;
    m.resource = resource;
    m.id = std::string(id);
    m.type = type;
    m.base_version = server_version;
    m.client_updated_at = local ? updated_at_or(*local, now_ms()) : now_ms();
    if (local_data) {
      m.data = std::string(*local_data);
    } else if (resource == Resource::kCollectionBookmark) {
      // The DELETE must name the pair: from the local row, else the server's, else what is
      // already queued.
      SYNCLOG_ASSIGN_OR_RETURN(auto existing, get_stored(resource, id));
      SYNCLOG_ASSIGN_OR_RETURN(auto queued, last_queued(resource, id));
      std::optional<json::object> source;
      if (existing) {
        SYNCLOG_ASSIGN_OR_RETURN(source, parse_object(existing->record.data, "stored data"));
      } else if (server) {
        source = server;
      } else if (queued) {
        SYNCLOG_ASSIGN_OR_RETURN(source, parse_object(queued->data, "queued data"));
      }
      if (!source)
        return bad_input(record_name(resource, id) + ": its collection and bookmark are unknown");
      SYNCLOG_ASSIGN_OR_RETURN(auto membership, membership_of(*source));
      m.data = membership.data();
    } else {
      m.data = "{}";
    }
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          c_->prepare("DELETE FROM queue WHERE resource=? AND id=? AND batch IS NULL"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, resource_name(resource)).bind(2, id).run());
    }
    if (local_data) {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          c_->prepare("INSERT INTO records(resource, id, data, version, base) VALUES(?,?,?,?,?) "
                      "ON CONFLICT(resource, id) DO UPDATE SET data=excluded.data, "
                      "version=excluded.version, base=excluded.base"));
      ResetOnExit guard{s};
      s->bind(1, resource_name(resource)).bind(2, id).bind(3, *local_data).bind(4, server_version);
      if (server_data) {
        s->bind(5, *server_data);
      } else {
        s->bind_null(5);
      }
      SYNCLOG_RETURN_IF_ERROR(s->run());
    } else {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                               c_->prepare("DELETE FROM records WHERE resource=? AND id=?"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, resource_name(resource)).bind(2, id).run());
    }
    return enqueue(m);
  });
}

Status LocalStore::hold_pending(Resource resource, std::string_view id,
                                std::int64_t conflict_seq) {
  if (conflict_seq < 1) return bad_input("a hold names its conflict-log row");
  return atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        c_->prepare("UPDATE queue SET held=? WHERE resource=? AND id=? AND batch IS NULL"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(
        s->bind(1, conflict_seq).bind(2, resource_name(resource)).bind(3, id).run());
    if (changes() == 0) {
      return make_error(ErrorCode::kNotFound,
                        record_name(resource, id) + " has nothing pending to hold");
    }
    return Status();
  });
}

Result<std::int64_t> LocalStore::release_held(Resource resource, std::string_view id) {
  std::int64_t released = 0;
  const Status done = atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        c_->prepare("UPDATE queue SET held=0 WHERE resource=? AND id=? AND held<>0"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, resource_name(resource)).bind(2, id).run());
    released = changes();
    return Status();
  });
  if (!done.ok()) return done.error();
  return released;
}

Result<std::int64_t> LocalStore::held_count() {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s, c_->prepare("SELECT count(*) FROM queue WHERE held<>0"));
  ResetOnExit guard{s};
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  return row ? s->int_at(0) : 0;
}

//////// The conflict log

Result<std::int64_t> LocalStore::append_conflict(const ConflictRecord& c) {
  json::array fields;
  for (const auto& f : c.clashing_fields) fields.emplace_back(f);
  std::int64_t seq = 0;
  const Status done = atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        c_->prepare("INSERT INTO conflicts(at_ms, resource, id, strategy, outcome, local, server, "
                    "result, clashing_fields, reason, resolved) VALUES(?,?,?,?,?,?,?,?,?,?,?)"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, c.at_ms != 0 ? c.at_ms : now_ms())
                                .bind(2, resource_name(c.resource))
                                .bind(3, c.id)
                                .bind(4, strategy_name(c.strategy))
                                .bind(5, outcome_name(c.outcome))
                                .bind(6, c.local)
                                .bind(7, c.server)
                                .bind(8, c.result)
                                .bind(9, json::serialize(fields))
                                .bind(10, c.reason)
                                .bind(11, std::int64_t{c.resolved ? 1 : 0})
                                .run());
    SYNCLOG_ASSIGN_OR_RETURN(Statement * last, c_->prepare("SELECT last_insert_rowid()"));
    ResetOnExit last_guard{last};
    SYNCLOG_ASSIGN_OR_RETURN(bool row, last->step());
    if (row) seq = last->int_at(0);
    return Status();
  });
  if (!done.ok()) return done.error();
  return seq;
}

Result<std::vector<ConflictRecord>> LocalStore::conflicts(bool unresolved_only) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      c_->prepare("SELECT seq, at_ms, resource, id, strategy, outcome, local, server, result, "
                  "clashing_fields, reason, resolved FROM conflicts "
                  "WHERE resolved=0 OR ?=0 ORDER BY seq"));
  ResetOnExit guard{s};
  s->bind(1, std::int64_t{unresolved_only ? 1 : 0});
  std::vector<ConflictRecord> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    SYNCLOG_ASSIGN_OR_RETURN(auto c, conflict_from_row(*s));
    out.push_back(std::move(c));
  }
  return out;
}

Status LocalStore::mark_resolved(std::int64_t seq, std::string_view result) {
  return atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        c_->prepare("UPDATE conflicts SET resolved=1, "
                    "result=CASE WHEN ?2 IS NULL THEN result ELSE ?2 END WHERE seq=?1"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, seq).bind_or_null(2, result).run());
    if (changes() == 0) {
      return make_error(ErrorCode::kNotFound, "no conflict " + std::to_string(seq));
    }
    SYNCLOG_ASSIGN_OR_RETURN(Statement * release,
                             c_->prepare("UPDATE queue SET held=0 WHERE held=?"));
    ResetOnExit release_guard{release};
    return release->bind(1, seq).run();
  });
}

Status LocalStore::answer_conflict(std::int64_t seq, std::string_view answer) {
  return atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto log, conflicts(/*unresolved_only=*/false));
    const auto row = std::find_if(log.begin(), log.end(), [&](const ConflictRecord& c) { return c.seq == seq; });
    if (row == log.end()) return make_error(ErrorCode::kNotFound, "no conflict " + std::to_string(seq));
    if (row->resolved) {
      return make_error(ErrorCode::kPreconditionFailed, "conflict " + std::to_string(seq) + " is resolved already");
    }
    if (answer == "null") {
      SYNCLOG_ASSIGN_OR_RETURN(auto current, get(row->resource, row->id));
      if (current) SYNCLOG_RETURN_IF_ERROR(remove(row->resource, row->id));
    } else {
      SYNCLOG_RETURN_IF_ERROR(put(row->resource, answer, std::string_view(row->id)).status());
    }
    return mark_resolved(seq, answer);
  });
}

}  // namespace synclog::client
