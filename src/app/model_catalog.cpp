#include "app/model_catalog.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "gguf/reader.hpp"

namespace sovra::app {
namespace {

Result<api::ModelInfo> describe(const ModelSpec& spec) {
  SOVRA_TRY(gguf::Reader reader, gguf::Reader::open(spec.path));
  api::ModelInfo info;
  info.id = spec.name;
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(spec.path, ec);
  if (!ec) {
    const auto system_time = std::chrono::file_clock::to_sys(mtime);
    info.created = std::chrono::duration_cast<std::chrono::seconds>(system_time.time_since_epoch()).count();
  }
  if (auto arch = reader.get_string("general.architecture")) info.architecture = *arch;
  if (auto ctx = reader.get_uint(fmt::format("{}.context_length", info.architecture))) {
    info.context_length = static_cast<std::int64_t>(*ctx);
  }
  if (auto ft = reader.get_uint("general.file_type"))
    info.quantization = file_type_name(static_cast<std::uint32_t>(*ft));
  for (const gguf::TensorInfo& t : reader.tensors()) {
    std::uint64_t n = 1;
    for (std::uint64_t d : t.shape()) n *= d;
    info.parameters += n;
  }
  auto text = [&reader](std::initializer_list<const char*> keys) -> std::string {
    for (const char* k : keys) {
      if (auto v = reader.get_string(k); v && !v->empty()) return std::string(*v);
    }
    return {};
  };
  auto& t = info.transparency;
  t.provider = text({"general.author", "general.organization"});
  t.license = text({"general.license", "general.license.name"});
  t.source_url = text({"general.source.url", "general.url", "general.repo_url"});
  t.training_data_url = text({"general.source.huggingface.repository", "general.datasets"});
  t.intended_use = text({"general.description"});
  const bool encoder = info.architecture == "bert" || info.architecture == "nomic-bert" ||
                       info.architecture == "xlm-roberta" || info.architecture == "jina-bert-v2";
  info.capabilities.embeddings = encoder;
  info.capabilities.completions = !encoder;
  if (auto tmpl = reader.get_string("tokenizer.chat_template")) {
    info.capabilities.chat = !encoder;
    info.capabilities.tools = info.capabilities.chat && tmpl->find("tools") != std::string_view::npos;
  }
  return info;
}

}  // namespace

const char* file_type_name(std::uint32_t file_type) {
  switch (file_type) {
    case 0:
      return "F32";
    case 1:
      return "F16";
    case 2:
      return "Q4_0";
    case 3:
      return "Q4_1";
    case 7:
      return "Q8_0";
    case 8:
      return "Q5_0";
    case 9:
      return "Q5_1";
    case 10:
      return "Q2_K";
    case 11:
      return "Q3_K_S";
    case 12:
      return "Q3_K_M";
    case 13:
      return "Q3_K_L";
    case 14:
      return "Q4_K_S";
    case 15:
      return "Q4_K_M";
    case 16:
      return "Q5_K_S";
    case 17:
      return "Q5_K_M";
    case 18:
      return "Q6_K";
    case 32:
      return "BF16";
    default:
      return "";
  }
}

Result<std::vector<api::ModelInfo>> describe_models(const std::vector<ModelSpec>& models) {
  std::vector<api::ModelInfo> out;
  out.reserve(models.size());
  for (const ModelSpec& spec : models) {
    auto info = describe(spec);
    if (!info) {
      Error e = info.error();
      e.message = fmt::format("model '{}' ({}): {}", spec.name, spec.path, e.message);
      return fail(std::move(e));
    }
    out.push_back(std::move(*info));
  }
  return out;
}

}  // namespace sovra::app
