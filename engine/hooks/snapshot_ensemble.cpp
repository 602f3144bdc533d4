// Snapshot files and the softmax-averaging ensemble evaluation.
#include "engine/hooks/snapshot_ensemble.h"

#include <torch/torch.h>

#include <cstdio>

#include "engine/checkpoint/checkpointer.h"
#include "base/error.h"

namespace curvlab {

SnapshotEnsemble::SnapshotEnsemble(const Dataset& test, CommunicatorPtr comm) : test_(test), comm_(std::move(comm)) {
  const std::int64_t n = test_.size(), world = comm_->size(), r = comm_->rank();
  begin_ = n * r / world;
  end_ = n * (r + 1) / world;
}

EnsembleEval SnapshotEnsemble::add(NetImpl& model) {
  torch::NoGradGuard no_grad;
  model.eval();
  const std::int64_t chunk = 1000;
  double loss = 0, correct = 0, ens_loss = 0, ens_correct = 0;
  std::vector<torch::Tensor> probs;
  for (std::int64_t i = begin_; i < end_; i += chunk) {
    const std::int64_t j = std::min(end_, i + chunk);
    auto x = test_.inputs.slice(0, i, j);
    auto y = test_.targets.slice(0, i, j);
    auto log_p = torch::log_softmax(model.forward(x).to(torch::kFloat64), 1);  // [rows, classes]
    loss -= log_p.gather(1, y.unsqueeze(1)).sum().item<double>();
    correct += log_p.argmax(1).eq(y).sum().item<double>();
    probs.push_back(log_p.exp());
  }
  model.train();
  if (!probs.empty()) {
    torch::Tensor p = torch::cat(probs, 0);
    prob_sum_ = prob_sum_.defined() ? prob_sum_ + p : p;
  }
  ++count_;
  if (prob_sum_.defined()) {
    const torch::Tensor mean = prob_sum_ / static_cast<double>(count_);
    const torch::Tensor y = test_.targets.slice(0, begin_, end_);
    ens_loss = -mean.gather(1, y.unsqueeze(1)).clamp_min(1e-300).log().sum().item<double>();
    ens_correct = mean.argmax(1).eq(y).sum().item<double>();
  }
  auto totals = torch::tensor({loss, correct, ens_loss, ens_correct}, torch::kFloat64);
  comm_->allreduce({totals}, ReduceOp::kSum);
  const double n = static_cast<double>(test_.size());
  EnsembleEval e;
  e.test_loss = totals[0].item<double>() / n;
  e.test_accuracy = totals[1].item<double>() / n;
  e.ensemble_size = count_;
  e.ensemble_loss = totals[2].item<double>() / n;
  e.ensemble_accuracy = totals[3].item<double>() / n;
  return e;
}

std::string SnapshotEnsemble::snapshot_path(const std::string& run_dir, std::int64_t cycle) {
  char name[64];
  std::snprintf(name, sizeof(name), "/snapshots/snapshot_%04lld.h5", static_cast<long long>(cycle));
  return run_dir + name;
}

void SnapshotEnsemble::save_snapshot(NetImpl& model, const std::string& path,
                                     const std::map<std::string, std::string>& attrs) {
  write_state_file(path, [&](StateWriter& w) {
    for (const auto& p : model.named_parameters()) w.write_tensor("model/" + p.key(), p.value().detach());
    for (const auto& b : model.named_buffers()) w.write_tensor("model/" + b.key(), b.value().detach());
  }, attrs);
}

void SnapshotEnsemble::load_snapshot(NetImpl& model, const std::string& path) {
  auto in = open_state_file(path);
  torch::NoGradGuard no_grad;
  auto load = [&](const std::string& name, torch::Tensor t) {
    torch::Tensor v = in->read_tensor("model/" + name);
    CURVLAB_CHECK(v.sizes() == t.sizes(), IoError,
                  path + ": model/" + name + " has shape " + c10::str(v.sizes()) + " but the model has " +
                      c10::str(t.sizes()) + "; the snapshot belongs to another model");
    t.copy_(v);
  };
  for (const auto& p : model.named_parameters()) load(p.key(), p.value());
  for (const auto& b : model.named_buffers()) load(b.key(), b.value());
}

}  // namespace curvlab
