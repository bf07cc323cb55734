#include "gguf/writer.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "gguf/reader.hpp"

namespace sovra::gguf {
namespace {

constexpr std::uint32_t kVersion = 3;

template <typename T>
void put(std::vector<std::byte>& out, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  const auto* p = reinterpret_cast<const std::byte*>(&v);
  out.insert(out.end(), p, p + sizeof v);
}

void put_string(std::vector<std::byte>& out, std::string_view s) {
  put<std::uint64_t>(out, s.size());
  const auto* p = reinterpret_cast<const std::byte*>(s.data());
  out.insert(out.end(), p, p + s.size());
}

std::uint64_t align_up(std::uint64_t offset, std::uint32_t alignment) {
  return offset + (alignment - offset % alignment) % alignment;
}

// Array levels inside a value read from a file: 0 for scalars, 1 for a flat array, ...
int levels_of(const Value& v) {
  if (!v.is_array()) return 0;
  int deepest = 0;
  if (v.element_type() == ValueType::kArray) {
    for (const Value& e : v.elements()) deepest = std::max(deepest, levels_of(e));
  }
  return deepest + 1;
}

bool is_printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

Status check_alignment(std::uint32_t a) {
  if (a == 0 || (a & (a - 1)) != 0 || a % 8 != 0 || a > kMaxAlignment) {
    return Error::invalid(
        fmt::format("GGUF alignment {} must be a power of two, a multiple of 8 and at most {}", a, kMaxAlignment));
  }
  return {};
}

}  // namespace

template <typename T>
MetaValue MetaValue::scalar(T v) {
  MetaValue m(ValueTypeOf<T>::kType, 0);
  if constexpr (std::is_same_v<T, bool>) {
    put<std::uint8_t>(m.encoded_, v ? 1 : 0);
  } else {
    put<T>(m.encoded_, v);
  }
  return m;
}

MetaValue MetaValue::u8(std::uint8_t v) { return scalar(v); }
MetaValue MetaValue::i8(std::int8_t v) { return scalar(v); }
MetaValue MetaValue::u16(std::uint16_t v) { return scalar(v); }
MetaValue MetaValue::i16(std::int16_t v) { return scalar(v); }
MetaValue MetaValue::u32(std::uint32_t v) { return scalar(v); }
MetaValue MetaValue::i32(std::int32_t v) { return scalar(v); }
MetaValue MetaValue::u64(std::uint64_t v) { return scalar(v); }
MetaValue MetaValue::i64(std::int64_t v) { return scalar(v); }
MetaValue MetaValue::f32(float v) { return scalar(v); }
MetaValue MetaValue::f64(double v) { return scalar(v); }
MetaValue MetaValue::boolean(bool v) { return scalar(v); }

MetaValue MetaValue::string(std::string_view v) {
  MetaValue m(ValueType::kString, 0);
  put_string(m.encoded_, v);
  return m;
}

template <typename T>
MetaValue MetaValue::array(std::span<const T> items) {
  constexpr ValueType kElem = ValueTypeOf<T>::kType;
  MetaValue m(ValueType::kArray, 1);
  put<std::uint32_t>(m.encoded_, static_cast<std::uint32_t>(kElem));
  put<std::uint64_t>(m.encoded_, items.size());
  for (const T& item : items) {
    if constexpr (kElem == ValueType::kString) {
      put_string(m.encoded_, item);
    } else if constexpr (kElem == ValueType::kBool) {
      put<std::uint8_t>(m.encoded_, item ? 1 : 0);
    } else {
      put<T>(m.encoded_, item);
    }
  }
  return m;
}

Result<MetaValue> MetaValue::array_of(ValueType element_type, std::span<const MetaValue> items) {
  if (!value_type_from_id(static_cast<std::uint32_t>(element_type))) {
    return Error::invalid(
        fmt::format("array element type {} is not a GGUF value type", static_cast<std::uint32_t>(element_type)));
  }
  int deepest = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].type() != element_type) {
      return Error::invalid(fmt::format("array item {} is {}, but the array holds {}", i,
                                        value_type_name(items[i].type()), value_type_name(element_type)));
    }
    deepest = std::max(deepest, items[i].depth_);
  }
  if (deepest + 1 > kMaxArrayDepth) {
    return Error::invalid(fmt::format("arrays nested deeper than {} levels", kMaxArrayDepth));
  }
  MetaValue m(ValueType::kArray, deepest + 1);
  put<std::uint32_t>(m.encoded_, static_cast<std::uint32_t>(element_type));
  put<std::uint64_t>(m.encoded_, items.size());
  for (const MetaValue& item : items) m.encoded_.insert(m.encoded_.end(), item.encoded_.begin(), item.encoded_.end());
  return m;
}

