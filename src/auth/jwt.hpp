// JWT access tokens (RFC 7519, JWS compact form). synclog verifies HS256 with a shared secret
// and RS256/ES256 with public keys; every other `alg`, including "none", is refused. `sub` is
// the user, `scope` the space-separated scopes (an array in `scope` or `scp` is accepted too),
// and `exp` is required.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/key_set.hpp"
#include "auth/keys.hpp"
#include "auth/verified_tokens.hpp"
#include "common/clock.hpp"
#include "common/status.hpp"

namespace synclog::auth {

// Tokens longer than this are refused before any decoding.
inline constexpr std::size_t kMaxTokenLength = 8192;

struct Claims {
  std::string subject;
  std::vector<std::string> scopes;
  std::int64_t expires_at = 0;  // seconds since the epoch
  std::optional<std::string> issuer;
  std::optional<std::string> audience;
};

struct VerifierOptions {
  std::optional<std::string> hs256_secret;  // accept HS256 tokens signed with this
  std::vector<Key> keys;                    // accept RS256/ES256 tokens signed by these
  std::shared_ptr<KeySet> key_set;          // or by these, which may change (replaces `keys`)
  std::optional<std::string> issuer;        // when set, `iss` must equal it
  std::optional<std::string> audience;      // when set, `aud` must contain it
  std::int64_t leeway_seconds = 60;         // clock skew allowed on exp/nbf/iat
};

// Thread-safe after construction.
class TokenVerifier {
 public:
  TokenVerifier(VerifierOptions options, const Clock& clock);
  // kUnauthorized with a message naming the problem (missing, malformed, expired, bad
  // signature, unknown key, unsupported algorithm...).
  Result<Claims> verify(std::string_view token) const;

 private:
  using Snapshot = std::shared_ptr<const KeySnapshot>;
  // Every check but the cache: the token's signature, claims and times. `keys` is the set it
  // was checked against (read again when the token names a kid it does not have).
  Result<Claims> verify_uncached(std::string_view token, Snapshot& keys, TokenTimes& times) const;
  Status check_times(const TokenTimes& times) const;
  Status check_signature(std::string_view alg, std::string_view kid, std::string_view signing_input,
                         std::string_view signature, Snapshot& keys) const;
  VerifierOptions options_;
  std::shared_ptr<KeySet> keys_;
  const Clock& clock_;
  // Shared by copies of this verifier, which share its keys too.
  std::shared_ptr<VerifiedTokens<Claims>> verified_ = std::make_shared<VerifiedTokens<Claims>>();
};

// Mints tokens: HS256 with a secret, or RS256/ES256 with a private key.
class TokenSigner {
 public:
  static TokenSigner hs256(std::string secret);
  static TokenSigner with_key(Key private_key);
  // Header {"alg","typ":"JWT"[,"kid"]}, payload {sub, scope, iat, exp[, iss, aud]}.
  Result<std::string> sign(const Claims& claims, std::int64_t issued_at) const;
  // Signs an arbitrary payload (tests use it to craft hostile tokens).
  Result<std::string> sign_payload(std::string_view payload_json) const;

 private:
  TokenSigner() = default;
  Algorithm alg_ = Algorithm::kHS256;
  std::string secret_;
  std::optional<Key> key_;
};

}  // namespace synclog::auth
