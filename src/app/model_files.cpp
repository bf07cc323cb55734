#include "app/model_files.hpp"

#include <array>
#include <fstream>

namespace sovra::app {

Status check_model_files(const std::vector<ModelSpec>& models) {
  for (const auto& m : models) {
    std::ifstream in(m.path, std::ios::binary);
    if (!in) return Error::invalid("model '" + m.name + "': cannot open '" + m.path + "'", "models");
    std::array<char, 4> magic{};
    in.read(magic.data(), magic.size());
    if (in.gcount() != 4 || std::string_view(magic.data(), 4) != "GGUF") {
      return Error::corrupt("model '" + m.name + "': '" + m.path + "' is not a GGUF file (bad magic)");
    }
  }
  return {};
}

}  // namespace sovra::app
