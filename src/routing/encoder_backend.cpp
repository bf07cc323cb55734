#include "routing/encoder_backend.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "common/thread_name.hpp"

namespace sovra::routing {
namespace {

using tokenizer::TokenId;

Error bad_request(std::string message, std::string param) {
  Error e = Error::invalid(std::move(message), std::move(param));
  e.http_status = 400;
  return e;
}

}  // namespace

EncoderBackend::EncoderBackend(std::shared_ptr<const model::EncoderModel> model, EncoderBackendOptions options)
    : model_(std::move(model)), options_(std::move(options)) {
  if (options_.threads <= 0) options_.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options_.max_batch_tokens = std::max<std::int64_t>(options_.max_batch_tokens, model_->hparams().n_ctx);
  worker_ = std::thread([this] {
    set_thread_name("sovra-encoder");
    worker_main();
  });
}

EncoderBackend::~EncoderBackend() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

Result<std::shared_ptr<EncoderBackend>> EncoderBackend::open(const std::filesystem::path& path,
                                                             EncoderBackendOptions options) {
  SOVRA_TRY(auto model, model::EncoderModel::open(path));
  return std::make_shared<EncoderBackend>(std::shared_ptr<const model::EncoderModel>(std::move(model)),
                                          std::move(options));
}

Error EncoderBackend::not_a_generator() const {
  return bad_request("model '" + options_.model_name + "' is an " + (is_reranker() ? "rerank" : "embedding") +
                         " model, not a chat or completion model; use " +
                         (is_reranker() ? "/v1/rerank" : "/v1/embeddings"),
                     "model");
}

Result<CallId> EncoderBackend::start_chat(api::ChatRequest, api::ChatSink) { return fail(not_a_generator()); }
Result<CallId> EncoderBackend::start_text(api::TextCompletionRequest, api::TextSink) {
  return fail(not_a_generator());
}
void EncoderBackend::cancel(CallId) {}
Result<TokenCount> EncoderBackend::count_chat_tokens(const api::ChatRequest&) { return fail(not_a_generator()); }

void EncoderBackend::enqueue(std::function<void(kernels::ThreadPool&)> job,
                             const std::function<void(Error)>& refuse) {
  {
    std::lock_guard lock(mu_);
    if (!stop_ && queue_.size() < options_.max_queue) {
      queue_.emplace_back([job = std::move(job), refuse](kernels::ThreadPool* pool) {
        if (pool == nullptr) {
          refuse(Error::unavailable("overloaded: the encoder is shutting down"));
        } else {
          job(*pool);
        }
      });
      cv_.notify_one();
      return;
    }
  }
  refuse(Error::unavailable("overloaded: too many embedding/rerank calls are waiting"));
}

void EncoderBackend::worker_main() {
  kernels::ThreadPool pool(options_.threads);
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    auto job = std::move(queue_.front());
    queue_.pop_front();
    const bool stopping = stop_;
    lock.unlock();
    job(stopping ? nullptr : &pool);
    lock.lock();
  }
}

void EncoderBackend::embed(api::EmbeddingRequest request, std::function<void(Result<api::EmbeddingResult>)> done) {
  if (is_reranker()) {
    done(fail(bad_request("model '" + request.model + "' is a rerank model; use /v1/rerank", "model")));
    return;
  }
  auto shared_done = std::make_shared<std::function<void(Result<api::EmbeddingResult>)>>(std::move(done));
  enqueue([this, request = std::move(request), shared_done](
              kernels::ThreadPool& pool) { (*shared_done)(run_embed(request, pool)); },
          [shared_done](Error e) { (*shared_done)(fail(std::move(e))); });
}

void EncoderBackend::rerank(api::RerankRequest request, std::function<void(Result<api::RerankResult>)> done) {
  if (!is_reranker()) {
    done(fail(bad_request("model '" + request.model + "' is not a rerank model (it has no classification head)",
                          "model")));
    return;
  }
  auto shared_done = std::make_shared<std::function<void(Result<api::RerankResult>)>>(std::move(done));
  enqueue([this, request = std::move(request), shared_done](
              kernels::ThreadPool& pool) { (*shared_done)(run_rerank(request, pool)); },
          [shared_done](Error e) { (*shared_done)(fail(std::move(e))); });
}

Result<std::vector<std::vector<float>>> EncoderBackend::forward_all(
    const std::vector<std::vector<TokenId>>& seqs, kernels::ThreadPool& pool) const {
  // Longest first packs batches of similar lengths; results go back to the request's order.
  std::vector<std::size_t> order(seqs.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return seqs[a].size() > seqs[b].size(); });
  std::vector<std::vector<float>> out(seqs.size());
  std::vector<std::vector<TokenId>> batch;
  std::vector<std::size_t> batch_index;
  std::int64_t batch_tokens = 0;
  auto flush = [&]() -> Status {
    if (batch.empty()) return {};
    SOVRA_TRY(auto vecs, model_->forward(batch, pool));
    for (std::size_t i = 0; i < batch.size(); ++i) out[batch_index[i]] = std::move(vecs[i]);
    batch.clear();
    batch_index.clear();
    batch_tokens = 0;
    return {};
  };
  for (std::size_t i : order) {
    const auto len = static_cast<std::int64_t>(seqs[i].size());
    if (batch_tokens + len > options_.max_batch_tokens) SOVRA_CHECK(flush());
    batch.push_back(seqs[i]);
    batch_index.push_back(i);
    batch_tokens += len;
  }
  SOVRA_CHECK(flush());
  return out;
}

