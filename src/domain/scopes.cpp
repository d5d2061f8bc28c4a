// Scope checks. The upstream contract leaves child-scope granularity open (A14); the rule here
// is "parent or the child that names the action", plus bookmark.create for BOOKMARK UPDATE
// because the upstream scope list has no bookmark.update.
#include "domain/scopes.hpp"

#include <algorithm>

namespace synclog::domain {
namespace {

std::string_view action_suffix(Action a) {
  switch (a) {
    case Action::kRead: return "read";
    case Action::kCreate: return "create";
    case Action::kUpdate: return "update";
    case Action::kDelete: return "delete";
  }
  return "";
}

}  // namespace

Action action_for(MutationType t) {
  switch (t) {
    case MutationType::kCreate: return Action::kCreate;
    case MutationType::kUpdate: return Action::kUpdate;
    case MutationType::kDelete: return Action::kDelete;
  }
  return Action::kRead;
}

Scopes Scopes::parse(std::string_view s) {
  std::vector<std::string> names;
  std::size_t pos = 0;
  while (pos < s.size()) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] != ' ') ++pos;
    if (pos > start) names.emplace_back(s.substr(start, pos - start));
  }
  return from_list(std::move(names));
}

Scopes Scopes::from_list(std::vector<std::string> names) {
  Scopes sc;
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  sc.names_ = std::move(names);
  return sc;
}

const std::vector<std::string>& Scopes::all_names() {
  static const std::vector<std::string> kAll = {"sync", "bookmark", "collection", "note",
                                                "reading_session", "preference"};
  return kAll;
}

bool Scopes::has(std::string_view name) const {
  return std::binary_search(names_.begin(), names_.end(), name,
                            [](std::string_view a, std::string_view b) { return a < b; });
}

bool Scopes::family_allows(std::string_view family, Action a) const {
  if (has(family)) return true;
  std::string child(family);
  child.push_back('.');
  child.append(action_suffix(a));
  return has(child);
}

bool Scopes::allows(Resource r, Action a) const {
  switch (r) {
    case Resource::kBookmark:
      return family_allows("bookmark", a) ||
             (a == Action::kUpdate && family_allows("bookmark", Action::kCreate));
    case Resource::kCollection: return family_allows("collection", a);
    case Resource::kCollectionBookmark:
      // Adding to or removing from a collection changes the collection and creates or deletes
      // a bookmark's membership: both families must agree. Reading needs read on both.
      if (a == Action::kRead) return family_allows("bookmark", a) && family_allows("collection", a);
      return family_allows("bookmark", a) &&
             (family_allows("collection", a) || family_allows("collection", Action::kUpdate));
    case Resource::kNote: return family_allows("note", a);
    case Resource::kReadingSession: return family_allows("reading_session", a);
  }
  return false;
}

ResourceSet Scopes::readable() const {
  ResourceSet set;
  for (Resource r : kAllResources) {
    if (allows(r, Action::kRead)) set.add(r);
  }
  return set;
}

}  // namespace synclog::domain
