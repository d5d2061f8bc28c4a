// A space's records from the command line (client_space_commands.hpp): `put`, `delete`, `list`
// and `get` with --space, and the space conflicts of `conflicts` and `resolve --space`. Every
// write goes through SpaceStore, which checks it as the server would (the role, the fields, the
// references) before it is queued, so a refusal is told now, offline, in the store's words.
//
// `put` and `resolve --field` take field=value arguments. The value is JSON when the text is a
// JSON number, true, false, null, array or double-quoted string, and otherwise the text itself
// as a string, so the common cases need no quoting (status=draft, floor=3, active=false,
// notes="two words" in a shell) and a string that looks like JSON is written in JSON quotes
// (code='"007"', or '"true"'). An object is taken as text: no declared field holds one.
#include <boost/json.hpp>

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "client_device.hpp"
#include "client_space_commands.hpp"
#include "common/json_text.hpp"

namespace synclog::cli {
namespace {

namespace json = boost::json;
using client::SpaceStore;
using client_cli::fail;
using client_cli::iso_time;
using client_cli::usage;

// (field, value) of a field=value argument; nullopt when there is no '=' or no name before it.
std::optional<std::pair<std::string, json::value>> parse_assignment(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  std::string field = text.substr(0, eq);
  const std::string raw = text.substr(eq + 1);
  boost::system::error_code ec;
  json::value v = json::parse(raw, ec);
  if (ec || v.is_object()) v = json::value(json::string(raw));
  return std::pair(std::move(field), std::move(v));
}

// The field=value arguments as one object; a usage error (the message) for a malformed or
// repeated one.
std::variant<json::object, std::string> assignments_object(const std::vector<std::string>& args) {
  json::object out;
  for (const auto& a : args) {
    auto parsed = parse_assignment(a);
    if (!parsed) return "'" + a + "' is not field=value";
    if (out.contains(parsed->first)) return "the field " + parsed->first + " is given twice";
    out[parsed->first] = std::move(parsed->second);
  }
  return out;
}

// The device's space `space`; kNotFound, saying how the device learns of spaces, when it has
// none by that id.
Result<client::SpaceInfo> known_space(SpaceStore& spaces, const std::string& space, const std::string& db) {
  SYNCLOG_ASSIGN_OR_RETURN(auto info, spaces.space(space));
  if (!info) {
    return make_error(ErrorCode::kNotFound,
                      "this device has no space " + space + " (a device learns of the spaces its person " +
                          "belongs to when it syncs: `synclog client --db " + db + " sync`, then `space list`)");
  }
  return std::move(*info);
}

std::string record_json(const client::SpaceRecord& r) {
  JsonObjectWriter w;
  w.str("id", r.id)
      .raw("data", client_cli::json_or_null(r.data))
      .num("version", r.version)
      .boolean("pending", r.pending)
      .boolean("inConflict", r.in_conflict)
      .boolean("rejected", r.rejected);
  return std::move(w).finish();
}

// One character for a record's state in `list`: the most pressing first.
char state_mark(const client::SpaceRecord& r) {
  if (r.in_conflict) return '!';
  if (r.rejected) return 'x';
  if (r.pending) return '*';
  return '-';
}

// A JSON value for a table cell: at most 40 bytes, cut at a character's start.
std::string cell(std::string_view value) {
  constexpr std::size_t kMax = 40;
  if (value.size() <= kMax) return std::string(value);
  std::size_t cut = kMax - 3;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  return std::string(value.substr(0, cut)) + "...";
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

}  // namespace

int run_space_put(const SpaceRecordArgs& a) {
  auto data = assignments_object(a.assignments);
  if (auto* bad = std::get_if<std::string>(&data)) return usage("put: " + *bad);
  auto store = client_cli::open_device(a.db);
  if (!store.ok()) return fail(store.error().message);
  SpaceStore spaces(**store);
  const std::string what = "put " + a.type + " in " + a.space;
  if (auto info = known_space(spaces, a.space, a.db); !info.ok()) return fail(what, info.error());
  auto id = spaces.put(a.space, a.type, json::serialize(std::get<json::object>(data)),
                       a.id.empty() ? std::nullopt : std::optional<std::string_view>(a.id));
  if (!id.ok()) return fail(what, id.error());
  std::cout << *id << "\n";
  return 0;
}

int run_space_delete(const SpaceRecordArgs& a) {
  auto store = client_cli::open_device(a.db);
  if (!store.ok()) return fail(store.error().message);
  SpaceStore spaces(**store);
  const std::string what = "delete " + a.type + " " + a.id + " in " + a.space;
  if (auto info = known_space(spaces, a.space, a.db); !info.ok()) return fail(what, info.error());
  Status removed = spaces.remove(a.space, a.type, a.id);
  if (!removed.ok()) {
    if (removed.code() == ErrorCode::kNotFound) return fail(what + ": this device has no such record");
    return fail(what, removed.error());
  }
  return 0;
}

int run_space_list(const SpaceRecordArgs& a) {
  auto store = client_cli::open_device(a.db);
  if (!store.ok()) return fail(store.error().message);
  SpaceStore spaces(**store);
  const std::string what = "list " + a.type + " in " + a.space;
  if (auto info = known_space(spaces, a.space, a.db); !info.ok()) return fail(what, info.error());
  auto records = spaces.list(a.space, a.type);
  if (!records.ok()) return fail(what, records.error());
  if (a.json) {
    std::string out = "[";
    for (const auto& r : *records) {
      if (out.size() > 1) out += ",";
      out += record_json(r);
    }
    std::cout << out << "]\n";
    return 0;
  }
  // One line per record: id, its state ('!' in conflict, 'x' refused by the server, '*' an edit
  // waits to be pushed, '-' as the server has it), data.
  for (const auto& r : *records) std::cout << r.id << "\t" << state_mark(r) << "\t" << r.data << "\n";
  return 0;
}

int run_space_get(const SpaceRecordArgs& a) {
  auto store = client_cli::open_device(a.db);
  if (!store.ok()) return fail(store.error().message);
  SpaceStore spaces(**store);
  const std::string what = "get " + a.type + " " + a.id + " in " + a.space;
  if (auto info = known_space(spaces, a.space, a.db); !info.ok()) return fail(what, info.error());
  auto record = spaces.get(a.space, a.type, a.id);
  if (!record.ok()) return fail(what, record.error());
  if (!*record) return fail(what + ": this device has no such record");
  std::cout << record_json(**record) << "\n";
  return 0;
}

int run_space_resolve(const SpaceResolveArgs& a) {
  client::SpaceResolution resolution;
  if (a.accept_server) resolution.kind = client::SpaceResolution::Kind::kAcceptServer;
  if (a.keep_local) resolution.kind = client::SpaceResolution::Kind::kKeepLocal;
  if (!a.fields.empty()) {
    auto fields = assignments_object(a.fields);
    if (auto* bad = std::get_if<std::string>(&fields)) return usage("resolve: --field " + *bad);
    resolution.kind = client::SpaceResolution::Kind::kManual;
    for (const auto& kv : std::get<json::object>(fields)) {
      resolution.fields[std::string(kv.key())] = json::serialize(kv.value());
    }
  }
  auto store = client_cli::open_device(a.db);
  if (!store.ok()) return fail(store.error().message);
  SpaceStore spaces(**store);
  const std::string what = "resolve " + std::to_string(a.seq) + " in " + a.space;
  auto found = spaces.conflict(a.seq);
  if (!found.ok()) return fail(what, found.error());
  const client::SpaceConflict* conflict = *found && (*found)->space == a.space ? &**found : nullptr;
  if (!conflict) {
    return fail(what + ": no such conflict (`synclog client --db " + a.db + " conflicts` lists them)");
  }
  // A field that does not clash is the device's edit already, or the server's: naming it is a
  // mistake the person should hear of, not a silent no-op.
  for (const auto& [field, value] : resolution.fields) {
    bool clashes = false;
    std::string clashing;
    for (const auto& clash : conflict->clashes) {
      clashes = clashes || clash.field == field;
      clashing += (clashing.empty() ? "" : ", ") + clash.field;
    }
    if (!clashes) {
      return fail(what + ": " + field + " is not a clashing field of this conflict (clashing: " +
                  (clashing.empty() ? "none" : clashing) + ")");
    }
  }
  Status done = spaces.resolve(a.seq, resolution);
  if (!done.ok()) return fail(what, done.error());
  std::cout << "resolved " << a.seq << ": " << conflict->type << " " << conflict->id << " in " << a.space
            << " will be pushed at the next sync\n";
  return 0;
}

std::string space_conflict_json(const client::SpaceConflict& c) {
  std::string clashes = "[";
  for (const auto& clash : c.clashes) {
    if (clashes.size() > 1) clashes += ",";
    JsonObjectWriter server;
    server.raw("value", client_cli::json_or_null(clash.server.value))
        .str("by", clash.server.by)
        .str("client", clash.server.client)
        .str("at", clash.server.at)
        .str("capturedAt", clash.server.captured_at);
    JsonObjectWriter local;
    local.raw("value", client_cli::json_or_null(clash.local.value)).str("capturedAt", clash.local.captured_at);
    JsonObjectWriter w;
    w.str("field", clash.field)
        .raw("server", std::move(server).finish())
        .raw("local", std::move(local).finish())
        .raw("base", client_cli::json_or_null(clash.base));
    clashes += std::move(w).finish();
  }
  clashes += "]";
  JsonObjectWriter w;
  w.num("seq", c.seq)
      .str("at", iso_time(c.at_ms))
      .str("space", c.space)
      .str("type", c.type)
      .str("id", c.id)
      .str("reason", c.reason)
      .num("version", c.version)
      .boolean("resolved", c.resolved)
      .raw("server", client_cli::json_or_null(c.server))
      .raw("local", client_cli::json_or_null(c.local))
      .raw("clashes", clashes);
  return std::move(w).finish();
}

void print_space_conflict(const client::SpaceConflict& c, const std::string& db, std::ostream& out) {
  const std::string why = c.reason == "deleted" ? "deleted by another person since this device's copy"
                                                : "changed by another person since this device's copy";
  out << "space conflict " << c.seq << " in " << c.space << ": " << c.type << " " << c.id << ", " << why << " ("
      << (c.resolved ? "resolved" : "open") << ", " << iso_time(c.at_ms) << ")\n";
  if (!c.clashes.empty()) {
    std::vector<std::vector<std::string>> rows = {
        {"FIELD", "SERVER", "BY", "DEVICE", "AT", "THIS DEVICE", "CAPTURED", "BASE"}};
    for (const auto& clash : c.clashes) {
      rows.push_back({clash.field, cell(client_cli::json_or_null(clash.server.value)), or_dash(clash.server.by),
                      or_dash(clash.server.client), or_dash(clash.server.at),
                      cell(client_cli::json_or_null(clash.local.value)), or_dash(clash.local.captured_at),
                      cell(client_cli::json_or_null(clash.base))});
    }
    client_cli::print_table(rows, out, "  ");
  } else {
    out << "  this device's edit: " << client_cli::json_or_null(c.local) << "\n";
  }
  if (!c.resolved) {
    std::string example = c.clashes.empty() ? "FIELD" : c.clashes.front().field;
    out << "  settle it: synclog client --db " << db << " resolve --space " << c.space << " " << c.seq
        << " --accept-server | --keep-local | --field " << example << "=VALUE\n";
  }
}

}  // namespace synclog::cli
