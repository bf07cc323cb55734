#include "model/arch/encoder_random.hpp"

#include <cmath>
#include <list>
#include <string_view>

#include "gguf/writer.hpp"
#include "kernels/quant.hpp"

namespace sovra::model {
namespace {

using gguf::GgmlType;
using gguf::MetaValue;

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // "▁": GGUF's WordPiece word-start marker

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL) {}
  double uniform() {  // (0, 1]
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return (static_cast<double>(s_ >> 11) + 1.0) / 9007199254740993.0;
  }
  float normal(float sigma) {
    const double u1 = uniform();
    const double u2 = uniform();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2) * sigma);
  }

 private:
  std::uint64_t s_;
};

std::vector<std::string> synthetic_vocab(std::uint32_t n) {
  std::vector<std::string> v = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  const std::string_view words[] = {"the", "is",    "of",    "and",  "to",    "in",     "hello",
                                    "world", "quick", "brown", "fox", "jumps", "over", "lazy",   "dog",
                                    "text",  "vector", "query", "document", "rank", "embed", "search", "model"};
  for (auto w : words) v.push_back(std::string(kWordStart) + std::string(w));
  for (char c = 'a'; c <= 'z'; ++c) v.push_back(std::string(kWordStart) + c);
  for (char c : std::string_view("abcdefghijklmnopqrstuvwxyz0123456789")) v.push_back(std::string(1, c));
  for (char c : std::string_view(".,;:!?'\"-()0123456789")) v.push_back(std::string(kWordStart) + c);
  for (std::uint32_t i = 0; v.size() < n; ++i) v.push_back(std::string(kWordStart) + "w" + std::to_string(i));
  return v;
}

class Builder {
 public:
  explicit Builder(std::uint64_t seed) : rng_(seed) {}

  Status matrix(const std::string& name, std::uint32_t rows, std::uint32_t cols, GgmlType type) {
    std::vector<float> row(cols);
    const std::int64_t rb = kernels::row_bytes(type, cols);
    if (rb == 0) return Error::invalid("tensor '" + name + "': " + gguf::type_name(type) + " cannot hold rows of " + std::to_string(cols));
    auto& bytes = blobs_.emplace_back(static_cast<std::size_t>(rb) * rows);
    const float sigma = 1.0f / std::sqrt(static_cast<float>(cols));
    for (std::uint32_t r = 0; r < rows; ++r) {
      for (auto& x : row) x = rng_.normal(sigma);
      SOVRA_CHECK(kernels::quantize_row(type, row.data(), bytes.data() + r * rb, cols));
    }
    return writer_.add_tensor({.name = name, .type = type, .dims = {cols, rows}, .data = bytes});
  }
  Status vector(const std::string& name, std::uint32_t n, float mean, float sigma) {
    auto& bytes = blobs_.emplace_back(static_cast<std::size_t>(n) * sizeof(float));
    auto* f = reinterpret_cast<float*>(bytes.data());
    for (std::uint32_t i = 0; i < n; ++i) f[i] = mean + rng_.normal(sigma);
    return writer_.add_tensor({.name = name, .type = GgmlType::kF32, .dims = {n}, .data = bytes});
  }
  Status norm(const std::string& base, std::uint32_t n) {
    SOVRA_CHECK(vector(base + ".weight", n, 1.0f, 0.1f));
    return vector(base + ".bias", n, 0.0f, 0.1f);
  }

  gguf::Writer& writer() { return writer_; }

 private:
  Rng rng_;
  gguf::Writer writer_;
  std::list<std::vector<std::byte>> blobs_;  // borrowed by the writer; a list keeps addresses stable
};

