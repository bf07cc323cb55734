#pragma once
// GPT-2's byte-level alphabet: each byte is shown as one printable character (bytes_to_unicode in OpenAI's
// encoder.py), so that byte-level BPE vocabularies and merges are text ("Ġthe" is " the").
#include <optional>
#include <string>
#include <string_view>

namespace sovra::tokenizer {

char32_t byte_to_char(unsigned char b);
// The byte-level text of raw bytes ("Ġthe" for " the").
std::string to_byte_level(std::string_view raw);
// The raw bytes of a byte-level text; nullopt when it holds a character outside the alphabet (an added token
// stored verbatim, such as "<|endoftext|>" is inside it, "▁" is not).
std::optional<std::string> from_byte_level(std::string_view text);

}  // namespace sovra::tokenizer
