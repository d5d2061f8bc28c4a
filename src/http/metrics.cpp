// Prometheus text rendering.
#include "http/metrics.hpp"

#include <cstdio>
#include <mutex>

namespace synclog::http {

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(v * 1e6), std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::uint64_t cumulative = 0;
  char buf[64];
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    std::string le = "+Inf";
    if (i < bounds_.size()) {
      std::snprintf(buf, sizeof buf, "%g", bounds_[i]);
      le = buf;
    }
    out += std::string(name) + "_bucket{" + std::string(labels) + sep + "le=\"" + le + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(sum_micros_.load()) / 1e6);
  out += std::string(name) + "_sum" + braces + " " + buf + "\n";
  out += std::string(name) + "_count" + braces + " " + std::to_string(count_.load()) + "\n";
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                               0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                               1,      2.5,     5,      10};
  return kBuckets;
}

Registry::Family& Registry::family(std::string_view name, std::string_view help,
                                   std::string_view type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{}).first;
    it->second.help = help;
    it->second.type = type;
  }
  return it->second;
}

template <class T, class Make>
T& Registry::series(std::string_view name, std::string_view help, std::string_view type,
                    std::map<std::string, std::unique_ptr<T>> Family::*member, std::string labels,
                    Make make) {
  {
    std::shared_lock lock(mu_);
    auto it = families_.find(name);
    if (it != families_.end()) {
      auto& map = it->second.*member;
      auto found = map.find(labels);
      if (found != map.end()) return *found->second;
    }
  }
  std::unique_lock lock(mu_);
  auto& slot = (family(name, help, type).*member)[labels];
  if (!slot) slot = make();
  return *slot;
}

Counter& Registry::counter(std::string_view name, std::string_view help, std::string labels) {
  return series(name, help, "counter", &Family::counters, std::move(labels),
                [] { return std::make_unique<Counter>(); });
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, std::string labels) {
  return series(name, help, "gauge", &Family::gauges, std::move(labels),
                [] { return std::make_unique<Gauge>(); });
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::string labels,
                               const std::vector<double>& bounds) {
  return series(name, help, "histogram", &Family::histograms, std::move(labels),
                [&] { return std::make_unique<Histogram>(bounds); });
}

std::string Registry::render() const {
  std::shared_lock lock(mu_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    out += "# HELP " + name + " " + fam.help + "\n# TYPE " + name + " " + fam.type + "\n";
    for (const auto& [labels, c] : fam.counters) {
      out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(c->value()) + "\n";
    }
    for (const auto& [labels, g] : fam.gauges) {
      out += name + (labels.empty() ? "" : "{" + labels + "}") + " " + std::to_string(g->value()) + "\n";
    }
    for (const auto& [labels, h] : fam.histograms) h->render(out, name, labels);
  }
  return out;
}

std::string label_value(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace synclog::http
