#pragma once
// Shared helpers for the kernel tests: the weight types, random rows (valid floats or random block bytes with
// sane scale fields) and the error bound that justifies the tolerances of dot-product comparisons.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "gguf/types.hpp"
#include "kernels/cpu/kernel_table.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::test_util {

using gguf::GgmlType;

inline constexpr GgmlType kWeightTypes[] = {
    GgmlType::kF32,  GgmlType::kF16,  GgmlType::kBF16, GgmlType::kQ4_0, GgmlType::kQ4_1,
    GgmlType::kQ5_0, GgmlType::kQ5_1, GgmlType::kQ8_0, GgmlType::kQ2_K, GgmlType::kQ3_K,
    GgmlType::kQ4_K, GgmlType::kQ5_K, GgmlType::kQ6_K,
};

inline std::int64_t block_size(GgmlType t) { return gguf::traits(t).block_size; }
inline std::int64_t block_bytes(GgmlType t) { return gguf::traits(t).block_bytes; }
inline std::int64_t bytes_for(GgmlType t, std::int64_t n) { return n / block_size(t) * block_bytes(t); }

// Offsets of the fp16 fields of a block that scale every element (d) and that offset them (m, dmin).
struct HalfFields {
  int scale = -1;
  int offset = -1;  // -1: symmetric type
};

inline HalfFields half_fields(GgmlType t) {
  switch (t) {
    case GgmlType::kQ4_0:
    case GgmlType::kQ5_0:
    case GgmlType::kQ8_0:
      return {0, -1};
    case GgmlType::kQ4_1:
    case GgmlType::kQ5_1:
    case GgmlType::kQ4_K:
    case GgmlType::kQ5_K:
      return {0, 2};
    case GgmlType::kQ2_K:
      return {80, 82};
    case GgmlType::kQ3_K:
      return {108, -1};
    case GgmlType::kQ6_K:
      return {208, -1};
    default:
      return {};
  }
}

inline std::vector<float> random_floats(std::mt19937& rng, std::int64_t n, float sigma = 1.0f) {
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

// A row of n elements of type t made of random bytes, except that scale fields hold finite values in
// [-1, 1] (and float types hold finite values), so every level, sign and scale bit pattern gets exercised.
inline std::vector<std::uint8_t> random_row(std::mt19937& rng, GgmlType t, std::int64_t n) {
  std::vector<std::uint8_t> row(static_cast<std::size_t>(bytes_for(t, n)));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  if (t == GgmlType::kF32 || t == GgmlType::kF16 || t == GgmlType::kBF16) {
    for (std::int64_t i = 0; i < n; ++i) {
      const float f = unit(rng) * 2.0f;
      if (t == GgmlType::kF32) std::memcpy(row.data() + 4 * i, &f, 4);
      const std::uint16_t h = t == GgmlType::kF16 ? fp32_to_fp16(f) : fp32_to_bf16(f);
      if (t != GgmlType::kF32) std::memcpy(row.data() + 2 * i, &h, 2);
    }
    return row;
  }
  for (auto& c : row) c = static_cast<std::uint8_t>(byte(rng));
  const HalfFields f = half_fields(t);
  for (std::size_t b = 0; b < row.size(); b += static_cast<std::size_t>(block_bytes(t))) {
    for (int off : {f.scale, f.offset}) {
      if (off < 0) continue;
      const Half h = fp32_to_fp16(unit(rng));
      std::memcpy(row.data() + b + static_cast<std::size_t>(off), &h, 2);
    }
  }
  return row;
}

inline std::vector<float> dequantize(GgmlType t, const void* row, std::int64_t n) {
  std::vector<float> out(static_cast<std::size_t>(n));
  cpu::reference_kernels(t)->dequantize_row(row, out.data(), n);
  return out;
}

// Magnitude scale of a dot product's rounding errors: sum over elements of |a_i| times the magnitudes of the
// parts of w_i that the kernels scale separately (d * level and, for types with a min, the min term). Each
// implementation sums nb per-block terms whose own rounding is a few ulps of those magnitudes, so two orders of
// summation differ by at most about 2 * (nb + 4) * 2^-24 * bound (the classic recursive-summation bound).
inline double error_scale(GgmlType t, const std::vector<std::uint8_t>& w, const std::vector<float>& a_values) {
  const auto n = static_cast<std::int64_t>(a_values.size());
  std::vector<float> scale_part;
  std::vector<float> min_part(a_values.size(), 0.0f);
  const HalfFields f = half_fields(t);
  if (f.offset >= 0) {
    std::vector<std::uint8_t> no_min = w;
    std::vector<std::uint8_t> no_scale = w;
    for (std::size_t b = 0; b < w.size(); b += static_cast<std::size_t>(block_bytes(t))) {
      std::memset(no_min.data() + b + f.offset, 0, 2);
      std::memset(no_scale.data() + b + f.scale, 0, 2);
    }
    scale_part = dequantize(t, no_min.data(), n);
    min_part = dequantize(t, no_scale.data(), n);
  } else {
    scale_part = dequantize(t, w.data(), n);
  }
  double s = 0;
  for (std::size_t i = 0; i < a_values.size(); ++i) {
    s += std::fabs(static_cast<double>(a_values[i])) * (std::fabs(scale_part[i]) + std::fabs(min_part[i]));
  }
  return s;
}

// Float terms each side sums: per block for the quantized types, per element for the float types.
inline double summed_terms(GgmlType t, std::int64_t n) { return static_cast<double>(n / block_size(t)); }

inline double dot_tolerance(GgmlType t, std::int64_t n, double scale) {
  return 2.0 * (summed_terms(t, n) + 8.0) * std::ldexp(1.0, -24) * scale * 1.01 + 1e-30;
}

}  // namespace sovra::kernels::test_util
