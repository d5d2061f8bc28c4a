// Importing a file of records (master data: sites, assets, checklist templates...) into a space,
// through the server's API: what `synclog import` and `synclog client import` both run. They
// differ only in where the server, the token and the device's name come from (flags, or the
// device's file) and in the schema version they write as.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace synclog::cli {

struct ImportJob {
  std::string server;     ///< base URL, e.g. http://127.0.0.1:8080
  std::string token;      ///< a lead's or owner's
  std::string client_id;  ///< the x-client-id the import writes as
  std::string space;
  std::string type;
  std::string file;
  std::string format;  ///< "csv" or "json"; empty: by the file's extension
  int batch = 100;     ///< records per push, 1-100
  /// The schema version the records are written for, given the name of the space's schema
  /// (learnt from the server); 0: the space's latest.
  std::function<std::int64_t(const std::string& schema)> schema_version;
  bool quiet = false;   ///< no progress line (there is none when stderr is not a terminal)
  std::string program;  ///< what its messages start with: "synclog import", "synclog client"
};

/// Reads the file, checks every row against the type's fields, pushes the records in batches
/// of CREATEs (upserts) in conflictMode=field, each with an Idempotency-Key derived from the
/// file and the batch (so a run that was cut short can simply be run again), and prints a
/// summary on stdout and each refused row. Returns the exit code: 0 all taken, 1 a row refused
/// or the server unreachable or refusing, 2 a file that cannot be read or does not fit the type
/// (nothing was sent).
int import_records(const ImportJob& job);

}  // namespace synclog::cli
