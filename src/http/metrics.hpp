// A small Prometheus registry: counters, gauges and histograms with label sets, rendered in
// the text exposition format for /metrics. Thread-safe; the returned references stay valid
// for the registry's lifetime, so hot paths can look a series up once and keep it.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace synclog::http {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) { v_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double v);
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

// Latency buckets in seconds, from 0.1 ms to 10 s.
const std::vector<double>& latency_buckets();

class Registry {
 public:
  // `labels` is the inside of the braces, e.g. `route="/v1/sync",status="200"`, or empty.
  Counter& counter(std::string_view name, std::string_view help, std::string labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, std::string labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, std::string labels = {},
                       const std::vector<double>& bounds = latency_buckets());
  std::string render() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(std::string_view name, std::string_view help, std::string_view type);
  template <class T, class Make>
  T& series(std::string_view name, std::string_view help, std::string_view type,
            std::map<std::string, std::unique_ptr<T>> Family::*member, std::string labels,
            Make make);
  mutable std::shared_mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
};

// Escapes a label value for the text format.
std::string label_value(std::string_view v);

}  // namespace synclog::http
