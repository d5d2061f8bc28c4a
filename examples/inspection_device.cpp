// A field inspector's device in a shared space, on the installed client SDK (docs/client.md,
// "Shared spaces").
//
//   inspection_device FILE --schema SCHEMA.json [--server URL --token TOKEN]
//                     [--space SPACE --site SITE [--notes TEXT]]
//
// Opens (or creates) the device file, tells it the schema the app was built for (its records are
// checked against it before they are queued), and lists the spaces the device follows. Given a
// server and a token it syncs (the person's feed, each space's master data first); given a space
// and a site it then records an inspection of that site, checked on the device (a site that is
// not in the space's cached master data is refused at once, naming the field), and syncs again,
// printing each outcome: synced, merged with a notification, or waiting for the person.
#include <synclog/client/local_store.hpp>
#include <synclog/client/spaces.hpp>
#include <synclog/client/sync_engine.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>

namespace {

using synclog::client::LocalStore;
using synclog::client::SpaceStore;

int usage() {
  std::cerr << "usage: inspection_device FILE --schema SCHEMA.json [--server URL --token TOKEN]\n"
               "                         [--space SPACE --site SITE [--notes TEXT]]\n";
  return 2;
}

int fail(std::string_view what, const synclog::Error& error) {
  std::cerr << "inspection_device: " << what << ": " << synclog::error_code_name(error.code)
            << ": " << error.message << "\n";
  return 1;
}

// TEXT as a JSON string literal; the SDK takes records as JSON text.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

int sync(synclog::client::SyncEngine& engine) {
  auto report = engine.sync();
  if (!report.ok()) return fail("sync", report.error());
  std::cout << "synced " << report->spaces << " space(s): pulled " << report->space_pulled
            << ", pushed " << report->space_pushed << ", " << report->needs_user
            << " waiting for the person\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string file = argv[1];
  std::map<std::string, std::string> flags;
  for (int i = 2; i < argc; i += 2) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc || arg.substr(0, 2) != "--") return usage();
    flags[std::string(arg.substr(2))] = argv[i + 1];
  }
  if (!flags.count("schema") || flags.count("server") != flags.count("token")) return usage();
  if (flags.count("site") && !flags.count("space")) return usage();

  auto store = LocalStore::open(file);
  if (!store.ok()) return fail("open " + file, store.error());
  SpaceStore spaces(**store);

  std::ifstream in(flags["schema"]);
  std::ostringstream schema;
  schema << in.rdbuf();
  if (auto s = spaces.set_app_schema(schema.str()); !s.ok()) return fail("schema", s.error());
  auto version = spaces.schema_version("inspections");
  if (!version.ok()) return fail("schema", version.error());
  std::cout << "schema inspections version " << *version << " on this device\n";

  std::unique_ptr<synclog::client::SyncEngine> engine;
  if (flags.count("server")) {
    if (auto s = (*store)->set_server_url(flags["server"]); !s.ok()) return fail("server", s.error());
    if (auto s = (*store)->set_token(flags["token"]); !s.ok()) return fail("token", s.error());
    engine = std::make_unique<synclog::client::SyncEngine>(**store);
    engine->on_event([](const synclog::client::SyncEvent& e) {
      if (e.space.empty()) return;
      std::cout << "  " << synclog::client::outcome_name(e.outcome) << " " << e.kind << " "
                << e.space << (e.type.empty() ? "" : " " + e.type + " " + e.id)
                << (e.reason.empty() ? "" : ": " + e.reason) << "\n";
    });
    if (int rc = sync(*engine); rc != 0) return rc;
  }

  auto list = spaces.spaces();
  if (!list.ok()) return fail("spaces", list.error());
  std::cout << list->size() << " space(s) on this device\n";
  for (const auto& s : *list) {
    auto sites = spaces.list(s.id, "site");
    std::cout << "  " << s.id << " (" << s.name << ") as " << s.role << ": "
              << (sites.ok() ? sites->size() : 0) << " site(s), " << s.pending << " pending, "
              << s.conflicts << " conflict(s)\n";
  }

  if (flags.count("site")) {
    const std::string data = R"({"site":)" + json_string(flags["site"]) + R"(,"notes":)" +
                             json_string(flags.count("notes") ? flags["notes"] : "inspected") + "}";
    auto id = spaces.put(flags["space"], "inspection", data);
    if (!id.ok()) return fail("inspection", id.error());
    std::cout << "recorded inspection " << *id << "\n";
    if (engine) return sync(*engine);
  }
  return 0;
}
