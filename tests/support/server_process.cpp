// Process management for the server under test (fork/exec, ready file, signals).
#include "server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "auth/jwt.hpp"
#include "auth/secret_file.hpp"
#include "common/clock.hpp"
#include "domain/scopes.hpp"

#ifndef SYNCLOG_BIN
#error "SYNCLOG_BIN must be defined by the build"
#endif

namespace synclog::test {
namespace fs = std::filesystem;

std::string synclog_binary() { return SYNCLOG_BIN; }

std::string source_path(const std::string& relative) { return std::string(SYNCLOG_SOURCE_DIR) + "/" + relative; }

namespace {

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path make_temp_dir() {
  std::random_device rd;
  const auto base = fs::temp_directory_path();
  for (;;) {
    auto p = base / ("synclog-test-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) return p;
  }
}

}  // namespace

ServerProcess::ServerProcess(std::vector<std::string> extra_args, fs::path data_dir,
                             std::vector<std::string> env)
    : args_(std::move(extra_args)), env_(std::move(env)) {
  const bool has_db = std::find(args_.begin(), args_.end(), "--db") != args_.end();
  if (auto host = test_postgres_host(); host && !has_db) {
    database_ = std::make_unique<TestDatabase>(*host);
    args_.insert(args_.end(), {"--db", database_->url()});
  }
  if (data_dir.empty()) {
    data_dir_ = make_temp_dir();
    owns_dir_ = true;
  } else {
    data_dir_ = std::move(data_dir);
  }
  try {
    start();
  } catch (...) {
    if (owns_dir_) {
      std::error_code ec;
      fs::remove_all(data_dir_, ec);
    }
    throw;
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) terminate(std::chrono::seconds(10));
  if (owns_dir_) {
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
  }
}

bool ServerProcess::on_postgres() const {
  for (std::size_t i = 0; i + 1 < args_.size(); ++i) {
    if (args_[i] == "--db" && args_[i + 1].starts_with("postgres")) return true;
  }
  return false;
}

void ServerProcess::start() {
  ++generation_;
  const fs::path ready = data_dir_ / ("ready-" + std::to_string(generation_));
  std::error_code ec;
  fs::remove(ready, ec);
  std::vector<std::string> argv = {synclog_binary(), "serve", "--listen", "127.0.0.1:0",
                                   "--data-dir", data_dir_.string(), "--ready-file", ready.string()};
  argv.insert(argv.end(), args_.begin(), args_.end());
  const std::string out = (data_dir_ / "stdout.log").string();
  const std::string err = (data_dir_ / "stderr.log").string();
  pid_ = fork();
  if (pid_ == 0) {
    // If the test process dies (a crash, an abort), the server must not outlive it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> cargs;
    for (auto& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    for (auto& var : env_) putenv(var.data());  // the child's own copy of env_: it lives until exec
    execv(cargs[0], cargs.data());
    _exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("fork failed");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (fs::exists(ready)) {
      const std::string addr = slurp(ready);
      const auto colon = addr.rfind(':');
      if (colon != std::string::npos) {
        port_ = static_cast<std::uint16_t>(std::stoi(addr.substr(colon + 1)));
        return;
      }
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("synclog serve exited early: " + event_log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  throw std::runtime_error("synclog serve did not become ready: " + event_log());
}

std::string ServerProcess::token(const std::string& user, const std::string& scopes,
                                 std::int64_t ttl_seconds, std::int64_t issued_seconds_ago) const {
  auto secret = auth::load_or_create_secret(data_dir_);
  if (!secret.ok()) throw std::runtime_error(secret.error().message);
  auth::Claims claims;
  claims.subject = user;
  claims.scopes = scopes.empty() ? domain::Scopes::all_names() : domain::Scopes::parse(scopes).names();
  const std::int64_t now = SystemClock().now_ms() / 1000 - issued_seconds_ago;
  claims.expires_at = now + ttl_seconds;
  auto t = auth::TokenSigner::hs256(*secret).sign(claims, now);
  if (!t.ok()) throw std::runtime_error(t.error().message);
  return *t;
}

Headers ServerProcess::auth(const std::string& user, const std::string& client_id,
                            const std::string& scopes) const {
  return Headers{{"x-auth-token", token(user, scopes)}, {"x-client-id", client_id}};
}

int ServerProcess::terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill9();
  return -1;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ServerProcess::restart() {
  if (pid_ > 0) terminate();
  start();
}

std::string ServerProcess::access_log() const { return slurp(data_dir_ / "stdout.log"); }
std::string ServerProcess::event_log() const { return slurp(data_dir_ / "stderr.log"); }

}  // namespace synclog::test
