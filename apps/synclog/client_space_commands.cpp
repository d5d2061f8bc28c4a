// The subcommands of `synclog client` that exist only for shared spaces
// (client_space_commands.hpp):
//   space list | create | members | add | remove | role   the device's spaces (local), and the
//                                                           owners' requests (SpaceAdmin: online,
//                                                           never queued)
//   schema use FILE                                        the schema the device's app speaks
//   import --space S --type T FILE                         master data, pushed at once as
//                                                           `synclog import` does
//   rejections [dismiss SEQ]                               what the server refused
//   quarantine list | export | discard                     edits of spaces the person left
// Each prints what it did on stdout; failures exit 1 with a message on stderr, bad usage 2.
#include <CLI/CLI.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>

#include "client_device.hpp"
#include "client_space_commands.hpp"
#include "common/json_text.hpp"
#include "import_records.hpp"
#include "synclog/client/space_admin.hpp"

namespace synclog::cli {
namespace {

namespace json = boost::json;
using client::SpaceAdmin;
using client::SpaceStore;
using client_cli::fail;
using client_cli::iso_time;
using client_cli::open_device;

struct SpaceFlags {
  std::string space;
  std::string person;
  std::string role;
  std::string name;
  std::string schema;
  std::string id;
  std::string file;
  std::string type;
  std::string format;
  std::string out;
  std::int64_t seq = 0;
  bool json = false;
};

CLI::Validator role_validator() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (s == "owner" || s == "lead" || s == "member" || s == "viewer") return "";
        return "unknown role '" + s + "': one of owner, lead, member, viewer";
      },
      "ROLE");
}

// A failed request to the server, with what to do about the failures a person can act on.
int admin_fail(const std::string& what, const Error& error, const std::string& db) {
  std::string message = what + ": " + error.message;
  if (error.code == ErrorCode::kUnauthorized) {
    message += "; run `synclog client --db " + db + " init` again with a new --token";
  } else if (error.code == ErrorCode::kUnavailable) {
    message += " (the server could not be reached or is busy; nothing is queued: run it again)";
  }
  return fail(message);
}

std::string read_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

//////// space

