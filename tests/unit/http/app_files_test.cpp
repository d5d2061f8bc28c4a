// What the web app's files are served as: content types by extension, and which names count as
// content-hashed assets (cached for a year) rather than files to revalidate.
#include "http/app_files.hpp"

#include <gtest/gtest.h>

namespace synclog::http {
namespace {

TEST(AppFileKindsTest, ContentTypesByExtensionWhateverTheCase) {
  EXPECT_EQ(app_content_type("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(app_content_type("sw.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(app_content_type("APP.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(app_content_type("worker.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(app_content_type("manifest.webmanifest"), "application/manifest+json");
  EXPECT_EQ(app_content_type("app.js.map"), "application/json; charset=utf-8");
  EXPECT_EQ(app_content_type("font.woff2"), "font/woff2");
  EXPECT_EQ(app_content_type("LICENSE"), "application/octet-stream");
  EXPECT_EQ(app_content_type("archive.tar.gz"), "application/octet-stream");
}

TEST(AppFileKindsTest, HashedNamesUnderAssetsOnly) {
  for (const char* hashed : {"assets/app-3F2A9C1B.js", "assets/app-3f2a9c1b.css", "assets/index.1a2b3c4d.js",
                             "assets/3F2A9C1B.png", "assets/chunk-ABCDEFGH.js", "assets/app-x7kq2mza.js",
                             "assets/app-AYXX5M42.js", "assets/styles-C6HTJOCP.css", "assets/icon-0DFC2F08.svg",
                             "assets/app-3F2A9C1B.js.map", "assets/fonts/inter-0A1B2C3D4E.woff2"}) {
    EXPECT_TRUE(is_content_hashed(hashed)) << hashed;
  }
  for (const char* plain : {"app-3F2A9C1B.js", "index.html", "sw.js", "manifest.webmanifest",
                            "assets/app.js", "assets/app-settings.js", "assets/serviceworker.js",
                            "assets/CHANGELOG.txt", "assets/icon-1024x1024.png", "assets/app-3F2A9C1.js",
                            "assets/MyComponent-Loader.js", "assets-3F2A9C1B.js"}) {
    EXPECT_FALSE(is_content_hashed(plain)) << plain;
  }
}

}  // namespace
}  // namespace synclog::http
