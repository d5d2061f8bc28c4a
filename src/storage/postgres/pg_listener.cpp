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

#include "common/thread_name.hpp"
#include "storage/completion.hpp"

namespace synclog::storage::postgres {
namespace {

constexpr int kProbeIdleMs = 5000;      // an idle link is checked this often
// A probe, or a connection and its LISTEN, unanswered for this long means the link is lost
// (a half-open link answers nothing, ever).
constexpr auto kLinkDeadline = std::chrono::seconds(5);
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

PgListener::Ready PgListener::await(PgConnection& c, short events, Deadline deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Ready::kTimeout;
    pollfd fds[2] = {{wake_[0], POLLIN, 0}, {PQsocket(c.handle()), events, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (stopping_.load()) return Ready::kStopping;
    if (n > 0 && fds[1].revents != 0) return Ready::kYes;
  }
}

Status PgListener::connect_and_listen(Deadline deadline) {
  auto conn = PgConnection::start_connect(conninfo_, "synclog-listener");
  if (!conn) return make_error(ErrorCode::kUnavailable, "postgres: out of memory connecting");
  if (PQstatus(conn->handle()) == CONNECTION_BAD) {
    return make_error(ErrorCode::kUnavailable,
                      "cannot connect to " + redact_conninfo(conninfo_) + ": " + conn->last_error());
  }
  // libpq's asynchronous handshake: wait for what PQconnectPoll asks for, starting with writing.
  for (auto polled = PGRES_POLLING_WRITING; polled != PGRES_POLLING_OK;) {
    if (polled == PGRES_POLLING_FAILED) {
      return make_error(ErrorCode::kUnavailable,
                        "cannot connect to " + redact_conninfo(conninfo_) + ": " + conn->last_error());
    }
    switch (await(*conn, polled == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline)) {
      case Ready::kStopping: return make_error(ErrorCode::kUnavailable, "stopping");
      case Ready::kTimeout:
        return make_error(ErrorCode::kUnavailable, "cannot connect to " + redact_conninfo(conninfo_) + ": timed out");
      case Ready::kYes: break;
    }
    polled = PQconnectPoll(conn->handle());
  }
  if (PQsetnonblocking(conn->handle(), 1) != 0) return make_error(ErrorCode::kUnavailable, conn->last_error());
  SYNCLOG_RETURN_IF_ERROR(command(*conn, "LISTEN synclog_heads", deadline));
  conn_ = std::move(conn);
  return Status();
}

Status PgListener::command(PgConnection& c, const char* sql, Deadline deadline) {
  pg_conn* h = c.handle();
  if (PQsendQuery(h, sql) != 1) return make_error(ErrorCode::kUnavailable, c.last_error());
  std::string failed;
  for (;;) {
    const int flushed = PQflush(h);  // 0: all sent; 1: more to send; -1: failed
    if (flushed < 0) return make_error(ErrorCode::kUnavailable, c.last_error());
    if (PQconsumeInput(h) != 1) return make_error(ErrorCode::kUnavailable, c.last_error());
    while (PQisBusy(h) == 0) {
      pg_result* r = PQgetResult(h);
      if (r == nullptr) {
        if (failed.empty()) return Status();
        return make_error(ErrorCode::kUnavailable, failed);
      }
      const auto st = PQresultStatus(r);
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && failed.empty()) {
        failed = PQresultErrorMessage(r);
        if (failed.empty()) failed = std::string(sql) + " failed";
      }
      PQclear(r);
    }
    switch (await(c, flushed == 1 ? POLLIN | POLLOUT : POLLIN, deadline)) {
      case Ready::kStopping: return make_error(ErrorCode::kUnavailable, "stopping");
      case Ready::kTimeout:
        return make_error(ErrorCode::kUnavailable,
                          "no answer from the database within " + std::to_string(kLinkDeadline.count()) + " s");
      case Ready::kYes: break;
    }
  }
}

Status PgListener::start() {
  // The pipe first: connecting watches it (stop() may come while a reconnection waits).
  if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    return make_error(ErrorCode::kInternal, "postgres listener: cannot create its wake-up pipe");
  }
  // At start, as long as any connection may take (its connect timeout), not the probe's deadline.
  SYNCLOG_RETURN_IF_ERROR(connect_and_listen(std::chrono::steady_clock::now() + std::chrono::seconds(10)));
  thread_ = std::thread([this] {
    name_this_thread("pg-listener");
    run();
  });
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
      const Status s = connect_and_listen(std::chrono::steady_clock::now() + kLinkDeadline);
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
    Status alive;
    if (readable) {
      if (PQconsumeInput(conn_->handle()) != 1) alive = make_error(ErrorCode::kUnavailable, conn_->last_error());
    } else {
      // Idle: make sure the link still works, without waiting on it for ever.
      alive = command(*conn_, "SELECT 1", std::chrono::steady_clock::now() + kLinkDeadline);
    }
    if (stopping_.load()) return;
    if (alive.ok()) {
      deliver_notifications();
    } else {
      set_down(alive.message());
      conn_.reset();  // non-blocking: closing does not wait for the server either
    }
  }
}

}  // namespace synclog::storage::postgres
