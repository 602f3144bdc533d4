// K-FAC preconditioner: the per-step protocol of kfac_preconditioner.h, checkpoint state.
#include "algorithms/kfac/kfac_preconditioner.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "algorithms/schedules/milestones.h"
#include "comm/tensor_pack.h"
#include "base/error.h"

namespace curvlab {
namespace {


}  // namespace

// Factor sums in flight: fusion buffers over the blocks' (A sum, G sum) in block order, plus the
// per-layer row counts (float64).
struct KfacPreconditioner::Pending {
  std::vector<torch::Tensor> sums;    // per block: a, g (2 per block), views are NOT kept
  std::vector<torch::Tensor> buffers; // fusion buffers (the allreduced tensors)
  std::vector<std::pair<std::size_t, std::size_t>> ranges;  // per buffer: [first, last) index into sums
  torch::Tensor rows;                 // [layers] float64
  std::vector<WorkPtr> work;         // one allreduce per buffer (each reduced in place), and the rows
};

KfacPreconditioner::KfacPreconditioner(const KfacOptions& spec, torch::nn::Module& model, CommunicatorPtr comm)
    : spec_(spec), method_(spec.method), factor_dtype_(to_scalar_type(spec.factor_dtype)),
      inv_dtype_(to_scalar_type(spec.inv_dtype)), comm_(std::move(comm)), layers_(kfac_layers(model, spec.skip_layers)) {
  CURVLAB_CHECK(!layers_.empty(), ConfigError,
                "train.optimizer = \"kfac\" but the model has no Linear or Conv2d layer left to precondition "
                "(check kfac.skip_layers)");
  std::vector<std::pair<std::int64_t, std::int64_t>> dims;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    for (std::int64_t j = 0; j < layers_[l].blocks(); ++j) {
      Block b;
      b.layer = l;
      b.index = j;
      b.path = layers_[l].name() + "/block" + std::to_string(j);
      blocks_.push_back(std::move(b));
      dims.emplace_back(layers_[l].a_dim(), layers_[l].g_dim());
    }
  }
  assignment_ = assign_kfac_work(dims, comm_->size(), spec_.grad_worker_fraction);
  damping_ = spec_.damping;
}

KfacPreconditioner::~KfacPreconditioner() {
  if (pending_) {
    try {
      for (const auto& w : pending_->work) w->wait();
    } catch (...) {  // the job is failing anyway; do not throw from a destructor
    }
  }
  for (const auto& layer : layers_) layer.set_capture(false);
}

void KfacPreconditioner::set_capture(bool on) {
  for (const auto& layer : layers_) layer.set_capture(on);
}

void KfacPreconditioner::begin_step(double epoch) {
  damping_ = apply_milestones(spec_.damping, spec_.damping_gamma, spec_.damping_milestones, epoch);
  capturing_ = steps_ % spec_.factor_update_freq == 0;
  set_capture(capturing_);
  for (auto& b : blocks_) b.saved = Decomposition();
}

void KfacPreconditioner::after_backward(std::int64_t local_size, std::int64_t global_size, bool last_micro_batch) {
  if (!capturing_) return;
  CURVLAB_CHECK(global_size > 0, NumericsError, "K-FAC: a global batch of 0 samples");
  const double w = static_cast<double>(local_size) / static_cast<double>(global_size);
  if (!accum_) {
    accum_ = std::make_unique<Pending>();
    accum_->rows = torch::zeros({static_cast<std::int64_t>(layers_.size())}, torch::kFloat64);
  }
  Pending& acc = *accum_;
  const bool fresh = acc.sums.empty();
  std::size_t k = 0;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    acc.rows[static_cast<std::int64_t>(l)] += static_cast<double>(local_size > 0 ? layers_[l].captured_rows() : 0);
    for (auto& s : layers_[l].factor_sums(local_size > 0 ? w : 0.0, factor_dtype_)) {
      if (fresh) {
        acc.sums.push_back(std::move(s.a));
        acc.sums.push_back(std::move(s.g));
      } else {  // a later micro-batch of the same step: the sums add up
        acc.sums[k].add_(s.a);
        acc.sums[k + 1].add_(s.g);
      }
      k += 2;
    }
    // the activations are no longer needed; capture stays on for the next micro-batch
    layers_[l].set_capture(!last_micro_batch);
  }
  if (!last_micro_batch) return;
  auto p = std::move(accum_);
  if (comm_->size() > 1) fuse_and_allreduce(*p);
  pending_ = std::move(p);
}

