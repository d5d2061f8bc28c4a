// Access-token verification and signing: HS256, RS256 and ES256 round trips (keys generated
// in-test, loaded from PEM and from a JWKS document built here), refusal of "none" and of
// algorithms the server is not configured for, tampering, time claims with leeway, required
// claims, issuer and audience, both scope shapes, and kid selection.
#include "auth/jwt.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <string>

#include "../support/test_keys.hpp"
#include "common/base64url.hpp"

namespace synclog::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::int64_t kNowMs = 1'700'000'000'000;
constexpr std::int64_t kNow = kNowMs / 1000;
constexpr const char* kSecret = "0123456789abcdef0123456789abcdef-test-secret";

std::string b64(std::string_view s) { return base64url_encode(s); }

// A token with the given header and payload and whatever signature bytes.
std::string raw_token(std::string_view header, std::string_view payload,
                      std::string_view signature = "") {
  return b64(header) + "." + b64(payload) + "." + b64(signature);
}

std::string payload(std::string_view extra = {}, std::int64_t exp = kNow + 3600) {
  return R"({"sub":"alice","scope":"sync bookmark","exp":)" + std::to_string(exp) +
         std::string(extra) + "}";
}

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_a_ = new test::PKey(test::generate_rsa(2048));
    rsa_b_ = new test::PKey(test::generate_rsa(2048));
    ec_ = new test::PKey(test::generate_ec("P-256"));
  }
  static void TearDownTestSuite() {
    delete rsa_a_;
    delete rsa_b_;
    delete ec_;
  }

  Result<Claims> verify_hs(const std::string& token, VerifierOptions o = {}) {
    o.hs256_secret = kSecret;
    return TokenVerifier(std::move(o), clock_).verify(token);
  }
  Result<Claims> verify_with(VerifierOptions o, const std::string& token) {
    return TokenVerifier(std::move(o), clock_).verify(token);
  }
  std::string hs(std::string_view payload_json, std::string secret = kSecret) {
    auto t = TokenSigner::hs256(std::move(secret)).sign_payload(payload_json);
    EXPECT_TRUE(t.ok());
    return t.ok() ? *t : "";
  }
  static Key private_key(const test::PKey& k, std::string kid = {}) {
    auto key = load_private_key_pem(test::private_pem(k), std::move(kid));
    EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.error().message);
    return key.ok() ? *key : Key{};
  }
  static Key public_key(const test::PKey& k, std::string kid = {}) {
    auto key = load_public_key_pem(test::public_pem(k), std::move(kid));
    EXPECT_TRUE(key.ok()) << (key.ok() ? "" : key.error().message);
    return key.ok() ? *key : Key{};
  }
  static std::string signed_with(const Key& private_k, std::string_view payload_json) {
    auto t = TokenSigner::with_key(private_k).sign_payload(payload_json);
    EXPECT_TRUE(t.ok());
    return t.ok() ? *t : "";
  }
  static VerifierOptions keys_only(std::vector<Key> keys) {
    VerifierOptions o;
    o.keys = std::move(keys);
    return o;
  }
  static void expect_refused(const Result<Claims>& r, std::string_view why = {}) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthorized);
    if (!why.empty()) {
      EXPECT_THAT(r.error().message, HasSubstr(std::string(why)));
    }
  }

  ManualClock clock_{kNowMs};
  static test::PKey* rsa_a_;
  static test::PKey* rsa_b_;
  static test::PKey* ec_;
};

test::PKey* JwtTest::rsa_a_ = nullptr;
test::PKey* JwtTest::rsa_b_ = nullptr;
test::PKey* JwtTest::ec_ = nullptr;

// ---- HS256 ----

TEST_F(JwtTest, Hs256RoundTrip) {
  Claims c;
  c.subject = "alice";
  c.scopes = {"sync", "bookmark", "note.read"};
  c.expires_at = kNow + 3600;
  auto token = TokenSigner::hs256(kSecret).sign(c, kNow);
  ASSERT_TRUE(token.ok());
  auto r = verify_hs(*token);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->subject, "alice");
  EXPECT_THAT(r->scopes, ElementsAre("sync", "bookmark", "note.read"));
  EXPECT_EQ(r->expires_at, kNow + 3600);
}

