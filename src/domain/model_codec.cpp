// Record encoding. Encoding writes JSON by hand (fixed key order); decoding uses Boost.JSON and
// treats anything unexpected as corruption rather than guessing.
#include "domain/model_codec.hpp"

#include <boost/json.hpp>

#include "common/json_text.hpp"
#include "domain/field_stamps.hpp"
#include "domain/json_input.hpp"
#include "domain/resource.hpp"
#include "domain/wire.hpp"

namespace synclog::domain {
namespace json = boost::json;
namespace {

std::uint8_t kind_of(Resource r) { return static_cast<std::uint8_t>(r); }

// The client times, the last writer and the field stamps ("fields": [[ts, "client"], ...] in
// field_names order; absent for a resource without judged fields).
template <class T>
void put_common(JsonObjectWriter& w, const T& v) {
  w.num("clientCreatedAt", v.client.created_ms).num("clientUpdatedAt", v.client.updated_ms)
      .str("modifiedBy", v.modified_by);
  if (v.stamps.at.empty()) return;
  std::string list = "[";
  for (const auto& s : v.stamps.at) {
    if (list.size() > 1) list.push_back(',');
    list.push_back('[');
    append_json_int(list, s.ts);
    list.push_back(',');
    append_json_string(list, s.by);
    list.push_back(']');
  }
  list.push_back(']');
  w.raw("fields", list);
}

Error corrupt(const storage::Record& r, std::string_view what) {
  return make_error(ErrorCode::kInternal,
                    "corrupt record " + r.id + " (kind " + std::to_string(r.kind) + "): " +
                        std::string(what));
}

// Reads the fields every record has; returns the parsed object for the rest.
class Decoder {
 public:
  // Read with the request bodies' parser (json_input.hpp), which reads decimals exactly: a
  // note's metadata comes back as it was stored.
  explicit Decoder(const storage::Record& r) : r_(r), v_(parse(r.data)) {
    if (!v_.is_object()) failed_ = true;
  }
  bool failed() const { return failed_; }
  const json::object& obj() const { return v_.get_object(); }

  std::int64_t i64(std::string_view k) {
    const auto* p = obj().if_contains(k);
    if (!p || !p->is_int64()) {
      failed_ = true;
      return 0;
    }
    return p->get_int64();
  }
  int i32(std::string_view k) { return static_cast<int>(i64(k)); }
  std::optional<int> opt_i32(std::string_view k) {
    const auto* p = obj().if_contains(k);
    if (!p || p->is_null()) return std::nullopt;
    if (!p->is_int64()) failed_ = true;
    return p->is_int64() ? std::optional<int>(static_cast<int>(p->get_int64())) : std::nullopt;
  }
  bool boolean(std::string_view k) {
    const auto* p = obj().if_contains(k);
    if (!p || !p->is_bool()) {
      failed_ = true;
      return false;
    }
    return p->get_bool();
  }
  std::string str(std::string_view k) {
    const auto* p = obj().if_contains(k);
    if (!p || !p->is_string()) {
      failed_ = true;
      return {};
    }
    return std::string(p->get_string());
  }
  ClientStamps stamps() { return ClientStamps{i64("clientCreatedAt"), i64("clientUpdatedAt")}; }
  // The stored field stamps; none when the record predates them or holds something else.
  std::vector<FieldStamp> field_stamps() {
    std::vector<FieldStamp> out;
    const auto* p = obj().if_contains("fields");
    if (!p || !p->is_array()) return out;
    for (const auto& item : p->get_array()) {
      const auto* pair = item.if_array();
      if (!pair || pair->size() != 2 || !(*pair)[0].is_int64() || !(*pair)[1].is_string()) {
        failed_ = true;
        return {};
      }
      out.push_back(FieldStamp{(*pair)[0].get_int64(), std::string((*pair)[1].get_string())});
    }
    return out;
  }

 private:
  static json::value parse(std::string_view text) {
    auto v = parse_json(text);
    return v.ok() ? std::move(*v) : json::value();
  }

