// The SSE parser's line splitting and field rules (see sse_parser.hpp for what it follows).
#include "client/sse_parser.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace synclog::client {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Status SseParser::fail(std::string message) {
  failed_ = make_error(ErrorCode::kInternal, "malformed event stream: " + std::move(message));
  return *failed_;
}

Status SseParser::feed(std::string_view bytes, std::vector<SseEvent>* events) {
  if (failed_) return *failed_;
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (after_cr_) {
      after_cr_ = false;
      if (bytes[i] == '\n') {
        ++i;
        continue;
      }
    }
    const std::size_t end = bytes.find_first_of("\r\n", i);
    const std::size_t stop = end == std::string_view::npos ? bytes.size() : end;
    if (line_.size() + (stop - i) > max_line_bytes_) {
      return fail("a line longer than " + std::to_string(max_line_bytes_) + " bytes");
    }
    line_.append(bytes.substr(i, stop - i));
    if (end == std::string_view::npos) break;
    after_cr_ = bytes[end] == '\r';
    i = end + 1;
    SYNCLOG_RETURN_IF_ERROR(line(events));
    line_.clear();
  }
  return Status();
}

Status SseParser::line(std::vector<SseEvent>* events) {
  std::string_view text = line_;
  if (first_line_) {
    first_line_ = false;
    if (text.starts_with(kBom)) text.remove_prefix(kBom.size());
  }
  if (text.empty()) {
    dispatch(events);
    return Status();
  }
  if (text.front() == ':') {
    ++comments_;
    return Status();
  }
  const std::size_t colon = text.find(':');
  const std::string_view field = text.substr(0, colon);
  std::string_view value;
  if (colon != std::string_view::npos) {
    value = text.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
  }
  if (field == "event") {
    type_ = value;
  } else if (field == "data") {
    if (data_.size() + value.size() + 1 > max_line_bytes_) {
      return fail("an event with more than " + std::to_string(max_line_bytes_) + " bytes of data");
    }
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) id_ = value;
  } else if (field == "retry") {
    std::uint64_t ms = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
    // A value too large to hold is as unusable as one with a stray character.
    if (all_digits(value) && ec == std::errc() && end == value.data() + value.size() &&
        ms <= static_cast<std::uint64_t>(std::chrono::milliseconds::max().count())) {
      retry_ = std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(ms));
    }
  }
  return Status();
}

void SseParser::dispatch(std::vector<SseEvent>* events) {
  last_event_id_ = id_;
  if (data_.empty()) {
    type_.clear();
    return;
  }
  data_.pop_back();  // the LF after the last data line
  SseEvent e;
  e.type = type_.empty() ? std::string("message") : std::move(type_);
  e.data = std::move(data_);
  e.id = last_event_id_;
  events->push_back(std::move(e));
  data_.clear();
  type_.clear();
}

}  // namespace synclog::client
