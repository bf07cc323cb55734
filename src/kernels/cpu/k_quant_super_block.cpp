#include "kernels/cpu/k_quant_super_block.hpp"

#include <cmath>

#include "kernels/cpu/k_quant_fit.hpp"
#include "kernels/cpu/ref_util.hpp"
#include "kernels/quant/half.hpp"

namespace sovra::kernels::ref {
namespace {

constexpr int kRefineRounds = 2;

std::uint8_t to_grid(float value, float step, int hi) {
  if (!(step > 0.0f)) return 0;
  return static_cast<std::uint8_t>(clamp_int(nearest_int(value / step), 0, hi));
}

// Re-rounds every level against the decoded scales; returns the squared error and fills q.
double requantize(const float* x, const AsymmetricLayout& l, Half d, Half dmin, const AsymmetricSuperBlock& grid,
                  std::uint8_t* q) {
  const float d32 = fp16_to_fp32(d);
  const float dmin32 = fp16_to_fp32(dmin);
  double err = 0;
  for (int i = 0; i < l.sub_blocks; ++i) {
    const float scale = d32 * static_cast<float>(grid.scales[i]);
    const float min = dmin32 * static_cast<float>(grid.mins[i]);
    const float inv = scale != 0.0f ? 1.0f / scale : 0.0f;
    for (int j = i * l.sub_len; j < (i + 1) * l.sub_len; ++j) {
      q[j] = static_cast<std::uint8_t>(clamp_int(nearest_int((x[j] + min) * inv), 0, l.nmax));
      const double e = static_cast<double>(scale * static_cast<float>(q[j]) - min) - x[j];
      err += e * e;
    }
  }
  return err;
}

double requantize(const float* x, const SymmetricLayout& l, Half d, const SymmetricSuperBlock& grid, std::int8_t* q) {
  const float d32 = fp16_to_fp32(d);
  double err = 0;
  for (int i = 0; i < l.sub_blocks; ++i) {
    const float scale = d32 * static_cast<float>(grid.scales[i]);
    const float inv = scale != 0.0f ? 1.0f / scale : 0.0f;
    for (int j = i * l.sub_len; j < (i + 1) * l.sub_len; ++j) {
      q[j] = static_cast<std::int8_t>(clamp_int(nearest_int(x[j] * inv), -l.nmax, l.nmax - 1));
      const double e = static_cast<double>(scale * static_cast<float>(q[j])) - x[j];
      err += e * e;
    }
  }
  return err;
}

}  // namespace

void quantize_asymmetric(const float* x, const AsymmetricLayout& l, AsymmetricSuperBlock* out) {
  float scales[kMaxSubBlocks];
  float mins[kMaxSubBlocks];
  float max_scale = 0.0f;
  float max_min = 0.0f;
  for (int i = 0; i < l.sub_blocks; ++i) {
    const std::ptrdiff_t first = static_cast<std::ptrdiff_t>(i) * l.sub_len;
    const ScaleMin sm = fit_scale_min(x + first, l.sub_len, l.nmax, out->q + first);
    scales[i] = sm.scale;
    mins[i] = sm.min;
    max_scale = std::max(max_scale, sm.scale);
    max_min = std::max(max_min, sm.min);
  }
  const float d = max_scale / static_cast<float>(l.scale_max);
  const float dmin = max_min / static_cast<float>(l.scale_max);
  for (int i = 0; i < l.sub_blocks; ++i) {
    out->scales[i] = to_grid(scales[i], d, l.scale_max);
    out->mins[i] = to_grid(mins[i], dmin, l.scale_max);
  }
  out->d = fp32_to_fp16(d);
  out->dmin = fp32_to_fp16(dmin);
  double best = requantize(x, l, out->d, out->dmin, *out, out->q);

  // With the integer grid fixed, x ~= d * (scale_i * q) - dmin * min_i is linear in (d, dmin).
  float u[kQkK];
  float v[kQkK];
  std::uint8_t q[kQkK];
  for (int round = 0; round < kRefineRounds; ++round) {
    for (int i = 0; i < l.sub_blocks; ++i) {
      for (int j = i * l.sub_len; j < (i + 1) * l.sub_len; ++j) {
        u[j] = static_cast<float>(out->scales[i] * out->q[j]);
        v[j] = static_cast<float>(out->mins[i]);
      }
    }
    float a = 0.0f;
    float b = 0.0f;
    if (!solve_two_scales(x, u, v, kQkK, &a, &b)) break;
    const Half da = fp32_to_fp16(a);
    const Half db = fp32_to_fp16(b);
    const double err = requantize(x, l, da, db, *out, q);
    if (!(err < best)) break;
    best = err;
    out->d = da;
    out->dmin = db;
    for (int j = 0; j < kQkK; ++j) out->q[j] = q[j];
  }
}

void quantize_symmetric(const float* x, const SymmetricLayout& l, SymmetricSuperBlock* out) {
  float scales[kMaxSubBlocks];
  float extreme = 0.0f;
  for (int i = 0; i < l.sub_blocks; ++i) {
    const std::ptrdiff_t first = static_cast<std::ptrdiff_t>(i) * l.sub_len;
    scales[i] = fit_scale_signed(x + first, l.sub_len, l.nmax, out->q + first);
    if (std::fabs(scales[i]) > std::fabs(extreme)) extreme = scales[i];
  }
  if (extreme == 0.0f) {
    *out = SymmetricSuperBlock{};
    return;
  }
  const float d = extreme / static_cast<float>(-l.scale_max);
  for (int i = 0; i < l.sub_blocks; ++i) {
    out->scales[i] = static_cast<std::int8_t>(clamp_int(nearest_int(scales[i] / d), -l.scale_max, l.scale_max - 1));
  }
  out->d = fp32_to_fp16(d);
  double best = requantize(x, l, out->d, *out, out->q);

  std::int8_t q[kQkK];
  for (int round = 0; round < kRefineRounds; ++round) {
    double sux = 0;
    double suu = 0;
    for (int i = 0; i < l.sub_blocks; ++i) {
      for (int j = i * l.sub_len; j < (i + 1) * l.sub_len; ++j) {
        const double u = out->scales[i] * out->q[j];
        sux += u * x[j];
        suu += u * u;
      }
    }
    if (!(suu > 0)) break;
    const Half da = fp32_to_fp16(static_cast<float>(sux / suu));
    const double err = requantize(x, l, da, *out, q);
    if (!(err < best)) break;
    best = err;
    out->d = da;
    for (int j = 0; j < kQkK; ++j) out->q[j] = q[j];
  }
}

}  // namespace sovra::kernels::ref
