// Every failure synclog reports, in one place. The HTTP layer maps each code to a status and
// an envelope (docs/api.md lists them); the domain and storage only ever pick a code.
#pragma once

#include <string_view>

namespace synclog {

enum class ErrorCode {
  // The request is malformed before its meaning is even considered: a missing required
  // parameter, a body that is not JSON, invalid UTF-8, nesting deeper than allowed. 400.
  kInvalidRequest,
  // No token, or a token that is malformed, expired, not yet valid or badly signed. 401.
  kUnauthorized,
  // A valid token that lacks the scope the operation needs. 403.
  kForbidden,
  // The route, or the resource an operation names, does not exist. 404.
  kNotFound,
  // The route exists but not for this method. 405.
  kMethodNotAllowed,
  // The client was too slow sending its request. 408.
  kRequestTimeout,
  // The client's lastMutationAt is not the user's head (OutOfSyncError envelope). 409.
  kOutOfSync,
  // What the request would create exists already, differently (a space id taken, a schema
  // version registered with another document). 409, generic envelope.
  kConflict,
  // The person was removed from the space the request names (SpaceAccessRevoked envelope). 403.
  kSpaceAccessRevoked,
  // The device's app is built for a schema version the space no longer accepts
  // (SchemaUpgradeRequired envelope). 426.
  kSchemaUpgradeRequired,
  // The client's cursor is from before the retention horizon: it may have missed deletions
  // and must sync again from 0 (ResyncRequired envelope, like OutOfSyncError's). 410.
  kResyncRequired,
  // If-Match / If-None-Match do not hold for the resource's current version. 412.
  kPreconditionFailed,
  // The request body is over the configured limit. 413.
  kPayloadTooLarge,
  // A well-formed request whose values are not acceptable (generic envelope). 422.
  kUnprocessable,
  // POST /v1/sync batch validation failure (ValidationError envelope). 422.
  kValidation,
  // Too many requests from one user; the response carries Retry-After. 429.
  kTooManyRequests,
  // The request headers are over the configured limit. 431.
  kHeadersTooLarge,
  // A bug or an environment failure (disk, database). Never caused by input alone. 500.
  kInternal,
  // An upstream operation synclog deliberately does not provide (it belongs to another
  // service). 501.
  kNotImplemented,
  // The server is draining, overloaded or not ready. 503.
  kUnavailable,
  // The disk (or the database's) is full: nothing was applied, and a retry succeeds once
  // space returns. 507.
  kInsufficientStorage,
};

// Stable lower-case name, used in logs and metrics.
std::string_view error_code_name(ErrorCode code);

}  // namespace synclog