  const storage::Record& r_;
  json::value v_;
  bool failed_ = false;
};

storage::Record base_record(Resource kind, std::string id, std::int64_t version,
                            std::int64_t created_ts) {
  storage::Record r;
  r.kind = kind_of(kind);
  r.id = std::move(id);
  r.version = version;
  r.created_ts = created_ts;
  return r;
}

}  // namespace

storage::Record to_record(const Bookmark& b) {
  auto r = base_record(Resource::kBookmark, b.id, b.version, b.created_ts);
  JsonObjectWriter w;
  w.str("kind", bookmark_kind_name(b.details.kind)).num("key", b.details.key);
  if (b.details.verse) w.num("verse", *b.details.verse);
  if (b.details.mushaf) w.num("mushaf", *b.details.mushaf);
  w.boolean("inDefault", b.in_default).boolean("reading", b.is_reading);
  put_common(w, b);
  r.data = std::move(w).finish();
  r.k1 = b.details.identity();
  if (b.is_reading) r.k2 = std::string(kReadingBookmarkKey);
  return r;
}

storage::Record to_record(const Collection& c) {
  auto r = base_record(Resource::kCollection, c.id, c.version, c.created_ts);
  JsonObjectWriter w;
  w.str("name", c.name).str("slug", c.slug).boolean("private", c.is_private);
  put_common(w, c);
  r.data = std::move(w).finish();
  return r;
}

storage::Record to_record(const Membership& m) {
  auto r = base_record(Resource::kCollectionBookmark, m.record_id(), m.version, m.created_ts);
  JsonObjectWriter w;
  w.str("collectionId", m.collection_id).str("bookmarkId", m.bookmark_id);
  put_common(w, m);
  r.data = std::move(w).finish();
  r.k1 = m.collection_id;
  r.k2 = m.bookmark_id;
  return r;
}

storage::Record to_record(const Note& n) {
  auto r = base_record(Resource::kNote, n.id, n.version, n.created_ts);
  JsonObjectWriter w;
  w.str("body", n.body).raw("ranges", ranges_json(n.ranges)).boolean("saveToQR", n.save_to_qr)
      .str("source", n.source).raw("entities", entities_json(n.entities));
  put_common(w, n);
  r.data = std::move(w).finish();
  return r;
}

storage::Record to_record(const ReadingSession& s) {
  auto r = base_record(Resource::kReadingSession, s.id, s.version, s.created_ts);
  JsonObjectWriter w;
  w.num("chapter", s.chapter).num("verse", s.verse);
  put_common(w, s);
  r.data = std::move(w).finish();
  return r;
}

Result<Bookmark> bookmark_from(const storage::Record& r) {
  Decoder d(r);
  if (d.failed()) return corrupt(r, "data is not an object");
  Bookmark b;
  b.id = r.id;
  b.version = r.version;
  b.created_ts = r.created_ts;
  const auto kind = parse_bookmark_kind(d.str("kind"));
  if (!kind) return corrupt(r, "bad kind");
  b.details.kind = *kind;
  b.details.key = d.i32("key");
  b.details.verse = d.opt_i32("verse");
  b.details.mushaf = d.opt_i32("mushaf");
  b.in_default = d.boolean("inDefault");
  b.is_reading = d.boolean("reading");
  b.client = d.stamps();
  b.modified_by = d.str("modifiedBy");
  finish_loading(b, d.field_stamps());
  if (d.failed()) return corrupt(r, "missing or mistyped field");
  return b;
}

Result<Collection> collection_from(const storage::Record& r) {
  Decoder d(r);
  if (d.failed()) return corrupt(r, "data is not an object");
  Collection c;
  c.id = r.id;
  c.version = r.version;
  c.created_ts = r.created_ts;
  c.name = d.str("name");
  c.slug = d.str("slug");
  c.is_private = d.boolean("private");
  c.client = d.stamps();
  c.modified_by = d.str("modifiedBy");
  finish_loading(c, d.field_stamps());
  if (d.failed()) return corrupt(r, "missing or mistyped field");
  return c;
}

Result<Membership> membership_from(const storage::Record& r) {
  Decoder d(r);
  if (d.failed()) return corrupt(r, "data is not an object");
  Membership m;
  m.version = r.version;
  m.created_ts = r.created_ts;
  m.collection_id = d.str("collectionId");
  m.bookmark_id = d.str("bookmarkId");
  m.client = d.stamps();
  m.modified_by = d.str("modifiedBy");
  finish_loading(m, d.field_stamps());
  if (d.failed()) return corrupt(r, "missing or mistyped field");
  return m;
}

Result<Note> note_from(const storage::Record& r) {
  Decoder d(r);
  if (d.failed()) return corrupt(r, "data is not an object");
  Note n;
  n.id = r.id;
  n.version = r.version;
  n.created_ts = r.created_ts;
  n.body = d.str("body");
  n.save_to_qr = d.boolean("saveToQR");
  n.source = d.str("source");
  n.client = d.stamps();
  n.modified_by = d.str("modifiedBy");
  const auto* ranges = d.obj().if_contains("ranges");
  const auto* entities = d.obj().if_contains("entities");
  if (d.failed() || !ranges || !ranges->is_array() || !entities || !entities->is_array()) {
    return corrupt(r, "missing or mistyped field");
  }
  for (const auto& v : ranges->get_array()) {
    if (!v.is_string()) return corrupt(r, "bad range");
    n.ranges.emplace_back(v.get_string());
  }
  for (const auto& v : entities->get_array()) {
    const auto* o = v.if_object();
    if (!o) return corrupt(r, "bad entity");
    AttachedEntity e;
    const auto* id = o->if_contains("entityId");
    const auto* type = o->if_contains("entityType");
    if (!id || !id->is_string() || !type || !type->is_string()) return corrupt(r, "bad entity");
    e.entity_id = id->get_string();
    e.entity_type = type->get_string();
    if (const auto* meta = o->if_contains("entityMetadata")) e.metadata_json = json::serialize(*meta);
    n.entities.push_back(std::move(e));
  }
  finish_loading(n, d.field_stamps());
  if (d.failed()) return corrupt(r, "mistyped field stamps");
  return n;
}

Result<ReadingSession> reading_session_from(const storage::Record& r) {
  Decoder d(r);
  if (d.failed()) return corrupt(r, "data is not an object");
  ReadingSession s;
  s.id = r.id;
  s.version = r.version;
  s.created_ts = r.created_ts;
  s.chapter = d.i32("chapter");
  s.verse = d.i32("verse");
  s.client = d.stamps();
  s.modified_by = d.str("modifiedBy");
  finish_loading(s, d.field_stamps());
  if (d.failed()) return corrupt(r, "missing or mistyped field");
  return s;
}

}  // namespace synclog::domain
