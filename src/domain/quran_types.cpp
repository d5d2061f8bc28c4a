// The registry of a user's log, and the bookmark rules several Quran types share.
#include "domain/detail/quran_types.hpp"

namespace synclog::domain {

void TypeRegistry::add(std::unique_ptr<RecordType> type) {
  by_kind_[type->kind()] = type.get();
  by_name_.emplace(type->name(), type.get());
  types_.push_back(std::move(type));
}

const RecordType* TypeRegistry::find(std::uint8_t kind) const { return by_kind_[kind]; }

const RecordType* TypeRegistry::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

const TypeRegistry& quran_types() {
  static const TypeRegistry* const registry = [] {
    auto* r = new TypeRegistry();
    r->add(detail::make_bookmark_type());
    r->add(detail::make_collection_type());
    r->add(detail::make_membership_type());
    r->add(detail::make_note_type());
    r->add(detail::make_reading_session_type());
    return r;
  }();
  return *registry;
}

namespace detail {

std::string details_token(const BookmarkDetails& d) {
  std::string s(bookmark_kind_name(d.kind));
  s += "_" + std::to_string(d.key);
  if (d.verse) s += "_" + std::to_string(*d.verse);
  return s;
}

bool unseen_membership(const Membership& mb, const Vantage& who) {
  return unseen(FieldStamp{mb.created_ts, mb.modified_by}, who);
}

Status remove_memberships(Ledger& ledger, const Bookmark& b) {
  SYNCLOG_ASSIGN_OR_RETURN(auto memberships, ledger.memberships_of_bookmark(b.id));
  for (const auto& mb : memberships) {
    SYNCLOG_RETURN_IF_ERROR(ledger.remove(mb).status());
  }
  return Status();
}

Status take_reading_flag(Ledger& ledger, Bookmark& b) {
  SYNCLOG_ASSIGN_OR_RETURN(auto previous, ledger.reading_bookmark());
  if (previous && previous->id != b.id) {
    previous->is_reading = false;
    SYNCLOG_RETURN_IF_ERROR(ledger.save(*previous, MutationType::kUpdate, ClientTimes{}).status());
  }
  b.is_reading = true;
  return Status();
}

}  // namespace detail
}  // namespace synclog::domain
