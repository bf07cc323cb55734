#include "model/model.hpp"

#include "kernels/matmul.hpp"

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
  return std::unique_ptr<Model>(new Model(std::move(reader), std::move(hp), std::move(w)));
}

}  // namespace sovra::model
