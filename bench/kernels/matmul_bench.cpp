// Throughput of kernels::matmul at TinyLlama-1.1B shapes with 2 threads: weight GB/s (mat-vec: generation is
// bound by how fast weights stream from memory) and GFLOP/s (mat-mat: prompt processing). A read-bandwidth
// baseline runs first in the same process; every matmul line carries its GB/s as a fraction of it.
// See bench/kernels/README.md.
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "kernels/cpu/kernel_table.hpp"
#include "kernels/matmul.hpp"
#include "kernels/packed.hpp"
#include "kernels/quant.hpp"
#include "kernels/quant/half.hpp"

namespace {

using sovra::gguf::GgmlType;
using sovra::kernels::ThreadPool;

constexpr int kThreads = 2;
// Weight bytes cycled through in "dram" runs: far beyond the L3 (32 MiB here) so each call streams its matrix
// from memory as a real model's layers do. "cache" runs reuse one matrix.
constexpr std::int64_t kColdBytes = std::int64_t{768} << 20;
constexpr std::int64_t kPromptTokens = 128;

struct Shape {
  std::int64_t rows;
  std::int64_t cols;
};
constexpr Shape kShapes[] = {{2048, 2048}, {5632, 2048}, {2048, 5632}, {32000, 2048}};
constexpr GgmlType kTypes[] = {GgmlType::kQ8_0, GgmlType::kQ4_0, GgmlType::kQ4_K};

double g_read_bytes_per_s = 0;  // set by BM_ReadBandwidth, which runs first

ThreadPool& pool() {
  static ThreadPool p(kThreads);
  return p;
}

struct Buffer {
  std::unique_ptr<std::uint64_t[]> words;
  std::int64_t bytes = 0;
  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(words.get()); }
};

Buffer random_buffer(std::int64_t bytes, std::uint64_t seed) {
  Buffer b{std::make_unique<std::uint64_t[]>(static_cast<std::size_t>(bytes / 8 + 1)), bytes};
  std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (std::int64_t i = 0; i < bytes / 8 + 1; ++i) {  // xorshift64: fast, and the values do not matter
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    b.words[static_cast<std::size_t>(i)] = s;
  }
  return b;
}

// Random levels with small, finite fp16 scales, like a real checkpoint's (the speed does not depend on them).
void fix_scales(GgmlType t, std::uint8_t* data, std::int64_t bytes) {
  const auto& traits = sovra::gguf::traits(t);
  const int n_fields = t == GgmlType::kQ4_K ? 2 : 1;  // Q8_0, Q4_0: d at 0; Q4_K: d, dmin at 0, 2
  const sovra::kernels::Half h = sovra::kernels::fp32_to_fp16(0.004f);
  for (std::int64_t off = 0; off + traits.block_bytes <= bytes; off += traits.block_bytes) {
    for (int f = 0; f < n_fields; ++f) std::memcpy(data + off + 2 * f, &h, 2);
  }
}

// Sums 64-byte lines of [begin, end) with four independent AVX2 accumulators: as fast as one core reads.
__attribute__((target("avx2"))) std::uint64_t read_avx2(const std::uint8_t* begin, const std::uint8_t* end) {
  __m256i acc[4] = {};
  for (const std::uint8_t* p = begin; p + 128 <= end; p += 128) {
    for (int k = 0; k < 4; ++k) {
      acc[k] = _mm256_add_epi64(acc[k], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * k)));
    }
  }
  const __m256i s = _mm256_add_epi64(_mm256_add_epi64(acc[0], acc[1]), _mm256_add_epi64(acc[2], acc[3]));
  return static_cast<std::uint64_t>(_mm256_extract_epi64(s, 0));
}

void BM_ReadBandwidth(benchmark::State& state) {
  if (!sovra::kernels::cpu_has_avx2()) {
    state.SkipWithError("needs AVX2");
    return;
  }
  Buffer buf = random_buffer(kColdBytes, 1);
  std::uint64_t sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    std::uint64_t sums[kThreads] = {};
    pool().run([&](int i, int n) {
      const std::int64_t begin = kColdBytes * i / n;
      const std::int64_t end = kColdBytes * (i + 1) / n;
      sums[i] = read_avx2(buf.data() + begin, buf.data() + end);
    });
    sink += sums[0] + sums[1];
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  benchmark::DoNotOptimize(sink);
  const double bytes = static_cast<double>(kColdBytes) * static_cast<double>(state.iterations());
  g_read_bytes_per_s = bytes / seconds;
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));  // bytes_per_second: bench/engine_cpu/run reads it
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsRate);
}

