// Loading and registering schema documents through the store.
#include "http/schema_sync.hpp"

#include <memory>
#include <optional>

namespace synclog::http {

void reload_schemas(Services& s, std::function<void(Status)> done) {
  struct Read {
    std::int64_t head = 0;
    std::optional<std::vector<std::string>> documents;  // none: the catalog is as loaded
  };
  auto read = std::make_shared<Read>();
  s.store.read(
      s.catalog_key.load(),
      [&s, read](storage::ReadTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(const auto h, txn.head());
        read->head = h.head;
        if (h.head <= s.schemas.loaded_head()) return Status();
        SYNCLOG_ASSIGN_OR_RETURN(read->documents, domain::read_documents(txn));
        return Status();
      },
      [&s, read, done = std::move(done)](Status st) {
        if (st.ok() && read->documents) st = s.schemas.load(std::move(*read->documents), read->head);
        if (!st.ok()) s.log.error("schema_reload_failed", st.message());
        if (done) done(st);
      });
}

void register_schema(Services& s, std::string document, std::function<void(Result<domain::Registration>)> done) {
  auto outcome = std::make_shared<domain::Registration>();
  const std::int64_t now = s.clock.now_ms();
  s.store.write(
      s.catalog_key.load(),
      [&s, document = std::move(document), outcome, now](storage::WriteTxn& txn) -> Status {
        SYNCLOG_ASSIGN_OR_RETURN(*outcome, domain::register_schema(txn, document, s.schemas.limits(), now));
        return Status();
      },
      [&s, outcome, done = std::move(done)](Status st) {
        if (!st.ok()) return done(st.error());
        s.schemas.put(outcome->versions);
        done(std::move(*outcome));
      });
}

storage::HeadEvents with_schema_reloads(Services& s, storage::HeadEvents events) {
  storage::HeadEvents out;
  out.moved = [&s, moved = std::move(events.moved)](storage::UserKey user, std::int64_t head) {
    const storage::UserKey catalog = s.catalog_key.load();
    if (catalog != 0 && user == catalog) reload_schemas(s, {});
    if (moved) moved(user, head);
  };
  out.resync = [&s, resync = std::move(events.resync)] {
    if (s.catalog_key.load() != 0) reload_schemas(s, {});
    if (resync) resync();
  };
  return out;
}

}  // namespace synclog::http
