#include "routing/local_backend.hpp"

#include <fmt/format.h>

#include "engine/sampling/grammar/constraint.hpp"
#include "routing/chat_call.hpp"
#include "routing/generation_request.hpp"
#include "routing/output_constraint.hpp"
#include "routing/text_call.hpp"

namespace sovra::routing {

namespace {

const char* modality(api::ContentPart::Kind kind) {
  switch (kind) {
    case api::ContentPart::Kind::kImage:
      return "images";
    case api::ContentPart::Kind::kAudio:
      return "audio";
    default:
      return "files";
  }
}

Status check_text_only(const api::ChatRequest& request, std::string_view model) {
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const auto& parts = request.messages[i].parts;
    for (std::size_t j = 0; j < parts.size(); ++j) {
      const auto kind = parts[j].kind;
      if (kind == api::ContentPart::Kind::kText || kind == api::ContentPart::Kind::kRefusal) continue;
      return fail(Error::invalid(fmt::format("model '{}' does not support {}", model, modality(kind)),
                                 fmt::format("messages[{}].content[{}]", i, j)));
    }
  }
  return {};
}

}  // namespace

LocalBackend::LocalBackend(std::shared_ptr<const LocalModel> model) : model_(std::move(model)) {}

LocalBackend::~LocalBackend() {
  std::vector<std::shared_ptr<EngineCall>> calls;
  {
    std::lock_guard lock(table_->mu);
    for (auto& [id, c] : table_->calls) calls.push_back(c);
  }
  for (auto& c : calls) c->cancel();
}

std::size_t LocalBackend::active_calls() const {
  std::lock_guard lock(table_->mu);
  return table_->calls.size();
}

Result<CallId> LocalBackend::launch(const std::shared_ptr<EngineCall>& call,
                                    std::vector<engine::GenerationRequest> requests, std::vector<bool> counts_prompt) {
  CallId id = 0;
  {
    std::lock_guard lock(table_->mu);
    id = table_->next_id++;
    table_->calls.emplace(id, call);
  }
  std::weak_ptr<CallTable> table = table_;
  auto done = [table, id] {
    if (auto t = table.lock()) {
      std::lock_guard lock(t->mu);
      t->calls.erase(id);
    }
  };
  if (auto st = call->start(std::move(requests), std::move(counts_prompt), std::move(done)); !st) {
    std::lock_guard lock(table_->mu);
    table_->calls.erase(id);
    return fail(std::move(st).error());
  }
  return id;
}

Result<CallId> LocalBackend::start_chat(api::ChatRequest request, api::ChatSink sink) {
  const LocalModel& m = *model_;
  SOVRA_CHECK(check_text_only(request, request.model));
  const bool tools = tools_offered(request);
  SOVRA_TRY(const std::string prompt_text, m.render_chat(request, true, tools));
  std::vector<TokenId> prompt = m.tokenize(prompt_text, true, true);
  SOVRA_TRY(const std::int32_t budget, completion_budget(m, prompt.size(), request.params.max_tokens, "messages"));
  SOVRA_CHECK(check_logit_bias(m, request.params));
  SOVRA_TRY(const auto grammar, output_grammar(request, m.syntax(), request.model));
  std::shared_ptr<const sampling::grammar::TokenTrie> trie;
  if (grammar) {
    SOVRA_TRY(trie, m.trie());
  }

  const std::uint64_t seed = request.params.seed.value_or(random_seed());
  const auto n = static_cast<std::size_t>(std::max(1, request.params.n));
  std::vector<std::string> tool_names;
  for (const auto& t : request.tools) tool_names.push_back(t.name);
  const bool reasoning_open = chat::prompt_opens_reasoning(prompt_text, m.syntax().reasoning);
  std::vector<chat::OutputParser> parsers;
  std::vector<engine::GenerationRequest> requests;
  for (std::size_t i = 0; i < n; ++i) {
    parsers.emplace_back(chat::OutputParserOptions{.syntax = m.syntax(),
                                                   .reasoning_open = reasoning_open,
                                                   .tool_calls = tools,
                                                   .tool_names = tool_names,
                                                   .id_seed = random_seed()});
    engine::GenerationRequest r = generation_request(m, request.params, prompt, budget, seed, i);
    if (grammar) r.constraint = std::make_shared<sampling::grammar::GrammarConstraint>(grammar, trie);
    requests.push_back(std::move(r));
  }
  std::vector<bool> counts_prompt(n, false);
  counts_prompt[0] = true;
  auto call = std::make_shared<ChatCall>(m.engine_ptr(), m.tokenizer(), std::move(parsers), request.params.logprobs,
                                         !request.parallel_tool_calls, std::move(sink));
  return launch(call, std::move(requests), std::move(counts_prompt));
}

