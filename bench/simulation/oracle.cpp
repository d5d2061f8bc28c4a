// The oracle's bookkeeping. Why causality and not the server's own rule (stamps against
// baseTimestamp): the point is to check that rule, so the oracle must not share it.
#include "oracle.hpp"

#include <algorithm>

namespace synclog::sim {

EditId Oracle::new_edit(int device, const std::string& record, const std::string& field,
                        const std::string& value, std::int64_t captured) {
  edits_.push_back(Edit{device, record, field, value, Fate::kPending, {}, captured});
  return static_cast<EditId>(edits_.size());
}

bool Oracle::same_person(int device, EditId e) const {
  if (persons_.empty() || e == 0) return false;
  const int author = edits_.at(static_cast<std::size_t>(e - 1)).device;
  return persons_.at(static_cast<std::size_t>(author)) == persons_.at(static_cast<std::size_t>(device));
}

void Oracle::settle(EditId e, Fate f) {
  if (e == 0) return;
  auto& edit = edits_.at(static_cast<std::size_t>(e - 1));
  // Once on the server, only the server's writes decide an edit's fate (see replace()).
  if (edit.fate == Fate::kPending) edit.fate = f;
}

bool Oracle::has_seen(int device, EditId e) const {
  if (e == 0) return true;
  if (edits_.at(static_cast<std::size_t>(e - 1)).device == device) return true;
  return seen_.at(static_cast<std::size_t>(device)).count(e) > 0;
}

void Oracle::observe(int device, const std::string& record) {
  const auto it = records_.find(record);
  if (it == records_.end()) return;
  auto& seen = seen_.at(static_cast<std::size_t>(device));
  if (!it->second.live) {
    if (it->second.deleted_by) seen.insert(it->second.deleted_by);
    return;
  }
  for (const auto& [field, stamp] : it->second.fields) {
    if (stamp.edit) seen.insert(stamp.edit);
  }
}

Prediction Oracle::predict(int device, const Mutation& m) const {
  Prediction p;
  // A space refuses a write its role may not make before anything else.
  if (!leads_.empty() && is_master(m.kind) && !leads_.at(static_cast<std::size_t>(device))) {
    p.outcome = Outcome::kRejected;
    p.reason = "permission";
    return p;
  }
  const auto it = records_.find(m.id);
  if (it != records_.end() && !it->second.live) {
    // A delete of a deleted record changes nothing; an edit of one is a conflict unless its
    // author had seen the deletion (then it would not be editing it).
    if (m.type != MutationType::kDelete && !has_seen(device, it->second.deleted_by)) {
      p.outcome = Outcome::kConflict;
      p.reason = "deleted";
    }
    return p;
  }
  // A reference must name a live record.
  for (const auto& [field, value] : m.fields) {
    if (!is_reference(m.kind, field)) continue;
    const auto target = records_.find(value);
    if (target == records_.end() || !target->second.live) {
      p.outcome = Outcome::kRejected;
      p.reason = "reference";
      return p;
    }
  }
  if (it == records_.end()) return p;  // a new record (or a delete of one never pushed)
  const Record& r = it->second;
  // Fields holding another device's edit this one never saw: the same person's settle by
  // capture time, another person's clash.
  std::vector<std::string> unseen;
  for (const auto& [field, stamp] : r.fields) {
    if (!has_seen(device, stamp.edit)) unseen.push_back(field);
  }
  bool kept_everything = true;
  for (const auto& field : unseen) {
    const Stamp& stamp = r.fields.at(field);
    if (m.type != MutationType::kDelete) {
      const auto mine = m.edits.find(field);
      if (mine == m.edits.end() || m.fields.at(field) == stamp.value) continue;
    }
    if (!same_person(device, stamp.edit)) {
      p.fields.push_back(field);
      continue;
    }
    p.settled.push_back(Settled{field, device_wins(m, stamp), stamp.value});
  }
  if (!p.fields.empty()) {
    p.outcome = Outcome::kConflict;
    p.reason = "changed";
    p.settled.clear();
    return p;
  }
  if (m.type == MutationType::kDelete) {
    // One unseen change that wins keeps the record.
    p.nothing_written = std::any_of(p.settled.begin(), p.settled.end(), [](const Settled& s) { return !s.device_kept; });
  } else {
    for (const auto& [field, edit] : m.edits) {
      const bool settled_for_server = std::any_of(p.settled.begin(), p.settled.end(), [&](const Settled& s) {
        return s.field == field && !s.device_kept;
      });
      const auto current = r.fields.find(field);
      const bool changes = current == r.fields.end() || current->second.value != m.fields.at(field);
      if (changes && !settled_for_server) kept_everything = false;
    }
    p.nothing_written = !p.settled.empty() && kept_everything;
  }
  if (!p.settled.empty()) {
    p.outcome = Outcome::kSoftMerged;
  } else if (!unseen.empty()) {
    p.outcome = Outcome::kMerged;
  }
  return p;
}

void Oracle::replace(EditId old, int device, EditId by) {
  if (old == 0) return;
  auto& e = edits_.at(static_cast<std::size_t>(old - 1));
  if (has_seen(device, old)) {
    e.fate = Fate::kReplaced;
  } else if (same_person(device, old)) {
    // Replaced by the same person's later capture from another device, and the device that
    // replaced it was told (softMerged): the person knows, nothing was lost behind their back.
    e.fate = Fate::kReported;
  } else {
    e.fate = Fate::kLost;
    e.note = by ? "replaced by " + describe(by) : "replaced by a write nobody edited";
  }
}

void Oracle::apply(int device, const Mutation& m, std::int64_t ts, std::vector<std::string>* anomalies,
                   const std::vector<Settled>& settled) {
  const auto server_kept = [&](const std::string& field) {
    return std::any_of(settled.begin(), settled.end(),
                       [&](const Settled& s) { return s.field == field && !s.device_kept; });
  };
  auto it = records_.find(m.id);
  if (m.type == MutationType::kDelete) {
    if (it == records_.end() || !it->second.live) {
      settle(m.delete_edit, Fate::kNoChange);
      return;
    }
    if (std::any_of(settled.begin(), settled.end(), [](const Settled& s) { return !s.device_kept; })) {
      // The same person's later edit elsewhere keeps the record; the device was told.
      settle(m.delete_edit, Fate::kReported);
      return;
    }
    Record& r = it->second;
    for (const auto& [field, stamp] : r.fields) replace(stamp.edit, device, m.delete_edit);
    r.live = false;
    r.deleted_by = m.delete_edit;
    r.version = ts;
    settle(m.delete_edit, Fate::kCurrent);
    return;
  }
  if (it == records_.end() || (!it->second.live && m.type == MutationType::kCreate)) {
    if (it != records_.end()) anomalies->push_back("a CREATE brought deleted " + m.id + " back");
    Record r;
    r.kind = m.kind;
    r.version = ts;
    for (const auto& [field, value] : m.fields) {
      const auto e = m.edits.count(field) ? m.edits.at(field) : EditId{0};
      r.fields[field] = Stamp{value, e, device, m.captured};
      settle(e, Fate::kCurrent);
    }
    records_[m.id] = std::move(r);
    return;
  }
  Record& r = it->second;
  if (!r.live) {
    anomalies->push_back("an UPDATE of deleted " + m.id + " was applied");
    return;
  }
  bool wrote = false;
  for (const auto& [field, value] : m.fields) {
    const auto mine = m.edits.find(field);
    const EditId e = mine == m.edits.end() ? 0 : mine->second;
    Stamp& s = r.fields[field];
    if (s.value == value) {
      settle(e, Fate::kNoChange);
      continue;
    }
    if (server_kept(field)) {
      settle(e, Fate::kReported);  // the same person's later capture elsewhere won; told so
      continue;
    }
    if (e == 0) {
      anomalies->push_back("a push changed " + m.id + "." + field +
                           " that its device had not edited");
    }
    replace(s.edit, device, e);
    s = Stamp{value, e, device, m.captured};
    settle(e, Fate::kCurrent);
    wrote = true;
  }
  // A push whose every change the settling gave up writes nothing; any other is saved.
  if (wrote || settled.empty()) r.version = ts;
}

std::optional<std::string> Oracle::check_record(const std::string& id, std::int64_t version,
                                                const std::optional<Fields>& record) const {
  const auto it = records_.find(id);
  if (it == records_.end()) return "the server shows " + id + ", which no device created";
  const Record& r = it->second;
  if (!record) {
    if (r.live) return "the server shows " + id + " deleted; the oracle has it live";
    return std::nullopt;
  }
  if (!r.live) return "the server shows " + id + " live; the oracle has it deleted";
  for (const auto& [field, value] : *record) {
    const auto f = r.fields.find(field);
    if (f == r.fields.end() || f->second.value != value) {
      return "the server shows " + id + "." + field + " = " + value + "; the oracle has " +
             (f == r.fields.end() ? std::string("nothing") : f->second.value);
    }
  }
  if (version != r.version) {
    return "the server shows " + id + " at version " + std::to_string(version) +
           "; the oracle knows " + std::to_string(r.version) +
           (version > r.version ? " (a write the oracle never saw acknowledged)" : "");
  }
  return std::nullopt;
}

std::optional<std::string> Oracle::check_entry(const PulledEntry& e) const {
  if (e.deleted) return check_record(e.id, e.timestamp, std::nullopt);
  return check_record(e.id, e.timestamp, e.fields);
}

FinalCheck Oracle::check_final(const std::vector<PulledEntry>& server) const {
  FinalCheck out;
  std::map<std::string, const PulledEntry*> by_id;
  for (const auto& e : server) by_id[e.id] = &e;
  for (const auto& [id, entry] : by_id) {
    const auto known = records_.find(id);
    if (known == records_.end()) {
      ++out.duplicated;
      out.details.push_back("duplicated: the server holds " + id + ", which no device created");
    } else if (!entry->deleted && known->second.live &&
               entry->fields == known->second.fields_text() &&
               entry->timestamp > known->second.version) {
      // The right values at a later version: a write applied again after its ack.
      ++out.duplicated;
      out.details.push_back(
          "duplicated: " + id + " was written at " + std::to_string(entry->timestamp) +
          " after its last acknowledged write " + std::to_string(known->second.version));
    } else if (auto why = check_entry(*entry)) {
      ++out.divergent;
      out.details.push_back("divergent: " + *why);
    }
  }
  for (const auto& [id, r] : records_) {
    if (!by_id.count(id)) {
      ++out.divergent;
      out.details.push_back("divergent: the server has no entry for " + id);
    }
  }
  return out;
}

std::int64_t Oracle::count(Fate f) const {
  return std::count_if(edits_.begin(), edits_.end(), [f](const Edit& e) { return e.fate == f; });
}

std::string Oracle::describe(EditId id) const {
  const auto& e = edits_.at(static_cast<std::size_t>(id - 1));
  return "edit " + std::to_string(id) + " (device " + std::to_string(e.device) + ", " + e.record +
         (e.field.empty() ? std::string(" deleted") : "." + e.field + " = " + e.value) + ")";
}

std::vector<std::string> Oracle::describe(Fate f, std::size_t max) const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < edits_.size() && out.size() < max; ++i) {
    if (edits_[i].fate != f) continue;
    out.push_back(describe(static_cast<EditId>(i + 1)) +
                  (edits_[i].note.empty() ? "" : ": " + edits_[i].note));
  }
  return out;
}

}  // namespace synclog::sim
