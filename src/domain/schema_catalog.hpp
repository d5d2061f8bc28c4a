// The registered schemas: every version of every schema document, kept as records of one log
// (the catalog's, spaces.hpp) and held compiled in memory by each server. A document is
// registered in the catalog's write transaction, against the versions registered before it
// (check_replacement); the log's head moves, so every node learns of it and reloads.
//
// Record: kind 0, id "<name>/<version, 10 digits>", k1 the name, data the document as
// registered. Kinds and name histories are not stored: they follow from the versions in order
// (assign_kinds), so loading replays them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "domain/declared_type.hpp"
#include "domain/schema.hpp"
#include "storage/store.hpp"

namespace synclog::domain {

using SchemaPtr = std::shared_ptr<const CompiledSchema>;

// Every version of one schema, oldest first, each compiled after the ones before it.
Result<std::vector<SchemaPtr>> compile_versions(std::vector<std::string> documents, const SchemaLimits& limits);

struct Registration {
  std::vector<SchemaPtr> versions;  // every version of the schema, the new one last
  bool existed = false;             // the same document was registered already: nothing changed
};

// Registers `document` in the catalog's write transaction. The same version registered with
// the same document is no change (a server restarted with --schema); with another, kConflict.
// kUnprocessable for a document that is not a valid schema or does not follow its previous
// version (check_replacement).
Result<Registration> register_schema(storage::WriteTxn& catalog, std::string_view document,
                                     const SchemaLimits& limits, std::int64_t now_ms);

// Reads every registered document from the catalog's log.
Result<std::vector<std::string>> read_documents(storage::ReadTxn& catalog);

// What one server holds of the catalog. Thread-safe; readers get immutable versions.
class SchemaCatalog {
 public:
  explicit SchemaCatalog(SchemaLimits limits = {}) : limits_(limits) {}
  const SchemaLimits& limits() const { return limits_; }

  // Takes the compiled `documents` (all of them, any order), read from the catalog's log at
  // `head`. Versions are only ever added, so a schema keeps the longer of the two lists: a
  // reload that read its documents before a registration this server has put since must not
  // take that registration back.
  Status load(std::vector<std::string> documents, std::int64_t head);
  // The catalog log's head of the latest load: a reload that finds the log there has nothing
  // to read (asking for an unknown schema version costs one head read, not a recompilation).
  std::int64_t loaded_head() const;
  // Takes the versions of one schema, as a registration returned them.
  void put(std::vector<SchemaPtr> versions);

  SchemaPtr latest(std::string_view name) const;
  SchemaPtr version(std::string_view name, std::int64_t version) const;
  // Every schema's versions, by name.
  std::map<std::string, std::vector<SchemaPtr>, std::less<>> all() const;

 private:
  const SchemaLimits limits_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::vector<SchemaPtr>, std::less<>> by_name_;  // guarded by mu_
  std::int64_t head_ = -1;                                              // guarded by mu_
};

}  // namespace synclog::domain
