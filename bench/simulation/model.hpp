// The simulated data and the words every other part of the simulation shares: the record
// kinds a device edits (a user's NOTE, COLLECTION, READING_SESSION; a space's site, master data
// only its leads write, and inspection, which members capture and which points at a site),
// their fields, what one mutation and one pulled entry carry, and how a field's value is written
// on the wire and read back. A value is kept as canonical text, so two values are equal exactly
// when their texts are.
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "domain/field_conflicts.hpp"
#include "domain/resource.hpp"

namespace synclog::sim {

// kSpace: people with several devices each in one shared space, in conflictMode=field.
enum class Mode : std::uint8_t { kStrict, kField, kSpace };
std::string_view mode_name(Mode m);  // "strict", "field", "space"

enum class Kind : std::uint8_t { kNote, kCollection, kReadingSession, kSite, kInspection };
// "NOTE", "COLLECTION", "READING_SESSION", "site", "inspection"
std::string_view resource_name(Kind k);
std::optional<Kind> kind_of_resource(std::string_view resource);
// Master data: only a space's leads write it.
inline bool is_master(Kind k) { return k == Kind::kSite; }
// A field whose value names a record (an inspection's site).
inline bool is_reference(Kind k, std::string_view field) { return k == Kind::kInspection && field == "site"; }

// The fields a device edits, by their simulation names: NOTE {body, ranges}, COLLECTION
// {name}, READING_SESSION {position} (chapterNumber and verseNumber, one value, as the
// server stamps it). NOTE's saveToQR is left out on purpose: no pull shows it (the upstream
// pull form has no such key), so no device could ever see another device's value of it.
const std::vector<std::string>& fields_of(Kind k);

// The simulation field a wire field name of a conflict answer belongs to ("chapterNumber" and
// "verseNumber" are both "position"), or nullopt for a field the simulation does not edit.
std::optional<std::string> field_of_wire_name(Kind k, std::string_view wire);

using EditId = std::int64_t;  // 0: no edit (a value nobody in the simulation wrote)
using Fields = std::map<std::string, std::string>;  // field -> canonical value

// Puts `fields` into a mutation's `data` in their wire form.
void put_fields(const Fields& fields, boost::json::object& data);
// Reads every simulated field of a pulled record's `data`; nullopt if one is missing or
// mistyped.
std::optional<Fields> read_fields(Kind k, const boost::json::object& data);

// Random values. Text values embed `tag` (device and counter, unique in a run), so a value
// names the edit that wrote it; ranges and reading positions are drawn from thousands of
// possibilities, and one time in five from a handful of popular ones, so they repeat.
std::string random_value(Kind k, const std::string& field, const std::string& tag,
                         std::mt19937_64& rng);

// The wire's vocabulary is the server's own (mutation types, field-mode outcomes).
using domain::MutationType;
using domain::Outcome;
inline std::string_view type_name(MutationType t) { return domain::mutation_type_name(t); }
using domain::outcome_name;

// One item of a push, with what the oracle needs to know about it.
struct Mutation {
  MutationType type = MutationType::kUpdate;
  Kind kind = Kind::kNote;
  std::string id;                       // the client-chosen resourceId
  Fields fields;                        // what `data` carries (CREATE/UPDATE)
  std::map<std::string, EditId> edits;  // the device's edits among `fields` (its dirty fields)
  EditId delete_edit = 0;               // DELETE: the edit that deleted the record
  std::int64_t base = 0;                // the record's version the device edited from (0: new)
  bool rebased_merge = false;           // strict: others' changes were folded in by a rebase
  std::int64_t captured = 0;            // spaces: when its latest edit was made (UTC ms)
};

// What the server answered for one mutation: an Outcome (above).

struct ConflictInfo {
  std::string reason;               // "changed" or "deleted"
  std::vector<std::string> fields;  // clashing simulation fields
  std::int64_t version = 0;         // the server record's version
  std::optional<Fields> record;     // its state; nullopt when deleted
};

// A clash the server settled without the person (a space: the same person's other device).
struct Settled {
  std::string field;
  bool device_kept = false;
  std::string server_value;  // what the record keeps when the server's side won
};

struct Ack {
  Outcome outcome = Outcome::kApplied;
  std::int64_t timestamp = 0;  // 0 for a conflict or a rejection
  std::optional<ConflictInfo> conflict;
  std::vector<Settled> settled;  // softMerged
  std::string rejection;         // rejected: the reason ("permission", "reference", ...)
  std::string rejected_field;
};

// One entry of a pull: the latest state of one record.
struct PulledEntry {
  std::string id;
  Kind kind = Kind::kNote;
  bool deleted = false;
  Fields fields;  // empty when deleted
  std::int64_t timestamp = 0;
};

}  // namespace synclog::sim
