// The shared spaces' part of the device file (space_file.hpp).
#include "client/space_file.hpp"

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
#include <sstream>

namespace synclog::client {
namespace json = boost::json;
using storage::sqlite::ResetOnExit;
using storage::sqlite::Statement;

namespace {

constexpr std::string_view kMetaFeedCursor = "space_feed_cursor";

json::object object_of(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return !ec && v.is_object() ? std::move(v.as_object()) : json::object();
}

std::optional<json::object> optional_object(const Statement& s, int column) {
  if (s.is_null(column)) return std::nullopt;
  const auto text = s.text_at(column);
  if (text == "null") return std::nullopt;
  return object_of(text);
}

void overlay(json::object& onto, const json::object& fields) {
  for (const auto& [k, v] : fields) onto[k] = v;
}

SpaceEdit edit_at(const Statement& s) {
  // Columns: seq, space, type, id, op, fields, base_version, captured_ms, batch, held.
  SpaceEdit e;
  e.seq = s.int_at(0);
  e.space = std::string(s.text_at(1));
  e.type = std::string(s.text_at(2));
  e.id = std::string(s.text_at(3));
  e.op = parse_mutation_type(s.text_at(4)).value_or(MutationType::kUpdate);
  e.fields = std::string(s.text_at(5));
  e.base_version = s.int_at(6);
  e.captured_ms = s.int_at(7);
  e.batch = s.is_null(8) ? std::string() : std::string(s.text_at(8));
  e.held = s.int_at(9);
  return e;
}

constexpr const char* kEditColumns =
    "seq, space, type, id, op, fields, base_version, captured_ms, batch, held";

std::string join_seqs(const std::vector<SpaceEdit>& edits) {
  std::string out;
  for (const auto& e : edits) {
    if (!out.empty()) out.push_back(',');
    out += std::to_string(e.seq);
  }
  return out;
}

}  // namespace

std::string rejection_advice(std::string_view reason, std::string_view field) {
  const std::string f = field.empty() ? std::string("the record") : "field " + std::string(field);
  if (reason == "permission") {
    return "Your role in this space may not write this type: ask a lead to make the change, or "
           "to change your role.";
  }
  if (reason == "reference") {
    return "The record " + f + " points at no longer exists (it was deleted while you were "
           "offline): choose another one and save again.";
  }
  if (reason == "validation") return "Correct " + f + " and save again.";
  if (reason == "schema") return "The space no longer has this type: update the app.";
  return "Review the data below; nothing of it was lost.";
}

//////// The feed and the spaces

Result<std::int64_t> SpaceFile::feed_cursor() {
  SYNCLOG_ASSIGN_OR_RETURN(auto v, store_.meta(kMetaFeedCursor));
  return v ? std::stoll(*v) : 0;
}

Status SpaceFile::set_feed_cursor(std::int64_t cursor) {
  return store_.set_meta(kMetaFeedCursor, std::to_string(cursor));
}

Result<std::vector<SpaceRow>> SpaceFile::spaces() {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("SELECT space, name, schema, role, cursor, needed_version FROM spaces "
                         "ORDER BY space"));
  ResetOnExit guard{s};
  std::vector<SpaceRow> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    out.push_back(SpaceRow{std::string(s->text_at(0)), std::string(s->text_at(1)),
                           std::string(s->text_at(2)), std::string(s->text_at(3)), s->int_at(4),
                           s->int_at(5)});
  }
  return out;
}

Result<std::optional<SpaceRow>> SpaceFile::space(std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(auto all, spaces());
  for (auto& r : all) {
    if (r.id == id) return std::optional<SpaceRow>(std::move(r));
  }
  return std::optional<SpaceRow>();
}

Status SpaceFile::upsert_space(const FeedEntry& e) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("INSERT INTO spaces(space, name, schema, role, added_ms) VALUES(?,?,?,?,?) "
                         "ON CONFLICT(space) DO UPDATE SET name=excluded.name, "
                         "schema=excluded.schema, role=excluded.role"));
  ResetOnExit guard{s};
  return s->bind(1, e.space).bind(2, e.name).bind(3, e.schema).bind(4, e.role).bind(5, now_ms()).run();
}

Status SpaceFile::set_space_cursor(std::string_view space, std::int64_t cursor) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           store_.c_->prepare("UPDATE spaces SET cursor=? WHERE space=?"));
  ResetOnExit guard{s};
  return s->bind(1, cursor).bind(2, space).run();
}

