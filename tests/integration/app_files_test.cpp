// The web app's files under /app/ (docs/api.md, "The web app"), served by the real binary from
// `--app-dir` (a temporary directory laid out like web/dist): the index and the redirect to it,
// content types, the security headers on every answer, caching of content-hashed assets and
// revalidation of the rest (ETag, 304), HEAD, 405, path traversal, dotfiles and symlinks out of
// the directory refused, a missing directory, and the API beside it unaffected. SQLite only: the
// store plays no part.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "metric_wait.hpp"
#include "server_process.hpp"
#include "sync_api.hpp"
#include "temp_dir.hpp"

namespace synclog::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
constexpr const char* kImmutable = "public, max-age=31536000, immutable";
constexpr const char* kIndex = "<!doctype html><html><head><title>synclog</title></head></html>\n";
constexpr const char* kSecret = "the-data-directory-secret\n";

void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// The generic envelope's 404, and nothing of what the refused path might have named.
void expect_not_found(const Response& r, const std::string& target) {
  EXPECT_EQ(r.status, 404) << target;
  EXPECT_EQ(r.header("content-security-policy"), kCsp) << target;
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << target;
  EXPECT_EQ(r.body, R"({"message":"The requested resource could not be found","type":"not_found","success":false})")
      << target;
}

class AppFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test_postgres_host()) GTEST_SKIP() << "static files do not touch the store: SQLite only";
    ASSERT_TRUE(temp_.ok());
    app_ = temp_.path() / "app";
    // Beside the app's directory, where a path that climbs out of it would land.
    write_file(temp_.path() / "secret.key", kSecret);
    write_file(app_ / "index.html", kIndex);
    write_file(app_ / "sw.js", "self.addEventListener('fetch', () => {});\n");
    write_file(app_ / "manifest.webmanifest", R"({"name":"synclog","start_url":"/app/"})");
    write_file(app_ / "favicon.ico", std::string("\0\0\1\0", 4));
    write_file(app_ / "robots.txt", "User-agent: *\n");
    write_file(app_ / "app-3F2A9C1B.js", "// hashed-looking, but not under assets/\n");
    write_file(app_ / "assets/app-3F2A9C1B.js", "console.log('app');\n");
    write_file(app_ / "assets/app-3F2A9C1B.mjs", "export {};\n");
    write_file(app_ / "assets/app-7D4E2A10.css", "body{margin:0}\n");
    write_file(app_ / "assets/app-3F2A9C1B.js.map", R"({"version":3})");
    write_file(app_ / "assets/logo-5D6E7F80.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>");
    write_file(app_ / "assets/icon-0A1B2C3D.png", std::string("\x89PNG\r\n\x1a\n\0", 9));
    write_file(app_ / "assets/font-9F8E7D6C.woff2", "wOF2");
    write_file(app_ / "assets/data.json", R"({"a":1})");
    write_file(app_ / "assets/settings.js", "// not hashed\n");
    write_file(app_ / ".env", "SECRET=1\n");
    write_file(app_ / "assets/.hidden.js", "hidden\n");
    fs::create_directories(app_ / "assets/folder.js");
    fs::create_symlink("../../secret.key", app_ / "assets/escape.js");
    fs::create_symlink(temp_.path() / "secret.key", app_ / "absolute-link.txt");
    fs::create_symlink("app-3F2A9C1B.js", app_ / "assets/alias-3F2A9C1B.js");  // inside: served
    server_ = std::make_unique<ServerProcess>(std::vector<std::string>{"--app-dir", app_.string()});
  }

  Response get(const std::string& target, const Headers& headers = {}) {
    return client().get(target, headers);
  }
  HttpClient& client() {
    if (!client_) client_ = std::make_unique<HttpClient>(server_->client());
    return *client_;
  }

  TempDir temp_;
  fs::path app_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(AppFilesTest, IndexAtAppSlashAndRedirectFromApp) {
  const auto index = get("/app/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, kIndex);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(get("/app/index.html").body, kIndex);

  for (const char* method : {"GET", "HEAD"}) {
    const auto redirect = client().request(method, "/app");
    EXPECT_EQ(redirect.status, 301) << method;
    EXPECT_EQ(redirect.header("location"), "/app/") << method;
  }
  EXPECT_EQ(get("/app?from=home").header("location"), "/app/?from=home");
}

TEST_F(AppFilesTest, ContentTypeFollowsTheExtension) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/app/sw.js", "text/javascript; charset=utf-8"},
      {"/app/assets/app-3F2A9C1B.js", "text/javascript; charset=utf-8"},
      {"/app/assets/app-3F2A9C1B.mjs", "text/javascript; charset=utf-8"},
      {"/app/assets/app-7D4E2A10.css", "text/css; charset=utf-8"},
      {"/app/assets/data.json", "application/json; charset=utf-8"},
      {"/app/assets/app-3F2A9C1B.js.map", "application/json; charset=utf-8"},
      {"/app/manifest.webmanifest", "application/manifest+json"},
      {"/app/assets/logo-5D6E7F80.svg", "image/svg+xml"},
      {"/app/assets/icon-0A1B2C3D.png", "image/png"},
      {"/app/favicon.ico", "image/x-icon"},
      {"/app/assets/font-9F8E7D6C.woff2", "font/woff2"},
      {"/app/robots.txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [target, type] : cases) {
    const auto r = get(target);
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.header("content-type"), type) << target;
  }
  const auto png = get("/app/assets/icon-0A1B2C3D.png");
  EXPECT_EQ(png.body, std::string("\x89PNG\r\n\x1a\n\0", 9));  // binary, byte for byte
}

