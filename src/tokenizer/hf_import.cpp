#include "tokenizer/hf_import.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "common/json.hpp"

namespace sovra::tokenizer {

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::size_t kMaxFileBytes = std::size_t{256} << 20;
constexpr std::size_t kLlama3BaseTokens = 128000;

Result<std::string> read_file(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return Error::not_found("cannot read '" + path.string() + "': " + ec.message());
  if (size > kMaxFileBytes) return Error::invalid("'" + path.string() + "' is larger than 256 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::io("cannot open '" + path.string() + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A token given as "text", {"content": "text"} or null.
std::string token_text(const json::value* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_object()) {
    if (const json::value* c = v->as_object().if_contains("content"); c != nullptr && c->is_string()) {
      return std::string(c->get_string());
    }
  }
  return {};
}

std::map<TokenId, std::string> llama3_specials() {
  std::map<TokenId, std::string> out;
  const char* named[] = {"<|begin_of_text|>",
                         "<|end_of_text|>",
                         "<|reserved_special_token_0|>",
                         "<|reserved_special_token_1|>",
                         "<|finetune_right_pad_id|>",
                         "<|reserved_special_token_2|>",
                         "<|start_header_id|>",
                         "<|end_header_id|>",
                         "<|eom_id|>",
                         "<|eot_id|>",
                         "<|python_tag|>"};
  TokenId id = static_cast<TokenId>(kLlama3BaseTokens);
  for (const char* n : named) out[id++] = n;
  for (int r = 3; id < static_cast<TokenId>(kLlama3BaseTokens + 256); ++r) {
    out[id++] = "<|reserved_special_token_" + std::to_string(r) + "|>";
  }
  return out;
}

}  // namespace

Result<BpeVocab> read_hf_bpe_vocab(const fs::path& dir, const HfImportOptions& options) {
  fs::path vocab_path = dir / "vocab.json";
  fs::path merges_path = dir / "merges.txt";
  const bool openai = !fs::exists(vocab_path) && fs::exists(dir / "encoder.json");
  if (openai) {
    vocab_path = dir / "encoder.json";
    merges_path = dir / "vocab.bpe";
  }
  if (!fs::exists(vocab_path) || !fs::exists(merges_path)) {
    return Error::not_found("'" + dir.string() +
                            "' holds no Hugging Face BPE tokenizer (vocab.json + merges.txt or encoder.json + "
                            "vocab.bpe)");
  }
  SOVRA_TRY(const std::string vocab_text, read_file(vocab_path));
  auto parsed = parse_json(vocab_text);
  if (!parsed || !parsed->is_object()) {
    return Error::corrupt("'" + vocab_path.string() + "' is not a JSON object" +
                          (parsed ? std::string() : ": " + parsed.error().message));
  }
  std::map<TokenId, std::string> by_id;
  for (const auto& kv : parsed->as_object()) {
    const auto id = kv.value().is_int64() ? kv.value().get_int64() : -1;
    if (id < 0 || id >= (std::int64_t{1} << 30)) {
      return Error::corrupt("'" + vocab_path.string() + "': the id of '" + std::string(kv.key()) + "' is invalid");
    }
    by_id[static_cast<TokenId>(id)] = std::string(kv.key());
  }
  const std::size_t base_tokens = by_id.size();

  BpeVocab vocab;
  std::map<TokenId, std::pair<std::string, TokenType>> added;
  std::string class_name;
  std::string bos;
  std::string eos;
  std::optional<bool> add_bos;
  std::optional<bool> add_eos;
  if (const fs::path config_path = dir / "tokenizer_config.json"; fs::exists(config_path)) {
    SOVRA_TRY(const std::string config_text, read_file(config_path));
    auto config = parse_json(config_text);
    if (!config || !config->is_object()) return Error::corrupt("'" + config_path.string() + "' is not a JSON object");
    const json::object& c = config->as_object();
    if (const json::value* d = c.if_contains("added_tokens_decoder"); d != nullptr && d->is_object()) {
      for (const auto& kv : d->as_object()) {
        const std::string content = token_text(&kv.value());
        const long long id = std::atoll(std::string(kv.key()).c_str());
        if (content.empty() || id < 0 || id >= (1LL << 30)) continue;
        const json::value* special = kv.value().is_object() ? kv.value().as_object().if_contains("special") : nullptr;
        const bool is_special = special != nullptr && special->is_bool() && special->get_bool();
        added[static_cast<TokenId>(id)] = {content, is_special ? TokenType::kControl : TokenType::kUserDefined};
      }
    }
    if (const json::value* v = c.if_contains("tokenizer_class"); v != nullptr && v->is_string()) {
      class_name = std::string(v->get_string());
    }
    bos = token_text(c.if_contains("bos_token"));
    eos = token_text(c.if_contains("eos_token"));
    if (const json::value* v = c.if_contains("add_bos_token"); v != nullptr && v->is_bool()) add_bos = v->get_bool();
    if (const json::value* v = c.if_contains("add_eos_token"); v != nullptr && v->is_bool()) add_eos = v->get_bool();
  }

  vocab.pre = options.pre;
  if (vocab.pre.empty()) {
    if (class_name.starts_with("Qwen2Tokenizer")) {
      vocab.pre = "qwen2";
    } else if (class_name.starts_with("GPT2Tokenizer")) {
      vocab.pre = "gpt-2";
    } else if (openai && class_name.empty() && base_tokens == kLlama3BaseTokens) {
      vocab.pre = "llama-bpe";
    } else {
      vocab.pre = "gpt-2";
    }
  }
  if (vocab.pre == "llama-bpe" && added.empty() && base_tokens == kLlama3BaseTokens) {
    for (auto& [id, text] : llama3_specials()) added[id] = {std::move(text), TokenType::kControl};
    if (bos.empty()) bos = "<|begin_of_text|>";
    if (eos.empty()) eos = "<|end_of_text|>";
    if (!add_bos) add_bos = true;
  }

  TokenId max_id = by_id.empty() ? -1 : by_id.rbegin()->first;
  if (!added.empty()) max_id = std::max(max_id, added.rbegin()->first);
  vocab.tokens.resize(static_cast<std::size_t>(max_id + 1));
  vocab.types.assign(vocab.tokens.size(), TokenType::kUnused);
  for (auto& [id, text] : by_id) {
    vocab.tokens[static_cast<std::size_t>(id)] = std::move(text);
    vocab.types[static_cast<std::size_t>(id)] = TokenType::kNormal;
  }
  for (auto& [id, entry] : added) {
    vocab.tokens[static_cast<std::size_t>(id)] = std::move(entry.first);
    vocab.types[static_cast<std::size_t>(id)] = entry.second;
  }
  for (std::size_t i = 0; i < vocab.tokens.size(); ++i) {
    if (vocab.types[i] == TokenType::kUnused) vocab.tokens[i] = "[PAD" + std::to_string(i) + "]";
  }
  const auto find = [&vocab](const std::string& text) {
    if (text.empty()) return kNoToken;
    for (std::size_t i = vocab.tokens.size(); i-- > 0;) {
      if (vocab.tokens[i] == text) return static_cast<TokenId>(i);
    }
    return kNoToken;
  };
  vocab.bos_id = find(bos);
  vocab.eos_id = find(eos);
  vocab.add_bos = add_bos.value_or(false) && vocab.bos_id != kNoToken;
  vocab.add_eos = add_eos.value_or(false) && vocab.eos_id != kNoToken;

  SOVRA_TRY(const std::string merges_text, read_file(merges_path));
  std::istringstream lines(merges_text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.starts_with("#version")) continue;
    vocab.merges.push_back(std::move(line));
  }
  return vocab;
}

Result<BpeTokenizer> load_from_hf_dir(const fs::path& dir, const HfImportOptions& options) {
  SOVRA_TRY(BpeVocab vocab, read_hf_bpe_vocab(dir, options));
  return BpeTokenizer::create(vocab);
}

}  // namespace sovra::tokenizer
