// The app's side of the device's spaces (include/synclog/client/spaces.hpp): reads, checked
// writes, and what needs the person. The engine's side (cursors, pushes) is SpaceFile.
#include "synclog/client/spaces.hpp"

#include "client/space_file.hpp"
#include "client/space_validation.hpp"
#include "common/ids.hpp"
#include "common/time_format.hpp"
#include "storage/sqlite/statement.hpp"

#include <sqlite3.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace synclog::client {
namespace json = boost::json;
using storage::sqlite::ResetOnExit;
using storage::sqlite::Statement;

namespace {

// Members of a record that are the server's bookkeeping, not fields the person sets.
constexpr const char* kRecordMeta[] = {"id", "clientCreatedAt", "updatedBy"};

json::value parse_or_null(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

std::string text_of(const json::value* v) {
  return v ? json::serialize(*v) : std::string("null");
}

std::string string_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

FieldVersion side_of(const json::value* v) {
  FieldVersion s;
  if (!v || !v->is_object()) return s;
  const auto& o = v->as_object();
  s.value = text_of(o.if_contains("value"));
  s.by = string_of(o, "by");
  s.client = string_of(o, "client");
  s.at = string_of(o, "at");
  s.captured_at = string_of(o, "capturedAt");
  return s;
}

}  // namespace

SpaceStore::SpaceStore(LocalStore& store) : store_(store) {}

//////// The app's schema

Status SpaceStore::set_app_schema(std::string_view document) {
  SYNCLOG_RETURN_IF_ERROR(check_schema_document(document));
  const std::string name = schema_document_name(document);
  const std::int64_t version = schema_document_version(document);
  SpaceFile file(store_);
  return file.atomically([&]() -> Status {
    SYNCLOG_RETURN_IF_ERROR(file.set_schema(name, version, document, /*pinned=*/true));
    // An app built for a newer version may sync spaces that waited for it.
    SYNCLOG_ASSIGN_OR_RETURN(auto rows, file.spaces());
    for (const auto& r : rows) {
      if (r.schema == name && r.needed_version > 0 && r.needed_version <= version) {
        SYNCLOG_RETURN_IF_ERROR(file.set_needed_version(r.id, 0));
      }
    }
    return Status();
  });
}

Result<std::int64_t> SpaceStore::schema_version(std::string_view schema) {
  SpaceFile file(store_);
  SYNCLOG_ASSIGN_OR_RETURN(auto doc, file.schema(schema));
  return doc ? doc->version : 0;
}

Result<std::optional<std::string>> SpaceStore::schema_document(std::string_view schema) {
  SpaceFile file(store_);
  SYNCLOG_ASSIGN_OR_RETURN(auto doc, file.schema(schema));
  if (!doc) return std::optional<std::string>();
  return std::optional<std::string>(std::move(doc->document));
}

//////// Spaces and records

Result<std::vector<SpaceInfo>> SpaceStore::spaces() {
  SpaceFile file(store_);
  SYNCLOG_ASSIGN_OR_RETURN(auto rows, file.spaces());
  std::vector<SpaceInfo> out;
  for (const auto& r : rows) {
    SpaceInfo info;
    info.id = r.id;
    info.name = r.name;
    info.schema = r.schema;
    info.role = r.role;
    info.cursor = r.cursor;
    info.update_required = r.needed_version;
    SYNCLOG_ASSIGN_OR_RETURN(info.pending, file.pending_count(r.id));
    for (const auto& [sql, out_count] :
         {std::pair{"SELECT count(*) FROM space_conflicts WHERE space=? AND resolution IS NULL",
                    &info.conflicts},
          std::pair{"SELECT count(*) FROM space_rejections WHERE space=?", &info.rejected}}) {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s, store_.c_->prepare(sql));
      ResetOnExit guard{s};
      s->bind(1, r.id);
      SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
      *out_count = row ? s->int_at(0) : 0;
    }
    out.push_back(std::move(info));
  }
  return out;
}

Result<std::optional<SpaceInfo>> SpaceStore::space(std::string_view space) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, spaces());
  for (auto& s : all) {
    if (s.id == space) return std::optional<SpaceInfo>(std::move(s));
  }
  return std::optional<SpaceInfo>();
}

