// Authentication and authorisation against the real binary (SPEC section 2 "Auth", contract
// A14/A15): which tokens are refused with 401 and in which envelope, which key sources the
// server trusts (local HS256, --jwks RS256/ES256, --public-key), issuer and audience
// checks, scopes (403 on push, silent filtering on pull, child scopes), the x-client-id
// header, and that one user's token never reaches another user's data.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "common/base64url.hpp"
#include "auth/jwt.hpp"
#include "auth/keys.hpp"
#include "auth/secret_file.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"

namespace synclog::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

constexpr const char* kAllScopes = "sync bookmark collection note reading_session";

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

auth::Claims claims_for(const std::string& user, const std::string& scopes = kAllScopes,
                        std::int64_t ttl_seconds = 3600) {
  auth::Claims c;
  c.subject = user;
  std::istringstream in(scopes);
  for (std::string s; in >> s;) c.scopes.push_back(s);
  c.expires_at = now_seconds() + ttl_seconds;
  return c;
}

std::string sign(const auth::TokenSigner& signer, const auth::Claims& claims) {
  auto t = signer.sign(claims, now_seconds());
  EXPECT_TRUE(t.ok());
  return t.ok() ? *t : std::string();
}

std::string sign_payload(const auth::TokenSigner& signer, const std::string& payload) {
  auto t = signer.sign_payload(payload);
  EXPECT_TRUE(t.ok());
  return t.ok() ? *t : std::string();
}

// A signer with the server's own HS256 secret (what `synclog token` uses).
auth::TokenSigner local_signer(const ServerProcess& server) {
  auto secret = auth::load_or_create_secret(server.data_dir());
  EXPECT_TRUE(secret.ok());
  return auth::TokenSigner::hs256(secret.ok() ? *secret : std::string("x"));
}

Headers with_token(const std::string& token, const std::string& client = "test-device") {
  return Headers{{"x-auth-token", token}, {"x-client-id", client}};
}

// 401 in the generic envelope, exactly {"message","type":"unauthorized","success":false}.
void expect_unauthorized(const Response& r, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(r.status, 401) << r.body;
  const auto body = r.json().as_object();
  EXPECT_EQ(body.size(), 3u) << r.body;
  ASSERT_TRUE(body.contains("message"));
  EXPECT_FALSE(body.at("message").as_string().empty());
  EXPECT_EQ(body.at("type").as_string(), "unauthorized");
  EXPECT_EQ(body.at("success").as_bool(), false);
}

void expect_forbidden(const Response& r) {
  ASSERT_EQ(r.status, 403) << r.body;
  const auto body = r.json().as_object();
  EXPECT_EQ(body.size(), 3u) << r.body;
  EXPECT_EQ(body.at("type").as_string(), "forbidden");
  EXPECT_EQ(body.at("success").as_bool(), false);
  EXPECT_FALSE(body.at("message").as_string().empty());
}

std::int64_t head_of(const Response& r) {
  return r.json().at("data").at("lastMutationAt").to_number<std::int64_t>();
}

const json::array& mutations_of(const json::value& body) {
  return body.at("data").at("mutations").as_array();
}

constexpr const char* kBookmark =
    R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"type":"ayah","verseNumber":255}}])";

// ---------------------------------------------------------------------------------------------
// Keys generated in the test, written as PEM and JWKS files.

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::string bn_bytes(const BIGNUM* bn, int pad_to = 0) {
  const int n = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(n), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n);
  return out;
}

struct TestKey {
  std::string private_pem;
  std::string public_pem;
  std::string jwk;  // one JWKS entry
  std::string kid;

  auth::TokenSigner signer() const {
    auto key = auth::load_private_key_pem(private_pem, kid);
    EXPECT_TRUE(key.ok());
    return auth::TokenSigner::with_key(std::move(*key));
  }
};