TEST_F(JwtTest, SignedTokenIsThreeBase64urlParts) {
  const std::string t = hs(payload());
  EXPECT_EQ(std::count(t.begin(), t.end(), '.'), 2);
  EXPECT_EQ(t.find_first_of("+/= "), std::string::npos);
  const auto header = base64url_decode(t.substr(0, t.find('.')));
  ASSERT_TRUE(header.has_value());
  EXPECT_THAT(*header, HasSubstr(R"("alg":"HS256")"));
}

TEST_F(JwtTest, WrongSecretIsRefused) {
  expect_refused(verify_hs(hs(payload(), "another-secret-another-secret-xx")), "signature");
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  expect_refused(verify_hs(raw_token(R"({"alg":"none","typ":"JWT"})", payload())), "none");
  expect_refused(verify_hs(raw_token(R"({"alg":"none"})", payload(), "whatever")));
  expect_refused(verify_hs(raw_token(R"({"alg":"None"})", payload())));
  expect_refused(verify_hs(raw_token(R"({"alg":"HS512"})", payload(), "x")));
}

TEST_F(JwtTest, Hs256IsRefusedWhenOnlyPublicKeysAreConfigured) {
  // The classic confusion attack: HMAC keyed with the server's public key PEM.
  const std::string token = hs(payload(), test::public_pem(*rsa_a_));
  expect_refused(verify_with(keys_only({public_key(*rsa_a_)}), token), "HS256");
  expect_refused(verify_with(keys_only({public_key(*rsa_a_)}), hs(payload())));
}

TEST_F(JwtTest, AsymmetricTokensAreRefusedWhenOnlyASecretIsConfigured) {
  expect_refused(verify_hs(signed_with(private_key(*rsa_a_), payload())), "RS256");
  expect_refused(verify_hs(signed_with(private_key(*ec_), payload())), "ES256");
}

TEST_F(JwtTest, TamperedPayloadIsRefused) {
  const std::string t = hs(payload());
  const auto d1 = t.find('.');
  const auto d2 = t.find('.', d1 + 1);
  const std::string forged = t.substr(0, d1 + 1) +
                             b64(R"({"sub":"mallory","scope":"sync bookmark","exp":)" +
                                 std::to_string(kNow + 3600) + "}") +
                             t.substr(d2);
  expect_refused(verify_hs(forged), "signature");
}

TEST_F(JwtTest, TamperedSignatureIsRefused) {
  const std::string t = hs(payload());
  const auto d2 = t.rfind('.');
  std::string sig = *base64url_decode(t.substr(d2 + 1));
  sig[5] = static_cast<char>(sig[5] ^ 0x01);
  expect_refused(verify_hs(t.substr(0, d2 + 1) + b64(sig)), "signature");
  expect_refused(verify_hs(t.substr(0, d2 + 1)));                  // no signature at all
  expect_refused(verify_hs(t.substr(0, d2 + 1) + b64(sig.substr(0, 31))));  // truncated
}

TEST_F(JwtTest, MalformedTokensAreRefused) {
  expect_refused(verify_hs(""));
  expect_refused(verify_hs("abc"));
  expect_refused(verify_hs("a.b"));
  expect_refused(verify_hs("a.b.c.d"));
  expect_refused(verify_hs("!!.??.**"));
  expect_refused(verify_hs(raw_token("not json", payload(), "x")));
  expect_refused(verify_hs(raw_token("[1]", payload(), "x")));
  expect_refused(verify_hs(raw_token(R"({"typ":"JWT"})", payload(), "x")));
  expect_refused(verify_hs(hs("not json")));
  expect_refused(verify_hs(hs("[]")));
  expect_refused(verify_hs(std::string(kMaxTokenLength + 1, 'a')), "too long");
}

// ---- time claims ----

TEST_F(JwtTest, ExpiredBeyondLeewayIsRefused) {
  expect_refused(verify_hs(hs(payload({}, kNow - 61))), "expired");
  expect_refused(verify_hs(hs(payload({}, kNow - 60))), "expired");
  EXPECT_TRUE(verify_hs(hs(payload({}, kNow - 59))).ok());  // within the 60 s leeway
  EXPECT_TRUE(verify_hs(hs(payload({}, kNow + 1))).ok());
}

