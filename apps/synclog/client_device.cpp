// The shared pieces of `synclog client` (client_device.hpp).
#include "client_device.hpp"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "common/error_code.hpp"
#include "common/time_format.hpp"

namespace synclog::cli::client_cli {

namespace fs = std::filesystem;

int fail(std::string_view message) {
  std::cerr << "synclog client: " << message << "\n";
  return 1;
}

int fail(std::string_view what, const Error& error) {
  return fail(std::string(what) + ": " + error.message);
}

int usage(std::string_view message) {
  std::cerr << "synclog client: " << message << "\nRun with --help for more information.\n";
  return 2;
}

std::string plural(std::int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string iso_time(std::int64_t ms) {
  if (ms < kMinEpochMs || ms > kMaxEpochMs) return std::to_string(ms) + " ms";
  return format_iso8601_ms(ms);
}

std::string_view json_or_null(std::string_view text) { return text.empty() ? "null" : text; }

Result<std::unique_ptr<client::LocalStore>> open_device(const std::string& db) {
  const Error not_initialised =
      make_error(ErrorCode::kPreconditionFailed, "not initialised: run `synclog client --db " + db +
                                                     " init --server URL --token TOKEN`");
  std::error_code ec;
  if (!fs::exists(db, ec)) return not_initialised;
  auto store = client::LocalStore::open(db);
  if (!store.ok()) return make_error(store.error().code, db + ": " + store.error().message);
  auto server = (*store)->server_url();
  if (!server.ok()) return make_error(server.error().code, db + ": " + server.error().message);
  if (server->empty()) return not_initialised;
  return std::move(*store);
}

void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out,
                 std::string_view indent) {
  if (rows.empty()) return;
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line(indent);
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size() && i < widths.size()) {
        line += std::string(widths[i] - row[i].size() + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

}  // namespace synclog::cli::client_cli
