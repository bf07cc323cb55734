#include "kernels/packed.hpp"

#include <atomic>
#include <cstring>

#include "kernels/cpu/kernel_table.hpp"
#include "kernels/cpu/ref.hpp"
#include "kernels/quant.hpp"
#include "kernels/quant/blocks.hpp"

namespace sovra::kernels {
namespace {

using gguf::GgmlType;

constexpr std::int64_t kG = kPackedGroupRows;
constexpr std::int64_t kLane = 4;  // bytes of one row in one 64-byte slice

// --- Q4_0: block = d (2 bytes), qs[16]
constexpr std::int64_t kQ4_0Block = sizeof(BlockQ4_0);  // 18
constexpr std::int64_t kQ4_0Levels = 4 * 64;            // per block of a group
constexpr std::int64_t kQ4_0Scales = kG * 2;

void pack_q4_0(const std::uint8_t* rows, std::int64_t row, std::int64_t nb, std::uint8_t* g) {
  std::uint8_t* scales = g + nb * kQ4_0Levels;
  for (std::int64_t i = 0; i < kG; ++i) {
    const std::uint8_t* r = rows + i * row;
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* block = r + b * kQ4_0Block;
      std::memcpy(scales + b * kQ4_0Scales + 2 * i, block, 2);
      for (std::int64_t m = 0; m < 4; ++m) {
        std::memcpy(g + b * kQ4_0Levels + m * 64 + i * kLane, block + 2 + m * kLane, kLane);
      }
    }
  }
}

void unpack_q4_0(const std::uint8_t* g, std::int64_t nb, std::int64_t i, std::uint8_t* out) {
  const std::uint8_t* scales = g + nb * kQ4_0Levels;
  for (std::int64_t b = 0; b < nb; ++b) {
    std::uint8_t* block = out + b * kQ4_0Block;
    std::memcpy(block, scales + b * kQ4_0Scales + 2 * i, 2);
    for (std::int64_t m = 0; m < 4; ++m) {
      std::memcpy(block + 2 + m * kLane, g + b * kQ4_0Levels + m * 64 + i * kLane, kLane);
    }
  }
}

// --- Q4_K: super-block = d, dmin (2 bytes each), scales[12] (6-bit scales and mins), qs[128]
constexpr std::int64_t kQ4_KBlock = sizeof(BlockQ4_K);  // 144
constexpr std::int64_t kQ4_KLevels = 2048;
constexpr std::int64_t kQ4_KScaleOff = kQ4_KLevels;
constexpr std::int64_t kQ4_KMinOff = kQ4_KScaleOff + 8 * kG;
constexpr std::int64_t kQ4_KDOff = kQ4_KMinOff + 8 * kG;
static_assert(kQ4_KDOff + 4 * kG == kQ4_KSuperBytes);

void pack_q4_k(const std::uint8_t* rows, std::int64_t row, std::int64_t nb, std::uint8_t* g) {
  for (std::int64_t i = 0; i < kG; ++i) {
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* x = rows + i * row + b * kQ4_KBlock;  // d, dmin, scales[12], qs[128]
      std::uint8_t* s = g + b * kQ4_KSuperBytes;
      std::memcpy(s + kQ4_KDOff + 2 * i, x, 2);
      std::memcpy(s + kQ4_KDOff + 2 * kG + 2 * i, x + 2, 2);
      std::uint8_t sc[8];
      std::uint8_t mn[8];
      ref::unpack_scales_q4_k(x + 4, sc, mn);
      for (int j = 0; j < 8; ++j) s[kQ4_KScaleOff + kG * j + i] = sc[j];
      for (int h = 0; h < 2; ++h) std::memcpy(s + kQ4_KMinOff + 64 * h + kLane * i, mn + 4 * h, kLane);
      for (std::int64_t p = 0; p < 4; ++p) {
        for (std::int64_t m = 0; m < 8; ++m) {
          std::memcpy(s + p * 512 + m * 64 + i * kLane, x + 16 + 32 * p + kLane * m, kLane);
        }
      }
    }
  }
}

