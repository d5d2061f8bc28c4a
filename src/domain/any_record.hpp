// A record of any synced type, as the engine handles it. The engine's generic steps (judging
// field stamps, saving, removing) visit it; a type's own rules (record_type.hpp) see the
// alternative they know.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "domain/declared_record.hpp"
#include "domain/field_stamps.hpp"
#include "domain/model.hpp"

namespace synclog::domain {

// A record of any synced type: the five Quran resources, or a record of a declared type.
using AnyRecord = std::variant<Bookmark, Collection, Membership, Note, ReadingSession, DeclaredRecord>;

// The record's storage id (a membership's is "<collectionId>/<bookmarkId>").
std::string record_id(const AnyRecord& r);
std::int64_t record_version(const AnyRecord& r);
const FieldStamps& record_stamps(const AnyRecord& r);
// The judged fields' values and names, in stamp order (field_stamps.hpp).
std::vector<std::string> record_field_values(const AnyRecord& r);
FieldName record_field_name(const AnyRecord& r, std::size_t i);
// The record's current state as a conflict shows it: its pull form (a note's adds saveToQR,
// a judged field the pull form lacks, so a clash on it shows both values).
std::string conflict_record(const AnyRecord& r);

}  // namespace synclog::domain