void KfacPreconditioner::fuse_and_allreduce(Pending& p) {
  // Each fusion buffer goes out as a collective of its own, so the backend reduces it in place
  // (one contiguous tensor) instead of packing it a second time.
  p.ranges = bucket_ranges(p.sums, spec_.bucket_mb * 1024.0 * 1024.0);
  for (const auto& [first, last] : p.ranges) {
    p.buffers.push_back(pack({p.sums.begin() + static_cast<std::ptrdiff_t>(first),
                              p.sums.begin() + static_cast<std::ptrdiff_t>(last)}));
    p.work.push_back(comm_->allreduce_async({p.buffers.back()}, ReduceOp::kSum));
  }
  p.work.push_back(comm_->allreduce_async({p.rows}, ReduceOp::kSum));
}

void KfacPreconditioner::finish_factor_update() {
  CURVLAB_CHECK(pending_ != nullptr, NumericsError,
                "K-FAC: a factor-update step without after_backward(); the trainer must call it after backward");
  Pending& p = *pending_;
  for (const auto& w : p.work) w->wait();
  for (std::size_t k = 0; k < p.buffers.size(); ++k) {
    std::vector<torch::Tensor> part(p.sums.begin() + static_cast<std::ptrdiff_t>(p.ranges[k].first),
                                    p.sums.begin() + static_cast<std::ptrdiff_t>(p.ranges[k].second));
    unpack(p.buffers[k], part);
  }
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    Block& blk = blocks_[b];
    const double rows = p.rows[static_cast<std::int64_t>(blk.layer)].item<double>();
    if (rows <= 0) {  // the layer saw no data in this step: keep the factors (identity at first)
      if (!blk.a.defined()) blk.a = torch::eye(layers_[blk.layer].a_dim(), p.sums[2 * b].options());
      if (!blk.g.defined()) blk.g = torch::eye(layers_[blk.layer].g_dim(), p.sums[2 * b + 1].options());
      continue;
    }
    update_running_factor(blk.a, p.sums[2 * b], spec_.factor_decay, 1.0 / rows);
    update_running_factor(blk.g, p.sums[2 * b + 1], spec_.factor_decay, 1.0 / rows);
  }
  pending_.reset();
}

void KfacPreconditioner::share(std::vector<std::vector<torch::Tensor>>& per_block, const std::vector<bool>& have) {
  // One broadcast per owning rank of the concatenation of its blocks' tensors (block order).
  const int world = comm_->size();
  std::vector<torch::Tensor> flats(static_cast<std::size_t>(world));
  std::vector<WorkPtr> works;
  for (int r = 0; r < world; ++r) {
    std::vector<torch::Tensor> parts;
    std::int64_t numel = 0;
    torch::TensorOptions opts;
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      if (assignment_.owner[b] != r) continue;
      for (auto& t : per_block[b]) {
        parts.push_back(t);
        numel += t.numel();
        opts = t.options();
      }
    }
    if (parts.empty()) continue;
    if (r == comm_->rank()) {
      for (std::size_t b = 0; b < blocks_.size(); ++b) {
        CURVLAB_CHECK(assignment_.owner[b] != r || have[b], NumericsError,
                      "K-FAC: rank " + std::to_string(r) + " owns block " + blocks_[b].path + " but has nothing to send");
      }
      flats[static_cast<std::size_t>(r)] = pack(parts);
    } else {
      flats[static_cast<std::size_t>(r)] = torch::empty({numel}, opts);
    }
    works.push_back(comm_->broadcast_async({flats[static_cast<std::size_t>(r)]}, r));
  }
  for (auto& w : works) w->wait();
  for (int r = 0; r < world; ++r) {
    if (r == comm_->rank() || !flats[static_cast<std::size_t>(r)].defined()) continue;
    std::vector<torch::Tensor> parts;
    for (std::size_t b = 0; b < blocks_.size(); ++b) {
      if (assignment_.owner[b] == r) parts.insert(parts.end(), per_block[b].begin(), per_block[b].end());
    }
    unpack(flats[static_cast<std::size_t>(r)], parts);
  }
}

