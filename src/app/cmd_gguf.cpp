// `sovra gguf info FILE` (and, with the engine, `sovra gguf random`): inspect and make GGUF files.
#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "app/command.hpp"
#include "app/gguf_random.hpp"
#include "common/json_escape.hpp"
#include "gguf/reader.hpp"

namespace sovra::app {
namespace {

std::string scalar_text(const gguf::Value& v) {
  using gguf::ValueType;
  switch (v.type()) {
    case ValueType::kString: {
      std::string s(v.get<std::string_view>().value_or(""));
      std::string out = "\"";
      append_json_escaped(out, s.size() > 120 ? s.substr(0, 120) + "…" : s);
      return out + "\"";
    }
    case ValueType::kBool:
      return v.get<bool>().value_or(false) ? "true" : "false";
    case ValueType::kF32:
    case ValueType::kF64: {
      std::ostringstream o;
      o << v.get_float().value_or(0.0);
      return o.str();
    }
    case ValueType::kArray:
      return "";
    default: {
      if (auto u = v.get_uint()) return std::to_string(*u);
      if (auto i = v.get_int()) return std::to_string(*i);
      return "?";
    }
  }
}

std::string value_text(const gguf::Value& v) {
  if (!v.is_array()) return scalar_text(v);
  std::string out = "[" + gguf::value_type_name(v.element_type()) + " × " + std::to_string(v.size()) + "]";
  const auto elems = v.elements();
  if (!elems.empty() && !elems.front().is_array()) {
    out += " ";
    for (std::size_t i = 0; i < elems.size() && i < 5; ++i) out += (i ? ", " : "") + scalar_text(elems[i]);
    if (elems.size() > 5) out += ", …";
  }
  return out;
}

int info(const std::string& path, bool show_tensors) {
  auto r = gguf::Reader::open(path, {.allow_unsupported_types = true});
  if (!r) {
    std::cerr << "sovra: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "file: " << path << "\nversion: " << r->version() << "\nalignment: " << r->alignment()
            << "\nmetadata: " << r->kvs().size() << " keys\n";
  for (const auto& kv : r->kvs()) std::cout << "  " << kv.key << " = " << value_text(kv.value) << "\n";
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> by_type;  // name → (count, bytes)
  std::uint64_t params = 0;
  for (const auto& t : r->tensors()) {
    auto& e = by_type[gguf::type_name(t.type)];
    ++e.first;
    e.second += t.data.size();
    params += t.n_elements;
  }
  std::cout << "tensors: " << r->tensors().size() << " (" << params << " parameters)\n";
  for (const auto& [name, e] : by_type) {
    std::cout << "  " << name << ": " << e.first << " tensors, " << e.second << " bytes\n";
  }
  if (show_tensors) {
    for (const auto& t : r->tensors()) {
      std::cout << "  " << t.name << "  " << gguf::type_name(t.type) << "  [";
      for (std::uint32_t d = 0; d < t.n_dims; ++d) std::cout << (d ? ", " : "") << t.dims[d];
      std::cout << "]  offset " << t.offset << "  " << t.data.size() << " bytes\n";
    }
  }
  return 0;
}

const CommandRegistration kGguf([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("gguf", "Inspect and create GGUF model files");
  cmd->require_subcommand(1);
  auto* info_cmd = cmd->add_subcommand("info", "Print a GGUF file's metadata and tensor summary");
  auto path = std::make_shared<std::string>();
  auto tensors = std::make_shared<bool>(false);
  info_cmd->add_option("file", *path, "GGUF file")->required();
  info_cmd->add_flag("-t,--tensors", *tensors, "list every tensor");
  info_cmd->callback([path, tensors, &exit_code] { exit_code = info(*path, *tensors); });
  add_gguf_random_command(*cmd, exit_code);
});

}  // namespace
}  // namespace sovra::app