// An RSA-2048 (RS256) or P-256 (ES256) key pair.
TestKey generate_key(bool rsa, const std::string& kid) {
  EVP_PKEY* pkey = rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  TestKey k;
  k.kid = kid;
  if (!pkey) {
    ADD_FAILURE() << "key generation failed";
    return k;
  }
  BIO* priv = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  k.private_pem = bio_text(priv);
  BIO_free(priv);
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, pkey);
  k.public_pem = bio_text(pub);
  BIO_free(pub);

  json::object jwk;
  jwk["kid"] = kid;
  jwk["use"] = "sig";
  if (rsa) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e);
    jwk["kty"] = "RSA";
    jwk["alg"] = "RS256";
    jwk["n"] = base64url_encode(bn_bytes(n));
    jwk["e"] = base64url_encode(bn_bytes(e));
    BN_free(n);
    BN_free(e);
  } else {
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    jwk["kty"] = "EC";
    jwk["crv"] = "P-256";
    jwk["alg"] = "ES256";
    jwk["x"] = base64url_encode(bn_bytes(x, 32));
    jwk["y"] = base64url_encode(bn_bytes(y, 32));
    BN_free(x);
    BN_free(y);
  }
  k.jwk = json::serialize(jwk);
  EVP_PKEY_free(pkey);
  return k;
}

// A temporary directory for key files, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("synclog-auth-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// ---------------------------------------------------------------------------------------------
// Refused tokens.

class AuthTest : public ::testing::Test {
 protected:
  ServerProcess server_;
};

TEST_F(AuthTest, MissingTokenIs401InTheGenericEnvelope) {
  auto c = server_.client();
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", {{"x-client-id", "test-device"}}),
                      "no header");
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token("")), "empty x-auth-token");
  expect_unauthorized(
      c.get("/v1/sync?mutationsSince=0", {{"Authorization", "Bearer "}}), "empty bearer");
  expect_unauthorized(
      c.post("/v1/sync?lastMutationAt=1", std::string("{\"mutations\":") + kBookmark + "}",
             {{"x-client-id", "test-device"}}),
      "push without a token");
}

TEST(AuthFailureLimitTest, RepeatedFailedAuthenticationFromOneAddressIsThrottled) {
  ServerProcess server({"--auth-failure-rate", "0.2", "--auth-failure-burst", "5"});
  auto c = server.client();
  for (int i = 0; i < 5; ++i) {
    expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token("bad.token.here")), "within burst");
  }
  auto r = c.get("/v1/sync?mutationsSince=0", with_token("bad.token.here"));
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_GE(std::stoi(r.header("retry-after")), 1);
  EXPECT_EQ(r.json().at("type").as_string(), "rate_limit_exceeded");
  // Valid tokens from the same address are not held back by others' failures.
  SyncApi alice(server, "alice");
  EXPECT_GT(alice.head(), 0);
}

TEST_F(AuthTest, MalformedTokensAre401) {
  auto c = server_.client();
  const std::string valid = server_.token("alice");
  const std::vector<std::string> malformed = {
      "abc",
      "a.b",
      "a.b.c.d",
      "!!!.???.***",
      valid.substr(0, valid.rfind('.')),                // no signature part
      base64url_encode("not json") + ".e30.sig",  // header is not JSON
      valid + "." + "extra",
      std::string(9000, 'a'),  // longer than any token the server accepts
  };
  for (const auto& token : malformed) {
    expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(token)), token.substr(0, 40));
  }
}

TEST_F(AuthTest, ExpiredTokenIs401AndChangesNothing) {
  SyncApi alice(server_, "alice");
  const auto head = alice.head();
  const std::string expired = server_.token("alice", "", -3600);
  auto c = server_.client();
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(expired)), "pull");
  expect_unauthorized(
      c.post("/v1/sync?lastMutationAt=" + std::to_string(head),
             std::string("{\"mutations\":") + kBookmark + "}", with_token(expired)),
      "push");
  EXPECT_EQ(alice.head(), head);
  EXPECT_TRUE(mutations_of(alice.pull(0).json()).empty());
}

TEST_F(AuthTest, TokenWithoutExpiryOrSubjectIs401) {
  auto c = server_.client();
  const auto signer = local_signer(server_);
  const auto exp = std::to_string(now_seconds() + 3600);
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0",
                            with_token(sign_payload(signer, R"({"sub":"alice","scope":"sync"})"))),
                      "no exp");
  expect_unauthorized(
      c.get("/v1/sync?mutationsSince=0",
            with_token(sign_payload(signer, R"({"scope":"sync bookmark","exp":)" + exp + "}"))),
      "no sub");
  expect_unauthorized(
      c.get("/v1/sync?mutationsSince=0",
            with_token(sign_payload(signer, R"({"sub":"","scope":"sync","exp":)" + exp + "}"))),
      "empty sub");
  expect_unauthorized(
      c.get("/v1/sync?mutationsSince=0",
            with_token(sign_payload(signer, R"({"sub":"alice","scope":"sync","exp":"soon"})"))),
      "exp not a number");
}

