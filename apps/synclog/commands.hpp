// The synclog subcommands. Each registers its flags on a CLI11 app and returns the function
// that runs it (its exit code).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace synclog::cli {

using Command = std::function<int()>;

Command add_backup_command(CLI::App& app);
Command add_client_command(CLI::App& app);
Command add_import_command(CLI::App& app);
Command add_migrate_command(CLI::App& app);
Command add_serve_command(CLI::App& app);
Command add_token_command(CLI::App& app);

}  // namespace synclog::cli
