// K-FAC as a step hook (see kfac_hook.h).
#include "engine/hooks/kfac_hook.h"

#include "engine/train_context.h"

namespace curvlab {

KfacHook::KfacHook(const KfacOptions& options, TrainContext& c)
    : kfac_(std::make_unique<KfacPreconditioner>(options, *c.model, c.comm)) {}

void KfacHook::before_step(TrainContext& c) { kfac_->begin_step(c.at_start.epoch); }

void KfacHook::after_backward(TrainContext& c, const MicroBatch& mb) {
  kfac_->after_backward(mb.local_size, mb.global_size, mb.last());  // factor allreduce, overlapped
}

void KfacHook::before_update(TrainContext& c) { kfac_->precondition(c.lr); }  // .grad() <- preconditioned

void KfacHook::before_checkpoint(TrainContext& c) { kfac_->gather_for_checkpoint(); }

void KfacHook::save_state(const TrainContext& c, StateWriter& out) const { kfac_->save_state(out, "kfac"); }

void KfacHook::load_state(TrainContext& c, const StateReader& in) { kfac_->load_state(in, "kfac"); }

}  // namespace curvlab