TEST_F(AuthTest, NotYetValidTokenIs401) {
  auto c = server_.client();
  const auto signer = local_signer(server_);
  const auto later = now_seconds() + 3600;
  expect_unauthorized(
      c.get("/v1/sync?mutationsSince=0",
            with_token(sign_payload(signer, R"({"sub":"alice","scope":"sync","exp":)" +
                                                std::to_string(later + 3600) + R"(,"nbf":)" +
                                                std::to_string(later) + "}"))),
      "nbf in an hour");
}

TEST_F(AuthTest, BadSignatureIs401) {
  auto c = server_.client();
  // Signed with another secret.
  const auto other = auth::TokenSigner::hs256(std::string(64, 'f'));
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(sign(other, claims_for("alice")))),
                      "foreign secret");
  // Alice's valid signature on a payload rewritten to say "bob".
  const std::string alice = server_.token("alice");
  const auto dot1 = alice.find('.');
  const auto dot2 = alice.find('.', dot1 + 1);
  const std::string bob_payload = base64url_encode(
      R"({"sub":"bob","scope":"sync bookmark collection note reading_session","exp":)" +
      std::to_string(now_seconds() + 3600) + "}");
  const std::string forged = alice.substr(0, dot1 + 1) + bob_payload + alice.substr(dot2);
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(forged)), "payload swapped");
  // A truncated signature.
  const std::string truncated = alice.substr(0, alice.size() - 4);
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(truncated)), "truncated");
}

TEST_F(AuthTest, AlgNoneIsRefused) {
  auto c = server_.client();
  const std::string payload = base64url_encode(
      R"({"sub":"alice","scope":"sync bookmark","exp":)" + std::to_string(now_seconds() + 3600) + "}");
  for (const std::string header : {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})",
                                   R"({"alg":"NONE","typ":"JWT"})", R"({"typ":"JWT"})"}) {
    const std::string unsigned_token = base64url_encode(header) + "." + payload + ".";
    expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(unsigned_token)), header);
  }
  // "none" in the header with a genuine HS256 signature attached still does not pass.
  const std::string valid = server_.token("alice");
  const auto dot1 = valid.find('.');
  const std::string relabelled =
      base64url_encode(R"({"alg":"none","typ":"JWT"})") + valid.substr(dot1);
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(relabelled)), "relabelled");
}

TEST_F(AuthTest, AsymmetricAlgorithmsAreRefusedWhenNoKeysAreConfigured) {
  // The classic confusion: an RS256 header over an HMAC with the local secret.
  auto c = server_.client();
  const std::string valid = server_.token("alice");
  const auto dot1 = valid.find('.');
  const std::string relabelled =
      base64url_encode(R"({"alg":"RS256","typ":"JWT"})") + valid.substr(dot1);
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(relabelled)), "RS256 header");
}

TEST_F(AuthTest, AuthorizationBearerHeaderIsAccepted) {
  auto c = server_.client();
  const std::string token = server_.token("alice");
  for (const std::string scheme : {"Bearer ", "bearer "}) {
    auto r = c.get("/v1/sync?mutationsSince=0",
                   {{"Authorization", scheme + token}, {"x-client-id", "test-device"}});
    EXPECT_EQ(r.status, 200) << scheme << r.body;
  }
  // A push through the bearer header lands on the token's user.
  SyncApi alice(server_, "alice");
  const auto head = alice.head();
  auto r = c.post("/v1/sync?lastMutationAt=" + std::to_string(head),
                  std::string("{\"mutations\":") + kBookmark + "}",
                  {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(mutations_of(alice.pull(head).json()).size(), 1u);
  // Another scheme is no token at all.
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", {{"Authorization", "Basic " + token}}),
                      "Basic scheme");
}

// ---------------------------------------------------------------------------------------------
// Keys from --jwks and --public-key.

class AuthKeysTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestKey(generate_key(/*rsa=*/true, "rsa-1"));
    ec_ = new TestKey(generate_key(/*rsa=*/false, "ec-1"));
    stranger_ = new TestKey(generate_key(/*rsa=*/true, "rsa-1"));  // same kid, other key
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
    delete stranger_;
  }
  std::string jwks_file() const {
    return dir_.write("jwks.json", R"({"keys":[)" + rsa_->jwk + "," + ec_->jwk + "]}");
  }

  static inline TestKey* rsa_ = nullptr;
  static inline TestKey* ec_ = nullptr;
  static inline TestKey* stranger_ = nullptr;
  TempDir dir_;
};