TEST_F(JwtTest, LeewayIsConfigurable) {
  VerifierOptions strict;
  strict.leeway_seconds = 0;
  expect_refused(verify_hs(hs(payload({}, kNow)), strict), "expired");
  EXPECT_TRUE(verify_hs(hs(payload({}, kNow + 1)), strict).ok());
}

TEST_F(JwtTest, NotBeforeInTheFutureIsRefused) {
  expect_refused(verify_hs(hs(payload(R"(,"nbf":)" + std::to_string(kNow + 120)))), "not yet valid");
  EXPECT_TRUE(verify_hs(hs(payload(R"(,"nbf":)" + std::to_string(kNow + 30)))).ok());
  EXPECT_TRUE(verify_hs(hs(payload(R"(,"nbf":)" + std::to_string(kNow - 30)))).ok());
}

TEST_F(JwtTest, IssuedInTheFutureIsRefused) {
  expect_refused(verify_hs(hs(payload(R"(,"iat":)" + std::to_string(kNow + 120)))));
  EXPECT_TRUE(verify_hs(hs(payload(R"(,"iat":)" + std::to_string(kNow - 10)))).ok());
}

// Found by fuzz/jwt_fuzzer.cpp: adding the leeway to an `exp` near the largest integer
// overflowed (undefined; in practice the sum wrapped and the token was taken for expired).
TEST_F(JwtTest, Regression_ExpiryNearTheLargestIntegerDoesNotOverflow) {
  const std::int64_t largest = std::numeric_limits<std::int64_t>::max();
  EXPECT_TRUE(verify_hs(hs(payload({}, largest))).ok());
  EXPECT_TRUE(verify_hs(hs(payload({}, largest - 30))).ok());
}

TEST_F(JwtTest, MissingOrMistypedExpiryIsRefused) {
  expect_refused(verify_hs(hs(R"({"sub":"alice","scope":"sync"})")), "expiry");
  expect_refused(verify_hs(hs(R"({"sub":"alice","exp":"tomorrow"})")));
  expect_refused(verify_hs(hs(R"({"sub":"alice","exp":null})")));
}

// ---- one verifier, many uses of a token ----

// A verifier remembers tokens it verified (a device sends the same one with every request):
// the times must still be checked on every use, and nothing a token failed may be remembered.
TEST_F(JwtTest, ARememberedTokenStillExpires) {
  VerifierOptions o;
  o.hs256_secret = kSecret;
  o.leeway_seconds = 0;
  const TokenVerifier verifier(o, clock_);
  const std::string token = hs(payload({}, kNow + 10));
  ASSERT_TRUE(verifier.verify(token).ok());
  ASSERT_TRUE(verifier.verify(token).ok());
  clock_.set(kNowMs + 10'000);
  expect_refused(verifier.verify(token), "expired");
  clock_.set(kNowMs);  // a clock that steps back: valid again, as it would be on first sight
  EXPECT_TRUE(verifier.verify(token).ok());
}

TEST_F(JwtTest, ATokenNotYetValidIsAcceptedOnceItIs) {
  VerifierOptions o;
  o.hs256_secret = kSecret;
  o.leeway_seconds = 0;
  const TokenVerifier verifier(o, clock_);
  const std::string token = hs(payload(R"(,"nbf":)" + std::to_string(kNow + 5)));
  expect_refused(verifier.verify(token), "not yet valid");
  clock_.set(kNowMs + 5'000);
  ASSERT_TRUE(verifier.verify(token).ok());
  clock_.set(kNowMs);
  expect_refused(verifier.verify(token), "not yet valid");
}

TEST_F(JwtTest, ARememberedTokenIsNotAcceptedWithAnotherSignatureOrByAnotherVerifier) {
  VerifierOptions o;
  o.hs256_secret = kSecret;
  const TokenVerifier verifier(o, clock_);
  const std::string token = hs(payload());
  ASSERT_TRUE(verifier.verify(token).ok());
  // A character in the middle of the signature (the last one also carries padding bits).
  std::string tampered = token;
  char& c = tampered[token.rfind('.') + 10];
  c = c == 'A' ? 'B' : 'A';
  expect_refused(verifier.verify(tampered), "signature");
  const std::string other_subject = hs(R"({"sub":"mallory","exp":)" + std::to_string(kNow + 60) + "}",
                                       "another-secret-another-secret-xx");
  expect_refused(verifier.verify(other_subject), "signature");
  VerifierOptions other;
  other.hs256_secret = "another-secret-another-secret-xx";
  expect_refused(TokenVerifier(other, clock_).verify(token), "signature");
  auto again = verifier.verify(token);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->subject, "alice");
  EXPECT_THAT(again->scopes, ElementsAre("sync", "bookmark"));
}

// ---- required and optional claims ----

TEST_F(JwtTest, MissingOrInvalidSubjectIsRefused) {
  const std::string exp = std::to_string(kNow + 3600);
  expect_refused(verify_hs(hs(R"({"scope":"sync","exp":)" + exp + "}")), "subject");
  expect_refused(verify_hs(hs(R"({"sub":"","exp":)" + exp + "}")), "subject");
  expect_refused(verify_hs(hs(R"({"sub":42,"exp":)" + exp + "}")), "subject");
  expect_refused(verify_hs(hs(R"({"sub":")" + std::string(256, 'x') + R"(","exp":)" + exp + "}")),
                 "subject");
}

// A subject names one account in the database; PostgreSQL text cannot hold NUL, and a store
// that cut "alice\u0000mallory" at the NUL would hand out alice's data. Control characters
// never belong in a subject, so they are refused before any store sees them.
TEST_F(JwtTest, SubjectWithControlCharactersIsRefused) {
  const std::string exp = std::to_string(kNow + 3600);
  for (const char* sub : {R"(alice\u0000mallory)", R"(\u0000)", R"(alice\n)", R"(a\tb)", R"(a\u001fb)",
                          R"(a\u007fb)"}) {
    SCOPED_TRACE(sub);
    expect_refused(verify_hs(hs(R"({"sub":")" + std::string(sub) + R"(","exp":)" + exp + "}")), "subject");
  }
  // Other characters (non-ASCII included) are fine.
  auto ok = verify_hs(hs(R"({"sub":"b\u00e9a|42","exp":)" + exp + "}"));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->subject, "b\xc3\xa9" "a|42");
}

