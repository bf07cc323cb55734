// Metering of real calls on the real binary (stories260K, priced by a price file): concurrent calls add up to the
// cent (to the nano) in the ledger, the usage and costs APIs and the invoice; a stream and a cancelled stream
// are billed exactly the tokens the engine processed (its own counters say how many); a price change mid-month
// leaves earlier calls at their old prices; project keys read their own project's usage only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "integration/auth_support.hpp"
#include "store/open.hpp"
#include "support/server_process.hpp"

namespace sovra::test {
namespace {

using namespace std::chrono_literals;

const std::string kModel = SOVRA_SHARED_DIR "/models/stories260K-chat.gguf";
// Per token, in nanos of a euro: 0.125 / 0.05 / 0.5 per million.
constexpr std::int64_t kInputNanos = 125, kCachedNanos = 50, kOutputNanos = 500;

std::string price_file() {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("sovra-call-prices-" + std::to_string(::getpid()) + ".json")).string();
  std::ofstream(path) << R"({"prices":[{"model":"stories","currency":"EUR","effective_from":"2026-01-01",)"
                         R"("input_per_1m":"0.125","cached_input_per_1m":"0.05","output_per_1m":"0.5"}]})";
  return path;
}

struct Row {
  std::string request_id, project_id, price_id;
  std::int64_t input = 0, cached = 0, output = 0, cost = 0;
  bool cancelled = false;
};

std::int64_t nanos_of(std::int64_t input, std::int64_t cached, std::int64_t output) {
  return (input - cached) * kInputNanos + cached * kCachedNanos + output * kOutputNanos;
}

// `name{…model="stories"…} value` from /metrics, 0 when absent.
std::int64_t engine_counter(int port, const std::string& name) {
  const auto m = http_request(port, "GET", "/metrics");
  std::int64_t sum = 0;
  std::size_t at = 0;
  while ((at = m.body.find("\n" + name + "{", at)) != std::string::npos) {
    const auto eol = m.body.find('\n', at + 1);
    const std::string line = m.body.substr(at + 1, eol - at - 1);
    at = eol;
    if (line.find("model=\"stories\"") == std::string::npos) continue;
    sum += static_cast<std::int64_t>(std::atof(line.c_str() + line.rfind(' ') + 1));
  }
  return sum;
}

class MeteredCalls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kModel)) GTEST_SKIP() << kModel << " is absent";
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--model", "stories=" + kModel, "--set", "metering.price_file=" + price_file()});
    ASSERT_TRUE(server_->started()) << server_->log();
    admin_ = read_file(server_->data_dir() + "/data/initial-admin-key");
    api_ = read_file(server_->data_dir() + "/data/initial-api-key");
  }

  // This month as YYYY-MM, or empty when `started` was in another month (UTC).
  static std::string month_since(std::time_t started) {
    std::tm tm{}, tm0{};
    const std::time_t now = std::time(nullptr);
    if (::gmtime_r(&now, &tm) == nullptr || ::gmtime_r(&started, &tm0) == nullptr) return {};
    if (tm0.tm_mon != tm.tm_mon || tm0.tm_year != tm.tm_year) return {};
    char month[32];
    std::snprintf(month, sizeof month, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
    return month;
  }

  // The month's invoice total, exact, in nanos (-1 when the invoice is missing).
  std::int64_t invoice_total_nanos(const std::string& month) {
    auto invoice = json_of(call(server_->port(), "GET", "/v1/organization/invoices/" + month, admin_));
    if (!invoice.is_object()) return -1;
    std::string exact = std::string(invoice.at("totals").as_array().at(0).at("exact").as_string());
    const auto dot = exact.find('.');
    std::string frac = dot == std::string::npos ? "" : exact.substr(dot + 1);
    frac.resize(9, '0');
    return std::stoll(exact.substr(0, dot)) * 1'000'000'000 + std::stoll(frac);
  }

  std::vector<Row> ledger() {
    std::vector<Row> out;
    auto db = store::open_database(
        {.url = "", .data_dir = server_->data_dir() + "/data", .pool_size = 1, .sqlite_full_sync = true});
    if (!db) {
      ADD_FAILURE() << db.error().message;
      return out;
    }
    auto st = (*db)->transaction([&](store::SqlSession& s) -> Status {
      SOVRA_TRY(auto rows, s.query("SELECT request_id, project_id, price_id, input_tokens, cached_tokens,"
                                   " output_tokens, cost_nanos, cancelled FROM usage_records ORDER BY started_ms"));
      for (const auto& r : rows.rows) {
        const auto num = [&](std::size_t i) { return std::stoll(r.at(i).value_or("0")); };
        out.push_back({r.at(0).value_or(""), r.at(1).value_or(""), r.at(2).value_or(""), num(3), num(4), num(5),
                       num(6), num(7) != 0});
      }
      return {};
    });
    if (!st) ADD_FAILURE() << st.error().message;
    return out;
  }

  std::optional<Row> ledger_row(const std::string& request_id) {
    for (auto& r : ledger())
      if (r.request_id == request_id) return r;
    return std::nullopt;
  }

  std::string chat(const std::string& key, const std::string& request_id, int max_tokens, bool stream,
                   const std::string& prompt = "Once upon a time") {
    const std::string body = R"({"model":"stories","max_tokens":)" + std::to_string(max_tokens) +
                             R"(,"messages":[{"role":"user","content":")" + prompt + R"("}])" +
                             (stream ? R"(,"stream":true,"stream_options":{"include_usage":true}})" : "}");
    return "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nx-request-id: " +
           request_id + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  }

  std::unique_ptr<ServerProcess> server_;
  std::string admin_, api_;
};