void unpack_q4_k(const std::uint8_t* g, std::int64_t nb, std::int64_t i, std::uint8_t* out) {
  for (std::int64_t b = 0; b < nb; ++b) {
    std::uint8_t* x = out + b * kQ4_KBlock;
    const std::uint8_t* s = g + b * kQ4_KSuperBytes;
    std::memcpy(x, s + kQ4_KDOff + 2 * i, 2);
    std::memcpy(x + 2, s + kQ4_KDOff + 2 * kG + 2 * i, 2);
    std::uint8_t sc[8];
    std::uint8_t mn[8];
    for (int j = 0; j < 8; ++j) sc[j] = s[kQ4_KScaleOff + kG * j + i];
    for (int h = 0; h < 2; ++h) std::memcpy(mn + 4 * h, s + kQ4_KMinOff + 64 * h + kLane * i, kLane);
    ref::pack_scales_q4_k(sc, mn, x + 4);
    for (std::int64_t p = 0; p < 4; ++p) {
      for (std::int64_t m = 0; m < 8; ++m) {
        std::memcpy(x + 16 + 32 * p + kLane * m, s + p * 512 + m * 64 + i * kLane, kLane);
      }
    }
  }
}

// --- Q6_K: super-block = ql[128], qh[64], scales[16] (int8), d; levels q in [0, 63] (ref::unpack_levels_q6_k).
constexpr std::int64_t kQ6_KBlock = sizeof(BlockQ6_K);  // 210
constexpr std::int64_t kQ6_KHighOff = 32 * 64;
constexpr std::int64_t kQ6_KScaleOff = kQ6_KHighOff + 16 * 64;
constexpr std::int64_t kQ6_KDOff = kQ6_KScaleOff + 16 * kG;
static_assert(kQ6_KDOff + 2 * kG == kQ6_KSuperBytes && kQ6_KSuperBytes == kG * kQ6_KBlock);

// Groups of 4 elements g = 0..63 (element 4g + k). Low slice m (0..31): low nibble group m, high nibble group
// m + 32. High slice m (0..15): bits 2j..2j+1 = the top 2 bits of group m + 16j.
void pack_q6_k(const std::uint8_t* rows, std::int64_t row, std::int64_t nb, std::uint8_t* g) {
  std::uint8_t q[kQkK];
  for (std::int64_t i = 0; i < kG; ++i) {
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* x = rows + i * row + b * kQ6_KBlock;
      std::uint8_t* s = g + b * kQ6_KSuperBytes;
      ref::unpack_levels_q6_k(x, q);
      for (int m = 0; m < 32; ++m) {
        for (int k = 0; k < 4; ++k) {
          s[64 * m + kLane * i + k] = static_cast<std::uint8_t>((q[4 * m + k] & 0xF) | (q[128 + 4 * m + k] & 0xF) << 4);
        }
      }
      for (int m = 0; m < 16; ++m) {
        for (int k = 0; k < 4; ++k) {
          int h = 0;
          for (int j = 0; j < 4; ++j) h |= (q[4 * (m + 16 * j) + k] >> 4) << (2 * j);
          s[kQ6_KHighOff + 64 * m + kLane * i + k] = static_cast<std::uint8_t>(h);
        }
      }
      for (int j = 0; j < 16; ++j) s[kQ6_KScaleOff + kG * j + i] = x[192 + j];
      std::memcpy(s + kQ6_KDOff + 2 * i, x + 208, 2);
    }
  }
}

void unpack_q6_k(const std::uint8_t* g, std::int64_t nb, std::int64_t i, std::uint8_t* out) {
  std::uint8_t q[kQkK];
  for (std::int64_t b = 0; b < nb; ++b) {
    const std::uint8_t* s = g + b * kQ6_KSuperBytes;
    std::uint8_t* x = out + b * kQ6_KBlock;
    for (int m = 0; m < 32; ++m) {
      for (int k = 0; k < 4; ++k) {
        const std::uint8_t lo = s[64 * m + kLane * i + k];
        q[4 * m + k] = lo & 0xF;
        q[128 + 4 * m + k] = lo >> 4;
      }
    }
    for (int m = 0; m < 16; ++m) {
      for (int k = 0; k < 4; ++k) {
        const std::uint8_t h = s[kQ6_KHighOff + 64 * m + kLane * i + k];
        for (int j = 0; j < 4; ++j) q[4 * (m + 16 * j) + k] |= static_cast<std::uint8_t>(((h >> (2 * j)) & 3) << 4);
      }
    }
    ref::pack_levels_q6_k(q, x);
    for (int j = 0; j < 16; ++j) x[192 + j] = s[kQ6_KScaleOff + kG * j + i];
    std::memcpy(x + 208, s + kQ6_KDOff + 2 * i, 2);
  }
}

