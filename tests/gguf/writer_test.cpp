#include "gguf/writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "gguf/reader.hpp"
#include "gguf_test_util.hpp"

namespace sovra::gguf {
namespace {

namespace fs = std::filesystem;

template <typename T>
using Lim = std::numeric_limits<T>;

Reader round_trip(const Writer& w, ReadOptions options = {}) {
  auto bytes = w.to_bytes();
  EXPECT_TRUE(bytes) << bytes.error().message;
  // The reader borrows the buffer; keep every buffer alive for the whole test run.
  static std::vector<std::vector<std::byte>> keep;
  keep.push_back(std::move(bytes).value());
  auto r = Reader::from_memory(keep.back(), options);
  EXPECT_TRUE(r) << r.error().message;
  return std::move(r).value();
}

std::vector<std::byte> pattern(std::size_t n, unsigned seed) {
  std::vector<std::byte> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::byte>((i * 131 + std::size_t{seed} * 7 + (i >> 8)) & 0xff);
  return v;
}

TEST(GgufWriter, RoundTripsEveryScalarType) {
  Writer w;
  ASSERT_TRUE(w.set("t.u8", MetaValue::u8(Lim<std::uint8_t>::max())));
  ASSERT_TRUE(w.set("t.i8", MetaValue::i8(Lim<std::int8_t>::min())));
  ASSERT_TRUE(w.set("t.u16", MetaValue::u16(Lim<std::uint16_t>::max())));
  ASSERT_TRUE(w.set("t.i16", MetaValue::i16(Lim<std::int16_t>::min())));
  ASSERT_TRUE(w.set("t.u32", MetaValue::u32(Lim<std::uint32_t>::max())));
  ASSERT_TRUE(w.set("t.i32", MetaValue::i32(Lim<std::int32_t>::min())));
  ASSERT_TRUE(w.set("t.u64", MetaValue::u64(Lim<std::uint64_t>::max())));
  ASSERT_TRUE(w.set("t.i64", MetaValue::i64(Lim<std::int64_t>::min())));
  ASSERT_TRUE(w.set("t.f32", MetaValue::f32(-1.5e-7f)));
  ASSERT_TRUE(w.set("t.f32_nan", MetaValue::f32(Lim<float>::quiet_NaN())));
  ASSERT_TRUE(w.set("t.f64", MetaValue::f64(Lim<double>::infinity())));
  ASSERT_TRUE(w.set("t.true", MetaValue::boolean(true)));
  ASSERT_TRUE(w.set("t.false", MetaValue::boolean(false)));
  ASSERT_TRUE(w.set("t.str", MetaValue::string("héllo \"wörld\"")));
  ASSERT_TRUE(w.set("t.empty", MetaValue::string("")));
  ASSERT_TRUE(w.set("t.nul", MetaValue::string(std::string_view("a\0b", 3))));
  const Reader r = round_trip(w);
  EXPECT_EQ(r.kvs().size(), 16u);
  EXPECT_EQ(r.kvs()[0].key, "t.u8");  // file order is insertion order
  EXPECT_EQ(*r.get_u8("t.u8"), Lim<std::uint8_t>::max());
  EXPECT_EQ(*r.get_i8("t.i8"), Lim<std::int8_t>::min());
  EXPECT_EQ(*r.get_u16("t.u16"), Lim<std::uint16_t>::max());
  EXPECT_EQ(*r.get_i16("t.i16"), Lim<std::int16_t>::min());
  EXPECT_EQ(*r.get_u32("t.u32"), Lim<std::uint32_t>::max());
  EXPECT_EQ(*r.get_i32("t.i32"), Lim<std::int32_t>::min());
  EXPECT_EQ(*r.get_u64("t.u64"), Lim<std::uint64_t>::max());
  EXPECT_EQ(*r.get_i64("t.i64"), Lim<std::int64_t>::min());
  EXPECT_EQ(*r.get_f32("t.f32"), -1.5e-7f);
  EXPECT_TRUE(std::isnan(*r.get_f32("t.f32_nan")));
  EXPECT_EQ(*r.get_f64("t.f64"), Lim<double>::infinity());
  EXPECT_TRUE(*r.get_bool("t.true"));
  EXPECT_FALSE(*r.get_bool("t.false"));
  EXPECT_EQ(*r.get_string("t.str"), "héllo \"wörld\"");
  EXPECT_EQ(*r.get_string("t.empty"), "");
  EXPECT_EQ(*r.get_string("t.nul"), std::string_view("a\0b", 3));
  EXPECT_EQ(*r.get<std::string>("t.str"), "héllo \"wörld\"");
  // Widening accessors.
  EXPECT_EQ(*r.get_uint("t.u8"), 255u);
  EXPECT_EQ(*r.get_uint("t.u64"), Lim<std::uint64_t>::max());
  EXPECT_FALSE(r.get_uint("t.i8"));  // negative
  EXPECT_FALSE(r.get_uint("t.str"));
  EXPECT_EQ(r.find("t.i64")->get_int(), Lim<std::int64_t>::min());
  EXPECT_FALSE(r.find("t.u64")->get_int());  // above INT64_MAX
  EXPECT_DOUBLE_EQ(*r.get_float("t.f32"), static_cast<double>(-1.5e-7f));
  EXPECT_FALSE(r.get_float("t.i32"));
}

TEST(GgufWriter, RoundTripsArraysOfEveryType) {
  Writer w;
  const std::vector<std::uint8_t> u8{0, 1, 255};
  const std::vector<std::int8_t> i8{-128, 0, 127};
  const std::vector<std::uint16_t> u16{0, 65535};
  const std::vector<std::int16_t> i16{-32768, 32767};
  const std::vector<std::uint32_t> u32{1, 2, 3, 4000000000u};
  const std::vector<std::int32_t> i32{-1, 0, 1};
  const std::vector<std::uint64_t> u64{Lim<std::uint64_t>::max(), 0};
  const std::vector<std::int64_t> i64{Lim<std::int64_t>::min(), 42};
  const std::vector<float> f32{0.25f, -0.0f, 1e30f};
  const std::vector<double> f64{1.0 / 3.0, -2.5};
  const bool bools[] = {true, false, true};
  const std::vector<std::string> strs{"<unk>", "", "▁the", std::string(300, 'x')};
  ASSERT_TRUE(w.set("a.u8", MetaValue::array(u8)));
  ASSERT_TRUE(w.set("a.i8", MetaValue::array(i8)));
  ASSERT_TRUE(w.set("a.u16", MetaValue::array(u16)));
  ASSERT_TRUE(w.set("a.i16", MetaValue::array(i16)));
  ASSERT_TRUE(w.set("a.u32", MetaValue::array(u32)));
  ASSERT_TRUE(w.set("a.i32", MetaValue::array(i32)));
  ASSERT_TRUE(w.set("a.u64", MetaValue::array(u64)));
  ASSERT_TRUE(w.set("a.i64", MetaValue::array(i64)));
  ASSERT_TRUE(w.set("a.f32", MetaValue::array(f32)));
  ASSERT_TRUE(w.set("a.f64", MetaValue::array(f64)));
  ASSERT_TRUE(w.set("a.bool", MetaValue::array(std::span<const bool>(bools))));
  ASSERT_TRUE(w.set("a.str", MetaValue::array(strs)));
  ASSERT_TRUE(w.set("a.empty", MetaValue::array(std::vector<float>{})));
  const Reader r = round_trip(w);
  EXPECT_EQ(*r.get_array<std::uint8_t>("a.u8"), u8);
  EXPECT_EQ(*r.get_array<std::int8_t>("a.i8"), i8);
  EXPECT_EQ(*r.get_array<std::uint16_t>("a.u16"), u16);
  EXPECT_EQ(*r.get_array<std::int16_t>("a.i16"), i16);
  EXPECT_EQ(*r.get_array<std::uint32_t>("a.u32"), u32);
  EXPECT_EQ(*r.get_array<std::int32_t>("a.i32"), i32);
  EXPECT_EQ(*r.get_array<std::uint64_t>("a.u64"), u64);
  EXPECT_EQ(*r.get_array<std::int64_t>("a.i64"), i64);
  EXPECT_EQ(*r.get_array<float>("a.f32"), f32);
  EXPECT_TRUE(std::signbit((*r.get_array<float>("a.f32"))[1]));
  EXPECT_EQ(*r.get_array<double>("a.f64"), f64);
  EXPECT_EQ(*r.get_array<bool>("a.bool"), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(*r.get_array<std::string>("a.str"), strs);
  EXPECT_EQ(r.get_array<std::string_view>("a.str")->at(2), "▁the");
  EXPECT_TRUE(r.get_array<float>("a.empty")->empty());
  EXPECT_EQ(r.find("a.empty")->element_type(), ValueType::kF32);
  auto wrong = r.get_array<std::int32_t>("a.u32");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message, "metadata 'a.u32' is array of uint32, expected array of int32");
  EXPECT_FALSE(r.get_u32("a.u32"));
}

TEST(GgufWriter, RoundTripsNestedArrays) {
  const MetaValue row0 = MetaValue::array(std::vector<std::uint32_t>{1, 2});
  const MetaValue row1 = MetaValue::array(std::vector<std::uint32_t>{3});
  const MetaValue words = MetaValue::array(std::vector<std::string>{"a", "bc"});
  auto matrix = MetaValue::array_of(ValueType::kArray, std::vector<MetaValue>{row0, row1, words});
  ASSERT_TRUE(matrix) << matrix.error().message;
  auto cube = MetaValue::array_of(ValueType::kArray, std::vector<MetaValue>{*matrix, *matrix});
  ASSERT_TRUE(cube);
  auto strings = MetaValue::array_of(ValueType::kString, std::vector<MetaValue>{MetaValue::string("x")});
  ASSERT_TRUE(strings);
  Writer w;
  ASSERT_TRUE(w.set("n.matrix", *matrix));
  ASSERT_TRUE(w.set("n.cube", *cube));
  ASSERT_TRUE(w.set("n.strings", *strings));
  const Reader r = round_trip(w);
  const Value* m = r.find("n.matrix");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->element_type(), ValueType::kArray);
  const std::vector<Value> rows = m->elements();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(*rows[0].get_array<std::uint32_t>(), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(*rows[1].get_array<std::uint32_t>(), (std::vector<std::uint32_t>{3}));
  EXPECT_EQ(*rows[2].get_array<std::string>(), (std::vector<std::string>{"a", "bc"}));
  const std::vector<Value> planes = r.find("n.cube")->elements();
  ASSERT_EQ(planes.size(), 2u);
  EXPECT_EQ(*planes[1].elements()[2].get_array<std::string>(), (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(*r.get_array<std::string>("n.strings"), std::vector<std::string>{"x"});
  // Items must match the element type; nesting is limited.
  EXPECT_FALSE(MetaValue::array_of(ValueType::kU32, std::vector<MetaValue>{MetaValue::u32(1), MetaValue::i32(1)}));
  MetaValue deep = MetaValue::array(std::vector<std::uint8_t>{1});
  for (int level = 2; level <= kMaxArrayDepth; ++level) {
    auto next = MetaValue::array_of(ValueType::kArray, std::vector<MetaValue>{deep});
    ASSERT_TRUE(next) << level;
    deep = *next;
  }
  EXPECT_FALSE(MetaValue::array_of(ValueType::kArray, std::vector<MetaValue>{deep}));
  Writer dw;
  ASSERT_TRUE(dw.set("deep", deep));
  EXPECT_EQ(round_trip(dw).find("deep")->size(), 1u);
}

TEST(GgufWriter, RoundTripsTensors) {
  struct Case {
    const char* name;
    GgmlType type;
    std::vector<std::uint64_t> dims;
  };
  const std::vector<Case> cases = {
      {"f32", GgmlType::kF32, {4, 3}},         {"f16", GgmlType::kF16, {7}},
      {"bf16", GgmlType::kBF16, {2, 2, 2, 2}}, {"q4_0", GgmlType::kQ4_0, {64, 2}},
      {"q8_0", GgmlType::kQ8_0, {32, 1, 3}},   {"q6_k", GgmlType::kQ6_K, {256, 2}},
      {"q2_k", GgmlType::kQ2_K, {512}},        {"q5_1", GgmlType::kQ5_1, {96}},
  };
  std::vector<std::vector<std::byte>> data;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    data.push_back(pattern(*tensor_byte_size(cases[i].type, cases[i].dims), static_cast<unsigned>(i)));
  }
  Writer w;
  ASSERT_TRUE(w.set("general.architecture", MetaValue::string("test")));
  for (std::size_t i = 0; i < cases.size(); ++i) {
    ASSERT_TRUE(w.add_tensor({.name = cases[i].name, .type = cases[i].type, .dims = cases[i].dims, .data = data[i]}));
  }
  const Reader r = round_trip(w);
  ASSERT_EQ(r.tensors().size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const TensorInfo& t = r.tensors()[i];
    EXPECT_EQ(t.name, cases[i].name);
    EXPECT_EQ(t.type, cases[i].type);
    EXPECT_EQ(std::vector<std::uint64_t>(t.shape().begin(), t.shape().end()), cases[i].dims);
    EXPECT_EQ(t.offset % 32, 0u);
    ASSERT_EQ(t.data.size(), data[i].size());
    EXPECT_EQ(std::memcmp(t.data.data(), data[i].data(), data[i].size()), 0) << t.name;
  }
  EXPECT_EQ(r.bytes().size() % 32, 0u);  // padded after the last tensor too
}

TEST(GgufWriter, CustomAlignment) {
  const auto a = pattern(12, 1);
  const auto b = pattern(4, 2);
  Writer w({.alignment = 128});
  ASSERT_TRUE(w.add_tensor({.name = "a", .type = GgmlType::kF32, .dims = {3}, .data = a}));
  ASSERT_TRUE(w.add_tensor({.name = "b", .type = GgmlType::kF32, .dims = {1}, .data = b}));
  const Reader r = round_trip(w);
  EXPECT_EQ(r.alignment(), 128u);
  EXPECT_EQ(*r.get_u32("general.alignment"), 128u);
  EXPECT_EQ(r.data_offset() % 128, 0u);
  EXPECT_EQ(r.tensors()[1].offset, 128u);
  // The default alignment is not written.
  Writer d;
  EXPECT_FALSE(round_trip(d).contains("general.alignment"));
}

TEST(GgufWriter, RejectsWhatTheReaderWouldRefuse) {
  const auto bytes16 = pattern(16, 0);
  Writer w;
  EXPECT_FALSE(w.set("", MetaValue::u8(1)));
  EXPECT_FALSE(w.set("a\tb", MetaValue::u8(1)));
  EXPECT_FALSE(w.set(std::string(65536, 'k'), MetaValue::u8(1)));
  EXPECT_TRUE(w.set(std::string(65535, 'k'), MetaValue::u8(1)));
  EXPECT_FALSE(w.set("general.alignment", MetaValue::u32(64)));
  EXPECT_FALSE(w.add_tensor({.name = "", .type = GgmlType::kF32, .dims = {4}, .data = bytes16}));
  EXPECT_FALSE(w.add_tensor({.name = std::string(65, 'n'), .type = GgmlType::kF32, .dims = {4}, .data = bytes16}));
  EXPECT_FALSE(w.add_tensor({.name = "t", .type = GgmlType::kF32, .dims = {}, .data = bytes16}));
  EXPECT_FALSE(w.add_tensor({.name = "t", .type = GgmlType::kF32, .dims = {1, 1, 1, 1, 4}, .data = bytes16}));
  EXPECT_FALSE(w.add_tensor({.name = "t", .type = GgmlType::kF32, .dims = {4, 0}, .data = bytes16}));
  EXPECT_FALSE(w.add_tensor({.name = "t", .type = GgmlType::kF32, .dims = {5}, .data = bytes16}));
  EXPECT_FALSE(w.add_tensor({.name = "t", .type = GgmlType::kQ4_0, .dims = {16}, .data = bytes16}));
  EXPECT_FALSE(w.add_tensor({.name = "t", .type = static_cast<GgmlType>(31), .dims = {4}, .data = bytes16}));
  EXPECT_TRUE(w.add_tensor({.name = "t", .type = GgmlType::kF32, .dims = {4}, .data = bytes16}));
  EXPECT_FALSE(w.add_tensor({.name = "t", .type = GgmlType::kF32, .dims = {4}, .data = bytes16}));
  Writer bad({.alignment = 12});
  EXPECT_FALSE(bad.set("k", MetaValue::u8(1)));
  EXPECT_FALSE(bad.to_bytes());
}

TEST(GgufWriter, SetReplacesInPlaceAndRemoveDeletes) {
  Writer w;
  ASSERT_TRUE(w.set("a", MetaValue::u32(1)));
  ASSERT_TRUE(w.set("b", MetaValue::u32(2)));
  ASSERT_TRUE(w.set("a", MetaValue::string("one")));
  EXPECT_TRUE(w.remove("b"));
  EXPECT_FALSE(w.remove("b"));
  ASSERT_TRUE(w.set("c", MetaValue::f32(3)));
  const Reader r = round_trip(w);
  ASSERT_EQ(r.kvs().size(), 2u);
  EXPECT_EQ(r.kvs()[0].key, "a");
  EXPECT_EQ(*r.get_string("a"), "one");
  EXPECT_EQ(r.kvs()[1].key, "c");
}

TEST(GgufWriter, WritesFilesAtomically) {
  const fs::path dir = fs::temp_directory_path() / ("sovra_gguf_writer_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "model.gguf";
  const std::vector<float> weights{1, 2, 3, 4, 5, 6, 7, 8};
  const auto big = pattern(std::size_t{1000} * 34, 3);  // Q8_0, 32000 elements
  Writer w({.alignment = 64});
  ASSERT_TRUE(w.set("general.architecture", MetaValue::string("llama")));
  ASSERT_TRUE(w.add_tensor(
      {.name = "w", .type = GgmlType::kF32, .dims = {8}, .data = std::as_bytes(std::span<const float>(weights))}));
  ASSERT_TRUE(w.add_tensor({.name = "big", .type = GgmlType::kQ8_0, .dims = {32000}, .data = big}));
  ASSERT_TRUE(w.write_file(path));
  EXPECT_FALSE(fs::exists(dir / "model.gguf.tmp"));
  auto r = Reader::open(path);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r->get_string("general.architecture"), "llama");
  const auto w_data = *r->tensor_data("w");
  ASSERT_EQ(w_data.size(), 32u);
  EXPECT_EQ(std::memcmp(w_data.data(), std::as_bytes(std::span<const float>(weights)).data(), 32), 0);
  EXPECT_EQ(std::memcmp(r->tensor_data("big")->data(), big.data(), big.size()), 0);
  // The file and the in-memory form are the same bytes.
  const auto mem = *w.to_bytes();
  ASSERT_EQ(r->bytes().size(), mem.size());
  EXPECT_EQ(std::memcmp(r->bytes().data(), mem.data(), mem.size()), 0);
  EXPECT_FALSE(w.write_file(dir / "missing" / "model.gguf"));
  fs::remove_all(dir);
}

TEST(GgufWriter, CopyOfASharedModelIsByteIdentical) {
  // stories260K was written by llama.cpp's converter (gguf-py layout: default alignment, tensors in file order,
  // each padded to 32). Copying every value and tensor must reproduce the file exactly.
  for (const char* name : {"stories260K.gguf", "llama-2-tiny-random.gguf", "random/rand-qwen2-d256-Q4_K_M.gguf"}) {
    const fs::path path = testing::shared_models_dir() / name;
    if (!fs::exists(path)) GTEST_SKIP() << path << " is absent (no shared models)";
    SCOPED_TRACE(name);
    auto src = Reader::open(path);
    ASSERT_TRUE(src) << src.error().message;
    Writer w({.alignment = src->alignment()});
    for (const Kv& kv : src->kvs()) {
      if (kv.key == kAlignmentKey) continue;
      ASSERT_TRUE(w.set(kv.key, MetaValue::copy_of(kv.value)));
    }
    for (const TensorInfo& t : src->tensors()) {
      ASSERT_TRUE(w.add_tensor({.name = std::string(t.name),
                                .type = t.type,
                                .dims = std::vector<std::uint64_t>(t.shape().begin(), t.shape().end()),
                                .data = t.data}));
    }
    const auto copy = *w.to_bytes();
    ASSERT_EQ(copy.size(), src->bytes().size());
    EXPECT_EQ(std::memcmp(copy.data(), src->bytes().data(), copy.size()), 0);
  }
}

}  // namespace
}  // namespace sovra::gguf
