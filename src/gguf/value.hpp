#pragma once
// GGUF metadata values: the value type ids and a read-only view of one value inside a GGUF byte buffer.
//
// Contract: a Value is produced only by Value::decode, which checks the whole encoding (lengths, counts,
// nesting depth, bool bytes) against the buffer before it returns. Accessors then never fail on structure;
// they return std::nullopt only when the caller asks for a type the value does not have (no conversions except
// the explicitly named get_uint / get_int / get_float). A Value borrows the buffer: it is valid while the
// buffer (for a Reader: the Reader) lives.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace sovra::gguf {

class Cursor;

// gguf_metadata_value_type. Values are file format: never renumber.
enum class ValueType : std::uint32_t {
  kU8 = 0,
  kI8 = 1,
  kU16 = 2,
  kI16 = 3,
  kU32 = 4,
  kI32 = 5,
  kF32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kU64 = 10,
  kI64 = 11,
  kF64 = 12,
};

// Arrays may nest; deeper nesting than this is rejected as hostile (real files nest at most once).
inline constexpr int kMaxArrayDepth = 8;

// "uint32", "string", "array", ...; "invalid type N" for an id outside the enum.
std::string value_type_name(ValueType type);
std::optional<ValueType> value_type_from_id(std::uint32_t id);
// Bytes of one value of a fixed-size type; 0 for string and array.
std::size_t fixed_size(ValueType type);

// The C++ type that stands for each GGUF value type in typed accessors.
template <typename T>
struct ValueTypeOf;
template <>
struct ValueTypeOf<std::uint8_t> {
  static constexpr ValueType kType = ValueType::kU8;
};
template <>
struct ValueTypeOf<std::int8_t> {
  static constexpr ValueType kType = ValueType::kI8;
};
template <>
struct ValueTypeOf<std::uint16_t> {
  static constexpr ValueType kType = ValueType::kU16;
};
template <>
struct ValueTypeOf<std::int16_t> {
  static constexpr ValueType kType = ValueType::kI16;
};
template <>
struct ValueTypeOf<std::uint32_t> {
  static constexpr ValueType kType = ValueType::kU32;
};
template <>
struct ValueTypeOf<std::int32_t> {
  static constexpr ValueType kType = ValueType::kI32;
};
template <>
struct ValueTypeOf<std::uint64_t> {
  static constexpr ValueType kType = ValueType::kU64;
};
template <>
struct ValueTypeOf<std::int64_t> {
  static constexpr ValueType kType = ValueType::kI64;
};
template <>
struct ValueTypeOf<float> {
  static constexpr ValueType kType = ValueType::kF32;
};
template <>
struct ValueTypeOf<double> {
  static constexpr ValueType kType = ValueType::kF64;
};
template <>
struct ValueTypeOf<bool> {
  static constexpr ValueType kType = ValueType::kBool;
};
template <>
struct ValueTypeOf<std::string_view> {
  static constexpr ValueType kType = ValueType::kString;
};
template <>
struct ValueTypeOf<std::string> {
  static constexpr ValueType kType = ValueType::kString;
};

class Value {
 public:
  ValueType type() const { return type_; }
  // The value exactly as stored after its type tag (a string's length prefix, an array's element type and
  // count included): what a writer copies to reproduce it.
  std::span<const std::byte> encoded() const { return encoded_; }

  // The value when it has exactly type T (T: the fixed-width integers, float, double, bool, std::string_view,
  // std::string); std::nullopt otherwise.
  template <typename T>
  std::optional<T> get() const;
  // Any integer type holding a value that fits the result; std::nullopt for other types or out of range.
  std::optional<std::uint64_t> get_uint() const;
  std::optional<std::int64_t> get_int() const;
  // float32 or float64, as double.
  std::optional<double> get_float() const;

  bool is_array() const { return type_ == ValueType::kArray; }
  // Arrays only: the elements' type and count (for other types: kU8 and 0).
  ValueType element_type() const { return element_type_; }
  std::uint64_t size() const { return count_; }
  // All elements when this is an array of exactly T (as for get<T>); std::nullopt otherwise.
  template <typename T>
  std::optional<std::vector<T>> get_array() const;
  // Every element as a Value, whatever its type (nested arrays included); empty for non-arrays.
  std::vector<Value> elements() const;

  // Decodes one value of `type` at the cursor and advances past it. `depth` is the array nesting of the value
  // (0 for a metadata value). Errors name the byte offset in the cursor's buffer and what is wrong.
  static Result<Value> decode(Cursor& cursor, ValueType type, int depth = 0);

 private:
  Value() = default;
  // Where an array's elements or a string's bytes start inside encoded_.
  std::size_t payload_offset() const;

  ValueType type_ = ValueType::kArray;
  ValueType element_type_ = ValueType::kU8;
  std::uint64_t count_ = 0;
  std::span<const std::byte> encoded_;
};

}  // namespace sovra::gguf