TEST_F(AppFilesTest, EveryAnswerCarriesTheSecurityHeaders) {
  const std::string etag = get("/app/sw.js").header("etag");
  struct Case {
    std::string method, target;
    Headers headers;
    int status;
  };
  const std::vector<Case> cases = {
      {"GET", "/app/", {}, 200},
      {"GET", "/app/assets/app-3F2A9C1B.js", {}, 200},
      {"HEAD", "/app/sw.js", {}, 200},
      {"GET", "/app", {}, 301},
      {"GET", "/app/sw.js", {{"If-None-Match", etag}}, 304},
      {"GET", "/app/missing.js", {}, 404},
      {"GET", "/app/../secret.key", {}, 404},
      {"POST", "/app/sw.js", {}, 405},
  };
  for (const auto& c : cases) {
    const auto r = client().request(c.method, c.target, {}, c.headers);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target;
    EXPECT_EQ(r.header("content-security-policy"), kCsp) << c.method << " " << c.target;
    EXPECT_EQ(r.header("x-content-type-options"), "nosniff") << c.method << " " << c.target;
    EXPECT_EQ(r.header("referrer-policy"), "no-referrer") << c.method << " " << c.target;
  }
}

TEST_F(AppFilesTest, HashedAssetsAreImmutableAndEverythingElseIsRevalidated) {
  for (const char* target : {"/app/assets/app-3F2A9C1B.js", "/app/assets/app-7D4E2A10.css",
                             "/app/assets/logo-5D6E7F80.svg", "/app/assets/icon-0A1B2C3D.png"}) {
    EXPECT_EQ(get(target).header("cache-control"), kImmutable) << target;
  }
  for (const char* target : {"/app/", "/app/index.html", "/app/sw.js", "/app/manifest.webmanifest",
                             "/app/assets/settings.js", "/app/app-3F2A9C1B.js", "/app/missing.js"}) {
    EXPECT_EQ(get(target).header("cache-control"), "no-cache") << target;
  }
}

TEST_F(AppFilesTest, StrongETagAnd304AndARebuildIsServedWithoutRestart) {
  const auto first = get("/app/sw.js");
  const std::string etag = first.header("etag");
  ASSERT_GE(etag.size(), 10u);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_EQ(get("/app/sw.js").header("etag"), etag);  // stable
  EXPECT_NE(get("/app/").header("etag"), etag);        // per content

  for (const std::string& condition : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    const auto r = get("/app/sw.js", {{"If-None-Match", condition}});
    EXPECT_EQ(r.status, 304) << condition;
    EXPECT_EQ(r.body, "") << condition;
    EXPECT_EQ(r.header("etag"), etag) << condition;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << condition;
  }
  EXPECT_EQ(get("/app/sw.js", {{"If-None-Match", "\"other\""}}).status, 200);

  // The app is rebuilt in place: the new file is served, under a new tag.
  write_file(app_ / "sw.js", "// version 2\n");
  const auto rebuilt = get("/app/sw.js", {{"If-None-Match", etag}});
  EXPECT_EQ(rebuilt.status, 200);
  EXPECT_EQ(rebuilt.body, "// version 2\n");
  EXPECT_NE(rebuilt.header("etag"), etag);
}

TEST_F(AppFilesTest, HeadAnswersTheHeaderOfAGetWithoutItsBody) {
  const auto full = get("/app/assets/app-3F2A9C1B.js");
  const auto head = client().request("HEAD", "/app/assets/app-3F2A9C1B.js");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  EXPECT_EQ(head.header("content-length"), std::to_string(full.body.size()));
  EXPECT_EQ(head.header("content-type"), full.header("content-type"));
  EXPECT_EQ(head.header("etag"), full.header("etag"));
  EXPECT_EQ(head.header("cache-control"), kImmutable);
  // No body followed the header: the same connection goes on with the next request.
  EXPECT_TRUE(client().connected());
  EXPECT_EQ(get("/app/").body, kIndex);
  EXPECT_EQ(client().request("HEAD", "/app/missing.js").status, 404);
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(AppFilesTest, OtherMethodsAre405WithAllow) {
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    for (const char* target : {"/app", "/app/", "/app/sw.js", "/app/missing.js"}) {
      const auto r = client().request(method, target, method == std::string("POST") ? "{}" : "");
      EXPECT_EQ(r.status, 405) << method << " " << target;
      EXPECT_EQ(r.header("allow"), "GET, HEAD") << method << " " << target;
      EXPECT_EQ(r.json().at("type"), "method_not_allowed") << method << " " << target;
    }
  }
}

