// The spaces' part of what `sync` and `listen` print (client_space_commands.hpp): a progress bar
// while a space is pulled for the first time (the only pull long enough to watch: every record
// of the space, 10,000 sites and assets for a depot), the report's space counters, and the space
// events after the per-user ones, with the command that deals with each kind.
#include <algorithm>
#include <set>
#include <string>

#include "client_device.hpp"
#include "client_space_commands.hpp"

namespace synclog::cli {
namespace {

using client_cli::plural;

// Plain "applied" events past this many are counted, not listed: a lead's first push of
// master data would otherwise print a line per record.
constexpr std::size_t kAppliedListed = 20;

std::string bar(std::int64_t done, std::int64_t total) {
  constexpr std::int64_t kWidth = 24;
  const std::int64_t filled = total > 0 ? std::clamp<std::int64_t>(done * kWidth / total, 0, kWidth) : 0;
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(kWidth - filled), '-') + "]";
}

std::string event_line(const client::SyncEvent& e) {
  std::string kind = e.kind.empty() ? std::string(client::outcome_name(e.outcome)) : e.kind;
  std::string line = "  " + kind + " " + e.space;
  if (!e.type.empty()) line += " " + e.type;
  if (!e.id.empty()) line += " " + e.id;
  if (!e.fields.empty()) {
    std::string fields;
    for (const auto& f : e.fields) fields += (fields.empty() ? "" : ", ") + f;
    line += " (" + fields + ")";
  }
  if (!e.reason.empty()) line += ": " + e.reason;
  if (e.conflict_seq != 0) {
    line += std::string(e.kind == "rejected" ? " (rejection " : " (conflict ") + std::to_string(e.conflict_seq) + ")";
  }
  return line;
}

}  // namespace

std::optional<std::string> SpaceSyncOutput::progress_line(const client::SyncProgress& p) const {
  if (p.space.empty() || p.phase != client::SyncProgress::Phase::kPull || !p.first_pull) {
    return std::nullopt;
  }
  if (p.total <= 0 || p.total < p.pulled) {
    return p.space + ": first pull, " + plural(p.pulled, "entry", "entries");
  }
  return p.space + ": first pull " + bar(p.pulled, p.total) + " " + std::to_string(p.pulled) + "/" +
         std::to_string(p.total) + " entries";
}

void SpaceSyncOutput::add(const client::SyncEvent& e) { events_.push_back(e); }

void SpaceSyncOutput::print(const client::SyncReport& report, const std::string& db, std::ostream& out) {
  const auto events = std::move(events_);
  events_.clear();
  if (report.spaces == 0 && events.empty() && report.quarantined == 0 && report.update_required == 0) return;
  std::string line = "spaces: " + plural(report.spaces, "space", "spaces") + " synced, pulled " +
                     plural(report.space_pulled, "entry", "entries") + ", pushed " +
                     plural(report.space_pushed, "edit", "edits");
  if (report.quarantined > 0) line += ", " + plural(report.quarantined, "edit", "edits") + " quarantined";
  if (report.update_required > 0) {
    line += ", " + plural(report.update_required, "space waits", "spaces wait") + " for an app update";
  }
  out << line << "\n";
  std::size_t applied = 0;
  std::set<std::string> kinds;
  for (const auto& e : events) {
    kinds.insert(e.kind);
    if (e.kind == "applied" && ++applied > kAppliedListed) continue;
    out << event_line(e) << "\n";
  }
  if (applied > kAppliedListed) out << "  ... and " << applied - kAppliedListed << " more applied\n";
  const std::string cmd = "synclog client --db " + db;
  if (kinds.contains("conflict")) out << "  see `" << cmd << " conflicts`\n";
  if (kinds.contains("rejected")) out << "  see `" << cmd << " rejections`\n";
  if (report.quarantined > 0) out << "  see `" << cmd << " quarantine list`\n";
  if (kinds.contains("update-required") || report.update_required > 0) {
    out << "  the app's schema is too old for a space: `" << cmd << " schema use FILE` with a newer one\n";
  }
}

}  // namespace synclog::cli
