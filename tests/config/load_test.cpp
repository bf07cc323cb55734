#include "config/load.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sovra {
namespace {

Result<Config> from_yaml(const std::string& yaml) {
  Config c;
  auto st = apply_yaml(c, yaml, "test.yaml");
  if (!st) return std::move(st).error();
  auto v = validate_config(c);
  if (!v) return std::move(v).error();
  return c;
}

TEST(ConfigLoad, DefaultsAreValid) {
  auto c = load_config({});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server.listen, "127.0.0.1:8080");
  EXPECT_EQ(c->log.format, "json");
  EXPECT_TRUE(c->models.empty());
}

TEST(ConfigLoad, YamlSetsNestedValues) {
  auto c = from_yaml(R"(
server:
  listen: 0.0.0.0:9000
  max_body_bytes: 1024
  tls:
    cert_file: /c.pem
    key_file: /k.pem
log:
  level: debug
  access_log: false
models:
  - name: tiny
    path: /m/tiny.gguf
)");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server.listen, "0.0.0.0:9000");
  EXPECT_EQ(c->server.max_body_bytes, 1024);
  EXPECT_EQ(c->server.tls.key_file, "/k.pem");
  EXPECT_EQ(c->log.level, "debug");
  EXPECT_FALSE(c->log.access_log);
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0], (ModelSpec{"tiny", "/m/tiny.gguf"}));
}

TEST(ConfigLoad, UnknownKeyNamesKeyAndLine) {
  auto c = from_yaml("server:\n  listen: 1.2.3.4:1\n  max_bdy_bytes: 5\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("test.yaml:3"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("server.max_bdy_bytes"), std::string::npos) << c.error().message;
}

TEST(ConfigLoad, WrongTypeNamesKeyAndLine) {
  auto c = from_yaml("log:\n  level: info\nserver:\n  threads: many\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("test.yaml:4"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("server.threads"), std::string::npos) << c.error().message;
  auto b = from_yaml("log:\n  access_log: maybe\n");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("log.access_log"), std::string::npos);
  auto m = from_yaml("server: 5\n");
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("must be a map"), std::string::npos);
}

TEST(ConfigLoad, TextMustBeUtf8WithoutControlCharacters) {
  // Found by fuzz_config: a listen value with a stray byte and a NUL was accepted and printed as YAML that did not
  // load back.
  auto bad_utf8 = from_yaml(std::string("server:\n  listen: 1ser\x83") + "27:r\n");
  ASSERT_FALSE(bad_utf8);
  EXPECT_NE(bad_utf8.error().message.find("UTF-8"), std::string::npos) << bad_utf8.error().message;
  auto nul = from_yaml(std::string("server:\n  listen: 127.0.0.1:80\0", 31));
  ASSERT_FALSE(nul);
  EXPECT_NE(nul.error().message.find("NUL"), std::string::npos) << nul.error().message;
  // A control character written as a YAML escape reaches the value: refused with the setting's name.
  auto ctl = from_yaml("server:\n  listen: \"127.0.0.1:\\x0180\"\n");
  ASSERT_FALSE(ctl);
  EXPECT_NE(ctl.error().message.find("server.listen"), std::string::npos) << ctl.error().message;
  EXPECT_NE(ctl.error().message.find("control characters"), std::string::npos) << ctl.error().message;
  auto model = from_yaml("models:\n  - name: m\n    path: \"a\\tb.gguf\"\n");
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("models.path"), std::string::npos) << model.error().message;
}

TEST(ConfigLoad, InvalidYamlIsAnErrorWithLine) {
  auto c = from_yaml("server:\n  listen: [unclosed\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("test.yaml:"), std::string::npos);
}

TEST(ConfigLoad, LayersApplyInOrder) {
  const auto path = std::filesystem::temp_directory_path() / "sovra_layers_test.yaml";
  { std::ofstream(path) << "server:\n  listen: 10.0.0.1:1\n  threads: 3\nlog:\n  level: warn\n"; }
  ConfigSources s;
  s.file = path.string();
  s.environment = {{"SOVRA_SERVER_THREADS", "5"}, {"SOVRA_LOG_LEVEL", "error"}, {"HOME", "/root"}};
  s.overrides.values = {{"log.level", "debug"}};
  auto c = load_config(s);
  std::filesystem::remove(path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->server.listen, "10.0.0.1:1");  // file
  EXPECT_EQ(c->server.threads, 5);            // env beats file
  EXPECT_EQ(c->log.level, "debug");           // flag beats env
}

TEST(ConfigLoad, EnvironmentErrorsNameTheVariable) {
  ConfigSources s;
  s.environment = {{"SOVRA_SERVER_THREADS", "x"}};
  auto c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("SOVRA_SERVER_THREADS"), std::string::npos);
  s.environment = {{"SOVRA_SERVR_LISTEN", "x"}};
  c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("SOVRA_SERVR_LISTEN"), std::string::npos);
}

TEST(ConfigLoad, ModelsFromEnvironmentAndFlags) {
  ConfigSources s;
  s.environment = {{"SOVRA_MODELS", "a=/a.gguf,b=/b.gguf"}};
  auto c = load_config(s);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_EQ(c->models.size(), 2u);
  EXPECT_EQ(c->models[1], (ModelSpec{"b", "/b.gguf"}));
  s.overrides.models = {"c=/c.gguf"};
  c = load_config(s);
  ASSERT_TRUE(c);
  ASSERT_EQ(c->models.size(), 1u);
  EXPECT_EQ(c->models[0].name, "c");
  s.overrides.models = {"no-path"};
  EXPECT_FALSE(load_config(s));
  s.overrides.models = {"x=/1.gguf", "x=/2.gguf"};
  c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("twice"), std::string::npos);
}

TEST(ConfigLoad, ValidationRejectsNonsense) {
  ConfigSources s;
  s.overrides.values = {{"server.max_body_bytes", "0"}};
  EXPECT_FALSE(load_config(s));
  s.overrides.values = {{"server.tls.cert_file", "/only-cert.pem"}};
  EXPECT_FALSE(load_config(s));
  s.overrides.values = {{"log.format", "xml"}};
  EXPECT_FALSE(load_config(s));
  s.overrides.values = {{"no.such.key", "1"}};
  auto c = load_config(s);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("no.such.key"), std::string::npos);
}

TEST(ConfigPrint, RedactsSecretsAndRoundTrips) {
  ConfigSources s;
  s.overrides.values = {{"auth.admin_key", "sk-very-secret"}, {"server.listen", "127.0.0.1:7"}};
  s.overrides.models = {"m=/path with space.gguf"};
  auto c = load_config(s);
  ASSERT_TRUE(c);
  const auto text = print_config_redacted(*c);
  EXPECT_EQ(text.find("sk-very-secret"), std::string::npos) << text;
  EXPECT_NE(text.find("<redacted>"), std::string::npos);
  // The printed configuration is itself a valid configuration (secrets aside).
  Config again;
  ASSERT_TRUE(apply_yaml(again, text, "printed"));
  EXPECT_EQ(again.server.listen, "127.0.0.1:7");
  EXPECT_EQ(again.models, c->models);
  EXPECT_EQ(again.auth.admin_key, "<redacted>");
}

}  // namespace
}  // namespace sovra
