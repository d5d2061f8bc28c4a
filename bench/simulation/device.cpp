// Local changes, squashing, and taking server state in (a rebase).
#include "device.hpp"

#include <algorithm>

namespace synclog::sim {

std::vector<std::string> Device::visible_ids() const {
  std::vector<std::string> out;
  for (const auto& [id, r] : records_) {
    if (!r.pending_delete) out.push_back(id);
  }
  return out;
}

std::string Device::fresh_value(Kind k, const std::string& field, std::mt19937_64& values) {
  return random_value(k, field, name_ + "-" + std::to_string(++counter_), values);
}

std::string Device::create(Kind k, Oracle& oracle, std::mt19937_64& values, const Fields& preset) {
  static constexpr char kLetter[] = {'n', 'c', 'r', 's', 'i'};
  const std::string id = name_ + "-" + kLetter[static_cast<int>(k)] + std::to_string(++counter_);
  Record r;
  r.kind = k;
  r.pending_create = true;
  r.captured = tick_edit();
  for (const auto& field : fields_of(k)) {
    Field f;
    const auto given = preset.find(field);
    f.value = given != preset.end() ? given->second : fresh_value(k, field, values);
    f.edit = oracle.new_edit(index_, id, field, f.value, r.captured);
    f.dirty = true;
    r.fields[field] = std::move(f);
  }
  records_[id] = std::move(r);
  return id;
}

bool Device::set_field(const std::string& id, const std::string& field, const std::string& value,
                       Oracle& oracle) {
  Record& r = records_.at(id);
  Field& f = r.fields.at(field);
  if (f.value == value) return false;
  if (f.dirty) oracle.settle(f.edit, Fate::kSquashed);
  r.captured = tick_edit();
  f.value = value;
  f.edit = oracle.new_edit(index_, id, field, value, r.captured);
  f.dirty = true;
  return true;
}

std::vector<std::string> Device::dangling(const std::vector<std::string>& live) const {
  std::vector<std::string> out;
  for (const auto& [id, r] : records_) {
    if (r.pending_delete) continue;
    for (const auto& [name, f] : r.fields) {
      if (!is_reference(r.kind, name) || !(f.dirty || r.pending_create)) continue;
      if (std::find(live.begin(), live.end(), f.value) == live.end()) out.push_back(id);
    }
  }
  return out;
}

void Device::drop(const std::string& id, Fate dirty_edits, Oracle& oracle) {
  const auto it = records_.find(id);
  if (it == records_.end()) return;
  for (auto& [name, f] : it->second.fields) {
    if (f.dirty) oracle.settle(f.edit, dirty_edits);
  }
  records_.erase(it);
}

void Device::remove(const std::string& id, Oracle& oracle) {
  Record& r = records_.at(id);
  if (r.pending_create) {  // never pushed: nothing to tell the server
    drop(id, Fate::kWithdrawn, oracle);
    return;
  }
  for (auto& [name, f] : r.fields) {
    if (!f.dirty) continue;
    oracle.settle(f.edit, Fate::kWithdrawn);
    f.dirty = false;
    f.value = f.base;
  }
  r.pending_delete = true;
  r.captured = tick_edit();
  r.delete_edit = oracle.new_edit(index_, id, "", "", r.captured);
}

bool Device::has_pending() const {
  return std::any_of(records_.begin(), records_.end(), [](const auto& kv) {
    const Record& r = kv.second;
    return r.pending_create || r.pending_delete ||
           std::any_of(r.fields.begin(), r.fields.end(),
                       [](const auto& f) { return f.second.dirty; });
  });
}

std::vector<Mutation> Device::pending(Mode mode, std::size_t max) const {
  std::vector<Mutation> out;
  for (const auto& [id, r] : records_) {
    if (out.size() == max) break;
    Mutation m;
    m.kind = r.kind;
    m.id = id;
    m.base = r.base_version;
    m.rebased_merge = r.rebased_merge;
    m.captured = r.captured;
    if (r.pending_delete) {
      m.type = MutationType::kDelete;
      m.delete_edit = r.delete_edit;
      out.push_back(std::move(m));
      continue;
    }
    m.type = r.pending_create ? MutationType::kCreate : MutationType::kUpdate;
    for (const auto& [name, f] : r.fields) {
      if (f.dirty) m.edits[name] = f.edit;
      if (f.dirty || mode == Mode::kStrict) m.fields[name] = f.value;
    }
    if (!m.edits.empty()) out.push_back(std::move(m));
  }
  return out;
}

void Device::acknowledge(const Mutation& m, const std::vector<Settled>& settled) {
  const auto it = records_.find(m.id);
  if (it == records_.end()) return;
  Record& r = it->second;
  const auto server_kept = [&](const std::string& field) -> const Settled* {
    for (const auto& s : settled) {
      if (s.field == field && !s.device_kept) return &s;
    }
    return nullptr;
  };
  if (m.type == MutationType::kDelete) {
    if (std::any_of(settled.begin(), settled.end(), [](const Settled& s) { return !s.device_kept; })) {
      r.pending_delete = false;  // the same person kept the record elsewhere, later
      return;
    }
    records_.erase(it);
    return;
  }
  r.pending_create = false;
  r.rebased_merge = false;
  for (const auto& [name, edit] : m.edits) {
    Field& f = r.fields.at(name);
    if (f.edit != edit) continue;  // edited again since: still a local change
    if (const Settled* s = server_kept(name)) f.value = s->server_value;
    f.dirty = false;
    f.base = f.value;
  }
}

void Device::repoint(const std::string& id, const std::vector<std::string>& live, std::mt19937_64& pick,
                     Oracle& oracle) {
  Record& r = records_.at(id);
  for (auto& [name, f] : r.fields) {
    if (!is_reference(r.kind, name)) continue;
    std::vector<std::string> choices;
    for (const auto& l : live) {
      if (l != f.value) choices.push_back(l);
    }
    if (!choices.empty()) {
      const auto i = std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(pick);
      set_field(id, name, choices[i], oracle);
    } else if (r.pending_create) {
      drop(id, Fate::kWithdrawn, oracle);
      return;
    } else if (f.dirty) {
      oracle.settle(f.edit, Fate::kWithdrawn);
      f.value = f.base;
      f.dirty = false;
    }
  }
}

void Device::reject(const Mutation& m, const std::string& reason, Oracle& oracle) {
  const auto it = records_.find(m.id);
  if (it == records_.end()) return;
  Record& r = it->second;
  if (reason == "reference") {
    // The reference is given up; the rest of the change waits for another pick (dangling()).
    for (auto& [name, f] : r.fields) {
      if (is_reference(r.kind, name) && f.dirty) oracle.settle(f.edit, Fate::kReported);
    }
    return;
  }
  if (r.pending_create) {
    drop(m.id, Fate::kReported, oracle);
    return;
  }
  if (r.pending_delete) {
    oracle.settle(r.delete_edit, Fate::kReported);
    r.pending_delete = false;
    return;
  }
  for (auto& [name, f] : r.fields) {
    if (!f.dirty) continue;
    oracle.settle(f.edit, Fate::kReported);
    f.value = f.base;
    f.dirty = false;
  }
}

RebaseResult Device::rebase(const std::string& id, Record& r, const Fields& s, std::int64_t version,
                            const std::vector<std::string>* clashing, Oracle& oracle) {
  RebaseResult out;
  const bool has_changes =
      std::any_of(r.fields.begin(), r.fields.end(), [](const auto& f) { return f.second.dirty; });
  for (auto& [name, f] : r.fields) {
    const auto it = s.find(name);
    if (it == s.end()) continue;
    const std::string& theirs = it->second;
    if (!f.dirty) {
      if (theirs != f.base && has_changes) out.merged = true;
      f.value = theirs;
    } else if (theirs == f.value) {
      // The server holds what this device wrote: nothing left to push.
      oracle.settle(f.edit, Fate::kNoChange);
      f.dirty = false;
    } else if (clashing ? std::count(clashing->begin(), clashing->end(), name) > 0
                        : theirs != f.base) {
      out.clashes = 1;  // one decision per record, as a conflict answer is one per mutation
      oracle.settle(f.edit, Fate::kReported);
      if (coin()) {
        // Keep mine: the same value again, now as an edit made knowing theirs.
        r.captured = tick_edit();
        f.edit = oracle.new_edit(index_, id, name, f.value, r.captured);
      } else {
        f.value = theirs;
        f.dirty = false;
      }
    }
    f.base = theirs;
  }
  r.base_version = version;
  if (out.merged) r.rebased_merge = true;
  return out;
}

RebaseResult Device::resolve_conflict(const Mutation& m, const ConflictInfo& c, Oracle& oracle) {
  RebaseResult out;
  const auto it = records_.find(m.id);
  if (it == records_.end()) return out;
  Record& r = it->second;
  if (!c.record) {  // deleted since: give in to the deletion
    out.clashes = 1;
    drop(m.id, Fate::kReported, oracle);
    return out;
  }
  if (r.pending_delete) {  // deleted here, edited there since
    out.clashes = 1;
    oracle.settle(r.delete_edit, Fate::kReported);
    if (coin()) {
      r.captured = tick_edit();
      r.delete_edit = oracle.new_edit(index_, m.id, "", "", r.captured);  // delete anyway, knowingly
    } else {
      r.pending_delete = false;  // keep the record
    }
    for (auto& [name, f] : r.fields) {
      f.value = f.base = c.record->at(name);
    }
    r.base_version = c.version;
    return out;
  }
  return rebase(m.id, r, *c.record, c.version, &c.fields, oracle);
}

RebaseResult Device::apply_pulled(const PulledEntry& e, Oracle& oracle) {
  RebaseResult out;
  auto it = records_.find(e.id);
  if (e.deleted) {
    if (it == records_.end()) return out;
    Record& r = it->second;
    if (r.pending_delete) {
      oracle.settle(r.delete_edit, Fate::kNoChange);  // deleted there too
    } else if (std::any_of(r.fields.begin(), r.fields.end(),
                           [](const auto& f) { return f.second.dirty; })) {
      out.clashes = 1;  // edited here, deleted there: give in to the deletion
    }
    drop(e.id, Fate::kReported, oracle);
    return out;
  }
  if (it == records_.end()) {
    Record r;
    r.kind = e.kind;
    r.base_version = e.timestamp;
    for (const auto& [name, value] : e.fields) r.fields[name] = Field{value, value, 0, false};
    records_[e.id] = std::move(r);
    return out;
  }
  Record& r = it->second;
  if (r.pending_delete) {
    bool edited_since = false;
    for (const auto& [name, f] : r.fields) {
      if (e.fields.at(name) != f.base) edited_since = true;
    }
    if (edited_since) {  // deleted here, edited there
      out.clashes = 1;
      oracle.settle(r.delete_edit, Fate::kReported);
      if (coin()) {
        r.captured = tick_edit();
        r.delete_edit = oracle.new_edit(index_, e.id, "", "", r.captured);
      } else {
        r.pending_delete = false;
      }
    }
    for (auto& [name, f] : r.fields) f.value = f.base = e.fields.at(name);
    r.base_version = e.timestamp;
    return out;
  }
  return rebase(e.id, r, e.fields, e.timestamp, nullptr, oracle);
}

std::map<std::string, Fields> Device::visible_state() const {
  std::map<std::string, Fields> out;
  for (const auto& [id, r] : records_) {
    if (r.pending_delete) continue;
    Fields& f = out[id];
    for (const auto& [name, field] : r.fields) f[name] = field.value;
  }
  return out;
}

}  // namespace synclog::sim
