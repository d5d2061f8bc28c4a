// The rounds, the two sync protocols, settling and the final checks.
#include "user_run.hpp"

#include "device.hpp"
#include "oracle.hpp"
#include "server_driver.hpp"

#include <algorithm>
#include <memory>
#include <random>
#include <stdexcept>

namespace synclog::sim {
namespace {

// A push carries at most 100 mutations (docs/api.md, POST /v1/sync).
constexpr std::size_t kMaxBatch = 100;
// Pushes one sync may take before the run is declared stuck: a strict retry after a 409
// cannot meet another 409 (a user's devices take turns), a field push after a conflict
// carries only what its user kept.
constexpr int kMaxPushesPerSync = 8;
// Full passes of every device to settle at the end. A sync leaves nothing pending (what a
// user keeps after a clash is pushed again within it), so the second pass pushes nothing;
// needing many more means the devices are stuck.
constexpr int kMaxSettlePasses = 12;
// Tokens outlive the longest run.
constexpr std::int64_t kTokenSeconds = 24 * 3600;

class UserRun {
 public:
  UserRun(const Config& config, Mode mode, int user, const test::ServerProcess& server)
      : config_(config),
        mode_(mode),
        user_(user),
        oracle_(config.devices),
        client_(server.client()),
        script_(config.seed * 1000003 + static_cast<std::uint64_t>(user)),
        values_(config.seed * 7919 + static_cast<std::uint64_t>(user)) {
    const std::string u = "u" + std::to_string(user);
    const std::string token = server.token("sim-" + u, "", kTokenSeconds);
    for (int i = 0; i < config.devices; ++i) {
      const std::string name = u + "-d" + std::to_string(i);
      devices_.emplace_back(i, name, config.seed * 31 + static_cast<std::uint64_t>(user * 64 + i));
      drivers_.emplace_back(client_, test::Headers{{"x-auth-token", token}, {"x-client-id", name}});
    }
    checker_ = std::make_unique<ServerDriver>(
        client_, test::Headers{{"x-auth-token", token}, {"x-client-id", u + "-check"}});
  }

  void run() {
    for (auto& d : devices_) pull_into(d, 0);
    for (int i = 0; i < config_.initial_records; ++i) create(devices_[0]);
    for (auto& d : devices_) sync(d);
    std::vector<int> order(devices_.size());
    for (int round = 0; round < config_.rounds; ++round) {
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
      std::shuffle(order.begin(), order.end(), script_);
      for (int i : order) turn(devices_[static_cast<std::size_t>(i)]);
    }
    settle();
    verify();
  }

  Counters& counters() { return c_; }

 private:
  double chance() { return std::uniform_real_distribution<double>(0, 1)(script_); }
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(script_); }

  void note(const Device& d, const std::string& what) { c_.note(d.name() + ": " + what); }

  void turn(Device& d) {
    d.tick();
    if (d.online() && chance() < config_.offline_chance) d.go_offline(pick(1, config_.max_offline));
    const int edits = pick(0, config_.max_edits);
    for (int e = 0; e < edits; ++e) edit(d);
    if (d.online()) sync(d);
  }

  void create(Device& d) {
    const double k = chance();
    const Kind kind = k < 0.5 ? Kind::kNote : k < 0.8 ? Kind::kCollection : Kind::kReadingSession;
    d.create(kind, oracle_, values_);
  }

  // One edit by the device's user: mostly a field of a record it shows, sometimes a new
  // record or a deletion, so records come and go while the set stays small enough to clash.
  void edit(Device& d) {
    const auto ids = d.visible_ids();
    const auto live = static_cast<int>(ids.size());
    const double r = chance();
    if (live < 3 || (live < config_.max_records && r < 0.06)) {
      create(d);
      return;
    }
    const std::string& id = ids[static_cast<std::size_t>(pick(0, live - 1))];
    if (r < 0.10) {
      d.remove(id, oracle_);
      return;
    }
    const Kind kind = d.kind_of(id);
    const auto& fields = fields_of(kind);
    const std::string& field =
        fields[static_cast<std::size_t>(pick(0, static_cast<int>(fields.size()) - 1))];
    d.set_field(id, field, d.fresh_value(kind, field, values_), oracle_);
  }

