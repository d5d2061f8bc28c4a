// Names of the SDK's vocabulary (include/synclog/client/types.hpp): the wire names of
// resources, the names strategies are stored and typed under, and the event names of outcomes.
#include "synclog/client/types.hpp"

namespace synclog::client {
namespace {

// A command line types "reading-session" or "Note"; the wire says "READING_SESSION" and the
// strategy names use '-'. Comparing with case and '-'/'_' folded accepts all of them.
char fold(char c) {
  if (c == '_') return '-';
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return c;
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (fold(a[i]) != fold(b[i])) return false;
  }
  return true;
}

}  // namespace

std::string_view resource_name(Resource r) {
  switch (r) {
    case Resource::kBookmark:
      return "BOOKMARK";
    case Resource::kCollection:
      return "COLLECTION";
    case Resource::kCollectionBookmark:
      return "COLLECTION_BOOKMARK";
    case Resource::kNote:
      return "NOTE";
    case Resource::kReadingSession:
      return "READING_SESSION";
  }
  return "";
}

std::optional<Resource> parse_resource(std::string_view name) {
  for (Resource r : kAllResources) {
    if (same_name(name, resource_name(r))) return r;
  }
  return std::nullopt;
}

std::string_view strategy_name(Strategy s) {
  switch (s) {
    case Strategy::kServerWins:
      return "server-wins";
    case Strategy::kClientWins:
      return "client-wins";
    case Strategy::kLastWriteWins:
      return "last-write-wins";
    case Strategy::kFieldMerge:
      return "field-merge";
    case Strategy::kManual:
      return "manual";
  }
  return "";
}

std::optional<Strategy> parse_strategy(std::string_view name) {
  for (Strategy s : {Strategy::kServerWins, Strategy::kClientWins, Strategy::kLastWriteWins,
                     Strategy::kFieldMerge, Strategy::kManual}) {
    if (same_name(name, strategy_name(s))) return s;
  }
  return std::nullopt;
}

std::string_view outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kSynced:
      return "synced";
    case Outcome::kMerged:
      return "merged";
    case Outcome::kNeedsUser:
      return "needs_user";
  }
  return "";
}

std::string_view mutation_type_name(MutationType t) {
  switch (t) {
    case MutationType::kCreate:
      return "CREATE";
    case MutationType::kUpdate:
      return "UPDATE";
    case MutationType::kDelete:
      return "DELETE";
  }
  return "CREATE";
}

std::optional<MutationType> parse_mutation_type(std::string_view name) {
  for (MutationType t : {MutationType::kCreate, MutationType::kUpdate, MutationType::kDelete}) {
    if (name == mutation_type_name(t)) return t;
  }
  return std::nullopt;
}

}  // namespace synclog::client
