// Conditional requests (RFC 9110 section 13) on one resource. A resource's entity tag is its
// version, the ts of its latest mutation: "\"1795427285926\"". Writes check If-Match (strong
// comparison: the client's copy must be exactly the current one) and If-None-Match: * (create
// only if absent); reads answer 304 when If-None-Match names the current version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace synclog::domain {

std::string etag_for(std::int64_t version);

class Preconditions {
 public:
  // Parses the two header values (absent when nullopt). kInvalidRequest for malformed lists.
  static Result<Preconditions> parse(std::optional<std::string_view> if_match,
                                     std::optional<std::string_view> if_none_match);

  bool empty() const { return !if_match_ && !if_none_match_; }
  // For a write to a resource whose current version is `current` (nullopt: it does not exist):
  // kPreconditionFailed when If-Match or If-None-Match does not hold.
  Status check_write(std::optional<std::int64_t> current) const;
  // conflictMode=field on a write: a stale If-Match is then judged field by field instead of
  // refused (docs/api.md, "Genuine-only conflicts").
  void allow_merge() { merge_ = true; }
  // With allow_merge(), when If-Match names exactly one strong version older than `current`:
  // that version, the base to judge the write from. Otherwise nullopt (check_write decides as
  // usual, so a version from the future is a 412).
  std::optional<std::int64_t> merge_base(std::int64_t current) const;
  // For a read: true when If-None-Match already names the current version (answer 304).
  bool not_modified(std::int64_t current) const;
  // The same for a representation whose entity tag is `tag` (its opaque part, without quotes;
  // weak comparison).
  bool not_modified(std::string_view tag) const;

 private:
  struct Tag {
    std::string opaque;  // without quotes
    bool weak = false;
  };
  struct Condition {
    bool any = false;  // "*"
    std::vector<Tag> tags;
  };
  static Result<Condition> parse_list(std::string_view header, std::string_view name);
  std::optional<Condition> if_match_;
  std::optional<Condition> if_none_match_;
  bool merge_ = false;
};

}  // namespace synclog::domain