void KfacPreconditioner::update_decompositions() {
  const auto t0 = std::chrono::steady_clock::now();
  const int me = comm_->rank();
  const bool share_decompositions = assignment_.grad_workers > 1;
  std::vector<std::vector<torch::Tensor>> per_block(blocks_.size());
  std::vector<bool> have(blocks_.size(), false);
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    Block& blk = blocks_[b];
    CURVLAB_CHECK(blk.a.defined() && blk.g.defined(), NumericsError,
                  "K-FAC: block " + blk.path + " has no factors at its first decomposition");
    if (assignment_.owner[b] == me) {
      blk.dec = decompose(blk.a, blk.g, method_, damping_, inv_dtype_);
      have[b] = true;
    } else if (share_decompositions) {
      const auto shapes = Decomposition::shapes(method_, layers_[blk.layer].a_dim(), layers_[blk.layer].g_dim());
      auto slots = blk.dec.tensors(method_);
      for (std::size_t k = 0; k < slots.size(); ++k) *slots[k] = torch::empty(shapes[k], torch::dtype(inv_dtype_));
    } else {
      blk.dec = Decomposition();
    }
    if (share_decompositions) {
      for (torch::Tensor* t : blk.dec.tensors(method_)) per_block[b].push_back(*t);
    }
  }
  if (share_decompositions && comm_->size() > 1) share(per_block, have);
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    if (!assignment_.is_grad_worker(b, me)) blocks_[b].dec = Decomposition();  // memory: not needed here
  }
  inverse_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void KfacPreconditioner::precondition(double lr) {
  torch::NoGradGuard no_grad;
  if (capturing_) finish_factor_update();
  capturing_ = false;
  if (steps_ % spec_.inv_update_freq == 0) update_decompositions();

  const int me = comm_->rank();
  const bool share_grads = assignment_.grad_workers < comm_->size();
  std::vector<torch::Tensor> grads(blocks_.size()), preconditioned(blocks_.size());
  std::vector<std::vector<torch::Tensor>> per_block(blocks_.size());
  std::vector<bool> have(blocks_.size(), false);
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    const Block& blk = blocks_[b];
    grads[b] = layers_[blk.layer].grad_matrix(blk.index, layers_[blk.layer].weight().scalar_type());
    if (assignment_.is_grad_worker(b, me)) {
      CURVLAB_CHECK(blk.dec.defined(), NumericsError,
                    "K-FAC: no decomposition for block " + blk.path + " on a grad worker (resume from a checkpoint "
                    "without K-FAC state?)");
      preconditioned[b] = precondition_block(grads[b], blk.dec, method_, damping_);
      have[b] = true;
    } else {
      preconditioned[b] = torch::empty_like(grads[b]);
    }
    if (share_grads) per_block[b].push_back(preconditioned[b]);
  }
  if (share_grads) share(per_block, have);

  // KL clip: nu = min(1, sqrt(kl_clip / |sum_layers sum(lr^2 * precond * grad)|)), the same on all ranks.
  nu_ = 1.0;
  if (spec_.kl_clip > 0) {
    torch::Tensor sum = torch::zeros({}, torch::kFloat64);
    for (std::size_t b = 0; b < blocks_.size(); ++b) sum.add_((preconditioned[b] * grads[b]).sum(torch::kFloat64));
    const double vg = sum.item<double>() * lr * lr;  // one synchronisation for all blocks
    if (vg != 0) nu_ = std::min(1.0, std::sqrt(spec_.kl_clip / std::abs(vg)));
  }
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    if (nu_ != 1.0) preconditioned[b].mul_(nu_);
    layers_[blocks_[b].layer].set_grad_matrix(blocks_[b].index, preconditioned[b]);
  }
  ++steps_;
}

