// Bucket layout, autograd hooks and the launch/wait protocol of GradReducer (see reducer.h).
#include "comm/reducer.h"

#include <cmath>

#include "base/error.h"

namespace curvlab {
namespace {
constexpr double kMiB = 1024.0 * 1024.0;
}  // namespace

GradReducer::GradReducer(CommunicatorPtr comm, std::vector<std::pair<std::string, torch::Tensor>> params,
                         ReducerOptions opts)
    : comm_(std::move(comm)), opts_(opts) {
  CURVLAB_CHECK(comm_ != nullptr, CommError, "GradReducer needs a communicator");
  CURVLAB_CHECK(opts_.bucket_mb > 0 && opts_.first_bucket_mb > 0, ConfigError,
                "[comm] bucket_mb and first_bucket_mb must be > 0 (got " + std::to_string(opts_.bucket_mb) + " and " +
                    std::to_string(opts_.first_bucket_mb) + ")");
  // Buckets in reverse registration order, one dtype and device per bucket.
  double cap = opts_.first_bucket_mb * kMiB;
  double filled = 0;
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    const auto& [name, param] = *it;
    CURVLAB_CHECK(param.defined(), CommError, "GradReducer: parameter '" + name + "' is undefined");
    if (!param.requires_grad()) continue;
    CURVLAB_CHECK(!param.is_sparse(), CommError, "GradReducer: parameter '" + name + "' is sparse; use dense parameters");
    const double bytes = static_cast<double>(param.numel()) * static_cast<double>(param.element_size());
    bool new_bucket = buckets_.empty();
    if (!new_bucket) {
      const auto& last = slots_[buckets_.back().slots.back()].param;
      new_bucket = last.scalar_type() != param.scalar_type() || last.device() != param.device() || filled + bytes > cap;
    }
    if (new_bucket) {
      if (!buckets_.empty()) cap = opts_.bucket_mb * kMiB;
      buckets_.emplace_back();
      filled = 0;
    }
    Slot slot;
    slot.name = name;
    slot.param = param;
    slot.bucket = buckets_.size() - 1;
    slot.offset = 0;
    for (size_t s : buckets_.back().slots) slot.offset += slots_[s].param.numel();
    buckets_.back().slots.push_back(slots_.size());
    slots_.push_back(std::move(slot));
    filled += bytes;
  }
  for (auto& bucket : buckets_) {
    const auto& first = slots_[bucket.slots.front()].param;
    int64_t numel = 0;
    for (size_t s : bucket.slots) numel += slots_[s].param.numel();
    bucket.flat = torch::zeros({numel}, torch::TensorOptions().dtype(first.scalar_type()).device(first.device()));
  }
  check_same_layout_on_all_ranks();
  weight_ = torch::scalar_tensor(1.0, torch::kDouble);
  for (size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].hook = slots_[i].param.register_hook([this, i](torch::Tensor grad) { on_grad(i, grad); });
  }
}

GradReducer::~GradReducer() {
  // Buckets still in flight keep their buffers alive through their Work; nothing to wait for here.
  for (auto& s : slots_) s.param.remove_hook(s.hook);
}

void GradReducer::check_same_layout_on_all_ranks() {
  // A 62-bit FNV-style hash of (numel, dtype) per slot; max == min over ranks iff all agree.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (const auto& s : slots_) {
    mix(static_cast<uint64_t>(s.param.numel()));
    mix(static_cast<uint64_t>(s.param.scalar_type()));
  }
  mix(buckets_.size());
  const int64_t mine = static_cast<int64_t>(h >> 2);
  // On the parameters' device, so that a CUDA-only backend can reduce it too.
  auto options = torch::TensorOptions().dtype(torch::kInt64);
  if (!slots_.empty()) options = options.device(slots_.front().param.device());
  auto hi = torch::full({1}, mine, options);
  auto lo = torch::full({1}, mine, options);
  comm_->allreduce({hi}, ReduceOp::kMax);
  comm_->allreduce({lo}, ReduceOp::kMin);
  CURVLAB_CHECK(hi.cpu().item<int64_t>() == lo.cpu().item<int64_t>(), CommError,
                "GradReducer: the parameters (count, shapes or dtypes) differ between ranks; every rank must build "
                "the same model with the same [model] settings");
}

torch::Tensor GradReducer::slot_view(const Slot& s) const {
  return buckets_[s.bucket].flat.narrow(0, s.offset, s.param.numel()).view(s.param.sizes());
}