  std::string next_key(const Device& d) {
    return d.name() + "-" + std::string(mode_name(mode_)) + "-" + std::to_string(++keys_);
  }

  void sync(Device& d) {
    if (mode_ == Mode::kStrict) {
      sync_strict(d);
    } else {
      sync_field(d);
    }
  }

  void apply_acked(Device& d, const Mutation& m, std::int64_t ts) {
    std::vector<std::string> anomalies;
    oracle_.apply(d.index(), m, ts, &anomalies);
    for (auto& a : anomalies) {
      ++c_.anomalies;
      note(d, a);
    }
    d.acknowledge(m);
  }

  void sync_strict(Device& d) {
    ServerDriver& drv = drivers_[static_cast<std::size_t>(d.index())];
    for (int attempt = 0;; ++attempt) {
      const auto muts = d.pending(Mode::kStrict, kMaxBatch);
      if (muts.empty()) {
        if (attempt == 0) pull_into(d, d.cursor());  // else the 409's pull was the last word
        return;
      }
      if (attempt == kMaxPushesPerSync) throw std::runtime_error(d.name() + ": strict sync stuck");
      // Whether this batch clashes with something its device has not seen: decided before the
      // push, since a 409 tells nothing and a rebase changes what the device has seen.
      const bool clashes = std::any_of(muts.begin(), muts.end(), [&](const Mutation& m) {
        return oracle_.predict(d.index(), m).outcome == Outcome::kConflict;
      });
      const std::int64_t cursor = d.cursor();
      const auto answer = drv.push(Mode::kStrict, cursor, muts, next_key(d));
      ++c_.pushes;
      c_.mutations += static_cast<std::int64_t>(muts.size());
      if (answer.status == 409) {
        ++c_.status409;
        ++c_.conflicts;
        ++(clashes ? c_.genuine : c_.not_genuine);
        pull_into(d, cursor);
        continue;
      }
      for (std::size_t i = 0; i < muts.size(); ++i) {
        if (muts[i].rebased_merge) ++c_.merges;
        apply_acked(d, muts[i], answer.acks[i].timestamp);
      }
      pull_into(d, cursor);
      if (!d.has_pending()) return;
    }
  }

  void sync_field(Device& d) {
    ServerDriver& drv = drivers_[static_cast<std::size_t>(d.index())];
    for (int attempt = 0;; ++attempt) {
      const auto muts = d.pending(Mode::kField, kMaxBatch);
      const std::int64_t cursor = d.cursor();
      if (!muts.empty()) {
        if (attempt == kMaxPushesPerSync) throw std::runtime_error(d.name() + ": field sync stuck");
        const auto answer = drv.push(Mode::kField, cursor, muts, next_key(d));
        ++c_.pushes;
        c_.mutations += static_cast<std::int64_t>(muts.size());
        if (answer.status == 409) {
          ++c_.status409;
          note(d, "409 to a field-mode push at cursor " + std::to_string(cursor));
          pull_into(d, cursor);
          continue;
        }
        for (std::size_t i = 0; i < muts.size(); ++i) judge(d, muts[i], answer.acks[i]);
      }
      // From the old cursor: chaining on the push's head would skip others' changes.
      pull_into(d, cursor);
      if (muts.empty() || !d.has_pending()) return;
    }
  }

  // Compares one field-mode ack with the oracle's prediction, then lets the mirror and the
  // device take it in.
  void judge(Device& d, const Mutation& m, const Ack& ack) {
    const Prediction p = oracle_.predict(d.index(), m);
    const std::string what = std::string(type_name(m.type)) + " " + m.id;
    if (ack.outcome != Outcome::kConflict) {
      if (p.outcome == Outcome::kConflict) {
        ++c_.missed;
        note(d, what + " was " + std::string(outcome_name(ack.outcome)) + " but clashes (" +
                    p.reason + " " + join(p.fields) + ")");
      }
      if (ack.outcome == Outcome::kMerged) ++c_.merges;
      if (p.outcome != Outcome::kConflict &&
          (ack.outcome == Outcome::kMerged) != (p.outcome == Outcome::kMerged)) {
        ++c_.merge_mismatches;
      }
      apply_acked(d, m, ack.timestamp);
      return;
    }
    const ConflictInfo& c = *ack.conflict;
    ++c_.conflicts;
    if (p.outcome != Outcome::kConflict) {
      ++c_.not_genuine;
      note(d, what + " reported a conflict (" + c.reason + " " + join(c.fields) +
                  ") where nothing clashed");
    } else {
      ++c_.genuine;
      if (p.reason != c.reason || (c.reason == "changed" && p.fields != c.fields)) {
        ++c_.wrong_fields;
        note(d, what + " conflict says " + c.reason + " " + join(c.fields) + ", expected " +
                    p.reason + " " + join(p.fields));
      }
    }
    if (auto why = oracle_.check_record(m.id, c.version, c.record)) {
      ++c_.mismatches;
      note(d, "conflict answer: " + *why);
    }
    oracle_.observe(d.index(), m.id);
    c_.decisions += d.resolve_conflict(m, c, oracle_).clashes;
  }

