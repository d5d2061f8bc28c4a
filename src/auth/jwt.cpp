// Token verification and signing. Signatures are checked before any claim is trusted; HMAC
// comparison is constant-time; ES256 signatures travel as raw r||s (JWS) and are converted
// to and from DER for OpenSSL.
#include "auth/jwt.hpp"

#include <boost/json.hpp>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>

#include "common/base64url.hpp"
#include "common/json_text.hpp"

namespace synclog::auth {
namespace json = boost::json;
namespace {

Error unauthorized(std::string message) {
  return make_error(ErrorCode::kUnauthorized, std::move(message));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// JWS ES256 signature (r||s, 32 bytes each) to DER.
std::optional<std::string> es256_raw_to_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> es256_der_to_raw(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) return std::nullopt;
  std::string out(64, '\0');
  const bool ok =
      BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(out.data()), 32) == 32 &&
      BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(out.data()) + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  if (!ok) return std::nullopt;
  return out;
}

bool verify_with_key(const Key& key, std::string_view input, std::string_view signature) {
  std::string der;
  std::string_view sig = signature;
  if (key.alg == Algorithm::kES256) {
    auto converted = es256_raw_to_der(signature);
    if (!converted) return false;
    der = std::move(*converted);
    sig = der;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.pkey.get()) == 1 &&
            EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                             reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

// A NumericDate claim as whole seconds, if present and numeric.
std::optional<std::int64_t> numeric_date(const json::object& o, std::string_view name, bool& bad) {
  const auto* v = o.if_contains(name);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() < (1ull << 62)) return static_cast<std::int64_t>(v->get_uint64());
  if (v->is_double() && std::isfinite(v->get_double()) && std::fabs(v->get_double()) < 1e15) {
    return static_cast<std::int64_t>(v->get_double());
  }
  bad = true;
  return std::nullopt;
}

}  // namespace

TokenVerifier::TokenVerifier(VerifierOptions options, const Clock& clock)
    : options_(std::move(options)),
      keys_(options_.key_set ? options_.key_set : std::make_shared<KeySet>(std::move(options_.keys))),
      clock_(clock) {}

Status TokenVerifier::check_signature(std::string_view alg, std::string_view kid, std::string_view input,
                                      std::string_view signature, Snapshot& keys) const {
  if (alg == "HS256") {
    if (!options_.hs256_secret) return unauthorized("Unsupported token algorithm: HS256");
    const std::string expected = hmac_sha256(*options_.hs256_secret, input);
    if (expected.size() == signature.size() &&
        CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0) {
      return Status();
    }
    return unauthorized("Access token signature is invalid");
  }
  // A kid the set does not have may be a key the identity provider published since it was read.
  const bool unknown = !kid.empty() && !keys->has_kid(kid);
  if (unknown) keys = keys_->for_unknown_kid(kid, keys);
  for (const auto& key : keys->keys) {
    if (algorithm_name(key.alg) != alg) continue;
    if (!kid.empty() && !key.kid.empty() && key.kid != kid) continue;
    if (verify_with_key(key, input, signature)) return Status();
  }
  if (unknown && !keys->has_kid(kid)) return unauthorized("Access token signature is invalid: unknown key");
  return unauthorized("Access token signature is invalid");
}

Result<Claims> TokenVerifier::verify(std::string_view token) const {
  keys_->refresh_if_due();
  if (auto known = verified_->find(token); known && known->key_generation == keys_->generation()) {
    // Every check but the times passed when it was remembered, with the same keys.
    SYNCLOG_RETURN_IF_ERROR(check_times(known->times));
    return std::move(known->claims);
  }
  Snapshot keys = keys_->current();
  TokenTimes times;
  SYNCLOG_ASSIGN_OR_RETURN(Claims claims, verify_uncached(token, keys, times));
  verified_->remember(token, {claims, times, keys->generation}, clock_.now_ms() / 1000);
  return claims;
}

Status TokenVerifier::check_times(const TokenTimes& times) const {
  const std::int64_t now = clock_.now_ms() / 1000;
  // The leeway moves `now`, never the token's times: an `exp` near the largest integer (which
  // a signer may write) must not overflow.
  if (now - options_.leeway_seconds >= times.expires) return unauthorized("Access token has expired");
  if (times.not_before && now + options_.leeway_seconds < *times.not_before) {
    return unauthorized("Access token is not yet valid");
  }
  if (times.issued_at && now + options_.leeway_seconds < *times.issued_at) {
    return unauthorized("Access token is not yet valid");
  }
  return Status();
}

