// `sovra tokenize -m MODEL_OR_VOCAB (--text T | --file F) [--no-bos] [--parse-special] [--json]`: the token ids
// of a text, for checking prompts and vocabularies by hand.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "app/command.hpp"
#include "common/json_escape.hpp"
#include "tokenizer/open.hpp"
#include "tokenizer/stream_decoder.hpp"

namespace sovra::app {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string file;
  std::string pre;
  bool no_bos = false;
  bool parse_special = false;
  bool json = false;
};

// A token as a person can read it: its piece, or its stored text for control tokens (which have no piece);
// invalid UTF-8 (a token that splits a character) as U+FFFD.
std::string readable(const tokenizer::Tokenizer& t, tokenizer::TokenId id) {
  std::string_view piece = t.token_to_piece(id);
  if (piece.empty()) piece = t.token_text(id);
  std::string out;
  tokenizer::append_sanitized(out, piece);
  return out;
}

int tokenize(const TokenizeOptions& o) {
  std::string text = o.text;
  if (!o.file.empty()) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
      std::cerr << "sovra: cannot read '" << o.file << "'\n";
      return 1;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  auto tok = tokenizer::open_tokenizer(o.model, o.pre);
  if (!tok) {
    std::cerr << "sovra: " << tok.error().message << "\n";
    return 1;
  }
  const tokenizer::Tokenizer& t = **tok;
  const std::vector<tokenizer::TokenId> ids = t.encode(
      text,
      {.add_bos = !o.no_bos && t.add_bos(), .add_eos = !o.no_bos && t.add_eos(), .parse_special = o.parse_special});
  if (o.json) {
    std::string out = "{\"count\":" + std::to_string(ids.size()) + ",\"ids\":[";
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
    out += "],\"pieces\":[";
    for (std::size_t i = 0; i < ids.size(); ++i) {
      out += i ? ",\"" : "\"";
      append_json_escaped(out, readable(t, ids[i]));
      out += '"';
    }
    std::cout << out << "]}\n";
    return 0;
  }
  for (const tokenizer::TokenId id : ids) {
    std::string quoted;
    append_json_escaped(quoted, readable(t, id));
    std::cout << id << "\t\"" << quoted << "\"\n";
  }
  return 0;
}

const CommandRegistration kTokenize([](CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand("tokenize", "Print the token ids of a text");
  auto o = std::make_shared<TokenizeOptions>();
  cmd->add_option("-m,--model", o->model, "GGUF model or vocabulary file, or a Hugging Face tokenizer directory")
      ->required();
  auto* text = cmd->add_option("--text", o->text, "the text to tokenize");
  auto* file = cmd->add_option("--file", o->file, "read the text from this file");
  text->excludes(file);
  file->excludes(text);
  cmd->add_flag("--no-bos", o->no_bos, "do not add the BOS/EOS tokens the vocabulary asks for");
  cmd->add_flag("--parse-special", o->parse_special, "turn control tokens' text (\"<|im_start|>\") into those tokens");
  cmd->add_flag("--json", o->json, "print {\"count\", \"ids\", \"pieces\"} as one JSON line");
  cmd->add_option("--pre", o->pre, "pre-tokenizer for a Hugging Face directory (llama-bpe, qwen2, gpt-2, ...)");
  cmd->callback([o, cmd, &exit_code] {
    if (cmd->count("--text") == 0 && cmd->count("--file") == 0) {
      std::cerr << "sovra: tokenize needs --text or --file\n";
      exit_code = 2;
      return;
    }
    exit_code = tokenize(*o);
  });
});

}  // namespace
}  // namespace sovra::app
