// One open change stream (GET /v1/sync/events, docs/api.md "Change stream"): a listener of the
// ChangeHub for its user, and the EventStream the server writes. It keeps the highest head it
// was told and the last head it sent; take() sends the retry hint first, then one event whenever
// the head rose above what was sent, so moves told while a write was in progress coalesce into
// one event with the highest head, and ids only ever rise.
//
// Wire format:   retry: <ms>\n\n
//                id: <head>\nevent: head\ndata: {"lastMutationAt":<head>}\n\n
//                : heartbeat\n\n
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "http/change_hub.hpp"
#include "http/event_stream.hpp"

namespace synclog::http {

class Counter;

class ChangeStream final : public EventStream, public ChangeHub::Listener {
 public:
  struct Options {
    std::chrono::milliseconds heartbeat{15'000};
    std::chrono::milliseconds retry{1'000};  // the reconnect delay hint
    Counter* events_sent = nullptr;          // counts events taken, if given
  };
  ChangeStream(ChangeHub& hub, storage::UserKey user, Options options);
  // Leaves the hub, if it joined.
  ~ChangeStream() override;

  // Joins the hub as one of the user's streams, evicting the user's oldest when it already has
  // `limit` (ChangeHub::add). Moves told from then on are kept, so a head read after joining
  // misses none.
  void join(std::size_t limit);
  // What the client has seen: the head read after joining, and the Last-Event-ID or
  // lastMutationAt it sent (nothing: it has seen nothing). The first take() sends an event at
  // once when the head is above what the client has seen. A value above the head (a cursor
  // from elsewhere) sends nothing at once; every later move does.
  void begin(std::int64_t head, std::optional<std::int64_t> seen);

  // ChangeHub::Listener; any thread. Once evicted, the stream is finished() and wakes the server.
  void head_moved(std::int64_t head) override;
  void evicted() override;

  // EventStream; the connection's strand.
  void start(Wake wake) override;
  std::string take() override;
  std::chrono::milliseconds heartbeat() const override { return options_.heartbeat; }
  std::string heartbeat_text() const override { return ": heartbeat\n\n"; }
  std::string_view finished() const override;

  // The text of one event.
  static std::string event_text(std::int64_t head);

 private:
  static constexpr std::int64_t kNothing = std::numeric_limits<std::int64_t>::min();

  // Asks the server to call take() (or look at finished()) soon, once it started the stream.
  void wake();

  ChangeHub& hub_;
  const storage::UserKey user_;
  const Options options_;
  bool joined_ = false;
  std::atomic<std::int64_t> latest_{kNothing};  // the highest head told or read
  std::atomic<bool> wake_pending_{false};       // a wake is on its way to the strand
  std::atomic<bool> started_{false};            // wake_ is set (and never changes again)
  std::atomic<bool> evicted_{false};            // the hub dropped it for a newer stream
  Wake wake_;
  // On the strand only.
  std::int64_t sent_ = kNothing;  // the highest head the client has (sent, or given by it)
  bool greeted_ = false;          // the retry hint was sent
};

}  // namespace synclog::http
