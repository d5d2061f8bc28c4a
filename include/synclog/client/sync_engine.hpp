// The sync engine (docs/client.md, "Sync: pull -> apply -> push"): brings a device's LocalStore
// and the server to the same state. One sync() pulls by cursor pages and applies what other
// devices did (settling conflicts with each resource type's strategy), then pushes the queue in
// batches of at most 100 in conflictMode=field, each with an Idempotency-Key stored before it is
// sent, recovering from mutations the server reports as conflicts and from 409 (pull, settle,
// retry), lost answers (the same request again), 429/503 (Retry-After) and
// 410 (a full resync), with exponential backoff and full jitter between attempts.
//
// Every outcome is an event for the app (synced, merged automatically, needs the user) and every
// conflict a row of the store's conflict log. listen() keeps the device in step as other devices
// write, syncing when the server's change stream says so. The engine runs on the caller's thread;
// it is not thread-safe (one engine per store).
#pragma once

#include "synclog/client/local_store.hpp"
#include "synclog/client/transport.hpp"
#include "synclog/client/types.hpp"

#include "common/clock.hpp"
#include "common/status.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace synclog::client {

struct SyncOptions {
  // Attempts of one request (a lost answer, a 5xx, 429, a refused connection) before sync()
  // gives up and reports it; what is queued stays queued for the next sync().
  int max_attempts = 6;
  std::chrono::milliseconds backoff_base{200};  // first wait; doubles each attempt
  std::chrono::milliseconds backoff_cap{30'000};
  std::chrono::milliseconds request_timeout{30'000};
  // Rounds of pull, settle, push again (after a 409, or a batch in which the server reported
  // conflicts) before sync() gives up: another device writing without pause could otherwise
  // keep this one busy forever.
  int max_conflict_rounds = 20;
  // Push with POST /v1/sync?conflictMode=field (docs/client.md, "Sync"): a stale head is no
  // 409, the server merges edits of different fields and reports only real clashes, which the
  // strategies settle. A server that does not know the mode answers as in strict mode and the
  // engine copes (it then sends whole records, as strict mode does). false: strict mode only.
  bool field_mode = true;
  // Follow the person's shared spaces (docs/client.md, "Shared spaces") in every sync(). A
  // server without spaces (404 on the feed) is skipped quietly.
  bool spaces = true;
  // A device that has not completed a sync for this long asks the server's pre-sync
  // validation (dryRun) before pushing a space's edits, and reports what would fail
  // (SyncEvent kind "presync") before anything is sent. 0: never.
  std::chrono::milliseconds presync_after{std::chrono::hours(1)};
  // How requests reach the server. nullptr: the SDK's HTTP/1.1 client, connected to the store's
  // server URL at each sync(). Given, it is used for every request and stream instead (an app's
  // own HTTP stack, a test's in-process server), and the store needs no server URL.
  // The engine calls it from one thread at a time.
  std::shared_ptr<Transport> transport;
  // The wall clock (the last sync's time, how long the device was offline). nullptr: the
  // system clock. Must outlive the engine.
  const Clock* clock = nullptr;
};

// Progress of one sync() for a long first sync: entries pulled of the server's total, and
// batches pushed.
struct SyncProgress {
  enum class Phase { kPull, kPush } phase = Phase::kPull;
  std::string space;  // the space being pulled or pushed; empty: the per-user data
  bool first_pull = false;  // a space's first pull (its master data first): worth a progress bar
  std::int64_t pulled = 0;
  std::int64_t total = 0;  // the server's count of entries after the cursor, when known
  std::int64_t batches_pushed = 0;
  std::int64_t mutations_pushed = 0;
  std::int64_t queued = 0;  // mutations still queued
};

// What the app shows for one record (or, in a space, for the space itself).
struct SyncEvent {
  Outcome outcome = Outcome::kSynced;
  Resource resource = Resource::kNote;  // the per-user data's resource; unused in a space
  std::string id;
  std::string reason;
  std::int64_t conflict_seq = 0;  // its row in the conflict log; 0 when it was no conflict

  // In a shared space (docs/client.md, "Shared spaces"): the space's id (empty for the
  // per-user data), the record's type, and what happened:
  //   "applied"          the server took the edit (kSynced)
  //   "softMerged"       the person's own edit from another device clashed; the later capture
  //                      won (kMerged; `fields` names them)
  //   "settled"          a clash the type's policy settled (kMerged; `fields`)
  //   "conflict"         another person changed the same fields (kNeedsUser; `fields`,
  //                      conflict_seq is the SpaceStore::conflicts() row)
  //   "rejected"         the server refused the edit (kNeedsUser; conflict_seq is the
  //                      SpaceStore::rejections() row; `reason` says what to do)
  //   "presync"          a pre-sync check predicts a conflict or rejection (kNeedsUser);
  //                      nothing was sent yet
  //   "update-required"  the space needs a newer app (kNeedsUser; id empty)
  //   "space-added", "space-removed" (kSynced; kNeedsUser when edits went to quarantine),
  //   "role-changed"
  std::string space;
  std::string type;
  std::string kind;
  std::vector<std::string> fields;
};

struct SyncReport {
  std::int64_t pulled = 0;          // entries applied from the server
  std::int64_t pushed = 0;          // mutations the server acknowledged
  std::int64_t batches = 0;         // push batches acknowledged
  std::int64_t conflicts = 0;       // conflicts settled by a strategy
  std::int64_t needs_user = 0;      // conflicts and refusals waiting for the user
  std::int64_t out_of_sync = 0;     // 409 answers recovered from
  std::int64_t server_conflicts = 0;  // mutations a field-mode push reported as clashing
  std::int64_t retries = 0;         // requests sent again (lost answers, 5xx, 429)
  bool resynced = false;            // a 410 made it pull from 0
  std::int64_t cursor = 0;          // the server head the device is at now
  // Shared spaces.
  std::int64_t spaces = 0;          // spaces synced
  std::int64_t space_pulled = 0;    // space entries applied
  std::int64_t space_pushed = 0;    // space edits the server took (applied or merged)
  std::int64_t space_batches = 0;   // space pushes acknowledged
  std::int64_t quarantined = 0;     // edits moved to the quarantine (removed from a space)
  std::int64_t update_required = 0;  // spaces waiting for an app update
};

// How SyncEngine::listen() listens (docs/client.md, "Listening for changes").
struct ListenOptions {
  // No byte from the server (an event or a heartbeat comment) for this long: the connection is
  // taken for dead (a phone that changed networks, a proxy that dropped it) and replaced.
  // 2.5 times the server's heartbeat interval, 15 s unless it runs with --events-heartbeat.
  std::chrono::milliseconds idle_timeout{37'500};
  // How often the stop token and sync_wanted are looked at while the stream is quiet.
  std::chrono::milliseconds poll_interval{250};
  // The wait before reconnecting until the server's `retry:` field names another; each attempt
  // that fails in a row doubles it, up to SyncOptions::backoff_cap, with full jitter.
  std::chrono::milliseconds reconnect_delay{1'000};
  // After every sync() that listen() ran, with its outcome. A failed one is tried again after
  // backoff (SyncOptions::backoff_base, doubling) while the stream stays open.
  std::function<void(const Result<SyncReport>&)> on_sync;
  // When the stream is lost or could not be opened: why, and the wait before the next attempt.
  std::function<void(const Error&, std::chrono::milliseconds)> on_disconnect;
  // Asked every poll_interval on the listening thread, also while it waits to reconnect (a push
  // needs no stream): true runs a sync() now. The way to push the app's own writes while another
  // thread listens, e.g. `[&] { return dirty.exchange(false); }` with a std::atomic<bool> the
  // app sets after each write.
  std::function<bool()> sync_wanted;
};

// The app's answer to a conflict that needs the user: the state to keep (a JSON object in the
// wire form, or "null" to delete the record), or nothing to leave it for later (it stays in the
// conflict log, unresolved, and the record's mutation waits).
using ManualResolver = std::function<std::optional<std::string>(const ConflictRecord&)>;

class SyncEngine {
 public:
  explicit SyncEngine(LocalStore& store, SyncOptions options = {});
  ~SyncEngine();
  SyncEngine(const SyncEngine&) = delete;
  SyncEngine& operator=(const SyncEngine&) = delete;

  void on_progress(std::function<void(const SyncProgress&)> callback);
  void on_event(std::function<void(const SyncEvent&)> callback);
  void set_manual_resolver(ManualResolver resolver);
  // Asked, before a space's edits are pushed after a long time offline
  // (SyncOptions::presync_after), with the conflicts and rejections the server's pre-sync
  // validation predicts (events of kind "presync", also sent to on_event): true pushes anyway
  // (their data is kept either way), false keeps that space's edits queued until the next
  // sync, e.g. for the person to review them first. Unset: push.
  void set_presync_check(std::function<bool(const std::vector<SyncEvent>&)> check);

  // Pull, apply, push until the queue is empty (or only waits for the user). Needs the store's
  // server URL and token (LocalStore::set_server_url/set_token). Errors: kUnauthorized (the
  // token), kUnavailable (the server could not be reached within max_attempts), kOutOfSync
  // (max_conflict_rounds exceeded), kInternal (the local file).
  Result<SyncReport> sync();

  // Listens to the server's change stream (GET /v1/sync/events) and runs sync() on this thread
  // whenever the server's head moves past the device's cursor, including once at the start when
  // it moved while the device was away; returns when `stop` is requested (looked at every
  // poll_interval and during waits; a sync in progress finishes first). Listening is about other
  // devices' writes: the app's own are pushed by sync() (or sync_wanted).
  //
  // The stream is reopened after any failure, end or silence longer than idle_timeout (a server
  // draining, a load balancer moving the device to another node), with Last-Event-ID the last
  // head heard, after the server's `retry:` delay or Retry-After, backing off with jitter while
  // attempts fail. The server URL and token are read from the store at each attempt, so a token
  // the app refreshes is used from the next one.
  //
  // OK once stopped. Errors only where trying again cannot help: kUnauthorized or kForbidden
  // (the token; the app needs a new one), kNotImplemented (the server has no change stream:
  // call sync() on a timer instead), kInvalidRequest (no or an unusable server URL).
  Status listen(const ListenOptions& options, std::stop_token stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace synclog::client