// The usage object a client received: the body's, or a stream's usage chunk.
boost::json::object usage_of(const HttpReply& r, bool stream) {
  if (!stream) {
    const auto v = json_of(r);
    return v.is_object() && v.as_object().contains("usage") ? v.at("usage").as_object() : boost::json::object{};
  }
  const auto at = r.body.find(R"("usage":{"prompt_tokens")");
  if (at == std::string::npos) return {};
  const auto line_start = r.body.rfind("data: ", at) + 6;
  HttpReply chunk;
  chunk.body = r.body.substr(line_start, r.body.find("\n\n", at) - line_start);
  const auto v = json_of(chunk);
  return v.is_object() ? v.at("usage").as_object() : boost::json::object{};
}

std::int64_t cached_of(const boost::json::object& usage) {
  const auto* d = usage.if_contains("prompt_tokens_details");
  return d != nullptr && d->is_object() && d->as_object().contains("cached_tokens")
             ? d->at("cached_tokens").as_int64()
             : 0;
}

TEST_F(MeteredCalls, ConcurrentCallsAddUpToTheNanoInLedgerUsageCostsAndInvoice) {
  const auto started = std::time(nullptr);
  std::mutex mu;
  std::int64_t in = 0, cached = 0, out = 0, nanos = 0, calls = 0;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 6; ++i) {
        const bool stream = (t + i) % 2 == 0;
        RawConnection c(server_->port());
        const auto id = "sum-" + std::to_string(t) + "-" + std::to_string(i);
        ASSERT_TRUE(c.send(chat(api_, id, 2 + t + i, stream, t % 2 ? "Once upon a time" : "The cat")));
        auto r = c.read_reply(20s);
        ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no reply");
        const auto u = usage_of(*r, stream);
        ASSERT_TRUE(u.contains("completion_tokens")) << r->body;
        std::lock_guard lock(mu);
        in += u.at("prompt_tokens").as_int64();
        cached += cached_of(u);
        out += u.at("completion_tokens").as_int64();
        nanos += nanos_of(u.at("prompt_tokens").as_int64(), cached_of(u), u.at("completion_tokens").as_int64());
        ++calls;
      }
    });
  }
  for (auto& c : clients) c.join();
  ASSERT_EQ(calls, 24);

  // The ledger: one row per call, with what its client was told.
  const auto rows = ledger();
  ASSERT_EQ(rows.size(), 24u);
  std::int64_t l_in = 0, l_cached = 0, l_out = 0, l_nanos = 0;
  for (const auto& r : rows) {
    l_in += r.input;
    l_cached += r.cached;
    l_out += r.output;
    l_nanos += r.cost;
    EXPECT_EQ(r.cost, nanos_of(r.input, r.cached, r.output)) << r.request_id;
  }
  EXPECT_EQ(l_in, in);
  EXPECT_EQ(l_cached, cached);
  EXPECT_EQ(l_out, out);
  EXPECT_EQ(l_nanos, nanos);

  // Usage and costs APIs over the days the test ran in (UTC), summed.
  const std::int64_t day0 = started / 86400 * 86400;
  const std::string range = "?start_time=" + std::to_string(day0) + "&end_time=" + std::to_string(day0 + 2 * 86400);
  auto usage = json_of(call(server_->port(), "GET", "/v1/organization/usage/completions" + range + "&limit=2", admin_));
  std::int64_t u_in = 0, u_cached = 0, u_out = 0, u_calls = 0;
  for (const auto& b : usage.at("data").as_array()) {
    for (const auto& r : b.at("results").as_array()) {
      u_in += r.at("input_tokens").as_int64();
      u_cached += r.at("input_cached_tokens").as_int64();
      u_out += r.at("output_tokens").as_int64();
      u_calls += r.at("num_model_requests").as_int64();
    }
  }
  EXPECT_EQ(u_in, in);
  EXPECT_EQ(u_cached, cached);
  EXPECT_EQ(u_out, out);
  EXPECT_EQ(u_calls, 24);
  const auto costs = call(server_->port(), "GET", "/v1/organization/costs" + range + "&limit=2", admin_);
  ASSERT_EQ(costs.status, 200) << costs.body;
  // Exact decimals as JSON numbers: the sum of the day values (one day unless the test ran across midnight).
  std::int64_t c_nanos = 0;
  for (std::size_t at = 0; (at = costs.body.find(R"("value":)", at)) != std::string::npos;) {
    at += 8;
    const auto end = costs.body.find(',', at);
    const std::string v = costs.body.substr(at, end - at);
    const auto dot = v.find('.');
    std::string frac = dot == std::string::npos ? "" : v.substr(dot + 1);
    frac.resize(9, '0');
    c_nanos += std::stoll(v.substr(0, dot)) * 1'000'000'000 + std::stoll(frac);
  }
  EXPECT_EQ(c_nanos, nanos) << costs.body;

  // The invoice of the month: its exact total is the same sum.
  const auto month = month_since(started);
  if (month.empty()) GTEST_SKIP() << "the test ran across a month boundary: invoice not checked";
  EXPECT_EQ(invoice_total_nanos(month), nanos);
}