Status SpaceFile::set_needed_version(std::string_view space, std::int64_t version) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           store_.c_->prepare("UPDATE spaces SET needed_version=? WHERE space=?"));
  ResetOnExit guard{s};
  return s->bind(1, version).bind(2, space).run();
}

Result<std::int64_t> SpaceFile::purge(std::string_view space, std::string_view reason) {
  std::int64_t kept = 0;
  const Status done = atomically([&]() -> Status {
    SYNCLOG_ASSIGN_OR_RETURN(auto row, this->space(space));
    const std::string name = row ? row->name : std::string(space);
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * q,
        store_.c_->prepare(
            "INSERT INTO quarantine(at_ms, space, space_name, type, id, op, fields, captured_ms, "
            "reason) VALUES(?,?,?,?,?,?,?,?,?)"));
    auto keep = [&](std::string_view type, std::string_view id, std::string_view op,
                    std::string_view fields, std::int64_t captured) -> Status {
      ResetOnExit guard{q};
      ++kept;
      return q->bind(1, now_ms()).bind(2, space).bind(3, name).bind(4, type).bind(5, id)
          .bind(6, op).bind(7, fields).bind(8, captured).bind(9, reason).run();
    };
    // Queued edits (pending, in flight or waiting in a conflict): the server never took them;
    // and refused edits the person has not dismissed: their data is still theirs to keep.
    for (const char* sql : {"SELECT type, id, op, fields, captured_ms FROM space_queue "
                            "WHERE space=? ORDER BY seq",
                            "SELECT type, id, op, fields, captured_ms FROM space_rejections "
                            "WHERE space=? ORDER BY seq"}) {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s, store_.c_->prepare(sql));
      std::vector<std::tuple<std::string, std::string, std::string, std::string, std::int64_t>> rows;
      {
        ResetOnExit guard{s};
        s->bind(1, space);
        for (;;) {
          SYNCLOG_ASSIGN_OR_RETURN(bool r, s->step());
          if (!r) break;
          rows.emplace_back(s->text_at(0), s->text_at(1), s->text_at(2), s->text_at(3), s->int_at(4));
        }
      }
      for (const auto& [t, i, o, f, c] : rows) SYNCLOG_RETURN_IF_ERROR(keep(t, i, o, f, c));
    }
    for (const char* sql :
         {"DELETE FROM space_queue WHERE space=?", "DELETE FROM space_batches WHERE space=?",
          "DELETE FROM space_records WHERE space=?", "DELETE FROM space_conflicts WHERE space=?",
          "DELETE FROM space_rejections WHERE space=?", "DELETE FROM spaces WHERE space=?"}) {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s, store_.c_->prepare(sql));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, space).run());
    }
    return Status();
  });
  if (!done.ok()) return done.error();
  return kept;
}

//////// Schemas

Result<std::optional<SchemaDoc>> SpaceFile::schema(std::string_view name) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("SELECT version, document, pinned FROM app_schemas WHERE name=?"));
  ResetOnExit guard{s};
  s->bind(1, name);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row) return std::optional<SchemaDoc>();
  return std::optional<SchemaDoc>(SchemaDoc{s->int_at(0), std::string(s->text_at(1)), s->int_at(2) != 0});
}

Status SpaceFile::set_schema(std::string_view name, std::int64_t version, std::string_view document,
                             bool pinned) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare(pinned ? "INSERT INTO app_schemas(name, version, document, pinned) "
                                  "VALUES(?,?,?,1) ON CONFLICT(name) DO UPDATE SET "
                                  "version=excluded.version, document=excluded.document, pinned=1"
                                : "INSERT INTO app_schemas(name, version, document, pinned) "
                                  "VALUES(?,?,?,0) ON CONFLICT(name) DO UPDATE SET "
                                  "version=excluded.version, document=excluded.document "
                                  "WHERE pinned=0"));
  ResetOnExit guard{s};
  return s->bind(1, name).bind(2, version).bind(3, document).run();
}

//////// Records

