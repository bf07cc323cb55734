#include "api/openai/chat_encode.hpp"

#include <fmt/format.h>

#include <cmath>

#include "common/json_escape.hpp"

namespace sovra::api::openai {
namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

void append_float(std::string& out, float v) {
  // -inf logprobs never reach here (banned tokens are not reported); clamp anyway so the JSON stays valid.
  if (!std::isfinite(v)) v = -9999.0f;
  fmt::format_to(std::back_inserter(out), "{}", v);
}

void append_bytes(std::string& out, std::string_view s) {
  out += '[';
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0) out += ',';
    fmt::format_to(std::back_inserter(out), "{}", static_cast<unsigned>(static_cast<unsigned char>(s[i])));
  }
  out += ']';
}

void append_tool_calls(std::string& out, const std::vector<ToolCall>& calls) {
  out += '[';
  for (std::size_t i = 0; i < calls.size(); ++i) {
    if (i > 0) out += ',';
    out += R"({"id":)";
    append_string(out, calls[i].id);
    out += R"(,"type":"function","function":{"name":)";
    append_string(out, calls[i].name);
    out += R"(,"arguments":)";
    append_string(out, calls[i].arguments);
    out += "}}";
  }
  out += ']';
}

void append_choice_logprobs(std::string& out, const std::optional<std::vector<TokenLogprob>>& logprobs) {
  out += R"("logprobs":)";
  if (!logprobs) {
    out += "null";
    return;
  }
  out += R"({"content":)";
  append_logprobs(out, *logprobs);
  out += R"(,"refusal":null})";
}

}  // namespace

void append_header(std::string& out, const CompletionHeader& h, std::string_view object) {
  out += R"({"id":)";
  append_string(out, h.id);
  out += R"(,"object":")";
  out += object;
  out += R"(","created":)";
  append_json_int(out, h.created);
  out += R"(,"model":)";
  append_string(out, h.model);
  if (!h.system_fingerprint.empty()) {
    out += R"(,"system_fingerprint":)";
    append_string(out, h.system_fingerprint);
  }
}

void append_logprobs(std::string& out, const std::vector<TokenLogprob>& logprobs) {
  out += '[';
  for (std::size_t i = 0; i < logprobs.size(); ++i) {
    const TokenLogprob& t = logprobs[i];
    if (i > 0) out += ',';
    out += R"({"token":)";
    append_string(out, t.token);
    out += R"(,"logprob":)";
    append_float(out, t.logprob);
    out += R"(,"bytes":)";
    append_bytes(out, t.token);
    out += R"(,"top_logprobs":[)";
    for (std::size_t j = 0; j < t.top.size(); ++j) {
      if (j > 0) out += ',';
      out += R"({"token":)";
      append_string(out, t.top[j].token);
      out += R"(,"logprob":)";
      append_float(out, t.top[j].logprob);
      out += R"(,"bytes":)";
      append_bytes(out, t.top[j].token);
      out += '}';
    }
    out += "]}";
  }
  out += ']';
}

void append_usage(std::string& out, const Usage& u) {
  out += R"({"prompt_tokens":)";
  append_json_int(out, u.prompt_tokens);
  out += R"(,"completion_tokens":)";
  append_json_int(out, u.completion_tokens);
  out += R"(,"total_tokens":)";
  append_json_int(out, u.prompt_tokens + u.completion_tokens);
  out += R"(,"prompt_tokens_details":{"cached_tokens":)";
  append_json_int(out, u.cached_prompt_tokens);
  out += R"(},"completion_tokens_details":{"reasoning_tokens":)";
  append_json_int(out, u.reasoning_tokens);
  out += "}}";
}

std::string encode_chat_completion(const ChatCompletion& c) {
  std::string out;
  out.reserve(256);
  append_header(out, c.header, "chat.completion");
  out += R"(,"choices":[)";
  for (std::size_t i = 0; i < c.choices.size(); ++i) {
    const ChatChoice& ch = c.choices[i];
    if (i > 0) out += ',';
    out += R"({"index":)";
    append_json_int(out, ch.index);
    out += R"(,"message":{"role":"assistant","content":)";
    if (ch.content) {
      append_string(out, *ch.content);
    } else {
      out += "null";
    }
    out += R"(,"refusal":null)";
    if (ch.reasoning_content) {
      out += R"(,"reasoning_content":)";
      append_string(out, *ch.reasoning_content);
    }
    if (!ch.tool_calls.empty()) {
      out += R"(,"tool_calls":)";
      append_tool_calls(out, ch.tool_calls);
    }
    out += R"(},)";
    append_choice_logprobs(out, ch.logprobs);
    out += R"(,"finish_reason":")";
    out += finish_reason_name(ch.finish_reason);
    out += "\"}";
  }
  out += R"(],"usage":)";
  append_usage(out, c.usage);
  out += '}';
  return out;
}

std::string encode_chat_chunk(const CompletionHeader& header, const ChatDelta& d, bool with_usage_null) {
  std::string out;
  out.reserve(160);
  append_header(out, header, "chat.completion.chunk");
  out += R"(,"choices":[{"index":)";
  append_json_int(out, d.index);
  out += R"(,"delta":{)";
  bool first = true;
  const auto field = [&](std::string_view name) {
    if (!first) out += ',';
    first = false;
    out += '"';
    out += name;
    out += "\":";
  };
  if (d.role) {
    field("role");
    out += R"("assistant")";
  }
  if (d.content) {
    field("content");
    append_string(out, *d.content);
  }
  if (d.reasoning_content) {
    field("reasoning_content");
    append_string(out, *d.reasoning_content);
  }
  if (!d.tool_calls.empty()) {
    field("tool_calls");
    out += '[';
    for (std::size_t i = 0; i < d.tool_calls.size(); ++i) {
      const ToolCallDelta& t = d.tool_calls[i];
      if (i > 0) out += ',';
      out += R"({"index":)";
      append_json_int(out, t.index);
      if (!t.id.empty()) {
        out += R"(,"id":)";
        append_string(out, t.id);
        out += R"(,"type":"function")";
      }
      out += R"(,"function":{)";
      bool first_fn = true;
      if (!t.name.empty()) {
        out += R"("name":)";
        append_string(out, t.name);
        first_fn = false;
      }
      if (!first_fn) out += ',';
      out += R"("arguments":)";
      append_string(out, t.arguments);
      out += "}}";
    }
    out += ']';
  }
  out += "},";
  if (d.logprobs) {
    append_choice_logprobs(out, d.logprobs);
  } else {
    out += R"("logprobs":null)";
  }
  out += R"(,"finish_reason":)";
  if (d.finish_reason) {
    out += '"';
    out += finish_reason_name(*d.finish_reason);
    out += '"';
  } else {
    out += "null";
  }
  out += "}]";
  if (with_usage_null) out += R"(,"usage":null)";
  out += '}';
  return out;
}

std::string encode_usage_chunk(const CompletionHeader& header, const Usage& usage, std::string_view object) {
  std::string out;
  append_header(out, header, object);
  out += R"(,"choices":[],"usage":)";
  append_usage(out, usage);
  out += '}';
  return out;
}

}  // namespace sovra::api::openai
