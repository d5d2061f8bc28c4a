// Linear routing: a handful of routes, matched segment by segment.
#include "http/router.hpp"

namespace synclog::http {

void Router::add(Route route) { routes_.push_back(std::move(route)); }

bool Router::match_pattern(std::string_view pattern, std::string_view path,
                           std::vector<std::pair<std::string, std::string>>& params) {
  constexpr std::string_view kRest = "...";
  params.clear();
  std::size_t pi = 0, si = 0;
  while (pi < pattern.size()) {
    if (pattern[pi] == '{') {
      const auto close = pattern.find('}', pi);
      auto name = pattern.substr(pi + 1, close - pi - 1);
      if (name.ends_with(kRest)) {  // the pattern's last part: the rest of the path
        name.remove_suffix(kRest.size());
        params.emplace_back(std::string(name), std::string(path.substr(si)));
        return true;
      }
      const auto end = path.find('/', si);
      const auto value = path.substr(si, end == std::string_view::npos ? path.size() - si : end - si);
      if (value.empty()) return false;
      params.emplace_back(std::string(name), std::string(value));
      pi = close + 1;
      si += value.size();
      continue;
    }
    if (si == path.size() || pattern[pi] != path[si]) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  std::vector<std::pair<std::string, std::string>> params;
  // Literal routes win over parameterised ones ("/v1/notes/by-range" vs "/v1/notes/{noteId}");
  // a path that matches routes only for other methods is a 405 naming them.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& r : routes_) {
      const bool literal = r.pattern.find('{') == std::string::npos;
      if (literal != (pass == 0)) continue;
      if (!match_pattern(r.pattern, path, params)) continue;
      if (r.method == method || r.method == kAnyMethod) {
        m.route = &r;
        m.params = std::move(params);
        m.allow.clear();
        return m;
      }
      if (m.allow.find(r.method) == std::string::npos) {
        if (!m.allow.empty()) m.allow += ", ";
        m.allow += r.method;
      }
    }
  }
  return m;
}

}  // namespace synclog::http
