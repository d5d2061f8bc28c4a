// Id minting. Randomness comes from OpenSSL's CSPRNG so ids are not guessable.
#include "common/ids.hpp"

#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>

namespace synclog {
namespace {

constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";

void append_base36(std::string& out, std::uint64_t v, int width) {
  char buf[16];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = kAlphabet[v % 36];
    v /= 36;
  }
  out.append(buf, static_cast<std::size_t>(width));
}

// Fills `out` from the CSPRNG, drawn a pool at a time per thread: one RAND_bytes call (and the
// lock inside it) per hundred ids instead of one per id. Every request mints an id, and every
// push one per created resource; the per-id call was 5 % of a metadataOnly poll's server time.
// The SDK runs inside apps' processes, which may fork: a child must not mint ids from the pool
// its parent also draws from (with the same counter, the two would mint the same ids), so the
// pool is refilled when the process id changes.
void random_bytes(unsigned char* out, std::size_t n) {
  constexpr std::size_t kPool = 1200;
  thread_local unsigned char pool[kPool];
  thread_local std::size_t left = 0;
  thread_local pid_t owner = 0;
  if (const pid_t pid = ::getpid(); pid != owner) {
    owner = pid;
    left = 0;
  }
  while (n > 0) {
    if (left == 0) {
      if (RAND_bytes(pool, static_cast<int>(kPool)) != 1) {
        // The CSPRNG never fails on Linux once seeded; spread a counter instead anyway.
        static std::atomic<std::uint64_t> fallback{0};
        for (auto& b : pool) b = static_cast<unsigned char>(fallback.fetch_add(7));
      }
      left = kPool;
    }
    const std::size_t take = std::min(n, left);
    std::memcpy(out, pool + (kPool - left), take);
    left -= take;
    out += take;
    n -= take;
  }
}

}  // namespace

std::string new_resource_id() {
  static std::atomic<std::uint64_t> counter{0};
  const auto now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::string id;
  id.reserve(24);
  id.push_back('c');
  append_base36(id, now_ms, 8);                              // ~ until year 2059
  append_base36(id, counter.fetch_add(1) % (36 * 36 * 36), 3);
  unsigned char random[12];
  random_bytes(random, sizeof random);
  for (unsigned char b : random) id.push_back(kAlphabet[b % 36]);
  return id;
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace synclog
