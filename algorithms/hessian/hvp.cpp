// Hessian-vector products by double backward over this rank's samples, allreduced in buckets.
#include "algorithms/hessian/hvp.h"

#include <torch/torch.h>

#include <algorithm>

#include "base/error.h"

namespace curvlab {

std::vector<ParamGroup> group_by_layer(const std::vector<std::pair<std::string, torch::Tensor>>& params) {
  std::vector<ParamGroup> groups;
  std::int64_t offset = 0;
  for (const auto& [name, t] : params) {
    const auto dot = name.rfind('.');
    const std::string prefix = dot == std::string::npos ? name : name.substr(0, dot);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const ParamGroup& g) { return g.name == prefix; });
    if (it == groups.end() || it != groups.end() - 1) {
      // A prefix that reappears after another layer starts a new group: groups stay contiguous.
      ParamGroup g;
      g.name = it == groups.end() ? prefix : prefix + "#" + std::to_string(groups.size());
      g.offset = offset;
      groups.push_back(g);
      it = groups.end() - 1;
    }
    it->params.push_back(name);
    it->numel += t.numel();
    offset += t.numel();
  }
  return groups;
}

HvpOperator::HvpOperator(Net model, torch::Tensor inputs, torch::Tensor targets, std::int64_t global_samples,
                         CommunicatorPtr comm, HvpOptions options)
    : model_(std::move(model)), inputs_(std::move(inputs)), targets_(std::move(targets)), global_(global_samples),
      comm_(std::move(comm)), opts_(options) {
  CURVLAB_CHECK(global_ > 0, ConfigError, "Hessian: the sample set is empty; choose at least one sample");
  CURVLAB_CHECK(opts_.chunk_size > 0, ConfigError, "Hessian: chunk_size must be >= 1");
  for (const auto& p : model_->named_parameters()) {
    if (!p.value().requires_grad()) continue;
    params_.emplace_back(p.key(), p.value());
    tensors_.push_back(p.value());
    dim_ += p.value().numel();
  }
  CURVLAB_CHECK(!params_.empty(), ConfigError, "Hessian: the model has no trainable parameters");
  dtype_ = tensors_.front().scalar_type();
  groups_ = group_by_layer(params_);
}

HvpOperator::~HvpOperator() = default;

void HvpOperator::set_mode() const {
  if (opts_.train_mode) {
    model_->train();
  } else {
    model_->eval();
  }
}

torch::Tensor HvpOperator::flat_params() const {
  std::vector<torch::Tensor> flat;
  for (const auto& t : tensors_) flat.push_back(t.detach().reshape({-1}).to(torch::kFloat64));
  return torch::cat(flat);
}

std::vector<torch::Tensor> HvpOperator::unflatten(const torch::Tensor& flat) const {
  std::vector<torch::Tensor> out;
  std::int64_t off = 0;
  for (const auto& t : tensors_) {
    out.push_back(flat.slice(0, off, off + t.numel()).view(t.sizes()));
    off += t.numel();
  }
  return out;
}

// Gradients of (sum of the chunk's losses) / N_global with respect to every parameter.
std::vector<torch::Tensor> HvpOperator::chunk_grads(std::size_t chunk, bool create_graph, double* loss_sum) {
  const std::int64_t n = inputs_.size(0);
  const std::int64_t lo = static_cast<std::int64_t>(chunk) * opts_.chunk_size;
  const std::int64_t hi = std::min(n, lo + opts_.chunk_size);
  torch::Tensor logits = model_->forward(inputs_.slice(0, lo, hi));  // [chunk, classes]
  torch::Tensor loss = torch::nn::functional::cross_entropy(
      logits, targets_.slice(0, lo, hi), torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
  if (loss_sum) *loss_sum += loss.item<double>();
  loss = loss / static_cast<double>(global_);
  std::vector<torch::Tensor> g = torch::autograd::grad({loss}, tensors_, {}, /*retain_graph=*/create_graph,
                                                       create_graph, /*allow_unused=*/true);
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (!g[i].defined()) g[i] = torch::zeros_like(tensors_[i]);
  }
  return g;
}

torch::Tensor HvpOperator::reduce(torch::Tensor local) {
  if (!comm_ || comm_->size() == 1) return local;
  // Buckets of at most bucket_mb MiB, all launched before any is waited for.
  const std::int64_t per_bucket =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(opts_.bucket_mb * 1048576.0 / 8.0));
  std::vector<WorkPtr> work;
  for (std::int64_t lo = 0; lo < local.numel(); lo += per_bucket) {
    const std::int64_t hi = std::min(local.numel(), lo + per_bucket);
    work.push_back(comm_->allreduce_async({local.slice(0, lo, hi)}, ReduceOp::kSum));
  }
  for (auto& w : work) w->wait();
  return local;
}

torch::Tensor HvpOperator::gradient() {
  set_mode();
  const std::int64_t n = inputs_.size(0);
  const std::size_t chunks = static_cast<std::size_t>((n + opts_.chunk_size - 1) / opts_.chunk_size);
  torch::Tensor acc = torch::zeros({dim_ + 1}, torch::kFloat64);
  double loss_sum = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    auto g = chunk_grads(c, false, &loss_sum);
    std::int64_t off = 0;
    for (const auto& t : g) {
      acc.slice(0, off, off + t.numel()).add_(t.reshape({-1}).to(torch::kFloat64));
      off += t.numel();
    }
  }
  acc[dim_] = loss_sum;
  acc = reduce(acc);
  loss_ = acc[dim_].item<double>() / static_cast<double>(global_);
  return acc.slice(0, 0, dim_).clone();
}

torch::Tensor HvpOperator::apply(const torch::Tensor& v) {
  CURVLAB_CHECK(v.dim() == 1 && v.numel() == dim_, NumericsError,
                "HVP: the vector has " + std::to_string(v.numel()) + " elements, the model " + std::to_string(dim_));
  set_mode();
  const std::vector<torch::Tensor> vs = unflatten(v.to(dtype_));
  const std::int64_t n = inputs_.size(0);
  const std::size_t chunks = static_cast<std::size_t>((n + opts_.chunk_size - 1) / opts_.chunk_size);
  torch::Tensor acc = torch::zeros({dim_}, torch::kFloat64);
  if (opts_.cache_graph && cached_.size() != chunks) {
    cached_.clear();
    for (std::size_t c = 0; c < chunks; ++c) cached_.push_back(chunk_grads(c, true, nullptr));
  }
  for (std::size_t c = 0; c < chunks; ++c) {
    std::vector<torch::Tensor> g = opts_.cache_graph ? cached_[c] : chunk_grads(c, true, nullptr);
    torch::Tensor gv = torch::zeros({}, g.front().options());
    for (std::size_t i = 0; i < g.size(); ++i) {
      if (!g[i].requires_grad()) continue;  // a parameter the loss does not reach twice: H row is 0
      gv = gv + (g[i] * vs[i]).sum();
    }
    if (!gv.requires_grad()) continue;
    std::vector<torch::Tensor> hv = torch::autograd::grad({gv}, tensors_, {}, /*retain_graph=*/opts_.cache_graph,
                                                          /*create_graph=*/false, /*allow_unused=*/true);
    std::int64_t off = 0;
    for (std::size_t i = 0; i < hv.size(); ++i) {
      const std::int64_t k = tensors_[i].numel();
      if (hv[i].defined()) acc.slice(0, off, off + k).add_(hv[i].reshape({-1}).to(torch::kFloat64));
      off += k;
    }
  }
  ++hvps_;
  return reduce(acc);
}

}  // namespace curvlab
