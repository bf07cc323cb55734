#include "observability/metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "common/build_info.hpp"

namespace sovra::observability {

prometheus::Registry& registry() {
  static prometheus::Registry reg;
  return reg;
}

std::string render_metrics_text() {
  prometheus::TextSerializer serializer;
  std::ostringstream out;
  serializer.Serialize(out, registry().Collect());
  return out.str();
}

void register_build_info() {
  static bool done = false;
  if (done) return;
  done = true;
  prometheus::BuildGauge()
      .Name("sovra_build_info")
      .Help("Build of the running binary; always 1.")
      .Register(registry())
      .Add({{"version", build::kVersion}, {"commit", build::kCommit}, {"compiler", build::kCompiler}})
      .Set(1);
}

}  // namespace sovra::observability
