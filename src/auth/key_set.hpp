// The RS256/ES256 keys a TokenVerifier trusts, and how they change. An identity provider
// rotates its signing keys: it publishes a new key, signs with it, and later withdraws the old
// one. So the key files (--jwks, --public-key) are read again
//   - when a token names a `kid` the set does not have (a key published since the last read),
//     at most once per `min_interval`, so a flood of tokens naming made-up kids cannot make the
//     server read the files over and over;
//   - when `refresh` has passed since the last read, so a withdrawn key stops being trusted
//     even if no token ever names an unknown kid.
// A read that fails (a file missing, cut short mid-write or not a key set) keeps the keys
// there were: the server is never left with no keys. Each read is told to an observer (the
// server logs changes and failures and counts every read).
//
// Thread-safe. A token verified before costs two atomic loads here (is a read due, which
// generation is current); verifying a signature takes the current set as one shared_ptr copy
// under a mutex held for nothing else. Reads of the files happen under a second mutex, on the
// thread of the request that found them due (a scheduled read: whoever gets there first, the
// others go on with the set they have; an unknown kid: that request waits for the read, which
// takes microseconds for a file of a few keys).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/keys.hpp"
#include "common/clock.hpp"
#include "common/status.hpp"

namespace synclog::auth {

// One version of the set. Immutable once published.
struct KeySnapshot {
  std::vector<Key> keys;
  // Rises by one each time the set changes; tokens verified under another generation are
  // verified again (verified_tokens.hpp).
  std::uint64_t generation = 0;
  bool has_kid(std::string_view kid) const;
};

// What one read of the key files did.
struct KeyReload {
  enum class Outcome { kChanged, kUnchanged, kFailed };
  Outcome outcome = Outcome::kUnchanged;
  std::string_view trigger;           // "unknown_kid" or "schedule"
  std::vector<std::string> added;     // kids of keys now trusted that were not ("" for none)
  std::vector<std::string> removed;   // kids of keys no longer trusted
  std::string error;                  // kFailed: why; the previous keys are kept
  std::size_t keys = 0;               // keys trusted after the read
};
std::string_view outcome_name(KeyReload::Outcome o);

struct KeyReloadPolicy {
  std::int64_t refresh_ms = 5 * 60'000;   // read again this long after the last read; 0: never
  std::int64_t min_interval_ms = 30'000;  // an unknown kid reads again at most this often
};

class KeySet {
 public:
  // Reads every key file; fails as it does. Only called while holding the reload lock.
  using Loader = std::function<Result<std::vector<Key>>()>;
  using Observer = std::function<void(const KeyReload&)>;

  // Keys that never change (tests; a verifier without key files).
  explicit KeySet(std::vector<Key> keys);
  // Keys read by `load`, now (an error if that fails) and again per `policy`. `clock` and
  // `observer` must outlive the set; the observer runs on the thread that read the files.
  static Result<std::shared_ptr<KeySet>> load(Loader load, KeyReloadPolicy policy, const Clock& clock,
                                              Observer observer = {});

  // Reads the files again when the schedule says so.
  void refresh_if_due();
  // The generation of the set as it is.
  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // The set as it is. A pointer copy.
  std::shared_ptr<const KeySnapshot> current() const;
  // refresh_if_due(), then current().
  std::shared_ptr<const KeySnapshot> fresh() {
    refresh_if_due();
    return current();
  }
  // For a token naming `kid`, which `seen` does not have: the set read again, unless it was
  // read within min_interval (then the set as it is, which may already have the kid).
  std::shared_ptr<const KeySnapshot> for_unknown_kid(std::string_view kid,
                                                     const std::shared_ptr<const KeySnapshot>& seen);

 private:
  KeySet(Loader load, KeyReloadPolicy policy, const Clock* clock, Observer observer);
  // Whether `period` has passed since the last read (or the clock stepped back past it).
  bool elapsed(std::int64_t now, std::int64_t period) const;
  // Reads the files and publishes the result if it differs. Holding reload_mu_.
  void reload(std::string_view trigger, std::int64_t now);
  void publish(std::shared_ptr<const KeySnapshot> next);

  const Loader load_;
  const KeyReloadPolicy policy_;
  const Clock* const clock_ = nullptr;  // null: the keys never change
  const Observer observer_;
  std::atomic<std::int64_t> last_read_ms_{0};
  std::atomic<std::uint64_t> generation_{0};  // current_->generation, readable without the lock
  std::mutex reload_mu_;  // one read of the files at a time
  mutable std::mutex current_mu_;
  std::shared_ptr<const KeySnapshot> current_;  // guarded by current_mu_
};

}  // namespace synclog::auth