  void pull_into(Device& d, std::int64_t since) {
    const auto answer = drivers_[static_cast<std::size_t>(d.index())].pull(since);
    c_.pulls += answer.requests;
    for (const auto& e : answer.entries) {
      if (auto why = oracle_.check_entry(e)) {
        ++c_.mismatches;
        note(d, "pull: " + *why);
      }
      oracle_.observe(d.index(), e.id);
      const int clashes = d.apply_pulled(e, oracle_).clashes;
      c_.client_clashes += clashes;
      c_.decisions += clashes;
    }
    d.set_cursor(answer.head);
  }

  // Every device online, syncing in turn, until a whole pass pushes nothing: then no write
  // happened during that pass, and every device pulled the final state in it.
  void settle() {
    for (int pass = 0; pass < kMaxSettlePasses; ++pass) {
      bool pushed = false;
      for (auto& d : devices_) {
        d.go_offline(0);
        pushed = pushed || d.has_pending();
        sync(d);
      }
      if (!pushed) return;
    }
    throw std::runtime_error("u" + std::to_string(user_) + " did not settle");
  }

  void verify() {
    c_.edits = oracle_.edits();
    const auto server = checker_->pull(0);
    c_.pulls += server.requests;
    const FinalCheck f = oracle_.check_final(server.entries);
    c_.duplicated += f.duplicated;
    c_.diverged += f.divergent;
    for (const auto& line : f.details) c_.note("u" + std::to_string(user_) + ": " + line);
    std::map<std::string, Fields> live;
    for (const auto& e : server.entries) {
      if (!e.deleted) live[e.id] = e.fields;
    }
    for (const auto& d : devices_) {
      if (d.has_pending()) {
        ++c_.diverged;
        note(d, "still has local changes after settling");
      } else if (d.visible_state() != live) {
        ++c_.diverged;
        note(d, "shows " + std::to_string(d.visible_state().size()) +
                    " records that differ from the server's " + std::to_string(live.size()));
      }
    }
    c_.lost = oracle_.count(Fate::kLost);
    c_.unsettled = oracle_.count(Fate::kPending);
    for (const auto& line : oracle_.describe(Fate::kLost, 5)) c_.note("lost: " + line);
    for (const auto& line : oracle_.describe(Fate::kPending, 5)) c_.note("unsettled: " + line);
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string out = "[";
    for (const auto& s : v) out += (out.size() > 1 ? "," : "") + s;
    return out + "]";
  }

  const Config& config_;
  Mode mode_;
  int user_;
  Oracle oracle_;
  test::HttpClient client_;
  std::vector<Device> devices_;
  std::vector<ServerDriver> drivers_;
  std::unique_ptr<ServerDriver> checker_;
  std::mt19937_64 script_;  // what the users do and when devices go offline
  std::mt19937_64 values_;  // the values they write
  std::int64_t keys_ = 0;
  Counters c_;
};

}  // namespace

Counters run_user(const Config& config, Mode mode, int user, const test::ServerProcess& server) {
  Counters failed;
  try {
    UserRun run(config, mode, user, server);
    try {
      run.run();
    } catch (const std::exception& e) {
      ++run.counters().errors;
      run.counters().note("u" + std::to_string(user) + " stopped: " + e.what());
    }
    return run.counters();
  } catch (const std::exception& e) {
    ++failed.errors;
    failed.note("u" + std::to_string(user) + " could not start: " + e.what());
  }
  return failed;
}

}  // namespace synclog::sim
