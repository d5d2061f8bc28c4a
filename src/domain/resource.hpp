// The five synced resource types, the three mutation types, and sets of resources.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace synclog::domain {

// Values are stored on disk (entry and record `kind`): never renumber.
enum class Resource : std::uint8_t {
  kBookmark = 0,
  kCollection = 1,
  kCollectionBookmark = 2,
  kNote = 3,
  kReadingSession = 4,
};
inline constexpr int kResourceCount = 5;
inline constexpr Resource kAllResources[] = {Resource::kBookmark, Resource::kCollection,
                                             Resource::kCollectionBookmark, Resource::kNote,
                                             Resource::kReadingSession};

// Values are stored on disk (entry `op`): never renumber.
enum class MutationType : std::uint8_t { kCreate = 0, kUpdate = 1, kDelete = 2 };

// Wire names: "BOOKMARK", "COLLECTION", "COLLECTION_BOOKMARK", "NOTE", "READING_SESSION".
std::string_view resource_name(Resource r);
std::optional<Resource> parse_resource(std::string_view name);
// Wire names: "CREATE", "UPDATE", "DELETE".
std::string_view mutation_type_name(MutationType t);
std::optional<MutationType> parse_mutation_type(std::string_view name);

// A set of resources, as a bit mask indexed by the enum value.
class ResourceSet {
 public:
  constexpr ResourceSet() = default;
  static constexpr ResourceSet all() { return ResourceSet((1u << kResourceCount) - 1); }
  constexpr void add(Resource r) { bits_ |= bit(r); }
  // A record kind of any log (a space's declared types' kinds are below 32, schema.hpp).
  constexpr void add_kind(std::uint8_t kind) { bits_ |= 1u << kind; }
  constexpr bool contains(Resource r) const { return (bits_ & bit(r)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr std::uint32_t bits() const { return bits_; }
  constexpr ResourceSet operator&(ResourceSet o) const { return ResourceSet(bits_ & o.bits_); }
  constexpr bool operator==(const ResourceSet&) const = default;

 private:
  constexpr explicit ResourceSet(std::uint32_t bits) : bits_(bits) {}
  static constexpr std::uint32_t bit(Resource r) { return 1u << static_cast<unsigned>(r); }
  std::uint32_t bits_ = 0;
};

}  // namespace synclog::domain
