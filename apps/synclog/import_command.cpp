// `synclog import`: loads master data (sites, assets, checklist templates...) from a CSV or JSON
// file into a space, through the server's own API, as a lead or owner would push it. The work is
// import_records (import_records.cpp, which says how files are read), shared with
// `synclog client import`; this file is its flags: the server, the token and the device name
// given on the command line.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "commands.hpp"
#include "import_records.hpp"

namespace synclog::cli {
namespace {

// The job, as the flags fill it in, and the one flag that is not the job's own.
struct ImportFlags {
  ImportFlags() {
    job.server = "http://127.0.0.1:8080";
    job.client_id = "synclog-import";
    job.program = "synclog import";
  }
  ImportJob job;
  int schema_version = 0;  // 0: the space's latest
};

}  // namespace

Command add_import_command(CLI::App& app) {
  auto f = std::make_shared<ImportFlags>();
  ImportJob& j = f->job;
  auto* cmd = app.add_subcommand("import", "Import master data (CSV or JSON) into a space, as a lead or owner");
  cmd->add_option("FILE", j.file, "The records: CSV with a header row, or a JSON array")->required();
  cmd->add_option("--server", j.server, "The server's base URL")->envname("SYNCLOG_SERVER")->capture_default_str();
  cmd->add_option("--token", j.token, "An access token of a lead or owner of the space")
      ->envname("SYNCLOG_TOKEN")->required();
  cmd->add_option("--space", j.space, "The space's id")->required();
  cmd->add_option("--type", j.type, "The records' type in the space's schema")->required();
  cmd->add_option("--format", j.format, "csv or json (default: by the file's extension)");
  cmd->add_option("--batch", j.batch, "Records per push (1-100)")->check(CLI::Range(1, 100))->capture_default_str();
  cmd->add_option("--schema-version", f->schema_version,
                  "The schema version the file is written for (default: the space's latest)");
  cmd->add_option("--client-id", j.client_id, "The x-client-id the import writes as")->capture_default_str();
  cmd->add_flag("--quiet", j.quiet, "No progress line (there is none when stderr is not a terminal)");
  return [f] {
    f->job.schema_version = [version = f->schema_version](const std::string&) -> std::int64_t { return version; };
    return import_records(f->job);
  };
}

}  // namespace synclog::cli
