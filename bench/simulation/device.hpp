// A device of one user, as an offline-first app keeps it: its local records (each field's
// value, the value it was last synced at, and whether it is a local change not pushed yet),
// its cursor, and whether it is offline. It turns local changes into push mutations and takes
// the server's answers and pulls back in, and its user decides every clash it is shown, after
// seeing the other value: a changed field is kept (a new edit, made knowing the other value) or
// given up for theirs, an edit of a deleted record gives in to the deletion, and a delete of a
// record edited since is made again or dropped, each 50/50. Every edit is registered with the
// oracle, which is told what became of it. Not thread-safe.
#pragma once

#include "model.hpp"
#include "oracle.hpp"

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace synclog::sim {

// What taking one server state into a record found.
struct RebaseResult {
  int clashes = 0;      // 1 when a pending change met another value: the user decided
  bool merged = false;  // others' changes to fields this device had not changed, folded in
};

class Device {
 public:
  // `name` is the device's x-client-id ("u3-d1"), unique in the run; `seed` drives its user's
  // decisions.
  Device(int index, std::string name, std::uint64_t seed)
      : index_(index), name_(std::move(name)), rng_(seed) {}

  int index() const { return index_; }
  const std::string& name() const { return name_; }
  std::int64_t cursor() const { return cursor_; }
  void set_cursor(std::int64_t c) { cursor_ = c; }

  bool online() const { return offline_rounds_ == 0; }
  void go_offline(int rounds) { offline_rounds_ = rounds; }
  // A round passed: one fewer offline round to go.
  void tick() {
    if (offline_rounds_ > 0) --offline_rounds_;
  }

  ///////// The app's user, editing locally (online or not):

  // Records the app shows (deleted ones, pending or not, are gone from it).
  std::vector<std::string> visible_ids() const;
  Kind kind_of(const std::string& id) const { return records_.at(id).kind; }
  const std::string& value_of(const std::string& id, const std::string& field) const {
    return records_.at(id).fields.at(field).value;
  }
  // A new record with random values (or `preset` ones) and a client-chosen id; returns the id.
  std::string create(Kind k, Oracle& oracle, std::mt19937_64& values, const Fields& preset = {});
  // Writes a field; writing the value it already shows is no edit (returns false).
  bool set_field(const std::string& id, const std::string& field, const std::string& value,
                 Oracle& oracle);
  void remove(const std::string& id, Oracle& oracle);
  // A value nobody wrote before (text fields embed the device and a counter).
  std::string fresh_value(Kind k, const std::string& field, std::mt19937_64& values);

  // The time the user's next edit is captured at (spaces: each edit's clientUpdatedAt); every
  // edit moves it on by a millisecond.
  void set_clock(std::int64_t now_ms) { clock_ = std::max(clock_, now_ms); }
  // Records whose reference (an inspection's site) names none of `live`, and that carry it to the
  // server: a new record, or a changed reference. The user must pick another.
  std::vector<std::string> dangling(const std::vector<std::string>& live) const;
  // The user picks another of `live` for `id`'s reference; with none to pick, they give the
  // record up if it was never pushed, or the reference change if it was.
  void repoint(const std::string& id, const std::vector<std::string>& live, std::mt19937_64& pick, Oracle& oracle);

  ///////// Sync:

  bool has_pending() const;
  // The local changes as mutations, at most `max` (the push limit is 100): UPDATEs carry every
  // field in strict mode (as upstream clients send whole records) and only the changed ones in
  // field mode, which also needs each record's base version.
  std::vector<Mutation> pending(Mode mode, std::size_t max) const;
  // The server applied `m`: what it carried is no longer a local change; a field `settled` says
  // the server kept (the same person's later capture elsewhere won) takes the server's value.
  void acknowledge(const Mutation& m, const std::vector<Settled>& settled = {});
  // The server refused `m` (a space's rejection): for `permission` the user gives the change up;
  // for `reference` they give up the reference and must pick another (dangling()).
  void reject(const Mutation& m, const std::string& reason, Oracle& oracle);
  // The server refused `m` with `c` (conflictMode=field); the user decides each clash.
  RebaseResult resolve_conflict(const Mutation& m, const ConflictInfo& c, Oracle& oracle);
  // Takes a pulled entry in, keeping local changes; a local change the pulled state clashes
  // with (another value than the one it was edited from) is decided by the user.
  RebaseResult apply_pulled(const PulledEntry& e, Oracle& oracle);

  // The app's records and values, for the final comparison with the server.
  std::map<std::string, Fields> visible_state() const;

 private:
  struct Field {
    std::string value;  // what the app shows
    std::string base;   // the server's value when last synced
    EditId edit = 0;    // the local edit that wrote `value`, while dirty
    bool dirty = false;
  };
  struct Record {
    Kind kind = Kind::kNote;
    std::map<std::string, Field> fields;
    std::int64_t base_version = 0;  // the server's version when last synced (0: never)
    bool pending_create = false;
    bool pending_delete = false;
    EditId delete_edit = 0;
    bool rebased_merge = false;  // strict: a rebase folded others' changes in since the push
    std::int64_t captured = 0;   // when its latest local edit was made
  };

  bool coin() { return std::bernoulli_distribution(0.5)(rng_); }
  // Takes server state `s` at `version` into `r`. A dirty field clashes when it is in
  // `clashing` (the server said so) or, without that list, when the server's value is neither
  // the base nor the local one.
  RebaseResult rebase(const std::string& id, Record& r, const Fields& s, std::int64_t version,
                      const std::vector<std::string>* clashing, Oracle& oracle);
  void drop(const std::string& id, Fate dirty_edits, Oracle& oracle);

  int index_;
  std::string name_;
  std::mt19937_64 rng_;
  std::map<std::string, Record> records_;
  std::int64_t cursor_ = 0;
  int offline_rounds_ = 0;
  int counter_ = 0;  // for ids and values
  std::int64_t clock_ = 0;
  std::int64_t tick_edit() { return ++clock_; }
};

}  // namespace synclog::sim
