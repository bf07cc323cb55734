#pragma once
// Building a Tokenizer from a GGUF file's tokenizer.ggml.* metadata.
//
// Contract: load_from_gguf dispatches on tokenizer.ggml.model. "llama" (SentencePiece BPE) gives an
// SpmTokenizer; a model Sovra does not implement yet ("gpt2" byte-level BPE, "bert" WordPiece, "t5" Unigram,
// ...) is kInvalidArgument naming the model; a missing or malformed key is kCorruptData (kNotFound when the file
// has no tokenizer at all) naming the key. The result does not borrow from the Reader.
#include <memory>

#include "common/error.hpp"
#include "gguf/reader.hpp"
#include "tokenizer/spm_tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sovra::tokenizer {

Result<std::unique_ptr<Tokenizer>> load_from_gguf(const gguf::Reader& reader);

// The SentencePiece vocabulary of a "llama" tokenizer: tokens, scores, token_type, BOS/EOS/unknown ids
// (llama.cpp's defaults 1/2/0 when absent; -1 or 0xFFFFFFFF mean "none"), add_bos_token (default true) and
// add_space_prefix (default true).
Result<SpmVocab> read_spm_vocab(const gguf::Reader& reader);

}  // namespace sovra::tokenizer
