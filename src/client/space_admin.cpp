// SpaceAdmin (include/synclog/client/space_admin.hpp): the owners' and leads' requests, their
// answers read into the header's structs, and every refusal turned into a Status that carries
// the server's own message, since that message names what to change (the role, the schema, the
// cap and its flag).
#include "synclog/client/space_admin.hpp"

#include "client/http_transport.hpp"
#include "common/json_text.hpp"

#include <boost/json.hpp>

#include <utility>

namespace synclog::client {
namespace {

namespace json = boost::json;

Error bad_answer(std::string_view what) {
  return make_error(ErrorCode::kInternal, "unexpected answer from the server: " + std::string(what));
}

// Percent-encodes everything but RFC 3986's unreserved characters: people are whatever a
// token's subject names ("auth0|5f7c...", an e-mail address), and space ids come from the user.
std::string encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
                            (u >= '0' && u <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

std::string space_path(std::string_view space) { return "/v1/spaces/" + encoded(space); }

// The error envelope's message: the generic one's `message`, or the sync one's
// `error.message`; the start of the body when it is neither (a proxy's page).
std::string message_of(const HttpResponse& r, std::string* sync_code) {
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.as_object();
    if (const auto* e = o.if_contains("error"); e && e->is_object()) {
      const auto& inner = e->as_object();
      if (const auto* code = inner.if_contains("code"); code && code->is_string() && sync_code) {
        *sync_code = std::string(code->as_string());
      }
      if (const auto* m = inner.if_contains("message"); m && m->is_string()) {
        return std::string(m->as_string());
      }
    }
    if (const auto* m = o.if_contains("message"); m && m->is_string()) {
      return std::string(m->as_string());
    }
  }
  return "the server answered " + std::to_string(r.status) +
         (r.body.empty() ? "" : ": " + r.body.substr(0, 200));
}

Error server_error(const HttpResponse& r) {
  std::string sync_code;
  std::string message = message_of(r, &sync_code);
  ErrorCode code = ErrorCode::kUnavailable;
  switch (r.status) {
    case 400: code = ErrorCode::kInvalidRequest; break;
    case 401: code = ErrorCode::kUnauthorized; break;
    case 403:
      code = sync_code == "SpaceAccessRevoked" ? ErrorCode::kSpaceAccessRevoked : ErrorCode::kForbidden;
      break;
    case 404: code = ErrorCode::kNotFound; break;
    case 409: code = ErrorCode::kConflict; break;
    case 413: code = ErrorCode::kPayloadTooLarge; break;
    case 422: code = ErrorCode::kUnprocessable; break;
    default: break;  // 429, 5xx and anything unforeseen: nothing the caller's input can fix now
  }
  return make_error(code, std::move(message));
}

// The `data` object of a 2xx answer.
Result<json::object> data_of(const HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object()) return bad_answer("not a JSON object");
  auto* data = v.as_object().if_contains("data");
  if (!data || !data->is_object()) return bad_answer("no data object");
  return std::move(data->as_object());
}

// A string member; "" when absent or not a string (the struct then shows it empty rather than
// failing a call whose effect already happened).
std::string text(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::int64_t integer(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v && v->is_int64()) return v->as_int64();
  if (v && v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  return 0;
}

// An array member of objects; kInternal when it is missing or holds anything else.
Result<const json::array*> objects(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v || !v->is_array()) return bad_answer("no " + std::string(key) + " array");
  for (const auto& item : v->as_array()) {
    if (!item.is_object()) return bad_answer(std::string(key) + " holds a non-object");
  }
  return &v->as_array();
}

SpaceMember member_from(const json::object& o) {
  return SpaceMember{text(o, "person"), text(o, "role"), text(o, "since"), text(o, "addedBy")};
}

}  // namespace

SpaceAdmin::SpaceAdmin(LocalStore& store, std::shared_ptr<Transport> transport)
    : store_(store), given_(std::move(transport)) {}

