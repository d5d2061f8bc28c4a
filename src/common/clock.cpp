// The system clock implementation.
#include "common/clock.hpp"

#include <chrono>

namespace synclog {

std::int64_t SystemClock::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace synclog
