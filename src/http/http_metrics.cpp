#include "http/http_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include "observability/metrics.hpp"

namespace sovra::http {
namespace {

struct Families {
  prometheus::Family<prometheus::Counter>& requests;
  prometheus::Family<prometheus::Histogram>& latency;
  prometheus::Gauge& in_flight;
  prometheus::Gauge& connections;
  prometheus::Counter& streams_cancelled;
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
    return Families{requests, latency, in_flight, connections, cancelled};
  }();
  return f;
}

const prometheus::Histogram::BucketBoundaries& buckets() {
  static const prometheus::Histogram::BucketBoundaries b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                            0.25,   0.5,   1,      2.5,   5,    10,   30,    60, 120};
  return b;
}

struct Series {
  prometheus::Counter* count;
  prometheus::Histogram* latency;
};

// prometheus-cpp hashes the whole label map on every Add(); cache the series per label set.
Series& series(std::string_view route, std::string_view method, int status) {
  static std::mutex mu;
  static std::unordered_map<std::string, Series> cache;
  std::string key;
  key.reserve(route.size() + method.size() + 8);
  key.append(route).append(1, '\0').append(method).append(1, '\0').append(std::to_string(status));
  std::lock_guard lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  auto& f = families();
  const std::map<std::string, std::string> labels = {
      {"route", std::string(route)}, {"method", std::string(method)}, {"status", std::to_string(status)}};
  Series s{&f.requests.Add(labels), &f.latency.Add(labels, buckets())};
  return cache.emplace(std::move(key), s).first->second;
}

}  // namespace

void record_request(std::string_view route, std::string_view method, int status, double seconds) {
  auto& s = series(route, method, status);
  s.count->Increment();
  s.latency->Observe(seconds);
}

void add_in_flight(int delta) { families().in_flight.Increment(delta); }
void add_open_connections(int delta) { families().connections.Increment(delta); }
void count_stream_cancelled() { families().streams_cancelled.Increment(); }

}  // namespace sovra::http
