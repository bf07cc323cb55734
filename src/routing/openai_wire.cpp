#include "routing/openai_wire.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "common/json.hpp"

namespace sovra::routing {
namespace json = boost::json;
namespace {

json::value raw_json(const std::string& text) {
  auto v = parse_json(text);
  return v ? std::move(*v) : json::value(json::object());
}

json::value message_content(const api::ChatMessage& m) {
  if (!m.has_content) return nullptr;
  if (!m.content_was_array) return json::string(m.content);
  json::array parts;
  for (const auto& p : m.parts) {
    switch (p.kind) {
      case api::ContentPart::Kind::kText:
        parts.push_back(json::object{{"type", "text"}, {"text", p.text}});
        break;
      case api::ContentPart::Kind::kRefusal:
        parts.push_back(json::object{{"type", "refusal"}, {"refusal", p.text}});
        break;
      case api::ContentPart::Kind::kImage:
        parts.push_back(json::object{{"type", "image_url"}, {"image_url", json::object{{"url", p.text}}}});
        break;
      case api::ContentPart::Kind::kAudio:
      case api::ContentPart::Kind::kFile:
        break;  // the parsed request keeps no payload for these; TODO(#11) relay them once it does
    }
  }
  return parts;
}

void put_params(json::object& o, const api::GenerationParams& p) {
  if (p.max_tokens) o["max_tokens"] = *p.max_tokens;
  if (p.n != 1) o["n"] = p.n;
  o["temperature"] = p.temperature;
  o["top_p"] = p.top_p;
  // Extensions (vLLM, llama.cpp, TGI accept them): only when they differ from "off", since OpenAI itself refuses
  // unknown fields.
  if (p.top_k > 0) o["top_k"] = p.top_k;
  if (p.min_p > 0) o["min_p"] = p.min_p;
  if (p.repetition_penalty != 1.0f) o["repetition_penalty"] = p.repetition_penalty;
  if (p.presence_penalty != 0.0f) o["presence_penalty"] = p.presence_penalty;
  if (p.frequency_penalty != 0.0f) o["frequency_penalty"] = p.frequency_penalty;
  if (!p.logit_bias.empty()) {
    json::object bias;
    for (const auto& b : p.logit_bias) bias[std::to_string(b.token)] = b.bias;
    o["logit_bias"] = std::move(bias);
  }
  if (p.seed) o["seed"] = *p.seed;
  if (!p.stop.empty()) {
    json::array stop;
    for (const auto& s : p.stop) stop.push_back(json::string(s));
    o["stop"] = std::move(stop);
  }
}

std::optional<api::FinishReason> finish_reason(const json::value& v) {
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_string();
  if (s == "length") return api::FinishReason::kLength;
  if (s == "tool_calls" || s == "function_call") return api::FinishReason::kToolCalls;
  if (s == "content_filter") return api::FinishReason::kContentFilter;
  return api::FinishReason::kStop;
}

std::string str(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// A token count from an upstream: a non-negative integer (a number that is negative, fractional-huge or not a
// number counts as 0 rather than overflowing).
std::int64_t int_of(const json::object& o, std::string_view key) {
  constexpr std::int64_t kMax = std::int64_t{1} << 53;
  auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64() >= 0 && v->get_int64() <= kMax ? v->get_int64() : 0;
  if (v->is_uint64()) {
    return v->get_uint64() <= static_cast<std::uint64_t>(kMax) ? static_cast<std::int64_t>(v->get_uint64()) : 0;
  }
  if (v->is_double()) {
    const double d = v->get_double();
    return d >= 0 && d <= static_cast<double>(kMax) ? static_cast<std::int64_t>(d) : 0;
  }
  return 0;
}

std::optional<api::Usage> usage_of(const json::object& chunk) {
  auto* u = chunk.if_contains("usage");
  if (u == nullptr || !u->is_object()) return std::nullopt;
  const auto& o = u->get_object();
  api::Usage usage{.prompt_tokens = int_of(o, "prompt_tokens"), .completion_tokens = int_of(o, "completion_tokens")};
  if (auto* d = o.if_contains("prompt_tokens_details"); d != nullptr && d->is_object()) {
    usage.cached_prompt_tokens = int_of(d->get_object(), "cached_tokens");
  }
  if (auto* d = o.if_contains("completion_tokens_details"); d != nullptr && d->is_object()) {
    usage.reasoning_tokens = int_of(d->get_object(), "reasoning_tokens");
  }
  return usage;
}

std::optional<std::vector<api::TokenLogprob>> chat_logprobs(const json::object& choice) {
  auto* lp = choice.if_contains("logprobs");
  if (lp == nullptr || !lp->is_object()) return std::nullopt;
  auto* content = lp->get_object().if_contains("content");
  if (content == nullptr || !content->is_array()) return std::nullopt;
  std::vector<api::TokenLogprob> out;
  for (const auto& t : content->get_array()) {
    if (!t.is_object()) continue;
    const auto& to = t.get_object();
    api::TokenLogprob tl{.token = str(to, "token")};
    if (auto* l = to.if_contains("logprob"); l != nullptr && l->is_number()) tl.logprob = static_cast<float>(l->to_number<double>());
    if (auto* top = to.if_contains("top_logprobs"); top != nullptr && top->is_array()) {
      for (const auto& x : top->get_array()) {
        if (!x.is_object()) continue;
        api::TopLogprob tp{.token = str(x.get_object(), "token")};
        if (auto* l = x.get_object().if_contains("logprob"); l != nullptr && l->is_number()) tp.logprob = static_cast<float>(l->to_number<double>());
        tl.top.push_back(std::move(tp));
      }
    }
    out.push_back(std::move(tl));
  }
  return out;
}

// Legacy completions' logprobs: parallel arrays {tokens, token_logprobs, top_logprobs: [{token: logprob}]}
// (text_offset is recomputed when the answer is encoded again).
std::optional<std::vector<api::TokenLogprob>> text_logprobs(const json::object& choice) {
  auto* lp = choice.if_contains("logprobs");
  if (lp == nullptr || !lp->is_object()) return std::nullopt;
  const auto& lo = lp->get_object();
  auto* tokens = lo.if_contains("tokens");
  if (tokens == nullptr || !tokens->is_array()) return std::nullopt;
  auto* values = lo.if_contains("token_logprobs");
  auto* tops = lo.if_contains("top_logprobs");
  const json::array empty;
  const auto& va = values != nullptr && values->is_array() ? values->get_array() : empty;
  const auto& ta = tops != nullptr && tops->is_array() ? tops->get_array() : empty;
  std::vector<api::TokenLogprob> out;
  for (std::size_t i = 0; i < tokens->get_array().size(); ++i) {
    const auto& t = tokens->get_array()[i];
    api::TokenLogprob tl{.token = t.is_string() ? std::string(t.get_string()) : std::string()};
    if (i < va.size() && va[i].is_number()) tl.logprob = static_cast<float>(va[i].to_number<double>());
    if (i < ta.size() && ta[i].is_object()) {
      for (const auto& [tok, l] : ta[i].get_object()) {
        api::TopLogprob tp{.token = std::string(tok)};
        if (l.is_number()) tp.logprob = static_cast<float>(l.to_number<double>());
        tl.top.push_back(std::move(tp));
      }
    }
    out.push_back(std::move(tl));
  }
  return out;
}

// `storage`: the caller's arena (one per chunk: a chunk is parsed, read and dropped, so nothing is freed one by one).
Result<json::object> chunk_object(std::string_view text, json::storage_ptr storage) {
  auto v = parse_json(text, {}, std::move(storage));
  if (!v) return Error{ErrorCode::kCorruptData, "upstream sent an invalid stream chunk: " + v.error().message, {}, 502};
  if (!v->is_object()) return Error{ErrorCode::kCorruptData, "upstream sent a stream chunk that is not an object", {}, 502};
  auto& o = v->get_object();
  if (auto* e = o.if_contains("error"); e != nullptr && !e->is_null()) {
    std::string msg = "upstream failed mid-stream";
    if (e->is_object()) {
      if (auto m = str(e->get_object(), "message"); !m.empty()) msg = "upstream: " + m;
    } else if (e->is_string()) {
      msg = "upstream: " + std::string(e->get_string());
    }
    return Error{ErrorCode::kUnavailable, msg, {}, 502};
  }
  return std::move(o);
}

const json::array* choices_of(const json::object& o) {
  auto* c = o.if_contains("choices");
  return c != nullptr && c->is_array() ? &c->get_array() : nullptr;
}

}  // namespace

std::string encode_chat_request(const api::ChatRequest& r, const std::string& upstream_model) {
  json::object o;
  o["model"] = upstream_model;
  json::array messages;
  for (const auto& m : r.messages) {
    json::object jm{{"role", api::role_name(m.role)}, {"content", message_content(m)}};
    if (!m.name.empty()) jm["name"] = m.name;
    if (!m.tool_calls.empty()) {
      json::array calls;
      for (const auto& c : m.tool_calls) {
        calls.push_back(json::object{{"id", c.id},
                                     {"type", "function"},
                                     {"function", json::object{{"name", c.name}, {"arguments", c.arguments}}}});
      }
      jm["tool_calls"] = std::move(calls);
    }
    if (!m.tool_call_id.empty()) jm["tool_call_id"] = m.tool_call_id;
    if (m.reasoning_content) jm["reasoning_content"] = *m.reasoning_content;
    messages.push_back(std::move(jm));
  }
  o["messages"] = std::move(messages);
  put_params(o, r.params);
  if (r.params.logprobs) {
    o["logprobs"] = true;
    if (r.params.top_logprobs > 0) o["top_logprobs"] = r.params.top_logprobs;
  }
  if (!r.tools.empty()) {
    json::array tools;
    for (const auto& t : r.tools) {
      json::object f{{"name", t.name}, {"parameters", raw_json(t.parameters_json)}};
      if (!t.description.empty()) f["description"] = t.description;
      if (t.strict) f["strict"] = true;
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(f)}});
    }
    o["tools"] = std::move(tools);
    switch (r.tool_choice.mode) {
      case api::ToolChoice::Mode::kAuto: o["tool_choice"] = "auto"; break;
      case api::ToolChoice::Mode::kNone: o["tool_choice"] = "none"; break;
      case api::ToolChoice::Mode::kRequired: o["tool_choice"] = "required"; break;
      case api::ToolChoice::Mode::kFunction:
        o["tool_choice"] = json::object{{"type", "function"}, {"function", json::object{{"name", r.tool_choice.function_name}}}};
        break;
    }
    if (!r.parallel_tool_calls) o["parallel_tool_calls"] = false;
  }
  switch (r.response_format.kind) {
    case api::ResponseFormat::Kind::kText: break;
    case api::ResponseFormat::Kind::kJsonObject: o["response_format"] = json::object{{"type", "json_object"}}; break;
    case api::ResponseFormat::Kind::kJsonSchema: {
      json::object s{{"name", r.response_format.schema_name.empty() ? "response" : r.response_format.schema_name},
                     {"schema", raw_json(r.response_format.schema_json)}};
      if (r.response_format.strict) s["strict"] = true;
      o["response_format"] = json::object{{"type", "json_schema"}, {"json_schema", std::move(s)}};
      break;
    }
  }
  if (!r.user.empty()) o["user"] = r.user;
  o["stream"] = true;
  o["stream_options"] = json::object{{"include_usage", true}};
  return json::serialize(o);
}