Result<Claims> TokenVerifier::verify_uncached(std::string_view token, Snapshot& keys, TokenTimes& times) const {
  if (token.empty()) return unauthorized("Missing access token");
  if (token.size() > kMaxTokenLength) return unauthorized("Access token is too long");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return unauthorized("Malformed access token");
  }
  const auto header_text = base64url_decode(token.substr(0, dot1));
  const auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header_text || !payload_text || !signature) return unauthorized("Malformed access token");

  json::error_code ec;
  const json::value header = json::parse(*header_text, ec);
  if (ec || !header.is_object()) return unauthorized("Malformed access token");
  const auto* alg_v = header.get_object().if_contains("alg");
  if (!alg_v || !alg_v->is_string()) return unauthorized("Malformed access token");
  const std::string_view alg(alg_v->get_string());
  const bool alg_enabled = (alg == "HS256" && options_.hs256_secret) ||
                           ((alg == "RS256" || alg == "ES256") && !keys->keys.empty());
  if (!alg_enabled) return unauthorized("Unsupported token algorithm: " + std::string(alg));
  std::string_view kid;
  if (const auto* k = header.get_object().if_contains("kid"); k && k->is_string()) {
    kid = std::string_view(k->get_string());
  }
  SYNCLOG_RETURN_IF_ERROR(check_signature(alg, kid, token.substr(0, dot2), *signature, keys));

  const json::value payload = json::parse(*payload_text, ec);
  if (ec || !payload.is_object()) return unauthorized("Malformed access token");
  const auto& claims_obj = payload.get_object();
  Claims claims;
  const auto* sub = claims_obj.if_contains("sub");
  // Control characters never belong in a subject, and a NUL would be cut by stores that cannot
  // hold it ("alice\u0000mallory" read as "alice"): refused, whatever the signer meant.
  const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (!sub || !sub->is_string() || sub->get_string().empty() || sub->get_string().size() > 255 ||
      std::ranges::any_of(sub->get_string(), control)) {
    return unauthorized("Access token has no valid subject");
  }
  claims.subject = sub->get_string();

  bool bad = false;
  const auto exp = numeric_date(claims_obj, "exp", bad);
  const auto nbf = numeric_date(claims_obj, "nbf", bad);
  const auto iat = numeric_date(claims_obj, "iat", bad);
  if (bad) return unauthorized("Malformed access token");
  if (!exp) return unauthorized("Access token has no expiry");
  times = TokenTimes{*exp, nbf, iat};
  SYNCLOG_RETURN_IF_ERROR(check_times(times));
  claims.expires_at = *exp;

  if (const auto* iss = claims_obj.if_contains("iss"); iss && iss->is_string()) {
    claims.issuer = std::string(iss->get_string());
  }
  if (options_.issuer && claims.issuer != options_.issuer) {
    return unauthorized("Access token has the wrong issuer");
  }
  if (options_.audience) {
    bool found = false;
    if (const auto* aud = claims_obj.if_contains("aud")) {
      if (aud->is_string()) found = aud->get_string() == *options_.audience;
      if (aud->is_array()) {
        for (const auto& a : aud->get_array()) found = found || (a.is_string() && a.get_string() == *options_.audience);
      }
    }
    if (!found) return unauthorized("Access token has the wrong audience");
    claims.audience = options_.audience;
  }

  const json::value* scope = claims_obj.if_contains("scope");
  if (!scope) scope = claims_obj.if_contains("scp");
  if (scope && scope->is_string()) {
    std::string_view s(scope->get_string());
    std::size_t pos = 0;
    while (pos < s.size()) {
      const auto next = s.find(' ', pos);
      const auto part = s.substr(pos, next == std::string_view::npos ? s.size() - pos : next - pos);
      if (!part.empty()) claims.scopes.emplace_back(part);
      if (next == std::string_view::npos) break;
      pos = next + 1;
    }
  } else if (scope && scope->is_array()) {
    for (const auto& v : scope->get_array()) {
      if (v.is_string()) claims.scopes.emplace_back(v.get_string());
    }
  }
  return claims;
}

TokenSigner TokenSigner::hs256(std::string secret) {
  TokenSigner s;
  s.alg_ = Algorithm::kHS256;
  s.secret_ = std::move(secret);
  return s;
}

TokenSigner TokenSigner::with_key(Key private_key) {
  TokenSigner s;
  s.alg_ = private_key.alg;
  s.key_ = std::move(private_key);
  return s;
}

Result<std::string> TokenSigner::sign(const Claims& claims, std::int64_t issued_at) const {
  std::string scope;
  for (const auto& sc : claims.scopes) {
    if (!scope.empty()) scope.push_back(' ');
    scope += sc;
  }
  JsonObjectWriter w;
  w.str("sub", claims.subject).str("scope", scope).num("iat", issued_at).num("exp", claims.expires_at);
  if (claims.issuer) w.str("iss", *claims.issuer);
  if (claims.audience) w.str("aud", *claims.audience);
  return sign_payload(std::move(w).finish());
}

Result<std::string> TokenSigner::sign_payload(std::string_view payload_json) const {
  JsonObjectWriter h;
  h.str("alg", algorithm_name(alg_)).str("typ", "JWT");
  if (key_ && !key_->kid.empty()) h.str("kid", key_->kid);
  std::string input = base64url_encode(std::move(h).finish()) + "." + base64url_encode(payload_json);
  std::string signature;
  if (alg_ == Algorithm::kHS256) {
    signature = hmac_sha256(secret_, input);
  } else {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t len = 0;
    bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->pkey.get()) == 1 &&
              EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
    std::string der(len, '\0');
    ok = ok && EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                              reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) return make_error(ErrorCode::kInternal, "signing failed");
    der.resize(len);
    if (alg_ == Algorithm::kES256) {
      auto raw = es256_der_to_raw(der);
      if (!raw) return make_error(ErrorCode::kInternal, "signing failed");
      signature = std::move(*raw);
    } else {
      signature = std::move(der);
    }
  }
  return input + "." + base64url_encode(signature);
}

}  // namespace synclog::auth
