// Wire names of resources and mutation types.
#include "domain/resource.hpp"

namespace synclog::domain {

std::string_view resource_name(Resource r) {
  switch (r) {
    case Resource::kBookmark: return "BOOKMARK";
    case Resource::kCollection: return "COLLECTION";
    case Resource::kCollectionBookmark: return "COLLECTION_BOOKMARK";
    case Resource::kNote: return "NOTE";
    case Resource::kReadingSession: return "READING_SESSION";
  }
  return "";
}

std::optional<Resource> parse_resource(std::string_view name) {
  for (Resource r : kAllResources) {
    if (resource_name(r) == name) return r;
  }
  return std::nullopt;
}

std::string_view mutation_type_name(MutationType t) {
  switch (t) {
    case MutationType::kCreate: return "CREATE";
    case MutationType::kUpdate: return "UPDATE";
    case MutationType::kDelete: return "DELETE";
  }
  return "";
}

std::optional<MutationType> parse_mutation_type(std::string_view name) {
  if (name == "CREATE") return MutationType::kCreate;
  if (name == "UPDATE") return MutationType::kUpdate;
  if (name == "DELETE") return MutationType::kDelete;
  return std::nullopt;
}

}  // namespace synclog::domain
