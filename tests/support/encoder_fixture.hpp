#pragma once
// A small random encoder (model/arch/encoder_random) loaded from memory, for backend and handler tests.
#include <memory>
#include <vector>

#include "gguf/reader.hpp"
#include "model/arch/encoder.hpp"
#include "model/arch/encoder_random.hpp"

namespace sovra::testing {

struct EncoderFixture {
  std::shared_ptr<std::vector<std::byte>> bytes;
  std::shared_ptr<const model::EncoderModel> model;
};

// The model keeps `bytes` alive through the returned struct only: keep the fixture for the model's lifetime.
inline EncoderFixture make_encoder(const model::RandomEncoderSpec& spec) {
  EncoderFixture f;
  auto bytes = model::random_encoder_bytes(spec);
  if (!bytes) return f;
  f.bytes = std::make_shared<std::vector<std::byte>>(std::move(*bytes));
  auto reader = gguf::Reader::from_memory(*f.bytes);
  if (!reader) return f;
  auto m = model::EncoderModel::from_reader(std::move(*reader));
  if (!m) return f;
  f.model = std::shared_ptr<const model::EncoderModel>(std::move(*m));
  return f;
}

}  // namespace sovra::testing