Result<std::optional<SpaceRecord>> SpaceFile::record(std::string_view space, std::string_view type,
                                                     std::string_view id) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare(
          "SELECT data, version, rejected, "
          "(SELECT count(*) FROM space_queue q WHERE q.space=r.space AND q.type=r.type AND q.id=r.id), "
          "(SELECT count(*) FROM space_queue q WHERE q.space=r.space AND q.type=r.type AND q.id=r.id "
          "AND q.held>0) FROM space_records r WHERE space=? AND type=? AND id=?"));
  ResetOnExit guard{s};
  s->bind(1, space).bind(2, type).bind(3, id);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  if (!row || s->text_at(0) == "null") return std::optional<SpaceRecord>();
  SpaceRecord r;
  r.space = std::string(space);
  r.type = std::string(type);
  r.id = std::string(id);
  r.data = std::string(s->text_at(0));
  r.version = s->int_at(1);
  r.rejected = s->int_at(2) != 0;
  r.pending = s->int_at(3) > 0;
  r.in_conflict = s->int_at(4) > 0;
  return std::optional<SpaceRecord>(std::move(r));
}

Status SpaceFile::apply_entry(std::string_view space, const SpaceEntry& e) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("INSERT INTO space_records(space, type, id, data, version, base) "
                         "VALUES(?,?,?,'null',?,?) ON CONFLICT(space, type, id) DO UPDATE SET "
                         "version=excluded.version, base=excluded.base "
                         "WHERE excluded.version >= space_records.version"));
  {
    // An older state never replaces a newer one (a conflict's record answered again after a
    // pull from 0 brought a later one).
    ResetOnExit guard{s};
    s->bind(1, space).bind(2, e.record_type).bind(3, e.id).bind(4, e.timestamp);
    if (e.data) {
      s->bind(5, *e.data);
    } else {
      s->bind_null(5);
    }
    SYNCLOG_RETURN_IF_ERROR(s->run());
  }
  return refresh(space, e.record_type, e.id);
}

Status SpaceFile::forget_synced(std::string_view space) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("DELETE FROM space_records WHERE space=? AND rejected=0 AND NOT EXISTS "
                         "(SELECT 1 FROM space_queue q WHERE q.space=space_records.space AND "
                         "q.type=space_records.type AND q.id=space_records.id)"));
  ResetOnExit guard{s};
  return s->bind(1, space).run();
}

Status SpaceFile::refresh(std::string_view space, std::string_view type, std::string_view id) {
  std::optional<json::object> view;
  bool have_row = false;
  bool rejected = false;
  bool has_base = false;
  {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("SELECT base, rejected, data FROM space_records WHERE space=? AND "
                           "type=? AND id=?"));
    ResetOnExit guard{s};
    s->bind(1, space).bind(2, type).bind(3, id);
    SYNCLOG_ASSIGN_OR_RETURN(have_row, s->step());
    if (have_row) {
      view = optional_object(*s, 0);
      has_base = view.has_value();
      rejected = s->int_at(1) != 0;
      // A refused new record keeps what the person typed.
      if (rejected && !has_base) view = optional_object(*s, 2);
    }
  }
  std::size_t edits = 0;
  {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("SELECT op, fields FROM space_queue WHERE space=? AND type=? AND id=? "
                           "ORDER BY seq"));
    ResetOnExit guard{s};
    s->bind(1, space).bind(2, type).bind(3, id);
    for (;;) {
      SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
      if (!row) break;
      ++edits;
      const auto op = parse_mutation_type(s->text_at(0)).value_or(MutationType::kUpdate);
      if (op == MutationType::kDelete) {
        view.reset();
        continue;
      }
      if (!view) view = json::object();
      overlay(*view, object_of(s->text_at(1)));
    }
  }
  if (!has_base && edits == 0 && !rejected) {
    if (!have_row) return Status();
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("DELETE FROM space_records WHERE space=? AND type=? AND id=?"));
    ResetOnExit guard{s};
    return s->bind(1, space).bind(2, type).bind(3, id).run();
  }
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("INSERT INTO space_records(space, type, id, data) VALUES(?,?,?,?) "
                         "ON CONFLICT(space, type, id) DO UPDATE SET data=excluded.data"));
  ResetOnExit guard{s};
  return s->bind(1, space).bind(2, type).bind(3, id)
      .bind(4, view ? json::serialize(*view) : std::string("null")).run();
}

//////// The queue

