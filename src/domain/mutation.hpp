// A validated push mutation: what the client asked for, in domain terms. Produced by
// push_parser.hpp from a POST /v1/sync body (and, later, by the direct endpoints), consumed by
// apply.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "domain/model.hpp"
#include "domain/resource.hpp"

namespace synclog::domain {

// The client times a write carries; absent ones default to the server's time of the write.
struct ClientTimes {
  std::optional<std::int64_t> created;
  std::optional<std::int64_t> updated;
};

// isReading on a bookmark write: omitted (leave as is / regular), true, or false/null.
enum class ReadingFlag : std::uint8_t { kOmitted, kSet, kCleared };

struct BookmarkCreate {
  BookmarkDetails details;
  ReadingFlag reading = ReadingFlag::kOmitted;
  ClientTimes times;
};

// A bookmark's identity cannot change; identity fields, when sent, must match the bookmark.
struct BookmarkUpdate {
  std::optional<BookmarkKind> kind;
  std::optional<int> key;
  std::optional<int> verse;
  std::optional<int> mushaf;
  ReadingFlag reading = ReadingFlag::kOmitted;
  ClientTimes times;
};

struct CollectionFields {
  std::string name;
  ClientTimes times;
};

// A COLLECTION_BOOKMARK target: the collection (or "__default__") and the bookmark, by id or
// by details.
struct MembershipTarget {
  std::string collection_id;
  std::string bookmark_id;                // empty when given by details
  std::optional<BookmarkDetails> details;  // set when no bookmark id was given
  ClientTimes times;
};

struct NoteCreate {
  std::string body;
  std::vector<std::string> ranges;
  bool save_to_qr = false;
  std::optional<AttachedEntity> entity;
  ClientTimes times;
};

struct NoteUpdate {
  std::optional<std::string> body;  // required except in conflictMode=field (changed fields only)
  std::optional<std::vector<std::string>> ranges;
  std::optional<bool> save_to_qr;
  ClientTimes times;
};

struct SessionFields {
  int chapter = 0;
  int verse = 0;
  ClientTimes times;
};

// DELETE of a resource by id: nothing but (optional) times.
struct NoFields {
  ClientTimes times;
};

// A mutation of a declared type (a space's push): the values it sets, by field index of the
// type in the space's current schema, as canonical JSON text ("null" clears the field); already
// checked against the device's schema version and upgraded to the current one.
struct DeclaredFields {
  std::vector<std::pair<std::size_t, std::string>> values;
  ClientTimes times;
};

using MutationData = std::variant<NoFields, BookmarkCreate, BookmarkUpdate, CollectionFields,
                                  MembershipTarget, NoteCreate, NoteUpdate, SessionFields,
                                  DeclaredFields>;

// Why a mutation of a space's push was refused without touching the log (conflictMode=field
// answers it as the mutation's outcome; the rest of the batch goes on).
struct Rejection {
  std::string_view reason;  // "permission", "validation", "reference", "schema" or "revoked"
  std::string field;        // the field at fault, when one is
  std::string message;      // for the person: what is wrong and what to do
};

// The client times any mutation's data carries.
inline const ClientTimes& times_of(const MutationData& d) {
  return std::visit([](const auto& v) -> const ClientTimes& { return v.times; }, d);
}

// How a push's mutations are judged against what other devices did (docs/api.md): kStrict is
// the upstream rule (the whole batch needs the current head), kField judges each mutation's
// fields against its base and applies all that do not clash.
enum class ConflictMode : std::uint8_t { kStrict, kField };

struct Mutation {
  MutationType type = MutationType::kCreate;
  Resource resource = Resource::kBookmark;
  // UPDATE/DELETE: the target. CREATE: a client-chosen id, or empty for a server-minted one.
  std::string resource_id;
  MutationData data;
  // The request's known `data` fields with times normalised, as JSON text, echoed in the ack;
  // empty when the request had no data.
  std::string ack_data;
  // conflictMode=field: the version of the resource the client edited from, when it said.
  std::optional<std::int64_t> base_ts;
  // Refused while it was read (a space's push in conflictMode=field): it is answered, not planned.
  std::optional<Rejection> rejected;
  // A space's mutation: the type's name as the device sent it (its ack echoes it, even for a
  // type the schema does not have).
  std::string type_name;
};

}  // namespace synclog::domain
