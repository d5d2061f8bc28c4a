// The rounds, the two sync protocols, settling and the final checks.
#include "user_run.hpp"

#include "device.hpp"
#include "oracle.hpp"
#include "server_driver.hpp"

#include <algorithm>
#include <functional>
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

// Who runs in one log: its sync endpoint, and each device's person, token, UTC offset and
// whether it may write master data.
struct Setup {
  std::string name;  // "u3" or "s2"
  std::string path;  // the log's sync endpoint
  std::vector<std::string> tokens;  // per device (its person's)
  std::vector<int> persons;         // per device
  std::vector<bool> leads;          // per device
  std::vector<int> offsets;         // per device: minutes east of UTC (spaces)
};

// A device's UTC offset: devices of one team sit in different time zones, some across a daylight
// saving change (the capture times the server compares are all UTC).
constexpr int kOffsets[] = {0, 60, 120, -300, -240, 330, 600, -480};
// Capture times start two hours before central Europe's clocks go forward (2026-03-28T23:00Z)
// and move on by ten minutes per round, so a run of more than 12 rounds crosses the change.
constexpr std::int64_t kEpochMs = 1774738800000;
constexpr std::int64_t kRoundMs = 600'000;

class UserRun {
 public:
  UserRun(const Config& config, Mode mode, Setup setup, const test::ServerProcess& server)
      : config_(config),
        mode_(mode),
        setup_(std::move(setup)),
        oracle_(mode == Mode::kSpace ? Oracle(setup_.persons, setup_.leads)
                                     : Oracle(static_cast<int>(setup_.persons.size()))),
        client_(server.client()),
        script_(config.seed * 1000003 + std::hash<std::string>{}(setup_.name)),
        values_(config.seed * 7919 + std::hash<std::string>{}(setup_.name)) {
    for (std::size_t i = 0; i < setup_.persons.size(); ++i) {
      const std::string name = setup_.name + "-p" + std::to_string(setup_.persons[i]) + "-d" + std::to_string(i);
      devices_.emplace_back(static_cast<int>(i), name, config.seed * 31 + std::hash<std::string>{}(name));
      drivers_.emplace_back(client_, test::Headers{{"x-auth-token", setup_.tokens[i]}, {"x-client-id", name}},
                            setup_.path, setup_.offsets[i]);
    }
    checker_ = std::make_unique<ServerDriver>(
        client_, test::Headers{{"x-auth-token", setup_.tokens[0]}, {"x-client-id", setup_.name + "-check"}},
        setup_.path);
  }

