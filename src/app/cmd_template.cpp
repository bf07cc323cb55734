// `sovra template render (--model M | --template FILE) --input CONTEXT.json`: renders a chat template with the
// context Hugging Face passes (messages, tools, add_generation_prompt, special tokens) and prints the prompt
// exactly, without an added newline. Exits 1 with the template's error message when rendering fails.
#include <CLI/CLI.hpp>

#include <boost/json/object.hpp>

#include <iostream>
#include <memory>
#include <string>

#include "app/command.hpp"
#include "chat/template/chat_template.hpp"
#include "chat/template/special_tokens.hpp"
#include "chat/template/tool_call_arguments.hpp"
#include "common/json.hpp"
#include "gguf/reader.hpp"

namespace sovra::app {
namespace {

struct TemplateOptions {
  std::string model;
  std::string template_file;
  std::string template_name;
  std::string input;
};

int fail_with(const std::string& message) {
  std::cerr << "sovra: " << message << "\n";
  return 1;
}

int render(const TemplateOptions& o) {
  auto input_text = chat::template_from_file(o.input);  // same size cap and error shape as a template file
  if (!input_text) return fail_with(input_text.error().message);
  auto input = parse_json(*input_text, {.max_depth = 128});
  if (!input) return fail_with(o.input + ": " + input.error().message);
  if (!input->is_object()) return fail_with(o.input + ": the context must be a JSON object");
  boost::json::object context = std::move(input->as_object());
  if (auto* messages = context.if_contains("messages"); messages != nullptr && messages->is_array()) {
    if (auto st = chat::parse_tool_call_arguments(messages->as_array()); !st) return fail_with(st.error().message);
  }

  std::string source;
  if (!o.model.empty()) {
    auto reader = gguf::Reader::open(o.model, {.allow_unsupported_types = true});
    if (!reader) return fail_with(reader.error().message);
    auto text = chat::template_from_gguf(*reader, o.template_name);
    if (!text) return fail_with(text.error().message);
    source = std::move(*text);
    chat::add_special_tokens_from_gguf(*reader, context);
  } else {
    auto text = chat::template_from_file(o.template_file);
    if (!text) return fail_with(text.error().message);
    source = std::move(*text);
  }
  auto tmpl = chat::ChatTemplate::create(source);
  if (!tmpl) return fail_with(tmpl.error().message);
  auto prompt = tmpl->render(context);
  if (!prompt) return fail_with(prompt.error().message);
  std::cout << *prompt << std::flush;
  return 0;
}

const CommandRegistration kTemplate([](CLI::App& root, int& exit_code) {
  auto* group = root.add_subcommand("template", "Chat templates");
  group->require_subcommand(1);
  auto o = std::make_shared<TemplateOptions>();
  auto* cmd = group->add_subcommand("render", "Render a chat template with a context as Hugging Face passes it");
  auto* model = cmd->add_option("-m,--model", o->model, "GGUF model whose tokenizer.chat_template to use");
  auto* file = cmd->add_option("--template", o->template_file, "Jinja chat template file");
  model->excludes(file);
  cmd->add_option("--name", o->template_name, "named template variant in the GGUF (tokenizer.chat_template.NAME)")
      ->needs(model);
  cmd->add_option("--input", o->input, "context JSON: messages, tools, add_generation_prompt, special tokens")
      ->required();
  cmd->callback([o, &exit_code, model, file] {
    if (model->count() == 0 && file->count() == 0) {
      exit_code = fail_with("one of --model or --template is required");
      return;
    }
    exit_code = render(*o);
  });
});

}  // namespace
}  // namespace sovra::app
