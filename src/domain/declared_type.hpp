// The record types of a schema (schema.hpp) for the engine (record_type.hpp): one RecordType per
// declared type. Its plan checks the writer's role and the references a mutation sets (a
// reference must name a live record of its type in the same space, or one created earlier in
// the same batch: mutations apply in order); its judge settles clashes by person and capture
// time (docs/api.md, "Outcomes"):
//   - another person changed a field the mutation changes, since its base: a conflict, with both
//     sides (policy `field`); the later capture wins (`lastWriteWins`); the server's value is
//     kept (`serverWins`);
//   - the same person did, from another device: the later capture wins (softMerged), unless the
//     type's policy is `serverWins`.
// A settled clash whose server side won leaves that field as the server has it; the rest of
// the mutation applies.
#pragma once

#include <memory>

#include "domain/record_type.hpp"
#include "domain/schema.hpp"

namespace synclog::domain {

// A registered schema version, ready for use: its document's types and the record types built
// from them. Immutable once made, and shared by every space on that version.
struct CompiledSchema {
  Schema schema;
  TypeRegistry types;
};

// Builds the record types of `schema` (whose kinds are assigned, assign_kinds).
std::shared_ptr<const CompiledSchema> compile_schema(Schema schema);

}  // namespace synclog::domain