Result<CallId> LocalBackend::start_text(api::TextCompletionRequest request, api::TextSink sink) {
  const LocalModel& m = *model_;
  const bool prompt_logprobs = request.prompt_logprobs && request.params.logprobs;
  if (request.prompts.empty()) return fail(Error::invalid("Missing required parameter: 'prompt'.", "prompt"));
  SOVRA_CHECK(check_logit_bias(m, request.params));
  const std::uint64_t seed = request.params.seed.value_or(random_seed());
  const auto n = static_cast<std::size_t>(std::max(1, request.params.n));
  std::vector<engine::GenerationRequest> requests;
  std::vector<bool> counts_prompt;
  std::vector<std::string> echo;
  std::vector<std::vector<EchoToken>> prompt_echoes;
  for (std::size_t p = 0; p < request.prompts.size(); ++p) {
    std::vector<TokenId> tokens;
    std::string text;
    const std::string param = request.prompts.size() == 1 ? "prompt" : fmt::format("prompt[{}]", p);
    if (const auto* s = std::get_if<std::string>(&request.prompts[p])) {
      tokens = m.tokenize(*s, true, false);
      text = *s;
    } else {
      tokens = std::get<std::vector<std::int32_t>>(request.prompts[p]);
      for (const TokenId t : tokens) {
        if (t < 0 || t >= m.vocab_size()) {
          return fail(Error::invalid(fmt::format("token id {} is outside the vocabulary of model '{}' ({} tokens)", t,
                                                 m.name(), m.vocab_size()),
                                     param));
        }
      }
      if (request.echo) text = m.tokenizer().decode(tokens);
    }
    SOVRA_TRY(const std::int32_t budget, completion_budget(m, tokens.size(), request.params.max_tokens, param));
    const std::vector<EchoToken> echoed =
        prompt_logprobs ? echo_tokens(m.tokenizer(), tokens) : std::vector<EchoToken>();
    for (std::size_t j = 0; j < n; ++j) {
      requests.push_back(generation_request(m, request.params, tokens, budget, seed, p * n + j));
      requests.back().prompt_logprobs = prompt_logprobs;
      counts_prompt.push_back(j == 0);
      echo.push_back(request.echo ? text : std::string());
      prompt_echoes.push_back(echoed);
    }
  }
  auto call = std::make_shared<TextCall>(m.engine_ptr(), m.tokenizer(), std::move(echo), request.params.logprobs,
                                         std::move(sink), std::move(prompt_echoes));
  return launch(call, std::move(requests), std::move(counts_prompt));
}

void LocalBackend::cancel(CallId id) {
  std::shared_ptr<EngineCall> call;
  {
    std::lock_guard lock(table_->mu);
    const auto it = table_->calls.find(id);
    if (it == table_->calls.end()) return;
    call = it->second;
  }
  call->cancel();
}

Result<TokenCount> LocalBackend::count_chat_tokens(const api::ChatRequest& request) {
  SOVRA_TRY(const auto tokens, model_->chat_prompt_tokens(request, tools_offered(request)));
  return TokenCount{.tokens = static_cast<std::int64_t>(tokens.size()), .exact = true};
}

Result<std::vector<std::int32_t>> LocalBackend::tokenize_text(std::string_view text, bool add_special_tokens) const {
  return model_->tokenize(text, add_special_tokens, false);
}

Result<std::vector<std::int32_t>> LocalBackend::tokenize_chat(const api::ChatRequest& request,
                                                              const ChatTokenizeOptions& options) const {
  SOVRA_TRY(const std::string text,
            model_->render_chat(request, options.add_generation_prompt, tools_offered(request)));
  return model_->tokenize(text, options.add_special_tokens.value_or(true), true);
}

Result<std::string> LocalBackend::detokenize(std::span<const std::int32_t> tokens) const {
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] < 0 || tokens[i] >= model_->vocab_size()) {
      return fail(Error::invalid(fmt::format("tokens[{}] = {} is outside the vocabulary of model '{}' ({} tokens)", i,
                                             tokens[i], model_->name(), model_->vocab_size()),
                                 "tokens"));
    }
  }
  return model_->tokenizer().decode(tokens);
}

Result<std::map<std::string, std::shared_ptr<LocalBackend>>> make_local_backends(
    const engine::EngineRegistry& registry) {
  std::map<std::string, std::shared_ptr<LocalBackend>> out;
  for (const engine::LoadedModelInfo& info : registry.loaded()) {
    auto engine = registry.find(info.name);
    if (!engine) continue;  // unloaded meanwhile
    SOVRA_TRY(auto model, LocalModel::create(info.name, std::move(engine)));
    out.emplace(info.name, std::make_shared<LocalBackend>(std::move(model)));
  }
  return out;
}

}  // namespace sovra::routing