Result<std::string> SpaceStore::put(std::string_view space, std::string_view type,
                                    std::string_view data, std::optional<std::string_view> id) {
  json::value parsed = parse_or_null(data);
  if (!parsed.is_object()) return make_error(ErrorCode::kInvalidRequest, "data must be a JSON object");
  if (id && !is_valid_id(*id)) {
    return make_error(ErrorCode::kInvalidRequest, "an id is 1-64 of [A-Za-z0-9_-]");
  }
  SpaceFile file(store_);
  std::string record_id = id ? std::string(*id) : new_resource_id();
  const Status done = file.atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto row, file.space(space));
    if (!row) return make_error(ErrorCode::kNotFound, "No space " + std::string(space) + " on this device");
    if (row->needed_version > 0) {
      return make_error(ErrorCode::kPreconditionFailed,
                        "Space " + std::string(space) + " needs the app to be updated (schema " +
                            row->schema + " version " + std::to_string(row->needed_version) + ")");
    }
    SYNCLOG_ASSIGN_OR_RETURN(auto doc, file.schema(row->schema));
    if (!doc) {
      return make_error(ErrorCode::kPreconditionFailed,
                        "The device does not have schema " + row->schema + " yet: sync first");
    }
    SYNCLOG_ASSIGN_OR_RETURN(auto current, file.record(space, type, record_id));
    const bool is_new = !current || (current->rejected && current->version == 0);
    // The capture time is the app's when it says (a form filled earlier), else now.
    std::int64_t captured = file.now_ms();
    json::object fields = std::move(parsed.as_object());
    if (const auto* t = fields.if_contains("clientUpdatedAt")) {
      std::optional<std::int64_t> ms;
      if (t->is_string()) ms = parse_iso8601_ms(t->as_string());
      if (t->is_int64()) ms = t->as_int64();
      if (!ms) return make_error(ErrorCode::kInvalidRequest, "clientUpdatedAt is not a time");
      captured = *ms;
      fields.erase("clientUpdatedAt");
    }
    for (const char* meta : kRecordMeta) {
      if (meta != std::string_view("clientCreatedAt") || !is_new) fields.erase(meta);
    }
    if (is_new && current && current->rejected) {
      // A refused new record put again: what the person typed before, with what they fixed.
      json::value kept = parse_or_null(current->data);
      if (kept.is_object()) {
        for (const auto& [k, v] : fields) kept.as_object()[k] = v;
        fields = std::move(kept.as_object());
      }
    }
    auto exists = [&](std::string_view to, std::string_view ref) -> Result<bool> {
      SYNCLOG_ASSIGN_OR_RETURN(auto r, file.record(space, to, ref));
      return r.has_value() && !r->rejected;
    };
    SYNCLOG_ASSIGN_OR_RETURN(
        std::string canonical,
        check_space_edit(doc->document, type, row->role,
                         is_new ? MutationType::kCreate : MutationType::kUpdate, is_new,
                         json::serialize(fields), exists));
    // An UPDATE carries what the person changed, and nothing they left as it was (compared in
    // canonical form: the same instant in another offset, 53.0 for 53): the server then judges
    // only real changes, and a field nobody touched is never a conflict.
    if (!is_new) {
      json::value changed = parse_or_null(canonical);
      const json::value shown = parse_or_null(current->data);
      if (!changed.is_object()) return make_error(ErrorCode::kInternal, "a field check lost its data");
      auto& out = changed.as_object();
      for (auto it = out.begin(); it != out.end();) {
        const json::value* was = shown.is_object() ? shown.as_object().if_contains(it->key()) : nullptr;
        const bool same = was ? *was == it->value() : it->value().is_null();
        it = same ? out.erase(it) : std::next(it);
      }
      if (out.empty()) return Status();
      canonical = json::serialize(out);
    }
    SpaceEdit edit;
    edit.space = std::string(space);
    edit.type = std::string(type);
    edit.id = record_id;
    edit.op = is_new ? MutationType::kCreate : MutationType::kUpdate;
    edit.fields = std::move(canonical);
    edit.base_version = current ? current->version : 0;
    edit.captured_ms = captured;
    if (is_new && current && current->rejected) {
      // Put again after a rejection: the person fixed it; the rejection is answered.
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare("UPDATE space_records SET rejected=0, data='null' WHERE space=? AND "
                             "type=? AND id=?"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, space).bind(2, type).bind(3, record_id).run());
    }
    return file.enqueue(std::move(edit));
  });
  if (!done.ok()) return done.error();
  return record_id;
}

