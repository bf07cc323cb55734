#include "model/arch/encoder.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/matmul.hpp"
#include "kernels/ops.hpp"
#include "kernels/quant.hpp"
#include "tokenizer/load.hpp"

namespace sovra::model {
namespace {

using tokenizer::TokenId;

kernels::WeightView view(const Matrix& m) { return {m.type, m.data, m.rows, m.cols}; }

const std::byte* row_ptr(const Matrix& m, std::int64_t row) {
  return static_cast<const std::byte*>(m.data) + row * kernels::row_bytes(m.type, m.cols);
}

// Token rows per matmul call: the kernels stream every activation row once per tile of weight rows, so a packed
// batch is multiplied in chunks whose activations stay in cache (more rows made a 64 x 32-token batch slower per
// input than one input at a time; the weights of one encoder matrix are re-read per chunk, which is cheap).
constexpr std::int64_t kTokenChunk = 128;

// y = W x (+ b) for n rows of x.
void linear(const Matrix& w, const float* bias, const float* x, std::int64_t n, float* y,
            kernels::ThreadPool& pool) {
  for (std::int64_t t0 = 0; t0 < n; t0 += kTokenChunk) {
    kernels::matmul(view(w), x + t0 * w.cols, std::min(kTokenChunk, n - t0), y + t0 * w.rows, pool);
  }
  if (bias == nullptr) return;
  for (std::int64_t t = 0; t < n; ++t) {
    float* row = y + t * w.rows;
    for (std::int64_t i = 0; i < w.rows; ++i) row[i] += bias[i];
  }
}

void layer_norm(float* x, const Norm& norm, std::int64_t n, float eps) {
  double mean = 0;
  for (std::int64_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<double>(n);
  double var = 0;
  for (std::int64_t i = 0; i < n; ++i) var += (x[i] - mean) * (x[i] - mean);
  var /= static_cast<double>(n);
  const auto inv = static_cast<float>(1.0 / std::sqrt(var + eps));
  const auto m = static_cast<float>(mean);
  for (std::int64_t i = 0; i < n; ++i) x[i] = (x[i] - m) * inv * norm.weight[i] + norm.bias[i];
}

// GELU, tanh approximation (as ggml_gelu and BERT's "gelu" in the converted models compute it).
float gelu(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + 0.044715f * x * x)));
}

}  // namespace

void l2_normalize(std::span<float> v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (sum <= 0) return;
  const auto inv = static_cast<float>(1.0 / std::sqrt(sum));
  for (float& x : v) x *= inv;
}

Result<std::unique_ptr<EncoderModel>> EncoderModel::open(const std::filesystem::path& path) {
  auto reader = gguf::Reader::open(path);
  if (!reader) {
    Error e = reader.error();
    e.message = path.string() + ": " + e.message;
    return e;
  }
  auto model = from_reader(std::move(*reader));
  if (!model) {
    Error e = model.error();
    e.message = path.string() + ": " + e.message;
    return e;
  }
  return model;
}

Result<std::unique_ptr<EncoderModel>> EncoderModel::from_reader(gguf::Reader reader) {
  std::unique_ptr<EncoderModel> m(new EncoderModel());
  m->reader_ = std::make_unique<gguf::Reader>(std::move(reader));
  SOVRA_TRY(m->hp_, read_encoder_hparams(*m->reader_));
  SOVRA_TRY(m->w_, bind_encoder_weights(*m->reader_, m->hp_));
  SOVRA_TRY(m->tokenizer_, tokenizer::load_from_gguf(*m->reader_));
  if (m->tokenizer_->vocab_size() != m->hp_.n_vocab) {
    return Error::corrupt("encoder vocabulary has " + std::to_string(m->tokenizer_->vocab_size()) +
                          " tokens but token_embd.weight has " + std::to_string(m->hp_.n_vocab) + " rows");
  }
  return m;
}

std::size_t EncoderModel::output_size() const {
  if (hp_.pooling != Pooling::kRank) return hp_.n_embd;
  return static_cast<std::size_t>(w_.cls_out.rows > 0 ? w_.cls_out.rows : w_.cls.rows);
}

std::vector<TokenId> EncoderModel::tokenize(std::string_view text) const {
  const auto& t = *tokenizer_;
  return t.encode(text, tokenizer::EncodeOptions{.add_bos = t.add_bos(), .add_eos = t.add_eos()});
}

std::vector<TokenId> EncoderModel::tokenize_pair(std::string_view query, std::string_view document) const {
  const auto& t = *tokenizer_;
  auto ids = t.encode(query, tokenizer::EncodeOptions{.add_bos = true, .add_eos = true});
  // RoBERTa-style vocabularies (BOS "<s>", EOS "</s>") separate the pair with "</s></s>"; BERT with one [SEP].
  const bool roberta = t.token_text(t.bos_id()) == "<s>";
  if (roberta && t.eos_id() != tokenizer::kNoToken) ids.push_back(t.eos_id());
  auto doc = t.encode(document, tokenizer::EncodeOptions{.add_bos = false, .add_eos = true});
  ids.insert(ids.end(), doc.begin(), doc.end());
  return ids;
}

