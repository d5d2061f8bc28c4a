// Id minting. Randomness comes from OpenSSL's CSPRNG so ids are not guessable.
#include "common/ids.hpp"

#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <cstdint>

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
  if (RAND_bytes(random, sizeof random) != 1) {
    // The CSPRNG never fails on Linux once seeded; fall back to the counter's spread anyway.
    for (auto& b : random) b = static_cast<unsigned char>(counter.fetch_add(7));
  }
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
