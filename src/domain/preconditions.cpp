// Entity-tag lists and their comparison functions.
#include "domain/preconditions.hpp"

#include <charconv>

namespace synclog::domain {
namespace {

constexpr std::size_t kMaxTags = 32;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string etag_for(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

Result<Preconditions::Condition> Preconditions::parse_list(std::string_view header,
                                                           std::string_view name) {
  Condition c;
  const auto bad = [&] {
    return make_error(ErrorCode::kInvalidRequest,
                      std::string(name) + " must be * or a list of entity tags like \"1795427285926\"");
  };
  header = trim(header);
  if (header == "*") {
    c.any = true;
    return c;
  }
  // RFC 9110 5.6.1.2: empty list elements (", ,") are ignored wherever they are.
  while (!header.empty()) {
    if (header.front() == ',') {
      header = trim(header.substr(1));
      continue;
    }
    Tag t;
    if (header.substr(0, 2) == "W/") {
      t.weak = true;
      header.remove_prefix(2);
    }
    if (header.empty() || header.front() != '"') return bad();
    const auto close = header.find('"', 1);
    if (close == std::string_view::npos) return bad();
    t.opaque = std::string(header.substr(1, close - 1));
    c.tags.push_back(std::move(t));
    if (c.tags.size() > kMaxTags) return bad();
    header = trim(header.substr(close + 1));
    if (!header.empty() && header.front() != ',') return bad();
  }
  // An empty list is a list (RFC 9110 5.6.1): If-Match then matches nothing (412), and
  // If-None-Match holds (the request proceeds).
  return c;
}

Result<Preconditions> Preconditions::parse(std::optional<std::string_view> if_match,
                                           std::optional<std::string_view> if_none_match) {
  Preconditions p;
  if (if_match) {
    SYNCLOG_ASSIGN_OR_RETURN(p.if_match_, parse_list(*if_match, "If-Match"));
  }
  if (if_none_match) {
    SYNCLOG_ASSIGN_OR_RETURN(p.if_none_match_, parse_list(*if_none_match, "If-None-Match"));
  }
  return p;
}

std::optional<std::int64_t> Preconditions::merge_base(std::int64_t current) const {
  if (!merge_ || !if_match_ || if_match_->any || if_match_->tags.size() != 1) return std::nullopt;
  const Tag& t = if_match_->tags.front();
  std::int64_t base = 0;
  const char* end = t.opaque.data() + t.opaque.size();
  const auto [ptr, ec] = std::from_chars(t.opaque.data(), end, base);
  // Only a version older than the current one is a base: one the resource never had is not.
  if (t.weak || ec != std::errc() || ptr != end || base < 0 || base >= current) return std::nullopt;
  return base;
}

Status Preconditions::check_write(std::optional<std::int64_t> current) const {
  const std::string current_tag = current ? std::to_string(*current) : std::string();
  if (if_match_) {
    if (!current) {
      return make_error(ErrorCode::kPreconditionFailed,
                        "If-Match: the resource does not exist");
    }
    bool matched = if_match_->any;
    // Strong comparison: weak tags never match.
    for (const auto& t : if_match_->tags) matched = matched || (!t.weak && t.opaque == current_tag);
    if (!matched) {
      return make_error(ErrorCode::kPreconditionFailed,
                        "If-Match: the resource has changed; its current ETag is " + etag_for(*current));
    }
  }
  if (if_none_match_ && current) {
    bool matched = if_none_match_->any;
    // Weak comparison.
    for (const auto& t : if_none_match_->tags) matched = matched || t.opaque == current_tag;
    if (matched) {
      return make_error(ErrorCode::kPreconditionFailed,
                        if_none_match_->any
                            ? "If-None-Match: * but the resource already exists (ETag " + etag_for(*current) + ")"
                            : "If-None-Match: the resource still has ETag " + etag_for(*current));
    }
  }
  return Status();
}

bool Preconditions::not_modified(std::int64_t current) const {
  return not_modified(std::string_view(std::to_string(current)));
}

bool Preconditions::not_modified(std::string_view tag) const {
  if (!if_none_match_) return false;
  if (if_none_match_->any) return true;
  for (const auto& t : if_none_match_->tags) {
    if (t.opaque == tag) return true;
  }
  return false;
}

}  // namespace synclog::domain
