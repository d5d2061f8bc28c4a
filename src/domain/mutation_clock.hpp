// The per-user mutation clock: ts = max(now_ms, head + 1). Every mutation gets its own ts, the
// head is the latest ts, and the head never moves backwards, whatever the wall clock does.
#pragma once

#include <algorithm>
#include <cstdint>

namespace synclog::domain {

class MutationClock {
 public:
  MutationClock(std::int64_t now_ms, std::int64_t head) : now_(now_ms), head_(head) {}
  std::int64_t next() {
    head_ = std::max(now_, head_ + 1);
    return head_;
  }
  std::int64_t head() const { return head_; }

 private:
  std::int64_t now_;
  std::int64_t head_;
};

}  // namespace synclog::domain
