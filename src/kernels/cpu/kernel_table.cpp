#include "kernels/cpu/kernel_table.hpp"

#include <array>
#include <atomic>

#include "kernels/cpu/ref.hpp"
#if SOVRA_KERNELS_AVX2
#include <cpuid.h>

#include "kernels/cpu/avx2.hpp"
#include "kernels/cpu/avx512.hpp"
#endif

namespace sovra::kernels {
namespace cpu {
namespace {

using gguf::GgmlType;
constexpr std::size_t kTableSize = 32;  // ids up to BF16 (30)

template <VecDotFn kDot>
void tile_from_dot(std::int64_t n, const void* w, const void* a, std::int64_t a_stride, int n_act, float* out,
                   std::int64_t out_stride) {
  const auto* base = static_cast<const std::uint8_t*>(a);
  for (int t = 0; t < n_act; ++t) out[t * out_stride] = kDot(n, w, base + t * a_stride);
}

using Table = std::array<TypeKernels, kTableSize>;

constexpr void put(Table& table, const TypeKernels& k) { table[static_cast<std::size_t>(k.type)] = k; }

constexpr Table make_reference_table() {
  Table t{};
  namespace r = ref;
  put(t, {GgmlType::kF32, GgmlType::kF32, r::dequantize_row_f32, r::quantize_row_f32, r::vec_dot_f32,
          tile_from_dot<r::vec_dot_f32>});
  put(t, {GgmlType::kF16, GgmlType::kF32, r::dequantize_row_f16, r::quantize_row_f16, r::vec_dot_f16,
          tile_from_dot<r::vec_dot_f16>});
  put(t, {GgmlType::kBF16, GgmlType::kF32, r::dequantize_row_bf16, r::quantize_row_bf16, r::vec_dot_bf16,
          tile_from_dot<r::vec_dot_bf16>});
  put(t, {GgmlType::kQ4_0, GgmlType::kQ8_0, r::dequantize_row_q4_0, r::quantize_row_q4_0, r::vec_dot_q4_0,
          tile_from_dot<r::vec_dot_q4_0>});
  put(t, {GgmlType::kQ4_1, GgmlType::kQ8_1, r::dequantize_row_q4_1, r::quantize_row_q4_1, r::vec_dot_q4_1,
          tile_from_dot<r::vec_dot_q4_1>});
  put(t, {GgmlType::kQ5_0, GgmlType::kQ8_0, r::dequantize_row_q5_0, r::quantize_row_q5_0, r::vec_dot_q5_0,
          tile_from_dot<r::vec_dot_q5_0>});
  put(t, {GgmlType::kQ5_1, GgmlType::kQ8_1, r::dequantize_row_q5_1, r::quantize_row_q5_1, r::vec_dot_q5_1,
          tile_from_dot<r::vec_dot_q5_1>});
  put(t, {GgmlType::kQ8_0, GgmlType::kQ8_0, r::dequantize_row_q8_0, r::quantize_row_q8_0, r::vec_dot_q8_0,
          tile_from_dot<r::vec_dot_q8_0>});
  put(t, {GgmlType::kQ8_1, GgmlType::kQ8_1, r::dequantize_row_q8_1, r::quantize_row_q8_1, nullptr, nullptr});
  put(t, {GgmlType::kQ2_K, GgmlType::kQ8_K, r::dequantize_row_q2_k, r::quantize_row_q2_k, r::vec_dot_q2_k,
          tile_from_dot<r::vec_dot_q2_k>});
  put(t, {GgmlType::kQ3_K, GgmlType::kQ8_K, r::dequantize_row_q3_k, r::quantize_row_q3_k, r::vec_dot_q3_k,
          tile_from_dot<r::vec_dot_q3_k>});
  put(t, {GgmlType::kQ4_K, GgmlType::kQ8_K, r::dequantize_row_q4_k, r::quantize_row_q4_k, r::vec_dot_q4_k,
          tile_from_dot<r::vec_dot_q4_k>});
  put(t, {GgmlType::kQ5_K, GgmlType::kQ8_K, r::dequantize_row_q5_k, r::quantize_row_q5_k, r::vec_dot_q5_k,
          tile_from_dot<r::vec_dot_q5_k>});
  put(t, {GgmlType::kQ6_K, GgmlType::kQ8_K, r::dequantize_row_q6_k, r::quantize_row_q6_k, r::vec_dot_q6_k,
          tile_from_dot<r::vec_dot_q6_k>});
  put(t, {GgmlType::kQ8_K, GgmlType::kQ8_K, r::dequantize_row_q8_k, r::quantize_row_q8_k, nullptr, nullptr});
  return t;
}

constinit const Table kReference = make_reference_table();  // NOLINT(cert-err58-cpp): constant-initialized

#if SOVRA_KERNELS_AVX2
constexpr Table make_avx2_table() {
  Table t = make_reference_table();
  auto dot = [&t](GgmlType type, VecDotFn vec_dot, VecDotTileFn tile) {
    t[static_cast<std::size_t>(type)].vec_dot = vec_dot;
    t[static_cast<std::size_t>(type)].vec_dot_tile = tile;
  };
  namespace v = avx2;
  dot(GgmlType::kF32, v::vec_dot_f32, v::vec_dot_tile_f32);
  dot(GgmlType::kF16, v::vec_dot_f16, v::vec_dot_tile_f16);
  dot(GgmlType::kBF16, v::vec_dot_bf16, v::vec_dot_tile_bf16);
  dot(GgmlType::kQ4_0, v::vec_dot_q4_0, v::vec_dot_tile_q4_0);
  dot(GgmlType::kQ4_1, v::vec_dot_q4_1, v::vec_dot_tile_q4_1);
  dot(GgmlType::kQ5_0, v::vec_dot_q5_0, v::vec_dot_tile_q5_0);
  dot(GgmlType::kQ5_1, v::vec_dot_q5_1, v::vec_dot_tile_q5_1);
  dot(GgmlType::kQ8_0, v::vec_dot_q8_0, v::vec_dot_tile_q8_0);
  dot(GgmlType::kQ2_K, v::vec_dot_q2_k, v::vec_dot_tile_q2_k);
  dot(GgmlType::kQ3_K, v::vec_dot_q3_k, v::vec_dot_tile_q3_k);
  dot(GgmlType::kQ4_K, v::vec_dot_q4_k, v::vec_dot_tile_q4_k);
  dot(GgmlType::kQ5_K, v::vec_dot_q5_k, v::vec_dot_tile_q5_k);
  dot(GgmlType::kQ6_K, v::vec_dot_q6_k, v::vec_dot_tile_q6_k);
  // Activation encodings: the quantizers run once per matmul call; the weight quantizers stay scalar.
  t[static_cast<std::size_t>(GgmlType::kQ8_0)].quantize_row = v::quantize_row_q8_0;  // bit-identical to ref
  t[static_cast<std::size_t>(GgmlType::kF16)].quantize_row = v::quantize_row_f16;    // bit-identical to ref (KV cache)
  t[static_cast<std::size_t>(GgmlType::kQ8_1)].quantize_row = v::quantize_row_q8_1;
  t[static_cast<std::size_t>(GgmlType::kQ8_K)].quantize_row = v::quantize_row_q8_k;
  return t;
}

constinit const Table kAvx2 = make_avx2_table();  // NOLINT(cert-err58-cpp): constant-initialized

constexpr GemmKernels kGemmQ4_0{avx512::act_row_bytes, avx512::encode_act_q4_0, avx512::gemm_q4_0};
constexpr GemmKernels kGemmQ8_0{avx512::act_row_bytes, avx512::encode_act_q8_0, avx512::gemm_q8_0};
constexpr GemmKernels kGemmQ4_K{avx512::act_row_bytes_q4_k, avx512::encode_act_q4_k, avx512::gemm_q4_k};
constexpr GemmKernels kGemmQ6_K{avx512::act_row_bytes_q6_k, avx512::encode_act_q6_k, avx512::gemm_q6_k};

constexpr PackedKernels kPackedQ4_0{avx512::act_row_bytes_q4_0_x16, avx512::encode_act_q4_0_x16, avx512::gemm_q4_0_x16,
                                    avx512::gemm2_q4_0_x16};
constexpr PackedKernels kPackedQ4_K{avx512::act_row_bytes_q4_k_x16, avx512::encode_act_q4_k_x16, avx512::gemm_q4_k_x16};
constexpr PackedKernels kPackedQ6_K{avx512::act_row_bytes_q6_k_x16, avx512::encode_act_q6_k_x16, avx512::gemm_q6_k_x16};

constexpr Table make_avx512_table() {
  Table t = make_avx2_table();
  t[static_cast<std::size_t>(GgmlType::kQ4_0)].packed = &kPackedQ4_0;
  t[static_cast<std::size_t>(GgmlType::kQ4_K)].packed = &kPackedQ4_K;
  t[static_cast<std::size_t>(GgmlType::kQ6_K)].packed = &kPackedQ6_K;
  t[static_cast<std::size_t>(GgmlType::kQ4_0)].gemm = &kGemmQ4_0;
  t[static_cast<std::size_t>(GgmlType::kQ8_0)].gemm = &kGemmQ8_0;
  t[static_cast<std::size_t>(GgmlType::kQ4_K)].gemm = &kGemmQ4_K;
  t[static_cast<std::size_t>(GgmlType::kQ6_K)].gemm = &kGemmQ6_K;
  return t;
}

constinit const Table kAvx512 = make_avx512_table();  // NOLINT(cert-err58-cpp): constant-initialized
#endif

// AVX2, FMA and F16C in the CPU, and YMM state enabled by the OS (XCR0 bits 1 and 2).
bool detect_avx2() {
#if SOVRA_KERNELS_AVX2
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(1, &a, &b, &c, &d) == 0) return false;
  const bool fma = (c & bit_FMA) != 0;
  const bool f16c = (c & bit_F16C) != 0;
  const bool avx = (c & bit_AVX) != 0 && (c & bit_OSXSAVE) != 0;
  if (!fma || !f16c || !avx) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0x6u) != 0x6u) return false;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  return (b & bit_AVX2) != 0;
#else
  return false;
#endif
}

