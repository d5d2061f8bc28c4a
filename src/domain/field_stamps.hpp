// The fields of each resource type that conflictMode=field judges one by one (docs/api.md,
// "Genuine-only conflicts"), their values in a comparable form, and the upkeep of their
// stamps: a save stamps exactly the fields whose value it changed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "domain/declared_record.hpp"
#include "domain/model.hpp"

namespace synclog::domain {

// One judged field: its name in the wire form, and a second name when the field is a pair that
// only makes sense as one value (a reading position is chapterNumber and verseNumber).
struct FieldName {
  std::string_view name;
  std::string_view also;
};

// The judged fields of T, in stamp order.
template <class T>
std::span<const FieldName> field_names();

// The index of isInDefaultCollection among a bookmark's fields (membership of Favorites).
inline constexpr std::size_t kBookmarkInDefaultField = 2;

// T's judged fields' values, in stamp order, as text that is equal exactly when the values are.
template <class T>
std::vector<std::string> field_values(const T& v);

// A declared record's fields' values (absent ones as empty text, which no canonical value is).
std::vector<std::string> field_values(const DeclaredRecord& r);

// After `v` was changed by the write `stamp` describes (its time and client; for a declared
// record also the person and the capture time): stamps each field whose value differs from the
// one loaded (every field of a resource that was not loaded), and takes the current values as
// the loaded ones, so a second save in the same transaction compares with it.
template <class T>
void stamp_changes(T& v, const FieldStamp& stamp);

// After decoding `v` with the stamps its record held (possibly none: a record written before
// stamps existed gets its version and no writer for every field, so every client that edited
// from before that version clashes on whatever it changes: more clashes, never a hidden one):
// records the loaded values.
template <class T>
void finish_loading(T& v, std::vector<FieldStamp> stored);

}  // namespace synclog::domain
