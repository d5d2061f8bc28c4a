// The Prometheus registry: series are created once and kept, and render() writes the text
// exposition format (HELP/TYPE per family, one line per series, cumulative histogram buckets
// ending in +Inf, then _sum and _count).
#include "http/metrics.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace synclog::http {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, CounterRendersWithHelpTypeAndLabels) {
  Registry r;
  r.counter("synclog_requests_total", "Requests served", R"(route="/v1/sync",status="200")").inc(3);
  EXPECT_EQ(r.render(),
            "# HELP synclog_requests_total Requests served\n"
            "# TYPE synclog_requests_total counter\n"
            "synclog_requests_total{route=\"/v1/sync\",status=\"200\"} 3\n");
}

TEST(MetricsTest, SeriesWithoutLabelsHaveNoBraces) {
  Registry r;
  r.gauge("synclog_connections", "Open connections").set(7);
  r.gauge("synclog_connections", "Open connections").add(-2);
  EXPECT_EQ(r.render(),
            "# HELP synclog_connections Open connections\n"
            "# TYPE synclog_connections gauge\n"
            "synclog_connections 5\n");
}

TEST(MetricsTest, SameNameAndLabelsIsTheSameSeries) {
  Registry r;
  Counter& a = r.counter("c_total", "h", "k=\"1\"");
  Counter& b = r.counter("c_total", "h", "k=\"1\"");
  Counter& other = r.counter("c_total", "h", "k=\"2\"");
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  a.inc();
  b.inc();
  EXPECT_EQ(a.value(), 2u);
  EXPECT_EQ(other.value(), 0u);
  const std::string text = r.render();
  EXPECT_THAT(text, HasSubstr("c_total{k=\"1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("c_total{k=\"2\"} 0\n"));
  // One HELP/TYPE header per family, however many series.
  EXPECT_EQ(text.find("# TYPE c_total"), text.rfind("# TYPE c_total"));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Registry r;
  Histogram& h = r.histogram("lat_seconds", "Latency", "", {0.1, 1.0});
  for (double v : {0.05, 0.1, 0.5, 2.0, 3.0}) h.observe(v);
  EXPECT_EQ(r.render(),
            "# HELP lat_seconds Latency\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{le=\"0.1\"} 2\n"
            "lat_seconds_bucket{le=\"1\"} 3\n"
            "lat_seconds_bucket{le=\"+Inf\"} 5\n"
            "lat_seconds_sum 5.650000\n"
            "lat_seconds_count 5\n");
}

TEST(MetricsTest, HistogramLabelsPrecedeLe) {
  Registry r;
  r.histogram("d_seconds", "D", R"(route="/x")", {1.0}).observe(0.5);
  const std::string text = r.render();
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{route=\"/x\",le=\"1\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_sum{route=\"/x\"} 0.500000\n"));
  EXPECT_THAT(text, HasSubstr("d_seconds_count{route=\"/x\"} 1\n"));
}

TEST(MetricsTest, EmptyHistogramRendersZeroes) {
  Registry r;
  r.histogram("e_seconds", "E", "", {1.0});
  EXPECT_THAT(r.render(), HasSubstr("e_seconds_bucket{le=\"+Inf\"} 0\ne_seconds_sum 0.000000\ne_seconds_count 0\n"));
}

TEST(MetricsTest, DefaultLatencyBucketsAscendAndEndAtTenSeconds) {
  const auto& b = latency_buckets();
  ASSERT_FALSE(b.empty());
  for (std::size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
  EXPECT_DOUBLE_EQ(b.front(), 0.0001);
  EXPECT_DOUBLE_EQ(b.back(), 10.0);
}

TEST(MetricsTest, FamiliesRenderInNameOrder) {
  Registry r;
  r.counter("b_total", "B").inc();
  r.counter("a_total", "A").inc();
  const std::string text = r.render();
  EXPECT_LT(text.find("# HELP a_total"), text.find("# HELP b_total"));
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  EXPECT_EQ(label_value("plain"), "\"plain\"");
  EXPECT_EQ(label_value("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(label_value("a\\b"), "\"a\\\\b\"");
  EXPECT_EQ(label_value("a\nb"), "\"a\\nb\"");
}

TEST(MetricsTest, CountersAreSafeToIncrementFromManyThreads) {
  Registry r;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r] {
      for (int i = 0; i < 1000; ++i) r.counter("n_total", "N", "k=\"v\"").inc();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(r.counter("n_total", "N", "k=\"v\"").value(), 4000u);
}

}  // namespace
}  // namespace synclog::http
