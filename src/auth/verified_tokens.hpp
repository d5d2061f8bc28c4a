// Tokens already verified, with their claims: a device sends the same token with every request
// for its whole life, and checking its signature and parsing its JSON again each time was a
// quarter of what a metadataOnly poll cost the server (docs/benchmarks.md). Only the time
// checks (exp, nbf, iat) depend on when a token is used; TokenVerifier runs those on every use.
//
// Only tokens that passed every check are remembered, so a client cannot fill the cache with
// garbage. Each is remembered with the generation of the key set that verified it: once the
// keys change (key_set.hpp; a key withdrawn from the JWKS), the verifier checks it again
// rather than trust a key it no longer has. Lookups compare tokens in constant time.
// Thread-safe; bounded in entries and bytes.
#pragma once

#include <openssl/crypto.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace synclog::auth {

// The time claims of a token, in seconds since the epoch.
struct TokenTimes {
  std::int64_t expires = 0;
  std::optional<std::int64_t> not_before;
  std::optional<std::int64_t> issued_at;
};

// ClaimsT is auth::Claims (jwt.hpp, which holds this cache).
template <class ClaimsT>
class VerifiedTokens {
 public:
  struct Known {
    ClaimsT claims;
    TokenTimes times;
    std::uint64_t key_generation = 0;  // KeySnapshot::generation of the keys that verified it
  };

  std::optional<Known> find(std::string_view token) const {
    std::shared_lock lock(mu_);
    auto it = known_.find(token);
    if (it == known_.end()) return std::nullopt;
    return it->second;
  }

  // `now` in seconds since the epoch: when the cache is full, expired tokens go first. A token
  // remembered already takes the newer of the two verifications (generations only rise).
  void remember(std::string_view token, Known known, std::int64_t now) {
    std::unique_lock lock(mu_);
    if (auto it = known_.find(token); it != known_.end()) {
      if (known.key_generation > it->second.key_generation) it->second = std::move(known);
      return;
    }
    const std::size_t size = footprint(token);
    if (known_.size() >= kMaxTokens || bytes_ + size > kMaxBytes) {
      std::erase_if(known_, [&](const auto& kv) {
        if (kv.second.times.expires > now) return false;
        bytes_ -= footprint(kv.first);
        return true;
      });
    }
    // Still full of live tokens: forgetting them all costs each device one verification.
    if (known_.size() >= kMaxTokens || bytes_ + size > kMaxBytes) {
      known_.clear();
      bytes_ = 0;
    }
    known_.emplace(std::string(token), std::move(known));
    bytes_ += size;
  }

 private:
  // A token's bytes and, roughly, its claims and the map's own cost.
  static std::size_t footprint(std::string_view token) { return token.size() + 512; }
  static constexpr std::size_t kMaxTokens = 1 << 16;
  static constexpr std::size_t kMaxBytes = 32u << 20;
  // Transparent, so a lookup views the request's bytes instead of copying them.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view t) const { return std::hash<std::string_view>()(t); }
  };
  struct ConstantTimeEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const {
      return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
    }
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, Known, Hash, ConstantTimeEqual> known_;  // guarded by mu_
  std::size_t bytes_ = 0;                                                  // guarded by mu_
};

}  // namespace synclog::auth
