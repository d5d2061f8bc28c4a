// Asymmetric keys generated in-test with OpenSSL (EVP_PKEY_Q_keygen), exported as PEM and as
// JWK members, for exercising RS256/ES256 verification without key files.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base64url.hpp"

namespace synclog::test {

using PKey = std::shared_ptr<EVP_PKEY>;

inline PKey generate_rsa(std::size_t bits) {
  return PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits), EVP_PKEY_free);
}

// `curve`: "P-256", "P-384", ...
inline PKey generate_ec(const char* curve) {
  return PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), EVP_PKEY_free);
}

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

inline std::string private_pem(const PKey& k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, k.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio);
}

inline std::string public_pem(const PKey& k) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, k.get());
  return bio_text(bio);
}

// A BIGNUM parameter of the key, big-endian, left-padded to `pad` bytes when pad > 0.
inline std::string bn_param(const PKey& k, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(k.get(), name, &bn) != 1) return {};
  const int len = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(len), '\0');
  if (pad > 0) {
    BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), pad);
  } else {
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  }
  BN_free(bn);
  return out;
}

// One JWK object (as JSON text). `extra` is appended inside the object, e.g. R"(,"use":"enc")".
inline std::string rsa_jwk(const PKey& k, std::string_view kid, std::string_view extra = {}) {
  return R"({"kty":"RSA","kid":")" + std::string(kid) + R"(","n":")" +
         base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_N)) + R"(","e":")" +
         base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_E)) + "\"" + std::string(extra) +
         "}";
}

inline std::string ec_jwk(const PKey& k, std::string_view kid, std::string_view extra = {},
                          std::string_view crv = "P-256") {
  return R"({"kty":"EC","crv":")" + std::string(crv) + R"(","kid":")" + std::string(kid) +
         R"(","x":")" + base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, 32)) +
         R"(","y":")" + base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"" +
         std::string(extra) + "}";
}

inline std::string jwks(const std::vector<std::string>& jwk_objects) {
  std::string s = R"({"keys":[)";
  for (std::size_t i = 0; i < jwk_objects.size(); ++i) s += (i ? "," : "") + jwk_objects[i];
  return s + "]}";
}

}  // namespace synclog::test