TEST_F(AuthKeysTest, Rs256AndEs256TokensFromAJwksAreAccepted) {
  ServerProcess server({"--jwks", jwks_file()});
  auto c = server.client();
  for (const TestKey* key : {rsa_, ec_}) {
    const std::string token = sign(key->signer(), claims_for("alice"));
    auto r = c.get("/v1/sync?mutationsSince=0", with_token(token));
    EXPECT_EQ(r.status, 200) << key->kid << ": " << r.body;
    auto bearer = c.get("/v1/sync?mutationsSince=0", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(bearer.status, 200) << key->kid << ": " << bearer.body;
  }
  // A push with the RS256 token works end to end.
  const Headers h = with_token(sign(rsa_->signer(), claims_for("alice")));
  const auto head = head_of(c.get("/v1/sync?mutationsSince=0&metadataOnly=true", h));
  auto pushed = c.post("/v1/sync?lastMutationAt=" + std::to_string(head),
                       std::string("{\"mutations\":") + kBookmark + "}", h);
  EXPECT_EQ(pushed.status, 200) << pushed.body;
}

TEST_F(AuthKeysTest, TokenSignedByAnUnknownKeyIs401) {
  ServerProcess server({"--jwks", jwks_file()});
  auto c = server.client();
  expect_unauthorized(
      c.get("/v1/sync?mutationsSince=0", with_token(sign(stranger_->signer(), claims_for("alice")))),
      "unknown RSA key with a known kid");
}

TEST_F(AuthKeysTest, Es256TokenIsAcceptedWithAPublicKeyFile) {
  ServerProcess server({"--public-key", dir_.write("ec.pem", ec_->public_pem)});
  auto c = server.client();
  auto r = c.get("/v1/sync?mutationsSince=0", with_token(sign(ec_->signer(), claims_for("alice"))));
  EXPECT_EQ(r.status, 200) << r.body;
  // The RSA key was not given: its tokens are refused.
  expect_unauthorized(
      c.get("/v1/sync?mutationsSince=0", with_token(sign(rsa_->signer(), claims_for("alice")))),
      "RS256 without an RSA key");
}

TEST_F(AuthKeysTest, LocalHs256TokensAreRefusedWithNoLocalTokens) {
  ServerProcess server({"--no-local-tokens", "--jwks", jwks_file()});
  auto c = server.client();
  // server.token() signs with the data directory's secret, which this server ignores.
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(server.token("alice"))),
                      "local HS256");
  EXPECT_EQ(c.get("/v1/sync?mutationsSince=0", with_token(sign(rsa_->signer(), claims_for("alice"))))
                .status,
            200);
}

