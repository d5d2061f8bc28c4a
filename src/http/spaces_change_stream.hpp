// One open change stream of a person's spaces (GET /v1/spaces/events, docs/api.md "Spaces"):
// a listener of the ChangeHub for their feed of spaces and for each space they belong to. It
// tells a move of each, coalescing moves told while a write was in progress:
//
//   retry: <ms>\n\n
//   event: space\ndata: {"spaceId":"<id>","lastMutationAt":<head>}\n\n    a space's log moved
//   event: spaces\ndata: {"lastMutationAt":<head>}\n\n                   the feed moved
//   : heartbeat\n\n
//
// A move of the feed (a space added or removed, a role changed) ends the stream right after its
// event, and no space's move is told with it (the person may have just been removed from that
// space): the client pulls its feed and connects again, and the new stream listens to the spaces
// it belongs to then. Events carry no id: after connecting, a client pulls what it follows once,
// and the stream tells it every move from then on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/change_hub.hpp"
#include "http/event_stream.hpp"

namespace synclog::http {

class Counter;

class SpacesChangeStream final : public EventStream {
 public:
  struct Options {
    std::chrono::milliseconds heartbeat{15'000};
    std::chrono::milliseconds retry{1'000};
    Counter* events_sent = nullptr;
  };
  struct Space {
    std::string id;
    storage::UserKey key = 0;
  };
  SpacesChangeStream(ChangeHub& hub, storage::UserKey feed, std::vector<Space> spaces, Options options);
  ~SpacesChangeStream() override;

  // Joins the hub: the feed as one of the person's streams (evicting their oldest beyond
  // `limit`, ChangeHub::add), each space without a limit. Moves told from then on are sent.
  void join(std::size_t limit);
  // The feed's head when its list of spaces was read: only moves beyond it are told (a move
  // between that read and join() is caught by telling the stream the head read after joining).
  void begin(std::int64_t feed_head);
  // Tells the feed's channel its head (read after joining).
  void feed_head(std::int64_t head) { channels_.front()->head_moved(head); }

  void start(Wake wake) override;
  std::string take() override;
  std::chrono::milliseconds heartbeat() const override { return options_.heartbeat; }
  std::string heartbeat_text() const override { return ": heartbeat\n\n"; }
  std::string_view finished() const override;

 private:
  static constexpr std::int64_t kNothing = std::numeric_limits<std::int64_t>::min();
  // One log the stream follows.
  struct Channel final : ChangeHub::Listener {
    Channel(SpacesChangeStream& s, storage::UserKey k, std::string id) : stream(s), key(k), space_id(std::move(id)) {}
    void head_moved(std::int64_t head) override;
    void evicted() override;
    SpacesChangeStream& stream;
    const storage::UserKey key;
    const std::string space_id;  // empty: the feed
    std::atomic<std::int64_t> latest{kNothing};
    std::int64_t sent = kNothing;  // on the strand only
  };
  void wake();

  ChangeHub& hub_;
  const Options options_;
  std::vector<std::unique_ptr<Channel>> channels_;  // the feed first
  bool joined_ = false;
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> started_{false};
  std::atomic<bool> evicted_{false};
  Wake wake_;
  bool greeted_ = false;           // on the strand only
  bool feed_moved_ = false;        // on the strand only: its event went out, the stream ends
};

}  // namespace synclog::http