Result<HttpResponse> SpaceAdmin::send(std::string method, std::string target, std::string body) {
  SYNCLOG_ASSIGN_OR_RETURN(std::string token, store_.token());
  SYNCLOG_ASSIGN_OR_RETURN(std::string client_id, store_.client_id());
  Transport* transport = given_.get();
  if (!transport) {
    SYNCLOG_ASSIGN_OR_RETURN(std::string url, store_.server_url());
    if (url.empty()) return make_error(ErrorCode::kInvalidRequest, "no server URL set");
    if (!own_ || own_url_ != url) {
      SYNCLOG_ASSIGN_OR_RETURN(own_, make_http_transport(url, HttpTransportOptions{}));
      own_url_ = url;
    }
    transport = own_.get();
  }
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.headers = {{"x-auth-token", std::move(token)}, {"x-client-id", std::move(client_id)}};
  if (!body.empty()) req.headers.emplace_back("content-type", "application/json");
  req.body = std::move(body);
  // One attempt: a lost answer to a creation is not safe to repeat blindly (a space without an
  // id would be created twice); the caller sees kUnavailable and decides.
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, transport->send(req));
  if (r.status < 200 || r.status > 299) return server_error(r);
  return r;
}

Result<CreatedSpace> SpaceAdmin::create_space(std::string_view name, std::string_view schema,
                                              std::optional<std::string_view> id) {
  JsonObjectWriter body;
  body.str("name", name).str("schema", schema);
  if (id) body.str("spaceId", *id);
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, send("POST", "/v1/spaces", std::move(body).finish()));
  SYNCLOG_ASSIGN_OR_RETURN(json::object d, data_of(r));
  CreatedSpace out{text(d, "spaceId"), text(d, "name"),      text(d, "schema"),
                   text(d, "role"),    text(d, "createdBy"), text(d, "createdAt")};
  if (out.id.empty()) return bad_answer("a created space without spaceId");
  return out;
}

Result<std::vector<SpaceMember>> SpaceAdmin::members(std::string_view space) {
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, send("GET", space_path(space) + "/members"));
  SYNCLOG_ASSIGN_OR_RETURN(json::object d, data_of(r));
  SYNCLOG_ASSIGN_OR_RETURN(const json::array* list, objects(d, "members"));
  std::vector<SpaceMember> out;
  out.reserve(list->size());
  for (const auto& m : *list) out.push_back(member_from(m.as_object()));
  return out;
}

Result<MemberChange> SpaceAdmin::set_member(std::string_view space, std::string_view person,
                                            std::string_view role) {
  JsonObjectWriter body;
  body.str("person", person).str("role", role);
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r,
                           send("PUT", space_path(space) + "/members", std::move(body).finish()));
  SYNCLOG_ASSIGN_OR_RETURN(json::object d, data_of(r));
  const auto* member = d.if_contains("member");
  if (!member || !member->is_object()) return bad_answer("no member object");
  const auto* added = d.if_contains("added");
  return MemberChange{member_from(member->as_object()), added && added->is_bool() && added->as_bool()};
}

Status SpaceAdmin::remove_member(std::string_view space, std::string_view person) {
  return send("DELETE", space_path(space) + "/members?person=" + encoded(person)).status();
}

Result<SchemaRegistration> SpaceAdmin::register_schema(std::string_view document) {
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, send("POST", "/v1/schemas", std::string(document)));
  SYNCLOG_ASSIGN_OR_RETURN(json::object d, data_of(r));
  SchemaRegistration out;
  out.name = text(d, "name");
  out.version = integer(d, "version");
  out.min_version = integer(d, "minVersion");
  if (const auto* versions = d.if_contains("versions"); versions && versions->is_array()) {
    for (const auto& v : versions->as_array()) {
      if (v.is_int64()) out.versions.push_back(v.as_int64());
    }
  }
  const auto* registered = d.if_contains("registered");
  out.registered = registered && registered->is_bool() && registered->as_bool();
  return out;
}

Result<std::vector<ReviewItem>> SpaceAdmin::review(std::string_view space) {
  SYNCLOG_ASSIGN_OR_RETURN(HttpResponse r, send("GET", space_path(space) + "/review"));
  SYNCLOG_ASSIGN_OR_RETURN(json::object d, data_of(r));
  SYNCLOG_ASSIGN_OR_RETURN(const json::array* list, objects(d, "items"));
  std::vector<ReviewItem> out;
  out.reserve(list->size());
  for (const auto& item : *list) {
    const auto& o = item.as_object();
    const auto* request = o.if_contains("request");
    out.push_back(ReviewItem{text(o, "id"), text(o, "person"), text(o, "client"), text(o, "at"),
                             text(o, "method"), text(o, "target"),
                             request ? json::serialize(*request) : std::string("null")});
  }
  return out;
}

Status SpaceAdmin::dismiss_review(std::string_view space, std::string_view item) {
  return send("DELETE", space_path(space) + "/review/" + encoded(item)).status();
}

}  // namespace synclog::client
