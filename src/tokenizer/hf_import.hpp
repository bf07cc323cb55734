#pragma once
// Importing a Hugging Face byte-level BPE tokenizer from its files, so that models whose GGUF vocabulary is not
// at hand can be tested and tokenized.
//
// Contract: load_from_hf_dir reads `vocab.json` + `merges.txt` (tokenizers' format) or `encoder.json` +
// `vocab.bpe` (OpenAI's GPT-2 format) from dir, and `tokenizer_config.json` when present: added_tokens_decoder
// (special → control token, otherwise user-defined), bos_token / eos_token, add_bos_token / add_eos_token and
// tokenizer_class. Ids missing between 0 and the largest become unused tokens. The pre-tokenizer is
// options.pre when set, else derived from tokenizer_class (Qwen2Tokenizer → qwen2, GPT2Tokenizer → gpt-2), else
// "llama-bpe" for a 128000-token encoder.json (Llama 3's tiktoken vocabulary, to which Llama 3's 256 special
// tokens are then added), else "gpt-2". Missing files are kNotFound, malformed ones kCorruptData naming the file.
#include <filesystem>
#include <string>

#include "common/error.hpp"
#include "tokenizer/bpe_tokenizer.hpp"

namespace sovra::tokenizer {

struct HfImportOptions {
  std::string pre;  // tokenizer.ggml.pre name; empty: derive
};

Result<BpeVocab> read_hf_bpe_vocab(const std::filesystem::path& dir, const HfImportOptions& options = {});
Result<BpeTokenizer> load_from_hf_dir(const std::filesystem::path& dir, const HfImportOptions& options = {});

}  // namespace sovra::tokenizer
