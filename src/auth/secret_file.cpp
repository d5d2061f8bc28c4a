// Secret file handling. Creation uses O_EXCL so two processes starting together agree on one
// secret: the loser of the race reads the winner's file.
#include "auth/secret_file.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace synclog::auth {
namespace {

Error io_error(const std::string& what) {
  return make_error(ErrorCode::kInternal, what + ": " + std::strerror(errno));
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Result<std::string> load_or_create_secret(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return make_error(ErrorCode::kInternal, "cannot create " + data_dir.string() + ": " + ec.message());
  ::chmod(data_dir.c_str(), 0700);
  const auto path = data_dir / kSecretFileName;
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::ifstream in(path);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      std::string secret = trim(ss.str());
      if (secret.size() >= 32) return secret;
      // A concurrent creator may not have written it yet.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      return io_error("cannot create " + path.string());
    }
    unsigned char bytes[32];
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
      ::close(fd);
      return make_error(ErrorCode::kInternal, "no randomness for the secret");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string secret;
    for (unsigned char b : bytes) {
      secret.push_back(kHex[b >> 4]);
      secret.push_back(kHex[b & 15]);
    }
    const std::string line = secret + "\n";
    const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) return io_error("cannot write " + path.string());
    return secret;
  }
  return make_error(ErrorCode::kInternal, path.string() + " exists but holds no usable secret");
}

}  // namespace synclog::auth