std::string encode_text_request(const api::TextCompletionRequest& r, const std::string& upstream_model) {
  json::object o;
  o["model"] = upstream_model;
  json::array prompts;
  for (const auto& p : r.prompts) {
    if (const auto* text = std::get_if<std::string>(&p)) {
      prompts.push_back(json::string(*text));
    } else {
      json::array ids;
      for (auto id : std::get<std::vector<std::int32_t>>(p)) ids.push_back(id);
      prompts.push_back(std::move(ids));
    }
  }
  o["prompt"] = prompts.size() == 1 ? prompts[0] : json::value(std::move(prompts));
  put_params(o, r.params);
  if (r.params.logprobs) o["logprobs"] = r.params.top_logprobs;
  if (r.echo) o["echo"] = true;
  if (!r.user.empty()) o["user"] = r.user;
  o["stream"] = true;
  o["stream_options"] = json::object{{"include_usage", true}};
  return json::serialize(o);
}

Result<ChatChunk> decode_chat_chunk(std::string_view text, std::set<std::int32_t>& seen) {
  // Most chunks are one choice's content, read 2.1-2.5x faster without the tree (bench/upstream_chunk); the tree
  // took ~30% of the upstream I/O thread's CPU in a relayed 50-chunk stream.
  if (auto simple = decode_simple_chat_chunk(text)) {
    for (auto& d : simple->deltas) d.role = seen.insert(d.index).second;
    return std::move(*simple);
  }
  return decode_chat_chunk_tree(text, seen);
}

