// `synclog token`: prints an access token for a user. By default it is HS256-signed with the
// data directory's secret (created if missing), so `synclog serve` on the same directory
// accepts it; with --private-key it is RS256/ES256-signed instead.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/jwt.hpp"
#include "auth/secret_file.hpp"
#include "cli_values.hpp"
#include "commands.hpp"
#include "common/clock.hpp"
#include "domain/scopes.hpp"

namespace synclog::cli {
namespace {

struct TokenFlags {
  std::string user;
  std::string scopes;
  std::string ttl = "1h";
  std::string data_dir = "./synclog-data";
  std::string private_key;
  std::string kid;
  std::string issuer;
  std::string audience;
};

int run_token(const TokenFlags& f) {
  const auto ttl = parse_duration(f.ttl);
  if (!ttl || ttl->count() < 1000) {
    std::cerr << "synclog token: --ttl must be a duration like 30m, 1h or 7d\n";
    return 2;
  }
  std::optional<auth::TokenSigner> signer;
  if (!f.private_key.empty()) {
    std::ifstream in(f.private_key);
    std::stringstream ss;
    ss << in.rdbuf();
    auto key = auth::load_private_key_pem(ss.str(), f.kid);
    if (!in || !key.ok()) {
      std::cerr << "synclog token: cannot use " << f.private_key << ": "
                << (key.ok() ? "unreadable" : key.error().message) << "\n";
      return 2;
    }
    signer = auth::TokenSigner::with_key(std::move(*key));
  } else {
    auto secret = auth::load_or_create_secret(f.data_dir);
    if (!secret.ok()) {
      std::cerr << "synclog token: " << secret.error().message << "\n";
      return 2;
    }
    signer = auth::TokenSigner::hs256(*secret);
  }
  auth::Claims claims;
  claims.subject = f.user;
  claims.scopes = f.scopes.empty() ? domain::Scopes::all_names() : domain::Scopes::parse(f.scopes).names();
  const std::int64_t now = SystemClock().now_ms() / 1000;
  claims.expires_at = now + ttl->count() / 1000;
  if (!f.issuer.empty()) claims.issuer = f.issuer;
  if (!f.audience.empty()) claims.audience = f.audience;
  auto token = signer->sign(claims, now);
  if (!token.ok()) {
    std::cerr << "synclog token: " << token.error().message << "\n";
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}

}  // namespace

Command add_token_command(CLI::App& app) {
  auto f = std::make_shared<TokenFlags>();
  auto* cmd = app.add_subcommand("token", "Print an access token that `synclog serve` accepts");
  cmd->add_option("--user", f->user, "The user (the token's sub)")->required();
  cmd->add_option("--scopes", f->scopes, "Space-separated scopes (default: all)");
  cmd->add_option("--ttl", f->ttl, "Lifetime, e.g. 30m, 1h, 7d")->capture_default_str();
  cmd->add_option("--data-dir", f->data_dir, "Data directory holding the HS256 secret")
      ->envname("SYNCLOG_DATA_DIR")->capture_default_str();
  cmd->add_option("--private-key", f->private_key, "Sign with this PEM private key (RS256/ES256)");
  cmd->add_option("--kid", f->kid, "Key id to put in the token header (with --private-key)");
  cmd->add_option("--issuer", f->issuer, "iss claim");
  cmd->add_option("--audience", f->audience, "aud claim");
  return [f] { return run_token(*f); };
}

}  // namespace synclog::cli
