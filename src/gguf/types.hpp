#pragma once
// ggml tensor types as stored in GGUF files: ids, names, block layout and tensor byte sizes.
//
// Contract: the table covers every id the GGUF spec lists. Types Sovra's kernels can compute with are
// `supported`; the other current types keep their layout so that files holding them can still be read and
// reported by name; ids that ggml removed from GGUF are known by name only (no layout). Functions here never
// throw and report every overflow as an Error instead of wrapping.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace sovra::gguf {

// The ggml_type ids of the GGUF spec. Values are file format: never renumber.
enum class GgmlType : std::uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ5_0 = 6,
  kQ5_1 = 7,
  kQ8_0 = 8,
  kQ8_1 = 9,
  kQ2_K = 10,
  kQ3_K = 11,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kQ8_K = 15,
  kIQ2_XXS = 16,
  kIQ2_XS = 17,
  kIQ3_XXS = 18,
  kIQ1_S = 19,
  kIQ4_NL = 20,
  kIQ3_S = 21,
  kIQ2_S = 22,
  kIQ4_XS = 23,
  kI8 = 24,
  kI16 = 25,
  kI32 = 26,
  kI64 = 27,
  kF64 = 28,
  kIQ1_M = 29,
  kBF16 = 30,
  kTQ1_0 = 34,
  kTQ2_0 = 35,
  kMXFP4 = 39,
};

enum class TypeStatus {
  kSupported,    // Sovra reads and computes with it
  kUnsupported,  // a current ggml type with a known layout that Sovra does not compute with
  kRemoved,      // an id ggml no longer writes to GGUF; no layout
};

struct TypeTraits {
  std::uint32_t id = 0;
  std::string_view name;          // as ggml spells it: "Q4_K", "BF16"
  std::uint32_t block_size = 0;   // elements per block; 1 for plain types; 0 when removed
  std::uint32_t block_bytes = 0;  // bytes per block
  TypeStatus status = TypeStatus::kRemoved;
};

// The entry for a ggml type id, or nullptr when the id was never assigned.
const TypeTraits* find_type(std::uint32_t id);
// Every entry of the table, ordered by id.
std::span<const TypeTraits> all_types();
// The traits of a type of the enum. An enumerator always has an entry with a layout; a value cast from an
// unchecked integer gets an entry named "unknown" with block_size 0.
const TypeTraits& traits(GgmlType type);
// "Q4_K"; "Q4_0_4_4" for removed ids; "unknown type 99" for ids never assigned.
std::string type_name(std::uint32_t id);
inline std::string type_name(GgmlType type) { return type_name(static_cast<std::uint32_t>(type)); }
// Looks a type up by its ggml name (case-sensitive, "Q4_K"); only types with a layout.
std::optional<GgmlType> type_from_name(std::string_view name);
inline bool is_supported(GgmlType type) { return traits(type).status == TypeStatus::kSupported; }

// Number of elements of a tensor with these dims (ggml order, dims[0] contiguous). Fails on an empty dims
// list, a zero dim, a dim above INT64_MAX or a product above INT64_MAX.
Result<std::uint64_t> element_count(std::span<const std::uint64_t> dims);
// Bytes a tensor of `type` and `dims` occupies. Fails as element_count does, when dims[0] is not a multiple of
// the type's block size, when the type has no layout, or when the size overflows 63 bits.
Result<std::uint64_t> tensor_byte_size(GgmlType type, std::span<const std::uint64_t> dims);

}  // namespace sovra::gguf
