#include "gguf/parser.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "gguf/cursor.hpp"

namespace sovra::gguf {
namespace {

constexpr std::size_t kHeaderBytes = 4 + 4 + 8 + 8;  // magic, version, tensor count, kv count
// The smallest encodings possible, used to bound hostile counts before anything is allocated or looped over.
constexpr std::size_t kMinKvBytes = 8 + 1 + 4 + 1;                  // key length, 1-byte key, type, 1-byte value
constexpr std::size_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;  // name length, name, n_dims, 1 dim, type, offset
constexpr std::size_t kMaxReserve = 1 << 16;                        // entries reserved up front, whatever counts claim

// A name or key for an error message: printable ASCII kept, other bytes escaped, long ones cut.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMaxShown = 96;
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (s.size() > kMaxShown) out += "...";
  out += "'";
  return out;
}

Error corrupt_at(std::size_t pos, std::string_view what) {
  return Error::corrupt(fmt::format("at byte {}: {}", pos, what));
}

Error with_context(Error e, std::string_view context) {
  e.message = fmt::format("{}: {}", context, e.message);
  return e;
}

bool is_printable_ascii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::uint64_t align_up(std::uint64_t offset, std::uint32_t alignment) {
  return offset + (alignment - offset % alignment) % alignment;
}

std::string supported_type_names() {
  std::string out;
  for (const TypeTraits& t : all_types()) {
    if (t.status != TypeStatus::kSupported) continue;
    if (!out.empty()) out += ", ";
    out += t.name;
  }
  return out;
}

// The Reader's fields being filled, and what the parse keeps between steps.
struct Fields {
  std::span<const std::byte> bytes_;
  std::uint32_t& version_;
  std::uint32_t& alignment_;
  std::uint64_t& data_offset_;
  std::vector<Kv>& kvs_;
  std::unordered_map<std::string_view, std::size_t>& kv_index_;
  std::vector<TensorInfo>& tensors_;
  std::unordered_map<std::string_view, std::size_t>& tensor_index_;
};

struct State {
  Fields r;
  const ReadOptions& options;
  Cursor cursor;
  std::uint64_t n_tensors = 0;
  std::uint64_t n_kv = 0;
};

Status parse_header(State& s) {
  const auto bytes = s.r.bytes_;
  if (bytes.size() < 4) {
    return Error::corrupt(fmt::format("file is {} bytes, too short to be GGUF", bytes.size()));
  }
  if (std::string_view(reinterpret_cast<const char*>(bytes.data()), 4) != "GGUF") {
    return Error::corrupt(fmt::format("not a GGUF file: magic bytes are {:02x} {:02x} {:02x} {:02x}, expected 'GGUF'",
                                      static_cast<unsigned>(bytes[0]), static_cast<unsigned>(bytes[1]),
                                      static_cast<unsigned>(bytes[2]), static_cast<unsigned>(bytes[3])));
  }
  if (bytes.size() < kHeaderBytes) {
    return Error::corrupt(
        fmt::format("file is {} bytes, too short for the {}-byte GGUF header", bytes.size(), kHeaderBytes));
  }
  Cursor& c = s.cursor;
  std::uint32_t magic = 0;
  std::uint32_t version = 0;
  (void)c.read(magic);
  (void)c.read(version);
  if (version != 2 && version != 3) {
    const std::uint32_t swapped = __builtin_bswap32(version);
    if (swapped == 2 || swapped == 3) {
      return Error::corrupt(fmt::format("big-endian GGUF v{} is not supported", swapped));
    }
    if (version == 1) return Error::corrupt("GGUF version 1 is not supported (only versions 2 and 3)");
    return Error::corrupt(fmt::format("unsupported GGUF version {} (only versions 2 and 3)", version));
  }
  s.r.version_ = version;
  (void)c.read(s.n_tensors);
  (void)c.read(s.n_kv);
  const std::size_t left = c.remaining();
  if (s.n_kv > left / kMinKvBytes) {
    return Error::corrupt(fmt::format("header claims {} metadata entries, but the remaining {} bytes hold at most {}",
                                      s.n_kv, left, left / kMinKvBytes));
  }
  const std::size_t left_for_tensors = left - static_cast<std::size_t>(s.n_kv) * kMinKvBytes;
  if (s.n_tensors > left_for_tensors / kMinTensorInfoBytes) {
    return Error::corrupt(
        fmt::format("header claims {} tensors and {} metadata entries, but the remaining {} bytes "
                    "hold at most {} tensor infos beside them",
                    s.n_tensors, s.n_kv, left, left_for_tensors / kMinTensorInfoBytes));
  }
  return {};
}

Result<std::string_view> read_name(Cursor& c, std::size_t max_len, std::string_view what) {
  const std::size_t start = c.pos();
  std::uint64_t len = 0;
  std::string_view name;
  if (!c.read(len)) return corrupt_at(start, fmt::format("{} length is truncated", what));
  if (len == 0) return corrupt_at(start, fmt::format("{} is empty", what));
  if (len > max_len) return corrupt_at(start, fmt::format("{} length {} exceeds the limit of {}", what, len, max_len));
  if (!c.take(static_cast<std::size_t>(len), name)) {
    return corrupt_at(start, fmt::format("{} of {} bytes is truncated ({} bytes left)", what, len, c.remaining()));
  }
  return name;
}

Status parse_kvs(State& s) {
  Cursor& c = s.cursor;
  s.r.kvs_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(s.n_kv, kMaxReserve)));
  for (std::uint64_t i = 0; i < s.n_kv; ++i) {
    const std::string context = fmt::format("metadata entry {}", i);
    auto key = read_name(c, kMaxKeyBytes, "key");
    if (!key) return with_context(std::move(key).error(), context);
    const std::string keyed = fmt::format("metadata {}", quoted(*key));
    if (!is_printable_ascii(*key)) return Error::corrupt(fmt::format("{}: key is not printable ASCII", keyed));
    const std::size_t type_pos = c.pos();
    std::uint32_t type_id = 0;
    if (!c.read(type_id)) return with_context(corrupt_at(type_pos, "value type is truncated"), keyed);
    const auto type = value_type_from_id(type_id);
    if (!type) {
      return with_context(corrupt_at(type_pos, fmt::format("value type {} is not a GGUF value type", type_id)), keyed);
    }
    auto value = Value::decode(c, *type);
    if (!value) return with_context(std::move(value).error(), keyed);
    if (!s.r.kv_index_.emplace(*key, s.r.kvs_.size()).second) {
      return Error::corrupt(fmt::format("{}: duplicate key (entry {})", keyed, i));
    }
    s.r.kvs_.push_back(Kv{*key, *value});
  }
  return {};
}

