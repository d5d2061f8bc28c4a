// The domain's view of one user's write transaction: everything ResourceView reads, plus saves
// that write the record and its log entry together so the two never disagree. Also hands out
// the mutation timestamps. One Ledger per push; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/model.hpp"
#include "domain/mutation.hpp"
#include "domain/mutation_clock.hpp"
#include "domain/resource.hpp"
#include "domain/resource_view.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

class Ledger : public ResourceView {
 public:
  // `head` is the user's current head; `client_id` is recorded as modifiedBy.
  Ledger(storage::WriteTxn& txn, std::int64_t now_ms, std::int64_t head, std::string client_id)
      : ResourceView(txn), txn_(txn), clock_(now_ms, head), now_(now_ms),
        client_id_(std::move(client_id)) {}
  // A log whose kinds `types` defines (it must outlive the ledger).
  Ledger(storage::WriteTxn& txn, const TypeRegistry& types, std::int64_t now_ms, std::int64_t head,
         std::string client_id)
      : ResourceView(txn, types), txn_(txn), clock_(now_ms, head), now_(now_ms),
        client_id_(std::move(client_id)) {}

  std::int64_t next_ts() { return clock_.next(); }
  std::int64_t head() const { return clock_.head(); }
  std::int64_t now_ms() const { return now_; }
  const std::string& client_id() const { return client_id_; }
  // In a space's log, the person writing (the token's subject), recorded with each change.
  void set_person(std::string person) { person_ = std::move(person); }

  // Stamps `v` (version = a new ts, modifiedBy), stores it and logs it as `op`. The ts is
  // returned. `times` fills the client times; absent ones default to the ts.
  template <class T>
  Result<std::int64_t> save(T& v, MutationType op, const ClientTimes& times);
  // Removes the resource and logs its tombstone; returns the ts.
  template <class T>
  Result<std::int64_t> remove(const T& v);
  // The same for a record of any type.
  Result<std::int64_t> save(AnyRecord& v, MutationType op, const ClientTimes& times);
  Result<std::int64_t> remove(const AnyRecord& v);

 private:
  Status write(const storage::Record& record, storage::Entry entry);
  Status erase(const storage::Record& record, storage::Entry entry);

  storage::WriteTxn& txn_;
  MutationClock clock_;
  std::int64_t now_;
  std::string client_id_;
  std::string person_;
};

}  // namespace synclog::domain