void GradReducer::prepare(double local_weight, int micro_batches) {
  std::lock_guard<std::mutex> lock(mutex_);
  CURVLAB_CHECK(std::isfinite(local_weight) && local_weight >= 0, CommError,
                "GradReducer::prepare: local_weight must be finite and >= 0 (local samples / global samples), got " +
                    std::to_string(local_weight));
  CURVLAB_CHECK(micro_batches >= 1, CommError,
                "GradReducer::prepare: micro_batches must be >= 1, got " + std::to_string(micro_batches));
  bool grads_arrived = false;
  for (const auto& s : slots_) grads_arrived = grads_arrived || s.written;
  CURVLAB_CHECK(!(prepared_ && grads_arrived), CommError,
                "GradReducer::prepare called again after backward but before finalize(); call finalize() after each "
                "step's last backward");
  for (auto& s : slots_) {
    s.ready = false;
    s.written = false;
    s.micro_seen = -1;
    // Autograd must not add this step's local gradient into last step's bucket view.
    if (opts_.grad_as_bucket_view) s.param.mutable_grad() = torch::Tensor();
  }
  for (auto& b : buckets_) {
    b.ready = 0;
    b.work.reset();
  }
  next_launch_ = 0;
  weight_.fill_(local_weight);
  weight_value_ = local_weight;
  micro_batches_ = micro_batches;
  micro_ = 0;
  if (track_sq_norm_) sq_norm_.zero_();
  prepared_ = true;
}

void GradReducer::next_micro_batch(double local_weight) {
  std::lock_guard<std::mutex> lock(mutex_);
  CURVLAB_CHECK(prepared_ && micro_ + 1 < micro_batches_, CommError,
                "GradReducer::next_micro_batch: " + std::string(prepared_ ? "all " + std::to_string(micro_batches_) +
                    " micro-batches of this step were already announced" : "call prepare() first"));
  CURVLAB_CHECK(std::isfinite(local_weight) && local_weight >= 0, CommError,
                "GradReducer::next_micro_batch: local_weight must be finite and >= 0, got " + std::to_string(local_weight));
  ++micro_;
  weight_.fill_(local_weight);
  weight_value_ = local_weight;
}

void GradReducer::set_track_sq_norm(bool on) {
  std::lock_guard<std::mutex> lock(mutex_);
  track_sq_norm_ = on;
  if (on && !sq_norm_.defined()) {
    auto options = torch::TensorOptions().dtype(torch::kDouble);
    if (!slots_.empty()) options = options.device(slots_.front().param.device());
    sq_norm_ = torch::zeros({}, options);
  }
}

double GradReducer::local_sq_norm() const {
  std::lock_guard<std::mutex> lock(mutex_);
  CURVLAB_CHECK(track_sq_norm_, CommError, "GradReducer::local_sq_norm: call set_track_sq_norm(true) first");
  return sq_norm_.item<double>();
}

void GradReducer::on_grad(size_t index, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!prepared_) return;  // not in a reduced step (evaluation, Hessian-vector products)
  Slot& s = slots_[index];
  CURVLAB_CHECK(s.micro_seen < micro_, CommError,
                "GradReducer: the gradient of '" + s.name + "' arrived twice in one micro-batch: backward ran "
                "twice; call next_micro_batch() between backward passes of one step, finalize() at its end");
  CURVLAB_CHECK(grad.defined() && !grad.is_sparse(), CommError,
                "GradReducer: parameter '" + s.name + "' received an undefined or sparse gradient");
  torch::NoGradGuard no_grad;
  auto slot = slot_view(s);
  if (!s.written) {
    torch::mul_out(slot, grad, weight_);  // slot = grad * local_weight, one pass
    s.written = true;
  } else {
    slot.add_(grad, weight_value_);       // later micro-batches accumulate
  }
  if (track_sq_norm_) sq_norm_.add_(grad.square().sum(torch::kDouble));
  s.micro_seen = micro_;
  if (micro_ + 1 == micro_batches_) {     // the step's last backward: the slot is final
    s.ready = true;
    ++buckets_[s.bucket].ready;
    launch_ready_locked();
  }
}

void GradReducer::launch_ready_locked() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].ready == buckets_[next_launch_].slots.size()) {
    auto& b = buckets_[next_launch_];
    b.work = comm_->allreduce_async({b.flat}, ReduceOp::kSum);
    ++next_launch_;
  }
}

void GradReducer::finalize() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    CURVLAB_CHECK(prepared_, CommError,
                  "GradReducer::finalize called without prepare(): call prepare(local_weight) before backward in "
                  "every step");
    torch::NoGradGuard no_grad;
    for (size_t b = next_launch_; b < buckets_.size(); ++b) {
      for (size_t si : buckets_[b].slots) {
        if (slots_[si].ready) continue;
        // unused parameter (or a rank without samples): zero gradient; a parameter that saw only
        // earlier micro-batches keeps what they accumulated
        if (!slots_[si].written) slot_view(slots_[si]).zero_();
        slots_[si].ready = true;
        ++buckets_[b].ready;
      }
    }
    launch_ready_locked();
    prepared_ = false;
  }
  for (auto& b : buckets_) b.work->wait();
  torch::NoGradGuard no_grad;
  for (auto& s : slots_) {
    auto reduced = slot_view(s);
    auto& grad = s.param.mutable_grad();
    if (opts_.grad_as_bucket_view) grad = reduced;
    else if (grad.defined()) grad.copy_(reduced);
    else grad = reduced.clone();
  }
}

std::vector<std::vector<std::string>> GradReducer::bucket_layout() const {
  std::vector<std::vector<std::string>> layout;
  for (const auto& b : buckets_) {
    layout.emplace_back();
    for (size_t s : b.slots) layout.back().push_back(slots_[s].name);
  }
  return layout;
}

int GradReducer::buckets_launched() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(next_launch_);
}

}  // namespace curvlab