Result<std::vector<std::byte>> build(const RandomEncoderSpec& s, const std::filesystem::path* path) {
  if (s.arch != "bert" && s.arch != "nomic-bert") return Error::invalid("unknown encoder architecture '" + s.arch + "'");
  if (s.n_embd == 0 || s.n_head == 0 || s.n_embd % s.n_head != 0 || s.n_layer == 0 || s.n_ff == 0 || s.n_ctx == 0) {
    return Error::invalid("invalid encoder shape");
  }
  const auto vocab = synthetic_vocab(s.n_vocab);
  const auto n_vocab = static_cast<std::uint32_t>(vocab.size());
  Builder b(s.seed);
  auto& w = b.writer();
  const std::string p = s.arch + ".";
  SOVRA_CHECK(w.set("general.architecture", MetaValue::string(s.arch)));
  SOVRA_CHECK(w.set("general.name", MetaValue::string(s.name)));
  SOVRA_CHECK(w.set(p + "context_length", MetaValue::u32(s.n_ctx)));
  SOVRA_CHECK(w.set(p + "embedding_length", MetaValue::u32(s.n_embd)));
  SOVRA_CHECK(w.set(p + "block_count", MetaValue::u32(s.n_layer)));
  SOVRA_CHECK(w.set(p + "feed_forward_length", MetaValue::u32(s.n_ff)));
  SOVRA_CHECK(w.set(p + "attention.head_count", MetaValue::u32(s.n_head)));
  SOVRA_CHECK(w.set(p + "attention.layer_norm_epsilon", MetaValue::f32(1e-12f)));
  SOVRA_CHECK(w.set(p + "attention.causal", MetaValue::boolean(false)));
  SOVRA_CHECK(w.set(p + "pooling_type", MetaValue::u32(static_cast<std::uint32_t>(s.pooling))));
  SOVRA_CHECK(w.set("tokenizer.ggml.token_type_count", MetaValue::u32(2)));  // rows of token_types.weight
  if (s.arch == "nomic-bert") SOVRA_CHECK(w.set(p + "rope.freq_base", MetaValue::f32(1000.0f)));
  if (s.matryoshka) SOVRA_CHECK(w.set(kMatryoshkaKey, MetaValue::boolean(true)));
  std::vector<std::int32_t> types(vocab.size(), 1);
  for (int i = 0; i < 5; ++i) types[static_cast<std::size_t>(i)] = 3;
  if (s.unigram) {
    auto pieces = vocab;
    pieces[0] = "<s>";
    pieces[1] = "<pad>";
    pieces[2] = "</s>";
    pieces[3] = "<unk>";
    pieces[4] = "<mask>";
    types[3] = 2;  // unknown
    types[4] = 4;  // user-defined
    std::vector<float> scores(pieces.size(), 0.0f);
    for (std::size_t i = 5; i < pieces.size(); ++i) scores[i] = -static_cast<float>(pieces[i].size()) * 0.5f - 1.0f;
    SOVRA_CHECK(w.set("tokenizer.ggml.model", MetaValue::string("t5")));
    SOVRA_CHECK(w.set("tokenizer.ggml.tokens", MetaValue::array(pieces)));
    SOVRA_CHECK(w.set("tokenizer.ggml.scores", MetaValue::array(scores)));
    SOVRA_CHECK(w.set("tokenizer.ggml.token_type", MetaValue::array(types)));
    SOVRA_CHECK(w.set("tokenizer.ggml.bos_token_id", MetaValue::u32(0)));
    SOVRA_CHECK(w.set("tokenizer.ggml.padding_token_id", MetaValue::u32(1)));
    SOVRA_CHECK(w.set("tokenizer.ggml.eos_token_id", MetaValue::u32(2)));
    SOVRA_CHECK(w.set("tokenizer.ggml.unknown_token_id", MetaValue::u32(3)));
    SOVRA_CHECK(w.set("tokenizer.ggml.add_bos_token", MetaValue::boolean(true)));
    SOVRA_CHECK(w.set("tokenizer.ggml.add_eos_token", MetaValue::boolean(true)));
  } else {
    SOVRA_CHECK(w.set("tokenizer.ggml.model", MetaValue::string("bert")));
    SOVRA_CHECK(w.set("tokenizer.ggml.tokens", MetaValue::array(vocab)));
    SOVRA_CHECK(w.set("tokenizer.ggml.token_type", MetaValue::array(types)));
    SOVRA_CHECK(w.set("tokenizer.ggml.padding_token_id", MetaValue::u32(0)));
    SOVRA_CHECK(w.set("tokenizer.ggml.unknown_token_id", MetaValue::u32(1)));
    SOVRA_CHECK(w.set("tokenizer.ggml.cls_token_id", MetaValue::u32(2)));
    SOVRA_CHECK(w.set("tokenizer.ggml.seperator_token_id", MetaValue::u32(3)));
    // llama.cpp takes BOS/EOS (not CLS/SEP) to wrap inputs, with BERT's 101/102 as defaults.
    SOVRA_CHECK(w.set("tokenizer.ggml.bos_token_id", MetaValue::u32(2)));
    SOVRA_CHECK(w.set("tokenizer.ggml.eos_token_id", MetaValue::u32(3)));
    SOVRA_CHECK(w.set("tokenizer.ggml.mask_token_id", MetaValue::u32(4)));
  }

  const GgmlType t = s.type;
  const bool bert = s.arch == "bert";
  SOVRA_CHECK(b.matrix("token_embd.weight", n_vocab, s.n_embd, GgmlType::kF32 == t ? t : GgmlType::kF16));
  SOVRA_CHECK(b.matrix("token_types.weight", 2, s.n_embd, GgmlType::kF32));
  if (bert) SOVRA_CHECK(b.matrix("position_embd.weight", s.n_ctx, s.n_embd, GgmlType::kF32 == t ? t : GgmlType::kF16));
  SOVRA_CHECK(b.norm("token_embd_norm", s.n_embd));
  for (std::uint32_t i = 0; i < s.n_layer; ++i) {
    const std::string l = "blk." + std::to_string(i) + ".";
    if (bert) {
      for (const char* x : {"q", "k", "v"}) {
        SOVRA_CHECK(b.matrix(l + "attn_" + x + ".weight", s.n_embd, s.n_embd, t));
        SOVRA_CHECK(b.vector(l + "attn_" + x + ".bias", s.n_embd, 0.0f, 0.1f));
      }
    } else {
      SOVRA_CHECK(b.matrix(l + "attn_qkv.weight", 3 * s.n_embd, s.n_embd, t));
    }
    SOVRA_CHECK(b.matrix(l + "attn_output.weight", s.n_embd, s.n_embd, t));
    if (bert) SOVRA_CHECK(b.vector(l + "attn_output.bias", s.n_embd, 0.0f, 0.1f));
    SOVRA_CHECK(b.norm(l + "attn_output_norm", s.n_embd));
    SOVRA_CHECK(b.matrix(l + "ffn_up.weight", s.n_ff, s.n_embd, t));
    if (bert) SOVRA_CHECK(b.vector(l + "ffn_up.bias", s.n_ff, 0.0f, 0.1f));
    if (!bert) SOVRA_CHECK(b.matrix(l + "ffn_gate.weight", s.n_ff, s.n_embd, t));
    SOVRA_CHECK(b.matrix(l + "ffn_down.weight", s.n_embd, s.n_ff, t));
    if (bert) SOVRA_CHECK(b.vector(l + "ffn_down.bias", s.n_embd, 0.0f, 0.1f));
    SOVRA_CHECK(b.norm(l + "layer_output_norm", s.n_embd));
  }
  if (s.pooling == Pooling::kRank) {
    SOVRA_CHECK(b.matrix("cls.weight", s.n_embd, s.n_embd, GgmlType::kF32));
    SOVRA_CHECK(b.vector("cls.bias", s.n_embd, 0.0f, 0.1f));
    SOVRA_CHECK(b.matrix("cls.output.weight", s.n_labels, s.n_embd, GgmlType::kF32));
    SOVRA_CHECK(b.vector("cls.output.bias", s.n_labels, 0.0f, 0.1f));
  }
  if (path != nullptr) {
    SOVRA_CHECK(w.write_file(*path));
    return std::vector<std::byte>{};
  }
  return w.to_bytes();
}

}  // namespace

