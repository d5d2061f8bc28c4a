// The key files `synclog serve` trusts tokens from (--jwks FILE, --public-key FILE), read
// together: at start, and again whenever the key set reads them (key_set.hpp).
#pragma once

#include <string>
#include <vector>

#include "auth/keys.hpp"
#include "common/status.hpp"

namespace synclog::auth {

struct KeyFiles {
  std::vector<std::string> jwks;         // JWKS documents
  std::vector<std::string> public_keys;  // PEM public keys (no kid)
  bool empty() const { return jwks.empty() && public_keys.empty(); }
};

// Every key of every file. Fails, naming the file, if one cannot be read or has no usable key:
// a set read half would withdraw keys nobody withdrew.
Result<std::vector<Key>> load_key_files(const KeyFiles& files);

}  // namespace synclog::auth
