// Shared spaces on the device (docs/client.md, "Shared spaces"): the spaces the person's feed
// lists, their records (master data and captured records alike) cached in the device's file,
// the edits waiting to be pushed, and what the server said about them: conflicts to settle
// field by field, rejections, and the quarantine of edits left over from spaces the person was
// removed from. The app reads and writes here; SyncEngine::sync() brings it in step with the
// server (SPEC section 7).
//
// Records travel as JSON text: a record is a JSON object of its declared fields (with
// clientCreatedAt, clientUpdatedAt and updatedBy as the server shows them), so these headers
// need no JSON library.
#pragma once

#include "synclog/client/local_store.hpp"

#include "common/status.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

/// One space the person belongs to, as the device knows it.
struct SpaceInfo {
  std::string id;
  std::string name;
  std::string schema;  ///< the schema's name
  std::string role;    ///< "owner", "lead", "member" or "viewer"
  /// The space log's head the device has applied; 0 until its first pull completes.
  std::int64_t cursor = 0;
  /// > 0: the space refused this app's schema version; nothing of it syncs until the app is
  /// updated to at least this version (set_app_schema). Edits stay queued.
  std::int64_t update_required = 0;
  std::int64_t pending = 0;    ///< edits waiting to be pushed (held ones included)
  std::int64_t conflicts = 0;  ///< conflicts waiting for the person
  std::int64_t rejected = 0;   ///< rejections not yet dismissed
};

/// A record of a space as the device shows it.
struct SpaceRecord {
  std::string space;
  std::string type;
  std::string id;
  std::string data;           ///< JSON object
  std::int64_t version = 0;   ///< the server version it was last synced at; 0: never synced
  bool pending = false;       ///< an edit of it waits to be pushed
  bool in_conflict = false;   ///< an edit of it waits for the person to settle a conflict
  bool rejected = false;      ///< the server refused to create it (see rejections())
};

/// One side of a clashing field.
struct FieldVersion {
  std::string value;      ///< JSON text ("null" when cleared or absent)
  std::string by;         ///< who changed it (the server's side); empty for the device's
  std::string client;     ///< which device of theirs (the server's side)
  std::string at;         ///< when the server took the change (UTC ISO), server's side only
  std::string captured_at;  ///< when it was captured on its device (UTC ISO)
};

/// A field changed on both sides since the device's base.
struct FieldClash {
  std::string field;
  FieldVersion server;
  FieldVersion local;
  std::string base;  ///< the value both edited from (JSON text; "null" when there was none)
};

/// A conflict only the person can settle: another person changed a field this device changed,
/// or deleted the record, since the device's base.
struct SpaceConflict {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string space;
  std::string type;
  std::string id;
  std::string reason;        ///< "changed" or "deleted"
  std::int64_t version = 0;  ///< the server's version of the record
  std::string server;        ///< the record as the server has it (JSON object; "null": deleted)
  std::string local;         ///< the device's edit: the fields it set (JSON object)
  std::vector<FieldClash> clashes;
  bool resolved = false;
};

/// How the person settles a conflict. Fields it does not clash on keep the device's edit.
struct SpaceResolution {
  enum class Kind { kAcceptServer, kKeepLocal, kManual } kind = Kind::kAcceptServer;
  /// kManual: the value to keep for each clashing field (JSON text); a clashing field not
  /// named keeps the device's value.
  std::map<std::string, std::string> fields;
};

/// A mutation the server refused. Its data is kept here (and a refused new record stays on
/// the device, marked rejected) until the person dismisses it.
struct SpaceRejection {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string space;
  std::string type;
  std::string id;
  std::string op;      ///< "CREATE", "UPDATE" or "DELETE"
  std::string fields;  ///< what it carried (JSON object)
  std::string reason;  ///< "permission", "validation", "reference" or "schema"
  std::string field;   ///< the field at fault, when one is
  std::string message;
  std::string advice;  ///< what the person can do, in a sentence
};

/// An edit the server never accepted, of a space the person was removed from.
struct QuarantinedEdit {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;  ///< when it was quarantined
  std::string space;
  std::string space_name;
  std::string type;
  std::string id;
  std::string op;
  std::string fields;  ///< JSON object
  std::int64_t captured_ms = 0;
  std::string reason;
};

