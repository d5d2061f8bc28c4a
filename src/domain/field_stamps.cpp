// Field lists and values per resource type.
#include "domain/field_stamps.hpp"

#include <array>

#include "domain/wire.hpp"

namespace synclog::domain {
namespace {

std::string flag(bool b) { return b ? "1" : "0"; }

constexpr std::array<FieldName, 3> kBookmarkFields{
    {{"mushaf", {}}, {"isReading", {}}, {"isInDefaultCollection", {}}}};
static_assert(kBookmarkFields[kBookmarkInDefaultField].name == "isInDefaultCollection");
constexpr std::array<FieldName, 1> kCollectionFields{{{"name", {}}}};
constexpr std::array<FieldName, 4> kNoteFields{
    {{"body", {}}, {"ranges", {}}, {"saveToQR", {}}, {"attachedEntities", {}}}};
constexpr std::array<FieldName, 1> kSessionFields{{{"chapterNumber", "verseNumber"}}};

}  // namespace

template <> std::span<const FieldName> field_names<Bookmark>() { return kBookmarkFields; }
template <> std::span<const FieldName> field_names<Collection>() { return kCollectionFields; }
template <> std::span<const FieldName> field_names<Membership>() { return {}; }
template <> std::span<const FieldName> field_names<Note>() { return kNoteFields; }
template <> std::span<const FieldName> field_names<ReadingSession>() { return kSessionFields; }

template <>
std::vector<std::string> field_values(const Bookmark& b) {
  return {b.details.mushaf ? std::to_string(*b.details.mushaf) : std::string(), flag(b.is_reading),
          flag(b.in_default)};
}
template <>
std::vector<std::string> field_values(const Collection& c) { return {c.name}; }
template <>
std::vector<std::string> field_values(const Membership&) { return {}; }
template <>
std::vector<std::string> field_values(const Note& n) {
  return {n.body, ranges_json(n.ranges), flag(n.save_to_qr), entities_json(n.entities)};
}
template <>
std::vector<std::string> field_values(const ReadingSession& s) {
  return {std::to_string(s.chapter) + ":" + std::to_string(s.verse)};
}

std::vector<std::string> field_values(const DeclaredRecord& r) {
  std::vector<std::string> out;
  out.reserve(r.values.size());
  for (const auto& v : r.values) out.push_back(v.value_or(std::string()));
  return out;
}

template <class T>
void stamp_changes(T& v, const FieldStamp& stamp) {
  auto values = field_values(v);
  auto& st = v.stamps;
  const bool loaded = st.loaded.size() == values.size() && st.at.size() == values.size();
  st.at.resize(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (!loaded || values[i] != st.loaded[i]) st.at[i] = stamp;
  }
  st.loaded = std::move(values);
}

template <class T>
void finish_loading(T& v, std::vector<FieldStamp> stored) {
  auto values = field_values(v);
  // No writer: nobody's own change, so it is unseen by every client that edited from before it.
  if (stored.size() != values.size()) stored.assign(values.size(), FieldStamp{v.version, {}});
  v.stamps.at = std::move(stored);
  v.stamps.loaded = std::move(values);
}

#define SYNCLOG_FIELD_STAMPS_FOR(T)                   \
  template void stamp_changes(T&, const FieldStamp&); \
  template void finish_loading(T&, std::vector<FieldStamp>);
SYNCLOG_FIELD_STAMPS_FOR(Bookmark)
SYNCLOG_FIELD_STAMPS_FOR(Collection)
SYNCLOG_FIELD_STAMPS_FOR(Membership)
SYNCLOG_FIELD_STAMPS_FOR(Note)
SYNCLOG_FIELD_STAMPS_FOR(ReadingSession)
#undef SYNCLOG_FIELD_STAMPS_FOR
template void stamp_changes(DeclaredRecord&, const FieldStamp&);

}  // namespace synclog::domain
