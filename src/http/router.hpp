// Method + path routing with "{name}" segments ("/v1/notes/{noteId}") and a last "{name...}"
// that takes the rest of the path, slashes included, possibly empty ("/app/{path...}"). A
// route's name in logs and metrics is its pattern unless it has one of its own, so label
// cardinality stays bounded.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace synclog::http {

class Exchange;
using Handler = std::function<void(const std::shared_ptr<Exchange>&)>;

// A route's method that matches every method: its handler answers the ones it refuses itself.
inline constexpr std::string_view kAnyMethod = "*";

struct Route {
  std::string method;  // or kAnyMethod
  std::string pattern;
  bool needs_auth = true;
  Handler handler;
  std::string name = {};  // in logs and metrics; empty: the pattern

  const std::string& label() const { return name.empty() ? pattern : name; }
};

class Router {
 public:
  void add(Route route);

  struct Match {
    const Route* route = nullptr;  // null: no route
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  // set when the path matched but not the method
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  static bool match_pattern(std::string_view pattern, std::string_view path,
                            std::vector<std::pair<std::string, std::string>>& params);
  std::vector<Route> routes_;
};

}  // namespace synclog::http
