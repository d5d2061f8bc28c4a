// Tokens already verified, with their claims: a device sends the same token with every request
// for its whole life, and checking its signature and parsing its JSON again each time was a
// quarter of what a metadataOnly poll cost the server (docs/benchmarks.md). Only the time
// checks (exp, nbf, iat) depend on when a token is used; TokenVerifier runs those on every use.
//
// Only tokens that passed every check are remembered, so a client cannot fill the cache with
// garbage, and the keys that verified them never change for the verifier's life. Lookups
// compare tokens in constant time. Thread-safe; bounded.
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
  };

  std::optional<Known> find(std::string_view token) const {
    std::shared_lock lock(mu_);
    auto it = known_.find(token);
    if (it == known_.end()) return std::nullopt;
    return it->second;
  }

  void remember(std::string_view token, Known known) {
    std::unique_lock lock(mu_);
    // Tokens expire; forgetting them all when full costs each live device one verification.
    if (known_.size() >= kMaxTokens) known_.clear();
    known_.insert_or_assign(std::string(token), std::move(known));
  }

 private:
  static constexpr std::size_t kMaxTokens = 1 << 16;
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
};

}  // namespace synclog::auth
