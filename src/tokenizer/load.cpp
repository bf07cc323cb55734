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
constexpr std::string_view kMergesKey = "tokenizer.ggml.merges";
constexpr std::string_view kPreKey = "tokenizer.ggml.pre";
constexpr std::string_view kClsKey = "tokenizer.ggml.cls_token_id";
constexpr std::string_view kSepKey = "tokenizer.ggml.seperator_token_id";  // sic: llama.cpp's spelling
constexpr std::string_view kAddEosKey = "tokenizer.ggml.add_eos_token";
constexpr std::string_view kAddSpacePrefixKey = "tokenizer.ggml.add_space_prefix";
constexpr std::string_view kRemoveExtraWhitespacesKey = "tokenizer.ggml.remove_extra_whitespaces";
constexpr std::string_view kPrecompiledCharsmapKey = "tokenizer.ggml.precompiled_charsmap";

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

Result<std::vector<std::string>> read_tokens(const gguf::Reader& reader) {
  const gguf::Value* tokens = reader.find(kTokensKey);
  if (tokens == nullptr) return malformed(kTokensKey, "is missing");
  auto texts = tokens->get_array<std::string>();
  if (!texts) return malformed(kTokensKey, "is not an array of strings");
  if (texts->empty()) return malformed(kTokensKey, "is empty");
  return std::move(*texts);
}

Result<std::vector<TokenType>> read_types(const gguf::Reader& reader, std::size_t n) {
  std::vector<TokenType> out;
  const gguf::Value* types = reader.find(kTokenTypeKey);
  if (types == nullptr) return out;
  if (!types->is_array() || types->size() != n) {
    return malformed(kTokenTypeKey, "must be an array with one entry per token (" + std::to_string(n) + ")");
  }
  out.reserve(n);
  const std::vector<gguf::Value> elements = types->elements();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::optional<std::int64_t> t = elements[i].get_int();
    if (!t || *t < 0 || *t > static_cast<std::int64_t>(TokenType::kByte)) {
      return malformed(kTokenTypeKey, "entry " + std::to_string(i) + " is not a token type (0-6)");
    }
    out.push_back(static_cast<TokenType>(*t));
  }
  return out;
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
  SOVRA_TRY(vocab.types, read_types(reader, n));

  SOVRA_TRY(vocab.bos_id, read_token_id(reader, kBosKey, 1, n));
  SOVRA_TRY(vocab.eos_id, read_token_id(reader, kEosKey, 2, n));
  SOVRA_TRY(vocab.unk_id, read_token_id(reader, kUnkKey, 0, n));
  SOVRA_TRY(vocab.add_bos, read_flag(reader, kAddBosKey, true));
  SOVRA_TRY(vocab.add_eos, read_flag(reader, kAddEosKey, false));
  SOVRA_TRY(vocab.add_space_prefix, read_flag(reader, kAddSpacePrefixKey, true));
  return vocab;
}

Result<BpeVocab> read_bpe_vocab(const gguf::Reader& reader) {
  BpeVocab vocab;
  SOVRA_TRY(vocab.tokens, read_tokens(reader));
  const std::size_t n = vocab.tokens.size();
  SOVRA_TRY(vocab.types, read_types(reader, n));
  const gguf::Value* merges = reader.find(kMergesKey);
  if (merges == nullptr) return malformed(kMergesKey, "is missing");
  auto lines = merges->get_array<std::string>();
  if (!lines) return malformed(kMergesKey, "is not an array of strings");
  vocab.merges = std::move(*lines);
  if (const gguf::Value* pre = reader.find(kPreKey); pre != nullptr) {
    const std::optional<std::string_view> name = pre->get<std::string_view>();
    if (!name) return malformed(kPreKey, "is not a string");
    vocab.pre = std::string(*name);
  }
  // llama.cpp's defaults for "gpt2" vocabularies: BOS = EOS = 11; BOS expected by Llama 3 and Tekken models.
  const TokenId fallback = n > 11 ? 11 : kNoToken;
  SOVRA_TRY(vocab.bos_id, read_token_id(reader, kBosKey, fallback, n));
  SOVRA_TRY(vocab.eos_id, read_token_id(reader, kEosKey, fallback, n));
  const bool bos_default = vocab.pre == "llama3" || vocab.pre == "llama-v3" || vocab.pre == "llama-bpe" ||
                           vocab.pre == "falcon3" || vocab.pre == "tekken" || vocab.pre == "chameleon";
  SOVRA_TRY(vocab.add_bos, read_flag(reader, kAddBosKey, bos_default));
  SOVRA_TRY(vocab.add_eos, read_flag(reader, kAddEosKey, false));
  return vocab;
}

