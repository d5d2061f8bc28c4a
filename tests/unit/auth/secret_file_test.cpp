// The data directory's HS256 secret: created once (64 hex characters, file mode 0600, directory
// mode 0700), then read back unchanged by every later call, including from another thread
// racing to create it.
#include "auth/secret_file.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <vector>

#include "temp_dir.hpp"

namespace synclog::auth {
namespace {

unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return static_cast<unsigned>(st.st_mode) & 0777u;
}

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }
  std::filesystem::path data_dir() const { return dir_.path() / "data" / "nested"; }
  test::TempDir dir_;
};

TEST_F(SecretFileTest, CreatesTheDirectoryAndASecretReadableOnlyByTheOwner) {
  auto s = load_or_create_secret(data_dir());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->size(), 64u);
  EXPECT_EQ(s->find_first_not_of("0123456789abcdef"), std::string::npos);
  const auto file = data_dir() / kSecretFileName;
  ASSERT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(mode_of(file), 0600u);
  EXPECT_EQ(mode_of(data_dir()), 0700u);
}

TEST_F(SecretFileTest, LaterCallsReturnTheSameSecret) {
  auto first = load_or_create_secret(data_dir());
  auto second = load_or_create_secret(data_dir());
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(mode_of(data_dir() / kSecretFileName), 0600u);
}

TEST_F(SecretFileTest, DifferentDirectoriesGetDifferentSecrets) {
  auto a = load_or_create_secret(dir_.path() / "a");
  auto b = load_or_create_secret(dir_.path() / "b");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(SecretFileTest, AnExistingSecretIsUsedAsItIs) {
  std::filesystem::create_directories(data_dir());
  const std::string mine(40, 'z');
  std::ofstream(data_dir() / kSecretFileName) << mine << "\n";
  auto s = load_or_create_secret(data_dir());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, mine);
}

TEST_F(SecretFileTest, ConcurrentCallersAgreeOnOneSecret) {
  std::vector<std::future<Result<std::string>>> calls;
  for (int i = 0; i < 8; ++i) {
    calls.push_back(std::async(std::launch::async, [this] { return load_or_create_secret(data_dir()); }));
  }
  std::string first;
  for (auto& c : calls) {
    auto r = c.get();
    ASSERT_TRUE(r.ok()) << r.error().message;
    if (first.empty()) first = *r;
    EXPECT_EQ(*r, first);
  }
}

TEST_F(SecretFileTest, AFileWithoutAUsableSecretIsAnError) {
  std::filesystem::create_directories(data_dir());
  std::ofstream(data_dir() / kSecretFileName) << "short\n";
  EXPECT_FALSE(load_or_create_secret(data_dir()).ok());
}

}  // namespace
}  // namespace synclog::auth