TEST_F(AppFilesTest, PathsOutOfTheDirectoryAreNotFound) {
  for (const char* target : {
           "/app/../secret.key",                     // as sent, not normalised by the client
           "/app/%2e%2e/secret.key",                 // encoded dots
           "/app/%2E%2E/secret.key",
           "/app/assets/..%2F..%2Fsecret.key",       // encoded slashes
           "/app/assets/../../secret.key",
           "/app/./index.html",
           "/app/..%5Csecret.key",                   // a backslash
           "/app/assets%5C..%5C..%5Csecret.key",
           "/app/index.html%00.js",                  // a NUL
           "/app//etc/passwd",                       // an absolute path
           "/app/%2Fetc%2Fpasswd",
           "/app/assets/escape.js",                  // a symlink out of the directory
           "/app/absolute-link.txt",                 // an absolute symlink out of it
           "/app/assets/",                           // directories
           "/app/assets",
           "/app/assets/folder.js",
           "/app/missing.js",
       }) {
    const auto r = get(target);
    expect_not_found(r, target);
    EXPECT_EQ(r.body.find("the-data-directory-secret"), std::string::npos) << target;
  }
  // A symlink that stays inside the directory is followed.
  EXPECT_EQ(get("/app/assets/alias-3F2A9C1B.js").body, "console.log('app');\n");
}

TEST_F(AppFilesTest, DotfilesAreNotFound) {
  for (const char* target : {"/app/.env", "/app/%2eenv", "/app/assets/.hidden.js", "/app/.", "/app/.."}) {
    expect_not_found(get(target), target);
  }
}

TEST_F(AppFilesTest, FilesOverTheSizeLimitAreNotServed) {
  write_file(app_ / "assets/huge-0123ABCD.js", std::string((8u << 20) + 1, 'x'));
  write_file(app_ / "assets/large-0123ABCD.js", std::string(8u << 20, 'x'));
  expect_not_found(get("/app/assets/huge-0123ABCD.js"), "huge");
  EXPECT_EQ(get("/app/assets/large-0123ABCD.js").body.size(), 8u << 20);
}

TEST_F(AppFilesTest, PublicWhileTheApiStaysAuthenticated) {
  EXPECT_EQ(get("/app/", {{"x-auth-token", "not-a-token"}}).status, 200);
  EXPECT_EQ(get("/v1/sync?mutationsSince=0").status, 401);
  SyncApi alice(*server_, "alice");
  const auto pushed = alice.push_ok(R"([{"resource":"BOOKMARK","type":"CREATE","data":{"key":2,"verseNumber":255}}])");
  EXPECT_TRUE(pushed.contains("lastMutationAt"));
  const auto pulled = alice.pull(0);
  EXPECT_EQ(pulled.status, 200);
  EXPECT_FALSE(pulled.has_header("content-security-policy"));  // the API's answers are its own
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(get("/v1/nothing-here").status, 404);
}

TEST_F(AppFilesTest, LoggedAndCountedAsRouteApp) {
  EXPECT_EQ(get("/app/sw.js").status, 200);
  EXPECT_EQ(get("/app/missing.js").status, 404);
  EXPECT_TRUE(wait_for_metric(*server_, R"(synclog_http_requests_total{route="app",method="GET",status="200"})", 1));
  EXPECT_TRUE(wait_for_metric(*server_, R"(synclog_http_requests_total{route="app",method="GET",status="404"})", 1));
  const std::string log = server_->access_log();
  EXPECT_NE(log.find(R"("path":"/app/sw.js","route":"app","status":200)"), std::string::npos) << log;
  // The reason for a 404 is logged, not sent.
  EXPECT_NE(log.find(R"("path":"/app/missing.js","route":"app","status":404)"), std::string::npos) << log;
  EXPECT_NE(server_->event_log().find(R"("event":"app_served")"), std::string::npos);
}

// Without an app directory the server starts, says why in one line, and answers /app/ with 404.
TEST(AppFilesMissingTest, NoDirectoryIsA404AndTheServerStillServes) {
  if (test_postgres_host()) GTEST_SKIP() << "static files do not touch the store: SQLite only";
  TempDir temp;
  ASSERT_TRUE(temp.ok());
  const std::vector<std::vector<std::string>> setups = {
      {"--app-dir", (temp.path() / "not-built").string()}, {"--app-dir", ""}, {"--no-app"}};
  for (const auto& flags : setups) {
    ServerProcess server(flags);
    auto client = server.client();
    for (const char* target : {"/app/", "/app/index.html"}) {
      const auto r = client.get(target);
      expect_not_found(r, target);
    }
    EXPECT_EQ(client.get("/healthz").status, 200);
    EXPECT_EQ(SyncApi(server, "alice").pull(0).status, 200);
    const std::string events = server.event_log();
    EXPECT_NE(events.find(R"("event":"app_not_served")"), std::string::npos) << events;
    EXPECT_EQ(events.find(R"("event":"app_served")"), std::string::npos) << events;
  }
}

}  // namespace
}  // namespace synclog::test
