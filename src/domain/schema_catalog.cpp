// Registering schema versions and compiling them in order.
#include "domain/schema_catalog.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>

#include "domain/mutation_clock.hpp"

namespace synclog::domain {
namespace {

constexpr std::uint8_t kDocumentKind = 0;

std::string record_id(const Schema& s) {
  char version[16];
  std::snprintf(version, sizeof version, "%010lld", static_cast<long long>(s.version));
  return s.name + "/" + version;
}

}  // namespace

Result<std::vector<SchemaPtr>> compile_versions(std::vector<std::string> documents, const SchemaLimits& limits) {
  std::vector<Schema> parsed;
  for (const auto& d : documents) {
    SYNCLOG_ASSIGN_OR_RETURN(auto s, parse_schema(d, limits));
    parsed.push_back(std::move(s));
  }
  std::sort(parsed.begin(), parsed.end(), [](const Schema& a, const Schema& b) { return a.version < b.version; });
  std::vector<SchemaPtr> out;
  const Schema* previous = nullptr;
  for (auto& s : parsed) {
    SYNCLOG_RETURN_IF_ERROR(assign_kinds(s, previous));
    out.push_back(compile_schema(std::move(s)));
    previous = &out.back()->schema;
  }
  return out;
}

Result<Registration> register_schema(storage::WriteTxn& catalog, std::string_view document,
                                     const SchemaLimits& limits, std::int64_t now_ms) {
  SYNCLOG_ASSIGN_OR_RETURN(Schema next, parse_schema(document, limits));
  SYNCLOG_ASSIGN_OR_RETURN(auto stored, catalog.find_by_k1(kDocumentKind, next.name));
  std::vector<std::string> documents;
  for (auto& r : stored) documents.push_back(std::move(r.data));
  SYNCLOG_ASSIGN_OR_RETURN(auto versions, compile_versions(documents, limits));
  Registration out;
  for (const auto& v : versions) {
    if (v->schema.version != next.version) continue;
    if (v->schema.document != next.document) {
      return make_error(ErrorCode::kConflict, "Schema " + next.name + " version " + std::to_string(next.version) +
                                                  " is registered already with another document; "
                                                  "register the change as a new version");
    }
    out.versions = std::move(versions);
    out.existed = true;
    return out;
  }
  if (!versions.empty()) SYNCLOG_RETURN_IF_ERROR(check_replacement(versions.back()->schema, next));
  SYNCLOG_RETURN_IF_ERROR(assign_kinds(next, versions.empty() ? nullptr : &versions.back()->schema));
  storage::Record r;
  r.kind = kDocumentKind;
  r.id = record_id(next);
  r.k1 = next.name;
  r.data = next.document;
  // The log's head moves with every registration, so that every node hears of it.
  SYNCLOG_ASSIGN_OR_RETURN(const storage::UserHead head, catalog.head());
  MutationClock clock(now_ms, head.head);
  const std::int64_t ts = clock.next();
  r.version = ts;
  r.created_ts = ts;
  SYNCLOG_RETURN_IF_ERROR(catalog.put(r));
  storage::Entry e;
  e.ts = ts;
  e.kind = kDocumentKind;
  e.id = r.id;
  e.op = static_cast<std::uint8_t>(MutationType::kCreate);
  e.created_ts = ts;
  e.data = "{}";
  SYNCLOG_RETURN_IF_ERROR(catalog.append(e));
  SYNCLOG_RETURN_IF_ERROR(catalog.set_head(ts));
  versions.push_back(compile_schema(std::move(next)));
  out.versions = std::move(versions);
  return out;
}

Result<std::vector<std::string>> read_documents(storage::ReadTxn& catalog) {
  SYNCLOG_ASSIGN_OR_RETURN(auto records, catalog.list(kDocumentKind));
  std::vector<std::string> out;
  out.reserve(records.size());
  for (auto& r : records) out.push_back(std::move(r.data));
  return out;
}

Status SchemaCatalog::load(std::vector<std::string> documents, std::int64_t head) {
  std::map<std::string, std::vector<std::string>, std::less<>> grouped;
  for (auto& d : documents) {
    SYNCLOG_ASSIGN_OR_RETURN(auto s, parse_schema(d, limits_));
    grouped[s.name].push_back(std::move(d));
  }
  std::map<std::string, std::vector<SchemaPtr>, std::less<>> compiled;
  for (auto& [name, docs] : grouped) {
    SYNCLOG_ASSIGN_OR_RETURN(compiled[name], compile_versions(std::move(docs), limits_));
  }
  std::unique_lock lock(mu_);
  for (auto& [name, versions] : compiled) {
    auto& held = by_name_[name];
    if (held.size() <= versions.size()) held = std::move(versions);
  }
  head_ = std::max(head_, head);
  return Status();
}

std::int64_t SchemaCatalog::loaded_head() const {
  std::shared_lock lock(mu_);
  return head_;
}

void SchemaCatalog::put(std::vector<SchemaPtr> versions) {
  if (versions.empty()) return;
  std::unique_lock lock(mu_);
  auto& held = by_name_[versions.front()->schema.name];
  // A reload may have brought the same or a newer list meanwhile: keep the longer.
  if (held.size() <= versions.size()) held = std::move(versions);
}

SchemaPtr SchemaCatalog::latest(std::string_view name) const {
  std::shared_lock lock(mu_);
  const auto it = by_name_.find(name);
  if (it == by_name_.end() || it->second.empty()) return nullptr;
  return it->second.back();
}

SchemaPtr SchemaCatalog::version(std::string_view name, std::int64_t v) const {
  std::shared_lock lock(mu_);
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return nullptr;
  for (const auto& s : it->second) {
    if (s->schema.version == v) return s;
  }
  return nullptr;
}

std::map<std::string, std::vector<SchemaPtr>, std::less<>> SchemaCatalog::all() const {
  std::shared_lock lock(mu_);
  return by_name_;
}

}  // namespace synclog::domain
