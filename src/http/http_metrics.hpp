#pragma once
// Metrics owned by the HTTP layer (declared in http_metrics.cpp with their help texts).
#include <string_view>

namespace sovra::http {

// route: the matched pattern ("/v1/models/{id}") or "unmatched"; never the raw path (cardinality).
void record_request(std::string_view route, std::string_view method, int status, double seconds);
void add_in_flight(int delta);
void add_open_connections(int delta);
// A streamed response ended early: the client went away or the shutdown deadline passed.
void count_stream_cancelled();
// A non-streamed (deferred) response whose client disconnected while it was being prepared.
void count_request_abandoned();

}  // namespace sovra::http
