// The SDK's vocabulary: the synced resources, conflict strategies, and what the engine tells the
// app. docs/client.md describes the design. Records travel as JSON text in the wire form of
// /v1/sync (the `data` object a pull returns and a push sends), so the SDK's public headers
// depend on no JSON library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

enum class Resource { kBookmark, kCollection, kCollectionBookmark, kNote, kReadingSession };
inline constexpr Resource kAllResources[] = {Resource::kBookmark, Resource::kCollection,
                                             Resource::kCollectionBookmark, Resource::kNote,
                                             Resource::kReadingSession};

// "BOOKMARK", "COLLECTION", "COLLECTION_BOOKMARK", "NOTE", "READING_SESSION".
std::string_view resource_name(Resource r);
// Also accepts the lower-case and singular spellings a command line uses ("note", "bookmark",
// "collection-bookmark", "reading-session").
std::optional<Resource> parse_resource(std::string_view name);

// How a conflict on a resource type is settled (docs/client.md, "Conflict strategies").
enum class Strategy { kServerWins, kClientWins, kLastWriteWins, kFieldMerge, kManual };
// "server-wins", "client-wins", "last-write-wins", "field-merge", "manual".
std::string_view strategy_name(Strategy s);
std::optional<Strategy> parse_strategy(std::string_view name);

enum class MutationType { kCreate, kUpdate, kDelete };
// "CREATE", "UPDATE", "DELETE", as on the wire.
std::string_view mutation_type_name(MutationType t);
std::optional<MutationType> parse_mutation_type(std::string_view name);

// One record as the device has it.
struct LocalRecord {
  Resource resource = Resource::kNote;
  std::string id;
  std::string data;           // JSON object, wire form
  std::int64_t version = 0;   // the server ts it was last synced at; 0: never synced
  bool pending = false;       // a local mutation of it waits in the queue
};

// The three tiers the app shows (the inspection thread's feedback).
enum class Outcome {
  kSynced,     // nothing clashed
  kMerged,     // a conflict the strategy settled on its own
  kNeedsUser,  // a conflict (or a refused mutation) only the user can settle
};
std::string_view outcome_name(Outcome o);

// One row of the local conflict log.
struct ConflictRecord {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;  // device wall clock when it was detected
  Resource resource = Resource::kNote;
  std::string id;
  Strategy strategy = Strategy::kServerWins;
  Outcome outcome = Outcome::kMerged;
  std::string local;   // the device's version (JSON object; "null" when deleted)
  std::string server;  // the server's version (JSON object; "null" when deleted)
  std::string result;  // what was kept ("null": deleted; empty while it needs the user)
  std::vector<std::string> clashing_fields;
  std::string reason;  // a sentence for the UI
  bool resolved = false;
};

}  // namespace synclog::client
