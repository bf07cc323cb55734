// Truncated, corrupted and hostile GGUF input: every case must come back as an Error, never a crash or an
// out-of-bounds read. Buffers are copied to exactly their size so ASan builds catch any read past the end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "gguf/reader.hpp"
#include "gguf_test_util.hpp"

namespace sovra::gguf {
namespace {

namespace fs = std::filesystem;
using testing::RawBuilder;
using testing::read_bytes;

constexpr std::uint64_t kHuge = std::numeric_limits<std::uint64_t>::max();

std::vector<std::byte> prefix(std::span<const std::byte> bytes, std::size_t n) {
  return std::vector<std::byte>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
}

// Where the last tensor's data ends: cutting the file anywhere before it must fail.
std::size_t needed_size(const Reader& r) {
  std::size_t end = static_cast<std::size_t>(r.data_offset());
  if (r.tensors().empty()) {
    // The data section of a vocab-only file may lie past its end; the metadata must still be whole.
    end = 0;
    for (const Kv& kv : r.kvs())
      end = std::max<std::size_t>(end, kv.value.encoded().data() + kv.value.encoded().size() - r.bytes().data());
  }
  for (const TensorInfo& t : r.tensors()) {
    end = std::max<std::size_t>(end, t.data.data() + t.data.size() - r.bytes().data());
  }
  return end;
}

// Every tensor span of a successful parse lies inside the buffer.
void expect_inside(const Reader& r) {
  const auto b = r.bytes();
  for (const TensorInfo& t : r.tensors()) {
    EXPECT_GE(t.data.data(), b.data());
    EXPECT_LE(t.data.data() + t.data.size(), b.data() + b.size());
  }
  for (const Kv& kv : r.kvs()) (void)kv.value.elements();
}

// Expects an error whose message contains `needle`.
void expect_error(const std::vector<std::byte>& bytes, std::string_view needle, ReadOptions options = {}) {
  auto r = read_bytes(bytes, options);
  ASSERT_FALSE(r) << "parsed, but expected an error containing: " << needle;
  EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
}

TEST(GgufHostile, EveryTruncationOfASmallFileFails) {
  const std::vector<std::byte> full = testing::small_valid_file();
  auto r = read_bytes(full);
  ASSERT_TRUE(r) << r.error().message;
  const std::size_t needed = needed_size(*r);
  for (std::size_t n = 0; n < needed; ++n) {
    const auto cut = prefix(full, n);
    auto t = read_bytes(cut);
    EXPECT_FALSE(t) << "cut at " << n << " of " << full.size();
    if (!t) {
      EXPECT_EQ(t.error().code, ErrorCode::kCorruptData) << t.error().message;
    }
  }
}

TEST(GgufHostile, TruncationsOfRealModelsFail) {
  for (const char* name : {"stories260K.gguf", "vocab/ggml-vocab-gpt-2.gguf"}) {
    const fs::path path = testing::shared_models_dir() / name;
    if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (no shared models)";
    auto r = Reader::open(path);
    ASSERT_TRUE(r) << r.error().message;
    const auto full = r->bytes();
    const std::size_t needed = needed_size(*r);
    // Every byte through the header, tensor infos and the first bytes of data, then strided to the end.
    const std::size_t dense = std::min<std::size_t>(needed, std::min<std::size_t>(r->data_offset(), 20'000) + 512);
    std::vector<std::size_t> cuts;
    for (std::size_t n = 0; n < dense; ++n) cuts.push_back(n);
    for (std::size_t n = dense; n < needed; n += 4093) cuts.push_back(n);
    cuts.push_back(needed - 1);
    for (std::size_t n : cuts) {
      auto t = read_bytes(prefix(full, n));
      ASSERT_FALSE(t) << name << " cut at " << n;
    }
  }
}

TEST(GgufHostile, TruncatedFilesOnDiskFail) {
  const std::vector<std::byte> full = testing::small_valid_file();
  const std::size_t needed = needed_size(*read_bytes(full));
  const fs::path path = fs::temp_directory_path() / ("sovra_gguf_trunc_" + std::to_string(::getpid()) + ".gguf");
  for (std::size_t n : {std::size_t{0}, std::size_t{3}, std::size_t{24}, needed / 2, needed - 1}) {
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(full.data()), static_cast<std::streamsize>(n));
    }
    auto r = Reader::open(path);
    ASSERT_FALSE(r) << "cut at " << n;
    EXPECT_EQ(r.error().code, ErrorCode::kCorruptData);
    EXPECT_NE(r.error().message.find(path.string()), std::string::npos) << r.error().message;
  }
  fs::remove(path);
}

TEST(GgufHostile, FlippedBytesNeverCrash) {
  const std::vector<std::byte> full = testing::small_valid_file();
  auto r = read_bytes(full);
  ASSERT_TRUE(r);
  const std::size_t header_end = static_cast<std::size_t>(r->data_offset());
  int failed = 0;
  int parsed = 0;
  for (std::size_t i = 0; i < header_end; ++i) {
    for (std::uint8_t mask : {0x01, 0x02, 0x10, 0x80, 0xff}) {
      std::vector<std::byte> bytes = full;
      bytes[i] ^= std::byte{mask};
      auto t = read_bytes(bytes, {.allow_unsupported_types = true});
      if (t) {
        ++parsed;
        expect_inside(*t);
      } else {
        ++failed;
        EXPECT_FALSE(t.error().message.empty());
      }
    }
  }
  // Most flips break the structure; flips inside string bytes or values legitimately still parse.
  EXPECT_GT(failed, parsed);
}

TEST(GgufHostile, Header) {
  expect_error({}, "too short");
  expect_error(RawBuilder().u32(0x46554746).u32(3).u64(0).u64(0).bytes(), "not a GGUF file");
  expect_error(RawBuilder().header(0, 0, 1).bytes(), "version 1 is not supported");
  expect_error(RawBuilder().header(0, 0, 4).bytes(), "unsupported GGUF version 4");
  expect_error(RawBuilder().header(0, 0, 0x03000000).bytes(), "big-endian");
  expect_error(prefix(RawBuilder().header(0, 0).bytes(), 20), "too short for the 24-byte GGUF header");
  // A header alone (no tensors, no metadata) is a valid, empty file, in v2 and in v3.
  EXPECT_TRUE(read_bytes(RawBuilder().header(0, 0).bytes()));
  EXPECT_TRUE(read_bytes(RawBuilder().header(0, 0, 2).bytes()));
}

TEST(GgufHostile, HugeCounts) {
  expect_error(RawBuilder().header(0, kHuge).bytes(), "metadata entries");
  expect_error(RawBuilder().header(kHuge, 0).bytes(), "tensors");
  expect_error(RawBuilder().header(std::uint64_t{1} << 62, 1).kv_u32("a", 1).bytes(), "tensors");
  // Counts that fit the bytes individually but not together.
  expect_error(RawBuilder().header(2, 3).zeros(3 * 14 + 33).bytes(), "tensor infos beside them");
}

TEST(GgufHostile, Strings) {
  expect_error(RawBuilder().header(0, 1).u64(kHuge).zeros(8).bytes(), "key length 18446744073709551615");
  expect_error(RawBuilder().header(0, 1).u64(70000).zeros(70010).bytes(), "exceeds the limit of 65535");
  expect_error(RawBuilder().header(0, 1).str("").u32(4).u32(1).bytes(), "key is empty");
  expect_error(RawBuilder().header(0, 1).str("a\nb").u32(4).u32(1).bytes(), "not printable ASCII");
  expect_error(RawBuilder().header(0, 1).str("k").u32(8).u64(kHuge).bytes(), "string length 18446744073709551615");
  expect_error(RawBuilder().header(0, 1).str("k").u32(8).u64(10).zeros(9).bytes(), "exceeds the remaining 9 bytes");
}

TEST(GgufHostile, Values) {
  expect_error(RawBuilder().header(0, 1).str("k").u32(13).u32(0).bytes(), "value type 13");
  expect_error(RawBuilder().header(0, 1).str("k").u32(4).put<std::uint16_t>(0).bytes(), "uint32 value is truncated");
  expect_error(RawBuilder().header(0, 1).str("k").u32(7).put<std::uint8_t>(2).bytes(), "bool value is 2");
  expect_error(RawBuilder().header(0, 2).kv_u32("k", 1).kv_u32("k", 2).bytes(), "duplicate key");
  const auto err = read_bytes(RawBuilder().header(0, 2).kv_u32("a", 1).str("b").u32(99).bytes());
  ASSERT_FALSE(err);
  EXPECT_EQ(err.error().message, "metadata 'b': at byte 50: value type 99 is not a GGUF value type");
}

TEST(GgufHostile, Arrays) {
  // 2^61 uint64 elements: count * 8 wraps to 0 in 64 bits.
  expect_error(RawBuilder().header(0, 1).str("k").u32(9).u32(10).u64(std::uint64_t{1} << 61).bytes(), "cannot fit");
  expect_error(RawBuilder().header(0, 1).str("k").u32(9).u32(8).u64(kHuge).bytes(), "cannot fit");
  expect_error(RawBuilder().header(0, 1).str("k").u32(9).u32(14).u64(0).bytes(), "element type 14");
  expect_error(RawBuilder()
                   .header(0, 1)
                   .str("k")
                   .u32(9)
                   .u32(7)
                   .u64(3)
                   .put<std::uint8_t>(1)
                   .put<std::uint8_t>(0)
                   .put<std::uint8_t>(5)
                   .bytes(),
               "bool array element 2 is 5");
  // A string inside an array whose length runs past the end.
  expect_error(RawBuilder().header(0, 1).str("k").u32(9).u32(8).u64(2).str("ok").u64(1000).zeros(8).bytes(),
               "array element 1");
  // Arrays nested deeper than the limit, and a nesting that just fits.
  const auto nested = [](int levels) {
    RawBuilder b;
    b.header(0, 1).str("k").u32(9);
    for (int i = 1; i < levels; ++i) b.u32(9).u64(1);
    return b.u32(4).u64(1).u32(7).bytes();
  };
  EXPECT_TRUE(read_bytes(nested(kMaxArrayDepth)));
  expect_error(nested(kMaxArrayDepth + 1), "nested deeper");
  expect_error(nested(100000), "nested deeper");
}

TEST(GgufHostile, Alignment) {
  expect_error(RawBuilder().header(0, 1).kv_string("general.alignment", "32").bytes(), "must be uint32");
  for (std::uint32_t a : {0u, 3u, 4u, 24u, 2u << 20, 0x80000000u}) {
    expect_error(RawBuilder().header(0, 1).kv_u32("general.alignment", a).bytes(), "power of two");
  }
  // A 64-byte alignment moves the data section and requires 64-aligned offsets.
  RawBuilder ok;
  ok.header(1, 1).kv_u32("general.alignment", 64).tensor_info("t", {4}, 0, 0).pad_to(64).zeros(16);
  auto r = read_bytes(ok.bytes());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->alignment(), 64u);
  EXPECT_EQ(r->data_offset() % 64, 0u);
  RawBuilder bad;
  bad.header(2, 1).kv_u32("general.alignment", 64).tensor_info("t", {4}, 0, 0).tensor_info("u", {4}, 0, 32);
  expect_error(bad.pad_to(64).zeros(128).bytes(), "data offset 32 is not a multiple of the alignment 64");
}

// One tensor info after an empty metadata section, padded, followed by `data_bytes` of data.
std::vector<std::byte> one_tensor(std::string_view name, std::vector<std::uint64_t> dims, std::uint32_t type,
                                  std::uint64_t offset, std::size_t data_bytes) {
  RawBuilder b;
  b.header(1, 0).tensor_info(name, std::move(dims), type, offset).pad_to(32).zeros(data_bytes);
  return b.bytes();
}

TEST(GgufHostile, TensorInfos) {
  EXPECT_TRUE(read_bytes(one_tensor("t", {4, 2}, 0, 0, 32)));
  expect_error(one_tensor("", {4}, 0, 0, 16), "name is empty");
  expect_error(one_tensor(std::string(65, 'x'), {4}, 0, 0, 16), "exceeds the limit of 64");
  EXPECT_TRUE(read_bytes(one_tensor(std::string(64, 'x'), {4}, 0, 0, 16)));
  expect_error(one_tensor("t", {}, 0, 0, 16), "n_dims is 0");
  expect_error(one_tensor("t", {1, 1, 1, 1, 1}, 0, 0, 16), "n_dims is 5");
  expect_error(RawBuilder().header(1, 0).str("t").u32(1000000).zeros(40).bytes(), "n_dims is 1000000");
  expect_error(one_tensor("t", {4, 0}, 0, 0, 16), "dimension 1 is zero");
  expect_error(one_tensor("t", {kHuge}, 0, 0, 16), "negative as int64");
  expect_error(one_tensor("t", {std::uint64_t{1} << 32, std::uint64_t{1} << 32}, 0, 0, 16), "overflows int64");
  expect_error(one_tensor("t", {std::uint64_t{1} << 40, std::uint64_t{1} << 22}, 0, 0, 16), "byte size overflows");
  expect_error(one_tensor("t", {32}, 99, 0, 32), "unknown ggml type id 99");
  expect_error(one_tensor("t", {32}, 31, 0, 32), "Q4_0_4_4 (31) was removed");
  expect_error(one_tensor("t", {33}, 2, 0, 64), "not a multiple of Q4_0's block size 32");
  expect_error(one_tensor("t", {128}, 12, 0, 256), "not a multiple of Q4_K's block size 256");
  // A known type Sovra does not compute with: refused by default, by name; readable on request.
  const auto iq = one_tensor("blk.0.ffn_up.weight", {256}, 16, 0, 66);
  auto refused = read_bytes(iq);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("tensor type IQ2_XXS (16) is not supported"), std::string::npos)
      << refused.error().message;
  auto allowed = read_bytes(iq, {.allow_unsupported_types = true});
  ASSERT_TRUE(allowed) << allowed.error().message;
  EXPECT_EQ(allowed->tensors()[0].data.size(), 66u);
  RawBuilder dup;
  dup.header(2, 0).tensor_info("t", {4}, 0, 0).tensor_info("t", {4}, 0, 32).pad_to(32).zeros(64);
  expect_error(dup.bytes(), "tensor 't': duplicate name");
}

