#include "model/arch/encoder_hparams.hpp"

#include "gguf/reader.hpp"

namespace sovra::model {
namespace {

Result<std::uint32_t> required_u32(const gguf::Reader& r, const std::string& key) {
  auto v = r.get_uint(key);
  if (!v) return Error::corrupt("encoder metadata: missing or invalid '" + key + "'");
  if (*v == 0 || *v > 0x7fffffffULL) return Error::corrupt("encoder metadata: '" + key + "' out of range");
  return static_cast<std::uint32_t>(*v);
}

}  // namespace

std::string_view pooling_name(Pooling p) {
  switch (p) {
    case Pooling::kNone:
      return "none";
    case Pooling::kMean:
      return "mean";
    case Pooling::kCls:
      return "cls";
    case Pooling::kLast:
      return "last";
    case Pooling::kRank:
      return "rank";
  }
  return "unknown";
}

bool is_encoder_architecture(std::string_view arch) { return arch == "bert" || arch == "nomic-bert"; }

Result<EncoderHParams> read_encoder_hparams(const gguf::Reader& r) {
  EncoderHParams hp;
  auto arch = r.get_string("general.architecture");
  if (!arch) return Error::corrupt("encoder metadata: missing 'general.architecture'");
  hp.arch = std::string(*arch);
  if (!is_encoder_architecture(hp.arch)) {
    return Error::invalid("'" + hp.arch + "' is not an encoder architecture (supported: bert, nomic-bert)");
  }
  hp.kind = hp.arch == "nomic-bert" ? EncoderKind::kNomicBert : EncoderKind::kBert;
  const std::string p = hp.arch + ".";
  SOVRA_TRY(hp.n_embd, required_u32(r, p + "embedding_length"));
  SOVRA_TRY(hp.n_layer, required_u32(r, p + "block_count"));
  SOVRA_TRY(hp.n_ff, required_u32(r, p + "feed_forward_length"));
  SOVRA_TRY(hp.n_head, required_u32(r, p + "attention.head_count"));
  SOVRA_TRY(hp.n_ctx, required_u32(r, p + "context_length"));
  if (hp.n_embd % hp.n_head != 0) return Error::corrupt("encoder metadata: embedding_length not divisible by head_count");
  hp.head_dim = hp.n_embd / hp.n_head;
  if (hp.kind == EncoderKind::kNomicBert && hp.head_dim % 2 != 0) {
    return Error::corrupt("encoder metadata: rotary positions need an even head size");
  }
  if (r.contains(p + "attention.head_count_kv")) {
    auto kv = r.get_uint(p + "attention.head_count_kv");
    if (!kv || *kv != hp.n_head) return Error::invalid("encoder metadata: grouped-query attention is not supported");
  }
  if (const auto* v = r.find(p + "attention.layer_norm_epsilon"); v != nullptr) {
    auto eps = r.get_float(p + "attention.layer_norm_epsilon");
    if (!eps || !(*eps > 0.0) || *eps > 1.0) return Error::corrupt("encoder metadata: invalid layer_norm_epsilon");
    hp.norm_eps = static_cast<float>(*eps);
  }
  if (r.contains(p + "rope.freq_base")) {
    auto base = r.get_float(p + "rope.freq_base");
    if (!base || !(*base > 0.0)) return Error::corrupt("encoder metadata: invalid rope.freq_base");
    hp.rope_freq_base = static_cast<float>(*base);
  }
  if (r.contains(p + "attention.causal")) {
    auto causal = r.get_bool(p + "attention.causal");
    if (!causal) return Error::corrupt("encoder metadata: invalid attention.causal");
    if (*causal) return Error::invalid("encoder metadata: causal attention is not supported for encoders");
  }
  if (r.contains(p + "pooling_type")) {
    auto pt = r.get_uint(p + "pooling_type");
    if (!pt || *pt > static_cast<std::uint64_t>(Pooling::kRank)) {
      return Error::invalid("encoder metadata: unknown pooling_type");
    }
    hp.pooling = static_cast<Pooling>(*pt);
  }
  if (hp.pooling == Pooling::kNone) {
    return Error::invalid("encoder pooling_type 'none' gives per-token vectors; Sovra serves pooled embeddings only");
  }
  if (r.contains(kMatryoshkaKey)) {
    auto m = r.get_bool(kMatryoshkaKey);
    if (!m) return Error::corrupt("encoder metadata: '" + std::string(kMatryoshkaKey) + "' must be a bool");
    hp.matryoshka = *m;
  }
  const auto* embd = r.find_tensor("token_embd.weight");
  if (embd == nullptr) return Error::corrupt("encoder is missing tensor 'token_embd.weight'");
  if (embd->n_dims != 2 || embd->dims[0] != hp.n_embd || embd->dims[1] == 0 || embd->dims[1] > 0x7fffffffULL) {
    return Error::corrupt("tensor 'token_embd.weight' does not match embedding_length");
  }
  hp.n_vocab = static_cast<std::uint32_t>(embd->dims[1]);
  return hp;
}

}  // namespace sovra::model