Status parse_alignment(State& s) {
  const auto it = s.r.kv_index_.find(kAlignmentKey);
  if (it == s.r.kv_index_.end()) return {};
  const Value* v = &s.r.kvs_[it->second].value;
  const auto a = v->get<std::uint32_t>();
  if (!a) {
    return Error::corrupt(
        fmt::format("metadata '{}' is {}, must be uint32", kAlignmentKey, value_type_name(v->type())));
  }
  // The spec requires a multiple of 8; ggml requires a power of two.
  if (*a == 0 || (*a & (*a - 1)) != 0 || *a % 8 != 0 || *a > kMaxAlignment) {
    return Error::corrupt(fmt::format("metadata '{}' is {}, must be a power of two, a multiple of 8 and at most {}",
                                      kAlignmentKey, *a, kMaxAlignment));
  }
  s.r.alignment_ = *a;
  return {};
}

// A tensor info as read, before the data section is located.
struct PendingTensor {
  TensorInfo info;
  std::uint64_t n_bytes = 0;
};

Result<PendingTensor> parse_tensor_info(State& s) {
  Cursor& c = s.cursor;
  PendingTensor p;
  TensorInfo& t = p.info;
  SOVRA_TRY(t.name, read_name(c, kMaxTensorNameBytes, "name"));
  const std::string named = fmt::format("tensor {}", quoted(t.name));
  const std::size_t dims_pos = c.pos();
  if (!c.read(t.n_dims)) return with_context(corrupt_at(dims_pos, "n_dims is truncated"), named);
  if (t.n_dims == 0 || t.n_dims > kMaxDims) {
    return with_context(corrupt_at(dims_pos, fmt::format("n_dims is {}, must be 1 to {}", t.n_dims, kMaxDims)), named);
  }
  for (std::uint32_t d = 0; d < t.n_dims; ++d) {
    if (!c.read(t.dims[d])) return with_context(corrupt_at(c.pos(), "dims are truncated"), named);
  }
  const std::size_t type_pos = c.pos();
  std::uint32_t type_id = 0;
  if (!c.read(type_id) || !c.read(t.offset)) {
    return with_context(corrupt_at(type_pos, "type and offset are truncated"), named);
  }
  const TypeTraits* traits = find_type(type_id);
  if (traits == nullptr) {
    return with_context(corrupt_at(type_pos, fmt::format("unknown ggml type id {}", type_id)), named);
  }
  if (traits->status == TypeStatus::kRemoved) {
    return Error::corrupt(fmt::format("{}: type {} ({}) was removed from GGUF by ggml; convert the model again", named,
                                      traits->name, type_id));
  }
  if (traits->status == TypeStatus::kUnsupported && !s.options.allow_unsupported_types) {
    return Error::invalid(fmt::format("{}: tensor type {} ({}) is not supported (supported: {})", named, traits->name,
                                      type_id, supported_type_names()));
  }
  t.type = static_cast<GgmlType>(type_id);
  auto count = element_count(t.shape());
  if (!count) return with_context(Error::corrupt(count.error().message), named);
  t.n_elements = *count;
  auto size = tensor_byte_size(t.type, t.shape());
  if (!size) return with_context(Error::corrupt(size.error().message), named);
  p.n_bytes = *size;
  if (t.offset % s.r.alignment_ != 0) {
    return Error::corrupt(
        fmt::format("{}: data offset {} is not a multiple of the alignment {}", named, t.offset, s.r.alignment_));
  }
  return p;
}

