// The oracle of one user: it knows every edit any of the user's devices made (who, which record
// and field, what value), what each device has been shown, and a mirror of the server's state
// kept in the server's order (a user's devices run one after another, so the acks give that
// order). From these it predicts, by causality alone, what conflictMode=field must answer: a
// mutation clashes when a field it changes holds a value written by another device's edit its
// author had not seen, or when its record was deleted by a delete the author had not seen. At
// the end it says which edits were lost: replaced or deleted on the server by someone who had
// never seen them, without their author ever being told. Not thread-safe: one user, one thread.
//
// In a space the devices belong to people. A clash with an unseen edit of the same person (their
// other device) is no conflict: the server settles it by capture time (the later edit wins) and
// tells the device (softMerged), so the edit that loses is reported, not lost. Only a clash with
// another person's unseen edit is a conflict. The oracle also knows the roles (only leads write
// master data) and which records a reference may name (live ones), and so predicts rejections.
#pragma once

#include "model.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace synclog::sim {

// What became of an edit.
enum class Fate : std::uint8_t {
  kPending,    // still on its device
  kCurrent,    // its value is the server's now
  kReplaced,   // was the server's, then replaced or deleted by a device that had seen it
  kLost,       // was the server's, then replaced or deleted by a device that had not seen it
  kSquashed,   // replaced by a later edit on its own device before it was pushed
  kWithdrawn,  // its record was deleted on its own device before it was pushed
  kReported,   // its author was shown the clash with it and decided (a conflict)
  kNoChange,   // it wrote the value the server already had, or deleted a deleted record
};

// What conflictMode=field must answer for one mutation.
struct Prediction {
  Outcome outcome = Outcome::kApplied;
  std::string reason;               // "changed" or "deleted" for a conflict; a rejection's reason
  std::vector<std::string> fields;  // the clashing fields (sorted) for "changed"
  std::vector<Settled> settled;     // softMerged: the same person's clashes, and who won each
  bool nothing_written = false;     // the settling kept everything the server had
};

// How the server's final state compares with the oracle's mirror.
struct FinalCheck {
  // Records on the server the oracle never saw created, or written after their last ack.
  std::int64_t duplicated = 0;
  std::int64_t divergent = 0;  // records whose server state is not the mirror's
  std::vector<std::string> details;
};

class Oracle {
 public:
  explicit Oracle(int devices) : seen_(static_cast<std::size_t>(devices)) {}
  // A space's: `persons[d]` is device d's person, `leads[d]` whether it may write master data.
  Oracle(std::vector<int> persons, std::vector<bool> leads)
      : seen_(persons.size()), persons_(std::move(persons)), leads_(std::move(leads)) {}

  // Registers an edit by `device`, made at `captured` (spaces); `field` is empty for a delete.
  // Its author has seen it.
  EditId new_edit(int device, const std::string& record, const std::string& field,
                  const std::string& value, std::int64_t captured = 0);
  // What became of an edit still on its device (a device's word; an edit already on the
  // server keeps the fate the server's writes give it).
  void settle(EditId e, Fate f);
  Fate fate(EditId e) const { return edits_.at(static_cast<std::size_t>(e - 1)).fate; }

  // `device` was shown the server's current state of `record` (a pull, a conflict answer).
  void observe(int device, const std::string& record);

  // The causal prediction for `m` pushed by `device` now. Only the device's own edits in `m`
  // (m.edits, m.delete_edit) count as changes: strict mode also sends unchanged fields.
  Prediction predict(int device, const Mutation& m) const;

  // The server applied `m` from `device` at `ts`, keeping its own value of the fields `settled`
  // says it kept. Replaced edits are judged against what the device has seen now. Adds a line to
  // `anomalies` for what the mirror cannot explain.
  void apply(int device, const Mutation& m, std::int64_t ts, std::vector<std::string>* anomalies,
             const std::vector<Settled>& settled = {});


  // Why a pulled entry (or a conflict answer's record) is not what the mirror holds, if it is not.
  std::optional<std::string> check_entry(const PulledEntry& e) const;
  std::optional<std::string> check_record(const std::string& id, std::int64_t version,
                                          const std::optional<Fields>& record) const;

  // Compares a full pull of the server (every record's latest entry) with the mirror.
  FinalCheck check_final(const std::vector<PulledEntry>& server) const;

  std::int64_t edits() const { return static_cast<std::int64_t>(edits_.size()); }
  std::int64_t count(Fate f) const;
  // One line per edit with fate `f` (at most `max`).
  std::vector<std::string> describe(Fate f, std::size_t max) const;

 private:
  struct Edit {
    int device = 0;
    std::string record, field, value;
    Fate fate = Fate::kPending;
    std::string note;  // for a lost edit: who replaced it
    std::int64_t captured = 0;
  };
  struct Stamp {
    std::string value;
    EditId edit = 0;
    int device = -1;
    std::int64_t captured = 0;  // the capture time of the mutation that wrote it
  };
  struct Record {
    Kind kind = Kind::kNote;
    bool live = true;
    std::map<std::string, Stamp> fields;
    std::int64_t version = 0;
    EditId deleted_by = 0;
    Fields fields_text() const {
      Fields out;
      for (const auto& [name, stamp] : fields) out[name] = stamp.value;
      return out;
    }
  };

  bool has_seen(int device, EditId e) const;
  // Whether edit `e` was made by `device`'s person (spaces; never in a user's log, where every
  // device stands for itself).
  bool same_person(int device, EditId e) const;
  // The settling of an unseen clash with `stamp` by the same person: does the device win?
  static bool device_wins(const Mutation& m, const Stamp& stamp) { return m.captured > stamp.captured; }
  // The server replaced (or deleted) `old` by a write of `device`.
  void replace(EditId old, int device, EditId by);
  std::string describe(EditId e) const;

  std::vector<Edit> edits_;                       // EditId e is edits_[e - 1]
  std::vector<std::unordered_set<EditId>> seen_;  // per device: others' edits it was shown
  std::map<std::string, Record> records_;
  std::vector<int> persons_;  // spaces: each device's person
  std::vector<bool> leads_;   // spaces: which devices may write master data
};

}  // namespace synclog::sim