int run_list_spaces(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  auto spaces = SpaceStore(**store).spaces();
  if (!spaces.ok()) return fail(db, spaces.error());
  if (f.json) {
    std::string out = "[";
    for (const auto& s : *spaces) {
      if (out.size() > 1) out += ",";
      JsonObjectWriter w;
      w.str("id", s.id).str("name", s.name).str("schema", s.schema).str("role", s.role).num("cursor", s.cursor)
          .num("pending", s.pending).num("conflicts", s.conflicts).num("rejected", s.rejected)
          .num("updateRequired", s.update_required);
      out += std::move(w).finish();
    }
    std::cout << out << "]\n";
    return 0;
  }
  if (spaces->empty()) {
    std::cout << "no spaces (a device learns of the spaces its person belongs to when it syncs)\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "SCHEMA", "ROLE", "CURSOR", "PENDING", "CONFLICTS", "REJECTED", "UPDATE REQUIRED"}};
  for (const auto& s : *spaces) {
    rows.push_back({s.id, s.name, s.schema, s.role, std::to_string(s.cursor), std::to_string(s.pending),
                    std::to_string(s.conflicts), std::to_string(s.rejected),
                    s.update_required > 0 ? "version " + std::to_string(s.update_required) : "-"});
  }
  client_cli::print_table(rows, std::cout);
  return 0;
}

int run_space_create(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  auto created = SpaceAdmin(**store).create_space(f.name, f.schema,
                                                  f.id.empty() ? std::nullopt : std::optional<std::string_view>(f.id));
  if (!created.ok()) return admin_fail("space create " + f.name, created.error(), db);
  // The id alone, as `put` prints a record's: what a script needs next.
  std::cout << created->id << "\n";
  return 0;
}

int run_space_members(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  auto members = SpaceAdmin(**store).members(f.space);
  if (!members.ok()) return admin_fail("space members " + f.space, members.error(), db);
  if (f.json) {
    std::string out = "[";
    for (const auto& m : *members) {
      if (out.size() > 1) out += ",";
      JsonObjectWriter w;
      w.str("person", m.person).str("role", m.role).str("since", m.since).str("addedBy", m.added_by);
      out += std::move(w).finish();
    }
    std::cout << out << "]\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {{"PERSON", "ROLE", "SINCE", "ADDED BY"}};
  for (const auto& m : *members) rows.push_back({m.person, m.role, m.since, m.added_by});
  client_cli::print_table(rows, std::cout);
  return 0;
}

int run_space_add(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  auto change = SpaceAdmin(**store).set_member(f.space, f.person, f.role);
  if (!change.ok()) return admin_fail("space add " + f.space + " " + f.person, change.error(), db);
  if (change->added) {
    std::cout << "added " << f.person << " to " << f.space << " as " << change->member.role << "\n";
  } else {
    std::cout << f.person << " was a member of " << f.space << " already; role now " << change->member.role << "\n";
  }
  return 0;
}

int run_space_remove(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  Status removed = SpaceAdmin(**store).remove_member(f.space, f.person);
  if (!removed.ok()) return admin_fail("space remove " + f.space + " " + f.person, removed.error(), db);
  std::cout << "removed " << f.person << " from " << f.space << "\n";
  return 0;
}

int run_space_role(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  SpaceAdmin admin(**store);
  const std::string what = "space role " + f.space + " " + f.person;
  // The server's PUT also adds a person who is not a member; `role` only changes one, so that a
  // mistyped name does not let a stranger in.
  auto members = admin.members(f.space);
  if (!members.ok()) return admin_fail(what, members.error(), db);
  const bool member = std::any_of(members->begin(), members->end(), [&](const auto& m) { return m.person == f.person; });
  if (!member) {
    return fail(what + ": " + f.person + " is not a member of " + f.space + " (`space add` adds one)");
  }
  auto change = admin.set_member(f.space, f.person, f.role);
  if (!change.ok()) return admin_fail(what, change.error(), db);
  std::cout << f.person << " is now " << change->member.role << " in " << f.space << "\n";
  return 0;
}

//////// schema use

int run_schema_use(const std::string& db, const SpaceFlags& f) {
  bool readable = false;
  const std::string document = read_file(f.file, readable);
  if (!readable) return fail("schema use: cannot read " + f.file);
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  Status set = SpaceStore(**store).set_app_schema(document);
  if (!set.ok()) return fail("schema use " + f.file, set.error());
  // The store accepted it, so it is a schema document with a name and a version.
  boost::system::error_code ec;
  const json::value v = json::parse(document, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* name = o ? o->if_contains("name") : nullptr;
  const auto* version = o ? o->if_contains("version") : nullptr;
  if (name && name->is_string() && version && version->is_int64()) {
    std::cout << "this device's app speaks " << name->as_string().c_str() << " version " << version->as_int64()
              << "\n";
  } else {
    std::cout << "this device's app speaks the schema of " << f.file << "\n";
  }
  return 0;
}

//////// import

int run_client_import(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  client::LocalStore& s = **store;
  auto server = s.server_url();
  auto token = s.token();
  auto client_id = s.client_id();
  for (const Status& st : {server.status(), token.status(), client_id.status()}) {
    if (!st.ok()) return fail(db, st.error());
  }
  ImportJob job;
  job.server = *server;
  job.token = *token;
  job.client_id = *client_id;  // the records show this device as where they came from
  job.space = f.space;
  job.type = f.type;
  job.file = f.file;
  job.format = f.format;
  job.program = "synclog client";
  // Written as the device's app: the version `schema use` set, else the one the device last
  // fetched, else the space's latest.
  job.schema_version = [&s](const std::string& schema) -> std::int64_t {
    auto version = SpaceStore(s).schema_version(schema);
    return version.ok() ? *version : 0;
  };
  return import_records(job);
}

//////// rejections

int run_rejections(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  auto rejections = SpaceStore(**store).rejections();
  if (!rejections.ok()) return fail(db, rejections.error());
  if (f.json) {
    std::string out = "[";
    for (const auto& r : *rejections) {
      if (out.size() > 1) out += ",";
      JsonObjectWriter w;
      w.num("seq", r.seq).str("at", iso_time(r.at_ms)).str("space", r.space).str("type", r.type).str("id", r.id)
          .str("op", r.op).raw("fields", client_cli::json_or_null(r.fields)).str("reason", r.reason)
          .str("field", r.field).str("message", r.message).str("advice", r.advice);
      out += std::move(w).finish();
    }
    std::cout << out << "]\n";
    return 0;
  }
  if (rejections->empty()) {
    std::cout << "no rejections\n";
    return 0;
  }
  for (const auto& r : *rejections) {
    std::cout << "rejection " << r.seq << " in " << r.space << ": " << r.op << " " << r.type << " " << r.id << " ("
              << r.reason << (r.field.empty() ? "" : ", field " + r.field) << ", " << iso_time(r.at_ms) << ")\n"
              << "  " << r.message << "\n"
              << "  it carried: " << client_cli::json_or_null(r.fields) << "\n";
    if (!r.advice.empty()) std::cout << "  advice: " << r.advice << "\n";
    std::cout << "  when dealt with: synclog client --db " << db << " rejections dismiss " << r.seq << "\n";
  }
  return 0;
}

int run_rejections_dismiss(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  Status dismissed = SpaceStore(**store).dismiss_rejection(f.seq);
  const std::string what = "rejections dismiss " + std::to_string(f.seq);
  if (!dismissed.ok()) {
    if (dismissed.code() == ErrorCode::kNotFound) return fail(what + ": no such rejection (see `rejections`)");
    return fail(what, dismissed.error());
  }
  std::cout << "dismissed rejection " << f.seq << "\n";
  return 0;
}

//////// quarantine

int run_quarantine_list(const std::string& db, const SpaceFlags&) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  auto edits = SpaceStore(**store).quarantine();
  if (!edits.ok()) return fail(db, edits.error());
  if (edits->empty()) {
    std::cout << "the quarantine is empty\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"SEQ", "QUARANTINED", "SPACE", "TYPE", "ID", "OP", "CAPTURED", "REASON", "FIELDS"}};
  for (const auto& e : *edits) {
    const std::string space = e.space_name.empty() || e.space_name == e.space ? e.space
                                                                               : e.space + " (" + e.space_name + ")";
    rows.push_back({std::to_string(e.seq), iso_time(e.at_ms), space, e.type, e.id, e.op, iso_time(e.captured_ms),
                    e.reason, std::string(client_cli::json_or_null(e.fields))});
  }
  client_cli::print_table(rows, std::cout);
  return 0;
}

int run_quarantine_export(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  auto exported = SpaceStore(**store).export_quarantine();
  if (!exported.ok()) return fail("quarantine export", exported.error());
  if (f.out.empty()) {
    std::cout << *exported << "\n";
    return 0;
  }
  std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
  out << *exported << "\n";
  out.close();
  if (!out) return fail("quarantine export: cannot write " + f.out);
  boost::system::error_code ec;
  const json::value v = json::parse(*exported, ec);
  const std::int64_t n = !ec && v.is_array() ? static_cast<std::int64_t>(v.as_array().size()) : 0;
  std::cout << "wrote " << client_cli::plural(n, "quarantined edit", "quarantined edits") << " to " << f.out << "\n";
  return 0;
}

int run_quarantine_discard(const std::string& db, const SpaceFlags& f) {
  auto store = open_device(db);
  if (!store.ok()) return fail(store.error().message);
  Status discarded = SpaceStore(**store).discard_quarantined(f.seq);
  const std::string what = "quarantine discard " + std::to_string(f.seq);
  if (!discarded.ok()) {
    if (discarded.code() == ErrorCode::kNotFound) return fail(what + ": no such edit (see `quarantine list`)");
    return fail(what, discarded.error());
  }
  std::cout << "discarded quarantined edit " << f.seq << "\n";
  return 0;
}

}  // namespace

std::function<std::optional<int>(const std::string& db)> add_client_space_commands(CLI::App& client) {
  auto f = std::make_shared<SpaceFlags>();
  using Runner = int (*)(const std::string&, const SpaceFlags&);
  // Each leaf subcommand with what runs it.
  auto commands = std::make_shared<std::vector<std::pair<CLI::App*, Runner>>>();
  // A group of subcommands (`space ...`): --db may follow it, as it may follow any subcommand.
  const auto group = [](CLI::App& parent, const std::string& name, const std::string& about) {
    auto* g = parent.add_subcommand(name, about);
    g->fallthrough();
    return g;
  };

  auto* space = group(client, "space", "The device's shared spaces, and their members (an owner's requests, online)");
  space->require_subcommand(1);
  auto* list = space->add_subcommand("list", "The spaces this device knows, as of its last sync");
  list->footer("Per space: its role, cursor, edits waiting to be pushed, conflicts, rejections, and the "
               "schema version it waits for when the app is too old for it.");
  list->add_flag("--json", f->json, "A JSON array instead of a table");
  commands->emplace_back(list, run_list_spaces);
  auto* create = space->add_subcommand("create", "Create a space on the server (you are its owner); prints its id");
  create->add_option("NAME", f->name, "The space's name, e.g. \"North depot\"")->required();
  create->add_option("--schema", f->schema, "The registered schema its records follow, e.g. inspections")->required();
  create->add_option("--id", f->id, "The space's id: 1-64 of A-Z a-z 0-9 _ - (default: the server mints one)");
  commands->emplace_back(create, run_space_create);
  auto* members = space->add_subcommand("members", "The space's members, from the server");
  members->add_option("SPACE", f->space, "The space's id")->required();
  members->add_flag("--json", f->json, "A JSON array of {person, role, since, addedBy}");
  commands->emplace_back(members, run_space_members);
  auto* add = space->add_subcommand("add", "Add a person to the space (owners)");
  add->add_option("SPACE", f->space, "The space's id")->required();
  add->add_option("PERSON", f->person, "The person, as their token's subject names them")->required();
  add->add_option("--role", f->role, "owner, lead, member or viewer")->required()->check(role_validator());
  commands->emplace_back(add, run_space_add);
  auto* remove = space->add_subcommand("remove", "Remove a person from the space (owners); your own name leaves it");
  remove->footer("Their devices forget the space at their next sync and keep the edits they had not pushed "
                 "in the quarantine.");
  remove->add_option("SPACE", f->space, "The space's id")->required();
  remove->add_option("PERSON", f->person, "The person")->required();
  commands->emplace_back(remove, run_space_remove);
  auto* role = space->add_subcommand("role", "Change a member's role (owners)");
  role->add_option("SPACE", f->space, "The space's id")->required();
  role->add_option("PERSON", f->person, "The member")->required();
  role->add_option("ROLE", f->role, "owner, lead, member or viewer")->required()->check(role_validator());
  commands->emplace_back(role, run_space_role);

  auto* schema = group(client, "schema", "The schema this device's app is built for");
  schema->require_subcommand(1);
  auto* use = schema->add_subcommand("use", "Write as an app built for this schema document");
  use->footer("The device checks its writes against it and sends its version with them. Without one it "
              "uses the latest version the server has.");
  use->add_option("FILE", f->file, "The schema document (JSON)")->required();
  commands->emplace_back(use, run_schema_use);

  auto* import = client.add_subcommand("import", "Push master data (CSV or JSON) into a space now (leads, owners)");
  import->footer("As `synclog import` does, as this device's person and device; the device gets the "
                 "records at its next sync, like every other device of the space.");
  import->fallthrough();
  import->add_option("FILE", f->file, "The records: CSV with a header row, or a JSON array")->required();
  import->add_option("--space", f->space, "The space's id")->required();
  import->add_option("--type", f->type, "The records' type in the space's schema")->required();
  import->add_option("--format", f->format, "csv or json (default: by the file's extension)");
  commands->emplace_back(import, run_client_import);

  auto* rejections = group(client, "rejections", "Edits the server refused, with what to do about each");
  rejections->add_flag("--json", f->json, "A JSON array instead of text");
  auto* dismiss = rejections->add_subcommand("dismiss", "Forget a rejection once dealt with");
  dismiss->add_option("SEQ", f->seq, "The rejection's number (see `rejections`)")->required();
  commands->emplace_back(dismiss, run_rejections_dismiss);

  auto* quarantine =
      group(client, "quarantine", "Edits never pushed, of spaces this person was removed from: kept until discarded");
  quarantine->require_subcommand(1);
  auto* qlist = quarantine->add_subcommand("list", "The quarantined edits");
  commands->emplace_back(qlist, run_quarantine_list);
  auto* qexport = quarantine->add_subcommand("export", "The quarantined edits as a JSON array, to keep or send to a lead");
  qexport->add_option("--out", f->out, "Write to this file (default: standard output)");
  commands->emplace_back(qexport, run_quarantine_export);
  auto* discard = quarantine->add_subcommand("discard", "Drop a quarantined edit");
  discard->add_option("SEQ", f->seq, "The edit's number (see `quarantine list`)")->required();
  commands->emplace_back(discard, run_quarantine_discard);

  return [f, commands, rejections](const std::string& db) -> std::optional<int> {
    for (const auto& [cmd, run] : *commands) {
      if (cmd->parsed()) return run(db, *f);
    }
    // `rejections` alone lists them.
    if (rejections->parsed()) return run_rejections(db, *f);
    return std::nullopt;
  };
}

}  // namespace synclog::cli
