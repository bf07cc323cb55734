#include "gguf/types.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace sovra::gguf {
namespace {

using Dims = std::vector<std::uint64_t>;

TEST(GgufTypes, SupportedTypesHaveGgmlLayouts) {
  // {type, name, elements per block, bytes per block}: ggml's block_* structs, QK_K = 256.
  struct Expect {
    GgmlType type;
    const char* name;
    std::uint32_t block_size;
    std::uint32_t block_bytes;
  };
  const Expect expected[] = {
      {GgmlType::kF32, "F32", 1, 4},       {GgmlType::kF16, "F16", 1, 2},       {GgmlType::kBF16, "BF16", 1, 2},
      {GgmlType::kQ8_0, "Q8_0", 32, 34},   {GgmlType::kQ4_0, "Q4_0", 32, 18},   {GgmlType::kQ4_1, "Q4_1", 32, 20},
      {GgmlType::kQ5_0, "Q5_0", 32, 22},   {GgmlType::kQ5_1, "Q5_1", 32, 24},   {GgmlType::kQ2_K, "Q2_K", 256, 84},
      {GgmlType::kQ3_K, "Q3_K", 256, 110}, {GgmlType::kQ4_K, "Q4_K", 256, 144}, {GgmlType::kQ5_K, "Q5_K", 256, 176},
      {GgmlType::kQ6_K, "Q6_K", 256, 210},
  };
  int supported = 0;
  for (const TypeTraits& t : all_types()) supported += t.status == TypeStatus::kSupported ? 1 : 0;
  EXPECT_EQ(supported, static_cast<int>(std::size(expected)));
  for (const Expect& e : expected) {
    const TypeTraits& t = traits(e.type);
    EXPECT_EQ(t.name, e.name);
    EXPECT_EQ(t.block_size, e.block_size) << e.name;
    EXPECT_EQ(t.block_bytes, e.block_bytes) << e.name;
    EXPECT_TRUE(is_supported(e.type)) << e.name;
    EXPECT_EQ(type_from_name(e.name), e.type);
  }
}

TEST(GgufTypes, OtherIdsAreReportedByName) {
  EXPECT_EQ(type_name(16), "IQ2_XXS");
  EXPECT_EQ(traits(GgmlType::kIQ2_XXS).status, TypeStatus::kUnsupported);
  EXPECT_FALSE(is_supported(GgmlType::kI32));
  EXPECT_EQ(type_name(39), "MXFP4");
  EXPECT_EQ(type_name(31), "Q4_0_4_4");
  EXPECT_EQ(find_type(31)->status, TypeStatus::kRemoved);
  EXPECT_EQ(type_name(40), "unknown type 40");
  EXPECT_EQ(find_type(40), nullptr);
  EXPECT_EQ(find_type(std::numeric_limits<std::uint32_t>::max()), nullptr);
  EXPECT_FALSE(type_from_name("Q4_0_4_4").has_value());
  EXPECT_FALSE(type_from_name("q4_k").has_value());
  EXPECT_EQ(traits(static_cast<GgmlType>(1000)).block_size, 0u);
}

TEST(GgufTypes, ByteSizes) {
  EXPECT_EQ(*tensor_byte_size(GgmlType::kF32, Dims{64, 512}), 64u * 512 * 4);
  EXPECT_EQ(*tensor_byte_size(GgmlType::kF16, Dims{8, 32000}), 8u * 32000 * 2);
  EXPECT_EQ(*tensor_byte_size(GgmlType::kQ8_0, Dims{256, 768}), 8u * 34 * 768);
  EXPECT_EQ(*tensor_byte_size(GgmlType::kQ4_K, Dims{256, 256, 1, 1}), 144u * 256);
  EXPECT_EQ(*tensor_byte_size(GgmlType::kQ6_K, Dims{512, 2, 3}), 2u * 210 * 6);
  EXPECT_EQ(*element_count(Dims{2, 3, 4, 5}), 120u);
}

TEST(GgufTypes, ByteSizeRejectsBadDims) {
  EXPECT_FALSE(element_count(Dims{}));
  EXPECT_FALSE(element_count(Dims{4, 0}));
  EXPECT_FALSE(element_count(Dims{std::uint64_t{1} << 63}));
  EXPECT_FALSE(element_count(Dims{std::uint64_t{1} << 32, std::uint64_t{1} << 31}));
  EXPECT_TRUE(element_count(Dims{std::uint64_t{1} << 31, std::uint64_t{1} << 31}));
  // Elements fit in int64 but bytes do not.
  EXPECT_FALSE(tensor_byte_size(GgmlType::kF32, Dims{std::uint64_t{1} << 31, std::uint64_t{1} << 31}));
  EXPECT_FALSE(tensor_byte_size(GgmlType::kQ4_0, Dims{33}));
  EXPECT_FALSE(tensor_byte_size(GgmlType::kQ2_K, Dims{128, 2}));
  EXPECT_FALSE(tensor_byte_size(static_cast<GgmlType>(31), Dims{32}));
  auto e = tensor_byte_size(GgmlType::kQ4_K, Dims{100});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("block size 256"), std::string::npos) << e.error().message;
}

}  // namespace
}  // namespace sovra::gguf
