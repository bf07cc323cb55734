#include "api/openai/models.hpp"

#include <fmt/format.h>

#include "api/anthropic/models.hpp"
#include "api/openai/error.hpp"
#include "common/json_escape.hpp"

namespace sovra::api::openai {
namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  append_json_escaped(out, s);
  out += '"';
}

void append_model(std::string& out, const ModelInfo& m) {
  out += R"({"id":)";
  append_string(out, m.id);
  fmt::format_to(std::back_inserter(out), R"(,"object":"model","created":{},"owned_by":)", m.created);
  append_string(out, m.owned_by);
  out += R"(,"architecture":)";
  append_string(out, m.architecture);
  out += R"(,"context_length":)";
  if (m.context_length > 0) {
    fmt::format_to(std::back_inserter(out), "{}", m.context_length);
  } else {
    out += "null";
  }
  out += R"(,"quantization":)";
  if (m.quantization.empty()) {
    out += "null";
  } else {
    append_string(out, m.quantization);
  }
  const ModelCapabilities& c = m.capabilities;
  fmt::format_to(std::back_inserter(out),
                 R"(,"parameters":{},"capabilities":{{"chat":{},"completions":{},"tools":{},"embeddings":{},)"
                 R"("vision":{}}})",
                 m.parameters, c.chat, c.completions, c.tools, c.embeddings, c.vision);
  // Transparency metadata (Sovra extension): null where the model file and config do not say.
  const ModelTransparency& t = m.transparency;
  auto field = [&out](std::string_view name, const std::string& v) {
    out += ",\"";
    out += name;
    out += "\":";
    if (v.empty()) {
      out += "null";
    } else {
      append_string(out, v);
    }
  };
  out += R"(,"transparency":{"parameters":)";
  fmt::format_to(std::back_inserter(out), "{}", m.parameters);
  field("provider", t.provider);
  field("license", t.license);
  field("quantization", m.quantization);
  out += R"(,"context_length":)";
  if (m.context_length > 0) {
    fmt::format_to(std::back_inserter(out), "{}", m.context_length);
  } else {
    out += "null";
  }
  field("source_url", t.source_url);
  field("training_data_url", t.training_data_url);
  field("intended_use", t.intended_use);
  field("limitations", t.limitations);
  out += R"(,"regions":[)";
  for (std::size_t i = 0; i < t.regions.size(); ++i) {
    if (i > 0) out += ',';
    append_string(out, t.regions[i]);
  }
  out += "]}";
  if (!m.pricing.empty()) {
    out += R"(,"pricing":[)";
    for (std::size_t i = 0; i < m.pricing.size(); ++i) {
      const ModelPrice& p = m.pricing[i];
      if (i > 0) out += ',';
      out += R"({"currency":)";
      append_string(out, p.currency);
      for (const auto& [name, value] : {std::pair<const char*, const std::string&>{"input_per_1m", p.input_per_1m},
                                        {"cached_input_per_1m", p.cached_input_per_1m},
                                        {"output_per_1m", p.output_per_1m},
                                        {"audio_minute", p.audio_minute},
                                        {"page", p.page}}) {
        fmt::format_to(std::back_inserter(out), R"(,"{}":)", name);
        append_string(out, value);
      }
      fmt::format_to(std::back_inserter(out), R"(,"effective_from":{}}})", p.effective_from);
    }
    out += ']';
  }
  out += '}';
}

}  // namespace

std::string encode_model(const ModelInfo& model) {
  std::string out;
  append_model(out, model);
  return out;
}

std::string encode_model_list(const std::vector<ModelInfo>& models) {
  std::string out = R"({"object":"list","data":[)";
  for (std::size_t i = 0; i < models.size(); ++i) {
    if (i > 0) out += ',';
    append_model(out, models[i]);
  }
  out += "]}";
  return out;
}

void add_model_routes(http::Router& router, std::shared_ptr<const std::vector<ModelInfo>> catalog,
                      PricesOf prices_of) {
  // Prices change at run time (price book), the catalog does not: they are filled in per request.
  const auto priced = [prices_of](const ModelInfo& m) {
    ModelInfo out = m;
    if (prices_of) out.pricing = prices_of(m.id);
    return out;
  };
  router.add("GET", "/v1/models",
             [catalog, prices_of, priced](http::Request& request) {
               // Anthropic's SDKs call the same path: they get Anthropic's list shape (they send anthropic-version).
               if (anthropic::is_anthropic_client(request)) return anthropic::model_list_response(request, *catalog);
               if (!prices_of) return http::Response::json(200, encode_model_list(*catalog));
               std::vector<ModelInfo> list;
               for (const ModelInfo& m : *catalog) list.push_back(priced(m));
               return http::Response::json(200, encode_model_list(list));
             },
             {.summary = "List the served models"});
  router.add("GET", "/v1/models/{id}",
             [catalog, priced](http::Request& request) {
               const std::string_view id = request.path_param("id");
               if (anthropic::is_anthropic_client(request)) return anthropic::model_response(request, *catalog, id);
               for (const ModelInfo& m : *catalog) {
                 if (m.id == id) return http::Response::json(200, encode_model(priced(m)));
               }
               Error e = Error::not_found(fmt::format("The model '{}' does not exist.", id));
               e.param = "model";
               e.api_code = "model_not_found";
               return error_response(e);
             },
             {.summary = "Retrieve one served model"});
}

}  // namespace sovra::api::openai
