// Start-up, streaming and shutdown behaviour of the real binary: SSE, client disconnects, SIGTERM draining,
// TLS, configuration errors and the data-directory lock.
#include <gtest/gtest.h>

#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/raw_http.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

using namespace std::chrono_literals;

std::string sse_request(int events, int interval_ms) {
  return "GET /debug/sse?events=" + std::to_string(events) + "&interval_ms=" + std::to_string(interval_ms) +
         " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
}

double metric_value(int port, const std::string& name) {
  auto m = http_request(port, "GET", "/metrics");
  const auto at = m.body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::atof(m.body.c_str() + at + name.size() + 2);
}

TEST(Lifecycle, StreamsServerSentEvents) {
  ServerProcess s({"--set", "server.debug_routes=true"});
  ASSERT_TRUE(s.started()) << s.log();
  RawConnection c(s.port());
  ASSERT_TRUE(c.send(sse_request(5, 0)));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/event-stream");
  EXPECT_EQ(r->header("transfer-encoding"), "chunked");
  EXPECT_EQ(r->body,
            "data: {\"index\":0}\n\ndata: {\"index\":1}\n\ndata: {\"index\":2}\n\ndata: {\"index\":3}\n\n"
            "data: {\"index\":4}\n\ndata: [DONE]\n\n");
  // The connection stays usable after a stream.
  ASSERT_TRUE(c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto h = c.read_reply();
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
}

TEST(Lifecycle, ClientDisconnectCancelsTheStream) {
  ServerProcess s({"--set", "server.debug_routes=true"});
  ASSERT_TRUE(s.started()) << s.log();
  EXPECT_EQ(metric_value(s.port(), "sovra_http_streams_cancelled_total"), 0);
  {
    RawConnection c(s.port());
    ASSERT_TRUE(c.send(sse_request(100000, 100)));
    ASSERT_TRUE(c.read_until("data: {\"index\":0}", 5s));
  }  // closed while the producer is waiting between events
  EXPECT_TRUE(eventually([&] { return metric_value(s.port(), "sovra_http_streams_cancelled_total") == 1; }))
      << "a disconnect during a stream must cancel it";
  EXPECT_TRUE(eventually([&] { return metric_value(s.port(), "sovra_http_open_connections") == 1; }));
}

TEST(Lifecycle, SigtermLetsStreamsFinishAndClosesIdleConnections) {
  ServerProcess s({"--set", "server.debug_routes=true", "--set", "server.shutdown_grace_ms=10000"});
  ASSERT_TRUE(s.started()) << s.log();
  RawConnection idle(s.port());
  ASSERT_TRUE(idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.read_reply());
  RawConnection stream(s.port());
  ASSERT_TRUE(stream.send(sse_request(20, 50)));
  ASSERT_TRUE(stream.read_until("data: {\"index\":1}", 5s));
  s.signal(SIGTERM);
  EXPECT_TRUE(idle.wait_closed(5s)) << "idle keep-alive connections close at once";
  EXPECT_TRUE(eventually([&] { return !RawConnection(s.port()).connected(); }, 5s)) << "no new connections";
  EXPECT_TRUE(stream.read_until("data: [DONE]", 10s)) << "the running stream completes";
  EXPECT_EQ(s.wait_exit(10s), 0) << s.log();
}

TEST(Lifecycle, ShutdownDeadlineCutsEndlessStreams) {
  ServerProcess s({"--set", "server.debug_routes=true", "--set", "server.shutdown_grace_ms=300"});
  ASSERT_TRUE(s.started()) << s.log();
  RawConnection stream(s.port());
  ASSERT_TRUE(stream.send(sse_request(1000000, 50)));
  ASSERT_TRUE(stream.read_until("data: {\"index\":0}", 5s));
  const auto t0 = std::chrono::steady_clock::now();
  s.signal(SIGTERM);
  EXPECT_EQ(s.wait_exit(10s), 0) << s.log();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(stream.wait_closed(2s));
  EXPECT_EQ(stream.received().find("[DONE]"), std::string::npos);
}

TEST(Lifecycle, ServesTlsFromCertificateFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("sovra-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto cert = (dir / "cert.pem").string();
  const auto key = (dir / "key.pem").string();
  const std::string gen = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " + key +
                          " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(gen.c_str()), 0) << "openssl is needed for this test (scripts/setup installs it)";
  ServerProcess s({"--set", "server.tls.cert_file=" + cert, "--set", "server.tls.key_file=" + key});
  ASSERT_TRUE(s.started()) << s.log();
  const std::string cmd = "curl -sk --max-time 5 https://127.0.0.1:" + std::to_string(s.port()) + "/healthz";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[256] = {};
  const auto n = std::fread(buf, 1, sizeof buf - 1, p);
  ::pclose(p);
  EXPECT_EQ(std::string(buf, n), R"({"status":"ok"})");
  // Plain HTTP to a TLS port is refused without harming the server.
  RawConnection plain(s.port());
  plain.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(plain.wait_closed(5s));
  std::filesystem::remove_all(dir);
}

TEST(Lifecycle, DataDirectoryIsExclusive) {
  ServerProcess a;
  ASSERT_TRUE(a.started()) << a.log();
  std::string out, err;
  const int code = run_sovra({"serve", "--listen", "127.0.0.1:0", "--data-dir", a.data_dir() + "/data"}, &out, &err);
  EXPECT_EQ(code, 1);
  EXPECT_NE(err.find("in use by another sovra process"), std::string::npos) << err;
}

TEST(Cli, VersionAndHelp) {
  std::string out, err;
  EXPECT_EQ(run_sovra({"version"}, &out, &err), 0);
  EXPECT_TRUE(out.starts_with("sovra ")) << out;
  // The allocator the build chose is the one the process runs on (jemalloc's mallctl reachable from the process).
  if (SOVRA_BINARY_JEMALLOC) {
    EXPECT_NE(out.find("\nmalloc: jemalloc 5."), std::string::npos) << out;
    EXPECT_NE(out.find(" arenas\n"), std::string::npos) << out;
  } else {
    EXPECT_NE(out.find("\nmalloc: system malloc"), std::string::npos) << out;
  }
  EXPECT_EQ(run_sovra({"--help"}, &out, &err), 0);
  EXPECT_NE(out.find("serve"), std::string::npos);
  EXPECT_NE(run_sovra({"no-such-command"}, &out, &err), 0);
}

TEST(Cli, ConfigCheckReportsKeyAndLineAndRedacts) {
  const auto path = std::filesystem::temp_directory_path() / ("sovra-cfg-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << "server:\n  listen: 127.0.0.1:9\nauth:\n  admin_key: sk-top-secret\n";
  std::string out, err;
  EXPECT_EQ(run_sovra({"config", "check", "--config", path.string()}, &out, &err), 0) << err;
  EXPECT_NE(out.find("listen: 127.0.0.1:9"), std::string::npos) << out;
  EXPECT_EQ(out.find("sk-top-secret"), std::string::npos) << out;
  // Environment beats the file; flags beat the environment.
  EXPECT_EQ(run_sovra({"config", "check", "--config", path.string(), "--listen", "127.0.0.1:11"}, &out, &err,
                      {"SOVRA_SERVER_LISTEN=127.0.0.1:10", "SOVRA_SERVER_THREADS=3"}),
            0);
  EXPECT_NE(out.find("listen: 127.0.0.1:11"), std::string::npos) << out;
  EXPECT_NE(out.find("threads: 3"), std::string::npos) << out;
  std::ofstream(path) << "server:\n  listen: 127.0.0.1:9\n  threads: lots\n";
  EXPECT_EQ(run_sovra({"config", "check", "--config", path.string()}, &out, &err), 2);
  EXPECT_NE(err.find(":3"), std::string::npos) << err;
  EXPECT_NE(err.find("server.threads"), std::string::npos) << err;
  std::filesystem::remove(path);
}

TEST(Cli, ServeRejectsMissingOrInvalidModels) {
  std::string out, err;
  const auto dir = std::filesystem::temp_directory_path() / ("sovra-models-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  EXPECT_EQ(run_sovra({"serve", "--listen", "127.0.0.1:0", "--data-dir", (dir / "d").string(), "--model",
                       "m=/nonexistent/model.gguf"},
                      &out, &err),
            1);
  EXPECT_NE(err.find("cannot open '/nonexistent/model.gguf'"), std::string::npos) << err;
  std::ofstream(dir / "fake.gguf") << "NOTGGUF";
  EXPECT_EQ(run_sovra({"serve", "--listen", "127.0.0.1:0", "--data-dir", (dir / "d").string(), "--model",
                       "m=" + (dir / "fake.gguf").string()},
                      &out, &err),
            1);
  EXPECT_NE(err.find("not a GGUF file"), std::string::npos) << err;
  EXPECT_EQ(run_sovra({"serve", "--model", "missing-equals"}, &out, &err), 2);
  std::filesystem::remove_all(dir);
}

TEST(Cli, ServesTheSharedTinyModelWhenPresent) {
  const std::string model = SOVRA_SHARED_DIR "/models/stories260K.gguf";
  if (!std::filesystem::exists(model)) GTEST_SKIP() << "../shared/models/stories260K.gguf is absent";
  ServerProcess s({"--model", "stories260K=" + model});
  ASSERT_TRUE(s.started()) << s.log();
  auto r = http_request(s.port(), "GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("1 model(s)"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace sovra::test
