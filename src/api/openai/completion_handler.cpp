// POST /v1/completions (legacy): parse → CallFlow::prepare → backend.start_text → chunks / one body.
#include <chrono>
#include <utility>
#include <variant>

#include "api/openai/completion_request.hpp"
#include "api/openai/error.hpp"
#include "api/openai/inference_response.hpp"
#include "api/openai/inference_routes.hpp"
#include "api/openai/text_collect.hpp"
#include "api/openai/text_encode.hpp"
#include "common/json.hpp"
#include "platform/ids.hpp"

namespace sovra::api::openai {
namespace {

constexpr const char* kEndpoint = "/v1/completions";

// The backend's events for one call → SSE chunks, or one text_completion at the end.
class TextCall {
 public:
  TextCall(std::shared_ptr<InferenceResponse> response, CompletionHeader header, bool include_usage,
           std::vector<std::string> echo, bool logprobs)
      : response_(std::move(response)),
        header_(std::move(header)),
        include_usage_(include_usage),
        collector_(std::move(echo), logprobs) {}

  void on_event(TextEvent&& e) {
    if (e.kind == TextEvent::Kind::kDelta) {
      const std::size_t offset = collector_.add(e.delta);
      if (response_->streaming()) response_->send(encode_text_chunk(header_, e.delta, offset, include_usage_));
      return;
    }
    CallEnding ending{.usage = e.usage, .error = std::move(e.error)};
    if (!ending.error) {
      if (!response_->streaming()) {
        ending.body = encode_text_completion(collector_.take(header_, e.usage));
      } else {
        for (const TextDelta& d : collector_.untouched_echoes()) {
          ending.frames.push_back(encode_text_chunk(header_, d, d.text.size(), include_usage_));
        }
        if (include_usage_) ending.frames.push_back(encode_text_usage_chunk(header_, e.usage));
      }
    }
    response_->finish(std::move(ending));
  }

 private:
  std::shared_ptr<InferenceResponse> response_;
  CompletionHeader header_;
  bool include_usage_;
  TextCollector collector_;
};

// Admission sees the prompt before any tokenizer: token-id prompts exactly, text as bytes / 4 (rounded up), the
// usual estimate for English BPE vocabularies. The backend's usage is exact.
std::int64_t estimate_prompt_tokens(const TextCompletionRequest& request) {
  std::int64_t total = 0;
  for (const Prompt& p : request.prompts) {
    if (const auto* ids = std::get_if<std::vector<std::int32_t>>(&p)) {
      total += static_cast<std::int64_t>(ids->size());
    } else {
      total += (static_cast<std::int64_t>(std::get<std::string>(p).size()) + 3) / 4;
    }
  }
  return total;
}

void start_text(PreparedCall call, TextCompletionRequest request, std::shared_ptr<http::ResponsePromise> promise,
                ResponseOptions options) {
  CompletionHeader header{
      .id = "cmpl-" + platform::random_id_hex(12),
      .created =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(),
      .model = request.model};
  // Choice i answers prompt i / n; with echo it starts with that prompt's text.
  std::vector<std::string> echo;
  const auto n = static_cast<std::size_t>(std::max(request.params.n, 1));
  for (const Prompt& p : request.prompts) {
    const auto* text = std::get_if<std::string>(&p);
    for (std::size_t k = 0; k < n; ++k) echo.push_back(request.echo && text != nullptr ? *text : std::string());
  }
  request.prompt_logprobs = request.echo && request.params.logprobs;  // the echo's tokens carry logprobs too
  request.echo = false;                                               // applied here, never by the backend
  auto response = InferenceResponse::create(std::move(call), std::move(promise), options);
  auto sink = std::make_shared<TextCall>(response, std::move(header), request.include_usage, std::move(echo),
                                         request.params.logprobs);
  auto id = response->backend().start_text(std::move(request), [sink](TextEvent&& e) { sink->on_event(std::move(e)); });
  if (!id) {
    response->finish(CallEnding{.error = id.error()});
    return;
  }
  response->started(*id);
}

}  // namespace

http::Handler completions_handler(std::shared_ptr<const CallFlow> flow, InferenceRouteOptions options) {
  return [flow = std::move(flow), options](http::Request& http_request) {
    const auto received = std::chrono::steady_clock::now();
    auto body = parse_json(http_request.body);
    if (!body) return error_response(body.error());
    auto parsed = parse_completion_request(*body);
    if (!parsed) return error_response(parsed.error());
    if (parsed->echo) {
      for (const Prompt& p : parsed->prompts) {
        if (std::holds_alternative<std::vector<std::int32_t>>(p)) {
          return error_response(Error::invalid(
              "'echo' is supported only with text prompts on this server (token-id prompts cannot be echoed).",
              "echo"));
        }
      }
    }

    CallSpec spec{.endpoint = kEndpoint,
                  .protocol = "openai",
                  .model = parsed->model,
                  .stream = parsed->stream,
                  .user = parsed->user,
                  .choices = parsed->params.n * static_cast<std::int32_t>(parsed->prompts.size()),
                  .max_tokens = parsed->params.max_tokens,
                  .prompt_tokens_hint = estimate_prompt_tokens(*parsed)};
    const ResponseOptions response_options{
        .stream = parsed->stream, .queue_events = options.stream_queue_events, .received = received};
    auto request = std::make_shared<TextCompletionRequest>(std::move(*parsed));
    auto promise = std::make_shared<http::ResponsePromise>();
    flow->prepare(
        http_request, std::move(spec),
        [request, promise, response_options](std::optional<PreparedCall> call, std::optional<Refusal> refusal) {
          if (!call) {
            promise->complete(error_with_headers(refusal->error, std::move(refusal->headers)));
            return;
          }
          start_text(std::move(*call), std::move(*request), promise, response_options);
        });
    return http::Response::later(promise);
  };
}

}  // namespace sovra::api::openai
