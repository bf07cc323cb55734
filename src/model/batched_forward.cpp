#include "model/batched_forward.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "kernels/matmul.hpp"
#include "kernels/ops.hpp"
#include "kernels/quant.hpp"
#include "kernels/thread_pool.hpp"

namespace sovra::model {
namespace {

kernels::WeightView view(const Matrix& m) {
  return kernels::WeightView{m.type, m.data, m.rows, m.cols, m.layout};
}

void add_row(float* x, const float* y, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) x[i] += y[i];
}

template <typename V>
void grow(V& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

BatchedForward::BatchedForward(const Model& model, kernels::ThreadPool& pool) : model_(model), pool_(pool) {}

template <typename F>
void BatchedForward::per_token(std::int64_t n, F&& f) {
  if (n == 1 || pool_.size() == 1) {
    for (std::int64_t i = 0; i < n; ++i) f(i);
    return;
  }
  pool_.run([&](int thread, int n_threads) {
    for (std::int64_t i = thread; i < n; i += n_threads) f(i);
  });
}

Status BatchedForward::validate(std::span<const BatchItem> items, const PagedKvCache& kv) const {
  const auto& hp = model_.hparams();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const BatchItem& it = items[i];
    if (it.tokens.empty()) return Error::invalid(fmt::format("batch item {} has no tokens", i));
    if (it.pos0 < 0) return Error::invalid(fmt::format("batch item {} starts at a negative position", i));
    for (auto t : it.tokens) {
      if (t < 0 || static_cast<std::uint32_t>(t) >= hp.n_vocab) {
        return Error::invalid(fmt::format("token id {} is outside the vocabulary ({})", t, hp.n_vocab));
      }
    }
    const std::int64_t end = it.pos0 + static_cast<std::int64_t>(it.tokens.size());
    const std::int64_t blocks = (end + kv.block_size() - 1) / kv.block_size();
    if (static_cast<std::int64_t>(it.block_table.size()) < blocks) {
      return Error::invalid(fmt::format("batch item {}: block table holds {} blocks, positions up to {} need {}", i,
                                        it.block_table.size(), end, blocks));
    }
    for (std::int64_t b = 0; b < blocks; ++b) {
      const auto id = it.block_table[static_cast<std::size_t>(b)];
      if (id < 0 || id >= kv.n_blocks()) return Error::invalid(fmt::format("block id {} is outside the cache", id));
    }
  }
  return {};
}

void BatchedForward::reserve(std::int64_t n_tokens, std::int32_t max_pos) {
  const auto& hp = model_.hparams();
  const auto n = static_cast<std::size_t>(n_tokens);
  grow(x_, n * hp.n_embd);
  grow(xn_, n * hp.n_embd);
  grow(q_, n * hp.n_embd_q());
  grow(k_, n * hp.n_embd_kv());
  grow(v_, n * hp.n_embd_kv());
  grow(attn_, n * hp.n_embd_q());
  grow(gate_, n * hp.n_ff);
  grow(up_, n * hp.n_ff);
  scores_stride_ = std::max(scores_stride_, kernels::kAttendGroupHeads * (max_pos + 1));
  grow(scores_, static_cast<std::size_t>(pool_.size()) * static_cast<std::size_t>(scores_stride_));
}

// Causal attention of every token over its own sequence's blocks, one work item per (token, KV head): the
// group of query heads sharing that KV head reads its K and V rows once (kernels::attend_group). Items are dealt
// to the threads round-robin, so prompt tokens (whose cost grows with the position) spread evenly; an item's
// arithmetic does not depend on the thread or on the other items.
void BatchedForward::attention(std::int32_t layer, std::int64_t n_tokens, const PagedKvCache& kv) {
  const auto& hp = model_.hparams();
  const std::int64_t q_dim = hp.n_embd_q();
  const auto head_dim = static_cast<std::int32_t>(hp.head_dim);
  const auto n_head_kv = static_cast<std::int64_t>(hp.n_head_kv);
  const auto group = static_cast<std::int32_t>(hp.n_head / hp.n_head_kv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const std::int64_t n_items = n_tokens * n_head_kv;
  pool_.run([&](int thread, int n_threads) {
    float* scores = scores_.data() + static_cast<std::size_t>(thread) * static_cast<std::size_t>(scores_stride_);
    for (std::int64_t item = thread; item < n_items; item += n_threads) {
      const std::int64_t t = item / n_head_kv;
      const auto g = static_cast<std::int32_t>(item % n_head_kv);
      const BatchItem& it = items_[tok_item_[static_cast<std::size_t>(t)]];
      kernels::PagedRows k = kv.k_rows(layer, g, head_dim);
      kernels::PagedRows v = kv.v_rows(layer, g, head_dim);
      k.block_table = it.block_table.data();
      v.block_table = it.block_table.data();
      const std::int64_t q_off = t * q_dim + static_cast<std::int64_t>(g) * group * head_dim;
      kernels::attend_group(q_.data() + q_off, head_dim, group, k, v, tok_pos_[static_cast<std::size_t>(t)] + 1,
                            head_dim, scale, scores, attn_.data() + q_off, head_dim);
    }
  });
}

Status BatchedForward::forward(std::span<const BatchItem> items, PagedKvCache& kv, std::vector<float>& logits) {
  SOVRA_CHECK(validate(items, kv));
  const auto& hp = model_.hparams();
  const auto& w = model_.weights();
  const std::int64_t embd = hp.n_embd;
  const std::int64_t q_dim = hp.n_embd_q();
  const std::int64_t kv_dim = hp.n_embd_kv();
  const std::int64_t ff = hp.n_ff;
  const kernels::RopeParams rope{
      .n_rot = static_cast<std::int32_t>(hp.n_rot),
      .head_dim = static_cast<std::int32_t>(hp.head_dim),
      .freq_base = hp.rope_freq_base,
      .freq_scale = hp.rope_scaling == RopeScaling::kLinear ? 1.0f / hp.rope_scale_factor : 1.0f,
      .freq_factors = w.rope_freqs,
      .mode = hp.rope_style == RopeStyle::kNeox ? kernels::RopeMode::kNeox : kernels::RopeMode::kNormal};

  // Flatten: token t belongs to item tok_item_[t] at position tok_pos_[t].
  tok_item_.clear();
  tok_pos_.clear();
  std::int32_t max_pos = 0;
  std::vector<std::int64_t> logit_rows;
  for (std::size_t i = 0; i < items.size(); ++i) {
    for (std::size_t j = 0; j < items[i].tokens.size(); ++j) {
      tok_item_.push_back(static_cast<std::int32_t>(i));
      tok_pos_.push_back(items[i].pos0 + static_cast<std::int32_t>(j));
    }
    max_pos = std::max(max_pos, tok_pos_.back());
    const auto end = static_cast<std::int64_t>(tok_item_.size());
    if (items[i].all_logits) {
      for (auto t = end - static_cast<std::int64_t>(items[i].tokens.size()); t < end; ++t) logit_rows.push_back(t);
    } else if (items[i].want_logits) {
      logit_rows.push_back(end - 1);
    }
  }
  const auto n = static_cast<std::int64_t>(tok_item_.size());
  reserve(n, max_pos);
  items_ = items.data();

  const auto& te = w.token_embd;
  const auto row_bytes = static_cast<std::size_t>(kernels::row_bytes(te.type, te.cols));
  std::int64_t t = 0;
  for (const BatchItem& it : items) {
    for (auto tok : it.tokens) {
      const auto* row = static_cast<const std::byte*>(te.data) + static_cast<std::size_t>(tok) * row_bytes;
      (void)kernels::dequantize_row(te.type, row, x_.data() + t * embd, embd);  // checked at load
      ++t;
    }
  }

  // Each token's rotation angles, once for all layers.
  const std::int64_t half = hp.n_rot / 2;
  grow(rope_cos_, static_cast<std::size_t>(n * half));
  grow(rope_sin_, static_cast<std::size_t>(n * half));
  per_token(n, [&](std::int64_t i) {
    kernels::rope_angles(tok_pos_[static_cast<std::size_t>(i)], rope, rope_cos_.data() + i * half,
                         rope_sin_.data() + i * half);
  });

  // The per-token work between the matmuls runs on the pool, a token per index (each token's arithmetic is the
  // same whichever thread does it). The residual add of a layer's FFN is done with the next layer's norm.
  const std::int32_t bs = kv.block_size();
  for (std::uint32_t il = 0; il < hp.n_layer; ++il) {
    const auto layer = static_cast<std::int32_t>(il);
    const auto& L = w.layers[il];
    per_token(n, [&](std::int64_t i) {
      float* x = x_.data() + i * embd;
      if (il > 0) add_row(x, xn_.data() + i * embd, embd);
      kernels::rms_norm(x, L.attn_norm, xn_.data() + i * embd, embd, hp.rms_eps);
    });
    {
      const kernels::WeightView qkv[] = {view(L.wq), view(L.wk), view(L.wv)};
      float* const out[] = {q_.data(), k_.data(), v_.data()};
      kernels::matmul_many(qkv, xn_.data(), n, out, pool_);
    }
    per_token(n, [&](std::int64_t i) {
      float* q = q_.data() + i * q_dim;
      float* k = k_.data() + i * kv_dim;
      float* v = v_.data() + i * kv_dim;
      if (L.bq != nullptr) add_row(q, L.bq, q_dim);
      if (L.bk != nullptr) add_row(k, L.bk, kv_dim);
      if (L.bv != nullptr) add_row(v, L.bv, kv_dim);
      const std::int32_t pos = tok_pos_[static_cast<std::size_t>(i)];
      const BatchItem& it = items[static_cast<std::size_t>(tok_item_[static_cast<std::size_t>(i)])];
      const float* cs = rope_cos_.data() + i * half;
      const float* sn = rope_sin_.data() + i * half;
      kernels::rope_rotate(q, static_cast<std::int32_t>(hp.n_head), cs, sn, rope);
      kernels::rope_rotate(k, static_cast<std::int32_t>(hp.n_head_kv), cs, sn, rope);
      const std::int32_t block = it.block_table[static_cast<std::size_t>(pos / bs)];
      kv.store(layer, block, pos % bs, k, v);
    });
    attention(layer, n, kv);
    kernels::matmul(view(L.wo), attn_.data(), n, xn_.data(), pool_);
    per_token(n, [&](std::int64_t i) {
      float* x = x_.data() + i * embd;
      add_row(x, xn_.data() + i * embd, embd);
      kernels::rms_norm(x, L.ffn_norm, xn_.data() + i * embd, embd, hp.rms_eps);
    });
    {
      const kernels::WeightView gate_up[] = {view(L.w_gate), view(L.w_up)};
      float* const out[] = {gate_.data(), up_.data()};
      kernels::matmul_many(gate_up, xn_.data(), n, out, pool_);
    }
    per_token(n, [&](std::int64_t i) { kernels::swiglu(gate_.data() + i * ff, up_.data() + i * ff, ff); });
    kernels::matmul(view(L.w_down), gate_.data(), n, xn_.data(), pool_);
  }
  // The last FFN's residual, for the rows whose logits are wanted (the others are not needed any more).
  for (const std::int64_t r : logit_rows) add_row(x_.data() + r * embd, xn_.data() + r * embd, embd);

  // Only the rows whose logits are wanted go through the output matrix, all in one matmul.
  const auto rows = static_cast<std::int64_t>(logit_rows.size());
  logits.resize(static_cast<std::size_t>(rows) * hp.n_vocab);
  if (rows == 0) return {};
  for (std::int64_t r = 0; r < rows; ++r) {
    kernels::rms_norm(x_.data() + logit_rows[static_cast<std::size_t>(r)] * embd, w.output_norm, xn_.data() + r * embd,
                      embd, hp.rms_eps);
  }
  kernels::matmul(view(w.output), xn_.data(), rows, logits.data(), pool_);
  return {};
}

}  // namespace sovra::model
