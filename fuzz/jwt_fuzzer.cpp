// Access-token verification (auth/jwt.cpp) against fixed keys: an HS256 secret and an ES256
// key (made at start), at a fixed time. Random bytes rarely pass a signature, so the first
// byte of the input says what the rest is:
//   '1': a payload (claims JSON), signed HS256 with the secret;
//   '2': a payload, signed ES256 with the key;
//   '3': a header JSON, a newline, a payload: the token built from them and signed with the
//        HS256 secret, whatever algorithm the header names;
//   anything else: the whole input is a token.
//
// Properties:
// - every refusal is kUnauthorized, and no exception escapes;
// - verifying again (from the verifier's memory of verified tokens) and verifying with a fresh
//   verifier give the same answer;
// - an accepted token has a subject of 1-255 characters without control characters, and is
//   refused once its expiry (plus leeway) has passed, remembered or not;
// - a token signed with the HS256 secret is accepted only when its header says HS256 (no
//   algorithm confusion), and never by a verifier that has only public keys.
#include <boost/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <limits>
#include <string>

#include "auth/jwt.hpp"
#include "common/base64url.hpp"
#include "fuzz_check.hpp"

namespace {

namespace auth = synclog::auth;
using synclog::ErrorCode;

constexpr std::int64_t kNowMs = 1'800'000'000'000;  // 2027-01-15
constexpr char kSecret[] = "fuzz-secret-0123456789abcdef";

synclog::ManualClock& fixed_clock() {
  static synclog::ManualClock c(kNowMs);
  return c;
}

const auth::Key& es256_key() {
  static const auth::Key k{
      std::shared_ptr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free),
      auth::Algorithm::kES256, "fuzz-es"};
  return k;
}

auth::VerifierOptions options(bool with_secret) {
  auth::VerifierOptions o;
  if (with_secret) o.hs256_secret = kSecret;
  o.keys.push_back(es256_key());
  return o;
}

std::string hs256_token(std::string_view header, std::string_view payload) {
  const std::string input =
      synclog::base64url_encode(header) + "." + synclog::base64url_encode(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret, static_cast<int>(sizeof kSecret - 1),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
  return input + "." +
         synclog::base64url_encode(std::string_view(reinterpret_cast<char*>(mac), len));
}

std::string same_answer(const synclog::Result<auth::Claims>& a,
                        const synclog::Result<auth::Claims>& b) {
  if (a.ok() != b.ok())
    return a.ok() ? "accepted, then refused: " + b.error().message : "refused, then accepted";
  if (!a.ok())
    return a.error().message == b.error().message ? ""
                                                  : a.error().message + " / " + b.error().message;
  const bool same = a->subject == b->subject && a->scopes == b->scopes &&
                    a->expires_at == b->expires_at && a->issuer == b->issuer &&
                    a->audience == b->audience;
  return same ? "" : "different claims";
}

// Verifies `token` every way; returns whether it was accepted.
bool check(const std::string& token) {
  const auth::TokenVerifier verifier(options(true), fixed_clock());
  const auto first = verifier.verify(token);
  if (!first.ok())
    SYNCLOG_FUZZ_CHECK(first.error().code == ErrorCode::kUnauthorized, first.error().message);
  const auto again = verifier.verify(token);
  SYNCLOG_FUZZ_CHECK(same_answer(first, again).empty(), same_answer(first, again));
  const auto fresh = auth::TokenVerifier(options(true), fixed_clock()).verify(token);
  SYNCLOG_FUZZ_CHECK(same_answer(first, fresh).empty(), same_answer(first, fresh));
  if (token.size() > auth::kMaxTokenLength)
    SYNCLOG_FUZZ_CHECK(!first.ok(), "an overlong token was accepted");
  if (!first.ok()) return false;

  const auto& sub = first->subject;
  SYNCLOG_FUZZ_CHECK(!sub.empty() && sub.size() <= 255, sub);
  SYNCLOG_FUZZ_CHECK(
      std::none_of(sub.begin(), sub.end(),
                   [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }),
      "a subject with a control character");
  // Past its expiry, it is refused, by the verifier that remembers it too.
  const std::int64_t leeway = options(true).leeway_seconds;
  SYNCLOG_FUZZ_CHECK(first->expires_at > kNowMs / 1000 - leeway, "accepted after its expiry");
  if (first->expires_at < std::numeric_limits<std::int64_t>::max() / 1000 - leeway) {
    fixed_clock().set((first->expires_at + leeway) * 1000);
    const bool refused_later = !verifier.verify(token).ok();
    fixed_clock().set(kNowMs);
    SYNCLOG_FUZZ_CHECK(refused_later, "a remembered token outlived its expiry");
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = synclog::fuzz::text(data, size);
  const char mode = input.empty() ? '0' : input.front();
  const std::string_view rest = input.empty() ? input : input.substr(1);
  if (mode == '1') {
    const auto token = auth::TokenSigner::hs256(kSecret).sign_payload(rest);
    SYNCLOG_FUZZ_CHECK(token.ok(), "HS256 signing failed");
    check(*token);
  } else if (mode == '2') {
    const auto token = auth::TokenSigner::with_key(es256_key()).sign_payload(rest);
    SYNCLOG_FUZZ_CHECK(token.ok(), "ES256 signing failed");
    const bool accepted = check(*token);
    // The public key alone verifies it as well as with a secret beside it.
    const auto keys_only = auth::TokenVerifier(options(false), fixed_clock()).verify(*token);
    SYNCLOG_FUZZ_CHECK(keys_only.ok() == accepted, "the secret changed an ES256 token's fate");
  } else if (mode == '3') {
    const auto newline = rest.find('\n');
    if (newline == std::string_view::npos) return 0;
    const std::string_view header = rest.substr(0, newline);
    const std::string token = hs256_token(header, rest.substr(newline + 1));
    const bool accepted = check(token);
    if (accepted) {
      boost::json::error_code ec;
      const auto h = boost::json::parse(header, ec);
      const auto* alg = !ec && h.is_object() ? h.get_object().if_contains("alg") : nullptr;
      SYNCLOG_FUZZ_CHECK(alg && alg->is_string() && alg->get_string() == "HS256",
                         "an HMAC signature passed for header " + std::string(header));
    }
    const auto keys_only = auth::TokenVerifier(options(false), fixed_clock()).verify(token);
    SYNCLOG_FUZZ_CHECK(!keys_only.ok(), "an HS256 token passed a verifier without the secret");
  } else {
    check(std::string(input));
  }
  return 0;
}
