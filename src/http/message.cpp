// Request accessors and target parsing (Boost.URL does the decoding).
#include "http/message.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace synclog::http {

std::optional<std::string_view> HttpRequest::header(std::string_view lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string_view> HttpRequest::param(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

bool parse_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return false;
  const boost::urls::url_view& u = *parsed;
  path = u.path();
  for (const auto& p : u.params()) {
    query.emplace_back(p.key, p.has_value ? p.value : std::string());
  }
  return true;
}

}  // namespace synclog::http
