// Applying validated mutations to a log. Each mutation is planned by its type (record_type.hpp)
// and then carried out the same way for every type: the type's cascades, then the record's
// own save or removal with its log entry. It either applies completely or fails; the caller
// then abandons the whole transaction, so a batch is all or nothing.
//
// Cascades get their own timestamps, before the mutation's own, so that a mutation's ack
// timestamp is the last one it used and the last ack's timestamp is the new head. The Quran
// types' cascades (quran_types.hpp):
//   COLLECTION DELETE    COLLECTION_BOOKMARK DELETE for each membership, BOOKMARK DELETE for
//                        each bookmark left orphaned, then the COLLECTION DELETE
//   BOOKMARK DELETE      COLLECTION_BOOKMARK DELETE for each membership, then the BOOKMARK DELETE
//   isReading = true     BOOKMARK UPDATE of the previous reading bookmark, then this bookmark
//   add by details       BOOKMARK CREATE when no bookmark matches, then the membership
#pragma once

#include <cstdint>
#include <string>

#include "common/status.hpp"
#include "domain/field_conflicts.hpp"
#include "domain/field_reader.hpp"
#include "domain/ledger.hpp"
#include "domain/mutation.hpp"
#include "domain/record_type.hpp"

namespace synclog::domain {

// What the POST /v1/sync answer says about one applied mutation.
struct Ack {
  MutationType type = MutationType::kCreate;
  Resource resource = Resource::kBookmark;
  std::string type_name;  // a space's type, as the mutation named it (empty: resource_name)
  std::string resource_id;
  std::string data;  // JSON text, or empty for none
  std::int64_t ts = 0;  // 0 for a mutation not applied (a conflict)
  // conflictMode=field only: how the mutation was judged, and what it clashed with.
  std::optional<Outcome> outcome;
  std::optional<Conflict> conflict;
  // Spaces: why it was refused (outcome kRejected), and the clashes settled without the person.
  std::optional<Rejection> rejection;
  std::vector<FieldClash> settled;
};

// `ctx` words the errors: for POST /v1/sync it is {kValidation, "data.", " at mutation[i]"}.
// Failures: kNotFound (UPDATE of a missing resource), ctx.code (a reference that does not
// resolve, an identity change), kInternal (storage).
// `role`: in a space's log, the writer's role as stored now.
Result<Ack> apply_mutation(Ledger& ledger, const Mutation& m, const FieldContext& ctx,
                           std::optional<Role> role = std::nullopt);

// Carries out `plan`, which `type` made for `m`: the cascades, then the save or removal.
Result<Ack> apply_plan(Ledger& ledger, const RecordType& type, const Mutation& m, Plan& plan,
                       const FieldContext& ctx);

namespace detail {
Error not_found(const RecordType& type, const Mutation& m, const FieldContext& ctx);
// A rejection where there is no outcome to carry it (strict mode, direct writes): 403 for a
// permission, else ctx.code.
Error refused(const Rejection& r, const FieldContext& ctx);
Ack make_ack(const Mutation& m, std::string resource_id, std::int64_t ts);
}  // namespace detail

}  // namespace synclog::domain
