// Query parameter parsing.
#include "http/handlers/query_params.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace synclog::http::handlers {

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<std::int64_t> parse_number(std::string_view s, bool whole_only) {
  if (auto i = parse_int(s)) return i;
  double d = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d) || std::fabs(d) > 9e15 ||
      (whole_only && std::floor(d) != d)) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(std::floor(d));
}

Result<std::optional<std::int64_t>> int_param(const HttpRequest& req, std::string_view name,
                                              std::int64_t lo, std::int64_t hi) {
  const auto text = req.param(name);
  if (!text) return std::optional<std::int64_t>();
  const auto v = parse_number(*text, /*whole_only=*/true);
  if (!v || *v < lo || *v > hi) {
    return make_error(ErrorCode::kUnprocessable, std::string(name) + " must be an integer from " +
                                                     std::to_string(lo) + " to " + std::to_string(hi));
  }
  return std::optional<std::int64_t>(*v);
}

Result<std::int64_t> required_int_param(const HttpRequest& req, std::string_view name,
                                        std::int64_t lo, std::int64_t hi) {
  if (!req.param(name)) return make_error(ErrorCode::kInvalidRequest, std::string(name) + " is required");
  SYNCLOG_ASSIGN_OR_RETURN(auto v, int_param(req, name, lo, hi));
  return *v;
}

Result<std::optional<bool>> bool_param(const HttpRequest& req, std::string_view name) {
  const auto v = req.param(name);
  if (!v || v->empty()) return std::optional<bool>();
  if (*v == "true" || *v == "1") return std::optional<bool>(true);
  if (*v == "false" || *v == "0") return std::optional<bool>(false);
  return make_error(ErrorCode::kUnprocessable, std::string(name) + " must be true or false");
}

Result<std::int64_t> parse_last_mutation_at(std::string_view text) {
  if (auto i = parse_int(text)) return *i;
  if (parse_number(text, /*whole_only=*/false)) return std::numeric_limits<std::int64_t>::min();
  return make_error(ErrorCode::kInvalidRequest, "lastMutationAt must be a timestamp in milliseconds");
}

Result<domain::ConflictMode> conflict_mode_param(const HttpRequest& req) {
  const auto v = req.param("conflictMode");
  if (!v || v->empty() || *v == "strict") return domain::ConflictMode::kStrict;
  if (*v == "field") return domain::ConflictMode::kField;
  return make_error(ErrorCode::kUnprocessable, "conflictMode must be strict or field");
}

}  // namespace synclog::http::handlers
