#include "gguf/value.hpp"

#include <limits>

#include <fmt/format.h>

#include "gguf/cursor.hpp"

namespace sovra::gguf {
namespace {

constexpr std::size_t kArrayHeaderBytes = 4 + 8;  // element type, count
constexpr std::size_t kStringHeaderBytes = 8;     // length

// The fewest bytes one value of `type` can occupy; bounds element counts before any loop runs.
std::size_t min_encoded_size(ValueType type) {
  switch (type) {
    case ValueType::kString:
      return kStringHeaderBytes;
    case ValueType::kArray:
      return kArrayHeaderBytes;
    default:
      return fixed_size(type);
  }
}

Error corrupt_at(std::size_t pos, std::string_view what) {
  return Error::corrupt(fmt::format("at byte {}: {}", pos, what));
}

template <typename T>
std::optional<T> as_fixed(const Value& v) {
  if (v.type() != ValueTypeOf<T>::kType) return std::nullopt;
  return load_le<T>(v.encoded().data());
}

}  // namespace

std::string value_type_name(ValueType type) {
  switch (type) {
    case ValueType::kU8:
      return "uint8";
    case ValueType::kI8:
      return "int8";
    case ValueType::kU16:
      return "uint16";
    case ValueType::kI16:
      return "int16";
    case ValueType::kU32:
      return "uint32";
    case ValueType::kI32:
      return "int32";
    case ValueType::kF32:
      return "float32";
    case ValueType::kBool:
      return "bool";
    case ValueType::kString:
      return "string";
    case ValueType::kArray:
      return "array";
    case ValueType::kU64:
      return "uint64";
    case ValueType::kI64:
      return "int64";
    case ValueType::kF64:
      return "float64";
  }
  return fmt::format("invalid type {}", static_cast<std::uint32_t>(type));
}

std::optional<ValueType> value_type_from_id(std::uint32_t id) {
  if (id > static_cast<std::uint32_t>(ValueType::kF64)) return std::nullopt;
  return static_cast<ValueType>(id);
}

std::size_t fixed_size(ValueType type) {
  switch (type) {
    case ValueType::kU8:
    case ValueType::kI8:
    case ValueType::kBool:
      return 1;
    case ValueType::kU16:
    case ValueType::kI16:
      return 2;
    case ValueType::kU32:
    case ValueType::kI32:
    case ValueType::kF32:
      return 4;
    case ValueType::kU64:
    case ValueType::kI64:
    case ValueType::kF64:
      return 8;
    case ValueType::kString:
    case ValueType::kArray:
      return 0;
  }
  return 0;
}

Result<Value> Value::decode(Cursor& cursor, ValueType type, int depth) {
  const std::size_t start = cursor.pos();
  Value v;
  v.type_ = type;
  switch (type) {
    case ValueType::kString: {
      std::uint64_t len = 0;
      std::span<const std::byte> unused;
      if (!cursor.read(len)) return corrupt_at(start, "string length is truncated");
      if (len > cursor.remaining()) {
        return corrupt_at(start,
                          fmt::format("string length {} exceeds the remaining {} bytes", len, cursor.remaining()));
      }
      (void)cursor.take(static_cast<std::size_t>(len), unused);
      break;
    }
    case ValueType::kArray: {
      std::uint32_t elem_id = 0;
      std::uint64_t count = 0;
      if (!cursor.read(elem_id) || !cursor.read(count)) return corrupt_at(start, "array header is truncated");
      const auto elem = value_type_from_id(elem_id);
      if (!elem) return corrupt_at(start, fmt::format("array element type {} is not a GGUF value type", elem_id));
      if (*elem == ValueType::kArray && depth + 1 >= kMaxArrayDepth) {
        return corrupt_at(start, fmt::format("arrays nested deeper than {} levels", kMaxArrayDepth));
      }
      // Checked by division, so a hostile count cannot overflow the multiplication.
      const std::size_t min_size = min_encoded_size(*elem);
      if (count > cursor.remaining() / min_size) {
        return corrupt_at(start, fmt::format("array of {} {} values cannot fit in the remaining {} bytes", count,
                                             value_type_name(*elem), cursor.remaining()));
      }
      v.element_type_ = *elem;
      v.count_ = count;
      if (const std::size_t size = fixed_size(*elem); size != 0) {
        std::span<const std::byte> items;
        (void)cursor.take(static_cast<std::size_t>(count) * size, items);
        if (*elem == ValueType::kBool) {
          for (std::size_t i = 0; i < items.size(); ++i) {
            if (static_cast<std::uint8_t>(items[i]) > 1) {
              return corrupt_at(start + kArrayHeaderBytes + i, fmt::format("bool array element {} is {}, not 0 or 1", i,
                                                                           static_cast<unsigned>(items[i])));
            }
          }
        }
      } else {
        for (std::uint64_t i = 0; i < count; ++i) {
          auto item = decode(cursor, *elem, depth + 1);
          if (!item) {
            Error e = std::move(item).error();
            e.message = fmt::format("array element {}: {}", i, e.message);
            return e;
          }
        }
      }
      break;
    }
    default: {
      const auto value_type = static_cast<std::uint32_t>(type);
      if (value_type > static_cast<std::uint32_t>(ValueType::kF64)) {
        return corrupt_at(start, fmt::format("value type {} is not a GGUF value type", value_type));
      }
      std::span<const std::byte> bytes;
      if (!cursor.take(fixed_size(type), bytes)) {
        return corrupt_at(start, fmt::format("{} value is truncated", value_type_name(type)));
      }
      if (type == ValueType::kBool && static_cast<std::uint8_t>(bytes[0]) > 1) {
        return corrupt_at(start, fmt::format("bool value is {}, not 0 or 1", static_cast<unsigned>(bytes[0])));
      }
      break;
    }
  }
  v.encoded_ = cursor.bytes().subspan(start, cursor.pos() - start);
  return v;
}

std::size_t Value::payload_offset() const {
  switch (type_) {
    case ValueType::kString:
      return kStringHeaderBytes;
    case ValueType::kArray:
      return kArrayHeaderBytes;
    default:
      return 0;
  }
}

template <typename T>
std::optional<T> Value::get() const {
  if constexpr (std::is_same_v<T, std::string_view> || std::is_same_v<T, std::string>) {
    if (type_ != ValueType::kString) return std::nullopt;
    const auto s = encoded_.subspan(kStringHeaderBytes);
    return T(reinterpret_cast<const char*>(s.data()), s.size());
  } else if constexpr (std::is_same_v<T, bool>) {
    if (type_ != ValueType::kBool) return std::nullopt;
    return encoded_[0] != std::byte{0};
  } else {
    return as_fixed<T>(*this);
  }
}

std::optional<std::uint64_t> Value::get_uint() const {
  switch (type_) {
    case ValueType::kU8:
      return *get<std::uint8_t>();
    case ValueType::kU16:
      return *get<std::uint16_t>();
    case ValueType::kU32:
      return *get<std::uint32_t>();
    case ValueType::kU64:
      return *get<std::uint64_t>();
    case ValueType::kI8:
    case ValueType::kI16:
    case ValueType::kI32:
    case ValueType::kI64: {
      const std::int64_t i = *get_int();
      if (i < 0) return std::nullopt;
      return static_cast<std::uint64_t>(i);
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::int64_t> Value::get_int() const {
  switch (type_) {
    case ValueType::kI8:
      return *get<std::int8_t>();
    case ValueType::kI16:
      return *get<std::int16_t>();
    case ValueType::kI32:
      return *get<std::int32_t>();
    case ValueType::kI64:
      return *get<std::int64_t>();
    case ValueType::kU8:
    case ValueType::kU16:
    case ValueType::kU32:
    case ValueType::kU64: {
      const std::uint64_t u = *get_uint();
      if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
      return static_cast<std::int64_t>(u);
    }
    default:
      return std::nullopt;
  }
}

std::optional<double> Value::get_float() const {
  if (type_ == ValueType::kF32) return static_cast<double>(*get<float>());
  if (type_ == ValueType::kF64) return *get<double>();
  return std::nullopt;
}

std::vector<Value> Value::elements() const {
  std::vector<Value> out;
  if (type_ != ValueType::kArray) return out;
  out.reserve(static_cast<std::size_t>(count_));
  Cursor c(encoded_, kArrayHeaderBytes);
  for (std::uint64_t i = 0; i < count_; ++i) {
    // decode() already accepted these bytes once, at this depth or shallower, so this cannot fail; stop if it
    // somehow did rather than return garbage.
    auto item = decode(c, element_type_, 0);
    if (!item) break;
    out.push_back(*item);
  }
  return out;
}

template <typename T>
std::optional<std::vector<T>> Value::get_array() const {
  if (type_ != ValueType::kArray || element_type_ != ValueTypeOf<T>::kType) return std::nullopt;
  std::vector<T> out;
  out.reserve(static_cast<std::size_t>(count_));
  if constexpr (std::is_same_v<T, std::string_view> || std::is_same_v<T, std::string>) {
    for (const Value& e : elements()) out.push_back(*e.get<T>());
  } else {
    const std::byte* p = encoded_.data() + payload_offset();
    for (std::uint64_t i = 0; i < count_; ++i, p += sizeof(T)) {
      if constexpr (std::is_same_v<T, bool>) {
        out.push_back(*p != std::byte{0});
      } else {
        out.push_back(load_le<T>(p));
      }
    }
  }
  return out;
}

// NOLINTBEGIN(bugprone-macro-parentheses): T is a type
#define SOVRA_GGUF_VALUE_INSTANTIATE(T)            \
  template std::optional<T> Value::get<T>() const; \
  template std::optional<std::vector<T>> Value::get_array<T>() const;
SOVRA_GGUF_VALUE_INSTANTIATE(std::uint8_t)
SOVRA_GGUF_VALUE_INSTANTIATE(std::int8_t)
SOVRA_GGUF_VALUE_INSTANTIATE(std::uint16_t)
SOVRA_GGUF_VALUE_INSTANTIATE(std::int16_t)
SOVRA_GGUF_VALUE_INSTANTIATE(std::uint32_t)
SOVRA_GGUF_VALUE_INSTANTIATE(std::int32_t)
SOVRA_GGUF_VALUE_INSTANTIATE(std::uint64_t)
SOVRA_GGUF_VALUE_INSTANTIATE(std::int64_t)
SOVRA_GGUF_VALUE_INSTANTIATE(float)
SOVRA_GGUF_VALUE_INSTANTIATE(double)
SOVRA_GGUF_VALUE_INSTANTIATE(bool)
SOVRA_GGUF_VALUE_INSTANTIATE(std::string_view)
SOVRA_GGUF_VALUE_INSTANTIATE(std::string)
#undef SOVRA_GGUF_VALUE_INSTANTIATE
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace sovra::gguf
