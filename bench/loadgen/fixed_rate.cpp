// The request-rate ceiling: keep-alive GETs of one path, with the same client the other
// workloads use, so that what the client itself costs is in both figures.
#include <stdexcept>
#include <string>

#include "http_client.hpp"
#include "peer_workloads.hpp"

namespace synclog::bench {

void fixed_rate(const PeerTarget& t, const std::string& path) {
  for (int n : t.clients) {
    const auto deadline = Clock::now() + t.duration;
    auto run = run_clients(n, [&](int, Latencies& lat) {
      test::HttpClient c(t.host, t.port);
      return repeat_until(deadline, lat, [&](std::int64_t) {
        auto r = c.get(path);
        if (r.status != 200) {
          throw std::runtime_error("GET " + path + ": " + std::to_string(r.status) + " " + r.transport_error);
        }
        return std::int64_t{1};
      });
    });
    print_run("fixed 200", n, run, 1, "requests/s");
    t.results->add_run("fixed-200", n, run, 1, "requests/s");
  }
}

}  // namespace synclog::bench
