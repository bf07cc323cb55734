#include "api/openai/inference_response.hpp"

#include <fmt/format.h>

#include <utility>

#include "api/openai/error.hpp"
#include "common/deferred_wake.hpp"
#include "common/logging.hpp"

namespace sovra::api::openai {
namespace {

std::string sse_data(std::string_view json) {
  std::string frame;
  frame.reserve(json.size() + 8);
  frame.append("data: ").append(json).append("\n\n");
  return frame;
}

const Logger& log() {
  static const Logger logger("openai");
  return logger;
}

}  // namespace

http::Response error_with_headers(const Error& error, std::vector<http::Header> headers) {
  http::Response r = error_response(error);
  for (auto& h : headers) r.headers.push_back(std::move(h));
  return r;
}

std::shared_ptr<InferenceResponse> InferenceResponse::create(PreparedCall call,
                                                             std::shared_ptr<http::ResponsePromise> promise,
                                                             ResponseOptions options) {
  auto response =
      std::shared_ptr<InferenceResponse>(new InferenceResponse(std::move(call), std::move(promise), options));
  // A client that disconnects before the response (or the stream's first frame) is ready: cancel the call too.
  response->promise_->on_client_gone([weak = response->weak_from_this()] {
    if (auto self = weak.lock()) self->client_gone();
  });
  return response;
}

InferenceResponse::InferenceResponse(PreparedCall call, std::shared_ptr<http::ResponsePromise> promise,
                                     ResponseOptions options)
    : call_(std::move(call)), backend_(call_.route.backend), promise_(std::move(promise)), options_(options) {}

InferenceResponse::~InferenceResponse() {
  if (finished_) return;  // the last owner is going away: no other thread can touch the members now
  const Error lost = Error::internal("The inference backend ended the call without a result.");
  log().error("backend dropped a call", {{"request_id", call_.info.request_id}});
  gateway::CallResult result = gateway::refusal_result(lost);
  result.cancelled = cancel_requested_;
  // Still the tickets first, the final byte after them.
  CallFlow::end(call_, result, [promise = promise_, channel = channel_, headers = call_.headers, lost] {
    if (channel) {
      channel->send_raw(sse_data(error_json(lost)));
      channel->close();
    } else {
      promise->complete(error_with_headers(lost, headers));
    }
  });
}

std::vector<http::Header> InferenceResponse::headers() const {
  std::vector<http::Header> out = call_.headers;
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - options_.received)
          .count();
  out.push_back({"openai-processing-ms", std::to_string(ms)});
  return out;
}

void InferenceResponse::started(routing::CallId id) {
  bool cancel_now = false;
  {
    std::lock_guard lock(mu_);
    id_ = id;
    cancel_now = cancel_requested_ && !finished_;
  }
  if (cancel_now) backend_->cancel(id);
}

std::shared_ptr<http::SseChannel> InferenceResponse::channel() {
  std::shared_ptr<http::SseChannel> ch;
  {
    std::lock_guard lock(mu_);
    if (channel_) return channel_;
    channel_ = http::SseChannel::create(options_.queue_events);
    ch = channel_;
  }
  http::Response r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.headers = headers();
  r.stream = ch;
  promise_->complete(std::move(r));
  std::weak_ptr<InferenceResponse> weak = weak_from_this();
  ch->on_cancel([weak] {
    if (auto self = weak.lock()) self->client_gone();
  });
  return ch;
}

void InferenceResponse::push(const std::shared_ptr<http::SseChannel>& ch, std::string frame) {
  if (ch->send_raw(std::move(frame)) == http::SseChannel::SendResult::kFull && client_gone()) {
    log().warn("client too slow: cancelling the call",
               {{"request_id", call_.info.request_id}, {"queued_events", options_.queue_events}});
  }
}

bool InferenceResponse::client_gone() {
  std::optional<routing::CallId> id;
  {
    std::lock_guard lock(mu_);
    if (cancel_requested_) return false;
    cancel_requested_ = true;
    if (!finished_) id = id_;
  }
  if (id) backend_->cancel(*id);
  return true;
}

void InferenceResponse::send(const std::string& json) {
  if (call_.info.retain_content) {
    std::lock_guard lock(mu_);
    kept_ += json;
    kept_ += '\n';
  }
  auto ch = channel();
  push(ch, sse_data(json));
}

void InferenceResponse::finish(CallEnding ending) {
  bool cancelled = false;
  {
    std::lock_guard lock(mu_);
    if (finished_) return;
    finished_ = true;
    cancelled = cancel_requested_;
  }
  gateway::CallResult result;
  result.usage = ending.usage;
  result.cancelled = cancelled;
  if (call_.info.retain_content) {
    std::lock_guard lock(mu_);
    result.content_completion = options_.stream ? kept_ : ending.body;
    for (const auto& f : ending.frames) result.content_completion += f + '\n';
  }
  if (ending.error) {
    result.http_status = ending.error->status();
    result.error_code =
        ending.error->api_code.empty() ? std::string(error_code_name(ending.error->code)) : ending.error->api_code;
    log().info("call failed",
               {{"request_id", call_.info.request_id}, {"status", result.http_status}, {"code", result.error_code}});
  }
  auto self = shared_from_this();
  CallFlow::end(call_, result, [self, ending = std::move(ending)]() mutable { self->write_ending(std::move(ending)); });
}

void InferenceResponse::write_ending(CallEnding ending) {
  bool stream_started = false;
  {
    std::lock_guard lock(mu_);
    stream_started = channel_ != nullptr;
  }
  if (!options_.stream || (ending.error && !stream_started)) {
    if (ending.error) {
      promise_->complete(error_with_headers(*ending.error, headers()));
    } else {
      http::Response r = http::Response::json(200, std::move(ending.body));
      r.headers = headers();
      promise_->complete(std::move(r));
    }
    return;
  }
  auto ch = channel();
  const DeferWakes batch;  // the session wakes once, for the last frames and the end together
  if (ending.error) {
    push(ch, sse_data(error_json(*ending.error)));
  } else {
    for (const auto& f : ending.frames) push(ch, sse_data(f));
    push(ch, "data: [DONE]\n\n");
  }
  ch->close();
}

}  // namespace sovra::api::openai
