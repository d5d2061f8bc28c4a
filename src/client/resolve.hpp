// The SDK's conflict-resolution rules (docs/client.md, "Conflict strategies") as a pure
// function: three versions of one record's `data` in, what to keep and what to push out. No
// I/O, no clock, no storage: the sync engine feeds it and records what it answers.
#pragma once

#include "synclog/client/types.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

/// Fields of a `data` object that are never compared, so a difference in them alone is never a
/// conflict: the client times, rewritten by every edit and normalised by the server, and the
/// fields the server derives from others on every write (docs/api.md, "Resources"). This is
/// the one list.
inline constexpr std::string_view kBookkeepingFields[] = {
    "clientCreatedAt",  // client times
    "clientUpdatedAt",
    "bookmarkType",   // BOOKMARK: a copy of `type`
    "bookmarkGroup",  // BOOKMARK: from `type` and `mushaf`
    "slug",           // COLLECTION: from `name`
    "isPrivate",      // COLLECTION: always true
    "source",         // NOTE: the client that created it
};
bool is_bookkeeping_field(std::string_view field);

/// The three versions of one record, each the JSON text of a wire-form `data` object. A
/// nullopt version is a deleted (or, for `base`, never synced) record. The views must stay
/// valid for the call only.
struct ConflictSides {
  /// The server's `data` at the version the local edit started from (`records.base`); nullopt
  /// when the record never reached the server (a pending CREATE).
  std::optional<std::string_view> base = std::nullopt;
  /// The device's current state; nullopt: deleted on the device (a pending DELETE).
  std::optional<std::string_view> local = std::nullopt;
  /// The server's current state; nullopt: deleted on the server (a pulled tombstone).
  std::optional<std::string_view> server = std::nullopt;
  /// For last-write-wins only: when a deleted side was deleted, in UTC epoch ms (a tombstone has
  /// no `clientUpdatedAt`; the engine may pass the queued DELETE's `client_updated_at`). A side
  /// with no time loses to a side with one.
  std::optional<std::int64_t> local_deleted_at_ms = std::nullopt;
  std::optional<std::int64_t> server_deleted_at_ms = std::nullopt;
};

/// What to do with the record.
struct Resolution {
  Outcome outcome = Outcome::kSynced;
  /// The state to keep on the device (JSON object text); nullopt: the record is deleted. A side
  /// kept whole is returned byte for byte; a field merge is re-serialised (local's key order,
  /// keys only the server has appended).
  std::optional<std::string> data;
  /// The mutation to push so the server reaches `data`; nullopt: nothing to push (the local
  /// mutation is dropped, or, with kNeedsUser, held until the user answers). CREATE re-creates a
  /// record the server deleted, with its id.
  std::optional<MutationType> push;
  /// Fields both sides changed to different values (sorted). When one side deleted the record
  /// and the other changed it, the fields the changing side changed (all of its fields when
  /// there is no base). Bookkeeping fields are never listed.
  std::vector<std::string> clashing_fields;
  /// One sentence for the UI.
  std::string reason;
};

/// Settles a conflict: a record with a pending local mutation that the server also changed
/// since `sides.base`. Fields are the top-level keys of `data` (a nested value such as a note's
/// `ranges` is one field), compared against `base` by value (numbers numerically, objects
/// without regard to key order; an absent field and `null` differ), bookkeeping fields left out.
/// A deletion is always a change; with no base, every field a side has is a change of that side.
///
/// It is no conflict, under every strategy, when one side's version already holds every change
/// of the other; that side's state is kept, the outcome is kSynced and `clashing_fields` empty:
///  - both sides deleted the record: it stays deleted, nothing is pushed;
///  - both sides reached the same fields (identical edits): the server's text is kept, nothing
///    is pushed;
///  - the server's version holds the device's changes and more (or the device touched
///    bookkeeping fields only): the server's state is kept, the local mutation dropped;
///  - the device's version holds the server's changes and more (or the server touched
///    bookkeeping fields only, or a deletion meets a version that changed nothing): the local
///    state is kept and pushed.
/// Otherwise each side has a change the other lacks, and the strategy decides:
///  - kServerWins: the server's state is kept, the local mutation dropped (kMerged).
///  - kClientWins: the local state is kept and pushed over the server's: DELETE when deleted on
///    the device, CREATE when deleted on the server, else UPDATE (kMerged). Whole record: a field
///    only the server changed is overwritten too.
///  - kLastWriteWins: the side with the later `clientUpdatedAt` (ISO 8601 text in any offset or
///    epoch ms, compared as UTC ms) wins, as with kServerWins or kClientWins; a deleted side's
///    time is its `*_deleted_at_ms`; a missing or unreadable time loses to a present one; a tie,
///    two missing times included, goes to the server (kMerged).
///  - kFieldMerge: fields changed on one side only are combined (the server's changes applied
///    onto the local state, `clientUpdatedAt` the later of the two) and pushed as an UPDATE
///    (kMerged). A field both sides changed to different values, or a deletion against a
///    change, is kNeedsUser: the local state is kept as it is and nothing is pushed until the
///    user answers.
///  - kManual: the user decides whenever each side has a change the other lacks, even when the
///    changes touch different fields and could be merged (kNeedsUser, local kept, nothing
///    pushed): an app that picks manual wants to see every concurrent edit. Only the
///    no-conflict cases above settle on their own.
/// A version that is not a JSON object is kNeedsUser with the local text kept and nothing
/// pushed (never lose or push what cannot be read). Pure and thread-safe; bad input never
/// throws.
Resolution resolve_conflict(Strategy strategy, const ConflictSides& sides);

/// The `clientUpdatedAt` of a `data` object as UTC epoch ms: ISO 8601 text through
/// parse_iso8601_ms, or an integral number taken as epoch ms; nullopt when absent, unreadable,
/// outside [kMinEpochMs, kMaxEpochMs], or `data` is not a JSON object.
std::optional<std::int64_t> client_updated_at_ms(std::string_view data);

}  // namespace synclog::client