MetaValue MetaValue::copy_of(const Value& value) {
  MetaValue m(value.type(), levels_of(value));
  m.encoded_.assign(value.encoded().begin(), value.encoded().end());
  return m;
}

// NOLINTBEGIN(bugprone-macro-parentheses): T is a type
#define SOVRA_GGUF_ARRAY_INSTANTIATE(T) template MetaValue MetaValue::array<T>(std::span<const T> items);
SOVRA_GGUF_ARRAY_INSTANTIATE(std::uint8_t)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::int8_t)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::uint16_t)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::int16_t)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::uint32_t)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::int32_t)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::uint64_t)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::int64_t)
SOVRA_GGUF_ARRAY_INSTANTIATE(float)
SOVRA_GGUF_ARRAY_INSTANTIATE(double)
SOVRA_GGUF_ARRAY_INSTANTIATE(bool)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::string_view)
SOVRA_GGUF_ARRAY_INSTANTIATE(std::string)
#undef SOVRA_GGUF_ARRAY_INSTANTIATE
// NOLINTEND(bugprone-macro-parentheses)

Writer::Writer(WriterOptions options) : options_(options), options_status_(check_alignment(options.alignment)) {}

Status Writer::set(std::string_view key, MetaValue value) {
  SOVRA_CHECK(options_status_);
  if (key.empty() || key.size() > kMaxKeyBytes || !is_printable_ascii(key)) {
    return Error::invalid(
        fmt::format("metadata key of {} bytes must be 1 to {} printable ASCII bytes", key.size(), kMaxKeyBytes));
  }
  if (key == kAlignmentKey) {
    return Error::invalid(fmt::format("'{}' is set through WriterOptions.alignment", kAlignmentKey));
  }
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.value = std::move(value);
      return {};
    }
  }
  entries_.push_back(Entry{std::string(key), std::move(value)});
  return {};
}

