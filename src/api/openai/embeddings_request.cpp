#include "api/openai/embeddings_request.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstring>

#include "api/openai/fields.hpp"
#include "common/json_escape.hpp"

namespace sovra::api::openai {
namespace {

constexpr std::string_view kInputTypes =
    "a string, an array of strings, an array of integers or an array of arrays of integers";

Status add_text(ParsedEmbeddingRequest& out, std::string_view text, const std::string& path) {
  if (text.empty()) {
    return fail(Error::invalid(fmt::format("Invalid '{}': the input must not be an empty string.", path), path));
  }
  out.text_bytes += static_cast<std::int64_t>(text.size());
  out.request.inputs.emplace_back(std::string(text));
  return {};
}

Status parse_input(const Fields& body, ParsedEmbeddingRequest& out) {
  const boost::json::value* input = body.find("input");
  if (input == nullptr) return fail(Error::invalid("Missing required parameter: 'input'.", "input"));
  if (input->is_string()) return add_text(out, input->get_string(), "input");
  if (!input->is_array()) return fail(type_error("input", kInputTypes, *input));
  const boost::json::array& list = input->get_array();
  if (list.empty()) return fail(Error::invalid("Invalid 'input': empty array.", "input"));
  if (list.front().is_number()) {  // one tokenized input
    SOVRA_TRY(auto ids, parse_token_ids(list, "input"));
    out.given_tokens += static_cast<std::int64_t>(ids.size());
    out.request.inputs.emplace_back(std::move(ids));
    return {};
  }
  if (list.size() > kMaxEmbeddingInputs) {
    return fail(Error::invalid(
        fmt::format("Invalid 'input': at most {} inputs are allowed per request, got {}.", kMaxEmbeddingInputs,
                    list.size()),
        "input"));
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = fmt::format("input[{}]", i);
    if (list[i].is_string()) {
      SOVRA_CHECK(add_text(out, list[i].get_string(), path));
    } else if (list[i].is_array()) {
      SOVRA_TRY(auto ids, parse_token_ids(list[i].get_array(), path));
      out.given_tokens += static_cast<std::int64_t>(ids.size());
      out.request.inputs.emplace_back(std::move(ids));
    } else {
      return fail(type_error(path, "a string or an array of integers", list[i]));
    }
  }
  return {};
}

}  // namespace

Result<ParsedEmbeddingRequest> parse_embedding_request(const boost::json::value& body) {
  if (!body.is_object()) {
    return fail(Error::invalid(fmt::format("The request body must be a JSON object, but got {}.", json_kind(body))));
  }
  const Fields fields(body.get_object(), "");
  ParsedEmbeddingRequest out;
  SOVRA_TRY(std::string_view model, fields.required_string("model"));
  out.request.model = model;
  SOVRA_CHECK(parse_input(fields, out));
  SOVRA_TRY(auto format, fields.string("encoding_format"));
  if (format) {
    if (*format == "float") {
      out.format = EncodingFormat::kFloat;
    } else if (*format == "base64") {
      out.format = EncodingFormat::kBase64;
    } else {
      return fail(Error::invalid(
          fmt::format("Invalid 'encoding_format': expected 'float' or 'base64', got '{}'.", *format),
          "encoding_format"));
    }
  }
  SOVRA_TRY(auto dimensions, fields.integer("dimensions", 1, 1 << 20));
  if (dimensions) out.request.dimensions = static_cast<std::int32_t>(*dimensions);
  SOVRA_TRY(auto user, fields.string("user"));
  if (user) out.request.user = *user;
  SOVRA_TRY(auto truncate, fields.boolean("truncate"));
  out.request.truncate = truncate.value_or(false);
  return out;
}

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
                   (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string encode_embedding_response(const EmbeddingResult& result, std::string_view model, EncodingFormat format) {
  std::string out = R"({"object":"list","data":[)";
  std::string bytes;
  for (std::size_t i = 0; i < result.embeddings.size(); ++i) {
    const auto& v = result.embeddings[i];
    fmt::format_to(std::back_inserter(out), R"({}{{"object":"embedding","index":{},"embedding":)", i ? "," : "", i);
    if (format == EncodingFormat::kBase64) {
      bytes.resize(v.size() * sizeof(float));
      for (std::size_t d = 0; d < v.size(); ++d) {
        auto bits = std::bit_cast<std::uint32_t>(v[d]);
        for (int b = 0; b < 4; ++b) bytes[d * 4 + static_cast<std::size_t>(b)] = static_cast<char>((bits >> (8 * b)) & 0xFF);
      }
      out += '"';
      out += base64_encode(bytes);
      out += '"';
    } else {
      out += '[';
      for (std::size_t d = 0; d < v.size(); ++d) {
        if (d) out += ',';
        // Non-finite values cannot appear in JSON; a model producing them is broken, 0 keeps the body valid.
        fmt::format_to(std::back_inserter(out), "{}", std::isfinite(v[d]) ? v[d] : 0.0f);
      }
      out += ']';
    }
    out += '}';
  }
  out += R"(],"model":")";
  append_json_escaped(out, model);
  fmt::format_to(std::back_inserter(out), R"(","usage":{{"prompt_tokens":{},"total_tokens":{}}}}})", result.prompt_tokens,
                 result.prompt_tokens);
  return out;
}

}  // namespace sovra::api::openai
