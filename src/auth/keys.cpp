// Key loading with OpenSSL 3's provider APIs.
#include "auth/keys.hpp"

#include <boost/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "common/base64url.hpp"

namespace synclog::auth {
namespace {

Error bad_key(std::string what) { return make_error(ErrorCode::kInvalidRequest, std::move(what)); }

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* k) { return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free); }

// Which algorithm a key supports, or an error for weak or unsupported keys.
Result<Algorithm> algorithm_for(EVP_PKEY* k) {
  if (EVP_PKEY_is_a(k, "RSA")) {
    if (EVP_PKEY_get_bits(k) < 2048) return bad_key("RSA keys must have at least 2048 bits");
    return Algorithm::kRS256;
  }
  if (EVP_PKEY_is_a(k, "EC")) {
    char group[64] = {0};
    std::size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1 ||
        std::string_view(group) != "prime256v1") {
      return bad_key("EC keys must be on curve P-256 (ES256)");
    }
    return Algorithm::kES256;
  }
  return bad_key("unsupported key type (use RSA for RS256 or EC P-256 for ES256)");
}

Result<Key> from_pem(std::string_view pem, std::string kid, bool is_private) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = is_private ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)
                           : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!k) return bad_key(is_private ? "not a PEM private key" : "not a PEM public key");
  auto key = own(k);
  SYNCLOG_ASSIGN_OR_RETURN(auto alg, algorithm_for(k));
  return Key{std::move(key), alg, std::move(kid)};
}

std::optional<std::string> member_b64(const boost::json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  if (!v || !v->is_string()) return std::nullopt;
  return base64url_decode(std::string_view(v->get_string()));
}

EVP_PKEY* build_key(const char* type, OSSL_PARAM_BLD* bld) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* k = nullptr;
  if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1) {
    if (EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1) k = nullptr;
  }
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return k;
}

EVP_PKEY* rsa_from_jwk(const boost::json::object& o) {
  auto n = member_b64(o, "n");
  auto e = member_b64(o, "e");
  if (!n || !e) return nullptr;
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()), static_cast<int>(n->size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()), static_cast<int>(e->size()), nullptr);
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  EVP_PKEY* k = nullptr;
  if (bn_n && bn_e && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) == 1) {
    k = build_key("RSA", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  BN_free(bn_n);
  BN_free(bn_e);
  return k;
}

EVP_PKEY* ec_from_jwk(const boost::json::object& o) {
  const auto* crv = o.if_contains("crv");
  if (!crv || !crv->is_string() || crv->get_string() != "P-256") return nullptr;
  auto x = member_b64(o, "x");
  auto y = member_b64(o, "y");
  if (!x || !y || x->size() != 32 || y->size() != 32) return nullptr;
  std::string point = "\x04" + *x + *y;
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  EVP_PKEY* k = nullptr;
  char group[] = "prime256v1";
  if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1) {
    k = build_key("EC", bld);
  }
  OSSL_PARAM_BLD_free(bld);
  return k;
}

}  // namespace

std::string_view algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::kHS256: return "HS256";
    case Algorithm::kRS256: return "RS256";
    case Algorithm::kES256: return "ES256";
  }
  return "";
}

Result<Key> load_public_key_pem(std::string_view pem, std::string kid) {
  return from_pem(pem, std::move(kid), false);
}

Result<Key> load_private_key_pem(std::string_view pem, std::string kid) {
  return from_pem(pem, std::move(kid), true);
}

Result<std::vector<Key>> load_jwks(std::string_view text) {
  boost::json::error_code ec;
  auto doc = boost::json::parse(text, ec);
  if (ec || !doc.is_object()) return bad_key("JWKS is not a JSON object");
  const auto* keys = doc.get_object().if_contains("keys");
  if (!keys || !keys->is_array()) return bad_key("JWKS has no \"keys\" array");
  std::vector<Key> out;
  for (const auto& v : keys->get_array()) {
    const auto* o = v.if_object();
    if (!o) continue;
    const auto* use = o->if_contains("use");
    if (use && (!use->is_string() || use->get_string() != "sig")) continue;
    const auto* kty = o->if_contains("kty");
    if (!kty || !kty->is_string()) continue;
    EVP_PKEY* k = nullptr;
    if (kty->get_string() == "RSA") k = rsa_from_jwk(*o);
    if (kty->get_string() == "EC") k = ec_from_jwk(*o);
    if (!k) continue;
    auto key = own(k);
    auto alg = algorithm_for(k);
    if (!alg.ok()) continue;
    // A JWK may pin its algorithm; honour it when it agrees with the key type.
    if (const auto* a = o->if_contains("alg"); a && a->is_string() && a->get_string() != algorithm_name(*alg)) {
      continue;
    }
    std::string kid;
    if (const auto* k_id = o->if_contains("kid"); k_id && k_id->is_string()) kid = k_id->get_string();
    out.push_back(Key{std::move(key), *alg, std::move(kid)});
  }
  if (out.empty()) return bad_key("JWKS has no usable RS256 or ES256 signing key");
  return out;
}

}  // namespace synclog::auth