bool Writer::remove(std::string_view key) {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.key == key; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

Status Writer::add_tensor(NewTensor tensor) {
  SOVRA_CHECK(options_status_);
  const std::string& name = tensor.name;
  if (name.empty() || name.size() > kMaxTensorNameBytes) {
    return Error::invalid(fmt::format("tensor name '{}' must be 1 to {} bytes", name, kMaxTensorNameBytes));
  }
  for (const Tensor& t : tensors_) {
    if (t.spec.name == name) return Error::invalid(fmt::format("tensor '{}' is already added", name));
  }
  if (tensor.dims.empty() || tensor.dims.size() > kMaxDims) {
    return Error::invalid(fmt::format("tensor '{}': {} dims, must be 1 to {}", name, tensor.dims.size(), kMaxDims));
  }
  const TypeTraits* traits = find_type(static_cast<std::uint32_t>(tensor.type));
  if (traits == nullptr || traits->status == TypeStatus::kRemoved) {
    return Error::invalid(fmt::format("tensor '{}': type {} cannot be written", name, type_name(tensor.type)));
  }
  auto n_bytes = tensor_byte_size(tensor.type, tensor.dims);
  if (!n_bytes) return Error::invalid(fmt::format("tensor '{}': {}", name, n_bytes.error().message));
  if (tensor.data.size() != *n_bytes) {
    return Error::invalid(fmt::format("tensor '{}': {} bytes of data, but a {} tensor of these dims has {}", name,
                                      tensor.data.size(), traits->name, *n_bytes));
  }
  const std::uint64_t offset = data_size_;
  data_size_ = align_up(offset + *n_bytes, options_.alignment);
  tensors_.push_back(Tensor{std::move(tensor), *n_bytes, offset});
  return {};
}

std::vector<std::byte> Writer::header() const {
  std::vector<std::byte> out;
  const bool write_alignment = options_.alignment != kDefaultAlignment;
  put<std::uint32_t>(out, 0x46554747);  // "GGUF" read as little-endian
  put<std::uint32_t>(out, kVersion);
  put<std::uint64_t>(out, tensors_.size());
  put<std::uint64_t>(out, entries_.size() + (write_alignment ? 1 : 0));
  const auto put_kv = [&](std::string_view key, const MetaValue& v) {
    put_string(out, key);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(v.type()));
    out.insert(out.end(), v.encoded().begin(), v.encoded().end());
  };
  if (write_alignment) put_kv(kAlignmentKey, MetaValue::u32(options_.alignment));
  for (const Entry& e : entries_) put_kv(e.key, e.value);
  for (const Tensor& t : tensors_) {
    put_string(out, t.spec.name);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(t.spec.dims.size()));
    for (std::uint64_t d : t.spec.dims) put<std::uint64_t>(out, d);
    put<std::uint32_t>(out, static_cast<std::uint32_t>(t.spec.type));
    put<std::uint64_t>(out, t.offset);
  }
  out.resize(static_cast<std::size_t>(align_up(out.size(), options_.alignment)), std::byte{0});
  return out;
}

Result<std::vector<std::byte>> Writer::to_bytes() const {
  SOVRA_CHECK(options_status_);
  std::vector<std::byte> out = header();
  const std::size_t data_start = out.size();
  out.resize(data_start + static_cast<std::size_t>(data_size_), std::byte{0});
  for (const Tensor& t : tensors_) {
    std::copy(t.spec.data.begin(), t.spec.data.end(), out.begin() + static_cast<std::ptrdiff_t>(data_start + t.offset));
  }
  return out;
}

Status Writer::write_file(const std::filesystem::path& path) const {
  SOVRA_CHECK(options_status_);
  const std::filesystem::path tmp = path.string() + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr)
    return Error::io(
        fmt::format("{}: cannot create: {}", tmp.string(), std::error_code(errno, std::generic_category()).message()));
  const auto fail_io = [&](std::string_view what) -> Status {
    const int err = errno;
    if (f != nullptr) std::fclose(f);
    std::remove(tmp.c_str());
    return Error::io(
        fmt::format("{}: {}: {}", tmp.string(), what, std::error_code(err, std::generic_category()).message()));
  };
  const std::vector<std::byte> head = header();
  if (std::fwrite(head.data(), 1, head.size(), f) != head.size()) return fail_io("write failed");
  static constexpr std::byte kZeros[256] = {};
  std::uint64_t written = 0;  // bytes of the data section so far
  for (const Tensor& t : tensors_) {
    for (std::uint64_t pad = t.offset - written; pad > 0;) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(pad, sizeof kZeros));
      if (std::fwrite(kZeros, 1, n, f) != n) return fail_io("write failed");
      pad -= n;
    }
    if (std::fwrite(t.spec.data.data(), 1, t.spec.data.size(), f) != t.spec.data.size()) {
      return fail_io("write failed");
    }
    written = t.offset + t.n_bytes;
  }
  for (std::uint64_t pad = data_size_ - written; pad > 0;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(pad, sizeof kZeros));
    if (std::fwrite(kZeros, 1, n, f) != n) return fail_io("write failed");
    pad -= n;
  }
  if (std::fflush(f) != 0 || ::fsync(fileno(f)) != 0) return fail_io("flush failed");
  const int closed = std::fclose(f);
  f = nullptr;
  if (closed != 0) return fail_io("close failed");
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return Error::io(fmt::format("{}: cannot rename to {}: {}", tmp.string(), path.string(), ec.message()));
  }
  return {};
}

}  // namespace sovra::gguf
