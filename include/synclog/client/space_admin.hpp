// What the owners and leads of a shared space do on the server (docs/api.md, "Spaces, members and
// roles"): create a space, list its members, add one or change their role, remove one (or
// leave), register a schema, and read the writes the space refused from removed members. Unlike
// SpaceStore's writes these are not queued: each is one request, answered now, because what it
// changes (who may see and write a space) is only meaningful once the server has decided it.
// The device learns the outcome like every other device, from its feed at the next sync.
//
// Requests go to the store's server as its person and device (LocalStore::server_url, token
// and client_id, read at each call, so a refreshed token is used at once). Answers are parsed
// in space_admin.cpp: this header needs no JSON library.
#pragma once

#include "synclog/client/local_store.hpp"
#include "synclog/client/transport.hpp"

#include "common/status.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::client {

/// A space as the server answered its creation.
struct CreatedSpace {
  std::string id;
  std::string name;
  std::string schema;
  std::string role;        ///< the creator's: "owner"
  std::string created_by;
  std::string created_at;  ///< UTC ISO
};

struct SpaceMember {
  std::string person;  ///< a token's subject
  std::string role;    ///< "owner", "lead", "member" or "viewer"
  std::string since;   ///< UTC ISO
  std::string added_by;
};

struct MemberChange {
  SpaceMember member;  ///< as the server has it now
  bool added = false;  ///< false: they were a member already, and only the role changed
};

struct SchemaRegistration {
  std::string name;
  std::int64_t version = 0;      ///< the latest version now
  std::int64_t min_version = 0;
  std::vector<std::int64_t> versions;
  bool registered = false;  ///< false: that version was registered already, with this document
};

/// A write the space refused because its writer had been removed, kept for its leads.
struct ReviewItem {
  std::string id;
  std::string person;
  std::string client;
  std::string at;       ///< UTC ISO
  std::string method;
  std::string target;   ///< path and query as sent
  std::string request;  ///< the body as sent: JSON text, "null" for a DELETE
};

/// One request per call; not thread-safe. Every answer the server refuses becomes an error
/// carrying the server's own message:
///   kUnauthorized        401: the token (run init again with a new one)
///   kForbidden           403: the role is too weak (an owner manages members; a lead or
///                        owner reads the review), or the token lacks the scope (admin for
///                        register_schema)
///   kSpaceAccessRevoked  403 SpaceAccessRevoked: the person was removed from the space
///   kNotFound            404: no such space (or not a member: the server does not tell), or a
///                        person who is not a member
///   kConflict            409: a space id that is taken; a schema version registered with
///                        another document
///   kUnprocessable       422: an unknown schema, a bad role or id, the last owner, a cap
///   kInvalidRequest      400, or no server URL in the store and no transport given
///   kPayloadTooLarge     413: a schema document over the server's --max-body
///   kUnavailable         no answer (the request may or may not have been applied), or any
///                        other status (429, 5xx): try again later
///   kInternal            a 2xx answer that is not the documented shape; the store's file
class SpaceAdmin {
 public:
  /// `transport` nullptr: the SDK's HTTP/1.1 client, connected to the store's server URL.
  explicit SpaceAdmin(LocalStore& store, std::shared_ptr<Transport> transport = nullptr);

  /// POST /v1/spaces. Without `id` the server mints one. The creator is the space's owner.
  Result<CreatedSpace> create_space(std::string_view name, std::string_view schema,
                                    std::optional<std::string_view> id = std::nullopt);
  /// GET /v1/spaces/{space}/members (any member).
  Result<std::vector<SpaceMember>> members(std::string_view space);
  /// PUT /v1/spaces/{space}/members: adds `person` with `role`, or changes their role (owners).
  Result<MemberChange> set_member(std::string_view space, std::string_view person,
                                  std::string_view role);
  /// DELETE /v1/spaces/{space}/members?person=: removes `person` (owners), or, with the
  /// person's own name, leaves the space (anyone). The last owner can do neither (422).
  Status remove_member(std::string_view space, std::string_view person);
  /// POST /v1/schemas (a token with the admin scope): a schema document, or its next version.
  Result<SchemaRegistration> register_schema(std::string_view document);
  /// GET /v1/spaces/{space}/review (leads and owners).
  Result<std::vector<ReviewItem>> review(std::string_view space);
  /// DELETE /v1/spaces/{space}/review/{item}: dismisses one after acting on it.
  Status dismiss_review(std::string_view space, std::string_view item);

 private:
  Result<HttpResponse> send(std::string method, std::string target, std::string body = {});

  LocalStore& store_;
  std::shared_ptr<Transport> given_;
  // The SDK's own client, kept across calls (one keep-alive connection) for the URL it was
  // made for.
  std::shared_ptr<Transport> own_;
  std::string own_url_;
};

}  // namespace synclog::client
