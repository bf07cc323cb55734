#pragma once
// Opening a tokenizer from a path a person gives: a GGUF file (model or vocabulary only) or a directory with a
// Hugging Face BPE tokenizer (hf_import.hpp).
//
// Contract: a directory goes to load_from_hf_dir (with `pre` as HfImportOptions::pre), anything else is opened
// as GGUF and goes to load_from_gguf (`pre`, when set, must be empty: a GGUF names its own). Errors name the path.
#include <filesystem>
#include <memory>
#include <string>

#include "common/error.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

Result<std::unique_ptr<Tokenizer>> open_tokenizer(const std::filesystem::path& path, const std::string& pre = {});

}  // namespace sovra::tokenizer
