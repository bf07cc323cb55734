#include "tokenizer/load.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sovra::tokenizer {

namespace {

constexpr std::string_view kModelKey = "tokenizer.ggml.model";
constexpr std::string_view kTokensKey = "tokenizer.ggml.tokens";
constexpr std::string_view kScoresKey = "tokenizer.ggml.scores";
constexpr std::string_view kTokenTypeKey = "tokenizer.ggml.token_type";
constexpr std::string_view kBosKey = "tokenizer.ggml.bos_token_id";
constexpr std::string_view kEosKey = "tokenizer.ggml.eos_token_id";
constexpr std::string_view kUnkKey = "tokenizer.ggml.unknown_token_id";
constexpr std::string_view kAddBosKey = "tokenizer.ggml.add_bos_token";
constexpr std::string_view kAddSpacePrefixKey = "tokenizer.ggml.add_space_prefix";

Error malformed(std::string_view key, const std::string& what) {
  return Error::corrupt("tokenizer metadata '" + std::string(key) + "' " + what);
}

// A special-token id: `fallback` when absent, kNoToken for the "none" markers, otherwise checked against n.
Result<TokenId> read_token_id(const gguf::Reader& reader, std::string_view key, TokenId fallback, std::size_t n) {
  const gguf::Value* v = reader.find(key);
  if (v == nullptr) return fallback;
  const std::optional<std::int64_t> as_int = v->get_int();
  const std::optional<std::uint64_t> as_uint = v->get_uint();
  if (as_int && *as_int == -1) return kNoToken;
  if (!as_uint) return malformed(key, "is not an integer token id");
  if (*as_uint == std::numeric_limits<std::uint32_t>::max() || *as_uint == std::numeric_limits<std::uint64_t>::max()) {
    return kNoToken;
  }
  if (*as_uint >= n) {
    return malformed(key,
                     "is " + std::to_string(*as_uint) + ", outside the vocabulary of " + std::to_string(n) + " tokens");
  }
  return static_cast<TokenId>(*as_uint);
}

Result<bool> read_flag(const gguf::Reader& reader, std::string_view key, bool fallback) {
  const gguf::Value* v = reader.find(key);
  if (v == nullptr) return fallback;
  const std::optional<bool> b = v->get<bool>();
  if (!b) return malformed(key, "is not a bool");
  return *b;
}

const char* describe_model(std::string_view model) {
  if (model == "gpt2") return " (byte-level BPE)";
  if (model == "bert") return " (WordPiece)";
  if (model == "t5") return " (SentencePiece Unigram)";
  if (model == "rwkv") return " (RWKV greedy)";
  if (model == "none") return " (the file has no vocabulary)";
  return "";
}

}  // namespace

Result<SpmVocab> read_spm_vocab(const gguf::Reader& reader) {
  SpmVocab vocab;
  const gguf::Value* tokens = reader.find(kTokensKey);
  if (tokens == nullptr) return malformed(kTokensKey, "is missing");
  auto texts = tokens->get_array<std::string>();
  if (!texts) return malformed(kTokensKey, "is not an array of strings");
  vocab.tokens = std::move(*texts);
  const std::size_t n = vocab.tokens.size();

  if (const gguf::Value* scores = reader.find(kScoresKey); scores != nullptr) {
    auto values = scores->get_array<float>();
    if (!values) return malformed(kScoresKey, "is not an array of float32");
    if (values->size() != n) {
      return malformed(kScoresKey,
                       "has " + std::to_string(values->size()) + " entries for " + std::to_string(n) + " tokens");
    }
    vocab.scores = std::move(*values);
  }

  if (const gguf::Value* types = reader.find(kTokenTypeKey); types != nullptr) {
    if (!types->is_array() || types->size() != n) {
      return malformed(kTokenTypeKey, "must be an array with one entry per token (" + std::to_string(n) + ")");
    }
    vocab.types.reserve(n);
    const std::vector<gguf::Value> elements = types->elements();
    for (std::size_t i = 0; i < elements.size(); ++i) {
      const std::optional<std::int64_t> t = elements[i].get_int();
      if (!t || *t < 0 || *t > static_cast<std::int64_t>(TokenType::kByte)) {
        return malformed(kTokenTypeKey, "entry " + std::to_string(i) + " is not a token type (0-6)");
      }
      vocab.types.push_back(static_cast<TokenType>(*t));
    }
  }

  SOVRA_TRY(vocab.bos_id, read_token_id(reader, kBosKey, 1, n));
  SOVRA_TRY(vocab.eos_id, read_token_id(reader, kEosKey, 2, n));
  SOVRA_TRY(vocab.unk_id, read_token_id(reader, kUnkKey, 0, n));
  SOVRA_TRY(vocab.add_bos, read_flag(reader, kAddBosKey, true));
  SOVRA_TRY(vocab.add_space_prefix, read_flag(reader, kAddSpacePrefixKey, true));
  return vocab;
}

Result<std::unique_ptr<Tokenizer>> load_from_gguf(const gguf::Reader& reader) {
  const gguf::Value* model_value = reader.find(kModelKey);
  if (model_value == nullptr) {
    return Error::not_found("the GGUF file has no tokenizer ('" + std::string(kModelKey) + "' is missing)");
  }
  const std::optional<std::string_view> model = model_value->get<std::string_view>();
  if (!model) return malformed(kModelKey, "is not a string");
  if (*model == "llama") {
    SOVRA_TRY(SpmVocab vocab, read_spm_vocab(reader));
    SOVRA_TRY(SpmTokenizer tokenizer, SpmTokenizer::create(vocab));
    return std::unique_ptr<Tokenizer>(std::make_unique<SpmTokenizer>(std::move(tokenizer)));
  }
  return Error::invalid("tokenizer model '" + std::string(*model) + "'" + describe_model(*model) +
                            " is not supported yet; supported: 'llama' (SentencePiece BPE)",
                        std::string(kModelKey));
}

}  // namespace sovra::tokenizer
