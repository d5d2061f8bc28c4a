// What a change stream sends and when: the retry hint, one event per rise of the head, the
// heartbeat text, and leaving the hub when the stream ends or is evicted.
#include "http/change_stream.hpp"

#include <algorithm>

#include "http/metrics.hpp"

namespace synclog::http {

ChangeStream::ChangeStream(ChangeHub& hub, storage::UserKey user, Options options)
    : hub_(hub), user_(user), options_(options) {}

ChangeStream::~ChangeStream() {
  if (joined_) hub_.remove(user_, *this);
}

void ChangeStream::join(std::size_t limit) {
  hub_.add(user_, *this, limit);
  joined_ = true;
}

void ChangeStream::begin(std::int64_t head, std::optional<std::int64_t> seen) {
  head_moved(head);
  if (seen) sent_ = std::min(*seen, head);
}

void ChangeStream::head_moved(std::int64_t head) {
  if (raise_to(latest_, head)) wake();  // else nothing new for this stream
}

void ChangeStream::evicted() {
  evicted_.store(true, std::memory_order_release);
  wake();
}

std::string_view ChangeStream::finished() const {
  return evicted_.load(std::memory_order_acquire) ? "evicted" : "";
}

void ChangeStream::wake() {
  if (started_.load(std::memory_order_acquire) && !wake_pending_.exchange(true)) wake_();
}

void ChangeStream::start(Wake wake) {
  wake_ = std::move(wake);
  started_.store(true, std::memory_order_release);
}

std::string ChangeStream::take() {
  std::string out;
  if (!greeted_) {
    greeted_ = true;
    out = "retry: " + std::to_string(options_.retry.count()) + "\n\n";
  }
  // Cleared before reading the head: a move told after this read wakes the strand again.
  wake_pending_.store(false);
  const std::int64_t head = latest_.load(std::memory_order_acquire);
  if (head > sent_) {
    sent_ = head;
    out += event_text(head);
    if (options_.events_sent) options_.events_sent->inc();
  }
  return out;
}

std::string ChangeStream::event_text(std::int64_t head) {
  const std::string h = std::to_string(head);
  return "id: " + h + "\nevent: head\ndata: {\"lastMutationAt\":" + h + "}\n\n";
}

}  // namespace synclog::http
