// Reading the key files again and publishing what changed.
#include "auth/key_set.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <utility>

namespace synclog::auth {
namespace {

// The same key: its algorithm, its kid (a kid moved to other key material is a new key, and
// tokens naming it must be checked against that) and its public parameters.
bool same_key(const Key& a, const Key& b) {
  return a.alg == b.alg && a.kid == b.kid && EVP_PKEY_eq(a.pkey.get(), b.pkey.get()) == 1;
}

// The kids of the keys of `from` that `in` does not have.
std::vector<std::string> missing(const std::vector<Key>& from, const std::vector<Key>& in) {
  std::vector<std::string> out;
  for (const auto& k : from) {
    if (std::none_of(in.begin(), in.end(), [&](const Key& other) { return same_key(k, other); })) {
      out.push_back(k.kid);
    }
  }
  return out;
}

}  // namespace

bool KeySnapshot::has_kid(std::string_view kid) const {
  return std::any_of(keys.begin(), keys.end(), [&](const Key& k) { return k.kid == kid; });
}

std::string_view outcome_name(KeyReload::Outcome o) {
  switch (o) {
    case KeyReload::Outcome::kChanged: return "changed";
    case KeyReload::Outcome::kUnchanged: return "unchanged";
    case KeyReload::Outcome::kFailed: return "failed";
  }
  return "";
}

KeySet::KeySet(std::vector<Key> keys) : current_(std::make_shared<KeySnapshot>(KeySnapshot{std::move(keys), 0})) {}

KeySet::KeySet(Loader load, KeyReloadPolicy policy, const Clock* clock, Observer observer)
    : load_(std::move(load)), policy_(policy), clock_(clock), observer_(std::move(observer)) {}

Result<std::shared_ptr<KeySet>> KeySet::load(Loader load, KeyReloadPolicy policy, const Clock& clock,
                                             Observer observer) {
  std::shared_ptr<KeySet> set(new KeySet(std::move(load), policy, &clock, std::move(observer)));
  set->last_read_ms_.store(clock.now_ms());
  SYNCLOG_ASSIGN_OR_RETURN(auto keys, set->load_());
  set->current_ = std::make_shared<KeySnapshot>(KeySnapshot{std::move(keys), 0});
  return set;
}

std::shared_ptr<const KeySnapshot> KeySet::current() const {
  std::lock_guard lock(current_mu_);
  return current_;
}

bool KeySet::elapsed(std::int64_t now, std::int64_t period) const {
  const std::int64_t last = last_read_ms_.load(std::memory_order_acquire);
  // A clock that stepped back would otherwise hold every read off until it caught up again.
  return now < last || now - last >= period;
}

void KeySet::refresh_if_due() {
  if (clock_ && policy_.refresh_ms > 0 && elapsed(clock_->now_ms(), policy_.refresh_ms)) {
    // Whoever gets here first reads; the others go on with the set they have rather than wait.
    std::unique_lock lock(reload_mu_, std::try_to_lock);
    // The time again, under the lock: another thread may have just read them.
    if (lock.owns_lock()) {
      const std::int64_t now = clock_->now_ms();
      if (elapsed(now, policy_.refresh_ms)) reload("schedule", now);
    }
  }
}

std::shared_ptr<const KeySnapshot> KeySet::for_unknown_kid(std::string_view kid,
                                                           const std::shared_ptr<const KeySnapshot>& seen) {
  if (!clock_) return seen;
  // Waits for a read in progress: it may be the one that brings this kid.
  std::lock_guard lock(reload_mu_);
  auto now_set = current();
  if (now_set->has_kid(kid)) return now_set;
  const std::int64_t now = clock_->now_ms();
  if (!elapsed(now, policy_.min_interval_ms)) return now_set;
  reload("unknown_kid", now);
  return current();
}

void KeySet::reload(std::string_view trigger, std::int64_t now) {
  last_read_ms_.store(now, std::memory_order_release);
  KeyReload report;
  report.trigger = trigger;
  const auto before = current();
  auto loaded = load_();
  if (loaded.ok() && loaded->empty()) loaded = make_error(ErrorCode::kInvalidRequest, "no usable key");
  if (!loaded.ok()) {
    report.outcome = KeyReload::Outcome::kFailed;
    report.error = loaded.error().message;
    report.keys = before->keys.size();
  } else {
    report.added = missing(*loaded, before->keys);
    report.removed = missing(before->keys, *loaded);
    report.keys = loaded->size();
    if (report.added.empty() && report.removed.empty()) {
      report.outcome = KeyReload::Outcome::kUnchanged;
    } else {
      report.outcome = KeyReload::Outcome::kChanged;
      publish(std::make_shared<KeySnapshot>(KeySnapshot{std::move(*loaded), before->generation + 1}));
    }
  }
  if (observer_) observer_(report);
}

void KeySet::publish(std::shared_ptr<const KeySnapshot> next) {
  const std::uint64_t generation = next->generation;
  std::shared_ptr<const KeySnapshot> old;
  {
    std::lock_guard lock(current_mu_);
    old = std::exchange(current_, std::move(next));
  }
  // After the swap: a verification that still sees the old generation is one that ran just
  // before the change.
  generation_.store(generation, std::memory_order_release);
  // `old` is released here, outside the lock, if no verification still holds it.
}

}  // namespace synclog::auth
