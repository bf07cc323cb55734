#include "routing/upstream_backend.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "common/deferred_wake.hpp"
#include "common/logging.hpp"
#include "http/sse.hpp"
#include "routing/openai_wire.hpp"
#include "routing/sse_decoder.hpp"

namespace sovra::routing {

struct UpstreamBackend::Call {
  CallId id = 0;
  bool chat = true;
  api::ChatSink chat_sink;
  api::TextSink text_sink;
  HttpExchangeRequest request;
  std::int64_t prompt_estimate = 0;

  std::mutex mu;  // guards handle and cancelled against cancel() from other threads
  std::shared_ptr<ExchangeHandle> handle;
  bool cancelled = false;

  // Relay state of the current attempt (touched only by its exchange's callbacks, one at a time).
  std::atomic<int> attempts{0};
  int status = 0;
  bool event_stream = false;
  std::string body;  // error body, or a non-streaming JSON answer
  SseDecoder decoder;
  std::set<std::int32_t> seen;
  std::optional<api::Usage> usage;
  std::int64_t completion_bytes = 0;
  // With a vocabulary, what is kept to count tokens if the upstream sends no usage: the request, and per choice
  // its answer text (content and tool calls; reasoning apart) and whether it ended other than at max_tokens.
  std::optional<api::ChatRequest> chat_request;
  std::optional<api::TextCompletionRequest> text_request;
  struct Answer {
    std::string text;
    std::string reasoning;
    bool ended = false;
  };
  std::vector<Answer> answers;
  std::int64_t uncounted_bytes = 0;  // answer bytes not kept (choices past kMaxCountedChoices)
  std::optional<Error> error;  // a protocol failure found while relaying
  bool finished = false;

