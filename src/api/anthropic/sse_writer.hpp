#pragma once
// SseWriter: writes already formatted SSE frames into an http::SseChannel without ever blocking or dropping a
// frame. When the channel is full (a slow client) frames wait in a local queue, drained when the channel has room;
// the queue is bounded by the call's own output (max_tokens), not by the client. close() ends the stream after
// every queued frame. Thread-safe.
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "http/sse.hpp"

namespace sovra::api::anthropic {

class SseWriter : public std::enable_shared_from_this<SseWriter> {
 public:
  static std::shared_ptr<SseWriter> create(std::shared_ptr<http::SseChannel> channel);

  void write(std::string frames);
  void close();
  const std::shared_ptr<http::SseChannel>& channel() const { return channel_; }

 private:
  explicit SseWriter(std::shared_ptr<http::SseChannel> channel) : channel_(std::move(channel)) {}
  // Sends what waits; true when the channel filled up again (call watch()).
  bool drain_locked();
  void watch();

  std::shared_ptr<http::SseChannel> channel_;
  std::mutex mu_;
  std::deque<std::string> waiting_;
  bool close_pending_ = false;
  bool watching_ = false;
};

}  // namespace sovra::api::anthropic