Result<ChatChunk> decode_chat_chunk_tree(std::string_view text, std::set<std::int32_t>& seen) {
  // A relayed chunk is a few hundred bytes: parsed into a stack arena, with no allocation per key and value.
  unsigned char arena[4096];
  json::monotonic_resource mr(arena, sizeof arena);
  SOVRA_TRY(auto o, chunk_object(text, &mr));
  ChatChunk out;
  out.usage = usage_of(o);
  if (const auto* choices = choices_of(o)) {
    for (const auto& c : *choices) {
      if (!c.is_object()) continue;
      const auto& co = c.get_object();
      api::ChatDelta d;
      d.index = static_cast<std::int32_t>(int_of(co, "index"));
      if (d.index < 0 || d.index > 1024) return Error{ErrorCode::kCorruptData, "upstream sent a choice index out of range", {}, 502};
      d.role = seen.insert(d.index).second;
      auto* delta = co.if_contains("delta");
      if (delta == nullptr) delta = co.if_contains("message");  // a non-streaming answer
      if (delta != nullptr && delta->is_object()) {
        const auto& dd = delta->get_object();
        if (auto* content = dd.if_contains("content"); content != nullptr && content->is_string()) d.content = std::string(content->get_string());
        if (auto* rc = dd.if_contains("reasoning_content"); rc != nullptr && rc->is_string()) d.reasoning_content = std::string(rc->get_string());
        if (auto* rc = dd.if_contains("reasoning"); !d.reasoning_content && rc != nullptr && rc->is_string()) d.reasoning_content = std::string(rc->get_string());
        if (auto* calls = dd.if_contains("tool_calls"); calls != nullptr && calls->is_array()) {
          for (const auto& call : calls->get_array()) {
            if (!call.is_object()) continue;
            const auto& cobj = call.get_object();
            api::ToolCallDelta t{.index = static_cast<std::int32_t>(int_of(cobj, "index")), .id = str(cobj, "id")};
            if (auto* f = cobj.if_contains("function"); f != nullptr && f->is_object()) {
              t.name = str(f->get_object(), "name");
              t.arguments = str(f->get_object(), "arguments");
            }
            d.tool_calls.push_back(std::move(t));
          }
        }
      }
      if (auto* fr = co.if_contains("finish_reason")) d.finish_reason = finish_reason(*fr);
      d.logprobs = chat_logprobs(co);
      out.deltas.push_back(std::move(d));
    }
  }
  return out;
}

