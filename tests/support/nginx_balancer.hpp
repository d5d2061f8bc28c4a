// nginx (Debian's package) as the load balancer in front of several synclog nodes, for the
// multi-node tests: its own configuration, temporary files and logs in a private directory, a
// free loopback port, round robin over the nodes, retries of idempotent requests on the next
// node when one fails, and no response buffering (the change stream passes through at once).
// Stopped on destruction.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace synclog::test {

class NginxBalancer {
 public:
  // Starts nginx in front of 127.0.0.1:<each of `node_ports`>. Throws std::runtime_error when
  // nginx is not installed or does not start.
  explicit NginxBalancer(const std::vector<std::uint16_t>& node_ports);
  ~NginxBalancer();
  NginxBalancer(const NginxBalancer&) = delete;
  NginxBalancer& operator=(const NginxBalancer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string error_log() const;

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace synclog::test
