// Faults at exact points of a client's sync, in the manner of Boost.Beast's test::fail_count: a
// test first counts the points a clean run passes (requests sent, local commits), then runs the
// scenario again once per point with that one point failing, so that every place a phone can
// lose its network or be killed is tried rather than a few that someone thought of.
//
// FaultyTransport decorates a client::Transport (the in-process server's, or the SDK's own):
//  - fail_request(n): the nth send() fails with kUnavailable before the inner transport sees it
//    (the request never reached the server: a refused or dropped connection);
//  - lose_answer(n): the nth send() goes through, the server applies it, and its answer is
//    dropped: kUnavailable (a connection cut on the way back, the case that needs
//    Idempotency-Keys).
// CommitFaults makes a LocalStore::Options::before_commit that fails the nth local commit (the
// app killed, or the disk full, at that commit) and counts the commits.
// Both count from their creation (or reset()), and each fault fires once. Not thread-safe: one
// engine at a time, as the engine itself is.
#pragma once

#include "synclog/client/transport.hpp"

#include "common/status.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <stop_token>

namespace synclog::test {

class FaultyTransport final : public client::Transport {
 public:
  explicit FaultyTransport(std::shared_ptr<client::Transport> inner) : inner_(std::move(inner)) {}

  // The nth send() from now on (1-based; 0: none) fails before reaching the server.
  void fail_request(std::int64_t n) { fail_at_ = n > 0 ? sent_ + n : 0; }
  // The nth send() from now on (1-based; 0: none) reaches the server; its answer is lost.
  void lose_answer(std::int64_t n) { lose_at_ = n > 0 ? sent_ + n : 0; }
  // send() calls so far, failed ones included: after a clean sync, how many a sync makes.
  std::int64_t requests() const { return sent_; }
  // Whether a planned fault has happened (a loop past the last request would not fire).
  bool fired() const { return fired_; }
  // Starts counting again from 0 and forgets the planned faults.
  void reset() {
    sent_ = fail_at_ = lose_at_ = 0;
    fired_ = false;
  }

  Result<client::HttpResponse> send(const client::HttpRequest& request) override;
  // Passed through as it is: the stream is not a request of a sync.
  Result<std::unique_ptr<client::ResponseStream>> open_stream(const client::HttpRequest& request,
                                                              std::stop_token stop) override {
    return inner_->open_stream(request, std::move(stop));
  }

 private:
  std::shared_ptr<client::Transport> inner_;
  std::int64_t sent_ = 0;
  std::int64_t fail_at_ = 0;
  std::int64_t lose_at_ = 0;
  bool fired_ = false;
};

class CommitFaults {
 public:
  CommitFaults();
  // For LocalStore::Options::before_commit. Keeps the counts alive by itself, so a store may
  // outlive this object.
  std::function<Status()> before_commit() const;
  // The nth commit from now on (1-based; 0: none) fails with kInternal, and is rolled back.
  void fail_commit(std::int64_t n);
  // Commits tried so far (the failed one included).
  std::int64_t commits() const;
  bool fired() const;
  void reset();

 private:
  struct State {
    std::int64_t commits = 0;
    std::int64_t fail_at = 0;
    bool fired = false;
  };
  std::shared_ptr<State> state_;
};

}  // namespace synclog::test
