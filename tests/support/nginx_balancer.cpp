// Writing nginx's configuration and running it in the foreground as a child process.
#include "nginx_balancer.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace synclog::test {
namespace fs = std::filesystem;
namespace {

const char* find_nginx() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
    if (::access(p, X_OK) == 0) return p;
  }
  return nullptr;
}

// A loopback port nobody listens on now (it could be taken before nginx binds it; nginx then
// fails to start and the test says so).
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  std::uint16_t port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) ::close(fd);
  if (port == 0) throw std::runtime_error("no free loopback port for nginx");
  return port;
}

bool accepts_connections(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (fd >= 0) ::close(fd);
  return ok;
}

}  // namespace

NginxBalancer::NginxBalancer(const std::vector<std::uint16_t>& node_ports) {
  const char* nginx = find_nginx();
  if (nginx == nullptr) throw std::runtime_error("nginx is not installed (scripts/install-deps installs nginx-light)");
  std::string pattern = (fs::temp_directory_path() / "synclog-nginx-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create nginx's directory");
  dir_ = pattern;
  port_ = free_port();

  std::ostringstream conf;
  // As root, nginx's workers would switch to an unprivileged user that cannot reach this
  // private directory.
  if (::geteuid() == 0) conf << "user root;\n";
  conf << "daemon off;\nmaster_process on;\nworker_processes 1;\n"
       << "pid " << (dir_ / "nginx.pid").string() << ";\n"
       << "error_log " << (dir_ / "error.log").string() << " warn;\n"
       << "events { worker_connections 2048; }\n"
       << "http {\n"
       << "  access_log off;\n";
  for (const char* temp : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    conf << "  " << temp << "_temp_path " << (dir_ / temp).string() << ";\n";
  }
  // A node that fails a connection is left out for a second, then tried again (it may have
  // been restarted). Requests nginx may repeat (GET) go to the next node when one fails;
  // POSTs are never repeated by nginx: the client retries them with their Idempotency-Key.
  conf << "  upstream synclog {\n";
  for (auto p : node_ports) conf << "    server 127.0.0.1:" << p << " max_fails=1 fail_timeout=1s;\n";
  conf << "    keepalive 32;\n  }\n"
       << "  server {\n"
       << "    listen 127.0.0.1:" << port_ << ";\n"
       << "    client_max_body_size 2m;\n"
       << "    location / {\n"
       << "      proxy_pass http://synclog;\n"
       << "      proxy_http_version 1.1;\n"
       << "      proxy_set_header Connection \"\";\n"
       << "      proxy_set_header X-Forwarded-For $remote_addr;\n"
       << "      proxy_next_upstream error timeout http_502 http_503;\n"
       << "      proxy_connect_timeout 2s;\n"
       << "      proxy_buffering off;\n"
       << "      proxy_read_timeout 1h;\n"
       << "    }\n  }\n}\n";
  const fs::path conf_path = dir_ / "nginx.conf";
  std::ofstream(conf_path) << conf.str();

  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const std::string prefix = dir_.string() + "/";
    const std::string conf_arg = conf_path.string();
    const std::string err = (dir_ / "error.log").string();
    ::execl(nginx, nginx, "-p", prefix.c_str(), "-c", conf_arg.c_str(), "-e", err.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("fork failed");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!accepts_connections(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("nginx exited at start: " + error_log());
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("nginx did not start: " + error_log());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

NginxBalancer::~NginxBalancer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGQUIT);  // graceful: finish requests in flight
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);  // its workers die with it (PDEATHSIG is the master's only)
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string NginxBalancer::error_log() const {
  std::ifstream in(dir_ / "error.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace synclog::test