TEST(GgufHostile, TensorData) {
  const auto past_end = one_tensor("blk.0.attn_q.weight", {4, 4}, 0, 0, 63);
  auto r = read_bytes(past_end);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "tensor 'blk.0.attn_q.weight': data [96, 160) extends past end of file (size 159)");
  expect_error(one_tensor("t", {4}, 0, kHuge - 31, 16), "is past end of file");
  expect_error(one_tensor("t", {4}, 0, 64, 16), "data offset 64");
  // The data section itself starts past the end when the file stops inside the padding.
  auto no_data = RawBuilder().header(1, 0).tensor_info("t", {4}, 0, 0).bytes();
  expect_error(no_data, "data section starts at byte");
  // Two tensors sharing bytes, in either order in the file.
  RawBuilder overlap;
  overlap.header(2, 0).tensor_info("a", {16}, 0, 32).tensor_info("b", {16}, 0, 0).pad_to(32).zeros(128);
  expect_error(overlap.bytes(), "tensors 'b' and 'a' overlap: data offsets [0, 64) and [32, 96)");
  RawBuilder same;
  same.header(2, 0).tensor_info("a", {8}, 0, 0).tensor_info("b", {8}, 0, 0).pad_to(32).zeros(64);
  expect_error(same.bytes(), "overlap");
  RawBuilder adjacent;
  adjacent.header(2, 0).tensor_info("a", {8}, 0, 0).tensor_info("b", {8}, 0, 32).pad_to(32).zeros(64);
  EXPECT_TRUE(read_bytes(adjacent.bytes()));
}

TEST(GgufHostile, NamesInMessagesAreEscaped) {
  auto r = read_bytes(one_tensor(std::string("bad\x01'name"), {4, 0}, 0, 0, 16));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("tensor 'bad\\x01\\x27name'"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace sovra::gguf
