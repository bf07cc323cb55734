#pragma once
// The special-token strings a chat template expects (`bos_token`, `eos_token`, `unk_token`, `pad_token`), read
// from a GGUF's tokenizer metadata, as transformers passes the tokenizer's special tokens map.
#include <boost/json/object.hpp>

namespace sovra::gguf {
class Reader;
}

namespace sovra::chat {

// Adds each special token whose id the GGUF names (tokenizer.ggml.<bos|eos|unknown|padding>_token_id) to
// `context`, unless the context already has that key. Missing or out-of-range ids are skipped.
void add_special_tokens_from_gguf(const gguf::Reader& reader, boost::json::object& context);

}  // namespace sovra::chat