TEST_F(MeteredCalls, StreamsAndCancelledStreamsAreBilledExactlyTheTokensTheEngineProcessed) {
  // A complete stream: the usage chunk, the ledger row and the engine's counters agree.
  {
    const auto gen0 = engine_counter(server_->port(), "sovra_engine_generated_tokens_total");
    const auto prompt0 = engine_counter(server_->port(), "sovra_engine_prompt_tokens_total");
    RawConnection c(server_->port());
    ASSERT_TRUE(c.send(chat(api_, "stream-full", 12, true)));
    auto r = c.read_reply(20s);
    ASSERT_TRUE(r && r->status == 200);
    const auto u = usage_of(*r, true);
    ASSERT_TRUE(u.contains("completion_tokens")) << r->body;
    auto row = ledger_row("stream-full");
    ASSERT_TRUE(row);
    EXPECT_FALSE(row->cancelled);
    EXPECT_EQ(row->output, u.at("completion_tokens").as_int64());
    EXPECT_EQ(row->input, u.at("prompt_tokens").as_int64());
    EXPECT_EQ(row->cost, nanos_of(row->input, row->cached, row->output));
    EXPECT_TRUE(eventually([&] {
      return engine_counter(server_->port(), "sovra_engine_generated_tokens_total") - gen0 == row->output &&
             engine_counter(server_->port(), "sovra_engine_prompt_tokens_total") - prompt0 == row->input;
    })) << "engine: " << engine_counter(server_->port(), "sovra_engine_generated_tokens_total") - gen0
        << " generated, " << engine_counter(server_->port(), "sovra_engine_prompt_tokens_total") - prompt0
        << " prompt; ledger " << row->output << " / " << row->input;
  }
  // Cancelled streams: the client hangs up after the first token. The tiny model is fast, so a call may still
  // finish before the server sees the hang-up; try until one was cut, checking every one on the way.
  int cut = 0;
  for (int attempt = 0; attempt < 20 && cut == 0; ++attempt) {
    const auto gen0 = engine_counter(server_->port(), "sovra_engine_generated_tokens_total");
    const auto prompt0 = engine_counter(server_->port(), "sovra_engine_prompt_tokens_total");
    const std::string id = "stream-cut-" + std::to_string(attempt);
    {
      RawConnection c(server_->port());
      ASSERT_TRUE(c.send(chat(api_, id, 400, true)));
      ASSERT_TRUE(c.read_until(R"("delta":{"role":"assistant")", 20s));
    }  // hang up
    std::optional<Row> row;
    ASSERT_TRUE(eventually([&] { return (row = ledger_row(id)).has_value(); })) << "no ledger row for " << id;
    EXPECT_EQ(row->cost, nanos_of(row->input, row->cached, row->output)) << id;
    EXPECT_GT(row->output, 0) << id;
    EXPECT_TRUE(eventually([&] {
      return engine_counter(server_->port(), "sovra_engine_generated_tokens_total") - gen0 == row->output &&
             engine_counter(server_->port(), "sovra_engine_prompt_tokens_total") - prompt0 == row->input;
    })) << id << ": engine " << engine_counter(server_->port(), "sovra_engine_generated_tokens_total") - gen0
        << " generated, " << engine_counter(server_->port(), "sovra_engine_prompt_tokens_total") - prompt0
        << " prompt; ledger " << row->output << " / " << row->input;
    if (row->cancelled) {
      ++cut;
      EXPECT_LT(row->output, 400) << id;
      std::printf("[ cancelled] %s billed %lld prompt + %lld generated tokens after %d tries\n", id.c_str(),
                  static_cast<long long>(row->input), static_cast<long long>(row->output), attempt + 1);
    }
  }
  EXPECT_EQ(cut, 1) << "no stream was cut before it finished in 20 tries";
}

