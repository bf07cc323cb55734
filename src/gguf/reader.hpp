#pragma once
// GGUF reader: validates a whole GGUF v2/v3 file up front, then serves metadata and tensor data without copies.
//
// Contract:
// - open() maps the file read-only; from_memory() reads a caller-owned buffer that must outlive the Reader.
// - Both validate everything before returning: magic, version, counts against the bytes left, every metadata
//   value (string and array lengths, nesting depth, bool bytes), unique keys, general.alignment, every tensor
//   info (name, dims, type, block divisibility, byte size, offset alignment), unique tensor names, tensor data
//   inside the buffer and not overlapping. Any violation is an Error (kCorruptData for a malformed file,
//   kInvalidArgument for a well-formed file that uses a tensor type Sovra does not support, kIo for open
//   failures) whose message names the problem and where it is; nothing is thrown and nothing is read out of
//   bounds, whatever the input.
// - After a successful open, accessors cannot fail on structure: they fail only with kNotFound for a missing
//   key or tensor and kInvalidArgument for a type mismatch.
// - Every string_view and span handed out points into the mapping (or the caller's buffer) and is valid for the
//   Reader's lifetime, moves included. A Reader is immutable and may be shared across threads.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.hpp"
#include "gguf/types.hpp"
#include "gguf/value.hpp"

namespace sovra::gguf {

class MappedFile;

inline constexpr std::uint32_t kDefaultAlignment = 32;
// Largest general.alignment accepted: real files use 32 or 64. A hostile 2 GiB alignment would otherwise make
// every tool that pads to it (the writer, a copy) allocate gigabytes of zeros.
inline constexpr std::uint32_t kMaxAlignment = 1u << 20;
inline constexpr std::string_view kAlignmentKey = "general.alignment";
inline constexpr std::size_t kMaxKeyBytes = 65535;
inline constexpr std::size_t kMaxTensorNameBytes = 64;
inline constexpr std::uint32_t kMaxDims = 4;

struct ReadOptions {
  // Accept tensors of types with a known layout that Sovra cannot compute with (IQ*, I32, ...), e.g. to list
  // such a file. Off by default: loading a model must fail at open with the type's name.
  bool allow_unsupported_types = false;
};

struct Kv {
  std::string_view key;
  Value value;
};

struct TensorInfo {
  std::string_view name;
  GgmlType type = GgmlType::kF32;
  std::uint32_t n_dims = 0;
  std::array<std::uint64_t, kMaxDims> dims{1, 1, 1, 1};  // ggml order: dims[0] is contiguous; unused dims are 1
  std::uint64_t n_elements = 0;
  std::uint64_t offset = 0;         // bytes, relative to the data section (as stored in the file)
  std::span<const std::byte> data;  // the tensor's bytes inside the mapping; size() is its byte size

  std::span<const std::uint64_t> shape() const { return {dims.data(), n_dims}; }
};

class Reader {
 public:
  static Result<Reader> open(const std::filesystem::path& path, ReadOptions options = {});
  static Result<Reader> from_memory(std::span<const std::byte> bytes, ReadOptions options = {});

  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;
  ~Reader();

  std::uint32_t version() const { return version_; }
  std::uint32_t alignment() const { return alignment_; }
  // Absolute file offset where the (aligned) tensor data section starts. In a file without tensors it may lie
  // past the end: vocab-only files written by gguf-py stop right after the metadata.
  std::uint64_t data_offset() const { return data_offset_; }
  std::span<const std::byte> bytes() const { return bytes_; }
  // Whether bytes() is a read-only mapping of a file (open), whose pages may be dropped and read back at will,
  // rather than the caller's memory (from_memory).
  bool file_mapped() const { return file_ != nullptr; }

  // Metadata in file order.
  std::span<const Kv> kvs() const { return kvs_; }
  const Value* find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  // The value of `key` when it has exactly type T (see Value::get); kNotFound / kInvalidArgument otherwise.
  template <typename T>
  Result<T> get(std::string_view key) const;
  Result<std::uint8_t> get_u8(std::string_view key) const { return get<std::uint8_t>(key); }
  Result<std::int8_t> get_i8(std::string_view key) const { return get<std::int8_t>(key); }
  Result<std::uint16_t> get_u16(std::string_view key) const { return get<std::uint16_t>(key); }
  Result<std::int16_t> get_i16(std::string_view key) const { return get<std::int16_t>(key); }
  Result<std::uint32_t> get_u32(std::string_view key) const { return get<std::uint32_t>(key); }
  Result<std::int32_t> get_i32(std::string_view key) const { return get<std::int32_t>(key); }
  Result<std::uint64_t> get_u64(std::string_view key) const { return get<std::uint64_t>(key); }
  Result<std::int64_t> get_i64(std::string_view key) const { return get<std::int64_t>(key); }
  Result<float> get_f32(std::string_view key) const { return get<float>(key); }
  Result<double> get_f64(std::string_view key) const { return get<double>(key); }
  Result<bool> get_bool(std::string_view key) const { return get<bool>(key); }
  Result<std::string_view> get_string(std::string_view key) const { return get<std::string_view>(key); }
  // Any integer type holding a non-negative value (hyper-parameters are written as uint32 or uint64).
  Result<std::uint64_t> get_uint(std::string_view key) const;
  // float32 or float64.
  Result<double> get_float(std::string_view key) const;
  // An array whose elements have exactly type T.
  template <typename T>
  Result<std::vector<T>> get_array(std::string_view key) const;

  // Tensors in file order.
  std::span<const TensorInfo> tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  // The tensor's bytes inside the mapping; kNotFound when absent.
  Result<std::span<const std::byte>> tensor_data(std::string_view name) const;

 private:
  Reader() = default;
  friend class Parser;

  std::unique_ptr<MappedFile> file_;  // null for from_memory
  std::span<const std::byte> bytes_;
  std::uint32_t version_ = 0;
  std::uint32_t alignment_ = kDefaultAlignment;
  std::uint64_t data_offset_ = 0;
  std::vector<Kv> kvs_;
  std::unordered_map<std::string_view, std::size_t> kv_index_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, std::size_t> tensor_index_;
};

}  // namespace sovra::gguf
