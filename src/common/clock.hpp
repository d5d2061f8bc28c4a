// The wall clock as a seam: production reads the system clock, tests substitute their own.
#pragma once

#include <atomic>
#include <cstdint>

namespace synclog {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch. May step backwards (NTP, an operator): callers that need
  // monotonic values derive them (see domain/mutation_clock.hpp). Thread-safe.
  virtual std::int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const override;
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms) : now_(start_ms) {}
  std::int64_t now_ms() const override { return now_.load(); }
  void set(std::int64_t ms) { now_.store(ms); }
  void advance(std::int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace synclog
