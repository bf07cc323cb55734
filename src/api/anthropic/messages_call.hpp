#pragma once
// One admitted /v1/messages call: feeds the backend's events into a MessageBuilder and delivers the response —
// a Message JSON through the promise, or SSE frames through an SseWriter — ending the call (CallFlow::end) before
// the final byte. Internal to routes.cpp; exposed for tests.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/anthropic/message_builder.hpp"
#include "api/anthropic/sse_writer.hpp"
#include "api/call_flow.hpp"
#include "http/deferred.hpp"

namespace sovra::api::anthropic {

class MessagesCall : public std::enable_shared_from_this<MessagesCall> {
 public:
  struct Options {
    PreparedCall prepared;
    MessageHeader header;
    bool stream = false;
    bool emit_thinking = true;
    std::string request_id;
    std::shared_ptr<http::ResponsePromise> promise;
    std::size_t sse_queue_events = 1024;
  };

  static std::shared_ptr<MessagesCall> create(Options options);

  // Starts the backend call and completes the promise (at once for a stream or a refusal, at the end otherwise).
  void start(ChatRequest request);

 private:
  explicit MessagesCall(Options options);
  void on_event(ChatEvent&& event);
  void on_ended(std::optional<Error> error, Usage usage);
  void client_gone();
  std::vector<http::Header> response_headers() const;

  Options o_;
  MessageBuilder builder_;
  std::shared_ptr<SseWriter> writer_;  // stream only
  std::mutex mu_;
  std::optional<routing::CallId> call_id_;
  bool cancel_requested_ = false;
  bool finished_ = false;
};

}  // namespace sovra::api::anthropic
