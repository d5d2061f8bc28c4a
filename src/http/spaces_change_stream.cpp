// What a stream of spaces sends and when.
#include "http/spaces_change_stream.hpp"

#include "common/json_text.hpp"
#include "http/metrics.hpp"

namespace synclog::http {

SpacesChangeStream::SpacesChangeStream(ChangeHub& hub, storage::UserKey feed, std::vector<Space> spaces,
                                       Options options)
    : hub_(hub), options_(options) {
  channels_.push_back(std::make_unique<Channel>(*this, feed, std::string()));
  for (auto& s : spaces) channels_.push_back(std::make_unique<Channel>(*this, s.key, std::move(s.id)));
}

SpacesChangeStream::~SpacesChangeStream() {
  if (!joined_) return;
  for (auto& c : channels_) hub_.remove(c->key, *c);
}

void SpacesChangeStream::join(std::size_t limit) {
  for (std::size_t i = 0; i < channels_.size(); ++i) {
    hub_.add(channels_[i]->key, *channels_[i], i == 0 ? limit : std::numeric_limits<std::size_t>::max());
  }
  joined_ = true;
}

void SpacesChangeStream::begin(std::int64_t feed_head) {
  Channel& feed = *channels_.front();
  feed.sent = feed_head;
  feed.head_moved(feed_head);
}

void SpacesChangeStream::Channel::head_moved(std::int64_t head) {
  if (raise_to(latest, head)) stream.wake();
}

void SpacesChangeStream::Channel::evicted() {
  stream.evicted_.store(true, std::memory_order_release);
  stream.wake();
}

void SpacesChangeStream::wake() {
  if (started_.load(std::memory_order_acquire) && !wake_pending_.exchange(true)) wake_();
}

void SpacesChangeStream::start(Wake wake) {
  wake_ = std::move(wake);
  started_.store(true, std::memory_order_release);
  // Moves told between joining and starting.
  this->wake();
}

std::string_view SpacesChangeStream::finished() const {
  if (evicted_.load(std::memory_order_acquire)) return "evicted";
  return feed_moved_ ? "spaces_changed" : "";
}

std::string SpacesChangeStream::take() {
  std::string out;
  if (!greeted_) {
    greeted_ = true;
    out = "retry: " + std::to_string(options_.retry.count()) + "\n\n";
  }
  wake_pending_.store(false);
  if (feed_moved_) return out;  // the stream is ending: nothing more is told
  for (auto& c : channels_) {
    const std::int64_t head = c->latest.load(std::memory_order_acquire);
    if (head <= c->sent) continue;
    c->sent = head;
    if (options_.events_sent) options_.events_sent->inc();
    if (c->space_id.empty()) {
      out += "event: spaces\ndata: {\"lastMutationAt\":" + std::to_string(head) + "}\n\n";
      feed_moved_ = true;
      // The person may have been removed from a space: its moves told with this one (a write
      // after the removal, coalesced while the connection was busy) are no longer theirs to
      // hear. Nothing is lost for a member: the client pulls every space it follows once it
      // has connected again. The feed is the first channel, so no space's move went out.
      break;
    }
    std::string data = "{\"spaceId\":";
    append_json_string(data, c->space_id);
    data += ",\"lastMutationAt\":" + std::to_string(head) + "}";
    out += "event: space\ndata: " + data + "\n\n";
  }
  return out;
}

}  // namespace synclog::http