TEST_F(MeteredCalls, APriceChangeMidMonthKeepsTheOldPricesOfEarlierCalls) {
  const std::time_t started = std::time(nullptr);
  const auto run_calls = [&](const std::string& prefix) {
    for (int i = 0; i < 3; ++i) {
      RawConnection c(server_->port());
      ASSERT_TRUE(c.send(chat(api_, prefix + std::to_string(i), 3 + i, i % 2 == 0)));
      auto r = c.read_reply(20s);
      ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
    }
  };
  run_calls("before-");
  const auto before = ledger();
  ASSERT_EQ(before.size(), 3u);
  // The operator raises the price from now on (×8 input, ×10 cached, ×4 output).
  auto added = call(server_->port(), "POST", "/v1/organization/prices", admin_,
                    R"({"model":"stories","currency":"EUR","input_per_1m":"1","cached_input_per_1m":"0.5",)"
                    R"("output_per_1m":"2"})");
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string new_price = str(json_of(added), "id");
  ASSERT_FALSE(new_price.empty()) << added.body;
  run_calls("after-");
  const auto rows = ledger();
  ASSERT_EQ(rows.size(), 6u);
  std::int64_t total = 0;
  for (const auto& r : rows) {
    total += r.cost;
    if (r.request_id.starts_with("before-")) {
      EXPECT_NE(r.price_id, new_price) << r.request_id;
      EXPECT_EQ(r.cost, nanos_of(r.input, r.cached, r.output)) << r.request_id;
    } else {
      EXPECT_EQ(r.price_id, new_price) << r.request_id;
      EXPECT_EQ(r.cost, (r.input - r.cached) * 1000 + r.cached * 500 + r.output * 2000) << r.request_id;
    }
  }
  // The earlier rows did not move.
  for (std::size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(rows[i].request_id, before[i].request_id);
    EXPECT_EQ(rows[i].cost, before[i].cost);
    EXPECT_EQ(rows[i].price_id, before[i].price_id);
  }
  // The month's invoice is the sum of both, each at its own price.
  const auto month = month_since(started);
  if (month.empty()) GTEST_SKIP() << "the test ran across a month boundary: invoice not checked";
  EXPECT_EQ(invoice_total_nanos(month), total);
}