  void run() {
    for (auto& d : devices_) pull_into(d, 0);
    for (int i = 0; i < config_.initial_records; ++i) create(devices_[0]);
    for (auto& d : devices_) sync(d);
    if (mode_ == Mode::kSpace) {
      // Each technician starts with inspections of their own, on their first device.
      for (std::size_t i = 0; i < devices_.size(); i += static_cast<std::size_t>(config_.devices)) {
        for (int n = 0; n < config_.initial_records; ++n) create(devices_[i]);
      }
      for (auto& d : devices_) sync(d);
    }
    std::vector<int> order(devices_.size());
    for (int round = 0; round < config_.rounds; ++round) {
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
      std::shuffle(order.begin(), order.end(), script_);
      for (std::size_t t = 0; t < order.size(); ++t) {
        Device& d = devices_[static_cast<std::size_t>(order[t])];
        d.set_clock(kEpochMs + round * kRoundMs + static_cast<std::int64_t>(t) * 1'000);
        turn(d);
      }
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
    // Most of a technician's turns are spent inspecting, not typing: only some edit at all.
    const int edits = chance() < config_.edit_turns ? pick(0, config_.max_edits) : 0;
    for (int e = 0; e < edits; ++e) edit(d);
    if (d.online()) sync(d);
  }

  bool lead(const Device& d) const { return setup_.leads[static_cast<std::size_t>(d.index())]; }

  // The sites `d` shows (an inspection's site is picked among them).
  std::vector<std::string> visible_sites(const Device& d) const {
    std::vector<std::string> out;
    for (const auto& id : d.visible_ids()) {
      if (d.kind_of(id) == Kind::kSite) out.push_back(id);
    }
    return out;
  }

  // The record the user edits. In a space a technician works mostly on what they captured
  // themselves (the inspections assigned to them), now and then on a colleague's; in a user's
  // own log, on any.
  const std::string& pick_record(const Device& d, const std::vector<std::string>& ids) {
    if (mode_ == Mode::kSpace && chance() >= config_.colleague_edits) {
      const auto own = own_records(d, ids);
      if (!own.empty()) return *own[static_cast<std::size_t>(pick(0, static_cast<int>(own.size()) - 1))];
    }
    return ids[static_cast<std::size_t>(pick(0, static_cast<int>(ids.size()) - 1))];
  }

  // The records among `ids` that `d`'s person captured (on any of their devices).
  std::vector<const std::string*> own_records(const Device& d, const std::vector<std::string>& ids) const {
    const std::string mine = setup_.name + "-p" + std::to_string(setup_.persons[static_cast<std::size_t>(d.index())]) + "-";
    std::vector<const std::string*> own;
    for (const auto& id : ids) {
      if (id.rfind(mine, 0) == 0) own.push_back(&id);
    }
    return own;
  }

  std::string pick_of(const std::vector<std::string>& ids) {
    return ids[static_cast<std::size_t>(pick(0, static_cast<int>(ids.size()) - 1))];
  }

  void create(Device& d) {
    const double k = chance();
    if (mode_ != Mode::kSpace) {
      const Kind kind = k < 0.5 ? Kind::kNote : k < 0.8 ? Kind::kCollection : Kind::kReadingSession;
      d.create(kind, oracle_, values_);
      return;
    }
    // Leads add sites now and then; a member does only by mistake (an old app, say): refused.
    const auto sites = visible_sites(d);
    if (sites.empty() || (lead(d) ? k < 0.25 : k < 0.02)) {
      d.create(Kind::kSite, oracle_, values_);
      return;
    }
    d.create(Kind::kInspection, oracle_, values_, Fields{{"site", pick_of(sites)}});
  }

  // One edit by the device's user: mostly a field of a record it shows, sometimes a new
  // record or a deletion, so records come and go while the set stays small enough to clash.
  void edit(Device& d) {
    const auto ids = d.visible_ids();
    const auto live = static_cast<int>(ids.size());
    const double r = chance();
    // In a space each person keeps a set of their own, as a user does in their log.
    const int mine = mode_ == Mode::kSpace ? static_cast<int>(own_records(d, ids).size()) : live;
    if (live < 3 || mine < 3 || (mine < config_.max_records && r < 0.06)) {
      create(d);
      return;
    }
    const std::string& id = pick_record(d, ids);
    const Kind kind = d.kind_of(id);
    // A member's app offers no way to change master data; now and then one slips through.
    if (is_master(kind) && !lead(d) && chance() > 0.05) return;
    if (r < 0.10) {
      // A lead keeps a few sites for inspections to point at.
      if (kind == Kind::kSite && visible_sites(d).size() <= 3) return;
      d.remove(id, oracle_);
      return;
    }
    const auto& fields = fields_of(kind);
    const std::string& field =
        fields[static_cast<std::size_t>(pick(0, static_cast<int>(fields.size()) - 1))];
    if (is_reference(kind, field)) {
      const auto sites = visible_sites(d);
      if (!sites.empty()) d.set_field(id, field, pick_of(sites), oracle_);
      return;
    }
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

  void apply_acked(Device& d, const Mutation& m, std::int64_t ts, const std::vector<Settled>& settled = {}) {
    std::vector<std::string> anomalies;
    oracle_.apply(d.index(), m, ts, &anomalies, settled);
    for (auto& a : anomalies) {
      ++c_.anomalies;
      note(d, a);
    }
    d.acknowledge(m, settled);
  }

  // A sync that pushes: whether the upstream's strict rule would refuse its first push (its
  // cursor is behind the log's head: someone wrote since it last pulled), counted once.
  void count_sync(const Device& d) {
    ++c_.syncs;
    if (d.cursor() < head_) ++c_.strict_would_fail;
  }

  // The user picks another site for what points at one they no longer show.
  void repoint(Device& d) {
    if (mode_ != Mode::kSpace) return;
    const auto sites = visible_sites(d);
    for (const auto& id : d.dangling(sites)) d.repoint(id, sites, script_, oracle_);
  }

  void sync_strict(Device& d) {
    ServerDriver& drv = drivers_[static_cast<std::size_t>(d.index())];
    bool refused = false;
    for (int attempt = 0;; ++attempt) {
      const auto muts = d.pending(Mode::kStrict, kMaxBatch);
      if (muts.empty()) {
        if (attempt == 0) pull_into(d, d.cursor());  // else the 409's pull was the last word
        if (refused) ++c_.conflict_syncs;
        return;
      }
      if (attempt == kMaxPushesPerSync) throw std::runtime_error(d.name() + ": strict sync stuck");
      // Whether this batch clashes with something its device has not seen: decided before the
      // push, since a 409 tells nothing and a rebase changes what the device has seen.
      const bool clashes = std::any_of(muts.begin(), muts.end(), [&](const Mutation& m) {
        return oracle_.predict(d.index(), m).outcome == Outcome::kConflict;
      });
      const std::int64_t cursor = d.cursor();
      if (attempt == 0) count_sync(d);
      const auto answer = drv.push(Mode::kStrict, cursor, muts, next_key(d));
      head_ = std::max(head_, answer.head);
      ++c_.pushes;
      c_.mutations += static_cast<std::int64_t>(muts.size());
      if (answer.status == 409) {
        refused = true;
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
      if (!d.has_pending()) {
        if (refused) ++c_.conflict_syncs;
        return;
      }
    }
  }

  void sync_field(Device& d) {
    ServerDriver& drv = drivers_[static_cast<std::size_t>(d.index())];
    bool conflicted = false;
    for (int attempt = 0;; ++attempt) {
      repoint(d);
      const auto muts = d.pending(Mode::kField, kMaxBatch);
      const std::int64_t cursor = d.cursor();
      if (!muts.empty()) {
        if (attempt == kMaxPushesPerSync) throw std::runtime_error(d.name() + ": field sync stuck");
        if (attempt == 0) count_sync(d);
        const auto answer = drv.push(mode_, cursor, muts, next_key(d));
        head_ = std::max(head_, answer.head);
        ++c_.pushes;
        c_.mutations += static_cast<std::int64_t>(muts.size());
        if (answer.status == 409) {
          ++c_.status409;
          note(d, "409 to a field-mode push at cursor " + std::to_string(cursor));
          pull_into(d, cursor);
          continue;
        }
        for (std::size_t i = 0; i < muts.size(); ++i) {
          if (answer.acks[i].outcome == Outcome::kConflict) conflicted = true;
          judge(d, muts[i], answer.acks[i]);
        }
      }
      // From the old cursor: chaining on the push's head would skip others' changes.
      pull_into(d, cursor);
      if (muts.empty() || !d.has_pending()) {
        if (conflicted) ++c_.conflict_syncs;
        return;
      }
    }
  }

  // Compares one field-mode ack with the oracle's prediction, then lets the mirror and the
  // device take it in.
  void judge(Device& d, const Mutation& m, const Ack& ack) {
    const Prediction p = oracle_.predict(d.index(), m);
    const std::string what = std::string(type_name(m.type)) + " " + m.id;
    if (ack.outcome == Outcome::kRejected) {
      ++c_.rejections;
      if (p.outcome != Outcome::kRejected || p.reason != ack.rejection) {
        ++c_.wrong_outcomes;
        note(d, what + " was rejected (" + ack.rejection + "); the oracle expected " +
                    std::string(outcome_name(p.outcome)) + " " + p.reason);
      }
      d.reject(m, ack.rejection, oracle_);
      return;
    }
    if (p.outcome == Outcome::kRejected) {
      ++c_.wrong_outcomes;
      note(d, what + " was " + std::string(outcome_name(ack.outcome)) + "; the oracle expected a rejection (" +
                  p.reason + ")");
    }
    if (ack.outcome != Outcome::kConflict) {
      if (p.outcome == Outcome::kConflict) {
        ++c_.missed;
        note(d, what + " was " + std::string(outcome_name(ack.outcome)) + " but clashes (" +
                    p.reason + " " + join(p.fields) + ")");
      }
      if (ack.outcome == Outcome::kMerged) ++c_.merges;
      if (ack.outcome == Outcome::kSoftMerged) ++c_.soft_merges;
      if (p.outcome != Outcome::kConflict && p.outcome != Outcome::kRejected &&
          (ack.outcome == Outcome::kMerged) != (p.outcome == Outcome::kMerged)) {
        ++c_.merge_mismatches;
      }
      if (!same_settling(p.settled, ack.settled)) {
        ++c_.wrong_outcomes;
        note(d, what + " settled " + settled_text(ack.settled) + "; the oracle expected " + settled_text(p.settled));
      }
      apply_acked(d, m, ack.timestamp, ack.settled);
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
    throw std::runtime_error(setup_.name + " did not settle");
  }

  void verify() {
    c_.edits = oracle_.edits();
    const auto server = checker_->pull(0);
    c_.pulls += server.requests;
    const FinalCheck f = oracle_.check_final(server.entries);
    c_.duplicated += f.duplicated;
    c_.diverged += f.divergent;
    for (const auto& line : f.details) c_.note(setup_.name + ": " + line);
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

  static bool same_settling(std::vector<Settled> a, std::vector<Settled> b) {
    const auto key = [](const Settled& s) { return std::make_pair(s.field, s.device_kept); };
    const auto by_key = [&](const Settled& x, const Settled& y) { return key(x) < key(y); };
    std::sort(a.begin(), a.end(), by_key);
    std::sort(b.begin(), b.end(), by_key);
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [&](const Settled& x, const Settled& y) { return key(x) == key(y); });
  }

  static std::string settled_text(const std::vector<Settled>& v) {
    std::string out = "[";
    for (const auto& s : v) out += (out.size() > 1 ? "," : "") + s.field + (s.device_kept ? ":device" : ":server");
    return out + "]";
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string out = "[";
    for (const auto& s : v) out += (out.size() > 1 ? "," : "") + s;
    return out + "]";
  }

  const Config& config_;
  Mode mode_;
  Setup setup_;
  Oracle oracle_;
  test::HttpClient client_;
  std::vector<Device> devices_;
  std::vector<ServerDriver> drivers_;
  std::unique_ptr<ServerDriver> checker_;
  std::mt19937_64 script_;  // what the users do and when devices go offline
  std::mt19937_64 values_;  // the values they write
  std::int64_t keys_ = 0;
  std::int64_t head_ = 0;  // the log's head as the latest push answer said
  Counters c_;
};


Counters run_setup(const Config& config, Mode mode, const std::function<Setup()>& make_setup,
                   const test::ServerProcess& server, const std::string& name) {
  Counters failed;
  try {
    UserRun run(config, mode, make_setup(), server);
    try {
      run.run();
    } catch (const std::exception& e) {
      ++run.counters().errors;
      run.counters().note(name + " stopped: " + e.what());
    }
    return run.counters();
  } catch (const std::exception& e) {
    ++failed.errors;
    failed.note(name + " could not start: " + e.what());
  }
  return failed;
}

}  // namespace

Counters run_user(const Config& config, Mode mode, int user, const test::ServerProcess& server) {
  const std::string u = "u" + std::to_string(user);
  return run_setup(
      config, mode,
      [&] {
        Setup s;
        s.name = u;
        s.path = "/v1/sync";
        const std::string token = server.token("sim-" + u, "", kTokenSeconds);
        for (int i = 0; i < config.devices; ++i) {
          s.tokens.push_back(token);
          s.persons.push_back(0);
          s.leads.push_back(true);
          s.offsets.push_back(0);
        }
        return s;
      },
      server, u);
}

Counters run_space(const Config& config, int space, const test::ServerProcess& server) {
  const std::string id = "s" + std::to_string(space);
  return run_setup(
      config, Mode::kSpace,
      [&] {
        Setup s;
        s.name = id;
        s.path = "/v1/spaces/" + id + "/sync";
        std::vector<std::string> tokens;
        for (int p = 0; p < config.people; ++p) {
          tokens.push_back(server.token("sim-" + id + "-p" + std::to_string(p), "", kTokenSeconds));
        }
        test::HttpClient http = server.client();
        const test::Headers lead{{"x-auth-token", tokens[0]}};
        const auto created =
            http.post("/v1/spaces", R"({"name":"simulated team","schema":"simulation","spaceId":")" + id + R"("})", lead);
        if (created.status != 201) throw std::runtime_error("creating the space: " + created.body);
        for (int p = 1; p < config.people; ++p) {
          const auto added = http.request("PUT", "/v1/spaces/" + id + "/members",
                                          R"({"person":"sim-)" + id + "-p" + std::to_string(p) + R"(","role":"member"})", lead);
          if (added.status != 200) throw std::runtime_error("adding a member: " + added.body);
        }
        for (int p = 0; p < config.people; ++p) {
          for (int d = 0; d < config.devices; ++d) {
            s.tokens.push_back(tokens[static_cast<std::size_t>(p)]);
            s.persons.push_back(p);
            s.leads.push_back(p == 0);
            s.offsets.push_back(kOffsets[static_cast<std::size_t>(p * config.devices + d) % std::size(kOffsets)]);
          }
        }
        return s;
      },
      server, id);
}

}  // namespace synclog::sim
