#pragma once
// Server-sent events: frame formatting and a thread-safe channel from a producer (the engine, an upstream
// relay) to the HTTP session that writes the frames.
//
// Back-pressure: the channel holds at most `capacity` events; send() answers kFull beyond that and the producer
// is told through its on_writable callback when room frees up. A client disconnect cancels the channel: send()
// answers kClosed and the producer's on_cancel callback runs, so generation can stop.
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace sovra::http {

struct SseEvent {
  std::string data;   // may contain newlines; each line becomes its own data: field
  std::string event;  // optional event type
  std::string id;     // optional
};

// "event: x\ndata: …\n\n" framing per the WHATWG EventSource specification.
std::string format_sse(const SseEvent& e);

class SseChannel final : public StreamSource, public std::enable_shared_from_this<SseChannel> {
 public:
  enum class SendResult { kOk, kFull, kClosed };

  static std::shared_ptr<SseChannel> create(std::size_t capacity);

  // Producer side; any thread.
  SendResult send(const SseEvent& event);
  SendResult send_raw(std::string frame);      // an already formatted frame or comment
  void close();                                // no more events; the stream ends after the queued ones
  void on_writable(std::function<void()> cb);  // once, when a kFull channel has room again
  void on_cancel(std::function<void()> cb);    // once, when the consumer went away (runs immediately if it has)
  bool cancelled() const;

  // StreamSource (consumer side, I/O strand).
  Poll poll(std::string& out, const std::function<void()>& wake) override;
  void cancel() override;

 private:
  explicit SseChannel(std::size_t capacity) : capacity_(capacity) {}

  mutable std::mutex mu_;
  std::deque<std::string> queue_;
  std::size_t capacity_;
  bool closed_ = false;
  bool cancelled_ = false;
  std::function<void()> wake_;
  std::function<void()> on_writable_;
  std::function<void()> on_cancel_;
};

}  // namespace sovra::http
