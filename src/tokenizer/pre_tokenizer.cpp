#include "tokenizer/pre_tokenizer.hpp"

#include <array>

namespace sovra::tokenizer {

namespace {

// GPT-2's pattern (tokenizer.json ByteLevel use_regex).
constexpr std::string_view kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr std::string_view kLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kGpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|)"
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|)"
    R"(\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kTekken = R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|)"
                                     R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|)"
                                     R"(\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// DeepSeek LLM's cased letters (Lu, Ll, Lt of an older Unicode), as in its tokenizer.json; written as escapes
// because several of its characters change under NFC.
constexpr std::string_view kDeepseekLetters =
    R"(\s?[)"
    R"(\x{41}-\x{5A}\x{61}-\x{7A}\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF})"
    R"(\x{1C4}-\x{293}\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386})"
    R"(\x{388}-\x{38A}\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556})"
    R"(\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF})"
    R"(\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})"
    R"(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D})"
    R"(\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3})"
    R"(\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107})"
    R"(\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134})"
    R"(\x{2139}\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})"
    R"(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})"
    R"(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})"
    R"(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB})"
    R"(\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF}\x{1E900}-\x{1E943})"
    R"(]+)";
constexpr std::string_view kCjk = "[一-龥ࠀ-一가-퟿]+";
constexpr std::string_view kBloom = R"( ?[^(\s|.,!?…。，、।۔،)]+)";

struct Preset {
  std::vector<std::string_view> names;
  std::vector<std::string_view> patterns;
  bool ignore_merges;
};

const std::array<Preset, 14>& presets() {
  static const std::array<Preset, 14> kPresets = {{
      {{"default"}, {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"}, false},
      {{"gpt-2", "mpt", "olmo", "jais", "phi-2", "roberta-bpe", "jina-es", "jina-de", "jina-v1-en", "jina-v2-es",
        "jina-v2-de", "jina-v2-code", "gigachat"},
       {kGpt2},
       false},
      {{"llama-bpe", "llama3", "llama-v3", "falcon3"}, {kLlama3}, true},
      {{"dbrx", "smaug-bpe", "chatglm-bpe"}, {kLlama3}, false},
      {{"qwen2", "deepseek-r1-qwen", "stablelm2"}, {kQwen2}, false},
      {{"deepseek-llm"},
       {"[\r\n]", kDeepseekLetters, "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", kCjk, R"(\p{N}+)"},
       false},
      {{"deepseek-coder"}, {"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kCjk, R"(\p{N})"}, false},
      {{"deepseek-v3"},
       {R"(\p{N}{1,3})", "[一-龥぀-ゟ゠-ヿ]+",
        R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"},
       false},
      {{"falcon"}, {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"}, false},
      {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva"}, {R"(\p{N})", kGpt2}, false},
      {{"poro-chat", "bloom", "gpt3-finnish"}, {kBloom}, false},
      {{"viking"}, {kBloom, R"(\p{N})"}, false},
      {{"gpt-4o"}, {kGpt4o}, false},
      {{"tekken", "pixtral"}, {kTekken}, true},
  }};
  return kPresets;
}

}  // namespace

Result<PreTokenizer> PreTokenizer::create(std::string_view name) {
  for (const Preset& preset : presets()) {
    for (const std::string_view n : preset.names) {
      if (n != name) continue;
      PreTokenizer p;
      p.name_ = std::string(name);
      p.ignore_merges_ = preset.ignore_merges;
      for (const std::string_view pattern : preset.patterns) {
        SOVRA_TRY(Regex r, Regex::compile(pattern));
        p.regexes_.push_back(std::move(r));
      }
      return p;
    }
  }
  return Error::invalid("pre-tokenizer '" + std::string(name) +
                            "' is not supported (supported: default, gpt-2, llama-bpe, qwen2, deepseek-llm, "
                            "deepseek-coder, deepseek-v3, falcon, mpt, starcoder, refact, gpt-4o, tekken, ...)",
                        "tokenizer.ggml.pre");
}

void PreTokenizer::split(std::string_view text, std::vector<std::pair<std::uint32_t, std::uint32_t>>& out) const {
  if (text.empty()) return;
  thread_local std::vector<char32_t> cps;
  thread_local std::vector<std::uint32_t> offsets;
  thread_local Regex::Scratch scratch;
  unicode::decode(text, cps, offsets);

  // Pieces as code point ranges.
  std::vector<std::pair<std::size_t, std::size_t>> pieces{{0, cps.size()}};
  std::vector<std::pair<std::size_t, std::size_t>> next;
  for (const Regex& regex : regexes_) {
    next.clear();
    for (const auto& [begin, end] : pieces) {
      const std::span<const char32_t> piece(cps.data() + begin, end - begin);
      std::size_t at = 0;      // end of the last piece emitted
      std::size_t search = 0;  // where the next search starts
      while (search < piece.size()) {
        const std::optional<Regex::Span> m = regex.find(piece, search, scratch);
        if (!m) break;
        if (m->end == m->begin) {  // an empty match splits nothing
          search = m->begin + 1;
          continue;
        }
        if (m->begin > at) next.emplace_back(begin + at, begin + m->begin);
        next.emplace_back(begin + m->begin, begin + m->end);
        at = search = m->end;
      }
      if (at < piece.size()) next.emplace_back(begin + at, end);
    }
    pieces.swap(next);
  }
  for (const auto& [begin, end] : pieces) out.emplace_back(offsets[begin], offsets[end]);
}

}  // namespace sovra::tokenizer
