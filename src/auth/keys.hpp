// Keys for verifying and signing access tokens: public keys from PEM files or a JWKS document
// (RS256: RSA >= 2048 bits; ES256: EC P-256), and private keys from PEM for signing.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace synclog::auth {

enum class Algorithm { kHS256, kRS256, kES256 };
std::string_view algorithm_name(Algorithm a);

// An asymmetric key and the one algorithm it may be used with.
struct Key {
  std::shared_ptr<EVP_PKEY> pkey;
  Algorithm alg = Algorithm::kRS256;
  std::string kid;  // may be empty
};

// A PEM public key (SubjectPublicKeyInfo). `kid` is attached as given.
Result<Key> load_public_key_pem(std::string_view pem, std::string kid = {});
// A PEM private key, for signing (tests, `synclog token --private-key`).
Result<Key> load_private_key_pem(std::string_view pem, std::string kid = {});
// Every usable key of a JWKS document ({"keys":[...]}); keys with `use` other than "sig" or an
// unsupported kty/crv are skipped. Fails if none is usable.
Result<std::vector<Key>> load_jwks(std::string_view json);

}  // namespace synclog::auth
