// Shared spaces (SPEC section 7): a space is a log of its own, like a person's, holding records
// of its schema's declared types, and beside them, as records that are never logged, its
// description, its members with their roles, its former members and the review list of writes
// refused because their writer had been removed. A person's feed is a log of their own too:
// one entry per space they belong to (added, role changed; a tombstone once removed), pulled
// with a cursor like any log. Both are owners in the store's sense (store.hpp), with subjects
// no token can name (docs/storage.md, "Log owners").
//
// A membership changes in the space's write transaction, which reaches the person's feed
// (WriteTxn::also), so the two always agree. Roles are read from the space at every request,
// never from a token.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/record_type.hpp"
#include "domain/schema.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

std::string space_subject(std::string_view space_id);
std::string feed_subject(std::string_view person);
// The log of registered schema documents (schema_catalog.hpp).
std::string schema_catalog_subject();

// Kinds of a space's records that are not its types' (those are below 32): never logged.
inline constexpr std::uint8_t kSpaceInfoKind = 200;    // id "space"
inline constexpr std::uint8_t kMemberKind = 201;       // id: the person
inline constexpr std::uint8_t kFormerMemberKind = 202; // id: the person
inline constexpr std::uint8_t kReviewKind = 203;       // id: minted

struct SpaceInfo {
  std::string id;
  std::string name;
  std::string schema;  // the schema's name; the space follows its latest version
  std::string created_by;
  std::int64_t created_ms = 0;
};

struct Member {
  std::string person;
  Role role = Role::kViewer;
  std::int64_t since_ms = 0;
  std::string added_by;
};

// What a person is to a space, read in the space's transaction.
struct Standing {
  std::optional<SpaceInfo> info;  // nothing: there is no such space
  std::optional<Member> member;   // nothing: not a member
  bool removed = false;           // was a member and was removed
};

struct SpaceLimits {
  std::size_t spaces_per_person = 200;
  std::size_t members_per_space = 1000;
};

Result<Standing> read_standing(storage::ReadTxn& space, std::string_view person);
Result<std::vector<Member>> list_members(storage::ReadTxn& space);

// Makes the space `info` describes in `space` (its fresh log) with `info.created_by` its
// owner, added to the owner's feed. kConflict when the space exists already.
Status create_space(storage::WriteTxn& space, storage::WriteTxn& owner_feed, const SpaceInfo& info,
                    const SpaceLimits& limits, std::int64_t now_ms);
// Adds `person` with `role`, or changes their role (`by` is who does it). Returns whether they
// were added. kUnprocessable beyond the limits, or when the last owner would stop being one.
Result<bool> set_member(storage::WriteTxn& space, storage::WriteTxn& feed, const SpaceInfo& info,
                        std::string_view person, Role role, std::string_view by, const SpaceLimits& limits,
                        std::int64_t now_ms);
// Removes `person` (kNotFound when not a member; kUnprocessable for the last owner): their feed
// gets the space's tombstone, and the space remembers them as a former member.
Status remove_member(storage::WriteTxn& space, storage::WriteTxn& feed, const SpaceInfo& info,
                     std::string_view person, std::string_view by, std::int64_t now_ms);

// A write refused because its writer had been removed, as it arrived: who sent it, from which
// device, and the request itself (method, target and body), so the space's leads and owners can
// see what it would have done and redo it if they agree.
struct RefusedWrite {
  std::string person;
  std::string client;
  std::string method;  // "POST", "PATCH", ...
  std::string target;  // the request's path and query, as sent
  std::string body;    // as sent; empty for a DELETE
};
struct ReviewItem {
  std::string id;
  std::int64_t at_ms = 0;
  RefusedWrite write;
};
Result<std::string> keep_for_review(storage::WriteTxn& space, const RefusedWrite& write, std::int64_t now_ms);
Result<std::vector<ReviewItem>> list_review(storage::ReadTxn& space);
// kNotFound when there is no such item.
Status drop_review(storage::WriteTxn& space, std::string_view id);

// The types of a feed's log, for pulling it: one, "SPACE", whose entries carry the space's
// name, schema and the person's role.
const TypeRegistry& feed_types();

// JSON of a space as its members see it: {"spaceId","name","schema","role","createdBy","createdAt"}.
std::string space_json(const SpaceInfo& info, std::optional<Role> role);
std::string member_json(const Member& m);
std::string review_json(const ReviewItem& r);

}  // namespace synclog::domain
