// bench_gemm_cpu: CPU time of kernels::matmul on one thread for 1, 2, 4, 8, 16 and 128 tokens against the same
// weights (TinyLlama's 5632 x 2048 FFN shape by default), as a ratio to one token. CPU time of the calling thread
// (CLOCK_THREAD_CPUTIME_ID) counts only the time it ran, so the figures hold on a machine shared with other work
// where wall time does not; weights cycle through 768 MiB of copies so each call streams them from memory, as a
// decode step does. Sizes are measured round-robin over `reps` rounds; the median is printed.
//
//   bench_gemm_cpu [-t q4_0|q8_0|q4_k|q6_k] [-r rows] [-c cols] [-n 1,2,4,8,16,128] [--reps 9] [--cache] [--packed]
//
// --packed repacks the weights into the layout the engine loads them in on this CPU (kernels::packed_layout:
// the 16-row interleaved groups of the AVX-512 VNNI kernels where they run), so the packed kernels are timed;
// without it the GGUF row layout and its kernels.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "gguf/types.hpp"
#include "kernels/matmul.hpp"
#include "kernels/packed.hpp"
#include "kernels/quant.hpp"
#include "kernels/quant/half.hpp"
#include "kernels/thread_pool.hpp"

namespace {

using sovra::gguf::GgmlType;

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::vector<int> parse_list(const std::string& v) {
  std::vector<int> out;
  for (std::size_t p = 0; p < v.size();) {
    const std::size_t c = v.find(',', p);
    out.push_back(std::stoi(v.substr(p, c - p)));
    p = c == std::string::npos ? v.size() : c + 1;
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string type_name = "q4_0";
  std::int64_t rows = 5632;
  std::int64_t cols = 2048;
  std::vector<int> tokens{1, 2, 4, 8, 16, 128};
  int reps = 9;
  bool cache = false;
  bool packed = false;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (k == "-t") {
      type_name = next();
    } else if (k == "-r") {
      rows = std::stoll(next());
    } else if (k == "-c") {
      cols = std::stoll(next());
    } else if (k == "-n") {
      tokens = parse_list(next());
    } else if (k == "--reps") {
      reps = std::stoi(next());
    } else if (k == "--cache") {
      cache = true;
    } else if (k == "--packed") {
      packed = true;
    }
  }
  GgmlType type = GgmlType::kQ4_0;
  if (type_name == "q8_0") type = GgmlType::kQ8_0;
  else if (type_name == "q4_k") type = GgmlType::kQ4_K;
  else if (type_name == "q6_k") type = GgmlType::kQ6_K;
  else if (type_name != "q4_0") {
    std::fprintf(stderr, "unknown type %s\n", type_name.c_str());
    return 2;
  }
  const std::int64_t matrix = rows * sovra::kernels::row_bytes(type, cols);
  const std::int64_t copies = cache ? 1 : std::max<std::int64_t>(2, (std::int64_t{768} << 20) / matrix);
  // Random levels, small finite fp16 scales in every block's first fields (Q4_0/Q8_0 d; Q4_K d, dmin; Q6_K's d
  // is at the end, so its random bytes there are overwritten too).
  std::vector<std::uint8_t> w(static_cast<std::size_t>(copies * matrix));
  std::uint64_t s = 88172645463325252ull;
  for (auto& b : w) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    b = static_cast<std::uint8_t>(s);
  }
  const auto& tr = sovra::gguf::traits(type);
  const sovra::kernels::Half h = sovra::kernels::fp32_to_fp16(0.004f);
  for (std::int64_t off = 0; off + tr.block_bytes <= copies * matrix; off += tr.block_bytes) {
    if (type == GgmlType::kQ6_K) {
      std::memcpy(w.data() + off + tr.block_bytes - 2, &h, 2);
    } else {
      std::memcpy(w.data() + off, &h, 2);
      if (type == GgmlType::kQ4_K) std::memcpy(w.data() + off + 2, &h, 2);
    }
  }
  sovra::kernels::WeightLayout layout = sovra::kernels::WeightLayout::kRows;
  if (packed) {
    const sovra::kernels::WeightView rows_view{type, w.data(), rows, cols};
    layout = sovra::kernels::packed_layout(rows_view);
    if (layout == sovra::kernels::WeightLayout::kRows) {
      std::fprintf(stderr, "no packed layout for %s on this CPU: timing the row layout\n", type_name.c_str());
    } else {
      // layout_bytes == the row layout's size for every packed layout but Q4_K's (which grows by 64 bytes per
      // super-block of a group), so each copy is repacked into a buffer of its own size.
      const std::int64_t packed_matrix = sovra::kernels::layout_bytes(rows_view, layout);
      std::vector<std::uint8_t> pw(static_cast<std::size_t>(copies * packed_matrix));
      sovra::kernels::ThreadPool repack_pool(1);
      for (std::int64_t c = 0; c < copies; ++c) {
        sovra::kernels::repack(sovra::kernels::WeightView{type, w.data() + c * matrix, rows, cols}, layout,
                               pw.data() + c * packed_matrix, repack_pool);
      }
      w = std::move(pw);
    }
  }
  const std::int64_t stride =
      sovra::kernels::layout_bytes(sovra::kernels::WeightView{type, nullptr, rows, cols}, layout);
  const int max_t = *std::max_element(tokens.begin(), tokens.end());
  std::vector<float> x(static_cast<std::size_t>(max_t * cols));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(static_cast<int>(i * 7919 % 255) - 127) / 64;
  std::vector<float> y(static_cast<std::size_t>(max_t * rows));
  sovra::kernels::ThreadPool pool(1);
  std::vector<std::vector<double>> ms(tokens.size());
  std::int64_t next_copy = 0;
  for (int r = 0; r < reps + 1; ++r) {
    for (std::size_t ti = 0; ti < tokens.size(); ++ti) {
      const sovra::kernels::WeightView view{type, w.data() + (next_copy++ % copies) * stride, rows, cols, layout};
      const double c0 = thread_cpu_ms();
      sovra::kernels::matmul(view, x.data(), tokens[ti], y.data(), pool);
      if (r > 0) ms[ti].push_back(thread_cpu_ms() - c0);  // round 0 warms up
    }
  }
  std::printf("%s %lldx%lld, %s layout, 1 thread, weights %s, %d rounds (median thread CPU time)\n", type_name.c_str(),
              static_cast<long long>(rows), static_cast<long long>(cols),
              layout == sovra::kernels::WeightLayout::kRows ? "row" : "packed",
              cache ? "reused (cache)" : "streamed (dram)", reps);
  std::printf("| tokens | CPU ms per call | vs 1 token | CPU ms per token | GB/s of weights |\n| --- | --- | --- | --- | --- |\n");
  const double base = median(ms[0]);
  for (std::size_t ti = 0; ti < tokens.size(); ++ti) {
    const double m = median(ms[ti]);
    std::printf("| %d | %.3f | %.2fx | %.3f | %.1f |\n", tokens[ti], m, m / base, m / tokens[ti],
                static_cast<double>(matrix) / m / 1e6);
  }
  return 0;
}
