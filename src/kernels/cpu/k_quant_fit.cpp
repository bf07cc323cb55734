#include "kernels/cpu/k_quant_fit.hpp"

#include <cmath>
#include <limits>

#include "kernels/cpu/ref_util.hpp"

namespace sovra::kernels::ref {
namespace {

// Candidate multipliers nmax + kStep * k, k in [-kSteps, kSteps]: the plain min-max (or absmax) grid and its
// neighbours, which often round the bulk of the values better at the cost of clipping an extreme.
constexpr int kSteps = 10;
constexpr float kStep = 0.1f;
constexpr int kPolishRounds = 4;
constexpr int kMaxLen = 32;

struct Fit {
  float scale = 0.0f;
  float offset = 0.0f;  // value of level 0 (<= 0)
  double error = std::numeric_limits<double>::infinity();
};

// Least squares for x ~= scale * q + offset with offset <= 0 for fixed levels q.
Fit fit_levels(const float* x, int n, const std::uint8_t* q) {
  double sq = 0, sqq = 0, sx = 0, sqx = 0;
  for (int j = 0; j < n; ++j) {
    sq += q[j];
    sqq += static_cast<double>(q[j]) * q[j];
    sx += x[j];
    sqx += static_cast<double>(q[j]) * x[j];
  }
  Fit fit;
  const double det = n * sqq - sq * sq;
  if (det <= 0) return fit;  // all levels equal: no information about the scale
  double scale = (n * sqx - sq * sx) / det;
  double offset = (sqq * sx - sq * sqx) / det;
  if (offset > 0) {
    offset = 0;
    scale = sqx / sqq;
  }
  if (scale <= 0) return fit;
  fit.scale = static_cast<float>(scale);
  fit.offset = static_cast<float>(offset);
  double err = 0;
  for (int j = 0; j < n; ++j) {
    const double e = fit.scale * static_cast<float>(q[j]) + fit.offset - x[j];
    err += e * e;
  }
  fit.error = err;
  return fit;
}

void assign_levels(const float* x, int n, int nmax, float inv_scale, float offset, std::uint8_t* q) {
  for (int j = 0; j < n; ++j) {
    q[j] = static_cast<std::uint8_t>(clamp_int(nearest_int((x[j] - offset) * inv_scale), 0, nmax));
  }
}

}  // namespace

ScaleMin fit_scale_min(const float* x, int n, int nmax, std::uint8_t* q) {
  float lo = 0.0f;
  float hi = x[0];
  for (int j = 0; j < n; ++j) {
    lo = std::min(lo, x[j]);
    hi = std::max(hi, x[j]);
  }
  if (!(hi > lo)) {  // constant non-positive sub-block (or NaN): level 0 carries it
    for (int j = 0; j < n; ++j) q[j] = 0;
    return {0.0f, -lo};
  }
  std::uint8_t cur[kMaxLen];
  Fit best;
  for (int k = -kSteps; k <= kSteps; ++k) {
    const float inv = (static_cast<float>(nmax) + kStep * static_cast<float>(k)) / (hi - lo);
    assign_levels(x, n, nmax, inv, lo, cur);
    const Fit fit = fit_levels(x, n, cur);
    if (fit.error < best.error) {
      best = fit;
      for (int j = 0; j < n; ++j) q[j] = cur[j];
    }
  }
  if (!(best.error < std::numeric_limits<double>::infinity())) {
    // No candidate had two distinct levels (possible only for degenerate inputs): plain min-max.
    const float scale = (hi - lo) / static_cast<float>(nmax);
    assign_levels(x, n, nmax, 1.0f / scale, lo, q);
    return {scale, -lo};
  }
  for (int round = 0; round < kPolishRounds; ++round) {
    assign_levels(x, n, nmax, 1.0f / best.scale, best.offset, cur);
    const Fit fit = fit_levels(x, n, cur);
    if (!(fit.error < best.error)) break;
    best = fit;
    for (int j = 0; j < n; ++j) q[j] = cur[j];
  }
  return {best.scale, -best.offset};
}

float fit_scale_signed(const float* x, int n, int nmax, std::int8_t* q) {
  float extreme = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (std::fabs(x[j]) > std::fabs(extreme)) extreme = x[j];
  }
  for (int j = 0; j < n; ++j) q[j] = 0;
  if (extreme == 0.0f) return 0.0f;
  std::int8_t cur[kMaxLen];
  // For fixed levels the best scale is sqx / sqq and the error sxx - sqx^2 / sqq: maximise sqx^2 / sqq.
  double best_score = -1.0;
  float best_scale = 0.0f;
  auto try_levels = [&](float inv) {
    double sqx = 0, sqq = 0;
    for (int j = 0; j < n; ++j) {
      cur[j] = static_cast<std::int8_t>(clamp_int(nearest_int(x[j] * inv), -nmax, nmax - 1));
      sqx += static_cast<double>(cur[j]) * x[j];
      sqq += static_cast<double>(cur[j]) * cur[j];
    }
    if (sqq <= 0) return false;
    const double score = sqx * sqx / sqq;
    if (!(score > best_score)) return false;
    best_score = score;
    best_scale = static_cast<float>(sqx / sqq);
    for (int j = 0; j < n; ++j) q[j] = cur[j];
    return true;
  };
  for (int k = -kSteps; k <= kSteps; ++k) {
    try_levels(-(static_cast<float>(nmax) + kStep * static_cast<float>(k)) / extreme);
  }
  for (int round = 0; round < kPolishRounds && best_scale != 0.0f; ++round) {
    if (!try_levels(1.0f / best_scale)) break;
  }
  return best_scale;
}

bool solve_two_scales(const float* x, const float* u, const float* v, int n, float* a, float* b) {
  // x ~= a * u + c * w with w = -v; normal equations of the 2x2 system.
  double suu = 0, suw = 0, sww = 0, sux = 0, swx = 0;
  for (int j = 0; j < n; ++j) {
    const double w = -static_cast<double>(v[j]);
    suu += static_cast<double>(u[j]) * u[j];
    suw += u[j] * w;
    sww += w * w;
    sux += static_cast<double>(u[j]) * x[j];
    swx += w * x[j];
  }
  const double det = suu * sww - suw * suw;
  if (!(det > 1e-12 * suu * sww)) return false;
  *a = static_cast<float>((sux * sww - swx * suw) / det);
  *b = static_cast<float>((suu * swx - suw * sux) / det);
  return std::isfinite(*a) && std::isfinite(*b);
}

double squared_error(const float* x, const float* values, int n) {
  double err = 0;
  for (int j = 0; j < n; ++j) {
    const double e = static_cast<double>(x[j]) - values[j];
    err += e * e;
  }
  return err;
}

}  // namespace sovra::kernels::ref
