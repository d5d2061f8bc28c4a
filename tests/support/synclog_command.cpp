// posix_spawn with the outputs redirected to files, and a polling wait with a deadline.
#include "synclog_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "server_process.hpp"

extern char** environ;

namespace synclog::test {

std::ostream& operator<<(std::ostream& os, const CommandRun& r) {
  return os << "exit " << r.exit_code << "\nstdout: " << r.out << "\nstderr: " << r.err;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

StartedCommand start_synclog(const std::vector<std::string>& args,
                             const std::filesystem::path& capture) {
  std::vector<std::string> argv = {synclog_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargs;
  for (auto& a : argv) cargs.push_back(a.data());
  cargs.push_back(nullptr);
  const std::string out = capture.string() + ".out";
  const std::string err = capture.string() + ".err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  StartedCommand started;
  started.capture = capture;
  pid_t pid = -1;
  if (posix_spawn(&pid, cargs[0], &actions, nullptr, cargs.data(), environ) == 0) started.pid = pid;
  posix_spawn_file_actions_destroy(&actions);
  return started;
}

CommandRun wait_synclog(const StartedCommand& command, std::chrono::seconds timeout) {
  CommandRun run;
  if (command.pid < 0) {
    run.err = "posix_spawn failed";
    return run;
  }
  const std::string err = command.capture.string() + ".err";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (waitpid(command.pid, &status, WNOHANG) != command.pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(command.pid, SIGKILL);
      waitpid(command.pid, &status, 0);
      run.err = "timed out after " + std::to_string(timeout.count()) + " s: " + slurp(err);
      return run;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = slurp(command.capture.string() + ".out");
  run.err = slurp(err);
  return run;
}

CommandRun run_synclog(const std::vector<std::string>& args, const std::filesystem::path& capture,
                       std::chrono::seconds timeout) {
  return wait_synclog(start_synclog(args, capture), timeout);
}

}  // namespace synclog::test