Status SpaceFile::enqueue(SpaceEdit edit) {
  return atomically([&]() -> Status {
    // The record's last edit, if it is still free to change (not sent, not waiting).
    std::optional<SpaceEdit> last;
    std::int64_t held = 0;
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare(
              "SELECT seq, space, type, id, op, fields, base_version, captured_ms, batch, held "
              "FROM space_queue WHERE space=? AND type=? AND id=? ORDER BY seq DESC LIMIT 1"));
      ResetOnExit guard{s};
      s->bind(1, edit.space).bind(2, edit.type).bind(3, edit.id);
      SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
      if (row) {
        SpaceEdit e = edit_at(*s);
        held = e.held;
        if (e.batch.empty() && e.held == 0) last = std::move(e);
      }
    }
    if (last && last->op != MutationType::kDelete) {
      if (edit.op == MutationType::kDelete) {
        SYNCLOG_RETURN_IF_ERROR(drop_edit(last->seq));
        // A record the server never had leaves with its CREATE: nothing to tell the server.
        if (last->op == MutationType::kCreate && last->base_version == 0) {
          SYNCLOG_ASSIGN_OR_RETURN(auto rec, record(edit.space, edit.type, edit.id));
          if (!rec || rec->version == 0) return refresh(edit.space, edit.type, edit.id);
        }
        edit.base_version = last->base_version;
      } else {
        json::object fields = object_of(last->fields);
        overlay(fields, object_of(edit.fields));
        // A CREATE squashed into a pending UPDATE stays a CREATE: the record is being made
        // again (put after its CREATE was refused), and an UPDATE of it would be refused too.
        SYNCLOG_ASSIGN_OR_RETURN(
            Statement * s,
            store_.c_->prepare("UPDATE space_queue SET fields=?, captured_ms=?, op=CASE WHEN ?='CREATE' "
                               "THEN 'CREATE' ELSE op END WHERE seq=?"));
        ResetOnExit guard{s};
        SYNCLOG_RETURN_IF_ERROR(s->bind(1, json::serialize(fields)).bind(2, edit.captured_ms)
                                    .bind(3, mutation_type_name(edit.op)).bind(4, last->seq).run());
        return refresh(edit.space, edit.type, edit.id);
      }
    }
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("INSERT INTO space_queue(space, type, id, op, fields, base_version, "
                           "captured_ms, held, base) VALUES(?,?,?,?,?,?,?,?,(SELECT base FROM "
                           "space_records WHERE space=?1 AND type=?2 AND id=?3))"));
    {
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, edit.space).bind(2, edit.type).bind(3, edit.id)
                                  .bind(4, mutation_type_name(edit.op)).bind(5, edit.fields)
                                  .bind(6, edit.base_version).bind(7, edit.captured_ms)
                                  .bind(8, held).run());
    }
    return refresh(edit.space, edit.type, edit.id);
  });
}

Status SpaceFile::drop_edit(std::int64_t seq) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s, store_.c_->prepare("DELETE FROM space_queue WHERE seq=?"));
  ResetOnExit guard{s};
  return s->bind(1, seq).run();
}

Result<std::int64_t> SpaceFile::pending_count(std::string_view space) {
  SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                           store_.c_->prepare("SELECT count(*) FROM space_queue WHERE space=?"));
  ResetOnExit guard{s};
  s->bind(1, space);
  SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
  return row ? s->int_at(0) : 0;
}

Result<std::vector<SpaceEdit>> SpaceFile::next_edits(std::string_view space, std::size_t max) {
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("SELECT seq, space, type, id, op, fields, base_version, captured_ms, "
                         "batch, held FROM space_queue WHERE space=? AND batch IS NULL AND "
                         "held=0 ORDER BY seq LIMIT ?"));
  ResetOnExit guard{s};
  s->bind(1, space).bind(2, static_cast<std::int64_t>(max));
  std::vector<SpaceEdit> out;
  for (;;) {
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) break;
    out.push_back(edit_at(*s));
  }
  return out;
}

Status SpaceFile::begin_batch(const SpaceBatch& batch) {
  return atomically([&]() -> Status {
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare("INSERT INTO space_batches(key, space, target, body, seqs) "
                             "VALUES(?,?,?,?,?)"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, batch.key).bind(2, batch.space).bind(3, batch.target)
                                  .bind(4, batch.body).bind(5, join_seqs(batch.edits)).run());
    }
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("UPDATE space_queue SET batch=? WHERE seq=? AND batch IS NULL"));
    for (const auto& e : batch.edits) {
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, batch.key).bind(2, e.seq).run());
      if (sqlite3_changes(store_.c_->handle()) != 1) {
        return make_error(ErrorCode::kPreconditionFailed, "a space edit is no longer pending");
      }
    }
    return Status();
  });
}

