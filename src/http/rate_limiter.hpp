// A per-key token bucket (one bucket per user): `rate` requests per second on average, bursts
// of up to `burst`. Thread-safe; memory is bounded by evicting buckets that have refilled.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace synclog::http {

class RateLimiter {
 public:
  // rate <= 0 disables limiting.
  RateLimiter(double rate, double burst) : rate_(rate), burst_(burst < 1 ? 1 : burst) {}

  // 0 when the request may proceed; otherwise the whole seconds (>= 1) until it could.
  std::int64_t acquire(std::string_view key);
  // What acquire() would answer, without taking a token (or creating a bucket).
  std::int64_t would_wait(std::string_view key);
  // For tests: the same with an explicit time.
  std::int64_t acquire_at(std::string_view key, std::chrono::steady_clock::time_point now);
  std::int64_t would_wait_at(std::string_view key, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kMaxBucketsPerShard = 65536;
  void evict_full(Shard& shard, std::chrono::steady_clock::time_point now);
  // The seconds (>= 1) until a bucket holding `tokens` (< 1) has one.
  std::int64_t wait_for(double tokens) const;

  double rate_;
  double burst_;
  std::array<Shard, kShards> shards_;
};

}  // namespace synclog::http
