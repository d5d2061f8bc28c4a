// A device with notes: the smallest app on the synclog client SDK (docs/client.md).
//
//   notes_device FILE [--note TEXT] [--server URL --token TOKEN]
//
// Opens (or creates) the device's local file FILE, writes a note (committed locally, with its
// mutation queued, before put() returns: no network needed), lists the notes the device has, and,
// given a server and a token, runs one sync: pull what other devices did, push the queue.
#include <synclog/client/local_store.hpp>
#include <synclog/client/sync_engine.hpp>
#include <synclog/client/types.hpp>
#include <synclog/version.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace {

using synclog::client::LocalStore;
using synclog::client::Resource;

int usage() {
  std::cerr << "usage: notes_device FILE [--note TEXT] [--server URL --token TOKEN]\n";
  return 2;
}

int fail(std::string_view what, const synclog::Error& error) {
  std::cerr << "notes_device: " << what << ": " << synclog::error_code_name(error.code) << ": "
            << error.message << "\n";
  return 1;
}

// TEXT as a JSON string literal (the SDK takes records as JSON text in the wire form).
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

int sync(LocalStore& store, const std::string& server, const std::string& token) {
  if (auto s = store.set_server_url(server); !s.ok()) return fail("set_server_url", s.error());
  if (auto s = store.set_token(token); !s.ok()) return fail("set_token", s.error());
  synclog::client::SyncEngine engine(store);
  engine.on_event([](const synclog::client::SyncEvent& e) {
    std::cout << "  " << synclog::client::outcome_name(e.outcome) << " "
              << synclog::client::resource_name(e.resource) << " " << e.id
              << (e.reason.empty() ? "" : ": ") << e.reason << "\n";
  });
  auto report = engine.sync();
  if (!report.ok()) return fail("sync", report.error());
  std::cout << "synced: pulled " << report->pulled << ", pushed " << report->pushed << " in "
            << report->batches << " batch(es), " << report->conflicts << " conflict(s) settled, "
            << report->needs_user << " waiting for the user; cursor " << report->cursor << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string file = argv[1];
  std::string note = "Ayat al-Kursi, before sleeping";
  std::optional<std::string> server;
  std::optional<std::string> token;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--note") {
      note = argv[++i];
    } else if (arg == "--server") {
      server = argv[++i];
    } else if (arg == "--token") {
      token = argv[++i];
    } else {
      return usage();
    }
  }
  if (server.has_value() != token.has_value()) return usage();

  std::cout << "synclog client SDK " << synclog::kVersion << "\n";
  auto store = LocalStore::open(file);
  if (!store.ok()) return fail("open " + file, store.error());

  auto id = (*store)->put(Resource::kNote,
                          R"({"body":)" + json_string(note) + R"(,"ranges":["2:255-2:255"]})");
  if (!id.ok()) return fail("put", id.error());
  std::cout << "put note " << *id << "\n";

  auto notes = (*store)->list(Resource::kNote);
  if (!notes.ok()) return fail("list", notes.error());
  std::cout << notes->size() << " note(s) on this device:\n";
  for (const auto& n : *notes) {
    std::cout << "  " << n.id << (n.pending ? " (not synced yet) " : " ") << n.data << "\n";
  }
  auto queued = (*store)->queue_length();
  if (!queued.ok()) return fail("queue_length", queued.error());
  std::cout << *queued << " mutation(s) queued\n";

  if (server) return sync(**store, *server, *token);
  return 0;
}
