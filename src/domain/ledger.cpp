// Typed access to records and the log. Saves write record and entry in the same transaction;
// the entry carries the wire form of the new state, so pulls never re-encode.
#include "domain/ledger.hpp"

#include "domain/detail/resource_traits.hpp"
#include "domain/field_stamps.hpp"

namespace synclog::domain {

using detail::Traits;

// A DELETE's entry is what the store treats as a tombstone (retention purges those).
static_assert(static_cast<std::uint8_t>(MutationType::kDelete) == storage::kTombstoneOp);

template <class T>
Result<std::int64_t> Ledger::save(T& v, MutationType op, const ClientTimes& times) {
  const std::int64_t ts = next_ts();
  if (op == MutationType::kCreate && v.created_ts == 0) {
    v.created_ts = ts;
    v.client.created_ms = times.created.value_or(ts);
  } else if (times.created) {
    v.client.created_ms = *times.created;
  }
  v.client.updated_ms = times.updated.value_or(ts);
  v.version = ts;
  v.modified_by = client_id_;
  FieldStamp stamp{ts, client_id_};
  if constexpr (std::is_same_v<T, DeclaredRecord>) {
    // In a space, each change also records who made it and when their device captured it.
    v.modified_person = person_;
    stamp.person = person_;
    stamp.captured = v.client.updated_ms;
  }
  stamp_changes(v, stamp);
  storage::Entry e;
  e.ts = ts;
  e.kind = Traits<T>::kind(v);
  e.id = Traits<T>::id(v);
  e.op = static_cast<std::uint8_t>(op);
  e.created_ts = v.created_ts;
  e.data = wire_data(v);
  SYNCLOG_RETURN_IF_ERROR(write(to_record(v), std::move(e)));
  return ts;
}

template <class T>
Result<std::int64_t> Ledger::remove(const T& v) {
  const std::int64_t ts = next_ts();
  storage::Entry e;
  e.ts = ts;
  e.kind = Traits<T>::kind(v);
  e.id = Traits<T>::id(v);
  e.op = static_cast<std::uint8_t>(MutationType::kDelete);
  e.created_ts = v.created_ts;
  e.data = Traits<T>::tombstone(v);
  SYNCLOG_RETURN_IF_ERROR(erase(to_record(v), std::move(e)));
  return ts;
}

Result<std::int64_t> Ledger::save(AnyRecord& v, MutationType op, const ClientTimes& times) {
  return std::visit([&](auto& r) { return save(r, op, times); }, v);
}

Result<std::int64_t> Ledger::remove(const AnyRecord& v) {
  return std::visit([&](const auto& r) { return remove(r); }, v);
}

Status Ledger::write(const storage::Record& record, storage::Entry entry) {
  SYNCLOG_RETURN_IF_ERROR(txn_.put(record));
  return txn_.append(entry);
}

Status Ledger::erase(const storage::Record& record, storage::Entry entry) {
  SYNCLOG_RETURN_IF_ERROR(txn_.erase(record.kind, record.id));
  return txn_.append(entry);
}

template Result<std::int64_t> Ledger::save(Bookmark&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::save(Collection&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::save(Membership&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::save(Note&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::save(ReadingSession&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::remove(const Bookmark&);
template Result<std::int64_t> Ledger::remove(const Collection&);
template Result<std::int64_t> Ledger::remove(const Membership&);
template Result<std::int64_t> Ledger::remove(const Note&);
template Result<std::int64_t> Ledger::remove(const ReadingSession&);
template Result<std::int64_t> Ledger::save(DeclaredRecord&, MutationType, const ClientTimes&);
template Result<std::int64_t> Ledger::remove(const DeclaredRecord&);

}  // namespace synclog::domain