Status SpaceStore::remove(std::string_view space, std::string_view type, std::string_view id) {
  SpaceFile file(store_);
  return file.atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto row, file.space(space));
    if (!row) return make_error(ErrorCode::kNotFound, "No space " + std::string(space) + " on this device");
    SYNCLOG_ASSIGN_OR_RETURN(auto current, file.record(space, type, id));
    if (!current) {
      return make_error(ErrorCode::kNotFound, "No " + std::string(type) + " " + std::string(id) +
                                                  " in space " + std::string(space));
    }
    SYNCLOG_ASSIGN_OR_RETURN(auto doc, file.schema(row->schema));
    if (doc) {
      auto none = [](std::string_view, std::string_view) { return Result<bool>(true); };
      SYNCLOG_RETURN_IF_ERROR(
          check_space_edit(doc->document, type, row->role, MutationType::kDelete, false, "{}", none)
              .status());
    }
    SpaceEdit edit;
    edit.space = std::string(space);
    edit.type = std::string(type);
    edit.id = std::string(id);
    edit.op = MutationType::kDelete;
    edit.fields = "{}";
    edit.base_version = current->version;
    edit.captured_ms = file.now_ms();
    return file.enqueue(std::move(edit));
  });
}

Result<std::optional<SpaceRecord>> SpaceStore::get(std::string_view space, std::string_view type,
                                                   std::string_view id) {
  return SpaceFile(store_).record(space, type, id);
}

Result<std::vector<SpaceRecord>> SpaceStore::list(std::string_view space, std::string_view type) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("SELECT id FROM space_records WHERE space=? AND type=? AND data<>'null' "
                         "ORDER BY id"));
  std::vector<std::string> ids;
  {
    ResetOnExit guard{s};
    s->bind(1, space).bind(2, type);
    for (;;) {
      SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
      if (!row) break;
      ids.emplace_back(s->text_at(0));
    }
  }
  std::vector<SpaceRecord> out;
  SpaceFile file(store_);
  for (const auto& id : ids) {
    SYNCLOG_ASSIGN_OR_RETURN(auto r, file.record(space, type, id));
    if (r) out.push_back(std::move(*r));
  }
  return out;
}

//////// What needs the person

Result<std::vector<SpaceConflict>> SpaceStore::conflicts(bool unresolved_only) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare(unresolved_only
                             ? "SELECT seq, at_ms, space, type, id, reason, version, server, "
                               "clashes, local, base, resolution FROM space_conflicts WHERE "
                               "resolution IS NULL ORDER BY seq"
                             : "SELECT seq, at_ms, space, type, id, reason, version, server, "
                               "clashes, local, base, resolution FROM space_conflicts ORDER BY seq"));
  ResetOnExit guard{s};
  std::vector<SpaceConflict> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    SpaceConflict c;
    c.seq = s->int_at(0);
    c.at_ms = s->int_at(1);
    c.space = std::string(s->text_at(2));
    c.type = std::string(s->text_at(3));
    c.id = std::string(s->text_at(4));
    c.reason = std::string(s->text_at(5));
    c.version = s->int_at(6);
    c.server = std::string(s->text_at(7));
    c.local = std::string(s->text_at(9));
    c.resolved = !s->is_null(11);
    const json::value clashes = parse_or_null(s->text_at(8));
    const json::value base = parse_or_null(s->text_at(10));
    if (clashes.is_array()) {
      for (const auto& item : clashes.as_array()) {
        if (!item.is_object()) continue;
        const auto& o = item.as_object();
        FieldClash fc;
        fc.field = string_of(o, "field");
        fc.server = side_of(o.if_contains("server"));
        fc.local = side_of(o.if_contains("device"));
        fc.base = text_of(base.is_object() ? base.as_object().if_contains(fc.field) : nullptr);
        c.clashes.push_back(std::move(fc));
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::optional<SpaceConflict>> SpaceStore::conflict(std::int64_t seq) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, conflicts(false));
  for (auto& c : all) {
    if (c.seq == seq) return std::optional<SpaceConflict>(std::move(c));
  }
  return std::optional<SpaceConflict>();
}

