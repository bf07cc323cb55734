#pragma once
// The incremental parser of a model's generated text: feed it the text as it is generated, relay the events it
// returns (contract in parse_event.hpp), and call finish() once at the end for the final result.
//
//   OutputParser parser({.syntax = detect_output_syntax(hints), .id_seed = request_seed});
//   for (each generated piece) parser.feed(piece, events);   // events: append-only vector of ParseEvent
//   ParseResult result = parser.finish(events);
//
// Not thread-safe: one parser per generated choice. feed() never fails: text that cannot be read as a tool
// call is content (reported in ParseResult::issues).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "chat/parse/output_format.hpp"
#include "chat/parse/parse_event.hpp"

namespace sovra::chat {

struct OutputParserOptions {
  OutputSyntax syntax;
  // The prompt ended inside the reasoning block (see prompt_opens_reasoning): output starts as reasoning.
  bool reasoning_open = false;
  // False when the request offered no tools: tool-call markup is then ordinary content (reasoning and, for
  // harmony, channels are still separated).
  bool tool_calls = true;
  // Names of the offered tools; non-empty: a call naming another tool stays content (and is reported).
  std::vector<std::string> tool_names;
  // Seed of the generated tool-call ids ("call_…"); give each request its own.
  std::uint64_t id_seed = 0;
};

class OutputParser {
 public:
  explicit OutputParser(OutputParserOptions options);
  ~OutputParser();
  OutputParser(OutputParser&&) noexcept;
  OutputParser& operator=(OutputParser&&) noexcept;

  // Appends the events that `delta` (the next generated text, whole UTF-8 characters) makes certain.
  void feed(std::string_view delta, std::vector<ParseEvent>& events);
  // No more text: appends the remaining events and returns the result. Call once; feed() is not allowed after.
  ParseResult finish(std::vector<ParseEvent>& events);

  // Convenience for non-streaming use: parses a whole output.
  static ParseResult parse(std::string_view text, OutputParserOptions options);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sovra::chat
