// Reading the server's JSON answers (json_answer.hpp).
#include "client/json_answer.hpp"

#include <boost/json/parse.hpp>

#include <cmath>

namespace synclog::client {

namespace json = boost::json;

Error bad_answer(std::string what) {
  return make_error(ErrorCode::kInternal, "unexpected answer from the server: " + std::move(what));
}

std::optional<std::int64_t> as_int(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->as_uint64());
  }
  if (v->is_double() && std::isfinite(v->as_double())) {
    return static_cast<std::int64_t>(std::floor(v->as_double()));
  }
  return std::nullopt;
}

Result<json::object> parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return bad_answer("not a JSON object");
  return std::move(v.as_object());
}

Result<const json::object*> data_of(const json::object& root) {
  const auto* data = root.if_contains("data");
  if (!data || !data->is_object()) return bad_answer("no data object");
  return &data->as_object();
}

std::string string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

Result<PageHead> page_head(const json::object& root) {
  SYNCLOG_ASSIGN_OR_RETURN(const json::object* data, data_of(root));
  PageHead h;
  const auto head = as_int(data->if_contains("lastMutationAt"));
  if (!head) return bad_answer("no lastMutationAt");
  h.last_mutation_at = *head;
  h.total = as_int(data->if_contains("total")).value_or(0);
  const auto* more = data->if_contains("hasMore");
  h.has_more = more && more->is_bool() && more->as_bool();
  const auto* list = data->if_contains("mutations");
  if (!list || !list->is_array()) return bad_answer("no mutations array");
  h.entries = &list->as_array();
  return h;
}

}  // namespace synclog::client