Result<api::EmbeddingResult> EncoderBackend::run_embed(const api::EmbeddingRequest& request,
                                                       kernels::ThreadPool& pool) const {
  const auto& hp = model_->hparams();
  const auto n_embd = static_cast<std::int32_t>(hp.n_embd);
  if (request.dimensions) {
    const std::int32_t d = *request.dimensions;
    if (d < 1 || d > n_embd) {
      return fail(bad_request("dimensions must be between 1 and " + std::to_string(n_embd) + " for model '" +
                                  request.model + "'",
                              "dimensions"));
    }
    if (d < n_embd && !hp.matryoshka) {
      return fail(bad_request("model '" + request.model + "' does not support 'dimensions' (it is not a Matryoshka "
                              "embedding model); its embeddings have " + std::to_string(n_embd) + " dimensions",
                              "dimensions"));
    }
  }
  const auto limit = static_cast<std::size_t>(hp.n_ctx);
  std::vector<std::vector<TokenId>> seqs;
  seqs.reserve(request.inputs.size());
  const auto& tok = model_->tokenizer();
  for (std::size_t i = 0; i < request.inputs.size(); ++i) {
    const auto& input = request.inputs[i];
    std::vector<TokenId> ids;
    const bool text = std::holds_alternative<std::string>(input);
    if (text) {
      ids = model_->tokenize(std::get<std::string>(input));
    } else {
      ids = std::get<std::vector<std::int32_t>>(input);
      for (TokenId id : ids) {
        if (id < 0 || static_cast<std::uint32_t>(id) >= hp.n_vocab) {
          return fail(bad_request("input[" + std::to_string(i) + "] contains token id " + std::to_string(id) +
                                      ", outside the model's vocabulary of " + std::to_string(hp.n_vocab),
                                  "input"));
        }
      }
    }
    if (ids.empty()) return fail(bad_request("input[" + std::to_string(i) + "] is empty", "input"));
    if (ids.size() > limit) {
      if (!request.truncate) {
        return fail(bad_request("input[" + std::to_string(i) + "] has " + std::to_string(ids.size()) +
                                    " tokens; the maximum for model '" + request.model + "' is " +
                                    std::to_string(limit) + " tokens (set \"truncate\": true to cut it)",
                                "input"));
      }
      ids.resize(limit);
      if (text && tok.add_eos() && tok.eos_id() != tokenizer::kNoToken) ids.back() = tok.eos_id();
    }
    seqs.push_back(std::move(ids));
  }
  SOVRA_TRY(auto vecs, forward_all(seqs, pool));
  api::EmbeddingResult result;
  for (const auto& s : seqs) result.prompt_tokens += static_cast<std::int64_t>(s.size());
  for (auto& v : vecs) {
    if (options_.normalize) model::l2_normalize(v);
    if (request.dimensions && *request.dimensions < n_embd) {
      v.resize(static_cast<std::size_t>(*request.dimensions));
      model::l2_normalize(v);
    }
  }
  result.embeddings = std::move(vecs);
  return result;
}

Result<api::RerankResult> EncoderBackend::run_rerank(const api::RerankRequest& request,
                                                     kernels::ThreadPool& pool) const {
  const auto limit = static_cast<std::size_t>(model_->hparams().n_ctx);
  const auto& tok = model_->tokenizer();
  std::vector<std::vector<TokenId>> seqs;
  for (const auto& doc : request.documents) {
    auto ids = model_->tokenize_pair(request.query, doc);
    if (ids.size() > limit) {
      // Cut the document: keep the query part and the closing separator.
      const auto query_part = model_->tokenize_pair(request.query, "").size();
      if (query_part >= limit) {
        return fail(bad_request("the query has " + std::to_string(query_part) + " tokens with its separators; the "
                                "maximum for model '" + request.model + "' is " + std::to_string(limit) + " tokens",
                                "query"));
      }
      const TokenId last = ids.back();
      ids.resize(limit);
      if (tok.eos_id() != tokenizer::kNoToken) ids.back() = last;
    }
    seqs.push_back(std::move(ids));
  }
  SOVRA_TRY(auto outs, forward_all(seqs, pool));
  api::RerankResult result;
  for (const auto& s : seqs) result.prompt_tokens += static_cast<std::int64_t>(s.size());
  for (const auto& o : outs) {
    const float logit = o.empty() ? 0.0f : o[0];
    result.scores.push_back(1.0f / (1.0f + std::exp(-logit)));
  }
  return result;
}

}  // namespace sovra::routing