TEST_F(MeteredCalls, AProjectKeyReadsItsOwnProjectsUsageOnly) {
  // Two projects with a key each.
  std::string keys[2], projects[2];
  for (int i = 0; i < 2; ++i) {
    auto p = call(server_->port(), "POST", "/v1/organization/projects", admin_,
                  R"({"name":"usage-)" + std::to_string(i) + R"("})");
    ASSERT_EQ(p.status, 201) << p.body;
    projects[i] = str(json_of(p), "id");
    auto k = call(server_->port(), "POST", "/v1/organization/projects/" + projects[i] + "/api_keys", admin_, "{}");
    ASSERT_EQ(k.status, 201) << k.body;
    keys[i] = str(json_of(k), "value");
  }
  std::int64_t out[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    for (int n = 0; n < 1 + 2 * i; ++n) {
      RawConnection c(server_->port());
      ASSERT_TRUE(c.send(chat(keys[i], "p" + std::to_string(i) + "-" + std::to_string(n), 3 + n, false)));
      auto r = c.read_reply(20s);
      ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "");
      out[i] += usage_of(*r, false).at("completion_tokens").as_int64();
    }
  }
  const std::string range = "?start_time=" + std::to_string(std::time(nullptr) / 86400 * 86400 - 86400) +
                            "&limit=3&group_by=project_id";
  for (int i = 0; i < 2; ++i) {
    auto r = call(server_->port(), "GET", "/v1/organization/usage/completions" + range, keys[i]);
    ASSERT_EQ(r.status, 200) << r.body;
    std::int64_t seen = 0;
    const auto page = json_of(r);
    for (const auto& b : page.at("data").as_array()) {
      for (const auto& res : b.at("results").as_array()) {
        EXPECT_EQ(res.at("project_id").as_string(), projects[i]) << r.body;
        seen += res.at("output_tokens").as_int64();
      }
    }
    EXPECT_EQ(seen, out[i]);
    EXPECT_EQ(r.body.find(projects[1 - i]), std::string::npos) << r.body;
    auto other = call(server_->port(), "GET",
                      "/v1/organization/usage/completions" + range + "&project_ids=" + projects[1 - i], keys[i]);
    EXPECT_EQ(other.status, 403) << other.body;
    auto costs = call(server_->port(), "GET", "/v1/organization/costs" + range, keys[i]);
    EXPECT_EQ(costs.status, 200) << costs.body;
    EXPECT_EQ(costs.body.find(projects[1 - i]), std::string::npos) << costs.body;
    // The rest of the administration API stays closed to project keys.
    EXPECT_EQ(call(server_->port(), "GET", "/v1/organization/projects", keys[i]).status, 403);
    EXPECT_EQ(call(server_->port(), "GET", "/v1/organization/invoices/2026-11", keys[i]).status, 403);
  }
  // The admin sees both.
  auto all = call(server_->port(), "GET", "/v1/organization/usage/completions" + range, admin_);
  EXPECT_NE(all.body.find(projects[0]), std::string::npos) << all.body;
  EXPECT_NE(all.body.find(projects[1]), std::string::npos) << all.body;
}

}  // namespace
}  // namespace sovra::test
