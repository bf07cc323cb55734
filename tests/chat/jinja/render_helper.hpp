#pragma once
// Renders a template string with a JSON context for the interpreter tests; failures come back as
// "ERROR: <message>" so one EXPECT_EQ covers both outcomes.
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "chat/jinja/template.hpp"
#include "common/json.hpp"

namespace sovra::chat::jinja::testing {

inline std::string render(std::string_view source, std::string_view context_json = "{}",
                          const RenderOptions& options = {}) {
  auto ctx = parse_json(context_json);
  if (!ctx) return "BAD TEST CONTEXT: " + ctx.error().message;
  auto t = Template::parse(source);
  if (!t) return "ERROR: " + t.error().message;
  auto out = t->render(from_json(*ctx), options);
  if (!out) return "ERROR: " + out.error().message;
  return *out;
}

inline bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace sovra::chat::jinja::testing