void KfacPreconditioner::gather_for_checkpoint() {
  if (steps_ == 0) return;  // nothing decomposed yet (a stop before the first step)
  if (assignment_.grad_workers == comm_->size()) return;  // every rank holds every decomposition
  const int me = comm_->rank();
  std::vector<std::vector<torch::Tensor>> per_block(blocks_.size());
  std::vector<bool> have(blocks_.size(), false);
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    Block& blk = blocks_[b];
    if (assignment_.owner[b] == me) {
      CURVLAB_CHECK(blk.dec.defined(), NumericsError, "K-FAC: rank " + std::to_string(me) +
                                                          " owns block " + blk.path + " but holds no decomposition");
      blk.saved = blk.dec;
      have[b] = true;
    } else {
      const auto shapes = Decomposition::shapes(method_, layers_[blk.layer].a_dim(), layers_[blk.layer].g_dim());
      auto slots = blk.saved.tensors(method_);
      for (std::size_t k = 0; k < slots.size(); ++k) *slots[k] = torch::empty(shapes[k], torch::dtype(inv_dtype_));
    }
    for (torch::Tensor* t : blk.saved.tensors(method_)) per_block[b].push_back(*t);
  }
  if (comm_->size() > 1) share(per_block, have);
}

void KfacPreconditioner::save_state(StateWriter& out, const std::string& prefix) const {
  out.write_int(prefix + "/steps", steps_);
  out.write_string(prefix + "/method", kfac_method_names().name(method_));
  const auto names = Decomposition::names(method_);
  for (const auto& blk : blocks_) {
    const std::string base = prefix + "/layers/" + blk.path;
    if (blk.a.defined()) out.write_tensor(base + "/A", blk.a);
    if (blk.g.defined()) out.write_tensor(base + "/G", blk.g);
    const Decomposition& d = blk.saved.defined() ? blk.saved : blk.dec;
    CURVLAB_CHECK(d.defined() || steps_ == 0, NumericsError,
                  "K-FAC: saving without the decomposition of " + blk.path + "; call gather_for_checkpoint() first");
    if (!d.defined()) continue;
    auto tensors = const_cast<Decomposition&>(d).tensors(method_);
    for (std::size_t k = 0; k < names.size(); ++k) out.write_tensor(base + "/" + names[k], *tensors[k]);
  }
}

void KfacPreconditioner::load_state(const StateReader& in, const std::string& prefix) {
  CURVLAB_CHECK(in.has(prefix + "/steps"), IoError,
                "the checkpoint holds no K-FAC state ('" + prefix + "/steps' is missing): it was written with "
                "another train.optimizer; resume with that optimizer or start a new run");
  const std::string method = in.read_string(prefix + "/method");
  const std::string& mine = kfac_method_names().name(method_);
  CURVLAB_CHECK(method == mine, ConfigError,
                "the checkpoint's K-FAC state uses kfac.method = \"" + method + "\" but the job says \"" + mine +
                    "\"; resume with the same method");
  steps_ = in.read_int(prefix + "/steps");
  const auto names = Decomposition::names(method_);
  for (std::size_t b = 0; b < blocks_.size(); ++b) {
    Block& blk = blocks_[b];
    const KfacLayer& layer = layers_[blk.layer];
    const std::string base = prefix + "/layers/" + blk.path;
    blk.a = torch::Tensor();
    blk.g = torch::Tensor();
    blk.dec = Decomposition();
    if (steps_ == 0) continue;
    for (const auto& [key, dim, dst] : {std::make_tuple("A", layer.a_dim(), &blk.a),
                                        std::make_tuple("G", layer.g_dim(), &blk.g)}) {
      torch::Tensor t = in.read_tensor(base + "/" + key);
      CURVLAB_CHECK(t.dim() == 2 && t.size(0) == dim && t.size(1) == dim, IoError,
                    base + "/" + key + " has shape " + c10::str(t.sizes()) + " but the model needs [" +
                        std::to_string(dim) + ", " + std::to_string(dim) + "]; resume with the same [model] and "
                        "kfac.skip_layers");
      *dst = t.to(factor_dtype_);
    }
    if (!assignment_.is_grad_worker(b, comm_->rank())) continue;
    auto slots = blk.dec.tensors(method_);
    for (std::size_t k = 0; k < names.size(); ++k) *slots[k] = in.read_tensor(base + "/" + names[k]).to(inv_dtype_);
  }
}

}  // namespace curvlab