WeightLayout layout_for(GgmlType t) {
  switch (t) {
    case GgmlType::kQ4_0:
      return WeightLayout::kQ4_0x16;
    case GgmlType::kQ4_K:
      return WeightLayout::kQ4_Kx16;
    case GgmlType::kQ6_K:
      return WeightLayout::kQ6_Kx16;
    default:
      return WeightLayout::kRows;
  }
}

}  // namespace

WeightLayout packed_layout(const WeightView& w) {
  const WeightLayout layout = layout_for(w.type);
  if (layout == WeightLayout::kRows || w.rows < kG) return WeightLayout::kRows;
  const cpu::TypeKernels* k = cpu::kernels_for(w.type);
  return k != nullptr && k->packed != nullptr ? layout : WeightLayout::kRows;
}

std::int64_t group_bytes(WeightLayout layout, std::int64_t cols) {
  switch (layout) {
    case WeightLayout::kQ4_0x16:
      return cols / kQk * (kQ4_0Levels + kQ4_0Scales);
    case WeightLayout::kQ4_Kx16:
      return cols / kQkK * kQ4_KSuperBytes;
    case WeightLayout::kQ6_Kx16:
      return cols / kQkK * kQ6_KSuperBytes;
    default:
      return 0;
  }
}

std::int64_t layout_bytes(const WeightView& w, WeightLayout layout) {
  const std::int64_t row = row_bytes(w.type, w.cols);
  if (layout == WeightLayout::kRows) return w.rows * row;
  const std::int64_t groups = w.rows / kG;
  return groups * group_bytes(layout, w.cols) + (w.rows - groups * kG) * row;
}

void repack(const WeightView& w, WeightLayout layout, void* dst, ThreadPool& pool) {
  const std::int64_t row = row_bytes(w.type, w.cols);
  const std::int64_t groups = w.rows / kG;
  const std::int64_t gb = group_bytes(layout, w.cols);
  const auto* src = static_cast<const std::uint8_t*>(w.data);
  auto* out = static_cast<std::uint8_t*>(dst);
  std::atomic<std::int64_t> next{0};
  pool.run([&](int, int) {
    for (std::int64_t g; (g = next.fetch_add(1, std::memory_order_relaxed)) < groups;) {
      if (layout == WeightLayout::kQ4_0x16) {
        pack_q4_0(src + g * kG * row, row, w.cols / kQk, out + g * gb);
      } else if (layout == WeightLayout::kQ4_Kx16) {
        pack_q4_k(src + g * kG * row, row, w.cols / kQkK, out + g * gb);
      } else {
        pack_q6_k(src + g * kG * row, row, w.cols / kQkK, out + g * gb);
      }
    }
  });
  std::memcpy(out + groups * gb, src + groups * kG * row, static_cast<std::size_t>((w.rows - groups * kG) * row));
}

void unpack_row(const WeightView& w, std::int64_t r, void* dst) {
  const std::int64_t row = row_bytes(w.type, w.cols);
  const std::int64_t groups = w.rows / kG;
  const std::int64_t gb = group_bytes(w.layout, w.cols);
  const auto* src = static_cast<const std::uint8_t*>(w.data);
  auto* out = static_cast<std::uint8_t*>(dst);
  if (r >= groups * kG) {
    std::memcpy(out, src + groups * gb + (r - groups * kG) * row, static_cast<std::size_t>(row));
  } else if (w.layout == WeightLayout::kQ4_0x16) {
    unpack_q4_0(src + r / kG * gb, w.cols / kQk, r % kG, out);
  } else if (w.layout == WeightLayout::kQ4_Kx16) {
    unpack_q4_k(src + r / kG * gb, w.cols / kQkK, r % kG, out);
  } else {
    unpack_q6_k(src + r / kG * gb, w.cols / kQkK, r % kG, out);
  }
}

}  // namespace sovra::kernels
