#pragma once
// The constants of the vectorised exp(x) (Cephes' single-precision polynomial), shared by every vector width that
// computes it (avx2::exp_ps on 8 lanes, the AVX-512 attention's exp16 on 16), so that they compute the same value
// lane for lane: clamp x to [kMin, kMax], n = floor(x * kLog2e + 0.5), r = x - n * kLn2Hi - n * kLn2Lo,
// p = kPoly[0] evaluated by Horner through kPoly[5], exp = (p * r * r + r + 1) * 2^n. Relative error below 2e-7 in
// the clamped (normal) range. Plain constants only: safe to include from units compiled with any flags.
namespace sovra::kernels::cpu::exp_poly {

inline constexpr float kMin = -87.3f;
inline constexpr float kMax = 88.3f;
inline constexpr float kLog2e = 1.44269504088896341f;
inline constexpr float kLn2Hi = 0.693359375f;
inline constexpr float kLn2Lo = -2.12194440e-4f;
inline constexpr float kPoly[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                   4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

}  // namespace sovra::kernels::cpu::exp_poly
