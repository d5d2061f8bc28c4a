// Printing and judging the counters.
#include "report.hpp"

#include <cstdio>

namespace synclog::sim {
namespace {

constexpr std::size_t kMaxDetails = 40;

long long ll(std::int64_t v) { return static_cast<long long>(v); }

}  // namespace

void Counters::note(std::string line) {
  if (details.size() < kMaxDetails) details.push_back(std::move(line));
}

void Counters::add(const Counters& o) {
  edits += o.edits;
  pushes += o.pushes;
  mutations += o.mutations;
  pulls += o.pulls;
  status409 += o.status409;
  conflicts += o.conflicts;
  genuine += o.genuine;
  not_genuine += o.not_genuine;
  missed += o.missed;
  wrong_fields += o.wrong_fields;
  merges += o.merges;
  merge_mismatches += o.merge_mismatches;
  decisions += o.decisions;
  client_clashes += o.client_clashes;
  soft_merges += o.soft_merges;
  rejections += o.rejections;
  wrong_outcomes += o.wrong_outcomes;
  syncs += o.syncs;
  strict_would_fail += o.strict_would_fail;
  conflict_syncs += o.conflict_syncs;
  lost += o.lost;
  unsettled += o.unsettled;
  duplicated += o.duplicated;
  diverged += o.diverged;
  mismatches += o.mismatches;
  anomalies += o.anomalies;
  errors += o.errors;
  for (const auto& d : o.details) note(d);
}

std::vector<std::string> failures(Mode mode, const Counters& c) {
  std::vector<std::string> out;
  const auto must_be_zero = [&](std::int64_t v, const char* what) {
    if (v != 0) out.push_back(std::to_string(v) + " " + what);
  };
  must_be_zero(c.errors, "user runs stopped by an unexpected answer");
  must_be_zero(c.lost, "lost edits");
  must_be_zero(c.unsettled, "edits never settled");
  must_be_zero(c.duplicated, "duplicated records");
  must_be_zero(c.diverged, "records or devices that did not converge");
  must_be_zero(c.mismatches, "pulled states the oracle cannot explain");
  must_be_zero(c.anomalies, "applied writes the oracle cannot attribute");
  must_be_zero(c.wrong_outcomes, "rejections or settlings the oracle did not predict");
  if (mode != Mode::kStrict) {
    must_be_zero(c.not_genuine, "reported conflicts that were not genuine");
    must_be_zero(c.missed, "genuine clashes not reported");
    must_be_zero(c.wrong_fields, "genuine conflicts with the wrong fields or reason");
    must_be_zero(c.status409, "409 answers in field mode");
  }
  return out;
}

void print_table_header() {
  std::printf(
      "| mode   | edits  | pushes | 409 answers | conflicts reported | genuine "
      "| user decisions | merges | lost | duplicated | diverged | wall s |\n");
  std::printf(
      "|--------|-------:|-------:|------------:|-------------------:|--------:"
      "|---------------:|-------:|-----:|-----------:|---------:|-------:|\n");
}

void print_table_row(Mode mode, const Counters& c) {
  std::printf(
      "| %-6s | %6lld | %6lld | %11lld | %18lld | %7lld | %14lld | %6lld | %4lld | %10lld "
      "| %8lld | %6.1f |\n",
      std::string(mode_name(mode)).c_str(), ll(c.edits), ll(c.pushes), ll(c.status409),
      ll(c.conflicts), ll(c.genuine), ll(c.decisions), ll(c.merges), ll(c.lost), ll(c.duplicated),
      ll(c.diverged), c.seconds);
}

void print_details(Mode mode, const Counters& c) {
  std::printf(
      "%-6s: %lld mutations pushed, %lld pulls; %lld reported conflicts not genuine, "
      "%lld genuine clashes missed, %lld with other fields; %lld clashes found by devices "
      "in pulls; %lld merge outcomes the oracle did not expect; %lld unsettled, "
      "%lld mismatches, %lld anomalies, %lld errors\n",
      std::string(mode_name(mode)).c_str(), ll(c.mutations), ll(c.pulls), ll(c.not_genuine),
      ll(c.missed), ll(c.wrong_fields), ll(c.client_clashes), ll(c.merge_mismatches),
      ll(c.unsettled), ll(c.mismatches), ll(c.anomalies), ll(c.errors));
  const auto share = [&](std::int64_t n) { return c.syncs ? 100.0 * static_cast<double>(n) / static_cast<double>(c.syncs) : 0.0; };
  std::printf("%-6s: %lld syncs pushed: %.1f%% would have been refused by the strict per-log head (409), "
              "%.1f%% ended with a conflict%s",
              std::string(mode_name(mode)).c_str(), ll(c.syncs), share(c.strict_would_fail), share(c.conflict_syncs),
              mode == Mode::kStrict ? " (each a 409)" : "");
  if (mode == Mode::kSpace) {
    std::printf("; %lld soft merges (the same person), %lld rejections", ll(c.soft_merges), ll(c.rejections));
  }
  std::printf("\n");
}

}  // namespace synclog::sim