/// The device's spaces, in the file of `store`. Not thread-safe; use it on the thread that uses
/// the store. Errors (a failed call changes nothing):
///   kNotFound          an unknown space, record, conflict, rejection or quarantined edit
///   kForbidden         the person's role may not write the type (a viewer; master data for a
///                      member)
///   kValidation        a field the schema refuses, or a reference that does not resolve on
///                      the device: the message names the field and says why
///   kInvalidRequest    data that is not a JSON object, a bad id, an unknown type
///   kPreconditionFailed  the space waits for an app update, or the conflict is settled
///   kInternal          the file
class SpaceStore {
 public:
  explicit SpaceStore(LocalStore& store);

  //////// The app's schema

  /// The schema document the app was built for: its records are checked against it before
  /// they are queued, and pushes and pulls send its version (X-Schema-Version). Replaces an
  /// earlier one of the same name (an app update). Without one, the device checks against the
  /// latest version the server has, fetched by the engine. kInvalidRequest for a document that
  /// is not a valid schema.
  Status set_app_schema(std::string_view document);
  /// The version the device speaks for `schema`: the app's, else the latest fetched; 0 when
  /// the device has neither.
  Result<std::int64_t> schema_version(std::string_view schema);
  /// The document the device checks `schema`'s records against (the app's, else the latest
  /// fetched), nullopt when it has none yet.
  Result<std::optional<std::string>> schema_document(std::string_view schema);

  //////// Spaces and records

  Result<std::vector<SpaceInfo>> spaces();
  Result<std::optional<SpaceInfo>> space(std::string_view space);

  /// Writes a record of `type` in `space` and queues the edit, in one transaction, after
  /// checking it as the server would: the type exists in the device's schema version, the
  /// person's role may write it, every field is declared and valid, required fields are given
  /// on creation, and every reference names a record of its type that the device has in this
  /// space (master data cached, or created earlier on the device). `data` holds the fields to
  /// set (null clears one); without `id` the record is new and gets a fresh id. Returns the id.
  Result<std::string> put(std::string_view space, std::string_view type, std::string_view data,
                          std::optional<std::string_view> id = std::nullopt);
  /// Deletes a record and queues the DELETE. kNotFound when the device does not have it.
  Status remove(std::string_view space, std::string_view type, std::string_view id);
  Result<std::optional<SpaceRecord>> get(std::string_view space, std::string_view type,
                                         std::string_view id);
  /// Every record of a type in a space, by id.
  Result<std::vector<SpaceRecord>> list(std::string_view space, std::string_view type);

  //////// What needs the person

  /// Conflicts, oldest first; only those not yet settled when `unresolved_only`. Their seqs
  /// are the space conflicts' own (the per-user conflict log numbers its rows apart).
  Result<std::vector<SpaceConflict>> conflicts(bool unresolved_only = true);
  /// One conflict by its seq, settled or not; nullopt when there is none.
  Result<std::optional<SpaceConflict>> conflict(std::int64_t seq);
  /// Settles a conflict: the record becomes the server's version, the device's, or per field
  /// what `resolution` says, and the result is queued as an ordinary edit based on the
  /// server's version, with any edit the person made since. kPreconditionFailed when already
  /// settled.
  Status resolve(std::int64_t conflict_seq, const SpaceResolution& resolution);

  Result<std::vector<SpaceRejection>> rejections();
  /// Forgets a rejection; a refused new record that the person did not put again leaves the
  /// device with it.
  Status dismiss_rejection(std::int64_t seq);

  Result<std::vector<QuarantinedEdit>> quarantine();
  /// The quarantine as a JSON array, for the person to keep or send to a lead, one object per
  /// edit: {"seq", "quarantinedAt", "spaceId", "spaceName", "type", "resourceId", "op"
  /// ("CREATE", "UPDATE" or "DELETE"), "data" (the fields it set), "capturedAt" (when the person
  /// made it), "reason"}; times are UTC ISO 8601.
  Result<std::string> export_quarantine();
  Status discard_quarantined(std::int64_t seq);

 private:
  LocalStore& store_;
};

}  // namespace synclog::client