// On top of detect_avx2(): AVX512F/BW/VL (CPUID 7.EBX bits 16, 30, 31), VBMI and VNNI (7.ECX bits 1, 11), and
// opmask/ZMM state enabled by the OS (XCR0 bits 5-7).
bool detect_avx512_vnni() {
#if SOVRA_KERNELS_AVX2
  if (!detect_avx2()) return false;
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid_count(7, 0, &a, &b, &c, &d) == 0) return false;
  const unsigned ebx_bits = (1u << 16) | (1u << 30) | (1u << 31);
  const unsigned ecx_bits = (1u << 1) | (1u << 11);
  if ((b & ebx_bits) != ebx_bits || (c & ecx_bits) != ecx_bits) return false;
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  return (xcr0_lo & 0xE6u) == 0xE6u;
#else
  return false;
#endif
}

std::atomic<bool> g_force_reference{false};
std::atomic<bool> g_disable_avx512{false};

const TypeKernels* lookup(const Table& table, GgmlType type) {
  const auto id = static_cast<std::size_t>(type);
  if (id >= table.size() || table[id].dequantize_row == nullptr) return nullptr;
  return &table[id];
}

}  // namespace

const TypeKernels* reference_kernels(GgmlType type) { return lookup(kReference, type); }

const TypeKernels* simd_kernels(GgmlType type) {
#if SOVRA_KERNELS_AVX2
  if (cpu_has_avx2()) return lookup(kAvx2, type);
#endif
  (void)type;
  return nullptr;
}