Result<TextChunk> decode_text_chunk(std::string_view text) {
  // A relayed chunk is a few hundred bytes: parsed into a stack arena, with no allocation per key and value.
  unsigned char arena[4096];
  json::monotonic_resource mr(arena, sizeof arena);
  SOVRA_TRY(auto o, chunk_object(text, &mr));
  TextChunk out;
  out.usage = usage_of(o);
  if (const auto* choices = choices_of(o)) {
    for (const auto& c : *choices) {
      if (!c.is_object()) continue;
      const auto& co = c.get_object();
      api::TextDelta d{.index = static_cast<std::int32_t>(int_of(co, "index")), .text = str(co, "text")};
      if (d.index < 0 || d.index > 1024) return Error{ErrorCode::kCorruptData, "upstream sent a choice index out of range", {}, 502};
      if (auto* fr = co.if_contains("finish_reason")) d.finish_reason = finish_reason(*fr);
      d.logprobs = text_logprobs(co);
      out.deltas.push_back(std::move(d));
    }
  }
  return out;
}

namespace {

json::array prompts_json(const std::vector<api::Prompt>& prompts) {
  json::array out;
  for (const auto& p : prompts) {
    if (const auto* text = std::get_if<std::string>(&p)) {
      out.push_back(json::string(*text));
    } else {
      json::array ids;
      for (auto id : std::get<std::vector<std::int32_t>>(p)) ids.push_back(id);
      out.push_back(std::move(ids));
    }
  }
  return out;
}

Error bad_answer(const std::string& what) {
  return Error{ErrorCode::kCorruptData, "upstream sent an unusable answer: " + what, {}, 502};
}

}  // namespace

std::string encode_embedding_request(const api::EmbeddingRequest& r, const std::string& upstream_model) {
  json::object o{{"model", upstream_model}, {"input", prompts_json(r.inputs)}, {"encoding_format", "float"}};
  if (r.dimensions) o["dimensions"] = *r.dimensions;
  if (!r.user.empty()) o["user"] = r.user;
  return json::serialize(o);
}

