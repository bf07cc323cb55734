#include "kernels/quant.hpp"

#include <fmt/format.h>

#include "kernels/cpu/kernel_table.hpp"

namespace sovra::kernels {

std::int64_t row_bytes(gguf::GgmlType type, std::int64_t n) {
  const gguf::TypeTraits& t = gguf::traits(type);
  if (t.block_size == 0 || n <= 0 || n % t.block_size != 0) return 0;
  return n / t.block_size * t.block_bytes;
}

Status check_row(gguf::GgmlType type, std::int64_t n) {
  if (cpu::reference_kernels(type) == nullptr) {
    return Error::invalid(fmt::format("no CPU kernels for tensor type {}", gguf::type_name(type)));
  }
  if (row_bytes(type, n) == 0) {
    return Error::invalid(fmt::format("a row of {} elements is not a positive multiple of {}'s block size {}", n,
                                      gguf::type_name(type), gguf::traits(type).block_size));
  }
  return {};
}

Status dequantize_row(gguf::GgmlType type, const void* src, float* dst, std::int64_t n) {
  SOVRA_CHECK(check_row(type, n));
  cpu::kernels_for(type)->dequantize_row(src, dst, n);
  return {};
}

Status quantize_row(gguf::GgmlType type, const float* src, void* dst, std::int64_t n) {
  SOVRA_CHECK(check_row(type, n));
  cpu::kernels_for(type)->quantize_row(src, dst, n);
  return {};
}

}  // namespace sovra::kernels
