#include "tokenizer/open.hpp"

#include "gguf/reader.hpp"
#include "tokenizer/hf_import.hpp"
#include "tokenizer/load.hpp"

namespace sovra::tokenizer {

Result<std::unique_ptr<Tokenizer>> open_tokenizer(const std::filesystem::path& path, const std::string& pre) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    SOVRA_TRY(BpeTokenizer t, load_from_hf_dir(path, {.pre = pre}));
    return std::unique_ptr<Tokenizer>(std::make_unique<BpeTokenizer>(std::move(t)));
  }
  if (!pre.empty()) {
    return Error::invalid("a pre-tokenizer can only be chosen for a Hugging Face directory; '" + path.string() +
                          "' is a file and names its own");
  }
  auto reader = gguf::Reader::open(path, {.allow_unsupported_types = true});  // only metadata is read
  if (!reader) return reader.error();
  auto tokenizer = load_from_gguf(*reader);
  if (!tokenizer) return Error{tokenizer.error().code, path.string() + ": " + tokenizer.error().message, {}, 0};
  return tokenizer;
}

}  // namespace sovra::tokenizer
