// What a token's scopes allow. `sync` opens /v1/sync; each resource needs its own scope family
// (`bookmark`, `collection`, `note`, `reading_session`), where the parent scope covers its
// children (`note.read`, `note.create`, `note.update`, `note.delete`, ...).
// COLLECTION_BOOKMARK needs both the bookmark and the collection family.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "domain/resource.hpp"

namespace synclog::domain {

enum class Action { kRead, kCreate, kUpdate, kDelete };

Action action_for(MutationType t);

class Scopes {
 public:
  Scopes() = default;
  // Space-separated scope names, as in an OAuth `scope` claim. Duplicates are harmless.
  static Scopes parse(std::string_view space_separated);
  static Scopes from_list(std::vector<std::string> names);
  // Every scope synclog knows: what `synclog token` grants by default.
  static const std::vector<std::string>& all_names();

  bool has(std::string_view name) const;
  bool allows(Resource r, Action a) const;
  // The parent scope `family`, or its child for the action (e.g. "preference.update").
  bool family_allows(std::string_view family, Action a) const;
  // Resources a pull may return: those with read access (the rest are silently dropped).
  ResourceSet readable() const;
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

}  // namespace synclog::domain
