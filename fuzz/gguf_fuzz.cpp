// Fuzzes the GGUF reader over an in-memory buffer: parse → touch every value and tensor byte range → copy with
// the writer → parse the copy, which must succeed and hold the same metadata and tensors.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "gguf/reader.hpp"
#include "gguf/writer.hpp"

namespace {

using sovra::gguf::Kv;
using sovra::gguf::MetaValue;
using sovra::gguf::Reader;
using sovra::gguf::TensorInfo;
using sovra::gguf::Value;

// Reads every element of every value; ASan reports any access outside the input.
std::size_t walk(const Value& v) {
  std::size_t n = v.encoded().size();
  if (auto s = v.get<std::string_view>()) n += s->size();
  if (v.is_array()) {
    for (const Value& e : v.elements()) n += walk(e);
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
  auto parsed = Reader::from_memory(input, {.allow_unsupported_types = true});
  if (!parsed) {
    if (parsed.error().message.empty()) std::abort();
    return 0;
  }
  const Reader& r = *parsed;
  volatile std::size_t sink = 0;
  for (const Kv& kv : r.kvs()) sink = sink + walk(kv.value) + kv.key.size();
  for (const TensorInfo& t : r.tensors()) {
    if (t.data.empty()) std::abort();
    sink = sink + static_cast<std::size_t>(t.data.front()) + static_cast<std::size_t>(t.data.back());
  }

  // Whatever the reader accepts, the writer can reproduce, and the reader accepts the copy.
  sovra::gguf::Writer w({.alignment = r.alignment()});
  for (const Kv& kv : r.kvs()) {
    if (kv.key == sovra::gguf::kAlignmentKey) continue;
    if (!w.set(kv.key, MetaValue::copy_of(kv.value))) std::abort();
  }
  for (const TensorInfo& t : r.tensors()) {
    if (!w.add_tensor({.name = std::string(t.name),
                       .type = t.type,
                       .dims = std::vector<std::uint64_t>(t.shape().begin(), t.shape().end()),
                       .data = t.data})) {
      std::abort();
    }
  }
  auto bytes = w.to_bytes();
  if (!bytes) std::abort();
  auto copy = Reader::from_memory(*bytes, {.allow_unsupported_types = true});
  // The writer emits general.alignment only when it differs from the default, so an explicit default in the input
  // is the one key the copy may lack.
  const auto non_alignment_kvs = [](const Reader& reader) {
    std::size_t n = 0;
    for (const Kv& kv : reader.kvs()) n += kv.key == sovra::gguf::kAlignmentKey ? 0 : 1;
    return n;
  };
  if (!copy || non_alignment_kvs(*copy) != non_alignment_kvs(r) || copy->alignment() != r.alignment() ||
      copy->tensors().size() != r.tensors().size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < r.tensors().size(); ++i) {
    const TensorInfo& a = r.tensors()[i];
    const TensorInfo& b = copy->tensors()[i];
    if (a.name != b.name || a.data.size() != b.data.size() ||
        std::memcmp(a.data.data(), b.data.data(), a.data.size()) != 0) {
      std::abort();
    }
  }
  for (std::size_t i = 0; i < r.kvs().size(); ++i) {
    const Kv& a = r.kvs()[i];
    if (a.key == sovra::gguf::kAlignmentKey) continue;
    const Value* b = copy->find(a.key);
    if (b == nullptr || b->type() != a.value.type() || b->encoded().size() != a.value.encoded().size() ||
        std::memcmp(b->encoded().data(), a.value.encoded().data(), a.value.encoded().size()) != 0) {
      std::abort();
    }
  }
  return 0;
}
