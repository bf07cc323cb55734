#include "http/http_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "observability/metrics.hpp"

namespace sovra::http {
namespace {

struct Families {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& latency;
  prometheus::Gauge& in_flight;
  prometheus::Gauge& connections;
  prometheus::Counter& streams_cancelled;
  prometheus::Counter& requests_abandoned;
};

Families& families() {
  static Families f = [] {
    auto& reg = observability::registry();
    auto& requests = prometheus::BuildCounter()
                         .Name("sovra_http_requests_total")
                         .Help("HTTP requests answered, by route pattern, method and status code.")
                         .Register(reg);
    auto& latency = prometheus::BuildHistogram()
                        .Name("sovra_http_request_duration_seconds")
                        .Help("Time from the first byte of a request to the last byte of its response.")
                        .Register(reg);
    auto& in_flight = prometheus::BuildGauge()
                          .Name("sovra_http_in_flight_requests")
                          .Help("Requests whose head was read and whose response is not yet fully written.")
                          .Register(reg)
                          .Add({});
    auto& connections = prometheus::BuildGauge()
                            .Name("sovra_http_open_connections")
                            .Help("Client connections currently open.")
                            .Register(reg)
                            .Add({});
    auto& cancelled = prometheus::BuildCounter()
                          .Name("sovra_http_streams_cancelled_total")
                          .Help("Streamed responses cut short because the client disconnected or shutdown expired.")
                          .Register(reg)
                          .Add({});
    auto& abandoned = prometheus::BuildCounter()
                          .Name("sovra_http_requests_abandoned_total")
                          .Help("Non-streamed responses whose client disconnected while they were being prepared.")
                          .Register(reg)
                          .Add({});
    return Families{requests, latency, in_flight, connections, cancelled, abandoned};
  }();
  return f;
}

const prometheus::Histogram::BucketBoundaries& buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                            0.5,    1,     2.5,    5,     10,   30,    60,   120};
  return b;
}

struct Series {
  prometheus::Counter* count;
  prometheus::Histogram* latency;
};

// prometheus-cpp hashes the whole label map on every Add(); cache the series per label set. A per-thread cache
// keeps the hot path free of locks and allocations; the shared lock is taken only on a thread's first sight of
// a label set.
Series& series(std::string_view route, std::string_view method, int status) {
  struct Entry {
    std::string route;
    std::string method;
    int status;
    Series series;
  };
  thread_local std::vector<Entry> local;
  for (auto& e : local) {
    if (e.status == status && e.route == route && e.method == method) return e.series;
  }
  static std::mutex mu;
  std::lock_guard lock(mu);
  auto& f = families();
  const std::map<std::string, std::string> labels = {
      {"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}};
  // Add() returns the existing series for a known label set, so every thread shares the same counters.
  Series s{&f.requests.Add(labels), &f.latency.Add(labels, buckets())};
  local.push_back({std::string(route), std::string(method), status, s});
  return local.back().series;
}

}  // namespace

void record_request(std::string_view route, std::string_view method, int status, double seconds) {
  // Clients choose the method token: only standard ones become label values.
  static constexpr std::string_view kMethods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods)) method = "other";
  auto& s = series(route, method, status);
  s.count->Increment();
  s.latency->Observe(seconds);
}

void add_in_flight(int delta) { families().in_flight.Increment(delta); }
void add_open_connections(int delta) { families().connections.Increment(delta); }
void count_stream_cancelled() { families().streams_cancelled.Increment(); }
void count_request_abandoned() { families().requests_abandoned.Increment(); }

}  // namespace sovra::http