Result<std::optional<SpaceBatch>> SpaceFile::inflight(std::string_view space) {
  SpaceBatch b;
  std::string seqs;
  {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("SELECT key, target, body, seqs FROM space_batches WHERE space=?"));
    ResetOnExit guard{s};
    s->bind(1, space);
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) return std::optional<SpaceBatch>();
    b.key = std::string(s->text_at(0));
    b.space = std::string(space);
    b.target = std::string(s->text_at(1));
    b.body = std::string(s->text_at(2));
    seqs = std::string(s->text_at(3));
  }
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("SELECT seq, space, type, id, op, fields, base_version, captured_ms, "
                         "batch, held FROM space_queue WHERE seq=?"));
  std::stringstream in(seqs);
  std::string one;
  while (std::getline(in, one, ',')) {
    ResetOnExit guard{s};
    s->bind(1, std::stoll(one));
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (!row) return make_error(ErrorCode::kInternal, "the device file lost an edit of a push");
    b.edits.push_back(edit_at(*s));
  }
  return std::optional<SpaceBatch>(std::move(b));
}

Status SpaceFile::abandon_batch(std::string_view key) {
  return atomically([&]() -> Status {
    for (const char* sql : {"UPDATE space_queue SET batch=NULL WHERE batch=?",
                            "DELETE FROM space_batches WHERE key=?"}) {
      SYNCLOG_ASSIGN_OR_RETURN(Statement * s, store_.c_->prepare(sql));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, key).run());
    }
    return Status();
  });
}

Status SpaceFile::take_into_base(const SpaceEdit& edit, std::int64_t version) {
  // The server took the edit: until the pull that follows brings the server's state, the base
  // is the old one with the edit laid over, so the record keeps showing what the person wrote
  // (and a later put compares with it) even if that pull never comes.
  std::optional<json::object> base;
  std::int64_t current = 0;
  bool have_row = false;
  {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("SELECT base, version FROM space_records WHERE space=? AND type=? AND id=?"));
    ResetOnExit guard{s};
    s->bind(1, edit.space).bind(2, edit.type).bind(3, edit.id);
    SYNCLOG_ASSIGN_OR_RETURN(have_row, s->step());
    if (have_row) {
      base = optional_object(*s, 0);
      current = s->int_at(1);
    }
  }
  if (edit.op == MutationType::kDelete) {
    base.reset();
  } else {
    if (!base) base = json::object();
    overlay(*base, object_of(edit.fields));
  }
  // `version` 0: merged with others' changes the device has not seen; it keeps its version.
  const std::int64_t next = version > current ? version : current;
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("INSERT INTO space_records(space, type, id, data, version, base) "
                         "VALUES(?,?,?,'null',?,?) ON CONFLICT(space, type, id) DO UPDATE SET "
                         "version=excluded.version, base=excluded.base"));
  ResetOnExit guard{s};
  s->bind(1, edit.space).bind(2, edit.type).bind(3, edit.id).bind(4, next);
  if (base) {
    s->bind(5, json::serialize(*base));
  } else {
    s->bind_null(5);
  }
  return s->run();
}

Status SpaceFile::rebase_record(const SpaceEdit& edit, std::int64_t version) {
  // Later edits of the record were made on top of this one, which the server now has at
  // `version`: they are based on it (the server never counts a device's own change against it).
  SYNCLOG_ASSIGN_OR_RETURN(
      Statement * s,
      store_.c_->prepare("UPDATE space_queue SET base_version=? WHERE space=? AND type=? AND id=? "
                         "AND batch IS NULL AND held=0"));
  ResetOnExit guard{s};
  return s->bind(1, version).bind(2, edit.space).bind(3, edit.type).bind(4, edit.id).run();
}

