// The listener thread: poll() on the link's socket and a wake-up pipe, notifications parsed
// from their payload, reconnection with exponential backoff.
#include "storage/postgres/pg_listener.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <string_view>

#include "storage/completion.hpp"

namespace synclog::storage::postgres {
namespace {

constexpr int kProbeIdleMs = 5000;      // an idle link is checked this often
constexpr int kFirstBackoffMs = 100;    // reconnection waits start here...
constexpr int kMaxBackoffMs = 5000;     // ...double each time, up to this

// "<uid> <head>" -> (uid, head); false when malformed (then it is ignored).
bool parse_payload(std::string_view p, UserKey* uid, std::int64_t* head) {
  const auto space = p.find(' ');
  if (space == std::string_view::npos) return false;
  const auto a = std::from_chars(p.data(), p.data() + space, *uid);
  const auto b = std::from_chars(p.data() + space + 1, p.data() + p.size(), *head);
  return a.ec == std::errc() && a.ptr == p.data() + space && b.ec == std::errc() && b.ptr == p.data() + p.size();
}

}  // namespace

Status PgListener::connect_and_listen() {
  SYNCLOG_ASSIGN_OR_RETURN(auto conn, PgConnection::connect(conninfo_, /*pipeline=*/false));
  SYNCLOG_RETURN_IF_ERROR(conn->exec("LISTEN synclog_heads"));
  conn_ = std::move(conn);
  return Status();
}

Status PgListener::start() {
  SYNCLOG_RETURN_IF_ERROR(connect_and_listen());
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return make_error(ErrorCode::kInternal, "postgres listener: cannot create its wake-up pipe");
  }
  thread_ = std::thread([this] { run(); });
  return Status();
}

void PgListener::set_events(HeadEvents events) {
  std::lock_guard lock(mu_);
  events_ = std::move(events);
}

Status PgListener::health() const {
  std::lock_guard lock(mu_);
  if (down_.empty()) return Status();
  return make_error(ErrorCode::kUnavailable, "database unreachable: " + down_);
}

void PgListener::set_down(const std::string& why) {
  std::lock_guard lock(mu_);
  down_ = why.empty() ? "connection lost" : why;
}

void PgListener::stop() {
  if (stopping_.exchange(true)) return;
  if (wake_[1] >= 0) {
    const char b = 1;
    [[maybe_unused]] const auto n = ::write(wake_[1], &b, 1);
  }
  if (thread_.joinable()) thread_.join();
  conn_.reset();
  for (int& fd : wake_) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
}

bool PgListener::wait(int ms, bool* readable) {
  pollfd fds[2] = {{wake_[0], POLLIN, 0}, {conn_ ? PQsocket(conn_->handle()) : -1, POLLIN, 0}};
  const int n = ::poll(fds, conn_ ? 2 : 1, ms);
  if (stopping_.load()) return false;
  *readable = n > 0 && conn_ && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
  return true;
}

void PgListener::deliver_notifications() {
  while (PGnotify* n = PQnotifies(conn_->handle())) {
    UserKey uid = 0;
    std::int64_t head = 0;
    const bool ok = parse_payload(n->extra != nullptr ? n->extra : "", &uid, &head);
    PQfreemem(n);
    if (!ok) continue;
    std::function<void(UserKey, std::int64_t)> moved;
    {
      std::lock_guard lock(mu_);
      moved = events_.moved;
    }
    if (moved) complete(moved, uid, head);
  }
}

void PgListener::run() {
  int backoff = kFirstBackoffMs;
  while (!stopping_.load()) {
    if (!conn_) {
      const Status s = connect_and_listen();
      if (!s.ok()) {
        set_down(s.message());
        bool readable = false;
        if (!wait(backoff, &readable)) return;
        backoff = std::min(backoff * 2, kMaxBackoffMs);
        continue;
      }
      backoff = kFirstBackoffMs;
      std::function<void()> resync;
      {
        std::lock_guard lock(mu_);
        down_.clear();
        resync = events_.resync;
      }
      if (resync) complete(resync);
    }
    bool readable = false;
    if (!wait(kProbeIdleMs, &readable)) return;
    bool alive = true;
    if (readable) {
      alive = PQconsumeInput(conn_->handle()) == 1;
    } else {
      alive = conn_->exec("SELECT 1").ok();  // idle: make sure the link still works
    }
    if (alive) {
      deliver_notifications();
    } else {
      set_down(conn_->last_error());
      conn_.reset();
    }
  }
}

}  // namespace synclog::storage::postgres
