#pragma once
// Internal to src/gguf: fills a Reader from its bytes, validating the whole file (see reader.hpp's contract).
#include "common/error.hpp"
#include "gguf/reader.hpp"

namespace sovra::gguf {

class Parser {
 public:
  // Parses reader.bytes_ into the reader's other fields; on failure the reader must be discarded.
  static Status parse(Reader& reader, const ReadOptions& options);
};

}  // namespace sovra::gguf
