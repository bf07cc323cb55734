#include "gguf/types.hpp"

#include <array>
#include <limits>

#include <fmt/format.h>

namespace sovra::gguf {
namespace {

constexpr auto kSupported = TypeStatus::kSupported;
constexpr auto kUnsupported = TypeStatus::kUnsupported;
constexpr auto kRemoved = TypeStatus::kRemoved;

// Block layouts follow ggml's block_* structs (ggml-common.h); QK_K = 256.
constexpr std::array<TypeTraits, 40> kTypes = {{
    {0, "F32", 1, 4, kSupported},
    {1, "F16", 1, 2, kSupported},
    {2, "Q4_0", 32, 18, kSupported},
    {3, "Q4_1", 32, 20, kSupported},
    {4, "Q4_2", 0, 0, kRemoved},
    {5, "Q4_3", 0, 0, kRemoved},
    {6, "Q5_0", 32, 22, kSupported},
    {7, "Q5_1", 32, 24, kSupported},
    {8, "Q8_0", 32, 34, kSupported},
    {9, "Q8_1", 32, 36, kUnsupported},
    {10, "Q2_K", 256, 84, kSupported},
    {11, "Q3_K", 256, 110, kSupported},
    {12, "Q4_K", 256, 144, kSupported},
    {13, "Q5_K", 256, 176, kSupported},
    {14, "Q6_K", 256, 210, kSupported},
    {15, "Q8_K", 256, 292, kUnsupported},
    {16, "IQ2_XXS", 256, 66, kUnsupported},
    {17, "IQ2_XS", 256, 74, kUnsupported},
    {18, "IQ3_XXS", 256, 98, kUnsupported},
    {19, "IQ1_S", 256, 50, kUnsupported},
    {20, "IQ4_NL", 32, 18, kUnsupported},
    {21, "IQ3_S", 256, 110, kUnsupported},
    {22, "IQ2_S", 256, 82, kUnsupported},
    {23, "IQ4_XS", 256, 136, kUnsupported},
    {24, "I8", 1, 1, kUnsupported},
    {25, "I16", 1, 2, kUnsupported},
    {26, "I32", 1, 4, kUnsupported},
    {27, "I64", 1, 8, kUnsupported},
    {28, "F64", 1, 8, kUnsupported},
    {29, "IQ1_M", 256, 56, kUnsupported},
    {30, "BF16", 1, 2, kSupported},
    {31, "Q4_0_4_4", 0, 0, kRemoved},
    {32, "Q4_0_4_8", 0, 0, kRemoved},
    {33, "Q4_0_8_8", 0, 0, kRemoved},
    {34, "TQ1_0", 256, 54, kUnsupported},
    {35, "TQ2_0", 256, 66, kUnsupported},
    {36, "IQ4_NL_4_4", 0, 0, kRemoved},
    {37, "IQ4_NL_4_8", 0, 0, kRemoved},
    {38, "IQ4_NL_8_8", 0, 0, kRemoved},
    {39, "MXFP4", 32, 17, kUnsupported},
}};

constexpr bool table_is_indexed_by_id() {
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    if (kTypes[i].id != i) return false;
  }
  return true;
}
static_assert(table_is_indexed_by_id());

constexpr std::uint64_t kMaxDim = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

}  // namespace

const TypeTraits* find_type(std::uint32_t id) { return id < kTypes.size() ? &kTypes[id] : nullptr; }

std::span<const TypeTraits> all_types() { return kTypes; }

const TypeTraits& traits(GgmlType type) {
  // Only a GgmlType cast from an unchecked integer misses the table; it gets a layout-less entry.
  static constexpr TypeTraits kUnknown{std::numeric_limits<std::uint32_t>::max(), "unknown", 0, 0, kRemoved};
  const TypeTraits* t = find_type(static_cast<std::uint32_t>(type));
  return t != nullptr ? *t : kUnknown;
}

std::string type_name(std::uint32_t id) {
  const TypeTraits* t = find_type(id);
  if (t == nullptr) return fmt::format("unknown type {}", id);
  return std::string(t->name);
}

std::optional<GgmlType> type_from_name(std::string_view name) {
  for (const TypeTraits& t : kTypes) {
    if (t.status != TypeStatus::kRemoved && t.name == name) return static_cast<GgmlType>(t.id);
  }
  return std::nullopt;
}

Result<std::uint64_t> element_count(std::span<const std::uint64_t> dims) {
  if (dims.empty()) return Error::invalid("tensor has no dimensions");
  std::uint64_t n = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::uint64_t d = dims[i];
    if (d == 0) return Error::invalid(fmt::format("dimension {} is zero", i));
    if (d > kMaxDim) return Error::invalid(fmt::format("dimension {} is {} (negative as int64)", i, d));
    if (n > kMaxDim / d) return Error::invalid("element count overflows int64");
    n *= d;
  }
  return n;
}

Result<std::uint64_t> tensor_byte_size(GgmlType type, std::span<const std::uint64_t> dims) {
  const TypeTraits* t = find_type(static_cast<std::uint32_t>(type));
  if (t == nullptr || t->block_size == 0) {
    return Error::invalid(fmt::format("type {} has no known layout", type_name(static_cast<std::uint32_t>(type))));
  }
  SOVRA_CHECK(element_count(dims));
  if (dims[0] % t->block_size != 0) {
    return Error::invalid(
        fmt::format("first dimension {} is not a multiple of {}'s block size {}", dims[0], t->name, t->block_size));
  }
  // Rows times bytes per row, each step checked against 63 bits so offsets stay representable as int64.
  std::uint64_t bytes = dims[0] / t->block_size;
  if (bytes > kMaxDim / t->block_bytes) return Error::invalid("tensor byte size overflows int64");
  bytes *= t->block_bytes;
  for (std::size_t i = 1; i < dims.size(); ++i) {
    if (bytes > kMaxDim / dims[i]) return Error::invalid("tensor byte size overflows int64");
    bytes *= dims[i];
  }
  return bytes;
}

}  // namespace sovra::gguf
