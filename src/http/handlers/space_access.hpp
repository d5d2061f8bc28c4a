// What every request to a space goes through before it reads or writes the space's log: finding
// the space (a stranger learns nothing: a space they may not see is "not found", exactly like
// one that does not exist), its current schema, the schema version the device writes in
// (X-Schema-Version), and, inside the request's own transaction, the person's standing: their
// role as stored now, or their removal (403 SpaceAccessRevoked, which names the space).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "domain/schema_catalog.hpp"
#include "domain/spaces.hpp"
#include "http/app.hpp"
#include "http/exchange.hpp"
#include "http/handlers/answered_write.hpp"

namespace synclog::http::handlers {

struct SpaceTarget {
  std::string id;
  KnownSpace known;
  domain::SchemaPtr schema;  // the space's current (latest) schema version
};

// Finds the space of the path's {spaceId} and calls `then` on the request's strand; 404 when
// there is none.
void with_space(Services& s, const std::shared_ptr<Exchange>& ex, std::function<void(SpaceTarget)> then);

// Whether `standing` lets its person do what needs at least `least`: 404 when there is no
// space or they are not a member, 403 SpaceAccessRevoked when they were removed, 403 for a role
// below `least`.
Status admit(const domain::Standing& standing, std::string_view space_id, domain::Role least);

// What a request that found its space is answered when something about it is wrong in the
// light of the space (a type or field its schema does not have, a schema version it does not
// accept, a parameter): the answer a member gets.
struct Refusal {
  HttpResponse response;
  std::string message;  // for the request's log line
};
Refusal refusal(const Error& error);

// Sends `refusal` only to a member: a stranger gets the 404 of a space that does not exist, so
// that what is wrong with their request tells them nothing of the space, and a removed member
// 403 SpaceAccessRevoked, their write (`kept` changes; 0 for a read or a dry run) kept for
// review as a valid one would be.
void refuse_in_space(Services& s, const std::shared_ptr<Exchange>& ex, const SpaceTarget& t, Refusal refusal,
                     std::size_t kept);

// The schema version the device was built for: X-Schema-Version, or the space's current one
// when absent. 426 SchemaUpgradeRequired (with the versions the space accepts) below the
// window; 422 for a version this server has not heard of, even after reloading the catalog;
// each through refuse_in_space (`kept` as there). Calls `then` on the request's strand with
// that version and the space's current one (which a reload may have moved on).
void with_device_schema(Services& s, const std::shared_ptr<Exchange>& ex, const SpaceTarget& t, std::size_t kept,
                        std::function<void(domain::SchemaPtr device, domain::SchemaPtr current)> then);

// A write as the review list keeps it: the request's person, device, method, target and body.
domain::RefusedWrite refused_write(const Exchange& ex);

// What a write to a space does first, in its own transaction: reads the writer's standing and,
// when they were removed, keeps `write` (carrying `changes` changes) in the space's review list
// and gives the 403 SpaceAccessRevoked answer that says so, committed with the review item;
// otherwise admits them (404 for a stranger) and gives their membership.
struct WriterStanding {
  domain::Member member;
  std::optional<WriteAnswer> revoked;
};
Result<WriterStanding> admit_writer(storage::WriteTxn& txn, std::string_view space_id,
                                    const domain::RefusedWrite& write, std::size_t changes, std::int64_t now_ms);

}  // namespace synclog::http::handlers
