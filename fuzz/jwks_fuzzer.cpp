// Loading a JWKS document (auth/keys.cpp, load_jwks, what --jwks reads): the input is the
// document's text. The keys it yields are then used to verify two tokens signed by keys made
// at start (RS256 and ES256), so that whatever OpenSSL built from hostile numbers is exercised.
//
// Properties:
// - a refusal is kInvalidRequest; no exception escapes;
// - a document that loads yields at least one key, each RS256 on RSA of 2048 bits or more, or
//   ES256 on P-256, and loading it again yields the same keys (same algorithms and kids);
// - the loaded keys never verify a token they did not sign: refusals are kUnauthorized.
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/jwt.hpp"
#include "auth/keys.hpp"
#include "fuzz_check.hpp"

namespace {

namespace auth = synclog::auth;
using synclog::ErrorCode;

constexpr std::int64_t kNowMs = 1'800'000'000'000;

std::string signed_token(EVP_PKEY* k, auth::Algorithm alg) {
  const auth::Key key{std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free), alg, ""};
  const auth::Claims claims{"alice", {"sync"}, kNowMs / 1000 + 3600, std::nullopt, std::nullopt};
  const auto token = auth::TokenSigner::with_key(key).sign(claims, kNowMs / 1000);
  SYNCLOG_FUZZ_CHECK(token.ok(), "signing a fixture token");
  return *token;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<std::string> tokens = {
      signed_token(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t{2048}),
                   auth::Algorithm::kRS256),
      signed_token(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), auth::Algorithm::kES256)};
  static synclog::ManualClock clock(kNowMs);
  const std::string_view text = synclog::fuzz::text(data, size);
  const auto keys = auth::load_jwks(text);
  if (!keys.ok()) {
    SYNCLOG_FUZZ_CHECK(keys.error().code == ErrorCode::kInvalidRequest, keys.error().message);
    return 0;
  }
  SYNCLOG_FUZZ_CHECK(!keys->empty(), "loaded, with no key");
  for (const auto& k : *keys) {
    SYNCLOG_FUZZ_CHECK(k.pkey != nullptr, "a key without its OpenSSL key");
    if (k.alg == auth::Algorithm::kRS256) {
      SYNCLOG_FUZZ_CHECK(
          EVP_PKEY_is_a(k.pkey.get(), "RSA") && EVP_PKEY_get_bits(k.pkey.get()) >= 2048,
          "an RS256 key that is not RSA of 2048 bits or more");
    } else {
      SYNCLOG_FUZZ_CHECK(k.alg == auth::Algorithm::kES256 && EVP_PKEY_is_a(k.pkey.get(), "EC"),
                         "a key that is neither RS256 nor ES256");
    }
  }
  const auto again = auth::load_jwks(text);
  SYNCLOG_FUZZ_CHECK(again.ok() && again->size() == keys->size(), "loading again changed the keys");
  for (std::size_t i = 0; i < keys->size(); ++i) {
    SYNCLOG_FUZZ_CHECK((*again)[i].alg == (*keys)[i].alg && (*again)[i].kid == (*keys)[i].kid,
                       (*keys)[i].kid);
  }
  auth::VerifierOptions options;
  options.keys = *keys;
  const auth::TokenVerifier verifier(std::move(options), clock);
  for (const auto& token : tokens) {
    const auto claims = verifier.verify(token);
    SYNCLOG_FUZZ_CHECK(!claims.ok() && claims.error().code == ErrorCode::kUnauthorized,
                       "a token verified by keys that did not sign it");
  }
  return 0;
}
