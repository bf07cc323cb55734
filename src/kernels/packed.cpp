#include "kernels/packed.hpp"

#include <atomic>
#include <cstring>

#include "kernels/cpu/kernel_table.hpp"
#include "kernels/quant.hpp"
#include "kernels/quant/blocks.hpp"

namespace sovra::kernels {
namespace {

constexpr std::int64_t kBlockBytes = sizeof(BlockQ4_0);  // 18
constexpr std::int64_t kSlices = 4;                     // 64-byte level slices per block of a group
constexpr std::int64_t kSliceRowBytes = 4;              // bytes of one row in one slice
constexpr std::int64_t kLevelBytes = kSlices * kPackedGroupRows * kSliceRowBytes;  // 256
constexpr std::int64_t kScaleBytes = kPackedGroupRows * 2;                          // 32

std::int64_t group_bytes(std::int64_t nb) { return nb * (kLevelBytes + kScaleBytes); }

}  // namespace

bool packing_pays_off(const WeightView& w) {
  if (w.type != gguf::GgmlType::kQ4_0 || w.rows < kPackedGroupRows) return false;
  const cpu::TypeKernels* k = cpu::kernels_for(w.type);
  return k != nullptr && k->packed != nullptr;
}

std::int64_t packed_bytes(const WeightView& w) { return w.rows * row_bytes(w.type, w.cols); }

void repack_q4_0_x16(const WeightView& w, void* dst, ThreadPool& pool) {
  const std::int64_t nb = w.cols / kQk;
  const std::int64_t row = nb * kBlockBytes;
  const std::int64_t groups = w.rows / kPackedGroupRows;
  const auto* src = static_cast<const std::uint8_t*>(w.data);
  auto* out = static_cast<std::uint8_t*>(dst);
  std::atomic<std::int64_t> next{0};
  pool.run([&](int, int) {
    for (std::int64_t g; (g = next.fetch_add(1, std::memory_order_relaxed)) < groups;) {
      std::uint8_t* levels = out + g * group_bytes(nb);
      std::uint8_t* scales = levels + nb * kLevelBytes;
      for (std::int64_t i = 0; i < kPackedGroupRows; ++i) {
        const std::uint8_t* r = src + (g * kPackedGroupRows + i) * row;
        for (std::int64_t b = 0; b < nb; ++b) {
          const std::uint8_t* block = r + b * kBlockBytes;  // d (2 bytes), then qs[16]
          std::memcpy(scales + b * kScaleBytes + 2 * i, block, 2);
          for (std::int64_t m = 0; m < kSlices; ++m) {
            std::memcpy(levels + b * kLevelBytes + m * 64 + i * kSliceRowBytes, block + 2 + m * kSliceRowBytes,
                        kSliceRowBytes);
          }
        }
      }
    }
  });
  const std::int64_t done = groups * kPackedGroupRows;
  std::memcpy(out + done * row, src + done * row, static_cast<std::size_t>((w.rows - done) * row));
}

void unpack_row_q4_0_x16(const WeightView& w, std::int64_t r, void* dst) {
  const std::int64_t nb = w.cols / kQk;
  const std::int64_t row = nb * kBlockBytes;
  const std::int64_t groups = w.rows / kPackedGroupRows;
  const auto* src = static_cast<const std::uint8_t*>(w.data);
  auto* out = static_cast<std::uint8_t*>(dst);
  if (r >= groups * kPackedGroupRows) {
    std::memcpy(out, src + r * row, static_cast<std::size_t>(row));
    return;
  }
  const std::int64_t g = r / kPackedGroupRows;
  const std::int64_t i = r % kPackedGroupRows;
  const std::uint8_t* levels = src + g * group_bytes(nb);
  const std::uint8_t* scales = levels + nb * kLevelBytes;
  for (std::int64_t b = 0; b < nb; ++b) {
    std::uint8_t* block = out + b * kBlockBytes;
    std::memcpy(block, scales + b * kScaleBytes + 2 * i, 2);
    for (std::int64_t m = 0; m < kSlices; ++m) {
      std::memcpy(block + 2 + m * kSliceRowBytes, levels + b * kLevelBytes + m * 64 + i * kSliceRowBytes,
                  kSliceRowBytes);
    }
  }
}

}  // namespace sovra::kernels