TEST_F(JwtTest, IssuerIsEnforcedWhenConfigured) {
  VerifierOptions o;
  o.issuer = "https://auth.example";
  auto ok = verify_hs(hs(payload(R"(,"iss":"https://auth.example")")), o);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->issuer, "https://auth.example");
  expect_refused(verify_hs(hs(payload(R"(,"iss":"https://evil.example")")), o), "issuer");
  expect_refused(verify_hs(hs(payload()), o), "issuer");
  // Not configured: any issuer is fine.
  EXPECT_TRUE(verify_hs(hs(payload(R"(,"iss":"https://evil.example")"))).ok());
}

TEST_F(JwtTest, AudienceIsEnforcedWhenConfigured) {
  VerifierOptions o;
  o.audience = "synclog";
  EXPECT_TRUE(verify_hs(hs(payload(R"(,"aud":"synclog")")), o).ok());
  EXPECT_TRUE(verify_hs(hs(payload(R"(,"aud":["other","synclog"])")), o).ok());
  expect_refused(verify_hs(hs(payload(R"(,"aud":"other")")), o), "audience");
  expect_refused(verify_hs(hs(payload(R"(,"aud":["other"])")), o), "audience");
  expect_refused(verify_hs(hs(payload()), o), "audience");
  EXPECT_TRUE(verify_hs(hs(payload(R"(,"aud":"other")"))).ok());
}

TEST_F(JwtTest, ScopeMayBeAStringOrAnArray) {
  const std::string exp = std::to_string(kNow + 3600);
  auto s = verify_hs(hs(R"({"sub":"a","exp":)" + exp + R"(,"scope":"  sync   note.read "})"));
  ASSERT_TRUE(s.ok());
  EXPECT_THAT(s->scopes, ElementsAre("sync", "note.read"));
  auto a = verify_hs(hs(R"({"sub":"a","exp":)" + exp + R"(,"scope":["sync","bookmark"]})"));
  ASSERT_TRUE(a.ok());
  EXPECT_THAT(a->scopes, ElementsAre("sync", "bookmark"));
  auto scp = verify_hs(hs(R"({"sub":"a","exp":)" + exp + R"(,"scp":["sync"]})"));
  ASSERT_TRUE(scp.ok());
  EXPECT_THAT(scp->scopes, ElementsAre("sync"));
  auto none = verify_hs(hs(R"({"sub":"a","exp":)" + exp + "}"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->scopes.empty());
}

TEST_F(JwtTest, SignerWritesIssuerAndAudience) {
  Claims c;
  c.subject = "bob";
  c.expires_at = kNow + 60;
  c.issuer = "https://auth.example";
  c.audience = "synclog";
  auto t = TokenSigner::hs256(kSecret).sign(c, kNow);
  ASSERT_TRUE(t.ok());
  VerifierOptions o;
  o.issuer = "https://auth.example";
  o.audience = "synclog";
  auto r = verify_hs(*t, o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->subject, "bob");
  EXPECT_EQ(r->audience, "synclog");
}

// ---- RS256 / ES256 ----

TEST_F(JwtTest, Rs256RoundTripWithPemKeys) {
  const std::string t = signed_with(private_key(*rsa_a_), payload());
  auto r = verify_with(keys_only({public_key(*rsa_a_)}), t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->subject, "alice");
  expect_refused(verify_with(keys_only({public_key(*rsa_b_)}), t), "signature");
}

TEST_F(JwtTest, Es256RoundTripWithPemKeys) {
  const std::string t = signed_with(private_key(*ec_), payload());
  const auto sig = base64url_decode(t.substr(t.rfind('.') + 1));
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->size(), 64u);  // JWS raw r||s, not DER
  auto r = verify_with(keys_only({public_key(*ec_)}), t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->subject, "alice");
}

TEST_F(JwtTest, RoundTripsWithKeysFromAJwksDocument) {
  auto keys = load_jwks(test::jwks({test::rsa_jwk(*rsa_a_, "rsa-1", R"(,"use":"sig","alg":"RS256")"),
                                    test::ec_jwk(*ec_, "ec-1")}));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_TRUE(verify_with(keys_only(*keys), signed_with(private_key(*rsa_a_, "rsa-1"), payload())).ok());
  EXPECT_TRUE(verify_with(keys_only(*keys), signed_with(private_key(*ec_, "ec-1"), payload())).ok());
  EXPECT_TRUE(verify_with(keys_only(*keys), signed_with(private_key(*rsa_a_), payload())).ok());
  expect_refused(verify_with(keys_only(*keys), signed_with(private_key(*rsa_b_), payload())));
}

TEST_F(JwtTest, KidSelectsTheKey) {
  auto keys = load_jwks(test::jwks({test::rsa_jwk(*rsa_a_, "k1"), test::rsa_jwk(*rsa_b_, "k2")}));
  ASSERT_TRUE(keys.ok());
  const auto o = keys_only(*keys);
  EXPECT_TRUE(verify_with(o, signed_with(private_key(*rsa_a_, "k1"), payload())).ok());
  EXPECT_TRUE(verify_with(o, signed_with(private_key(*rsa_b_, "k2"), payload())).ok());
  // Signed by k1's key but naming k2: only k2 is tried.
  expect_refused(verify_with(o, signed_with(private_key(*rsa_a_, "k2"), payload())), "signature");
  expect_refused(verify_with(o, signed_with(private_key(*rsa_a_, "k9"), payload())), "signature");
}

TEST_F(JwtTest, KeyIsUsedOnlyWithItsOwnAlgorithm) {
  // An ES256 token against RSA keys only, and the reverse.
  expect_refused(verify_with(keys_only({public_key(*rsa_a_)}), signed_with(private_key(*ec_), payload())));
  expect_refused(verify_with(keys_only({public_key(*ec_)}), signed_with(private_key(*rsa_a_), payload())));
  // A header that claims RS256 over an ES256 signature.
  const std::string es = signed_with(private_key(*ec_), payload());
  const std::string relabelled = b64(R"({"alg":"RS256","typ":"JWT"})") + es.substr(es.find('.'));
  expect_refused(verify_with(keys_only({public_key(*rsa_a_), public_key(*ec_)}), relabelled));
}

TEST_F(JwtTest, AsymmetricTokensStillNeedValidClaims) {
  const auto o = keys_only({public_key(*rsa_a_)});
  expect_refused(verify_with(o, signed_with(private_key(*rsa_a_), payload({}, kNow - 3600))), "expired");
  expect_refused(verify_with(o, signed_with(private_key(*rsa_a_), R"({"exp":)" + std::to_string(kNow + 60) + "}")),
                 "subject");
}

}  // namespace
}  // namespace synclog::auth