Status SpaceFile::settle_conflict(const SpaceEdit& edit, const SpaceAck& ack, std::int64_t& seq) {
  // What the record was when the person edited it, for them to see what both sides started
  // from (the record's base has moved on since, with the pull before the push).
  std::string base = "null";
  {
    SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                             store_.c_->prepare("SELECT base FROM space_queue WHERE seq=?"));
    ResetOnExit guard{s};
    s->bind(1, edit.seq);
    SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
    if (row && !s->is_null(0)) base = std::string(s->text_at(0));
  }
  {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("INSERT INTO space_conflicts(at_ms, space, type, id, reason, version, "
                           "server, clashes, local, base) VALUES(?,?,?,?,?,?,?,?,?,?)"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, now_ms()).bind(2, edit.space).bind(3, edit.type)
                                .bind(4, edit.id).bind(5, ack.conflict_reason)
                                .bind(6, ack.conflict_version).bind(7, ack.server_record)
                                .bind(8, ack.clashes).bind(9, edit.fields).bind(10, base).run());
    seq = sqlite3_last_insert_rowid(store_.c_->handle());
  }
  // The edit and every later one of the record wait for the person's answer.
  {
    SYNCLOG_ASSIGN_OR_RETURN(
        Statement * s,
        store_.c_->prepare("UPDATE space_queue SET held=?, batch=NULL WHERE space=? AND type=? "
                           "AND id=? AND seq>=? AND (batch IS NULL OR seq=?)"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, seq).bind(2, edit.space).bind(3, edit.type).bind(4, edit.id)
                                .bind(5, edit.seq).bind(6, edit.seq).run());
  }
  // The device has now seen the server's side: the record shows it under the person's edits.
  if (ack.conflict_version > 0) {
    SpaceEntry e;
    e.record_type = edit.type;
    e.id = edit.id;
    e.timestamp = ack.conflict_version;
    if (ack.server_record != "null") e.data = ack.server_record;
    e.type = e.data ? MutationType::kUpdate : MutationType::kDelete;
    SYNCLOG_RETURN_IF_ERROR(apply_entry(edit.space, e));
  }
  return Status();
}

Result<SyncEvent> SpaceFile::reject(const SpaceEdit& edit, std::string_view reason,
                                    std::string_view field, std::string_view message) {
  SyncEvent ev;
  const Status done = atomically([&]() -> Status {
    std::int64_t seq = 0;
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare("INSERT INTO space_rejections(at_ms, space, type, id, op, fields, "
                             "reason, field, message, captured_ms) VALUES(?,?,?,?,?,?,?,?,?,?)"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, now_ms()).bind(2, edit.space).bind(3, edit.type)
                                  .bind(4, edit.id).bind(5, mutation_type_name(edit.op))
                                  .bind(6, edit.fields).bind(7, reason).bind(8, field)
                                  .bind(9, message).bind(10, edit.captured_ms).run());
      seq = sqlite3_last_insert_rowid(store_.c_->handle());
    }
    SYNCLOG_RETURN_IF_ERROR(drop_edit(edit.seq));
    // A new record the server refused stays on the device, as typed, until the person fixes
    // it (a put creates it again) or dismisses the rejection.
    SYNCLOG_ASSIGN_OR_RETURN(auto rec, record(edit.space, edit.type, edit.id));
    if (edit.op == MutationType::kCreate && (!rec || rec->version == 0)) {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare("INSERT INTO space_records(space, type, id, data, rejected) "
                             "VALUES(?,?,?,?,?) ON CONFLICT(space, type, id) DO UPDATE SET "
                             "rejected=excluded.rejected, data=CASE WHEN data='null' THEN "
                             "excluded.data ELSE data END"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, edit.space).bind(2, edit.type).bind(3, edit.id)
                                  .bind(4, edit.fields).bind(5, seq).run());
    }
    SYNCLOG_RETURN_IF_ERROR(refresh(edit.space, edit.type, edit.id));
    ev.outcome = Outcome::kNeedsUser;
    ev.space = edit.space;
    ev.type = edit.type;
    ev.id = edit.id;
    ev.kind = "rejected";
    ev.conflict_seq = seq;
    if (!field.empty()) ev.fields.emplace_back(field);
    ev.reason = std::string(message);
    if (!ev.reason.empty() && ev.reason.back() != '.') ev.reason += '.';
    ev.reason += " " + rejection_advice(reason, field);
    return Status();
  });
  if (!done.ok()) return done.error();
  return ev;
}

