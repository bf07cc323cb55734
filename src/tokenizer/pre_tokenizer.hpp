#pragma once
// PreTokenizer: the regex splitting a byte-level BPE vocabulary does before merges, chosen by the GGUF key
// tokenizer.ggml.pre (the names llama.cpp's convert_hf_to_gguf.py writes).
//
// Contract: create() knows default/gpt-2, llama-bpe (llama3, llama-v3, falcon3), qwen2 (deepseek-r1-qwen,
// stablelm2), deepseek-llm, deepseek-coder, deepseek-v3, falcon, mpt, starcoder, refact, command-r, smollm,
// codeshell, exaone, minerva, olmo, jais, roberta-bpe, phi-2, dbrx, smaug-bpe, chatglm-bpe, poro-chat, viking,
// bloom, gpt3-finnish, gpt-4o and tekken (pixtral); any other name is kInvalidArgument naming it. The regexes
// of a vocabulary run in sequence, each on the pieces the previous one left, and every piece (match or the text
// between matches) stays a piece, as Hugging Face's Split(behavior = "Isolated") and llama.cpp do. The patterns
// are those of the models' tokenizer.json files (not llama.cpp's std::regex-adapted copies). split() accepts
// any bytes; invalid UTF-8 bytes are characters of no category. Thread-safe.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "tokenizer/regex.hpp"

namespace sovra::tokenizer {

class PreTokenizer {
 public:
  static Result<PreTokenizer> create(std::string_view name);

  // Appends the pre-tokens of text as byte ranges [begin, end), in order, covering text exactly.
  void split(std::string_view text, std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const;

  // Hugging Face's BPE ignore_merges: a pre-token that is a whole token is emitted without merging.
  bool ignore_merges() const { return ignore_merges_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::vector<Regex> regexes_;
  bool ignore_merges_ = false;
};

}  // namespace sovra::tokenizer