Result<WordPieceVocab> read_wordpiece_vocab(const gguf::Reader& reader) {
  WordPieceVocab vocab;
  SOVRA_TRY(vocab.tokens, read_tokens(reader));
  const std::size_t n = vocab.tokens.size();
  SOVRA_TRY(vocab.types, read_types(reader, n));
  // BERT's ids (llama.cpp's defaults): [UNK] 100, [CLS] 101, [SEP] 102.
  const auto fallback = [n](TokenId id) { return static_cast<std::size_t>(id) < n ? id : kNoToken; };
  SOVRA_TRY(vocab.unk_id, read_token_id(reader, kUnkKey, fallback(100), n));
  SOVRA_TRY(const TokenId cls, read_token_id(reader, kClsKey, fallback(101), n));
  SOVRA_TRY(const TokenId sep, read_token_id(reader, kSepKey, fallback(102), n));
  SOVRA_TRY(vocab.bos_id, read_token_id(reader, kBosKey, cls, n));
  SOVRA_TRY(vocab.eos_id, read_token_id(reader, kEosKey, sep, n));
  SOVRA_TRY(vocab.add_bos, read_flag(reader, kAddBosKey, true));
  SOVRA_TRY(vocab.add_eos, read_flag(reader, kAddEosKey, true));
  return vocab;
}

Result<UnigramVocab> read_unigram_vocab(const gguf::Reader& reader) {
  UnigramVocab vocab;
  SOVRA_TRY(vocab.tokens, read_tokens(reader));
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
  SOVRA_TRY(vocab.types, read_types(reader, n));
  // llama.cpp's T5 defaults: no BOS, EOS 1, unknown 2; XLM-RoBERTa files name theirs.
  const auto fallback = [n](TokenId id) { return static_cast<std::size_t>(id) < n ? id : kNoToken; };
  SOVRA_TRY(vocab.bos_id, read_token_id(reader, kBosKey, kNoToken, n));
  SOVRA_TRY(vocab.eos_id, read_token_id(reader, kEosKey, fallback(1), n));
  SOVRA_TRY(vocab.unk_id, read_token_id(reader, kUnkKey, fallback(2), n));
  SOVRA_TRY(vocab.add_bos, read_flag(reader, kAddBosKey, false));
  SOVRA_TRY(vocab.add_eos, read_flag(reader, kAddEosKey, true));
  SOVRA_TRY(vocab.add_space_prefix, read_flag(reader, kAddSpacePrefixKey, true));
  SOVRA_TRY(vocab.remove_extra_whitespaces, read_flag(reader, kRemoveExtraWhitespacesKey, true));
  // llama.cpp's converter writes the charsmap as an array of uint8 or int8; UnigramTokenizer::create checks it.
  if (const gguf::Value* map = reader.find(kPrecompiledCharsmapKey); map != nullptr) {
    if (auto bytes = map->get_array<std::uint8_t>()) {
      vocab.precompiled_charsmap = std::move(*bytes);
    } else if (auto signed_bytes = map->get_array<std::int8_t>()) {
      vocab.precompiled_charsmap.assign(signed_bytes->begin(), signed_bytes->end());
    } else {
      return malformed(kPrecompiledCharsmapKey, "is not an array of uint8 or int8");
    }
    if (auto parsed = PrecompiledCharsmap::parse(vocab.precompiled_charsmap); !parsed) {
      return malformed(kPrecompiledCharsmapKey, "is broken: " + parsed.error().message);
    }
  }
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
  if (*model == "gpt2") {
    SOVRA_TRY(BpeVocab vocab, read_bpe_vocab(reader));
    SOVRA_TRY(BpeTokenizer tokenizer, BpeTokenizer::create(vocab));
    return std::unique_ptr<Tokenizer>(std::make_unique<BpeTokenizer>(std::move(tokenizer)));
  }
  if (*model == "bert") {
    SOVRA_TRY(WordPieceVocab vocab, read_wordpiece_vocab(reader));
    SOVRA_TRY(WordPieceTokenizer tokenizer, WordPieceTokenizer::create(vocab));
    return std::unique_ptr<Tokenizer>(std::make_unique<WordPieceTokenizer>(std::move(tokenizer)));
  }
  if (*model == "t5") {
    SOVRA_TRY(UnigramVocab vocab, read_unigram_vocab(reader));
    SOVRA_TRY(UnigramTokenizer tokenizer, UnigramTokenizer::create(vocab));
    return std::unique_ptr<Tokenizer>(std::make_unique<UnigramTokenizer>(std::move(tokenizer)));
  }
  return Error::invalid("tokenizer model '" + std::string(*model) + "'" + describe_model(*model) +
                            " is not supported yet; supported: 'llama' (SentencePiece BPE), 'gpt2' (byte-level "
                            "BPE), 'bert' (WordPiece), 't5' (Unigram)",
                        std::string(kModelKey));
}

}  // namespace sovra::tokenizer
