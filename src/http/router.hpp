// Method + path routing with "{name}" segments ("/v1/notes/{noteId}"). The route's pattern is
// also its name in logs and metrics, so label cardinality stays bounded.
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

struct Route {
  std::string method;
  std::string pattern;
  bool needs_auth = true;
  Handler handler;
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