Status SpaceStore::resolve(std::int64_t conflict_seq, const SpaceResolution& resolution) {
  SpaceFile file(store_);
  if (!resolution.fields.empty()) {
    // Values the person chose are checked like any edit before they are queued.
    SYNCLOG_ASSIGN_OR_RETURN(auto c, conflict(conflict_seq));
    if (c) {
      SYNCLOG_ASSIGN_OR_RETURN(auto row, file.space(c->space));
      SYNCLOG_ASSIGN_OR_RETURN(auto doc, row ? file.schema(row->schema) : Result<std::optional<SchemaDoc>>(std::nullopt));
      if (row && doc) {
        json::object chosen;
        for (const auto& [field, value] : resolution.fields) chosen[field] = parse_or_null(value);
        auto exists = [&](std::string_view to, std::string_view ref) -> Result<bool> {
          SYNCLOG_ASSIGN_OR_RETURN(auto r, file.record(c->space, to, ref));
          return r.has_value() && !r->rejected;
        };
        SYNCLOG_RETURN_IF_ERROR(check_space_edit(doc->document, c->type, row->role,
                                                 MutationType::kUpdate, false,
                                                 json::serialize(chosen), exists)
                                    .status());
      }
    }
  }
  return file.resolve(conflict_seq, resolution);
}

Result<std::vector<SpaceRejection>> SpaceStore::rejections() {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("SELECT seq, at_ms, space, type, id, op, fields, reason, field, message "
                         "FROM space_rejections ORDER BY seq"));
  ResetOnExit guard{s};
  std::vector<SpaceRejection> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    SpaceRejection r;
    r.seq = s->int_at(0);
    r.at_ms = s->int_at(1);
    r.space = std::string(s->text_at(2));
    r.type = std::string(s->text_at(3));
    r.id = std::string(s->text_at(4));
    r.op = std::string(s->text_at(5));
    r.fields = std::string(s->text_at(6));
    r.reason = std::string(s->text_at(7));
    r.field = std::string(s->text_at(8));
    r.message = std::string(s->text_at(9));
    r.advice = rejection_advice(r.reason, r.field);
    out.push_back(std::move(r));
  }
  return out;
}

Status SpaceStore::dismiss_rejection(std::int64_t seq) {
  SpaceFile file(store_);
  return file.atomically([&]() -> Status {
    std::string space, type, id;
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare("SELECT space, type, id FROM space_rejections WHERE seq=?"));
      ResetOnExit guard{s};
      s->bind(1, seq);
      SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
      if (!row) return make_error(ErrorCode::kNotFound, "No rejection " + std::to_string(seq));
      space = std::string(s->text_at(0));
      type = std::string(s->text_at(1));
      id = std::string(s->text_at(2));
    }
    for (const char* sql : {"DELETE FROM space_rejections WHERE seq=?",
                            "UPDATE space_records SET rejected=0 WHERE rejected=?"}) {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s, store_.c_->prepare(sql));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, seq).run());
    }
    return file.refresh(space, type, id);
  });
}

Result<std::vector<QuarantinedEdit>> SpaceStore::quarantine() {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("SELECT seq, at_ms, space, space_name, type, id, op, fields, "
                         "captured_ms, reason FROM quarantine ORDER BY seq"));
  ResetOnExit guard{s};
  std::vector<QuarantinedEdit> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    QuarantinedEdit q;
    q.seq = s->int_at(0);
    q.at_ms = s->int_at(1);
    q.space = std::string(s->text_at(2));
    q.space_name = std::string(s->text_at(3));
    q.type = std::string(s->text_at(4));
    q.id = std::string(s->text_at(5));
    q.op = std::string(s->text_at(6));
    q.fields = std::string(s->text_at(7));
    q.captured_ms = s->int_at(8);
    q.reason = std::string(s->text_at(9));
    out.push_back(std::move(q));
  }
  return out;
}

Result<std::string> SpaceStore::export_quarantine() {
  SYNCLOG_ASSIGN_OR_RETURN(auto items, quarantine());
  json::array out;
  for (const auto& q : items) {
    json::object o;
    o["seq"] = q.seq;
    o["quarantinedAt"] = format_iso8601_ms(q.at_ms);
    o["spaceId"] = q.space;
    o["spaceName"] = q.space_name;
    o["type"] = q.type;
    o["resourceId"] = q.id;
    o["op"] = q.op;
    o["data"] = parse_or_null(q.fields);
    o["capturedAt"] = format_iso8601_ms(q.captured_ms);
    o["reason"] = q.reason;
    out.push_back(std::move(o));
  }
  return json::serialize(out);
}

Status SpaceStore::discard_quarantined(std::int64_t seq) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s, store_.c_->prepare("DELETE FROM quarantine WHERE seq=?"));
  ResetOnExit guard{s};
  SYNCLOG_RETURN_IF_ERROR(s->bind(1, seq).run());
  if (sqlite3_changes(store_.c_->handle()) != 1) {
    return make_error(ErrorCode::kNotFound, "No quarantined edit " + std::to_string(seq));
  }
  return Status();
}

}  // namespace synclog::client
