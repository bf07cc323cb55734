// Sovra's Unigram tokenizer against real SentencePiece: tests/tokenizer/spm_reference.py trains tiny Unigram
// models (nmt_nfkc, nmt_nfkc_cf without whitespace cleanup or dummy prefix, identity) at test time and records
// the ids SentencePiece gives for ~200 tricky texts (full-width forms, ligatures, compatibility characters,
// decomposed accents, half-width katakana, odd whitespace, invalid UTF-8). Each model is written to a temporary
// GGUF with the project's writer (precompiled charsmap and flags as metadata) and opened the way a model file is,
// and every text must give the same ids. Skipped when python3 with the sentencepiece module is absent
// (scripts/setup installs python3-sentencepiece).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "gguf/writer.hpp"
#include "tokenizer/open.hpp"

namespace sovra::tokenizer {
namespace {

namespace fs = std::filesystem;
using gguf::MetaValue;

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

int run(const std::string& command) {
  const int rc = std::system(command.c_str());
  return rc != -1 && WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The first python3 that can import sentencepiece (PATH first, then Debian's, which python3-sentencepiece
// installs into); empty when none can.
std::string find_python() {
  for (const std::string candidate : {"python3", "/usr/bin/python3"}) {
    if (run(candidate + " -c 'import sentencepiece' >/dev/null 2>&1") == 0) return candidate;
  }
  return {};
}

std::vector<std::uint8_t> from_hex(std::string_view hex) {
  std::vector<std::uint8_t> out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// The model as a GGUF holding only tokenizer metadata, as llama.cpp's converter writes XLM-R/T5 vocabularies.
void write_gguf(const boost::json::object& m, const fs::path& path) {
  std::vector<std::string> pieces;
  for (const auto& p : m.at("pieces").as_array()) pieces.emplace_back(p.as_string());
  std::vector<float> scores;
  for (const auto& s : m.at("scores").as_array()) scores.push_back(static_cast<float>(s.to_number<double>()));
  std::vector<std::int32_t> types;
  for (const auto& t : m.at("types").as_array()) types.push_back(static_cast<std::int32_t>(t.to_number<std::int64_t>()));
  const auto id = [&m](const char* key) {
    const std::int64_t v = m.at(key).to_number<std::int64_t>();
    return MetaValue::u32(v < 0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(v));
  };
  gguf::Writer w;
  ASSERT_TRUE(w.set("general.architecture", MetaValue::string("t5")));
  ASSERT_TRUE(w.set("tokenizer.ggml.model", MetaValue::string("t5")));
  ASSERT_TRUE(w.set("tokenizer.ggml.tokens", MetaValue::array(pieces)));
  ASSERT_TRUE(w.set("tokenizer.ggml.scores", MetaValue::array(scores)));
  ASSERT_TRUE(w.set("tokenizer.ggml.token_type", MetaValue::array(types)));
  ASSERT_TRUE(w.set("tokenizer.ggml.unknown_token_id", id("unk_id")));
  ASSERT_TRUE(w.set("tokenizer.ggml.bos_token_id", id("bos_id")));
  ASSERT_TRUE(w.set("tokenizer.ggml.eos_token_id", id("eos_id")));
  ASSERT_TRUE(w.set("tokenizer.ggml.add_space_prefix", MetaValue::boolean(m.at("add_dummy_prefix").as_bool())));
  ASSERT_TRUE(w.set("tokenizer.ggml.remove_extra_whitespaces",
                    MetaValue::boolean(m.at("remove_extra_whitespaces").as_bool())));
  const auto charsmap = from_hex(m.at("precompiled_charsmap_hex").as_string());
  if (!charsmap.empty()) {
    ASSERT_TRUE(w.set("tokenizer.ggml.precompiled_charsmap", MetaValue::array(charsmap)));
  }
  const Status written = w.write_file(path);
  ASSERT_TRUE(written) << written.error().message;
}

TEST(UnigramSentencePieceReference, IdsMatchSentencePiece) {
  const std::string python = find_python();
  if (python.empty()) GTEST_SKIP() << "python3 with the sentencepiece module is missing (scripts/setup installs "
                                      "python3-sentencepiece)";
  // A private temporary directory (not the working directory: a run from the source tree left files there).
  std::string tmpl = (fs::temp_directory_path() / "sovra-spm-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const fs::path dir = tmpl;
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{dir};
  const fs::path json_path = dir / "vectors.json";
  const fs::path script = fs::path(SOVRA_TESTS_SOURCE_DIR) / "tokenizer" / "spm_reference.py";
  const int rc = run(python + " " + shell_quote(script.string()) + " " + shell_quote(json_path.string()));
  if (rc == 77) GTEST_SKIP() << "the sentencepiece python module is missing";
  ASSERT_EQ(rc, 0) << "spm_reference.py failed";
  std::ifstream in(json_path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = parse_json(ss.str());
  ASSERT_TRUE(doc && doc->is_object()) << json_path;
  const auto& models = doc->as_object().at("models").as_array();
  ASSERT_GE(models.size(), 3u);
  int checked = 0;
  for (const auto& mv : models) {
    const auto& m = mv.as_object();
    const std::string name(m.at("name").as_string());
    const fs::path gguf_path = dir / (name + ".gguf");
    write_gguf(m, gguf_path);
    if (::testing::Test::HasFatalFailure()) return;
    auto tok = open_tokenizer(gguf_path);
    ASSERT_TRUE(tok) << name << ": " << tok.error().message;
    for (const auto& cv : m.at("cases").as_array()) {
      const auto& c = cv.as_object();
      const auto bytes = from_hex(c.at("hex").as_string());
      const std::string text(bytes.begin(), bytes.end());
      std::vector<TokenId> want;
      for (const auto& id : c.at("ids").as_array()) want.push_back(static_cast<TokenId>(id.to_number<std::int64_t>()));
      EXPECT_EQ((*tok)->encode(text, EncodeOptions{}), want) << name << ": '" << printable(text) << "'";
      ++checked;
    }
  }
  EXPECT_GE(checked, 600);
  std::printf("[ SPM REF  ] %d texts across %zu models match SentencePiece %s\n", checked, models.size(),
              std::string(doc->as_object().at("sentencepiece_version").as_string()).c_str());
}

}  // namespace
}  // namespace sovra::tokenizer
