#include "kernels/packed.hpp"

#include <atomic>
#include <cstring>

#include "kernels/cpu/kernel_table.hpp"
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

void unpack_scales(const std::uint8_t* p, std::uint8_t* sc, std::uint8_t* m) {
  for (int i = 0; i < 4; ++i) {
    sc[i] = p[i] & 63;
    m[i] = p[i + 4] & 63;
    sc[i + 4] = static_cast<std::uint8_t>((p[i + 8] & 0xF) | (p[i] >> 6) << 4);
    m[i + 4] = static_cast<std::uint8_t>((p[i + 8] >> 4) | (p[i + 4] >> 6) << 4);
  }
}

void pack_scales(const std::uint8_t* sc, const std::uint8_t* m, std::uint8_t* p) {
  for (int i = 0; i < 4; ++i) {
    p[i] = static_cast<std::uint8_t>(sc[i] | (sc[i + 4] >> 4) << 6);
    p[i + 4] = static_cast<std::uint8_t>(m[i] | (m[i + 4] >> 4) << 6);
    p[i + 8] = static_cast<std::uint8_t>((sc[i + 4] & 0xF) | (m[i + 4] & 0xF) << 4);
  }
}

void pack_q4_k(const std::uint8_t* rows, std::int64_t row, std::int64_t nb, std::uint8_t* g) {
  for (std::int64_t i = 0; i < kG; ++i) {
    for (std::int64_t b = 0; b < nb; ++b) {
      const std::uint8_t* x = rows + i * row + b * kQ4_KBlock;  // d, dmin, scales[12], qs[128]
      std::uint8_t* s = g + b * kQ4_KSuperBytes;
      std::memcpy(s + kQ4_KDOff + 2 * i, x, 2);
      std::memcpy(s + kQ4_KDOff + 2 * kG + 2 * i, x + 2, 2);
      std::uint8_t sc[8];
      std::uint8_t mn[8];
      unpack_scales(x + 4, sc, mn);
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
    pack_scales(sc, mn, x + 4);
    for (std::int64_t p = 0; p < 4; ++p) {
      for (std::int64_t m = 0; m < 8; ++m) {
        std::memcpy(x + 16 + 32 * p + kLane * m, s + p * 512 + m * 64 + i * kLane, kLane);
      }
    }
  }
}

WeightLayout layout_for(GgmlType t) {
  switch (t) {
    case GgmlType::kQ4_0: return WeightLayout::kQ4_0x16;
    case GgmlType::kQ4_K: return WeightLayout::kQ4_Kx16;
    default: return WeightLayout::kRows;
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
    case WeightLayout::kQ4_0x16: return cols / kQk * (kQ4_0Levels + kQ4_0Scales);
    case WeightLayout::kQ4_Kx16: return cols / kQkK * kQ4_KSuperBytes;
    default: return 0;
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
      } else {
        pack_q4_k(src + g * kG * row, row, w.cols / kQkK, out + g * gb);
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
  } else {
    unpack_q4_k(src + r / kG * gb, w.cols / kQkK, r % kG, out);
  }
}

}  // namespace sovra::kernels
