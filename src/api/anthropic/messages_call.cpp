#include "api/anthropic/messages_call.hpp"

#include "api/anthropic/error.hpp"
#include "api/anthropic/ratelimit_headers.hpp"
#include "common/logging.hpp"

namespace sovra::api::anthropic {
namespace {

const Logger& logger() {
  static const Logger log("anthropic");
  return log;
}

}  // namespace

std::shared_ptr<MessagesCall> MessagesCall::create(Options options) {
  return std::shared_ptr<MessagesCall>(new MessagesCall(std::move(options)));
}

MessagesCall::MessagesCall(Options options) : o_(std::move(options)), builder_(o_.header, o_.emit_thinking) {}

std::vector<http::Header> MessagesCall::response_headers() const {
  auto headers = anthropic_headers(o_.prepared.headers, std::chrono::system_clock::now());
  headers.push_back({"request-id", o_.request_id});
  return headers;
}

void MessagesCall::start(ChatRequest request) {
  auto self = shared_from_this();
  // A client that disconnects while the (non-streamed) response is pending: cancel the call.
  o_.promise->on_client_gone([weak = weak_from_this()] {
    if (auto call = weak.lock()) call->client_gone();
  });
  if (o_.stream) {
    auto channel = http::SseChannel::create(o_.sse_queue_events);
    writer_ = SseWriter::create(channel);
    writer_->write(builder_.start_frames(o_.prepared.info.prompt_tokens));
    channel->on_cancel([weak = weak_from_this()] {
      if (auto call = weak.lock()) call->client_gone();
    });
  }
  // The sink may run before start_chat returns (a backend that answers at once) and on any thread.
  auto started = o_.prepared.route.backend->start_chat(std::move(request),
                                                       [self](ChatEvent&& e) { self->on_event(std::move(e)); });
  if (!started) {
    Error error = std::move(started).error();
    auto promise = o_.promise;
    auto headers = response_headers();
    const std::string request_id = o_.request_id;
    CallFlow::end(o_.prepared, gateway::refusal_result(error),
                  [promise, error, headers = std::move(headers), request_id]() mutable {
                    auto r = error_response(error, request_id);
                    for (auto& h : headers) {
                      if (!http::iequals(h.name, "request-id")) r.headers.push_back(std::move(h));
                    }
                    promise->complete(std::move(r));
                  });
    return;
  }
  bool cancel_now = false;
  {
    std::lock_guard lock(mu_);
    call_id_ = *started;
    cancel_now = cancel_requested_ && !finished_;
  }
  if (cancel_now) o_.prepared.route.backend->cancel(*started);
  if (o_.stream) {
    http::Response r;
    r.status = 200;
    r.content_type = "text/event-stream";
    r.headers = response_headers();
    r.headers.push_back({"cache-control", "no-cache"});
    r.stream = writer_->channel();
    o_.promise->complete(std::move(r));
  }
}

void MessagesCall::on_event(ChatEvent&& event) {
  std::string frames;
  std::string* out = o_.stream ? &frames : nullptr;
  if (event.kind == ChatEvent::Kind::kDelta) {
    {
      std::lock_guard lock(mu_);
      if (finished_) return;
      builder_.add(event.delta, out);
    }
    if (o_.stream) writer_->write(std::move(frames));
    return;
  }
  bool cancelled = false;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    cancelled = cancel_requested_;
    if (!event.error) builder_.finish(event.usage, out);
  }
  if (o_.stream) writer_->write(std::move(frames));
  gateway::CallResult result;
  result.usage = event.usage;
  result.cancelled = cancelled;
  if (o_.prepared.info.retain_content) {
    std::lock_guard lock(mu_);
    result.content_completion = builder_.message_json(event.usage);
  }
  if (event.error) {
    result.http_status = error_status(*event.error);
    result.error_code = event.error->api_code.empty() ? error_code_name(event.error->code) : event.error->api_code;
  } else if (cancelled) {
    result.http_status = 499;  // client closed the request (nginx's convention; nothing is sent)
    result.error_code = "cancelled";
  }
  auto self = shared_from_this();
  CallFlow::end(o_.prepared, result, [self, error = event.error, usage = event.usage]() mutable {
    self->on_ended(std::move(error), usage);
  });
}

void MessagesCall::on_ended(std::optional<Error> error, Usage usage) {
  if (error) {
    logger().warn("message call failed", {{"request_id", o_.request_id}, {"error", error->message}});
  }
  if (o_.stream) {
    writer_->write(error ? MessageBuilder::error_frame(*error, o_.request_id) : MessageBuilder::stop_frame());
    writer_->close();
    return;
  }
  if (error) {
    auto r = error_response(*error, o_.request_id);
    for (auto& h : anthropic_headers(o_.prepared.headers, std::chrono::system_clock::now())) r.headers.push_back(h);
    o_.promise->complete(std::move(r));
    return;
  }
  http::Response r = http::Response::json(200, builder_.message_json(usage));
  r.headers = response_headers();
  o_.promise->complete(std::move(r));
}

void MessagesCall::client_gone() {
  std::optional<routing::CallId> id;
  {
    std::lock_guard lock(mu_);
    if (finished_ || cancel_requested_) return;
    cancel_requested_ = true;
    id = call_id_;
  }
  // Without an id yet, start() cancels as soon as start_chat returned it.
  if (id) o_.prepared.route.backend->cancel(*id);
}

}  // namespace sovra::api::anthropic
