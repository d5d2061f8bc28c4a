// How each mutation sets the judged fields of the resource it edits. Shared by apply (which
// saves the result) and field_conflicts (which only compares it with the stored state), so
// the two can never disagree about what a mutation changes.
#pragma once

#include "domain/model.hpp"
#include "domain/mutation.hpp"

namespace synclog::domain::detail {

inline void set_name(Collection& c, const std::string& name) {
  c.name = name;
  c.slug = slugify(name);
  if (c.slug.empty()) c.slug = c.id;
}

inline void set_fields(Note& n, const NoteCreate& c) {
  n.body = c.body;
  n.ranges = c.ranges;
  n.save_to_qr = c.save_to_qr;
  n.entities.clear();
  if (c.entity) n.entities.push_back(*c.entity);
}

inline void set_fields(Note& n, const NoteUpdate& u) {
  if (u.body) n.body = *u.body;
  if (u.ranges) n.ranges = *u.ranges;
  if (u.save_to_qr) n.save_to_qr = *u.save_to_qr;
}

inline void set_fields(ReadingSession& s, const SessionFields& f) {
  s.chapter = f.chapter;
  s.verse = f.verse;
}

// The bookmark's own fields only: taking the reading flag also clears it on the previous
// reading bookmark, a cascade apply does separately.
inline void set_fields(Bookmark& b, std::optional<int> mushaf, ReadingFlag reading) {
  if (mushaf) b.details.mushaf = mushaf;
  if (reading != ReadingFlag::kOmitted) b.is_reading = reading == ReadingFlag::kSet;
}

}  // namespace synclog::domain::detail
