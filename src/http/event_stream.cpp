// The one-time end of an EventStream: its log line and metrics run exactly once, also for a
// stream that never started.
#include "http/event_stream.hpp"

namespace synclog::http {

EventStream::~EventStream() { ended(0, "not_started"); }

void EventStream::ended(std::int64_t bytes_out, std::string_view why) {
  if (ended_) return;
  ended_ = true;
  if (on_ended_) on_ended_(bytes_out, why);
}

}  // namespace synclog::http
