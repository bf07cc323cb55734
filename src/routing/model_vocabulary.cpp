#include "routing/model_vocabulary.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "chat/template/special_tokens.hpp"
#include "gguf/reader.hpp"
#include "routing/chat_context.hpp"
#include "tokenizer/load.hpp"

namespace sovra::routing {
namespace {

// Control tokens that end an assistant turn in the chat formats Sovra parses (besides the vocabulary's EOS).
constexpr std::array<std::string_view, 8> kEndOfTurnMarkers = {
    "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|return|>", "</s>"};

}  // namespace

bool tools_offered(const api::ChatRequest& request) {
  return !request.tools.empty() && request.tool_choice.mode != api::ToolChoice::Mode::kNone;
}

Result<std::shared_ptr<const ModelVocabulary>> ModelVocabulary::open(std::string name,
                                                                     const std::filesystem::path& path) {
  auto reader = gguf::Reader::open(path, {.allow_unsupported_types = true});  // only metadata is read
  if (!reader) return fail(Error::invalid(path.string() + ": " + reader.error().message));
  auto tokenizer = tokenizer::load_from_gguf(*reader);
  if (!tokenizer) return fail(Error::invalid(path.string() + ": " + tokenizer.error().message));
  const std::string arch(reader->get_string("general.architecture").value_or(std::string_view{}));
  const auto context_length =
      arch.empty() ? 0 : static_cast<std::int64_t>(reader->get_uint(arch + ".context_length").value_or(0));
  const auto vocab_size = static_cast<std::int64_t>((*tokenizer)->vocab_size());
  auto v = std::shared_ptr<ModelVocabulary>(new ModelVocabulary());
  if (auto st = v->load(std::move(name), *reader, std::move(*tokenizer), context_length, vocab_size); !st) {
    return fail(Error::invalid(path.string() + ": " + st.error().message));
  }
  return std::shared_ptr<const ModelVocabulary>(std::move(v));
}

Status ModelVocabulary::load(std::string name, const gguf::Reader& reader,
                             std::shared_ptr<const tokenizer::Tokenizer> tokenizer, std::int64_t context_length,
                             std::int64_t vocab_size) {
  name_ = std::move(name);
  tokenizer_ = std::move(tokenizer);
  context_length_ = context_length;
  vocab_size_ = vocab_size;

  std::string template_source;
  if (auto text = chat::template_from_gguf(reader); text) {
    template_source = std::move(*text);
    auto tmpl = chat::ChatTemplate::create(template_source);
    if (!tmpl) {
      return Error::invalid(fmt::format("model {}: its chat template does not parse: {}", name_, tmpl.error().message));
    }
    chat_template_.emplace(std::move(*tmpl));
    chat::add_special_tokens_from_gguf(reader, special_tokens_);
  }
  const std::string arch(reader.get_string("general.architecture").value_or(std::string_view{}));
  const std::string general_name(reader.get_string("general.name").value_or(std::string_view{}));
  syntax_ =
      chat::detect_output_syntax({.chat_template = template_source, .architecture = arch, .model_name = general_name});

  const tokenizer::Tokenizer& tok = *tokenizer_;
  if (tok.eos_id() >= 0) end_of_turn_.push_back(tok.eos_id());
  for (std::size_t i = 0; i < tok.vocab_size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    if (!tok.token_to_piece(id).empty()) continue;  // only control tokens end a turn
    const std::string_view text = tok.token_text(id);
    if (std::find(kEndOfTurnMarkers.begin(), kEndOfTurnMarkers.end(), text) != kEndOfTurnMarkers.end() &&
        std::find(end_of_turn_.begin(), end_of_turn_.end(), id) == end_of_turn_.end()) {
      end_of_turn_.push_back(id);
    }
  }
  return {};
}

Result<std::string> ModelVocabulary::render_chat(const api::ChatRequest& request, bool add_generation_prompt,
                                                 bool include_tools) const {
  if (!chat_template_) {
    return fail(Error::invalid(
        fmt::format("model '{}' has no chat template, so it cannot answer chat requests; use /v1/completions", name_),
        "model"));
  }
  SOVRA_TRY(boost::json::object ctx,
            chat_context(request, {.add_generation_prompt = add_generation_prompt, .include_tools = include_tools}));
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

std::vector<TokenId> ModelVocabulary::tokenize(std::string_view text, bool add_special, bool parse_special) const {
  const tokenizer::Tokenizer& tok = *tokenizer_;
  std::vector<TokenId> ids = tok.encode(text, {.add_bos = false, .parse_special = parse_special});
  if (add_special && tok.add_bos() && tok.bos_id() >= 0 && (ids.empty() || ids.front() != tok.bos_id())) {
    ids.insert(ids.begin(), tok.bos_id());
  }
  return ids;
}

Result<std::vector<TokenId>> ModelVocabulary::chat_prompt_tokens(const api::ChatRequest& request,
                                                                 bool include_tools) const {
  SOVRA_TRY(std::string text, render_chat(request, true, include_tools));
  return tokenize(text, true, true);
}

}  // namespace sovra::routing
