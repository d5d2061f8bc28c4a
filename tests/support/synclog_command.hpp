// Runs the real synclog binary as a command (synclog backup, synclog client, ...) the way a user
// would, for the tests that check what a command prints and how it exits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace synclog::test {

struct CommandRun {
  int exit_code = -1;  // 128 + the signal when it was killed
  std::string out;
  std::string err;
  std::string output() const { return out + err; }
};

std::ostream& operator<<(std::ostream& os, const CommandRun& r);

// A command started by start_synclog and not yet waited for.
struct StartedCommand {
  pid_t pid = -1;  // -1: it could not be started
  std::filesystem::path capture;
};

// Starts `synclog <args>` with an empty stdin, its stdout and stderr captured apart in
// `<capture>.out` and `<capture>.err` (kept for inspection), and returns at once (a test can
// then signal it by its pid).
StartedCommand start_synclog(const std::vector<std::string>& args,
                             const std::filesystem::path& capture);

// Waits for a started command; after `timeout` it is killed and the run fails, saying so in
// `err`.
CommandRun wait_synclog(const StartedCommand& command,
                        std::chrono::seconds timeout = std::chrono::seconds(120));

// start_synclog, then wait_synclog.
CommandRun run_synclog(const std::vector<std::string>& args, const std::filesystem::path& capture,
                       std::chrono::seconds timeout = std::chrono::seconds(120));

// The whole content of a file ("" when it cannot be read).
std::string slurp(const std::filesystem::path& path);

}  // namespace synclog::test
