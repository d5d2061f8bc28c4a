// The SDK's Server-Sent Events parser (client/sse_parser.cpp), which reads the change stream:
// the input is the stream's bytes, read with the default line limit and with a small one.
//
// Properties:
// - the bytes give the same events, retry time, last event ID, comment count and error however
//   they are split into reads (all at once, byte by byte, 5 at a time);
// - no event carries more data than the limit, and after an error every later read fails;
// - the events written out again as a stream (event, id, data lines) read back the same.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "client/sse_parser.hpp"
#include "fuzz_check.hpp"

namespace {

using synclog::client::SseEvent;
using synclog::client::SseParser;

struct Outcome {
  std::vector<SseEvent> events;
  std::string error;
  std::optional<std::chrono::milliseconds> retry;
  std::string last_event_id;
  std::int64_t comments = 0;
};

bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].data != b[i].data || a[i].id != b[i].id) return false;
  }
  return true;
}

// Reads `bytes` in pieces of `piece` (0: at once).
Outcome read(std::string_view bytes, std::size_t piece, std::size_t limit) {
  SseParser parser(limit);
  Outcome out;
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t n = piece == 0 ? bytes.size() : std::min(piece, bytes.size() - at);
    const auto st = parser.feed(bytes.substr(at, n), &out.events);
    at += n;
    if (!st.ok()) {
      out.error = st.error().message;
      const auto later = parser.feed("data: more\n\n", &out.events);
      SYNCLOG_FUZZ_CHECK(!later.ok() && later.error().message == out.error,
                         "a failed parser read on");
      break;
    }
  }
  out.retry = parser.retry();
  out.last_event_id = parser.last_event_id();
  out.comments = parser.comments();
  return out;
}

// The events as a server would write them.
std::string write(const std::vector<SseEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    out += "event: " + e.type + "\n" + "id: " + e.id + "\n";
    std::size_t start = 0;
    for (;;) {
      const auto lf = e.data.find('\n', start);
      out += "data: " +
             e.data.substr(start, lf == std::string::npos ? std::string::npos : lf - start) + "\n";
      if (lf == std::string::npos) break;
      start = lf + 1;
    }
    out += "\n";
  }
  return out;
}

void check(std::string_view bytes, std::size_t limit) {
  const Outcome whole = read(bytes, 0, limit);
  for (const std::size_t piece : {std::size_t{1}, std::size_t{5}}) {
    const Outcome split = read(bytes, piece, limit);
    SYNCLOG_FUZZ_CHECK(same(split.events, whole.events),
                       "the events depend on how the bytes arrived");
    SYNCLOG_FUZZ_CHECK(split.error == whole.error,
                       "error \"" + whole.error + "\" whole, \"" + split.error + "\" split");
    SYNCLOG_FUZZ_CHECK(split.retry == whole.retry && split.last_event_id == whole.last_event_id &&
                           split.comments == whole.comments,
                       "the stream's state depends on how the bytes arrived");
  }
  for (const auto& e : whole.events) {
    SYNCLOG_FUZZ_CHECK(e.data.size() <= limit, std::to_string(e.data.size()) + " bytes of data");
    SYNCLOG_FUZZ_CHECK(!e.type.empty() && e.id.find('\0') == std::string::npos, e.type);
  }
  // Written out again (events only: within the limit, each line is at most the data's size
  // plus its field name, so the written stream uses a limit that much larger).
  const Outcome again = read(write(whole.events), 0, limit + 16);
  SYNCLOG_FUZZ_CHECK(again.error.empty(), again.error);
  SYNCLOG_FUZZ_CHECK(same(again.events, whole.events),
                     "the events written out read back otherwise");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes = synclog::fuzz::text(data, size);
  check(bytes, synclog::client::kMaxSseLineBytes);
  check(bytes, 32);
  return 0;
}
