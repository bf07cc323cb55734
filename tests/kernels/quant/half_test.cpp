#include "kernels/quant/half.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

namespace sovra::kernels {
namespace {

// The value of a binary16 from its definition, independent of the bit tricks under test.
double half_value(std::uint16_t h) {
  const int exp = (h >> 10) & 0x1F;
  const int mant = h & 0x3FF;
  const double magnitude = exp == 0 ? std::ldexp(mant, -24) : std::ldexp(1024 + mant, exp - 25);
  return (h & 0x8000) != 0 ? -magnitude : magnitude;
}

// Round-to-nearest-even of f onto the binary16 grid, computed in double; inf beyond the largest finite value.
double nearest_half(float f) {
  const double a = std::fabs(static_cast<double>(f));
  double r;
  if (a >= 65520.0) {
    r = std::numeric_limits<double>::infinity();
  } else {
    int e = 0;
    std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
    const int exp = std::max(e - 1, -14);
    const double ulp = std::ldexp(1.0, exp - 10);
    r = std::nearbyint(a / ulp) * ulp;
  }
  return std::signbit(f) ? -r : r;
}

TEST(KernelHalf, Fp16ToFp32IsExactForEveryValue) {
  for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    const float f = fp16_to_fp32(bits);
    if ((h & 0x7C00) == 0x7C00) {
      if ((h & 0x3FF) == 0) {
        EXPECT_TRUE(std::isinf(f)) << h;
      } else {
        EXPECT_TRUE(std::isnan(f)) << h;
        EXPECT_EQ((std::bit_cast<std::uint32_t>(f) >> 13) & 0x3FF, h & 0x3FF) << "payload of " << h;
      }
      EXPECT_EQ(std::signbit(f), (h & 0x8000) != 0) << h;
      continue;
    }
    EXPECT_EQ(static_cast<double>(f), half_value(bits)) << h;
    EXPECT_EQ(std::signbit(f), (h & 0x8000) != 0) << h;  // -0 stays -0
  }
}

TEST(KernelHalf, Fp16RoundTripsEveryValue) {
  for (std::uint32_t h = 0; h <= 0xFFFF; ++h) {
    const auto bits = static_cast<std::uint16_t>(h);
    const Half back = fp32_to_fp16(fp16_to_fp32(bits));
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF) != 0) {
      EXPECT_EQ(back & 0x7C00, 0x7C00) << h;  // NaN stays NaN (quietened)
      EXPECT_NE(back & 0x3FF, 0) << h;
      EXPECT_EQ(back & 0x8000, h & 0x8000) << h;
    } else {
      EXPECT_EQ(back, bits) << h;
    }
  }
}

// Every rounding interval of binary16 is probed at its tie point and one float ulp either side; the step from
// the largest finite half (65504) goes to infinity as if it were 65536, as IEEE rounding prescribes.
TEST(KernelHalf, Fp32ToFp16RoundsHalfToEvenAtEveryBoundary) {
  for (std::uint16_t h = 0; h < 0x7C00; ++h) {
    const float lo = fp16_to_fp32(h);
    const float hi = h == 0x7BFF ? 65536.0f : fp16_to_fp32(static_cast<Half>(h + 1));
    const float mid = lo + (hi - lo) / 2;  // exact: at most 12 significant bits
    const auto up = static_cast<Half>(h + 1);
    for (const Half sign : {Half{0}, Half{0x8000}}) {
      const float s = sign != 0 ? -1.0f : 1.0f;
      EXPECT_EQ(fp32_to_fp16(s * mid), static_cast<Half>(((h & 1) == 0 ? h : up) | sign)) << h;
      EXPECT_EQ(fp32_to_fp16(s * std::nextafter(mid, lo)), static_cast<Half>(h | sign)) << h;
      EXPECT_EQ(fp32_to_fp16(s * std::nextafter(mid, hi)), static_cast<Half>(up | sign)) << h;
    }
  }
}

TEST(KernelHalf, Fp32ToFp16MatchesNearestHalfOnRandomFloats) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint32_t> any_bits;
  std::uniform_real_distribution<float> near_range(-70000.0f, 70000.0f);
  for (int i = 0; i < 1'000'000; ++i) {
    float f = i % 2 == 0 ? std::bit_cast<float>(any_bits(rng)) : near_range(rng);
    if (i % 4 == 1) f = std::ldexp(f, -20);  // the subnormal range
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(f))));
      continue;
    }
    ASSERT_EQ(static_cast<double>(fp16_to_fp32(fp32_to_fp16(f))), nearest_half(f)) << std::bit_cast<std::uint32_t>(f);
  }
}

TEST(KernelHalf, Fp32ToFp16Specials) {
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(-std::numeric_limits<float>::infinity()), 0xFC00);
  EXPECT_EQ(fp32_to_fp16(1e30f), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(65519.99f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(1e-10f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(fp32_to_fp16(std::numeric_limits<float>::signaling_NaN()))));
}

TEST(KernelHalf, Bf16RoundTripsEveryValue) {
  for (std::uint32_t b = 0; b <= 0xFFFF; ++b) {
    const auto bits = static_cast<std::uint16_t>(b);
    const float f = bf16_to_fp32(bits);
    EXPECT_EQ(std::bit_cast<std::uint32_t>(f), b << 16);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(f)))) << b;
    } else {
      EXPECT_EQ(fp32_to_bf16(f), bits) << b;
    }
  }
}

TEST(KernelHalf, Fp32ToBf16RoundsHalfToEvenAtEveryBoundary) {
  for (std::uint32_t b = 0; b < 0x7F80; ++b) {
    const auto h = static_cast<Bf16>(b);
    const auto up = static_cast<Bf16>(b + 1);
    const float lo = bf16_to_fp32(h);
    // Above the largest finite bf16 the next grid point is 2^128, beyond float: use the tie point directly.
    const float mid = b == 0x7F7F ? std::bit_cast<float>(0x7F7F8000u) : lo + (bf16_to_fp32(up) - lo) / 2;
    EXPECT_EQ(fp32_to_bf16(mid), (b & 1) == 0 ? h : up) << b;
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(std::bit_cast<std::uint32_t>(mid) - 1)), h) << b;
    EXPECT_EQ(fp32_to_bf16(std::bit_cast<float>(std::bit_cast<std::uint32_t>(mid) + 1)), up) << b;
    EXPECT_EQ(fp32_to_bf16(-mid), static_cast<Bf16>(((b & 1) == 0 ? h : up) | 0x8000)) << b;
  }
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_TRUE(std::isnan(bf16_to_fp32(fp32_to_bf16(std::numeric_limits<float>::signaling_NaN()))));
}

}  // namespace
}  // namespace sovra::kernels
