// HTTP requests and responses as plain values: what the Beast session hands to the
// application and gets back. Nothing here depends on Beast or Asio, so the routing and the
// handlers compile quickly and can be tested without a socket.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclog::http {

class EventStream;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as received: path and query
  std::string path;    // decoded path, without the query
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;  // "ip:port"

  // The first value of a header (name in lower case), if present.
  std::optional<std::string_view> header(std::string_view lower_name) const;
  // The first value of a query parameter, if present.
  std::optional<std::string_view> param(std::string_view name) const;
  bool has_param(std::string_view name) const { return param(name).has_value(); }
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
  bool close = false;  // close the connection after this response
  // Set: the body is this stream (event_stream.hpp), written in chunks after the header until
  // it ends; `body` is ignored and the connection closes afterwards.
  std::shared_ptr<EventStream> stream;

  HttpResponse& set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// Splits a request target into its decoded path and query parameters. Returns nothing when
// the target is not a valid origin-form URI.
bool parse_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query);

}  // namespace synclog::http