Result<std::vector<PendingTensor>> parse_tensor_infos(State& s) {
  std::vector<PendingTensor> out;
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(s.n_tensors, kMaxReserve)));
  for (std::uint64_t i = 0; i < s.n_tensors; ++i) {
    auto p = parse_tensor_info(s);
    if (!p) return with_context(std::move(p).error(), fmt::format("tensor info {}", i));
    if (!s.r.tensor_index_.emplace(p->info.name, out.size()).second) {
      return Error::corrupt(fmt::format("tensor {}: duplicate name (tensor info {})", quoted(p->info.name), i));
    }
    out.push_back(*p);
  }
  return out;
}

// Places every tensor's bytes inside the file and rejects data past the end or tensors that share bytes.
Status locate_data(State& s, std::vector<PendingTensor>& pending) {
  const std::uint64_t file_size = s.r.bytes_.size();
  s.r.data_offset_ = align_up(s.cursor.pos(), s.r.alignment_);
  if (pending.empty()) return {};  // a vocab-only file may end before the (empty) data section
  if (s.r.data_offset_ > file_size) {
    return Error::corrupt(
        fmt::format("tensor data section starts at byte {}, past end of file (size {})", s.r.data_offset_, file_size));
  }
  const std::uint64_t avail = file_size - s.r.data_offset_;
  for (const PendingTensor& p : pending) {
    const TensorInfo& t = p.info;
    if (t.offset > avail) {
      return Error::corrupt(fmt::format("tensor {}: data offset {} (byte {} + {}) is past end of file (size {})",
                                        quoted(t.name), t.offset, s.r.data_offset_, t.offset, file_size));
    }
    // start <= file_size and n_bytes < 2^63, so neither sum below can wrap.
    const std::uint64_t start = s.r.data_offset_ + t.offset;
    if (p.n_bytes > avail - t.offset) {
      return Error::corrupt(fmt::format("tensor {}: data [{}, {}) extends past end of file (size {})", quoted(t.name),
                                        start, start + p.n_bytes, file_size));
    }
  }
  std::vector<std::size_t> order(pending.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return pending[a].info.offset < pending[b].info.offset; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    const PendingTensor& a = pending[order[i - 1]];
    const PendingTensor& b = pending[order[i]];
    if (a.info.offset + a.n_bytes > b.info.offset) {
      return Error::corrupt(fmt::format("tensors {} and {} overlap: data offsets [{}, {}) and [{}, {})",
                                        quoted(a.info.name), quoted(b.info.name), a.info.offset,
                                        a.info.offset + a.n_bytes, b.info.offset, b.info.offset + b.n_bytes));
    }
  }
  s.r.tensors_.reserve(pending.size());
  for (PendingTensor& p : pending) {
    p.info.data = s.r.bytes_.subspan(static_cast<std::size_t>(s.r.data_offset_ + p.info.offset),
                                     static_cast<std::size_t>(p.n_bytes));
    s.r.tensors_.push_back(p.info);
  }
  return {};
}

}  // namespace

Status Parser::parse(Reader& r, const ReadOptions& options) {
  State s{Fields{r.bytes_, r.version_, r.alignment_, r.data_offset_, r.kvs_, r.kv_index_, r.tensors_, r.tensor_index_},
          options, Cursor(r.bytes_)};
  SOVRA_CHECK(parse_header(s));
  SOVRA_CHECK(parse_kvs(s));
  SOVRA_CHECK(parse_alignment(s));
  SOVRA_TRY(auto pending, parse_tensor_infos(s));
  return locate_data(s, pending);
}

}  // namespace sovra::gguf