  // TextCompletionRequest::prompt_logprobs: the upstream is asked to echo (its echo carries the prompt tokens'
  // logprobs); per choice, the echoed bytes still to cut from its text and to cover with prompt tokens, and the
  // prompt tokens gathered so far (handed over as the choice's prompt_logprobs once the whole prompt is covered).
  std::vector<std::size_t> echo_text_left;
  std::vector<std::size_t> echo_tokens_left;
  std::vector<std::vector<api::TokenLogprob>> echo_tokens;
};

namespace {

constexpr std::size_t kMaxErrorBody = 64 * 1024;
constexpr std::size_t kMaxJsonBody = 64 * 1024 * 1024;
// Choices whose text is kept for counting (n is at most 128; an upstream sending more indices is counted by bytes).
constexpr std::size_t kMaxCountedChoices = 128;

const Logger& log() {
  static const Logger l("routing");
  return l;
}

// Cuts the upstream's echo of the prompt from a text delta and moves the echo's tokens into prompt_logprobs (the
// handler echoes the prompt itself). False when nothing of the delta is left to deliver.
bool take_echo(UpstreamBackend::Call& c, api::TextDelta& d) {
  const auto i = static_cast<std::size_t>(d.index);
  if (i >= c.echo_text_left.size() || (c.echo_text_left[i] == 0 && c.echo_tokens_left[i] == 0)) return true;
  const std::size_t cut = std::min(c.echo_text_left[i], d.text.size());
  d.text.erase(0, cut);
  c.echo_text_left[i] -= cut;
  if (d.logprobs) {
    auto& tokens = *d.logprobs;
    std::size_t moved = 0;
    while (moved < tokens.size() && c.echo_tokens_left[i] > 0) {
      api::TokenLogprob t = std::move(tokens[moved++]);
      t.first_prompt_token = c.echo_tokens[i].empty();
      if (t.first_prompt_token) t.top.clear();
      c.echo_tokens_left[i] -= std::min(c.echo_tokens_left[i], t.token.size());
      c.echo_tokens[i].push_back(std::move(t));
    }
    tokens.erase(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(moved));
    if (tokens.empty() && d.text.empty()) d.logprobs.reset();
  }
  if (c.echo_tokens_left[i] == 0 && !c.echo_tokens[i].empty()) {
    d.prompt_logprobs = std::move(c.echo_tokens[i]);
    c.echo_tokens[i].clear();
  }
  return !d.text.empty() || d.logprobs || d.prompt_logprobs || d.finish_reason;
}

// The kept answer of choice `index` (nullptr when nothing is kept for counting).
UpstreamBackend::Call::Answer* answer_of(UpstreamBackend::Call& c, std::int32_t index) {
  if ((!c.chat_request && !c.text_request) || index < 0 || static_cast<std::size_t>(index) >= kMaxCountedChoices) {
    return nullptr;
  }
  if (c.answers.size() <= static_cast<std::size_t>(index)) c.answers.resize(static_cast<std::size_t>(index) + 1);
  return &c.answers[static_cast<std::size_t>(index)];
}

void keep_end(UpstreamBackend::Call::Answer* a, const std::optional<api::FinishReason>& reason) {
  if (a != nullptr && reason) a->ended = *reason != api::FinishReason::kLength;
}

// Delivers one chunk's JSON to the call's sink. Returns an error for a chunk the upstream got wrong.
Status relay_chunk(UpstreamBackend::Call& c, std::string_view data) {
  if (c.chat) {
    SOVRA_TRY(auto chunk, decode_chat_chunk(data, c.seen));
    if (chunk.usage) c.usage = chunk.usage;
    for (auto& d : chunk.deltas) {
      auto bytes = static_cast<std::int64_t>((d.content ? d.content->size() : 0) +
                                             (d.reasoning_content ? d.reasoning_content->size() : 0));
      for (const auto& t : d.tool_calls) bytes += static_cast<std::int64_t>(t.arguments.size());
      c.completion_bytes += bytes;
      if (auto* a = answer_of(c, d.index)) {
        if (d.content) a->text += *d.content;
        if (d.reasoning_content) a->reasoning += *d.reasoning_content;
        for (const auto& t : d.tool_calls) a->text.append(t.name).append(t.arguments);
        keep_end(a, d.finish_reason);
      } else {
        c.uncounted_bytes += bytes;
      }
      api::ChatEvent e;
      e.delta = std::move(d);
      c.chat_sink(std::move(e));
    }
    return {};
  }
  SOVRA_TRY(auto chunk, decode_text_chunk(data));
  if (chunk.usage) c.usage = chunk.usage;
  for (auto& d : chunk.deltas) {
    if (!take_echo(c, d)) continue;
    c.completion_bytes += static_cast<std::int64_t>(d.text.size());
    if (auto* a = answer_of(c, d.index)) {
      a->text += d.text;
      keep_end(a, d.finish_reason);
    } else {
      c.uncounted_bytes += static_cast<std::int64_t>(d.text.size());
    }
    api::TextEvent e;
    e.delta = std::move(d);
    c.text_sink(std::move(e));
  }
  return {};
}

std::int64_t estimate_chat_prompt(const api::ChatRequest& r) {
  std::int64_t bytes = 0;
  for (const auto& m : r.messages) {
    bytes += static_cast<std::int64_t>(m.content.size() + m.name.size()) + 16;  // + role and template framing
    for (const auto& t : m.tool_calls) bytes += static_cast<std::int64_t>(t.arguments.size() + t.name.size());
  }
  for (const auto& t : r.tools) bytes += static_cast<std::int64_t>(t.parameters_json.size() + t.description.size());
  return (bytes + 3) / 4;
}

}  // namespace

UpstreamBackend::UpstreamBackend(std::shared_ptr<UpstreamClient> client, UpstreamBackendOptions options)
    : client_(std::move(client)), options_(std::move(options)), budget_(options_.retry_budget_percent) {}

std::shared_ptr<UpstreamBackend> UpstreamBackend::create(std::shared_ptr<UpstreamClient> client,
                                                         UpstreamBackendOptions options) {
  return std::shared_ptr<UpstreamBackend>(new UpstreamBackend(std::move(client), std::move(options)));
}

Result<TokenCount> UpstreamBackend::count_chat_tokens(const api::ChatRequest& request) {
  if (options_.vocabulary && options_.vocabulary->has_chat_template()) {
    // A template that refuses the messages is the upstream's to judge (it may render them differently).
    if (auto tokens = options_.vocabulary->chat_prompt_tokens(request, tools_offered(request))) {
      return TokenCount{.tokens = static_cast<std::int64_t>(tokens->size()), .exact = true};
    }
  }
  return TokenCount{.tokens = estimate_chat_prompt(request), .exact = false};
}

Result<CallId> UpstreamBackend::start_chat(api::ChatRequest request, api::ChatSink sink) {
  auto call = std::make_shared<Call>();
  call->chat = true;
  call->chat_sink = std::move(sink);
  call->prompt_estimate = estimate_chat_prompt(request);
  call->request.path = "/chat/completions";
  call->request.body = encode_chat_request(request, options_.upstream_model);
  if (options_.vocabulary) call->chat_request = std::move(request);
  return begin(std::move(call));
}

Result<CallId> UpstreamBackend::start_text(api::TextCompletionRequest request, api::TextSink sink) {
  auto call = std::make_shared<Call>();
  call->chat = false;
  call->text_sink = std::move(sink);
  std::int64_t bytes = 0;
  for (const auto& p : request.prompts) {
    if (const auto* t = std::get_if<std::string>(&p)) bytes += static_cast<std::int64_t>(t->size()) / 4;
    else bytes += static_cast<std::int64_t>(std::get<std::vector<std::int32_t>>(p).size());
  }
  call->prompt_estimate = bytes;
  if (request.prompt_logprobs) {  // asked of the upstream as OpenAI's API has it: echo with logprobs
    const std::size_t per_prompt = static_cast<std::size_t>(std::max(1, request.params.n));
    for (const auto& p : request.prompts) {
      const auto* t = std::get_if<std::string>(&p);
      for (std::size_t k = 0; k < per_prompt; ++k) {
        call->echo_text_left.push_back(t != nullptr ? t->size() : 0);
        call->echo_tokens_left.push_back(t != nullptr ? t->size() : 0);
      }
    }
    call->echo_tokens.resize(call->echo_text_left.size());
    request.echo = true;
  }
  call->request.path = "/completions";
  call->request.body = encode_text_request(request, options_.upstream_model);
  if (options_.vocabulary) call->text_request = std::move(request);
  return begin(std::move(call));
}

CallId UpstreamBackend::begin(std::shared_ptr<Call> call) {
  call->id = ++next_id_;
  call->request.method = "POST";
  call->request.headers = {{"content-type", "application/json"}, {"accept", "text/event-stream"}};
  if (!options_.api_key.empty()) call->request.headers.push_back({"authorization", "Bearer " + options_.api_key});
  {
    std::lock_guard lock(mu_);
    calls_.emplace(call->id, call);
  }
  budget_.on_call();
  const auto id = call->id;
  attempt(call);
  return id;
}

void UpstreamBackend::attempt(const std::shared_ptr<Call>& call) {
  const int attempt_no = ++call->attempts;
  call->status = 0;
  call->body.clear();
  call->decoder = SseDecoder();
  std::weak_ptr<UpstreamBackend> weak = weak_from_this();
  ExchangeCallbacks cb;
  cb.on_head = [call](int status, const std::vector<http::Header>& headers) {
    call->status = status;
    for (const auto& h : headers) {
      if (http::iequals(h.name, "content-type")) call->event_stream = h.value.find("text/event-stream") != std::string::npos;
    }
  };
  cb.on_body = [call](std::string_view bytes) {
    if (call->error) return;
    if (call->status >= 400 || !call->event_stream) {
      const auto cap = call->status >= 400 ? kMaxErrorBody : kMaxJsonBody;
      if (call->body.size() + bytes.size() > cap) {
        if (call->status < 400) call->error = Error{ErrorCode::kCorruptData, "upstream answer exceeds 64 MiB", {}, 502};
        return;
      }
      call->body.append(bytes);
      return;
    }
    // One wake of the client's session for everything this read holds (common/deferred_wake.hpp).
    DeferWakes batch;
    auto st = call->decoder.feed(bytes, [&](SseMessage&& m) {
      if (call->error || m.data == "[DONE]") return;
      if (auto r = relay_chunk(*call, m.data); !r) call->error = r.error();
    });
    if (!st && !call->error) call->error = Error{ErrorCode::kCorruptData, st.error().message, {}, 502};
    if (call->error) {
      std::lock_guard lock(call->mu);
      if (call->handle) call->handle->cancel();  // stop reading a stream we cannot trust
    }
  };
  cb.on_done = [weak, call](Status status, ExchangeFacts facts) {
    if (auto self = weak.lock()) {
      self->on_done(call, std::move(status), facts);
    } else {
      call->error = Error::unavailable("the upstream backend was shut down");
      // No backend: end the stream here.
      if (call->chat) {
        api::ChatEvent e;
        e.kind = api::ChatEvent::Kind::kFinished;
        e.error = call->error;
        call->chat_sink(std::move(e));
      } else {
        api::TextEvent e;
        e.kind = api::TextEvent::Kind::kFinished;
        e.error = call->error;
        call->text_sink(std::move(e));
      }
    }
  };
  auto handle = client_->start(call->request, std::move(cb));
  std::lock_guard lock(call->mu);
  if (call->attempts != attempt_no) return;  // this attempt already ended and a retry owns the call
  call->handle = std::move(handle);
  if (call->cancelled) call->handle->cancel();
}

void UpstreamBackend::on_done(const std::shared_ptr<Call>& call, Status status, ExchangeFacts facts) {
  bool cancelled = false;
  {
    std::lock_guard lock(call->mu);
    cancelled = call->cancelled;
  }
  if (cancelled) return end(call);
  if (!call->error && !status) {
    if (!facts.received_head && call->attempts <= options_.max_retries && budget_.try_retry()) {
      ++retries_;
      log().info("retrying upstream call",
                 {{"deployment", options_.deployment}, {"attempt", call->attempts + 1}, {"error", status.error().message}});
      return attempt(call);
    }
    call->error = status.error();
  }
  if (!call->error && call->status >= 400) call->error = upstream_error(call->status, call->body);
  if (!call->error && !call->event_stream && !call->body.empty()) {
    // A non-streaming answer (the upstream ignored stream: true): one chunk with `message` in place of `delta`.
    if (auto r = relay_chunk(*call, call->body); !r) call->error = r.error();
  }
  if (!call->error && call->event_stream && call->decoder.has_partial()) {
    call->error = Error{ErrorCode::kUnavailable, "upstream ended the stream in the middle of an event", {}, 502};
  }
  end(call);
}

void UpstreamBackend::end(const std::shared_ptr<Call>& call) {
  if (call->finished) return;
  call->finished = true;
  {
    std::lock_guard lock(mu_);
    calls_.erase(call->id);
  }
  api::Usage usage;
  if (call->usage) {
    usage = *call->usage;
  } else if (options_.vocabulary) {
    usage = counted_usage(*call);
    if (!call->error) {
      log().debug("upstream sent no usage: counted with the deployment's tokenizer",
                  {{"deployment", options_.deployment}});
    }
  } else {
    usage.prompt_tokens = call->prompt_estimate;
    usage.completion_tokens = (call->completion_bytes + 3) / 4;
    if (!call->error) log().debug("upstream sent no usage: estimated", {{"deployment", options_.deployment}});
  }
  call->chat_request.reset();
  call->text_request.reset();
  call->answers.clear();
  if (call->error) {
    log().warn("upstream call failed", {{"deployment", options_.deployment}, {"error", call->error->message}});
  }
  if (call->chat) {
    api::ChatEvent e;
    e.kind = api::ChatEvent::Kind::kFinished;
    e.usage = usage;
    e.error = call->error;
    call->chat_sink(std::move(e));
  } else {
    api::TextEvent e;
    e.kind = api::TextEvent::Kind::kFinished;
    e.usage = usage;
    e.error = call->error;
    call->text_sink(std::move(e));
  }
}

api::Usage UpstreamBackend::counted_usage(const Call& call) {
  const ModelVocabulary& v = *options_.vocabulary;
  api::Usage usage;
  usage.prompt_tokens = call.prompt_estimate;
  if (call.chat_request) {
    if (auto count = count_chat_tokens(*call.chat_request)) usage.prompt_tokens = count->tokens;
  } else if (call.text_request) {
    std::int64_t n = 0;
    for (const auto& p : call.text_request->prompts) {  // as the local backend tokenizes a completion's prompt
      if (const auto* t = std::get_if<std::string>(&p)) {
        n += static_cast<std::int64_t>(v.tokenize(*t, true, false).size());
      } else {
        n += static_cast<std::int64_t>(std::get<std::vector<std::int32_t>>(p).size());
      }
    }
    usage.prompt_tokens = n;
  }
  for (const auto& a : call.answers) {
    const auto reasoning = static_cast<std::int64_t>(v.tokenize(a.reasoning, false, false).size());
    usage.reasoning_tokens += reasoning;
    usage.completion_tokens +=
        static_cast<std::int64_t>(v.tokenize(a.text, false, false).size()) + reasoning + (a.ended ? 1 : 0);
  }
  usage.completion_tokens += (call.uncounted_bytes + 3) / 4;
  return usage;
}

void UpstreamBackend::cancel(CallId id) {
  std::shared_ptr<Call> call;
  {
    std::lock_guard lock(mu_);
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    call = it->second;
  }
  std::lock_guard lock(call->mu);
  call->cancelled = true;
  if (call->handle) call->handle->cancel();
}

std::int64_t UpstreamBackend::calls_in_flight() const {
  std::lock_guard lock(mu_);
  return static_cast<std::int64_t>(calls_.size());
}

void UpstreamBackend::unary(std::string path, std::string body, std::function<void(Result<std::string>)> done,
                            int attempt) {
  struct Answer {
    int status = 0;
    std::string body;
  };
  auto answer = std::make_shared<Answer>();
  HttpExchangeRequest req{.method = "POST", .path = path, .headers = {{"content-type", "application/json"}}, .body = body};
  if (!options_.api_key.empty()) req.headers.push_back({"authorization", "Bearer " + options_.api_key});
  if (attempt == 1) budget_.on_call();
  std::weak_ptr<UpstreamBackend> weak = weak_from_this();
  client_->start(
      std::move(req),
      {.on_head = [answer](int status, const auto&) { answer->status = status; },
       .on_body = [answer](std::string_view bytes) {
         if (answer->body.size() + bytes.size() <= kMaxJsonBody) answer->body.append(bytes);
       },
       .on_done = [weak, answer, path = std::move(path), body = std::move(body), done = std::move(done),
                   attempt](Status st, ExchangeFacts facts) mutable {
         auto self = weak.lock();
         if (!st) {
           if (self && !facts.received_head && attempt <= self->options_.max_retries && self->budget_.try_retry()) {
             ++self->retries_;
             return self->unary(std::move(path), std::move(body), std::move(done), attempt + 1);
           }
           return done(st.error());
         }
         if (answer->status >= 400) return done(upstream_error(answer->status, answer->body));
         done(std::move(answer->body));
       }});
}

void UpstreamBackend::embed(api::EmbeddingRequest request, std::function<void(Result<api::EmbeddingResult>)> done) {
  const auto inputs = request.inputs.size();
  unary("/embeddings", encode_embedding_request(request, options_.upstream_model),
        [inputs, done = std::move(done)](Result<std::string> body) {
          if (!body) return done(body.error());
          done(decode_embedding_response(*body, inputs));
        });
}

void UpstreamBackend::rerank(api::RerankRequest request, std::function<void(Result<api::RerankResult>)> done) {
  const auto documents = request.documents.size();
  unary("/rerank", encode_rerank_request(request, options_.upstream_model),
        [documents, done = std::move(done)](Result<std::string> body) {
          if (!body) return done(body.error());
          done(decode_rerank_response(*body, documents));
        });
}

void UpstreamBackend::probe(std::int64_t timeout_ms, std::function<void(bool)> done) {
  struct Probe {
    int status = 0;
  };
  auto p = std::make_shared<Probe>();
  HttpExchangeRequest req{.method = "GET", .path = "/models", .headers = {}, .body = {}, .first_byte_timeout_ms = timeout_ms};
  if (!options_.api_key.empty()) req.headers.push_back({"authorization", "Bearer " + options_.api_key});
  client_->start(std::move(req), {.on_head = [p](int status, const auto&) { p->status = status; },
                                  .on_body = {},
                                  .on_done = [p, done = std::move(done)](Status st, ExchangeFacts) {
                                    done(st.has_value() && p->status == 200);
                                  }});
}

}  // namespace sovra::routing
