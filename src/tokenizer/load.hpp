#pragma once
// Building a Tokenizer from a GGUF file's tokenizer.ggml.* metadata.
//
// Contract: load_from_gguf dispatches on tokenizer.ggml.model: "llama" (SentencePiece BPE) gives an
// SpmTokenizer, "gpt2" a BpeTokenizer (pre-tokenizer from tokenizer.ggml.pre, "default" when absent), "bert" a
// WordPieceTokenizer, "t5" a UnigramTokenizer; a model Sovra does not implement yet ("rwkv", ...) or an unknown
// pre-tokenizer is kInvalidArgument naming it; a missing or malformed key is kCorruptData (kNotFound when the file
// has no tokenizer at all) naming the key. The result does not borrow from the Reader.
#include <memory>

#include "common/error.hpp"
#include "gguf/reader.hpp"
#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/spm_tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/unigram_tokenizer.hpp"
#include "tokenizer/wordpiece_tokenizer.hpp"

namespace sovra::tokenizer {

Result<std::unique_ptr<Tokenizer>> load_from_gguf(const gguf::Reader& reader);

// The SentencePiece vocabulary of a "llama" tokenizer: tokens, scores, token_type, BOS/EOS/unknown ids
// (llama.cpp's defaults 1/2/0 when absent; -1 or 0xFFFFFFFF mean "none"), add_bos_token (default true) and
// add_space_prefix (default true).
Result<SpmVocab> read_spm_vocab(const gguf::Reader& reader);
// tokenizer.ggml.tokens/token_type/merges/pre and the special ids of a "gpt2" vocabulary (llama.cpp's defaults).
Result<BpeVocab> read_bpe_vocab(const gguf::Reader& reader);
// The same for "bert": [UNK]/[CLS]/[SEP] ids (defaults 100/101/102), add_bos/add_eos default true.
Result<WordPieceVocab> read_wordpiece_vocab(const gguf::Reader& reader);
// The same for "t5" (Unigram): scores, BOS none / EOS 1 / unknown 2 by default, add_bos false, add_eos true,
// add_space_prefix and remove_extra_whitespaces true; tokenizer.ggml.precompiled_charsmap (uint8 or int8 array)
// as raw bytes, checked by UnigramTokenizer::create.
Result<UnigramVocab> read_unigram_vocab(const gguf::Reader& reader);

}  // namespace sovra::tokenizer