void BM_Matmul(benchmark::State& state, GgmlType type, Shape shape, std::int64_t n_tokens, bool dram, bool reference,
               bool packed) {
  const std::int64_t matrix = shape.rows * sovra::kernels::row_bytes(type, shape.cols);
  const std::int64_t copies = dram ? std::max<std::int64_t>(2, kColdBytes / matrix) : 1;
  Buffer weights = random_buffer(copies * matrix, 2);
  fix_scales(type, weights.data(), copies * matrix);
  const sovra::kernels::WeightView plain_view{type, weights.data(), shape.rows, shape.cols};
  const auto layout = packed ? sovra::kernels::packed_layout(plain_view) : sovra::kernels::WeightLayout::kRows;
  if (packed && layout == sovra::kernels::WeightLayout::kRows) {
    state.SkipWithError("no packed kernel for this type on this CPU");
    return;
  }
  const std::int64_t stride = sovra::kernels::layout_bytes(plain_view, layout);  // <= matrix for Q4_0, +3% Q4_K
  Buffer store = packed ? random_buffer(copies * stride, 4) : Buffer();
  if (packed) {  // each copy repacked, as Model does at load
    for (std::int64_t c = 0; c < copies; ++c) {
      sovra::kernels::repack({type, weights.data() + c * matrix, shape.rows, shape.cols}, layout,
                             store.data() + c * stride, pool());
    }
  }
  std::uint8_t* base = packed ? store.data() : weights.data();
  Buffer noise = random_buffer(n_tokens * shape.cols * 4, 3);
  std::vector<float> x(static_cast<std::size_t>(n_tokens * shape.cols));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<std::int8_t>(noise.data()[i])) / 64;
  std::vector<float> y(static_cast<std::size_t>(n_tokens * shape.rows));
  sovra::kernels::force_reference(reference);
  std::int64_t i = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const sovra::kernels::WeightView w{type, base + (i++ % copies) * stride, shape.rows, shape.cols, layout};
    sovra::kernels::matmul(w, x.data(), n_tokens, y.data(), pool());
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sovra::kernels::force_reference(false);
  const double bytes = static_cast<double>(matrix) * static_cast<double>(state.iterations());
  const double flops =
      2.0 * static_cast<double>(shape.rows * shape.cols * n_tokens) * static_cast<double>(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.counters["GB/s"] = benchmark::Counter(bytes / 1e9, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(flops / 1e9, benchmark::Counter::kIsRate);
  if (g_read_bytes_per_s > 0) state.counters["of_read_bw"] = bytes / seconds / g_read_bytes_per_s;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("read_bandwidth/2threads", BM_ReadBandwidth)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  for (bool dram : {true, false}) {
    for (GgmlType t : kTypes) {
      for (const Shape& s : kShapes) {
        const std::string name =
            fmt::format("matvec/{}/{}x{}/{}", sovra::gguf::type_name(t), s.rows, s.cols, dram ? "dram" : "cache");
        benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, t, s, std::int64_t{1}, dram, false, false)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      }
    }
  }
  for (GgmlType t : kTypes) {
    for (const Shape& s : kShapes) {
      const std::string name =
          fmt::format("matmat{}/{}/{}x{}", kPromptTokens, sovra::gguf::type_name(t), s.rows, s.cols);
      benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, t, s, kPromptTokens, true, false, false)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  // Small batches (continuous batching's decode steps: one token per sequence), weights streamed from memory:
  // compare each with matvec/T/5632x2048/dram, the cost of one token.
  for (GgmlType t : kTypes) {
    for (const std::int64_t n : {2, 4, 8, 16}) {
      const std::string name = fmt::format("matmat{}/{}/5632x2048/dram", n, sovra::gguf::type_name(t));
      benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, t, kShapes[1], n, true, false, false)
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
  }
  // Q4_0 and Q4_K repacked 16 rows at a time (kernels/packed.hpp), as models load them where the CPU has the kernel.
  for (GgmlType t : {GgmlType::kQ4_0, GgmlType::kQ4_K}) {
    for (const std::int64_t n : {std::int64_t{1}, std::int64_t{2}, std::int64_t{4}, std::int64_t{8}, std::int64_t{16},
                                 kPromptTokens}) {
      for (const Shape& s : kShapes) {
        for (bool dram : {true, false}) {
          const std::string name = fmt::format("packed{}/{}/{}x{}/{}", n, sovra::gguf::type_name(t), s.rows, s.cols,
                                               dram ? "dram" : "cache");
          benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, t, s, n, dram, false, true)
              ->UseRealTime()
              ->Unit(benchmark::kMicrosecond);
        }
      }
    }
  }
  // The scalar reference path, for scale.
  for (GgmlType t : kTypes) {
    const std::string name = fmt::format("matvec_reference/{}/2048x2048/dram", sovra::gguf::type_name(t));
    benchmark::RegisterBenchmark(name.c_str(), BM_Matmul, t, kShapes[0], std::int64_t{1}, true, true, false)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