Result<RandomEncoderSpec> random_encoder_shape(const std::string& shape, const std::string& arch) {
  RandomEncoderSpec s;
  s.arch = arch;
  if (shape == "tiny") {
  } else if (shape == "bge-small") {
    s = {.arch = arch, .name = "rand-bge-small", .n_embd = 384, .n_layer = 12, .n_head = 12, .n_ff = 1536,
         .n_ctx = 512, .n_vocab = 30522};
  } else if (shape == "minilm-l6") {
    s = {.arch = arch, .name = "rand-minilm-l6", .n_embd = 384, .n_layer = 6, .n_head = 12, .n_ff = 1536,
         .n_ctx = 512, .n_vocab = 30522};
  } else if (shape == "nomic-embed") {
    s = {.arch = arch, .name = "rand-nomic-embed", .n_embd = 768, .n_layer = 12, .n_head = 12, .n_ff = 3072,
         .n_ctx = 2048, .n_vocab = 30522};
  } else {
    return Error::invalid("unknown encoder shape '" + shape + "' (known: tiny, bge-small, minilm-l6, nomic-embed)");
  }
  return s;
}

Result<std::vector<std::byte>> random_encoder_bytes(const RandomEncoderSpec& spec) {
  return build(spec, nullptr);
}

Status write_random_encoder(const RandomEncoderSpec& spec, const std::filesystem::path& path) {
  SOVRA_TRY(auto unused, build(spec, &path));
  (void)unused;
  return {};
}

}  // namespace sovra::model