Result<std::vector<SyncEvent>> SpaceFile::finish_batch(const SpaceBatch& batch,
                                                       const std::vector<SpaceAck>& acks) {
  if (acks.size() != batch.edits.size()) {
    return make_error(ErrorCode::kInternal, "unexpected answer from the server: " +
                                                std::to_string(acks.size()) + " acks for " +
                                                std::to_string(batch.edits.size()) + " edits");
  }
  std::vector<SyncEvent> events;
  const Status done = atomically([&]() -> Status {
    for (std::size_t i = 0; i < acks.size(); ++i) {
      const SpaceEdit& edit = batch.edits[i];
      const SpaceAck& ack = acks[i];
      SyncEvent ev;
      ev.space = edit.space;
      ev.type = edit.type;
      ev.id = edit.id;
      ev.kind = ack.outcome;
      ev.fields = ack.fields;
      if (ack.outcome == "rejected") {
        SYNCLOG_ASSIGN_OR_RETURN(SyncEvent r, reject(edit, ack.reason, ack.field, ack.message));
        events.push_back(std::move(r));
        continue;
      }
      if (ack.outcome == "conflict") {
        std::int64_t seq = 0;
        SYNCLOG_RETURN_IF_ERROR(settle_conflict(edit, ack, seq));
        ev.outcome = Outcome::kNeedsUser;
        ev.conflict_seq = seq;
        ev.reason = ack.conflict_reason == "deleted"
                        ? "Someone deleted this record while you changed it."
                        : "Someone else changed the same fields.";
        events.push_back(std::move(ev));
        continue;
      }
      SYNCLOG_RETURN_IF_ERROR(drop_edit(edit.seq));
      SYNCLOG_RETURN_IF_ERROR(take_into_base(edit, ack.outcome == "applied" ? ack.timestamp : 0));
      if (ack.outcome == "applied") SYNCLOG_RETURN_IF_ERROR(rebase_record(edit, ack.timestamp));
      SYNCLOG_RETURN_IF_ERROR(refresh(edit.space, edit.type, edit.id));
      if (ack.outcome == "softMerged" || (ack.outcome == "merged" && !ack.fields.empty())) {
        ev.outcome = Outcome::kMerged;
        ev.kind = ack.outcome == "softMerged" ? "softMerged" : "settled";
        ev.reason = ack.outcome == "softMerged"
                        ? "Your edits from another device were merged; the later one was kept."
                        : "A clash was settled by the type's policy.";
      } else {
        ev.outcome = Outcome::kSynced;
        ev.kind = "applied";
      }
      events.push_back(std::move(ev));
    }
    SYNCLOG_ASSIGN_OR_RETURN(Statement * s,
                             store_.c_->prepare("DELETE FROM space_batches WHERE key=?"));
    ResetOnExit guard{s};
    SYNCLOG_RETURN_IF_ERROR(s->bind(1, batch.key).run());
    // Edits of the batch the acks did not take out of it (none should be left) are pending.
    SYNCLOG_ASSIGN_OR_RETURN(Statement * u,
                             store_.c_->prepare("UPDATE space_queue SET batch=NULL WHERE batch=?"));
    ResetOnExit uguard{u};
    return u->bind(1, batch.key).run();
  });
  if (!done.ok()) return done.error();
  return events;
}

//////// Conflicts

