#include "kernels/matmul.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <vector>

#include <fmt/format.h>

#include "kernels/cpu/kernel_table.hpp"
#include "kernels/packed.hpp"
#include "kernels/quant.hpp"

namespace sovra::kernels {
namespace {

using cpu::kMaxTile;
using cpu::PackedKernels;
using cpu::TypeKernels;

// Mat-vec: a claim takes 1 / (kGuidedShare * threads) of the rows left, at least kMinChunkRows, so a thread slowed
// down by another process hands its share to the others and the last claims are small.
constexpr std::int64_t kGuidedShare = 2;
constexpr std::int64_t kMinChunkRows = 16;
// Mat-mat: work items per thread at least, for balance.
constexpr std::int64_t kChunksPerThread = 4;
// Mat-mat: weight rows per work item, sized so the item's weights and one tile of activations stay in L1.
constexpr std::int64_t kTileWeightBytes = std::int64_t{16} * 1024;
constexpr std::int64_t kMaxTileRows = 32;
// Below this many elements the caller encodes the activations alone; above, the pool shares the work. A single
// token's row (2 048-5 632 elements in a 1B model) stays on the caller; from 4 tokens of 2 048 the rows are split
// (an 8-sequence decode step of TinyLlama: ~88 encodes, 27.9-31.6 -> 27.0-28.8 ms with 64 Ki here before).
constexpr std::int64_t kParallelQuantizeElements = std::int64_t{8} * 1024;

struct Activations {
  const std::uint8_t* data = nullptr;
  std::int64_t row_bytes = 0;
};

// The calling thread's buffer for encoded activations; it only grows.
std::vector<std::uint8_t>& scratch() {
  thread_local std::vector<std::uint8_t> buffer;
  return buffer;
}

Activations encode_rows(cpu::QuantizeRowFn quantize, std::int64_t act_row, const float* x, std::int64_t n_tokens,
                        std::int64_t cols, ThreadPool& pool) {
  std::vector<std::uint8_t>& buffer = scratch();
  const auto needed = static_cast<std::size_t>(act_row * n_tokens);
  if (buffer.size() < needed) buffer.resize(needed);
  std::uint8_t* out = buffer.data();
  auto encode = [&](std::int64_t t) { quantize(x + t * cols, out + t * act_row, cols); };
  if (n_tokens * cols < kParallelQuantizeElements || pool.size() == 1) {
    for (std::int64_t t = 0; t < n_tokens; ++t) encode(t);
  } else {
    pool.run([&](int i, int n) {
      for (std::int64_t t = i; t < n_tokens; t += n) encode(t);
    });
  }
  return {out, act_row};
}

Activations encode_activations(const TypeKernels& k, const float* x, std::int64_t n_tokens, std::int64_t cols,
                               ThreadPool& pool) {
  if (k.act_type == gguf::GgmlType::kF32) {
    return {reinterpret_cast<const std::uint8_t*>(x), cols * static_cast<std::int64_t>(sizeof(float))};
  }
  if (k.gemm != nullptr) return encode_rows(k.gemm->encode_act, k.gemm->act_row_bytes(cols), x, n_tokens, cols, pool);
  return encode_rows(cpu::kernels_for(k.act_type)->quantize_row, row_bytes(k.act_type, cols), x, n_tokens, cols, pool);
}

// Claims the next rows [first, first + count) of `total`: a share of what is left that shrinks as the work runs
// out (guided scheduling), so threads finish together without paying for many small claims up front.
struct RowRange {
  std::int64_t first = 0;
  std::int64_t count = 0;
};

RowRange claim_rows(std::atomic<std::int64_t>& next, std::int64_t total, std::int64_t min_rows, int threads) {
  std::int64_t first = next.load(std::memory_order_relaxed);
  for (;;) {
    if (first >= total) return {};
    const std::int64_t share = (total - first) / (kGuidedShare * threads);
    const std::int64_t count = std::min(total - first, std::max(min_rows, share));
    if (next.compare_exchange_weak(first, first + count, std::memory_order_relaxed)) return {first, count};
  }
}

void matvec(const TypeKernels& k, const WeightView& w, std::int64_t w_row, const Activations& act, float* y,
            ThreadPool& pool) {
  std::atomic<std::int64_t> next{0};
  const auto* base = static_cast<const std::uint8_t*>(w.data);
  pool.run([&](int, int n) {
    for (RowRange r; (r = claim_rows(next, w.rows, kMinChunkRows, n)).count > 0;) {
      for (std::int64_t i = r.first; i < r.first + r.count; ++i) y[i] = k.vec_dot(w.cols, base + i * w_row, act.data);
    }
  });
}

void matmat(const TypeKernels& k, const WeightView& w, std::int64_t w_row, const Activations& act,
            std::int64_t n_tokens, float* y, ThreadPool& pool) {
  std::int64_t tile_rows = std::clamp<std::int64_t>(kTileWeightBytes / w_row, 1, kMaxTileRows);
  tile_rows = std::max<std::int64_t>(1, std::min(tile_rows, w.rows / (pool.size() * kChunksPerThread)));
  std::atomic<std::int64_t> next{0};
  const auto* base = static_cast<const std::uint8_t*>(w.data);
  pool.run([&](int, int) {
    for (;;) {
      const std::int64_t r0 = next.fetch_add(tile_rows, std::memory_order_relaxed);
      if (r0 >= w.rows) break;
      const std::int64_t r1 = std::min(r0 + tile_rows, w.rows);
      for (std::int64_t t0 = 0; t0 < n_tokens; t0 += kMaxTile) {
        const int nt = static_cast<int>(std::min<std::int64_t>(kMaxTile, n_tokens - t0));
        const std::uint8_t* a = act.data + t0 * act.row_bytes;
        for (std::int64_t r = r0; r < r1; ++r) {
          k.vec_dot_tile(w.cols, base + r * w_row, a, act.row_bytes, nt, y + t0 * w.rows + r, w.rows);
        }
      }
    }
  });
}

// The gemm path: rows are claimed as in matvec (n_tokens == 1) or in cache-sized tiles of whole register blocks
// (n_tokens > 1); the kernel blocks rows and tokens in registers.
void gemm(const TypeKernels& k, const WeightView& w, std::int64_t w_row, const Activations& act, std::int64_t n_tokens,
          float* y, ThreadPool& pool) {
  const auto* base = static_cast<const std::uint8_t*>(w.data);
  std::atomic<std::int64_t> next{0};
  if (n_tokens == 1) {
    pool.run([&](int, int n) {
      for (RowRange r; (r = claim_rows(next, w.rows, kMinChunkRows, n)).count > 0;) {
        k.gemm->gemm(w.cols, base + r.first * w_row, w_row, r.count, act.data, act.row_bytes, 1, y + r.first, w.rows);
      }
    });
    return;
  }
  constexpr std::int64_t kRowBlock = 4;
  std::int64_t tile_rows = std::clamp<std::int64_t>(kTileWeightBytes / w_row, 1, kMaxTileRows);
  tile_rows = std::max<std::int64_t>(1, std::min(tile_rows, w.rows / (pool.size() * kChunksPerThread)));
  tile_rows = (tile_rows + kRowBlock - 1) / kRowBlock * kRowBlock;
  pool.run([&](int, int) {
    for (;;) {
      const std::int64_t r0 = next.fetch_add(tile_rows, std::memory_order_relaxed);
      if (r0 >= w.rows) break;
      const std::int64_t count = std::min(tile_rows, w.rows - r0);
      k.gemm->gemm(w.cols, base + r0 * w_row, w_row, count, act.data, act.row_bytes, n_tokens, y + r0, w.rows);
    }
  });
}

// The packed kernels' unit of work: two groups where the kernel has gemm2 (which shares its activation loads
// between them), one otherwise; a matrix's last unit may hold one group only.
std::int64_t groups_per_unit(const PackedKernels& pk) { return pk.gemm2 != nullptr ? 2 : 1; }
std::int64_t units_of(std::int64_t groups, std::int64_t per_unit) { return (groups + per_unit - 1) / per_unit; }

// Groups [g0, g0 + count) of the packed matrix at base (gb bytes per group) into y (row stride y_stride): pairs
// through gemm2 where there is one, the rest through gemm16.
void run_groups(const PackedKernels& pk, std::int64_t cols, const std::uint8_t* base, std::int64_t gb, std::int64_t g0,
                std::int64_t count, const Activations& act, std::int64_t n_tokens, float* y, std::int64_t y_stride) {
  std::int64_t g = g0;
  if (pk.gemm2 != nullptr) {
    for (; g + 2 <= g0 + count; g += 2) {
      pk.gemm2(cols, base + g * gb, act.data, act.row_bytes, n_tokens, y + g * kPackedGroupRows, y_stride);
    }
  }
  for (; g < g0 + count; ++g) {
    pk.gemm16(cols, base + g * gb, act.data, act.row_bytes, n_tokens, y + g * kPackedGroupRows, y_stride);
  }
}

// Weights in a packed layout: whole 16-row groups through the packed kernel, claimed as rows are in gemm (guided,
// at least one group); the rows % 16 plain rows after them through the plain path, into a buffer, before the
// packed activations take the scratch buffer.
void packed_matmul(const TypeKernels& k, const WeightView& w, const float* x, std::int64_t n_tokens, float* y,
                   ThreadPool& pool) {
  const std::int64_t groups = w.rows / kPackedGroupRows;
  const std::int64_t done = groups * kPackedGroupRows;
  const std::int64_t gb = group_bytes(w.layout, w.cols);
  const auto* base = static_cast<const std::uint8_t*>(w.data);
  if (done < w.rows) {
    const std::int64_t tail = w.rows - done;
    std::vector<float> yt(static_cast<std::size_t>(tail * n_tokens));
    matmul(WeightView{.type = w.type, .data = base + groups * gb, .rows = tail, .cols = w.cols}, x, n_tokens, yt.data(),
           pool);
    for (std::int64_t t = 0; t < n_tokens; ++t) {
      std::copy_n(yt.data() + t * tail, tail, y + t * w.rows + done);
    }
  }
  if (groups == 0) return;
  std::atomic<std::int64_t> next{0};
  if (k.packed == nullptr) {
    // No packed kernel (reference kernels forced, or no AVX-512): each row back in GGUF layout, then vec_dot.
    const Activations act = encode_activations(k, x, n_tokens, w.cols, pool);
    const std::int64_t w_row = row_bytes(w.type, w.cols);
    pool.run([&](int, int n) {
      std::vector<std::uint8_t> row(static_cast<std::size_t>(w_row));
      for (RowRange r; (r = claim_rows(next, done, kMinChunkRows, n)).count > 0;) {
        for (std::int64_t i = r.first; i < r.first + r.count; ++i) {
          unpack_row(w, i, row.data());
          for (std::int64_t t = 0; t < n_tokens; ++t) {
            y[t * w.rows + i] = k.vec_dot(w.cols, row.data(), act.data + t * act.row_bytes);
          }
        }
      }
    });
    return;
  }
  const Activations act = encode_rows(k.packed->encode_act, k.packed->act_row_bytes(w.cols), x, n_tokens, w.cols, pool);
  const std::int64_t per_unit = groups_per_unit(*k.packed);
  pool.run([&](int, int n) {
    for (RowRange r; (r = claim_rows(next, units_of(groups, per_unit), 1, n)).count > 0;) {
      const std::int64_t g0 = r.first * per_unit;
      run_groups(*k.packed, w.cols, base, gb, g0, std::min(groups, (r.first + r.count) * per_unit) - g0, act, n_tokens,
                 y, w.rows);
    }
  });
}

// Whether matmul_many can run ws in one parallel region: all in the same packed layout with its kernel, the
// same cols, whole groups only.
bool shareable(std::span<const WeightView> ws) {
  if (ws.empty() || ws[0].layout == WeightLayout::kRows) return false;
  const TypeKernels* k = cpu::kernels_for(ws[0].type);
  if (k == nullptr || k->packed == nullptr) return false;
  for (const WeightView& w : ws) {
    if (w.layout != ws[0].layout || w.type != ws[0].type || w.cols != ws[0].cols) return false;
    if (w.rows % kPackedGroupRows != 0) return false;
  }
  return true;
}

}  // namespace

void matmul_many(std::span<const WeightView> ws, const float* x, std::int64_t n_tokens, std::span<float* const> ys,
                 ThreadPool& pool) {
  assert(ws.size() == ys.size());
  if (n_tokens <= 0) return;
  if (!shareable(ws)) {
    for (std::size_t i = 0; i < ws.size(); ++i) matmul(ws[i], x, n_tokens, ys[i], pool);
    return;
  }
  const TypeKernels& k = *cpu::kernels_for(ws[0].type);
  const std::int64_t cols = ws[0].cols;
  const std::int64_t gb = group_bytes(ws[0].layout, cols);
  constexpr std::size_t kMax = 8;
  assert(ws.size() <= kMax);
  // Units of work (groups_per_unit) numbered across the weights; a unit never spans two weights.
  const std::int64_t per_unit = groups_per_unit(*k.packed);
  std::int64_t first_unit[kMax + 1] = {};
  for (std::size_t i = 0; i < ws.size(); ++i) {
    first_unit[i + 1] = first_unit[i] + units_of(ws[i].rows / kPackedGroupRows, per_unit);
  }
  const std::int64_t total = first_unit[ws.size()];
  const Activations act = encode_rows(k.packed->encode_act, k.packed->act_row_bytes(cols), x, n_tokens, cols, pool);
  std::atomic<std::int64_t> next{0};
  pool.run([&](int, int n) {
    for (RowRange r; (r = claim_rows(next, total, 1, n)).count > 0;) {
      std::size_t i = 0;
      for (std::int64_t u = r.first; u < r.first + r.count;) {
        while (u >= first_unit[i + 1]) ++i;
        // The claimed units of weight i, as a run of its groups.
        const std::int64_t u_end = std::min(r.first + r.count, first_unit[i + 1]);
        const std::int64_t groups = ws[i].rows / kPackedGroupRows;
        const std::int64_t g0 = (u - first_unit[i]) * per_unit;
        const std::int64_t g1 = std::min(groups, (u_end - first_unit[i]) * per_unit);
        run_groups(*k.packed, cols, static_cast<const std::uint8_t*>(ws[i].data), gb, g0, g1 - g0, act, n_tokens, ys[i],
                   ws[i].rows);
        u = u_end;
      }
    }
  });
}

Status check_weight(const WeightView& w) {
  const TypeKernels* k = cpu::reference_kernels(w.type);
  if (k == nullptr || k->vec_dot == nullptr) {
    return Error::invalid(fmt::format("no CPU matmul kernels for tensor type {}", gguf::type_name(w.type)));
  }
  if (w.rows <= 0) return Error::invalid(fmt::format("weight matrix has {} rows", w.rows));
  SOVRA_CHECK(check_row(w.type, w.cols));
  if (w.data == nullptr) return Error::invalid("weight matrix has no data");
  return {};
}

void matmul(const WeightView& w, const float* x, std::int64_t n_tokens, float* y, ThreadPool& pool) {
  assert(check_weight(w).has_value());
  if (n_tokens <= 0) return;
  const TypeKernels& k = *cpu::kernels_for(w.type);
  if (w.layout != WeightLayout::kRows) {
    packed_matmul(k, w, x, n_tokens, y, pool);
    return;
  }
  const std::int64_t w_row = row_bytes(w.type, w.cols);
  const Activations act = encode_activations(k, x, n_tokens, w.cols, pool);
  if (k.gemm != nullptr) {
    gemm(k, w, w_row, act, n_tokens, y, pool);
  } else if (n_tokens == 1) {
    matvec(k, w, w_row, act, y, pool);
  } else {
    matmat(k, w, w_row, act, n_tokens, y, pool);
  }
}

}  // namespace sovra::kernels
