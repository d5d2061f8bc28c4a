// FaultyTransport and CommitFaults (faulty_transport.hpp).
#include "faulty_transport.hpp"

#include <string>

namespace synclog::test {

Result<client::HttpResponse> FaultyTransport::send(const client::HttpRequest& request) {
  const std::int64_t n = ++sent_;
  if (n == fail_at_) {
    fired_ = true;
    return make_error(ErrorCode::kUnavailable, "injected: request " + std::to_string(n) + " (" +
                                                   request.method + " " + request.target +
                                                   ") never reached the server");
  }
  auto answer = inner_->send(request);
  if (n == lose_at_) {
    fired_ = true;
    return make_error(ErrorCode::kUnavailable, "injected: the answer to request " +
                                                   std::to_string(n) + " (" + request.method + " " +
                                                   request.target + ") was lost");
  }
  return answer;
}

CommitFaults::CommitFaults() : state_(std::make_shared<State>()) {}

std::function<Status()> CommitFaults::before_commit() const {
  return [state = state_]() -> Status {
    const std::int64_t n = ++state->commits;
    if (n != state->fail_at) return Status();
    state->fired = true;
    return make_error(ErrorCode::kInternal,
                      "injected: local commit " + std::to_string(n) + " failed");
  };
}

void CommitFaults::fail_commit(std::int64_t n) {
  state_->fail_at = n > 0 ? state_->commits + n : 0;
}
std::int64_t CommitFaults::commits() const { return state_->commits; }
bool CommitFaults::fired() const { return state_->fired; }
void CommitFaults::reset() { *state_ = State{}; }

}  // namespace synclog::test