TEST_F(AuthKeysTest, IssuerAndAudienceAreEnforced) {
  ServerProcess server({"--issuer", "https://auth.example.test", "--audience", "synclog-api"});
  auto c = server.client();
  const auto signer = local_signer(server);
  const auto exp = std::to_string(now_seconds() + 3600);
  auto token = [&](const std::string& extra) {
    return sign_payload(signer, R"({"sub":"alice","scope":"sync bookmark","exp":)" + exp + extra + "}");
  };
  auto status = [&](const std::string& t) { return c.get("/v1/sync?mutationsSince=0", with_token(t)).status; };
  EXPECT_EQ(status(token(R"(,"iss":"https://auth.example.test","aud":"synclog-api")")), 200);
  EXPECT_EQ(status(token(R"(,"iss":"https://auth.example.test","aud":["other","synclog-api"])")), 200);
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0", with_token(token(R"(,"aud":"synclog-api")"))),
                      "no iss");
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0",
                            with_token(token(R"(,"iss":"https://evil.example","aud":"synclog-api")"))),
                      "wrong iss");
  expect_unauthorized(
      c.get("/v1/sync?mutationsSince=0", with_token(token(R"(,"iss":"https://auth.example.test")"))),
      "no aud");
  expect_unauthorized(c.get("/v1/sync?mutationsSince=0",
                            with_token(token(R"(,"iss":"https://auth.example.test","aud":"other")"))),
                      "wrong aud");
}

// ---------------------------------------------------------------------------------------------
// Scopes.

class SyncScopesTest : public ::testing::Test {
 protected:
  // Alice's data: one resource of each kind (full scopes). Returns the head after it.
  std::int64_t seed() {
    SyncApi full(server_, "alice");
    auto data = full.push_ok(R"([
      {"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"type":"ayah","verseNumber":255}},
      {"resource":"COLLECTION","type":"CREATE","resourceId":"col-1","data":{"name":"Mine"}},
      {"resource":"NOTE","type":"CREATE","resourceId":"note-1","data":{"body":"A note body","ranges":["2:255-2:257"]}},
      {"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":2,"verseNumber":255}}])");
    return data.at("lastMutationAt").to_number<std::int64_t>();
  }
  std::vector<std::string> pulled_resources(SyncApi& api, const std::string& extra = "") {
    auto r = api.pull(0, extra);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    if (r.status != 200) return out;
    const auto body = r.json();
    for (const auto& m : mutations_of(body)) out.emplace_back(m.at("resource").as_string());
    return out;
  }
  ServerProcess server_;
};

TEST_F(SyncScopesTest, TokenWithoutSyncScopeIs403) {
  const auto head = seed();
  SyncApi no_sync(server_, "alice", "test-device", "bookmark collection note reading_session");
  expect_forbidden(no_sync.pull(0));
  expect_forbidden(no_sync.client().get("/v1/sync?mutationsSince=0&metadataOnly=true", no_sync.headers()));
  expect_forbidden(no_sync.push(head, kBookmark));
  SyncApi full(server_, "alice");
  EXPECT_EQ(full.head(), head);
}

TEST_F(SyncScopesTest, PullSilentlyDropsResourcesTheTokenCannotRead) {
  const auto head = seed();
  SyncApi bookmarks_only(server_, "alice", "test-device", "sync bookmark");
  auto r = bookmarks_only.pull(0);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = r.json();
  const auto& ms = mutations_of(body);
  ASSERT_EQ(ms.size(), 1u) << r.body;
  EXPECT_EQ(ms[0].at("resource").as_string(), "BOOKMARK");
  EXPECT_EQ(body.at("data").at("total").to_number<std::int64_t>(), 1);
  // The head is still the user's full head, so a later push at it can succeed.
  EXPECT_EQ(head_of(r), head);
  EXPECT_EQ(r.header("x-mutation-at"), std::to_string(head));
  EXPECT_EQ(bookmarks_only.head(), head);
  // Asking for a resource the token cannot read is not an error: it is just empty.
  auto notes = bookmarks_only.pull(0, "&resources=NOTE");
  ASSERT_EQ(notes.status, 200) << notes.body;
  EXPECT_TRUE(mutations_of(notes.json()).empty());
  EXPECT_EQ(head_of(notes), head);
  // Paged pulls filter the same way.
  EXPECT_EQ(pulled_resources(bookmarks_only, "&page=1&limit=10"), std::vector<std::string>{"BOOKMARK"});
}

TEST_F(SyncScopesTest, ReadChildScopesSelectWhatAPullReturns) {
  seed();
  SyncApi notes_read(server_, "alice", "test-device", "sync note.read reading_session.read");
  EXPECT_EQ(pulled_resources(notes_read), (std::vector<std::string>{"NOTE", "READING_SESSION"}));
  SyncApi collections(server_, "alice", "test-device", "sync collection");
  EXPECT_EQ(pulled_resources(collections), std::vector<std::string>{"COLLECTION"});
  SyncApi nothing(server_, "alice", "test-device", "sync");
  EXPECT_TRUE(pulled_resources(nothing).empty());
  // A create-only scope does not grant reading.
  SyncApi create_only(server_, "alice", "test-device", "sync note.create");
  EXPECT_TRUE(pulled_resources(create_only).empty());
}

TEST_F(SyncScopesTest, PushOfAResourceWithoutScopeIs403AndAppliesNothing) {
  const auto head = seed();
  SyncApi bookmarks_only(server_, "alice", "test-device", "sync bookmark");
  SyncApi full(server_, "alice");
  const std::string before = full.pull(0).body;
  // A whole batch is refused even when only its second item lacks scope.
  auto r = bookmarks_only.push(head, R"([
    {"resource":"BOOKMARK","type":"CREATE","data":{"key":3,"type":"ayah","verseNumber":1}},
    {"resource":"NOTE","type":"CREATE","data":{"body":"Sneaky note","ranges":["3:1-3:2"]}}])");
  expect_forbidden(r);
  EXPECT_NE(std::string(r.json().at("message").as_string()).find("mutation[1]"), std::string::npos)
      << r.body;
  for (const char* m : {
           R"([{"resource":"COLLECTION","type":"CREATE","data":{"name":"X"}}])",
           R"([{"resource":"NOTE","type":"DELETE","resourceId":"note-1"}])",
           R"([{"resource":"READING_SESSION","type":"CREATE","data":{"chapterNumber":1,"verseNumber":1}}])",
           R"([{"resource":"COLLECTION_BOOKMARK","type":"CREATE","data":{"collectionId":"col-1","key":2,"type":"ayah","verseNumber":255}}])"}) {
    SCOPED_TRACE(m);
    expect_forbidden(bookmarks_only.push(head, m));
  }
  EXPECT_EQ(full.head(), head);
  EXPECT_EQ(full.pull(0).body, before);
}

TEST_F(SyncScopesTest, ChildScopesAllowExactlyTheirAction) {
  auto head = seed();
  SyncApi creator(server_, "alice", "creator", "sync note.create");
  SyncApi updater(server_, "alice", "updater", "sync note.update");
  SyncApi deleter(server_, "alice", "deleter", "sync note.delete");

  auto created = creator.push(head, R"([{"resource":"NOTE","type":"CREATE","resourceId":"note-2","data":{"body":"Created with note.create","ranges":["1:1-1:7"]}}])");
  ASSERT_EQ(created.status, 200) << created.body;
  head = head_of(created);
  const std::string update =
      R"([{"resource":"NOTE","type":"UPDATE","resourceId":"note-2","data":{"body":"Updated body"}}])";
  const std::string remove = R"([{"resource":"NOTE","type":"DELETE","resourceId":"note-2"}])";
  expect_forbidden(creator.push(head, update));
  expect_forbidden(creator.push(head, remove));
  expect_forbidden(deleter.push(head, update));

  auto updated = updater.push(head, update);
  ASSERT_EQ(updated.status, 200) << updated.body;
  head = head_of(updated);
  expect_forbidden(updater.push(head, remove));

  auto deleted = deleter.push(head, remove);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
}

TEST_F(SyncScopesTest, BookmarkCreateScopeAllowsBookmarkUpdate) {
  auto head = seed();
  SyncApi full(server_, "alice");
  const auto body = full.pull(0, "&resources=BOOKMARK").json();
  const std::string id(mutations_of(body).at(0).at("resourceId").as_string());
  SyncApi creator(server_, "alice", "creator", "sync bookmark.create");
  auto r = creator.push(head, R"([{"resource":"BOOKMARK","type":"UPDATE","resourceId":")" + id +
                                  R"(","data":{"isReading":true}}])");
  ASSERT_EQ(r.status, 200) << r.body;
  expect_forbidden(creator.push(head_of(r), R"([{"resource":"BOOKMARK","type":"DELETE","resourceId":")" + id + R"("}])"));
}

// ---------------------------------------------------------------------------------------------
// x-client-id.

class ClientIdTest : public ::testing::Test {
 protected:
  ServerProcess server_;
};

TEST_F(ClientIdTest, ClientIdIsRecordedAsTheNoteSourceAndInTheAccessLog) {
  SyncApi phone(server_, "alice", "quran-android-7");
  const auto head = phone.head();
  auto r = phone.push(head, R"([{"resource":"NOTE","type":"CREATE","data":{"body":"From my phone","ranges":["1:1-1:2"]}}])");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string request_id = r.header("x-request-id");

  SyncApi tablet(server_, "alice", "ipad-2");
  const auto body = tablet.pull(0).json();
  ASSERT_EQ(mutations_of(body).size(), 1u);
  EXPECT_EQ(mutations_of(body)[0].at("data").at("source").as_string(), "quran-android-7");

  bool found = false;
  std::istringstream log(server_.access_log());
  for (std::string line; std::getline(log, line);) {
    json::error_code ec;
    auto v = json::parse(line, ec);
    if (ec || !v.is_object() || !v.as_object().contains("request_id")) continue;
    if (v.at("request_id").as_string() != request_id) continue;
    found = true;
    EXPECT_EQ(v.at("client").as_string(), "quran-android-7") << line;
    EXPECT_EQ(v.at("user").as_string(), "alice") << line;
  }
  EXPECT_TRUE(found) << "no access log line for request " << request_id;
}

TEST_F(ClientIdTest, InvalidClientIdIs400AndChangesNothing) {
  SyncApi alice(server_, "alice");
  const auto head = alice.head();
  const std::string token = server_.token("alice");
  auto c = server_.client();
  const std::string push_body = std::string("{\"mutations\":") + kBookmark + "}";
  for (const std::string& bad : {std::string(200, 'x'), std::string(129, 'y'),
                                std::string("device-\xc3\xa9"), std::string("tab\tseparated")}) {
    SCOPED_TRACE(bad.substr(0, 20));
    for (auto r : {c.get("/v1/sync?mutationsSince=0", with_token(token, bad)),
                   c.post("/v1/sync?lastMutationAt=" + std::to_string(head), push_body,
                          with_token(token, bad))}) {
      ASSERT_EQ(r.status, 400) << r.body;
      const auto body = r.json().as_object();
      EXPECT_EQ(body.at("type").as_string(), "invalid_request");
      EXPECT_EQ(body.at("success").as_bool(), false);
    }
  }
  // 128 characters is still fine.
  EXPECT_EQ(c.get("/v1/sync?mutationsSince=0", with_token(token, std::string(128, 'z'))).status, 200);
  EXPECT_EQ(alice.head(), head);
  EXPECT_TRUE(mutations_of(alice.pull(0).json()).empty());
}

// ---------------------------------------------------------------------------------------------
// Users are isolated.

class UserIsolationTest : public ::testing::Test {
 protected:
  ServerProcess server_;
};

TEST_F(UserIsolationTest, OneUsersTokenNeverReadsOrWritesAnotherUsersData) {
  SyncApi alice(server_, "alice");
  auto created = alice.push_ok(R"([
    {"resource":"COLLECTION","type":"CREATE","resourceId":"shared-id","data":{"name":"Alice's"}},
    {"resource":"NOTE","type":"CREATE","data":{"body":"Alice's private note","ranges":["1:1-1:2"]}}])");
  const std::string note_id(created.at("mutations").at(1).at("resourceId").as_string());
  const auto alice_head = alice.head();
  const std::string alice_before = alice.pull(0).body;

  SyncApi bob(server_, "bob");
  EXPECT_TRUE(mutations_of(bob.pull(0).json()).empty());
  EXPECT_TRUE(mutations_of(bob.pull(0, "&page=1&limit=1000").json()).empty());

  // Bob cannot update Alice's note: for him it does not exist.
  auto update = bob.push(bob.head(), R"([{"resource":"NOTE","type":"UPDATE","resourceId":")" +
                                         note_id + R"(","data":{"body":"Bob was here"}}])");
  EXPECT_EQ(update.status, 404) << update.body;
  // Deleting it is a no-op on Bob's own (empty) data.
  auto del = bob.push(bob.head(), R"([{"resource":"NOTE","type":"DELETE","resourceId":")" + note_id + R"("}])");
  EXPECT_EQ(del.status, 200) << del.body;
  // The same client-chosen id names Bob's own collection.
  auto mine = bob.push(bob.head(), R"([{"resource":"COLLECTION","type":"CREATE","resourceId":"shared-id","data":{"name":"Bob's"}}])");
  ASSERT_EQ(mine.status, 200) << mine.body;
  // Alice's head does not gate Bob's pushes and Bob's writes do not move Alice's head.
  EXPECT_EQ(alice.head(), alice_head);
  EXPECT_EQ(alice.pull(0).body, alice_before);

  const auto bob_body = bob.pull(0, "&resources=COLLECTION").json();
  ASSERT_EQ(mutations_of(bob_body).size(), 1u);
  EXPECT_EQ(mutations_of(bob_body)[0].at("data").at("name").as_string(), "Bob's");
  // Whatever Bob's own no-op delete left in his log, none of Alice's note reached him.
  const std::string bob_notes = bob.pull(0, "&resources=NOTE").body;
  EXPECT_EQ(bob_notes.find("Alice's private note"), std::string::npos) << bob_notes;
}

}  // namespace
}  // namespace synclog::test
