// synclog: the offline-first sync server. `synclog serve` runs it; `synclog token` mints a
// development access token it accepts; `synclog backup` copies its database while it runs.
// `synclog --help` lists everything.
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
  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("serve")) return serve();
  if (app.got_subcommand("token")) return token();
  if (app.got_subcommand("backup")) return backup();
  std::cerr << app.help();
  return 2;
}
