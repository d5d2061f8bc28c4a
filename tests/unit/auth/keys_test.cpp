// Loading verification and signing keys: PEM public and private keys, JWKS documents, and the
// refusal of weak or unsupported keys (RSA under 2048 bits, EC curves other than P-256).
#include "auth/keys.hpp"

#include <gtest/gtest.h>

#include "../support/test_keys.hpp"

namespace synclog::auth {
namespace {

class KeysTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa2048_ = new test::PKey(test::generate_rsa(2048));
    rsa1024_ = new test::PKey(test::generate_rsa(1024));
    p256_ = new test::PKey(test::generate_ec("P-256"));
    p384_ = new test::PKey(test::generate_ec("P-384"));
  }
  static void TearDownTestSuite() {
    delete rsa2048_;
    delete rsa1024_;
    delete p256_;
    delete p384_;
  }
  static test::PKey* rsa2048_;
  static test::PKey* rsa1024_;
  static test::PKey* p256_;
  static test::PKey* p384_;
};

test::PKey* KeysTest::rsa2048_ = nullptr;
test::PKey* KeysTest::rsa1024_ = nullptr;
test::PKey* KeysTest::p256_ = nullptr;
test::PKey* KeysTest::p384_ = nullptr;

TEST_F(KeysTest, AlgorithmNames) {
  EXPECT_EQ(algorithm_name(Algorithm::kHS256), "HS256");
  EXPECT_EQ(algorithm_name(Algorithm::kRS256), "RS256");
  EXPECT_EQ(algorithm_name(Algorithm::kES256), "ES256");
}

TEST_F(KeysTest, PemKeysGetTheirAlgorithmAndKid) {
  auto rsa = load_public_key_pem(test::public_pem(*rsa2048_), "r1");
  ASSERT_TRUE(rsa.ok()) << rsa.error().message;
  EXPECT_EQ(rsa->alg, Algorithm::kRS256);
  EXPECT_EQ(rsa->kid, "r1");
  auto ec = load_private_key_pem(test::private_pem(*p256_));
  ASSERT_TRUE(ec.ok()) << ec.error().message;
  EXPECT_EQ(ec->alg, Algorithm::kES256);
  EXPECT_TRUE(ec->kid.empty());
}

TEST_F(KeysTest, RsaUnder2048BitsIsRejected) {
  EXPECT_FALSE(load_public_key_pem(test::public_pem(*rsa1024_)).ok());
  EXPECT_FALSE(load_private_key_pem(test::private_pem(*rsa1024_)).ok());
  EXPECT_FALSE(load_jwks(test::jwks({test::rsa_jwk(*rsa1024_, "weak")})).ok());
  auto mixed = load_jwks(test::jwks({test::rsa_jwk(*rsa1024_, "weak"), test::rsa_jwk(*rsa2048_, "ok")}));
  ASSERT_TRUE(mixed.ok());
  ASSERT_EQ(mixed->size(), 1u);
  EXPECT_EQ(mixed->front().kid, "ok");
}

TEST_F(KeysTest, EcCurvesOtherThanP256AreRejected) {
  EXPECT_FALSE(load_public_key_pem(test::public_pem(*p384_)).ok());
  EXPECT_FALSE(load_private_key_pem(test::private_pem(*p384_)).ok());
  EXPECT_FALSE(load_jwks(test::jwks({test::ec_jwk(*p256_, "k", "", "P-384")})).ok());
}

TEST_F(KeysTest, PublicAndPrivatePemAreNotInterchangeable) {
  EXPECT_FALSE(load_public_key_pem(test::private_pem(*rsa2048_)).ok());
  EXPECT_FALSE(load_private_key_pem(test::public_pem(*rsa2048_)).ok());
  EXPECT_FALSE(load_public_key_pem("not a pem").ok());
  EXPECT_FALSE(load_public_key_pem("").ok());
}

TEST_F(KeysTest, JwksSkipsKeysNotForSigningOrPinnedToAnotherAlgorithm) {
  auto keys = load_jwks(test::jwks({test::rsa_jwk(*rsa2048_, "enc", R"(,"use":"enc")"),
                                    test::rsa_jwk(*rsa2048_, "pinned-es", R"(,"alg":"ES256")"),
                                    test::ec_jwk(*p256_, "good", R"(,"use":"sig","alg":"ES256")"),
                                    R"({"kty":"oct","k":"c2VjcmV0"})", R"("not an object")",
                                    R"({"kty":"RSA","n":"!!","e":"AQAB"})"}));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().kid, "good");
  EXPECT_EQ(keys->front().alg, Algorithm::kES256);
}

TEST_F(KeysTest, MalformedJwksIsAnError) {
  EXPECT_FALSE(load_jwks("").ok());
  EXPECT_FALSE(load_jwks("[]").ok());
  EXPECT_FALSE(load_jwks("{}").ok());
  EXPECT_FALSE(load_jwks(R"({"keys":{}})").ok());
  EXPECT_FALSE(load_jwks(R"({"keys":[]})").ok());
}

}  // namespace
}  // namespace synclog::auth
