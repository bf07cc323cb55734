#include "kernels/quant/blocks.hpp"

#include <gtest/gtest.h>

#include <cstddef>

#include "gguf/types.hpp"

namespace sovra::kernels {
namespace {

using gguf::GgmlType;

// blocks.hpp asserts the sizes at compile time; this ties them to the GGUF type table the reader uses.
TEST(KernelBlocks, StructSizesMatchGgufTraits) {
  struct Expect {
    GgmlType type;
    std::size_t bytes;
    int elements;
  };
  const Expect expected[] = {
      {GgmlType::kQ4_0, sizeof(BlockQ4_0), kQk},  {GgmlType::kQ4_1, sizeof(BlockQ4_1), kQk},
      {GgmlType::kQ5_0, sizeof(BlockQ5_0), kQk},  {GgmlType::kQ5_1, sizeof(BlockQ5_1), kQk},
      {GgmlType::kQ8_0, sizeof(BlockQ8_0), kQk},  {GgmlType::kQ8_1, sizeof(BlockQ8_1), kQk},
      {GgmlType::kQ2_K, sizeof(BlockQ2_K), kQkK}, {GgmlType::kQ3_K, sizeof(BlockQ3_K), kQkK},
      {GgmlType::kQ4_K, sizeof(BlockQ4_K), kQkK}, {GgmlType::kQ5_K, sizeof(BlockQ5_K), kQkK},
      {GgmlType::kQ6_K, sizeof(BlockQ6_K), kQkK}, {GgmlType::kQ8_K, sizeof(BlockQ8_K), kQkK},
      {GgmlType::kF16, sizeof(Half), 1},          {GgmlType::kBF16, sizeof(Bf16), 1},
  };
  for (const Expect& e : expected) {
    const gguf::TypeTraits& t = gguf::traits(e.type);
    EXPECT_EQ(t.block_bytes, e.bytes) << t.name;
    EXPECT_EQ(t.block_size, static_cast<std::uint32_t>(e.elements)) << t.name;
  }
}

TEST(KernelBlocks, FieldOffsetsFollowGgml) {
  EXPECT_EQ(offsetof(BlockQ5_0, qs), 6u);
  EXPECT_EQ(offsetof(BlockQ5_1, qh), 4u);
  EXPECT_EQ(offsetof(BlockQ2_K, d), 80u);
  EXPECT_EQ(offsetof(BlockQ3_K, scales), 96u);
  EXPECT_EQ(offsetof(BlockQ3_K, d), 108u);
  EXPECT_EQ(offsetof(BlockQ4_K, qs), 16u);
  EXPECT_EQ(offsetof(BlockQ5_K, qh), 16u);
  EXPECT_EQ(offsetof(BlockQ5_K, qs), 48u);
  EXPECT_EQ(offsetof(BlockQ6_K, scales), 192u);
  EXPECT_EQ(offsetof(BlockQ6_K, d), 208u);
  EXPECT_EQ(offsetof(BlockQ8_K, bsums), 260u);
}

}  // namespace
}  // namespace sovra::kernels
