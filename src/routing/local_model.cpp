#include "routing/local_model.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "chat/template/special_tokens.hpp"
#include "gguf/reader.hpp"
#include "routing/chat_context.hpp"

namespace sovra::routing {
namespace {

// Control tokens that end an assistant turn in the chat formats Sovra parses (besides the vocabulary's EOS).
constexpr std::array<std::string_view, 8> kEndOfTurnMarkers = {
    "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|return|>", "</s>"};

}  // namespace

Result<std::shared_ptr<const LocalModel>> LocalModel::create(std::string name, std::shared_ptr<engine::Engine> engine) {
  if (!engine) return fail(Error::invalid("a local model needs an engine"));
  auto m = std::shared_ptr<LocalModel>(new LocalModel());
  m->name_ = std::move(name);
  m->engine_ = std::move(engine);
  m->tokenizer_ = m->engine_->tokenizer();
  const gguf::Reader& reader = m->engine_->model().gguf();
  m->context_length_ = m->engine_->options().max_seq_len;
  m->vocab_size_ = m->engine_->model().hparams().n_vocab;

  std::string template_source;
  if (auto text = chat::template_from_gguf(reader); text) {
    template_source = std::move(*text);
    auto tmpl = chat::ChatTemplate::create(template_source);
    if (!tmpl) {
      return fail(Error::invalid(fmt::format("model {}: its chat template does not parse: {}", m->name_,
                                             tmpl.error().message)));
    }
    m->chat_template_.emplace(std::move(*tmpl));
    chat::add_special_tokens_from_gguf(reader, m->special_tokens_);
  }
  const std::string arch(reader.get_string("general.architecture").value_or(std::string_view{}));
  const std::string general_name(reader.get_string("general.name").value_or(std::string_view{}));
  m->syntax_ = chat::detect_output_syntax(
      {.chat_template = template_source, .architecture = arch, .model_name = general_name});

  const tokenizer::Tokenizer& tok = *m->tokenizer_;
  if (tok.eos_id() >= 0) m->end_of_turn_.push_back(tok.eos_id());
  for (std::size_t i = 0; i < tok.vocab_size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    if (!tok.token_to_piece(id).empty()) continue;  // only control tokens end a turn
    const std::string_view text = tok.token_text(id);
    if (std::find(kEndOfTurnMarkers.begin(), kEndOfTurnMarkers.end(), text) != kEndOfTurnMarkers.end() &&
        std::find(m->end_of_turn_.begin(), m->end_of_turn_.end(), id) == m->end_of_turn_.end()) {
      m->end_of_turn_.push_back(id);
    }
  }
  return std::shared_ptr<const LocalModel>(std::move(m));
}

Result<std::string> LocalModel::render_chat(const api::ChatRequest& request, bool add_generation_prompt,
                                            bool include_tools) const {
  if (!chat_template_) {
    return fail(Error::invalid(
        fmt::format("model '{}' has no chat template, so it cannot answer chat requests; use /v1/completions", name_),
        "model"));
  }
  SOVRA_TRY(boost::json::object ctx, chat_context(request, {.add_generation_prompt = add_generation_prompt,
                                                            .include_tools = include_tools}));
  for (const auto& [k, v] : special_tokens_) ctx[k] = v;
  auto text = chat_template_->render(ctx);
  if (!text) {
    // The template's own message (raise_exception text) says what the conversation lacks.
    Error e = std::move(text).error();
    e.code = ErrorCode::kInvalidArgument;
    e.http_status = 400;
    e.message = fmt::format("the chat template of model '{}' refused the messages: {}", name_, e.message);
    if (e.param.empty()) e.param = "messages";
    return fail(std::move(e));
  }
  return text;
}

std::vector<TokenId> LocalModel::tokenize(std::string_view text, bool add_special, bool parse_special) const {
  const tokenizer::Tokenizer& tok = *tokenizer_;
  std::vector<TokenId> ids = tok.encode(text, {.add_bos = false, .parse_special = parse_special});
  if (add_special && tok.add_bos() && tok.bos_id() >= 0 && (ids.empty() || ids.front() != tok.bos_id())) {
    ids.insert(ids.begin(), tok.bos_id());
  }
  return ids;
}

Result<std::vector<TokenId>> LocalModel::chat_prompt_tokens(const api::ChatRequest& request,
                                                            bool include_tools) const {
  SOVRA_TRY(std::string text, render_chat(request, true, include_tools));
  return tokenize(text, true, true);
}

Result<std::shared_ptr<const sampling::grammar::TokenTrie>> LocalModel::trie() const {
  std::call_once(trie_once_, [this] {
    const tokenizer::Tokenizer& tok = *tokenizer_;
    std::vector<std::string> bytes(static_cast<std::size_t>(vocab_size_));
    for (std::size_t i = 0; i < bytes.size() && i < tok.vocab_size(); ++i) {
      bytes[i] = std::string(tok.token_to_piece(static_cast<TokenId>(i)));
    }
    std::vector<TokenId> excluded;
    if (tok.bos_id() >= 0 && tok.bos_id() < vocab_size_) excluded.push_back(tok.bos_id());
    std::vector<TokenId> ends;
    for (TokenId t : end_of_turn_) {
      if (t != tok.eos_id() && t < vocab_size_) ends.push_back(t);
    }
    const TokenId eos = tok.eos_id() >= 0 && tok.eos_id() < vocab_size_ ? tok.eos_id() : sampling::grammar::kNoEos;
    auto trie = sampling::grammar::TokenTrie::create(
        {.tokens = bytes, .eos = eos, .end_tokens = ends, .excluded = excluded});
    if (trie) {
      trie_ = std::make_shared<const sampling::grammar::TokenTrie>(std::move(trie).value());
    } else {
      trie_error_ = trie.error();
    }
  });
  if (trie_error_) return fail(*trie_error_);
  return trie_;
}

}  // namespace sovra::routing
