#pragma once
// Least-squares searches that choose the per-sub-block scale (and min) of the K-quant quantizers.
//
// Contract: portable, deterministic, used only by the scalar quantizers (kernels/cpu/ref_q*_k.cpp). Each search
// minimises the plain squared error of one sub-block (n <= 32 values) over a grid of candidate scales, refits
// scale (and min) by least squares for every candidate's levels, and polishes the best by re-rounding. Levels
// are written to `q`; the returned scale/min are floats that the caller then quantizes to its super-block grid.
#include <cstdint>

namespace sovra::kernels::ref {

struct ScaleMin {
  float scale = 0.0f;  // >= 0
  float min = 0.0f;    // >= 0: the value of level 0 is -min
};

// x ~= scale * q - min with integer q in [0, nmax] and min >= 0 (a sub-block whose values are all positive is
// fitted with min = 0, as the formats cannot store a positive offset).
ScaleMin fit_scale_min(const float* x, int n, int nmax, std::uint8_t* q);

// x ~= scale * q with integer q in [-nmax, nmax - 1]; the scale's sign lets the value of largest magnitude use
// the wider negative side. Returns 0 (and q = 0) for an all-zero sub-block.
float fit_scale_signed(const float* x, int n, int nmax, std::int8_t* q);

// Least squares for x ~= a * u - b * v over n points: returns false when the system is singular.
bool solve_two_scales(const float* x, const float* u, const float* v, int n, float* a, float* b);

// Squared error of x against values.
double squared_error(const float* x, const float* values, int n);

}  // namespace sovra::kernels::ref
