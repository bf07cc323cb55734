#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "kernels/matmul.hpp"
#include "kernels/ops.hpp"
#include "kernels/quant.hpp"
#include "kernels/thread_pool.hpp"
#include "model/model.hpp"

namespace sovra::model {
namespace {

kernels::WeightView view(const Matrix& m) {
  return kernels::WeightView{m.type, m.data, m.rows, m.cols, m.layout};
}

void add_bias(float* x, const float* b, std::int64_t n_tokens, std::int64_t n) {
  if (b == nullptr) return;
  for (std::int64_t t = 0; t < n_tokens; ++t) {
    for (std::int64_t i = 0; i < n; ++i) x[t * n + i] += b[i];
  }
}

}  // namespace

Context::Context(const Model& model, ContextOptions options) : model_(model), options_(options) {
  const auto& hp = model.hparams();
  if (options_.n_threads <= 0)
    options_.n_threads = static_cast<std::int32_t>(std::max(1u, std::thread::hardware_concurrency()));
  options_.n_batch = std::clamp(options_.n_batch, 1, std::max(1, options_.n_ctx));
  pool_ = std::make_unique<kernels::ThreadPool>(options_.n_threads);
  const auto kv = static_cast<std::size_t>(hp.n_layer) * options_.n_ctx * hp.n_embd_kv();
  k_cache_.assign(kv, 0.0f);
  v_cache_.assign(kv, 0.0f);
  const auto b = static_cast<std::size_t>(options_.n_batch);
  x_.resize(b * hp.n_embd);
  xn_.resize(b * hp.n_embd);
  q_.resize(b * hp.n_embd_q());
  k_.resize(b * hp.n_embd_kv());
  v_.resize(b * hp.n_embd_kv());
  attn_.resize(b * hp.n_embd_q());
  gate_.resize(b * hp.n_ff);
  up_.resize(b * hp.n_ff);
  scores_.resize(static_cast<std::size_t>(pool_->size()) * options_.n_ctx);
}

Context::~Context() = default;

std::uint64_t Context::kv_bytes() const { return (k_cache_.size() + v_cache_.size()) * sizeof(float); }

Result<std::span<const float>> Context::eval(std::span<const std::int32_t> tokens, bool all_logits) {
  const auto& hp = model_.hparams();
  if (tokens.empty()) return Error::invalid("eval needs at least one token");
  for (auto t : tokens) {
    if (t < 0 || static_cast<std::uint32_t>(t) >= hp.n_vocab) {
      return Error::invalid("token id " + std::to_string(t) + " is outside the vocabulary (" +
                            std::to_string(hp.n_vocab) + ")");
    }
  }
  if (n_past_ + static_cast<std::int64_t>(tokens.size()) > options_.n_ctx) {
    return Error{ErrorCode::kInvalidArgument,
                 "context is full: " + std::to_string(n_past_) + " + " + std::to_string(tokens.size()) +
                     " tokens exceed n_ctx " + std::to_string(options_.n_ctx),
                 {},
                 0};
  }
  const std::size_t n_out = all_logits ? tokens.size() : 1;
  logits_.resize(n_out * hp.n_vocab);
  std::size_t done = 0;
  while (done < tokens.size()) {
    const auto n = static_cast<std::int32_t>(std::min<std::size_t>(options_.n_batch, tokens.size() - done));
    const bool last = done + static_cast<std::size_t>(n) == tokens.size();
    float* out = all_logits ? logits_.data() + done * hp.n_vocab : (last ? logits_.data() : nullptr);
    forward_batch(tokens.data() + done, n, all_logits, out);
    done += static_cast<std::size_t>(n);
  }
  return std::span<const float>(logits_);
}

// One forward step over n tokens at positions n_past_ … n_past_+n-1. Writes logits of the last token to
// logits_out (or of all tokens with all_logits) unless logits_out is null.
void Context::forward_batch(const std::int32_t* tokens, std::int32_t n, bool all_logits, float* logits_out) {
  const auto& hp = model_.hparams();
  const auto& w = model_.weights();
  const std::int64_t embd = hp.n_embd;
  const std::int64_t q_dim = hp.n_embd_q();
  const std::int64_t kv_dim = hp.n_embd_kv();
  const std::int64_t ff = hp.n_ff;
  const std::int32_t head_dim = static_cast<std::int32_t>(hp.head_dim);
  const std::int32_t group = static_cast<std::int32_t>(hp.n_head / hp.n_head_kv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const kernels::RopeParams rope{
      .n_rot = static_cast<std::int32_t>(hp.n_rot),
      .head_dim = head_dim,
      .freq_base = hp.rope_freq_base,
      .freq_scale = hp.rope_scaling == RopeScaling::kLinear ? 1.0f / hp.rope_scale_factor : 1.0f,
      .freq_factors = w.rope_freqs,
      .mode = hp.rope_style == RopeStyle::kNeox ? kernels::RopeMode::kNeox : kernels::RopeMode::kNormal};

  // Embeddings: one row of token_embd per token, dequantized.
  const auto& te = w.token_embd;
  const auto row_bytes = static_cast<std::size_t>(kernels::row_bytes(te.type, te.cols));
  for (std::int32_t t = 0; t < n; ++t) {
    const auto* row = static_cast<const std::byte*>(te.data) + static_cast<std::size_t>(tokens[t]) * row_bytes;
    (void)kernels::dequantize_row(te.type, row, x_.data() + t * embd, embd);  // checked at load
  }

  for (std::uint32_t il = 0; il < hp.n_layer; ++il) {
    const auto& L = w.layers[il];
    float* kc = k_cache_.data() + static_cast<std::size_t>(il) * options_.n_ctx * kv_dim;
    float* vc = v_cache_.data() + static_cast<std::size_t>(il) * options_.n_ctx * kv_dim;

    for (std::int32_t t = 0; t < n; ++t)
      kernels::rms_norm(x_.data() + t * embd, L.attn_norm, xn_.data() + t * embd, embd, hp.rms_eps);
    {
      const kernels::WeightView qkv[] = {view(L.wq), view(L.wk), view(L.wv)};
      float* const out[] = {q_.data(), k_.data(), v_.data()};
      kernels::matmul_many(qkv, xn_.data(), n, out, *pool_);
    }
    add_bias(q_.data(), L.bq, n, q_dim);
    add_bias(k_.data(), L.bk, n, kv_dim);
    add_bias(v_.data(), L.bv, n, kv_dim);
    for (std::int32_t t = 0; t < n; ++t) {
      const std::int32_t pos = n_past_ + t;
      float cos_t[kernels::kMaxRopePairs];
      float sin_t[kernels::kMaxRopePairs];
      kernels::rope_angles(pos, rope, cos_t, sin_t);
      kernels::rope_rotate(q_.data() + t * q_dim, static_cast<std::int32_t>(hp.n_head), cos_t, sin_t, rope);
      kernels::rope_rotate(k_.data() + t * kv_dim, static_cast<std::int32_t>(hp.n_head_kv), cos_t, sin_t, rope);
      std::memcpy(kc + static_cast<std::size_t>(pos) * kv_dim, k_.data() + t * kv_dim, kv_dim * sizeof(float));
      std::memcpy(vc + static_cast<std::size_t>(pos) * kv_dim, v_.data() + t * kv_dim, kv_dim * sizeof(float));
    }
    // Attention: every (token, head) pair is independent; split them over the pool's threads.
    const std::int32_t n_items = n * static_cast<std::int32_t>(hp.n_head);
    pool_->run([&](int thread, int n_threads) {
      const std::int64_t begin = static_cast<std::int64_t>(n_items) * thread / n_threads;
      const std::int64_t end = static_cast<std::int64_t>(n_items) * (thread + 1) / n_threads;
      float* scratch = scores_.data() + static_cast<std::size_t>(thread) * options_.n_ctx;
      for (std::int64_t item = begin; item < end; ++item) {
        const auto t = static_cast<std::int32_t>(item / hp.n_head);
        const auto h = static_cast<std::int32_t>(item % hp.n_head);
        const std::int32_t kvh = h / group;
        kernels::attend_one(q_.data() + t * q_dim + h * head_dim, kc + kvh * head_dim, vc + kvh * head_dim, kv_dim,
                            n_past_ + t + 1, head_dim, scale, scratch, attn_.data() + t * q_dim + h * head_dim);
      }
    });
    kernels::matmul(view(L.wo), attn_.data(), n, xn_.data(), *pool_);
    for (std::int64_t i = 0; i < n * embd; ++i) x_[i] += xn_[i];

    for (std::int32_t t = 0; t < n; ++t)
      kernels::rms_norm(x_.data() + t * embd, L.ffn_norm, xn_.data() + t * embd, embd, hp.rms_eps);
    {
      const kernels::WeightView gate_up[] = {view(L.w_gate), view(L.w_up)};
      float* const out[] = {gate_.data(), up_.data()};
      kernels::matmul_many(gate_up, xn_.data(), n, out, *pool_);
    }
    kernels::swiglu(gate_.data(), up_.data(), n * ff);
    kernels::matmul(view(L.w_down), gate_.data(), n, xn_.data(), *pool_);
    for (std::int64_t i = 0; i < n * embd; ++i) x_[i] += xn_[i];
  }
  n_past_ += n;
  if (logits_out == nullptr) return;
  // Only the rows whose logits are wanted go through the output matrix.
  const std::int32_t first = all_logits ? 0 : n - 1;
  const std::int32_t rows = n - first;
  for (std::int32_t t = first; t < n; ++t) {
    kernels::rms_norm(x_.data() + t * embd, w.output_norm, xn_.data() + (t - first) * embd, embd, hp.rms_eps);
  }
  kernels::matmul(view(w.output), xn_.data(), rows, logits_out, *pool_);
}

}  // namespace sovra::model
