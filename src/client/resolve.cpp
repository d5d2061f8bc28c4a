// The conflict rules of resolve.hpp. Every version is parsed once into a Boost.JSON object;
// fields are compared by value, so the same record written by two devices in different key
// orders or number spellings (2 and 2.0) is the same record.
#include "client/resolve.hpp"

#include "common/time_format.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

namespace synclog::client {
namespace {

namespace json = boost::json;

// How a number is stored (int64, uint64, double) depends on how it was written, not on what
// it means: compare the values.
bool same_number(const json::value& a, const json::value& b) {
  if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  const json::value& s = a.is_int64() ? a : b;  // one int64, one uint64
  const json::value& u = a.is_int64() ? b : a;
  return s.get_int64() >= 0 && static_cast<std::uint64_t>(s.get_int64()) == u.get_uint64();
}

bool same_value(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) return same_number(a, b);
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!same_value(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const json::object& x = a.get_object();
    const json::object& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& kv : x) {
      const json::value* other = y.if_contains(kv.key());
      if (!other || !same_value(kv.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

// A field of a version: nullptr when the version is missing or lacks the field (an absent
// field and an explicit null are different values).
const json::value* field(const json::object* o, std::string_view key) {
  return o ? o->if_contains(key) : nullptr;
}

bool same_field(const json::value* a, const json::value* b) {
  if (!a || !b) return a == b;
  return same_value(*a, *b);
}

// The compared field names of the given versions, sorted (so every list we report is too).
std::set<std::string> compared_fields(std::initializer_list<const json::object*> versions) {
  std::set<std::string> keys;
  for (const json::object* o : versions) {
    if (!o) continue;
    for (const auto& kv : *o) {
      if (!is_bookkeeping_field(kv.key())) keys.emplace(kv.key());
    }
  }
  return keys;
}

// Fields where `o` differs from `base` (a missing base is the empty object).
std::vector<std::string> changed_fields(const json::object* o, const json::object* base) {
  std::vector<std::string> out;
  for (const std::string& k : compared_fields({o, base})) {
    if (!same_field(field(o, k), field(base, k))) out.push_back(k);
  }
  return out;
}

// Field by field, for two present versions against their base.
struct FieldDiff {
  std::vector<std::string> local_only;   // changed on the device only
  std::vector<std::string> server_only;  // changed on the server only
  std::vector<std::string> clashing;     // changed on both sides, to different values
};

FieldDiff diff_fields(const json::object* base, const json::object& local,
                      const json::object& server) {
  FieldDiff d;
  for (const std::string& k : compared_fields({base, &local, &server})) {
    const json::value* b = field(base, k);
    const json::value* l = field(&local, k);
    const json::value* s = field(&server, k);
    const bool local_changed = !same_field(l, b);
    const bool server_changed = !same_field(s, b);
    if (local_changed && server_changed) {
      if (!same_field(l, s)) d.clashing.push_back(k);
    } else if (local_changed) {
      d.local_only.push_back(k);
    } else if (server_changed) {
      d.server_only.push_back(k);
    }
  }
  return d;
}

std::optional<std::int64_t> time_of(const json::value& v) {
  std::optional<std::int64_t> ms;
  if (v.is_string()) {
    const json::string& s = v.get_string();
    return parse_iso8601_ms(std::string_view(s.data(), s.size()));
  }
  if (v.is_int64()) {
    ms = v.get_int64();
  } else if (v.is_uint64()) {
    if (v.get_uint64() <= static_cast<std::uint64_t>(kMaxEpochMs)) {
      ms = static_cast<std::int64_t>(v.get_uint64());
    }
  } else if (v.is_double()) {
    // Same rule as the server's: an integral value, whatever its spelling (1.7e12).
    const double d = v.get_double();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
      ms = static_cast<std::int64_t>(d);
    }
  }
  if (ms && (*ms < kMinEpochMs || *ms > kMaxEpochMs)) return std::nullopt;
  return ms;
}

std::optional<std::int64_t> updated_at(const json::object& o) {
  const json::value* v = o.if_contains("clientUpdatedAt");
  return v ? time_of(*v) : std::nullopt;
}

std::optional<std::int64_t> in_range(std::optional<std::int64_t> ms) {
  if (ms && (*ms < kMinEpochMs || *ms > kMaxEpochMs)) return std::nullopt;
  return ms;
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::string join(const std::vector<std::string>& fields) {
  std::string out;
  for (const std::string& f : fields) {
    if (!out.empty()) out += ", ";
    out += f;
  }
  return out;
}

std::vector<std::string> sorted_union(std::vector<std::string> a,
                                      const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  return a;
}

std::optional<std::string> text(const std::optional<std::string_view>& v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

// Everything resolve_conflict works on, parsed once.
struct Versions {
  const ConflictSides& sides;
  std::optional<json::object> base, local, server;

  bool local_deleted() const { return !sides.local; }
  bool server_deleted() const { return !sides.server; }
  bool both_present() const { return local && server; }
  const json::object* base_ptr() const { return base ? &*base : nullptr; }
};

// What the server needs to reach the device's state: a deletion is a DELETE; a record the
// server deleted comes back with its id through CREATE; anything else the server has is an
// UPDATE (also for a never-synced record the server now holds: a READING_SESSION CREATE would
// start a second session).
MutationType push_type(const Versions& v) {
  if (v.local_deleted()) return MutationType::kDelete;
  if (v.server_deleted()) return MutationType::kCreate;
  return MutationType::kUpdate;
}

Resolution keep_server(const Versions& v, Outcome outcome, std::vector<std::string> clashing,
                       std::string reason) {
  return Resolution{outcome, text(v.sides.server), std::nullopt, std::move(clashing),
                    std::move(reason)};
}

Resolution keep_local(const Versions& v, Outcome outcome, std::vector<std::string> clashing,
                      std::string reason) {
  return Resolution{outcome, text(v.sides.local), push_type(v), std::move(clashing),
                    std::move(reason)};
}

Resolution needs_user(const Versions& v, std::vector<std::string> clashing, std::string reason) {
  return Resolution{Outcome::kNeedsUser, text(v.sides.local), std::nullopt, std::move(clashing),
                    std::move(reason)};
}

// The strategies' answers. `prefix` opens the reason ("Server wins: "); what follows reads
// on from it.

Resolution server_side_wins(const Versions& v, const FieldDiff& d,
                            std::vector<std::string> clashing, std::string_view prefix) {
  std::string why(prefix);
  if (v.server_deleted()) {
    why += "the server's deletion was kept and this device's changes were dropped.";
  } else if (v.local_deleted()) {
    why += "the server's version was kept and this device's deletion was dropped.";
  } else {
    why += "the server's version was kept and this device's change to " +
           join(sorted_union(d.local_only, d.clashing)) + " was dropped.";
  }
  return keep_server(v, Outcome::kMerged, std::move(clashing), std::move(why));
}

Resolution local_side_wins(const Versions& v, const FieldDiff& d, std::vector<std::string> clashing,
                           std::string_view prefix) {
  std::string why(prefix);
  if (v.server_deleted()) {
    why += "this device's version will re-create it on the server, with its id.";
  } else if (v.local_deleted()) {
    why += "this device's deletion will be pushed over the server's change.";
  } else {
    why += "this device's version will be pushed over the server's change to " +
           join(sorted_union(d.server_only, d.clashing)) + ".";
  }
  return keep_local(v, Outcome::kMerged, std::move(clashing), std::move(why));
}

std::string describe(bool device, bool deleted, std::optional<std::int64_t> ms) {
  std::string s = device ? "this device's " : "the server's ";
  s += deleted ? "deletion" : "edit";
  s += ms ? " (" + format_iso8601_ms(*ms) + ")" : " (no time)";
  return s;
}

Resolution last_write_wins(const Versions& v, const FieldDiff& d,
                           std::vector<std::string> clashing) {
  const std::optional<std::int64_t> local_ms =
      v.local ? updated_at(*v.local) : in_range(v.sides.local_deleted_at_ms);
  const std::optional<std::int64_t> server_ms =
      v.server ? updated_at(*v.server) : in_range(v.sides.server_deleted_at_ms);
  const std::string local_desc = describe(true, v.local_deleted(), local_ms);
  const std::string server_desc = describe(false, v.server_deleted(), server_ms);
  // nullopt < any time, so a missing time loses; equal times (two missing ones too) go to the
  // server, so every device settles the same pair the same way.
  if (local_ms > server_ms) {
    return local_side_wins(
        v, d, std::move(clashing),
        "Last write wins: " + local_desc + " is later than " + server_desc + ", so ");
  }
  const std::string prefix =
      local_ms == server_ms
          ? "Last write wins: " + local_desc + " and " + server_desc + " tie, so "
          : "Last write wins: " + server_desc + " is later than " + local_desc + ", so ";
  return server_side_wins(v, d, std::move(clashing), prefix);
}

Resolution field_merge(const Versions& v, const FieldDiff& d, std::vector<std::string> clashing) {
  // Each reason is built before `clashing` is handed over: argument order is unspecified.
  if (v.server_deleted() || v.local_deleted()) {
    std::string why = v.server_deleted()
                          ? "Field merge: the server deleted it while this device changed " +
                                join(clashing) + ", so the user must choose."
                          : "Field merge: this device deleted it while the server changed " +
                                join(clashing) + ", so the user must choose.";
    return needs_user(v, std::move(clashing), std::move(why));
  }
  if (!d.clashing.empty()) {
    std::string why = "Field merge: both sides changed " + join(d.clashing) +
                      " differently, so the user must choose.";
    return needs_user(v, std::move(clashing), std::move(why));
  }
  // No clash, and (resolve_conflict settled the rest) each side changed a field the other did
  // not: combine them.
  json::object merged = *v.local;
  for (const std::string& k : d.server_only) {
    if (const json::value* s = v.server->if_contains(k)) {
      merged[k] = *s;
    } else {
      merged.erase(k);
    }
  }
  // The merged record is as recent as the later of the two edits.
  const std::optional<std::int64_t> local_ms = updated_at(*v.local);
  if (updated_at(*v.server) > local_ms) merged["clientUpdatedAt"] = v.server->at("clientUpdatedAt");
  return Resolution{Outcome::kMerged, json::serialize(merged), MutationType::kUpdate,
                    std::move(clashing),
                    "Field merge: this device's change to " + join(d.local_only) +
                        " and the server's change to " + join(d.server_only) + " were combined."};
}

Resolution manual(const Versions& v, const FieldDiff& d, std::vector<std::string> clashing) {
  std::string why = "Manual: ";
  if (v.server_deleted()) {
    why += "the server deleted it while this device changed " + join(clashing);
  } else if (v.local_deleted()) {
    why += "this device deleted it while the server changed " + join(clashing);
  } else if (!d.clashing.empty()) {
    why += "both sides changed " + join(d.clashing) + " differently";
  } else {
    why += "this device changed " + join(d.local_only) + " and the server changed " +
           join(d.server_only);
  }
  why += ", so the user must choose.";
  return needs_user(v, std::move(clashing), std::move(why));
}

}  // namespace

bool is_bookkeeping_field(std::string_view field) {
  return std::find(std::begin(kBookkeepingFields), std::end(kBookkeepingFields), field) !=
         std::end(kBookkeepingFields);
}

std::optional<std::int64_t> client_updated_at_ms(std::string_view data) {
  const std::optional<json::object> o = parse_object(data);
  return o ? updated_at(*o) : std::nullopt;
}

Resolution resolve_conflict(Strategy strategy, const ConflictSides& sides) {
  Versions v{sides, std::nullopt, std::nullopt, std::nullopt};
  // An unreadable version cannot be compared, merged or safely pushed: keep what the device has
  // and let the user look.
  const std::pair<const std::optional<std::string_view>*, const char*> inputs[] = {
      {&sides.base, "The base version"},
      {&sides.local, "This device's version"},
      {&sides.server, "The server's version"}};
  std::optional<json::object>* parsed[] = {&v.base, &v.local, &v.server};
  for (std::size_t i = 0; i < 3; ++i) {
    if (!*inputs[i].first) continue;
    *parsed[i] = parse_object(**inputs[i].first);
    if (!*parsed[i]) {
      return needs_user(
          v, {}, std::string(inputs[i].second) + " is not a JSON object, so the user must choose.");
    }
  }

  // No conflict, whatever the strategy: both deleted, or one side's version already holds
  // every change of the other (the same edits; or one side touched bookkeeping fields only).
  if (v.local_deleted() && v.server_deleted()) {
    return keep_server(v, Outcome::kSynced, {}, "Both sides deleted it.");
  }
  FieldDiff d;
  std::vector<std::string> clashing;
  if (v.both_present()) {
    d = diff_fields(v.base_ptr(), *v.local, *v.server);
    const bool local_has_more = !d.local_only.empty() || !d.clashing.empty();
    const bool server_has_more = !d.server_only.empty() || !d.clashing.empty();
    if (!local_has_more) {
      return keep_server(v, Outcome::kSynced, {},
                         server_has_more
                             ? "The server's version already holds this device's change."
                             : "Both sides made the same change.");
    }
    if (!server_has_more) {
      return keep_local(v, Outcome::kSynced, {},
                        "This device's version already holds the server's change, so it will be "
                        "pushed.");
    }
    clashing = d.clashing;
  } else {
    // A deletion against a version that changed nothing stands; against a change, what the
    // change did is what the deletion would throw away (with no base, a creation: everything).
    clashing = changed_fields(v.local ? &*v.local : &*v.server, v.base_ptr());
    if (clashing.empty() && v.local_deleted()) {
      return keep_local(v, Outcome::kSynced, {},
                        "Only this device really changed it, so its deletion will be pushed.");
    }
    if (clashing.empty()) {
      return keep_server(v, Outcome::kSynced, {},
                         "Only the server really changed it, so its deletion was kept.");
    }
  }

  // A real conflict: each side has a change the other lacks.
  switch (strategy) {
    case Strategy::kServerWins:
      return server_side_wins(v, d, std::move(clashing), "Server wins: ");
    case Strategy::kClientWins:
      return local_side_wins(v, d, std::move(clashing), "Client wins: ");
    case Strategy::kLastWriteWins:
      return last_write_wins(v, d, std::move(clashing));
    case Strategy::kFieldMerge:
      return field_merge(v, d, std::move(clashing));
    case Strategy::kManual:
      return manual(v, d, std::move(clashing));
  }
  return manual(v, d, std::move(clashing));
}

}  // namespace synclog::client
