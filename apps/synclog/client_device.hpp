// What every `synclog client` subcommand shares (client_command.cpp, the per-user data;
// client_space_commands.cpp, the shared spaces): opening the device's file, reporting a failure
// in the command's words and exit codes (1 a failure, 2 bad usage), and the formats of times,
// counts and tables it prints.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"
#include "synclog/client/local_store.hpp"

namespace synclog::cli::client_cli {

/// "synclog client: <message>" on stderr; returns 1.
int fail(std::string_view message);
/// "synclog client: <what>: <the error's message>"; returns 1.
int fail(std::string_view what, const Error& error);
/// "synclog client: <message>" and a pointer to --help on stderr; returns 2.
int usage(std::string_view message);

/// "1 entry", "2 entries".
std::string plural(std::int64_t n, std::string_view one, std::string_view many);
/// UTC ISO 8601 with milliseconds; "<n> ms" for a value outside the calendar.
std::string iso_time(std::int64_t ms);
/// Stored JSON text, or `null` where there is none.
std::string_view json_or_null(std::string_view text);

/// The device file, when `init` has been run on it. A missing file is never created: a
/// mistyped --db must not leave an empty device behind. kPreconditionFailed, with the init
/// command to run, when it is missing or was never initialised.
Result<std::unique_ptr<client::LocalStore>> open_device(const std::string& db);

/// Prints rows as columns padded to their widest cell (the first row is the header), each line
/// after `indent`, trailing blanks trimmed.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out,
                 std::string_view indent = "");

}  // namespace synclog::cli::client_cli
