// synclog: the offline-first sync server. `synclog serve` runs it; `synclog token` mints a
// development access token it accepts; `synclog backup` copies its database while it runs;
// `synclog client` makes a local file behave like a device that syncs with it; `synclog migrate`
// brings a database's schema up to date; `synclog import` loads master data into a space.
// `synclog --help` lists everything. Usage errors exit 2.
#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>

#include "commands.hpp"
#include "synclog/version.hpp"

int main(int argc, char** argv) {
  // A closed log pipe must not kill the server; write errors are handled where they happen.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"synclog: offline-first sync server (Quran Foundation Sync API compatible)"};
  app.set_version_flag("--version", std::string(synclog::kVersion));
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, synclog::cli::Command>> commands;
  const auto serve = synclog::cli::add_serve_command(app);
  const auto token = synclog::cli::add_token_command(app);
  const auto backup = synclog::cli::add_backup_command(app);
  const auto client = synclog::cli::add_client_command(app);
  const auto migrate = synclog::cli::add_migrate_command(app);
  const auto import = synclog::cli::add_import_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2 (CLI11's own codes are 100 and
    // up), as the commands' own usage checks do.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (app.got_subcommand("serve")) return serve();
  if (app.got_subcommand("token")) return token();
  if (app.got_subcommand("backup")) return backup();
  if (app.got_subcommand("client")) return client();
  if (app.got_subcommand("migrate")) return migrate();
  if (app.got_subcommand("import")) return import();
  std::cerr << app.help();
  return 2;
}
