#pragma once
// Helpers for the GGUF tests: where the shared models are, and a raw byte builder for files the Writer would
// refuse to produce (hostile headers, bad offsets, wrong types).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "gguf/reader.hpp"
#include "gguf/writer.hpp"

namespace sovra::gguf::testing {

inline std::filesystem::path shared_models_dir() { return std::filesystem::path(SOVRA_SHARED_DIR) / "models"; }

// Appends little-endian fields exactly as given, with no checks.
class RawBuilder {
 public:
  template <typename T>
  RawBuilder& put(T v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    bytes_.insert(bytes_.end(), p, p + sizeof v);
    return *this;
  }
  RawBuilder& u32(std::uint32_t v) { return put(v); }
  RawBuilder& u64(std::uint64_t v) { return put(v); }
  RawBuilder& str(std::string_view s) {
    u64(s.size());
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    bytes_.insert(bytes_.end(), p, p + s.size());
    return *this;
  }
  RawBuilder& header(std::uint64_t n_tensors, std::uint64_t n_kv, std::uint32_t version = 3) {
    bytes_.insert(bytes_.end(), {std::byte{'G'}, std::byte{'G'}, std::byte{'U'}, std::byte{'F'}});
    return u32(version).u64(n_tensors).u64(n_kv);
  }
  RawBuilder& kv_u32(std::string_view key, std::uint32_t v) { return str(key).u32(4).u32(v); }
  RawBuilder& kv_string(std::string_view key, std::string_view v) { return str(key).u32(8).str(v); }
  RawBuilder& tensor_info(std::string_view name, std::vector<std::uint64_t> dims, std::uint32_t type,
                          std::uint64_t offset) {
    str(name).u32(static_cast<std::uint32_t>(dims.size()));
    for (std::uint64_t d : dims) u64(d);
    return u32(type).u64(offset);
  }
  RawBuilder& pad_to(std::size_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(std::byte{0});
    return *this;
  }
  RawBuilder& zeros(std::size_t n) {
    bytes_.resize(bytes_.size() + n, std::byte{0});
    return *this;
  }
  std::size_t size() const { return bytes_.size(); }
  const std::vector<std::byte>& bytes() const { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

inline Result<Reader> read_bytes(const std::vector<std::byte>& bytes, ReadOptions options = {}) {
  return Reader::from_memory(std::span<const std::byte>(bytes), options);
}

// A small file with metadata of several kinds and three tensors, as the Writer produces it.
inline std::vector<std::byte> small_valid_file() {
  static const std::vector<float> kF32 = [] {
    std::vector<float> v(12);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.5f;
    return v;
  }();
  static const std::vector<std::byte> kQ8(34 * 2, std::byte{0x11});
  static const std::vector<std::byte> kF16(2 * 8, std::byte{0x3c});
  Writer w;
  (void)w.set("general.architecture", MetaValue::string("llama"));
  (void)w.set("llama.block_count", MetaValue::u32(1));
  (void)w.set("llama.rope.freq_base", MetaValue::f32(10000.0f));
  (void)w.set("tokenizer.ggml.tokens", MetaValue::array(std::vector<std::string>{"<unk>", "<s>", "</s>"}));
  (void)w.set("tokenizer.ggml.scores", MetaValue::array(std::vector<float>{0.0f, -1.0f, -2.0f}));
  (void)w.set("general.flag", MetaValue::boolean(true));
  (void)w.add_tensor({.name = "a.weight",
                      .type = GgmlType::kF32,
                      .dims = {4, 3},
                      .data = std::as_bytes(std::span<const float>(kF32))});
  (void)w.add_tensor({.name = "b.weight", .type = GgmlType::kQ8_0, .dims = {64}, .data = kQ8});
  (void)w.add_tensor({.name = "c.weight", .type = GgmlType::kF16, .dims = {8}, .data = kF16});
  return std::move(w.to_bytes()).value();
}

}  // namespace sovra::gguf::testing
