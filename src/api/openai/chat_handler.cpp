// POST /v1/chat/completions: parse → CallFlow::prepare_chat → backend.start_chat → chunks / one body.
#include <fmt/format.h>

#include <chrono>
#include <utility>

#include "api/openai/chat_collect.hpp"
#include "api/openai/chat_encode.hpp"
#include "api/openai/chat_request.hpp"
#include "api/openai/error.hpp"
#include "api/openai/inference_response.hpp"
#include "api/openai/inference_routes.hpp"
#include "common/json.hpp"
#include "platform/ids.hpp"

namespace sovra::api::openai {
namespace {

constexpr const char* kEndpoint = "/v1/chat/completions";

// The backend's events for one call → SSE chunks, or one chat.completion at the end.
class ChatCall {
 public:
  ChatCall(std::shared_ptr<InferenceResponse> response, CompletionHeader header, const ChatRequest& request)
      : response_(std::move(response)),
        header_(std::move(header)),
        include_usage_(request.include_usage),
        collector_(request.params.n, request.params.logprobs),
        role_sent_(static_cast<std::size_t>(std::max(request.params.n, 1)), false) {}

  void on_event(ChatEvent&& e) {
    if (e.kind == ChatEvent::Kind::kDelta) {
      if (!response_->streaming()) {
        collector_.add(e.delta);
        return;
      }
      // OpenAI's first chunk of every choice carries the role; do not rely on every backend to say so.
      const auto i = static_cast<std::size_t>(std::max(e.delta.index, 0));
      if (i >= role_sent_.size()) role_sent_.resize(i + 1, false);
      if (!role_sent_[i]) e.delta.role = true;
      role_sent_[i] = true;
      response_->send(encode_chat_chunk(header_, e.delta, include_usage_));
      return;
    }
    CallEnding ending{.usage = e.usage, .error = std::move(e.error)};
    if (!ending.error) {
      if (!response_->streaming()) {
        ending.body = encode_chat_completion(collector_.take(header_, e.usage));
      } else if (include_usage_) {
        ending.frames.push_back(encode_usage_chunk(header_, e.usage));
      }
    }
    response_->finish(std::move(ending));
  }

 private:
  std::shared_ptr<InferenceResponse> response_;
  CompletionHeader header_;
  bool include_usage_;
  ChatCollector collector_;
  std::vector<bool> role_sent_;
};

void start_chat(PreparedCall call, ChatRequest request, std::shared_ptr<http::ResponsePromise> promise,
                ResponseOptions options) {
  CompletionHeader header{
      .id = "chatcmpl-" + platform::random_id_hex(12),
      .created =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
      .model = request.model};
  auto response = InferenceResponse::create(std::move(call), std::move(promise), options);
  auto sink = std::make_shared<ChatCall>(response, std::move(header), request);
  auto id = response->backend().start_chat(std::move(request), [sink](ChatEvent&& e) { sink->on_event(std::move(e)); });
  if (!id) {
    response->finish(CallEnding{.error = id.error()});
    return;
  }
  response->started(*id);
}

// Image, audio and file parts need a model that takes them (no vision model is served yet).
Status check_modalities(const CallFlow& flow, const ChatRequest& request) {
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (!request.messages[i].has_non_text_parts()) continue;
    for (const ModelInfo& m : flow.router().models()) {
      if (m.id == request.model && !m.capabilities.vision) {
        return fail(Error::invalid(
            fmt::format("The model '{}' does not support images, audio or files; send text content only.",
                        request.model),
            fmt::format("messages[{}].content", i)));
      }
    }
  }
  return {};
}

}  // namespace

http::Handler chat_completions_handler(std::shared_ptr<const CallFlow> flow, InferenceRouteOptions options) {
  return [flow = std::move(flow), options](http::Request& http_request) {
    const auto received = std::chrono::steady_clock::now();
    auto body = parse_json(http_request.body);
    if (!body) return error_response(body.error());
    auto parsed = parse_chat_request(*body);
    if (!parsed) return error_response(parsed.error());
    if (auto st = check_modalities(*flow, *parsed); !st) return error_response(st.error());

    CallSpec spec{.endpoint = kEndpoint,
                  .protocol = "openai",
                  .model = parsed->model,
                  .stream = parsed->stream,
                  .user = parsed->user,
                  .choices = parsed->params.n,
                  .max_tokens = parsed->params.max_tokens};
    const ResponseOptions response_options{
        .stream = parsed->stream, .queue_events = options.stream_queue_events, .received = received};
    auto request = std::make_shared<ChatRequest>(std::move(*parsed));
    auto promise = std::make_shared<http::ResponsePromise>();
    flow->prepare_chat(
        http_request, *request, std::move(spec),
        [request, promise, response_options](std::optional<PreparedCall> call, std::optional<Refusal> refusal) {
          if (!call) {
            promise->complete(error_with_headers(refusal->error, std::move(refusal->headers)));
            return;
          }
          start_chat(std::move(*call), std::move(*request), promise, response_options);
        });
    return http::Response::later(promise);
  };
}

}  // namespace sovra::api::openai
