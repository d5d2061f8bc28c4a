// Keys that change, against the real binary (docs/api.md "Authentication", key_set.hpp): the
// server started with `--jwks <file>` follows the file as an identity provider rotates its keys.
// Key B published and key A withdrawn: B's tokens are accepted as soon as one names B (the
// unknown kid reads the file again), A's tokens (even those the server remembers) are refused
// from then on; the schedule (--jwks-refresh) withdraws a key with no unknown kid at all; a
// flood of tokens naming made-up kids reads the file at most once per --jwks-min-interval;
// a file that is broken, cut short or gone keeps the keys there were, with one error line per
// read. Reads are counted by synclog_jwks_reloads_total{trigger,result}.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../unit/support/test_keys.hpp"
#include "auth/jwt.hpp"
#include "auth/keys.hpp"
#include "common/base64url.hpp"
#include "metric_wait.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

namespace synclog::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kProbe = "/v1/sync?mutationsSince=0&metadataOnly=true";

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string reloads(const std::string& trigger, const std::string& result) {
  return R"(synclog_jwks_reloads_total{trigger=")" + trigger + R"(",result=")" + result + R"("})";
}

// Every read of the key files after the first, whatever its trigger and result.
double all_reloads(const ServerProcess& server) {
  double n = 0;
  for (const char* trigger : {"unknown_kid", "schedule"}) {
    for (const char* result : {"changed", "unchanged", "failed"}) {
      n += std::max(0.0, metric_value(server, reloads(trigger, result)));
    }
  }
  return n;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class JwksRotationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new PKey(generate_rsa(2048));
    b_ = new PKey(generate_ec("P-256"));
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
  }

  // The JWKS file with these JWK objects, replaced whole (written aside, then renamed over it)
  // as a job that fetches an identity provider's keys would.
  void publish(const std::vector<std::string>& jwk_objects) { replace_file(jwks(jwk_objects)); }
  void replace_file(const std::string& text) {
    const std::string aside = dir_.file("jwks.json.new");
    std::ofstream(aside, std::ios::binary | std::ios::trunc) << text;
    std::filesystem::rename(aside, path_);
  }
  static std::string jwk_a() { return rsa_jwk(*a_, "key-a", R"(,"use":"sig","alg":"RS256")"); }
  static std::string jwk_b() { return ec_jwk(*b_, "key-b"); }

  // A server trusting the file, reading it again for an unknown kid at most once a second.
  std::unique_ptr<ServerProcess> start(const std::string& refresh = "1h") {
    return std::make_unique<ServerProcess>(std::vector<std::string>{
        "--no-local-tokens", "--jwks", path_, "--jwks-min-interval", "1s", "--jwks-refresh", refresh,
        "--auth-failure-rate", "0"});
  }

  // A token for `user` signed by `k` naming `kid`.
  static std::string token(const PKey& k, const std::string& kid, const std::string& user = "alice") {
    auto signing = auth::load_private_key_pem(private_pem(k), kid);
    EXPECT_TRUE(signing.ok());
    auth::Claims c;
    c.subject = user;
    c.scopes = {"sync"};
    c.expires_at = now_seconds() + 3600;
    auto t = auth::TokenSigner::with_key(*signing).sign(c, now_seconds());
    EXPECT_TRUE(t.ok());
    return t.ok() ? *t : "";
  }
  // A token naming `kid` with a signature no key made: refused whatever the keys.
  static std::string made_up(const std::string& kid) {
    return base64url_encode(R"({"alg":"RS256","typ":"JWT","kid":")" + kid + R"("})") + "." +
           base64url_encode(R"({"sub":"mallory","exp":)" + std::to_string(now_seconds() + 3600) + "}") + "." +
           base64url_encode(std::string(256, 'x'));
  }
  static Response probe(const ServerProcess& server, const std::string& token) {
    return server.client().get(kProbe, {{"x-auth-token", token}, {"x-client-id", "rotation-test"}});
  }
  static void expect_refused(const Response& r, const std::string& message) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_NE(r.body.find(message), std::string::npos) << r.body;
  }
  // Past the --jwks-min-interval of the last read.
  static void let_interval_pass() { std::this_thread::sleep_for(1100ms); }

  TempDir dir_;
  const std::string path_ = dir_.file("jwks.json");
  static inline PKey* a_ = nullptr;
  static inline PKey* b_ = nullptr;
};

