// The HS256 signing secret kept in the data directory: created (32 random bytes, hex, mode
// 0600) the first time `serve` or `token` needs it, then read by both, so a token minted by
// `synclog token --data-dir D` is accepted by `synclog serve --data-dir D`.
#pragma once

#include <filesystem>
#include <string>

#include "common/status.hpp"

namespace synclog::auth {

inline constexpr const char* kSecretFileName = "secret.key";

// Creates the data directory (mode 0700) if needed, then reads or creates the secret.
Result<std::string> load_or_create_secret(const std::filesystem::path& data_dir);

}  // namespace synclog::auth
