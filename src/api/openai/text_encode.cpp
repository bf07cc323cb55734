#include "api/openai/text_encode.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string_view>

#include "api/openai/chat_encode.hpp"
#include "common/json_escape.hpp"

namespace sovra::api::openai {
namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

void append_float(std::string& out, float v) {
  if (!std::isfinite(v)) v = -9999.0f;  // keeps the JSON valid; banned tokens are never reported
  fmt::format_to(std::back_inserter(out), "{}", v);
}

void append_choice(std::string& out, std::int32_t index, std::string_view text,
                   const std::optional<std::vector<TokenLogprob>>& logprobs, std::size_t text_offset,
                   const std::optional<FinishReason>& finish_reason) {
  fmt::format_to(std::back_inserter(out), R"({{"index":{},"text":)", index);
  append_string(out, text);
  out += R"(,"logprobs":)";
  if (logprobs) {
    append_legacy_logprobs(out, *logprobs, text_offset);
  } else {
    out += "null";
  }
  out += R"(,"finish_reason":)";
  if (finish_reason) {
    out += '"';
    out += finish_reason_name(*finish_reason);
    out += '"';
  } else {
    out += "null";
  }
  out += '}';
}

}  // namespace

void append_legacy_logprobs(std::string& out, const std::vector<TokenLogprob>& tokens, std::size_t text_offset) {
  out += R"({"tokens":[)";
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out += ',';
    append_string(out, tokens[i].token);
  }
  out += R"(],"token_logprobs":[)";
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out += ',';
    if (tokens[i].first_prompt_token) {
      out += "null";
    } else {
      append_float(out, tokens[i].logprob);
    }
  }
  out += R"(],"top_logprobs":[)";
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out += ',';
    if (tokens[i].first_prompt_token) {
      out += "null";
      continue;
    }
    out += '{';
    // One key per distinct token text: two tokens that render alike (partial UTF-8) keep the likelier one.
    std::vector<std::string_view> seen;
    for (const TopLogprob& t : tokens[i].top) {
      bool dup = false;
      for (std::string_view s : seen) dup = dup || s == t.token;
      if (dup) continue;
      if (!seen.empty()) out += ',';
      seen.push_back(t.token);
      append_string(out, t.token);
      out += ':';
      append_float(out, t.logprob);
    }
    out += '}';
  }
  out += R"(],"text_offset":[)";
  std::size_t offset = text_offset;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0) out += ',';
    fmt::format_to(std::back_inserter(out), "{}", offset);
    offset += tokens[i].token.size();
  }
  out += "]}";
}

std::string encode_text_completion(const TextCompletion& c) {
  std::string out;
  out.reserve(256);
  append_header(out, c.header, "text_completion");
  out += R"(,"choices":[)";
  for (std::size_t i = 0; i < c.choices.size(); ++i) {
    const TextChoice& ch = c.choices[i];
    if (i > 0) out += ',';
    append_choice(out, ch.index, ch.text, ch.logprobs, ch.logprobs_text_offset, ch.finish_reason);
  }
  out += R"(],"usage":)";
  append_usage(out, c.usage);
  out += '}';
  return out;
}

std::string encode_text_chunk(const CompletionHeader& header, const TextDelta& d, std::size_t text_offset,
                              bool with_usage_null) {
  std::string out;
  out.reserve(160);
  append_header(out, header, "text_completion");
  out += R"(,"choices":[)";
  append_choice(out, d.index, d.text, d.logprobs, text_offset, d.finish_reason);
  out += ']';
  if (with_usage_null) out += R"(,"usage":null)";
  out += '}';
  return out;
}

std::string encode_text_usage_chunk(const CompletionHeader& header, const Usage& usage) {
  return encode_usage_chunk(header, usage, "text_completion");
}

}  // namespace sovra::api::openai
