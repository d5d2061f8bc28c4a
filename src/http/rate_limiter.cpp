// Token buckets.
#include "http/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace synclog::http {

std::int64_t RateLimiter::acquire(std::string_view key) {
  return acquire_at(key, std::chrono::steady_clock::now());
}

std::int64_t RateLimiter::acquire_at(std::string_view key, std::chrono::steady_clock::time_point now) {
  if (rate_ <= 0) return 0;
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kMaxBucketsPerShard) evict_full(shard, now);
    it = shard.buckets.emplace(std::string(key), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(burst_, b.tokens + elapsed * rate_);
  b.last = now;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  return wait_for(b.tokens);
}

std::int64_t RateLimiter::would_wait(std::string_view key) {
  return would_wait_at(key, std::chrono::steady_clock::now());
}

std::int64_t RateLimiter::would_wait_at(std::string_view key, std::chrono::steady_clock::time_point now) {
  if (rate_ <= 0) return 0;
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  std::lock_guard lock(shard.mu);
  auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) return 0;
  const double elapsed = std::chrono::duration<double>(now - it->second.last).count();
  const double tokens = std::min(burst_, it->second.tokens + elapsed * rate_);
  return tokens >= 1.0 ? 0 : wait_for(tokens);
}

std::int64_t RateLimiter::wait_for(double tokens) const {
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil((1.0 - tokens) / rate_)));
}

void RateLimiter::evict_full(Shard& shard, std::chrono::steady_clock::time_point now) {
  // A bucket that would be full again carries no state worth keeping.
  for (auto it = shard.buckets.begin(); it != shard.buckets.end();) {
    const double elapsed = std::chrono::duration<double>(now - it->second.last).count();
    if (it->second.tokens + elapsed * rate_ >= burst_) {
      it = shard.buckets.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace synclog::http