const TypeKernels* avx512_kernels(GgmlType type) {
#if SOVRA_KERNELS_AVX2
  if (cpu_has_avx512_vnni()) return lookup(kAvx512, type);
#endif
  (void)type;
  return nullptr;
}

const TypeKernels* kernels_for(GgmlType type) {
  if (!g_force_reference.load(std::memory_order_relaxed)) {
    if (!g_disable_avx512.load(std::memory_order_relaxed)) {
      const TypeKernels* k = avx512_kernels(type);
      if (k != nullptr && k->gemm != nullptr) return k;
    }
    if (const TypeKernels* k = simd_kernels(type)) return k;
  }
  return reference_kernels(type);
}

}  // namespace cpu

void force_reference(bool on) { cpu::g_force_reference.store(on, std::memory_order_relaxed); }
bool simd_active() { return cpu_has_avx2() && !cpu::g_force_reference.load(std::memory_order_relaxed); }
bool cpu_has_avx2() {
  static const bool kHas = cpu::detect_avx2();
  return kHas;
}
bool cpu_has_avx512_vnni() {
  static const bool kHas = cpu::detect_avx512_vnni();
  return kHas;
}
void disable_avx512(bool on) { cpu::g_disable_avx512.store(on, std::memory_order_relaxed); }
bool avx512_active() {
  return simd_active() && cpu_has_avx512_vnni() && !cpu::g_disable_avx512.load(std::memory_order_relaxed);
}

}  // namespace sovra::kernels