TEST_F(JwksRotationTest, APublishedKeyIsTrustedAtOnceAndAWithdrawnOneIsNot) {
  publish({jwk_a()});
  auto server = start();
  const std::string by_a = token(*a_, "key-a");
  const std::string by_b = token(*b_, "key-b");
  ASSERT_EQ(probe(*server, by_a).status, 200);
  ASSERT_EQ(probe(*server, by_a).status, 200);  // remembered from now on
  let_interval_pass();
  expect_refused(probe(*server, by_b), "Access token signature is invalid: unknown key");
  EXPECT_EQ(metric_value(*server, reloads("unknown_kid", "unchanged")), 1);

  // The provider publishes B and withdraws A.
  publish({jwk_b()});
  let_interval_pass();
  EXPECT_EQ(probe(*server, by_b).status, 200);
  EXPECT_EQ(metric_value(*server, reloads("unknown_kid", "changed")), 1);
  const std::string log = server->event_log();
  EXPECT_NE(log.find(R"("event":"keys_reloaded","trigger":"unknown_kid","result":"changed",)"
                     R"("added":["key-b"],"removed":["key-a"],"keys":1)"),
            std::string::npos)
      << log;
  // A's tokens, the one the server remembered and a new one, are refused from now on.
  expect_refused(probe(*server, by_a), "Access token signature is invalid");
  expect_refused(probe(*server, token(*a_, "key-a", "bob")), "Access token signature is invalid");
  // And none of that read the file again.
  EXPECT_EQ(all_reloads(*server), 2);
}

TEST_F(JwksRotationTest, TheScheduleWithdrawsAKeyThatNoTokenAskedAbout) {
  publish({jwk_a(), jwk_b()});
  auto server = start("1s");
  const std::string by_a = token(*a_, "key-a");
  ASSERT_EQ(probe(*server, by_a).status, 200);
  publish({jwk_b()});
  std::this_thread::sleep_for(1100ms);
  // The first request after the refresh is due reads the file before it is verified.
  expect_refused(probe(*server, by_a), "Access token signature is invalid");
  EXPECT_EQ(metric_value(*server, reloads("schedule", "changed")), 1);
  EXPECT_EQ(probe(*server, token(*b_, "key-b")).status, 200);
}

TEST_F(JwksRotationTest, AFloodOfMadeUpKidsReadsTheFileAtMostOncePerInterval) {
  publish({jwk_a()});
  auto server = start();
  const auto began = std::chrono::steady_clock::now();
  int sent = 0;
  auto client = server->client();
  while (std::chrono::steady_clock::now() - began < 3s) {
    const auto r = client.get(kProbe, {{"x-auth-token", made_up("garbage-" + std::to_string(sent))}});
    ASSERT_EQ(r.status, 401) << r.body;
    ++sent;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  const double read = all_reloads(*server);
  // The server started (and read the file) just before `began`: at most one read per whole
  // second since, and at least one.
  RecordProperty("tokens", sent);
  RecordProperty("reads", static_cast<int>(read));
  EXPECT_GE(read, 1) << sent << " tokens";
  EXPECT_LE(read, static_cast<int>(seconds) + 1) << sent << " tokens in " << seconds << " s";
  EXPECT_GT(sent, 100);
  EXPECT_EQ(metric_value(*server, reloads("unknown_kid", "unchanged")), read);
  // Reads that changed nothing are not logged.
  EXPECT_EQ(count(server->event_log(), "keys_reloaded"), 0u);
  EXPECT_EQ(probe(*server, token(*a_, "key-a")).status, 200);
}

TEST_F(JwksRotationTest, ABrokenFileKeepsTheKeysThereWere) {
  publish({jwk_a()});
  auto server = start();
  const std::string full = jwks({jwk_a(), jwk_b()});
  const std::vector<std::pair<std::string, std::string>> broken = {
      {"not JSON", "{not json"},
      {"cut short mid-write", full.substr(0, full.size() / 2)},
      {"no usable key", R"({"keys":[]})"},
      {"empty", ""},
  };
  int failed = 0;
  for (const auto& [what, text] : broken) {
    SCOPED_TRACE(what);
    replace_file(text);
    let_interval_pass();
    expect_refused(probe(*server, made_up("key-c")), "unknown key");
    ++failed;
    EXPECT_EQ(metric_value(*server, reloads("unknown_kid", "failed")), failed);
    // A fresh token of A (not one the server remembers) is still verified against A.
    EXPECT_EQ(probe(*server, token(*a_, "key-a", "user-" + std::to_string(failed))).status, 200);
  }
  std::filesystem::remove(path_);
  let_interval_pass();
  expect_refused(probe(*server, made_up("key-c")), "unknown key");
  ++failed;
  EXPECT_EQ(probe(*server, token(*a_, "key-a", "after-removal")).status, 200);
  // One error line per failed read, saying the keys are kept.
  const std::string log = server->event_log();
  EXPECT_EQ(count(log, R"("level":"error","event":"keys_reloaded")"), static_cast<std::size_t>(failed)) << log;
  EXPECT_EQ(count(log, "keeping the keys read before"), static_cast<std::size_t>(failed)) << log;
  EXPECT_NE(log.find("cannot read JWKS file " + path_), std::string::npos) << log;

  // Fixed, with B added: B is trusted at its first token.
  publish({jwk_a(), jwk_b()});
  let_interval_pass();
  EXPECT_EQ(probe(*server, token(*b_, "key-b")).status, 200);
}

TEST_F(JwksRotationTest, AFileThatCannotBeReadAtStartIsStillFatal) {
  replace_file("{not json");
  EXPECT_THROW(start(), std::runtime_error);
}

}  // namespace
}  // namespace synclog::test
