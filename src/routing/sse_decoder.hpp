#pragma once
// SseDecoder: incremental parser of a text/event-stream body as an upstream sends it (WHATWG EventSource rules:
// lines end in \n, \r\n or \r; "data:" lines of one event are joined with \n; ':' starts a comment; an empty line
// dispatches). Bytes may arrive split anywhere, also inside a \r\n pair.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sovra::routing {

struct SseMessage {
  std::string event;  // empty: "message"
  std::string data;
};

class SseDecoder {
 public:
  // `max_event_bytes`: an event (or a line) larger than this is an error (a misbehaving upstream).
  explicit SseDecoder(std::size_t max_event_bytes = 8 * 1024 * 1024) : max_(max_event_bytes) {}

  // Feeds bytes; calls `on_message` for each complete event. Stops at and returns the first error.
  Status feed(std::string_view bytes, const std::function<void(SseMessage&&)>& on_message);
  // True when bytes of an undispatched event (or line) are pending: the stream ended mid-event.
  bool has_partial() const { return !line_.empty() || has_data_; }

 private:
  Status line_done(const std::function<void(SseMessage&&)>& on_message);

  std::size_t max_;
  std::string line_;
  bool last_was_cr_ = false;
  SseMessage current_;
  bool has_data_ = false;
};

}  // namespace sovra::routing
