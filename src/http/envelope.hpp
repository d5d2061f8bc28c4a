// Error responses in the upstream's two envelopes (contract section 4):
//   generic:  {"message": "...", "type": "<type>", "success": false}
//   sync:     {"success": false, "error": {"code": "...", "message": "..."}}
// The sync envelope is used for 409 OutOfSyncError and for POST /v1/sync's 422
// ValidationError; every other error uses the generic one.
#pragma once

#include "common/status.hpp"
#include "http/message.hpp"

namespace synclog::http {

int http_status(ErrorCode code);
// The generic envelope's `type` for a status (invalid_request, unauthorized, ...).
std::string_view error_type(int status);

HttpResponse error_response(const Error& error);
HttpResponse json_response(int status, std::string body);

}  // namespace synclog::http
