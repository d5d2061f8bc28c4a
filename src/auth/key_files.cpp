// Reading the key files.
#include "auth/key_files.hpp"

#include <fstream>
#include <sstream>

namespace synclog::auth {
namespace {

Result<std::string> read_text(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kInvalidRequest, "cannot read " + std::string(what) + " " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Error in_file(const std::string& path, const Error& e) { return make_error(e.code, path + ": " + e.message); }

}  // namespace

Result<std::vector<Key>> load_key_files(const KeyFiles& files) {
  std::vector<Key> out;
  for (const auto& path : files.jwks) {
    SYNCLOG_ASSIGN_OR_RETURN(const std::string text, read_text(path, "JWKS file"));
    auto keys = load_jwks(text);
    if (!keys.ok()) return in_file(path, keys.error());
    for (auto& k : *keys) out.push_back(std::move(k));
  }
  for (const auto& path : files.public_keys) {
    SYNCLOG_ASSIGN_OR_RETURN(const std::string text, read_text(path, "public key"));
    auto key = load_public_key_pem(text);
    if (!key.ok()) return in_file(path, key.error());
    out.push_back(std::move(*key));
  }
  return out;
}

}  // namespace synclog::auth