Status SpaceFile::resolve(std::int64_t conflict_seq, const SpaceResolution& resolution) {
  return atomically([&]() -> Status {
    std::string space, type, id, reason, server_text, clashes_text, base_text;
    std::int64_t version = 0;
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare("SELECT space, type, id, reason, version, server, clashes, "
                             "resolution, base FROM space_conflicts WHERE seq=?"));
      ResetOnExit guard{s};
      s->bind(1, conflict_seq);
      SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
      if (!row) {
        return make_error(ErrorCode::kNotFound, "no conflict " + std::to_string(conflict_seq));
      }
      if (!s->is_null(7)) {
        return make_error(ErrorCode::kPreconditionFailed,
                          "conflict " + std::to_string(conflict_seq) + " is settled already");
      }
      space = std::string(s->text_at(0));
      type = std::string(s->text_at(1));
      id = std::string(s->text_at(2));
      reason = std::string(s->text_at(3));
      version = s->int_at(4);
      server_text = std::string(s->text_at(5));
      clashes_text = std::string(s->text_at(6));
      base_text = std::string(s->text_at(8));
    }
    std::vector<std::string> clashing;
    {
      boost::system::error_code ec;
      json::value v = json::parse(clashes_text, ec);
      if (!ec && v.is_array()) {
        for (const auto& c : v.as_array()) {
          if (c.is_object()) {
            if (const auto* f = c.as_object().if_contains("field"); f && f->is_string()) {
              clashing.emplace_back(f->as_string());
            }
          }
        }
      }
    }
    for (const auto& [field, value] : resolution.fields) {
      if (std::find(clashing.begin(), clashing.end(), field) == clashing.end() &&
          !(reason == "deleted")) {
        return make_error(ErrorCode::kInvalidRequest,
                          "field " + field + " is not one of the conflict's clashing fields");
      }
      boost::system::error_code ec;
      json::parse(value, ec);
      if (ec) return make_error(ErrorCode::kInvalidRequest, "the value of " + field + " is not JSON");
    }
    // The edits waiting for this answer, in order: the one the server refused and any the
    // person made since. They become one edit based on the server's version.
    bool deleted_locally = false;
    json::object fields;
    std::vector<std::int64_t> seqs;
    {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare("SELECT seq, op, fields FROM space_queue WHERE held=? ORDER BY seq"));
      ResetOnExit guard{s};
      s->bind(1, conflict_seq);
      for (;;) {
        SYNCLOG_ASSIGN_OR_RETURN(bool row, s->step());
        if (!row) break;
        seqs.push_back(s->int_at(0));
        const auto o = parse_mutation_type(s->text_at(1)).value_or(MutationType::kUpdate);
        if (o == MutationType::kDelete) {
          deleted_locally = true;
          fields.clear();
        } else {
          deleted_locally = false;
          overlay(fields, object_of(s->text_at(2)));
        }
      }
    }
    for (auto seq : seqs) SYNCLOG_RETURN_IF_ERROR(drop_edit(seq));
    const bool server_deleted = reason == "deleted" || server_text == "null";
    using Kind = SpaceResolution::Kind;
    std::optional<SpaceEdit> out;
    SpaceEdit e;
    e.space = space;
    e.type = type;
    e.id = id;
    e.base_version = version;
    e.captured_ms = now_ms();
    if (resolution.kind == Kind::kAcceptServer) {
      if (!server_deleted && !deleted_locally) {
        for (const auto& f : clashing) fields.erase(f);
        if (!fields.empty()) {
          e.op = MutationType::kUpdate;
          e.fields = json::serialize(fields);
          out = e;
        }
      }
    } else if (deleted_locally && resolution.kind == Kind::kKeepLocal) {
      e.op = MutationType::kDelete;
      e.fields = "{}";
      out = e;
    } else {
      for (const auto& [field, value] : resolution.fields) fields[field] = json::parse(value);
      if (server_deleted) {
        // Keeping the device's side of a deleted record makes it again, whole: the record as
        // the person edited it (the conflict's base) with their edits laid over.
        json::object whole = object_of(base_text);
        overlay(whole, fields);
        for (const char* meta : {"clientCreatedAt", "clientUpdatedAt", "updatedBy", "id"}) {
          whole.erase(meta);
        }
        e.op = MutationType::kCreate;
        e.fields = json::serialize(whole);
      } else {
        e.op = MutationType::kUpdate;
        e.fields = json::serialize(fields);
      }
      out = e;
    }
    if (out) {
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s,
          store_.c_->prepare("INSERT INTO space_queue(space, type, id, op, fields, base_version, "
                             "captured_ms, base) VALUES(?,?,?,?,?,?,?,(SELECT base FROM "
                             "space_records WHERE space=?1 AND type=?2 AND id=?3))"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(s->bind(1, out->space).bind(2, out->type).bind(3, out->id)
                                  .bind(4, mutation_type_name(out->op)).bind(5, out->fields)
                                  .bind(6, out->base_version).bind(7, out->captured_ms).run());
    }
    {
      const char* kinds[] = {"acceptServer", "keepLocal", "manual"};
      SYNCLOG_ASSIGN_OR_RETURN(
          Statement * s, store_.c_->prepare("UPDATE space_conflicts SET resolution=? WHERE seq=?"));
      ResetOnExit guard{s};
      SYNCLOG_RETURN_IF_ERROR(
          s->bind(1, kinds[static_cast<int>(resolution.kind)]).bind(2, conflict_seq).run());
    }
    return refresh(space, type, id);
  });
}

}  // namespace synclog::client
