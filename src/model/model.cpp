#include "model/model.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "kernels/matmul.hpp"
#include "kernels/packed.hpp"
#include "kernels/thread_pool.hpp"

namespace sovra::model {

Model::Model(gguf::Reader reader, HyperParams hp, Weights w)
    : reader_(std::move(reader)), hp_(std::move(hp)), weights_(std::move(w)) {
  auto bytes = [](const Matrix& m) {
    const auto& t = gguf::traits(m.type);
    return static_cast<std::uint64_t>(m.rows) * (static_cast<std::uint64_t>(m.cols) / t.block_size) * t.block_bytes;
  };
  for (const auto& l : weights_.layers) {
    weight_bytes_ +=
        bytes(l.wq) + bytes(l.wk) + bytes(l.wv) + bytes(l.wo) + bytes(l.w_gate) + bytes(l.w_up) + bytes(l.w_down);
  }
  weight_bytes_ += bytes(weights_.output);
}

void Model::move_weights_to_arena() {
  std::vector<Matrix*> todo;
  for (auto& l : weights_.layers) {
    for (Matrix* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) todo.push_back(m);
  }
  // Tied output: token_embd's rows are also read as rows (embedding lookup), so it stays as it is.
  if (!weights_.tied_output) todo.push_back(&weights_.output);
  if (todo.empty()) return;
  // One arena for all of them, 2 MiB aligned and advised for transparent huge pages: generation streams every
  // weight once per token, and with 4 KiB pages each 4 KiB of it costs a TLB miss (measured: generation ~20%
  // faster). Matrices start at 64-byte boundaries inside it; the arena wastes under 2 MiB.
  constexpr std::size_t kAlign = 64;
  std::vector<std::size_t> offsets;
  std::size_t total = 0;
  std::vector<kernels::WeightLayout> layouts;
  for (const Matrix* m : todo) {
    const kernels::WeightView w{m->type, m->data, m->rows, m->cols};
    layouts.push_back(kernels::packed_layout(w));
    offsets.push_back(total);
    const auto bytes = static_cast<std::size_t>(kernels::layout_bytes(w, layouts.back()));
    total += (bytes + kAlign - 1) / kAlign * kAlign;
  }
  weight_arena_ = common::allocate_huge_pages(total);
  if (!weight_arena_) return;  // keep the file's layout: slower, not wrong
  std::byte* arena = weight_arena_.get();
  kernels::ThreadPool pool(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  for (std::size_t i = 0; i < todo.size(); ++i) {
    Matrix* m = todo[i];
    const kernels::WeightView w{m->type, m->data, m->rows, m->cols};
    void* dst = arena + offsets[i];
    if (layouts[i] != kernels::WeightLayout::kRows) {
      kernels::repack(w, layouts[i], dst, pool);
    } else {
      std::memcpy(dst, m->data, static_cast<std::size_t>(kernels::layout_bytes(w, layouts[i])));
    }
    // The file's copy is not read again: drop its pages from this process (whole pages inside the tensor only),
    // so resident memory stays about the file's size.
    const auto from = reinterpret_cast<std::uintptr_t>(m->data);
    const auto begin = (from + page - 1) / page * page;
    const auto end =
        (from + static_cast<std::uintptr_t>(kernels::layout_bytes(w, kernels::WeightLayout::kRows))) / page * page;
    if (reader_.file_mapped() && end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
    m->data = dst;
    m->layout = layouts[i];
  }
}

Result<std::unique_ptr<Model>> Model::load(const std::filesystem::path& path) {
  SOVRA_TRY(auto reader, gguf::Reader::open(path));
  return from_reader(std::move(reader));
}

Result<std::unique_ptr<Model>> Model::from_reader(gguf::Reader reader) {
  SOVRA_TRY(auto hp, read_hparams(reader));
  const auto* arch = find_architecture(hp.arch);
  SOVRA_TRY(auto w, bind_weights(reader, hp, *arch));
  // Every matrix must be computable before the first token, not fail halfway through a forward pass.
  auto check = [](const Matrix& m, const char* what) -> Status {
    auto st = kernels::check_weight({m.type, m.data, m.rows, m.cols});
    if (!st) return Error::invalid(std::string(what) + ": " + st.error().message);
    return {};
  };
  SOVRA_CHECK(check(w.token_embd, "token_embd.weight"));
  SOVRA_CHECK(check(w.output, "output.weight"));
  for (const auto& l : w.layers) {
    for (const auto* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      SOVRA_CHECK(check(*m, "layer weight"));
  }
  // The Reader owns the mapping; moving it keeps every view into the file valid.
  std::unique_ptr<Model> model(new Model(std::move(reader), std::move(hp), std::move(w)));
  model->move_weights_to_arena();
  return model;
}

}  // namespace sovra::model