Result<std::vector<std::vector<float>>> EncoderModel::forward(std::span<const std::vector<TokenId>> seqs,
                                                               kernels::ThreadPool& pool) const {
  const std::int64_t e = hp_.n_embd;
  const std::int64_t ff = hp_.n_ff;
  const std::int64_t hd = hp_.head_dim;
  const std::int32_t n_head = static_cast<std::int32_t>(hp_.n_head);
  // Packed layout: sequence s occupies rows [start[s], start[s] + len(s)).
  std::vector<std::int64_t> start(seqs.size() + 1, 0);
  std::int64_t max_len = 0;
  for (std::size_t s = 0; s < seqs.size(); ++s) {
    const auto len = static_cast<std::int64_t>(seqs[s].size());
    if (len == 0) return Error::invalid("sequence " + std::to_string(s) + " is empty");
    if (len > static_cast<std::int64_t>(hp_.n_ctx)) {
      return Error::invalid("sequence " + std::to_string(s) + " has " + std::to_string(len) +
                            " tokens; the model's limit is " + std::to_string(hp_.n_ctx));
    }
    for (TokenId id : seqs[s]) {
      if (id < 0 || static_cast<std::uint32_t>(id) >= hp_.n_vocab) {
        return Error::invalid("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                              std::to_string(hp_.n_vocab - 1) + ")");
      }
    }
    start[s + 1] = start[s] + len;
    max_len = std::max(max_len, len);
  }
  const std::int64_t n = start.back();
  std::vector<std::vector<float>> out;
  if (n == 0) return out;

  // Embeddings: token + token type 0 (as llama.cpp: every token is "sentence A") + absolute position.
  std::vector<float> x(static_cast<std::size_t>(n * e));
  std::vector<float> tmp(static_cast<std::size_t>(e));
  std::vector<float> type0(static_cast<std::size_t>(e), 0.0f);
  if (w_.token_types.rows > 0) (void)kernels::dequantize_row(w_.token_types.type, w_.token_types.data, type0.data(), e);
  for (std::size_t s = 0; s < seqs.size(); ++s) {
    for (std::size_t p = 0; p < seqs[s].size(); ++p) {
      float* row = x.data() + (start[s] + static_cast<std::int64_t>(p)) * e;
      (void)kernels::dequantize_row(w_.token_embd.type, row_ptr(w_.token_embd, seqs[s][p]), row, e);
      for (std::int64_t i = 0; i < e; ++i) row[i] += type0[i];
      if (w_.position_embd.rows > 0) {
        (void)kernels::dequantize_row(w_.position_embd.type, row_ptr(w_.position_embd, static_cast<std::int64_t>(p)),
                                      tmp.data(), e);
        for (std::int64_t i = 0; i < e; ++i) row[i] += tmp[i];
      }
      layer_norm(row, w_.embd_norm, e, hp_.norm_eps);
    }
  }

  const bool nomic = hp_.kind == EncoderKind::kNomicBert;
  std::vector<float> q(static_cast<std::size_t>(n * e)), k(q.size()), v(q.size()), attn(q.size()), h(q.size());
  std::vector<float> qkv(nomic ? static_cast<std::size_t>(n * 3 * e) : 0);
  std::vector<float> up(static_cast<std::size_t>(n * ff)), gate(nomic ? up.size() : 0);
  const int n_jobs = pool.size();
  std::vector<float> scores(static_cast<std::size_t>(n_jobs * max_len));
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const kernels::RopeParams rope{.n_rot = static_cast<std::int32_t>(hd),
                                 .head_dim = static_cast<std::int32_t>(hd),
                                 .freq_base = hp_.rope_freq_base,
                                 .mode = kernels::RopeMode::kNeox};

  for (const auto& l : w_.layers) {
    if (nomic) {
      linear(l.wqkv, nullptr, x.data(), n, qkv.data(), pool);
      for (std::int64_t t = 0; t < n; ++t) {
        const float* src = qkv.data() + t * 3 * e;
        std::copy(src, src + e, q.data() + t * e);
        std::copy(src + e, src + 2 * e, k.data() + t * e);
        std::copy(src + 2 * e, src + 3 * e, v.data() + t * e);
      }
      for (std::size_t s = 0; s < seqs.size(); ++s) {
        for (std::int64_t p = 0; p < static_cast<std::int64_t>(seqs[s].size()); ++p) {
          kernels::rope(q.data() + (start[s] + p) * e, n_head, static_cast<std::int32_t>(p), rope);
          kernels::rope(k.data() + (start[s] + p) * e, n_head, static_cast<std::int32_t>(p), rope);
        }
      }
    } else {
      linear(l.wq, l.bq, x.data(), n, q.data(), pool);
      linear(l.wk, l.bk, x.data(), n, k.data(), pool);
      linear(l.wv, l.bv, x.data(), n, v.data(), pool);
    }
    // Bidirectional attention inside each sequence; (sequence, head) pairs shared among the pool's threads.
    const std::int64_t n_items = static_cast<std::int64_t>(seqs.size()) * n_head;
    pool.run([&](int job, int n_job) {
      float* sc = scores.data() + static_cast<std::int64_t>(job) * max_len;
      for (std::int64_t item = job; item < n_items; item += n_job) {
        const std::int64_t s = item / n_head;
        const std::int64_t head = item % n_head;
        const std::int64_t s0 = start[s];
        const std::int64_t len = start[s + 1] - s0;
        for (std::int64_t i = 0; i < len; ++i) {
          const float* qi = q.data() + (s0 + i) * e + head * hd;
          for (std::int64_t j = 0; j < len; ++j) {
            const float* kj = k.data() + (s0 + j) * e + head * hd;
            float dot = 0;
            for (std::int64_t d = 0; d < hd; ++d) dot += qi[d] * kj[d];
            sc[j] = dot * scale;
          }
          kernels::softmax(sc, len);
          float* o = attn.data() + (s0 + i) * e + head * hd;
          std::fill(o, o + hd, 0.0f);
          for (std::int64_t j = 0; j < len; ++j) {
            const float* vj = v.data() + (s0 + j) * e + head * hd;
            const float pj = sc[j];
            for (std::int64_t d = 0; d < hd; ++d) o[d] += pj * vj[d];
          }
        }
      }
    });
    linear(l.wo, l.bo, attn.data(), n, h.data(), pool);
    for (std::int64_t t = 0; t < n; ++t) {
      float* row = h.data() + t * e;
      const float* res = x.data() + t * e;
      for (std::int64_t i = 0; i < e; ++i) row[i] += res[i];
      layer_norm(row, l.attn_out_norm, e, hp_.norm_eps);
    }
    linear(l.w_up, l.b_up, h.data(), n, up.data(), pool);
    if (nomic) {
      linear(l.w_gate, nullptr, h.data(), n, gate.data(), pool);
      kernels::swiglu(gate.data(), up.data(), n * ff);
      std::swap(gate, up);
    } else {
      for (float& u : up) u = gelu(u);
    }
    linear(l.w_down, l.b_down, up.data(), n, x.data(), pool);
    for (std::int64_t t = 0; t < n; ++t) {
      float* row = x.data() + t * e;
      const float* res = h.data() + t * e;
      for (std::int64_t i = 0; i < e; ++i) row[i] += res[i];
      layer_norm(row, l.layer_out_norm, e, hp_.norm_eps);
    }
  }

  // Pooling.
  out.resize(seqs.size());
  std::vector<float> pooled(static_cast<std::size_t>(static_cast<std::int64_t>(seqs.size()) * e));
  for (std::size_t s = 0; s < seqs.size(); ++s) {
    float* dst = pooled.data() + static_cast<std::int64_t>(s) * e;
    const std::int64_t len = start[s + 1] - start[s];
    switch (hp_.pooling) {
      case Pooling::kMean: {
        std::fill(dst, dst + e, 0.0f);
        for (std::int64_t t = start[s]; t < start[s + 1]; ++t) {
          for (std::int64_t i = 0; i < e; ++i) dst[i] += x[static_cast<std::size_t>(t * e + i)];
        }
        for (std::int64_t i = 0; i < e; ++i) dst[i] /= static_cast<float>(len);
        break;
      }
      case Pooling::kLast:
        std::copy_n(x.data() + (start[s + 1] - 1) * e, e, dst);
        break;
      case Pooling::kNone:
      case Pooling::kCls:
      case Pooling::kRank:
        std::copy_n(x.data() + start[s] * e, e, dst);
        break;
    }
  }
  const auto n_seq = static_cast<std::int64_t>(seqs.size());
  if (hp_.pooling != Pooling::kRank) {
    for (std::size_t s = 0; s < seqs.size(); ++s) {
      out[s].assign(pooled.begin() + static_cast<std::int64_t>(s) * e, pooled.begin() + static_cast<std::int64_t>(s + 1) * e);
    }
    return out;
  }
  const std::int64_t n_cls = w_.cls.rows;
  std::vector<float> hidden(static_cast<std::size_t>(n_seq * n_cls));
  linear(w_.cls, w_.cls_b, pooled.data(), n_seq, hidden.data(), pool);
  for (float& y : hidden) y = std::tanh(y);
  if (w_.cls_out.rows == 0) {
    for (std::int64_t s = 0; s < n_seq; ++s) out[s].assign(hidden.begin() + s * n_cls, hidden.begin() + (s + 1) * n_cls);
    return out;
  }
  const std::int64_t n_out = w_.cls_out.rows;
  std::vector<float> logits(static_cast<std::size_t>(n_seq * n_out));
  linear(w_.cls_out, w_.cls_out_b, hidden.data(), n_seq, logits.data(), pool);
  for (std::int64_t s = 0; s < n_seq; ++s) out[s].assign(logits.begin() + s * n_out, logits.begin() + (s + 1) * n_out);
  return out;
}

}  // namespace sovra::model