std::string encode_rerank_request(const api::RerankRequest& r, const std::string& upstream_model) {
  json::array docs;
  for (const auto& d : r.documents) docs.push_back(json::string(d));
  return json::serialize(json::object{{"model", upstream_model}, {"query", r.query}, {"documents", std::move(docs)},
                                      {"return_documents", false}});
}

Result<api::EmbeddingResult> decode_embedding_response(std::string_view text, std::size_t inputs) {
  auto v = parse_json(text);
  if (!v || !v->is_object()) return bad_answer("not a JSON object");
  const auto* data = v->get_object().if_contains("data");
  if (data == nullptr || !data->is_array() || data->get_array().size() != inputs) {
    return bad_answer("expected " + std::to_string(inputs) + " embeddings");
  }
  api::EmbeddingResult out;
  out.embeddings.resize(inputs);
  std::vector<bool> filled(inputs, false);
  for (const auto& item : data->get_array()) {
    if (!item.is_object()) return bad_answer("an embedding is not an object");
    const auto index = int_of(item.get_object(), "index");
    const auto* e = item.get_object().if_contains("embedding");
    if (index < 0 || static_cast<std::size_t>(index) >= inputs || filled[static_cast<std::size_t>(index)] ||
        e == nullptr || !e->is_array()) {
      return bad_answer("embedding index or vector missing or out of range");
    }
    auto& vec = out.embeddings[static_cast<std::size_t>(index)];
    for (const auto& x : e->get_array()) {
      if (!x.is_number()) return bad_answer("an embedding holds a non-number");
      vec.push_back(static_cast<float>(x.to_number<double>()));
    }
    filled[static_cast<std::size_t>(index)] = true;
  }
  if (const auto* u = v->get_object().if_contains("usage"); u != nullptr && u->is_object()) {
    out.prompt_tokens = int_of(u->get_object(), "prompt_tokens");
  }
  return out;
}

Result<api::RerankResult> decode_rerank_response(std::string_view text, std::size_t documents) {
  auto v = parse_json(text);
  if (!v || !v->is_object()) return bad_answer("not a JSON object");
  const auto* results = v->get_object().if_contains("results");
  if (results == nullptr || !results->is_array()) return bad_answer("no results");
  api::RerankResult out;
  out.scores.assign(documents, 0.0f);
  std::vector<bool> filled(documents, false);
  for (const auto& item : results->get_array()) {
    if (!item.is_object()) return bad_answer("a result is not an object");
    const auto index = int_of(item.get_object(), "index");
    const auto* s = item.get_object().if_contains("relevance_score");
    if (index < 0 || static_cast<std::size_t>(index) >= documents || s == nullptr || !s->is_number()) {
      return bad_answer("result index or relevance_score missing or out of range");
    }
    out.scores[static_cast<std::size_t>(index)] = static_cast<float>(s->to_number<double>());
    filled[static_cast<std::size_t>(index)] = true;
  }
  if (std::find(filled.begin(), filled.end(), false) != filled.end()) return bad_answer("not every document was scored");
  if (const auto* u = v->get_object().if_contains("usage"); u != nullptr && u->is_object()) {
    out.prompt_tokens = int_of(u->get_object(), "prompt_tokens");
    if (out.prompt_tokens == 0) out.prompt_tokens = int_of(u->get_object(), "total_tokens");
  }
  return out;
}

Error upstream_error(int status, std::string_view body) {
  std::string message;
  std::string param;
  if (auto v = parse_json(body); v && v->is_object()) {
    if (auto* e = v->get_object().if_contains("error")) {
      if (e->is_object()) {
        message = str(e->get_object(), "message");
        param = str(e->get_object(), "param");
      } else if (e->is_string()) {
        message = std::string(e->get_string());
      }
    } else {
      message = str(v->get_object(), "message");
    }
  }
  if (message.size() > 500) message.resize(500);
  if (status == 429) {
    return Error{ErrorCode::kRateLimited, "upstream is rate limiting: " + (message.empty() ? "429" : message), {}, 429};
  }
  if (status >= 400 && status < 500 && status != 401 && status != 403 && status != 407) {
    return Error{ErrorCode::kInvalidArgument, "upstream: " + (message.empty() ? "HTTP " + std::to_string(status) : message),
                 param, status};
  }
  return Error{ErrorCode::kUnavailable,
               "upstream answered HTTP " + std::to_string(status) + (message.empty() ? "" : ": " + message), {}, 502};
}

}  // namespace sovra::routing
