#include "gguf/reader.hpp"

#include <fmt/format.h>

#include "gguf/mapped_file.hpp"
#include "gguf/parser.hpp"

namespace sovra::gguf {
namespace {

Error wrong_type(std::string_view key, const Value& v, std::string_view wanted) {
  std::string actual = value_type_name(v.type());
  if (v.is_array()) actual = "array of " + value_type_name(v.element_type());
  return Error::invalid(fmt::format("metadata '{}' is {}, expected {}", key, actual, wanted));
}

Error missing(std::string_view key) { return Error::not_found(fmt::format("metadata '{}' is missing", key)); }

}  // namespace

Result<Reader> Reader::open(const std::filesystem::path& path, ReadOptions options) {
  auto file = MappedFile::open(path);
  if (!file) return std::move(file).error();
  Reader r;
  r.file_ = std::make_unique<MappedFile>(std::move(*file));
  r.bytes_ = r.file_->bytes();
  if (auto st = Parser::parse(r, options); !st) {
    Error e = std::move(st).error();
    e.message = fmt::format("{}: {}", path.string(), e.message);
    return e;
  }
  return r;
}

Result<Reader> Reader::from_memory(std::span<const std::byte> bytes, ReadOptions options) {
  Reader r;
  r.bytes_ = bytes;
  if (auto st = Parser::parse(r, options); !st) return std::move(st).error();
  return r;
}

Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;
Reader::~Reader() = default;

const Value* Reader::find(std::string_view key) const {
  const auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kvs_[it->second].value;
}

template <typename T>
Result<T> Reader::get(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  auto out = v->get<T>();
  if (!out) return wrong_type(key, *v, value_type_name(ValueTypeOf<T>::kType));
  return std::move(*out);
}

Result<std::uint64_t> Reader::get_uint(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  auto out = v->get_uint();
  if (!out) {
    if (v->get_int()) return Error::invalid(fmt::format("metadata '{}' is negative", key));
    return wrong_type(key, *v, "an unsigned integer");
  }
  return *out;
}

Result<double> Reader::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  auto out = v->get_float();
  if (!out) return wrong_type(key, *v, "float32 or float64");
  return *out;
}

template <typename T>
Result<std::vector<T>> Reader::get_array(std::string_view key) const {
  const Value* v = find(key);
  if (v == nullptr) return missing(key);
  auto out = v->get_array<T>();
  if (!out) return wrong_type(key, *v, "array of " + value_type_name(ValueTypeOf<T>::kType));
  return std::move(*out);
}

const TensorInfo* Reader::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<std::span<const std::byte>> Reader::tensor_data(std::string_view name) const {
  const TensorInfo* t = find_tensor(name);
  if (t == nullptr) return Error::not_found(fmt::format("tensor '{}' is missing", name));
  return t->data;
}

// NOLINTBEGIN(bugprone-macro-parentheses): T is a type
#define SOVRA_GGUF_READER_INSTANTIATE(T)                         \
  template Result<T> Reader::get<T>(std::string_view key) const; \
  template Result<std::vector<T>> Reader::get_array<T>(std::string_view key) const;
SOVRA_GGUF_READER_INSTANTIATE(std::uint8_t)
SOVRA_GGUF_READER_INSTANTIATE(std::int8_t)
SOVRA_GGUF_READER_INSTANTIATE(std::uint16_t)
SOVRA_GGUF_READER_INSTANTIATE(std::int16_t)
SOVRA_GGUF_READER_INSTANTIATE(std::uint32_t)
SOVRA_GGUF_READER_INSTANTIATE(std::int32_t)
SOVRA_GGUF_READER_INSTANTIATE(std::uint64_t)
SOVRA_GGUF_READER_INSTANTIATE(std::int64_t)
SOVRA_GGUF_READER_INSTANTIATE(float)
SOVRA_GGUF_READER_INSTANTIATE(double)
SOVRA_GGUF_READER_INSTANTIATE(bool)
SOVRA_GGUF_READER_INSTANTIATE(std::string_view)
SOVRA_GGUF_READER_INSTANTIATE(std::string)
#undef SOVRA_GGUF_READER_INSTANTIATE
// NOLINTEND(bugprone-macro-parentheses)

}  // namespace sovra::gguf
