#pragma once
// GGUF v3 writer: metadata of every value type, tensor infos and aligned tensor data, to a file or to memory.
//
// Contract:
// - MetaValue holds one metadata value already encoded as GGUF stores it; MetaValue::copy_of reproduces a value
//   read by the Reader byte for byte.
// - Writer::set / add_tensor check what they are given (keys, names, dims, types, data sizes) and return an
//   Error instead of producing a file the Reader would reject. The writer owns general.alignment: it comes from
//   WriterOptions and is written only when it differs from the default 32.
// - Tensor data is borrowed, not copied: each span passed to add_tensor must stay valid until the last
//   write_file / to_bytes call. Tensors are laid out in the order added, each at an aligned offset, with zero
//   padding after the tensor infos and after every tensor.
// - write_file writes "<path>.tmp" and renames it over `path`, so a reader never sees a half-written file.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "gguf/types.hpp"
#include "gguf/value.hpp"

namespace sovra::gguf {

class MetaValue {
 public:
  static MetaValue u8(std::uint8_t v);
  static MetaValue i8(std::int8_t v);
  static MetaValue u16(std::uint16_t v);
  static MetaValue i16(std::int16_t v);
  static MetaValue u32(std::uint32_t v);
  static MetaValue i32(std::int32_t v);
  static MetaValue u64(std::uint64_t v);
  static MetaValue i64(std::int64_t v);
  static MetaValue f32(float v);
  static MetaValue f64(double v);
  static MetaValue boolean(bool v);
  static MetaValue string(std::string_view v);
  // An array of scalars or strings (T as in Value::get: fixed-width integers, float, double, bool,
  // std::string, std::string_view).
  template <typename T>
  static MetaValue array(std::span<const T> items);
  template <typename T>
  static MetaValue array(const std::vector<T>& items) {
    return array(std::span<const T>(items));
  }
  // An array of any values, nested arrays included; every item must have `element_type`, and nesting may not
  // exceed kMaxArrayDepth.
  static Result<MetaValue> array_of(ValueType element_type, std::span<const MetaValue> items);
  // The value exactly as the Reader saw it.
  static MetaValue copy_of(const Value& value);

  ValueType type() const { return type_; }
  // Encoded as stored in the file after its type tag.
  std::span<const std::byte> encoded() const { return encoded_; }

 private:
  template <typename T>
  static MetaValue scalar(T v);
  MetaValue(ValueType type, int depth) : type_(type), depth_(depth) {}

  ValueType type_;
  int depth_ = 0;  // array nesting inside this value: 0 for scalars and flat arrays
  std::vector<std::byte> encoded_;
};

struct WriterOptions {
  std::uint32_t alignment = 32;  // power of two, multiple of 8
};

struct NewTensor {
  std::string name;                 // 1..64 bytes, unique in the file
  GgmlType type = GgmlType::kF32;   // any type with a layout
  std::vector<std::uint64_t> dims;  // ggml order, 1..4 dims, dims[0] a multiple of the type's block size
  std::span<const std::byte> data;  // exactly tensor_byte_size(type, dims) bytes; borrowed until written
};

class Writer {
 public:
  explicit Writer(WriterOptions options = {});

  // Adds a key or replaces its value in place (keys keep their first position). Keys are 1..65535 printable
  // ASCII bytes; general.alignment is refused (use WriterOptions).
  Status set(std::string_view key, MetaValue value);
  // Removes a key; false if absent.
  bool remove(std::string_view key);
  Status add_tensor(NewTensor tensor);

  // The whole file in memory; meant for tests and small files.
  Result<std::vector<std::byte>> to_bytes() const;
  Status write_file(const std::filesystem::path& path) const;

 private:
  struct Entry {
    std::string key;
    MetaValue value;
  };
  struct Tensor {
    NewTensor spec;
    std::uint64_t n_bytes = 0;
    std::uint64_t offset = 0;  // relative to the data section, aligned
  };

  // Everything before the tensor data, padding included.
  std::vector<std::byte> header() const;

  WriterOptions options_;
  Status options_status_;
  std::vector<Entry> entries_;
  std::vector<Tensor> tensors_;
  std::uint64_t data_size_ = 0;  // bytes of the data section, padding after the last tensor included
};

}  // namespace sovra::gguf
