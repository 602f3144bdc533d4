// JobSpec -> TrainerOptions and step hooks (see train_options.h).
#include "jobs/train/train_options.h"

#include "engine/hooks/adversarial_hook.h"
#include "engine/hooks/curvature_hook.h"
#include "engine/hooks/kfac_hook.h"
#include "engine/hooks/noise_scale_hook.h"
#include "engine/hooks/snapshot_ensemble_hook.h"

namespace curvlab {

TrainerOptions trainer_options(const JobSpec& spec) {
  const TrainSpec& t = spec.train;
  TrainerOptions o;
  o.output_dir = spec.job.output_dir;
  o.seed = spec.job.seed;
  o.job_text = spec.source_text;
  o.job_file = spec.source_path;
  o.data = spec.data;
  o.model = spec.model;
  o.task = t.task;
  o.optimizer.kind = t.optimizer;
  o.optimizer.lr = t.lr;
  o.optimizer.momentum = t.momentum;
  o.optimizer.dampening = t.dampening;
  o.optimizer.nesterov = t.nesterov;
  o.optimizer.weight_decay = t.weight_decay;
  o.optimizer.lars = t.lars;
  o.optimizer.adam = t.adam;
  o.lr.lr = t.lr;
  o.lr.scaling = t.lr_scaling;
  o.lr.reference_batch = t.reference_batch_size;
  o.lr.base_batch = t.batch_size;
  o.lr.couple_lr = t.batch_schedule.couple_lr;
  o.lr.schedule = t.lr_schedule;
  o.batch_schedule = t.batch_schedule;
  o.comm = spec.comm;
  o.epochs = t.epochs;
  o.steps = t.steps;
  o.batch_size = t.batch_size;
  o.drop_last = t.drop_last;
  o.micro_batches = t.micro_batches;
  o.eval_every_steps = t.eval_every_steps;
  o.eval_every_epochs = t.eval_every_epochs;
  o.checkpoint_every_steps = t.checkpoint_every_steps;
  o.keep_last = t.keep_last;
  o.log_every_seconds = t.log_every_seconds;
  o.metrics_every_steps = t.metrics_every_steps;
  o.target_metric = t.target_metric;
  o.target_value = t.target_value;
  o.stop_at_target = t.stop_at_target;
  return o;
}

void add_job_hooks(const JobSpec& spec, Trainer& trainer) {
  const TrainSpec& t = spec.train;
  if (t.adversarial.enabled) {
    const AdversarialTrainingOptions a = t.adversarial;
    trainer.add_hook([a](TrainContext& c) { return std::make_unique<AdversarialHook>(a, c); });
  }
  if (t.noise_scale) {
    const double ema = t.noise_scale_ema;
    trainer.add_hook([ema](TrainContext&) { return std::make_unique<NoiseScaleHook>(ema); });
  }
  if (t.optimizer == OptimizerKind::kKfac) {
    const KfacOptions k = spec.kfac;
    trainer.add_hook([k](TrainContext& c) { return std::make_unique<KfacHook>(k, c); });
  }
  const BatchScheduleOptions& b = t.batch_schedule;
  if (b.kind == BatchScheduleKind::kCyclical && (b.snapshots || b.ensemble)) {
    const bool save = b.snapshots, evaluate = b.ensemble;
    trainer.add_hook([save, evaluate](TrainContext&) { return std::make_unique<SnapshotEnsembleHook>(save, evaluate); });
  }
  const HessianOptions& h = spec.hessian;
  if (h.track_every_epochs > 0 || h.track_every_steps > 0) {
    const double bucket_mb = spec.comm.bucket_mb;
    trainer.add_hook([h, bucket_mb](TrainContext& c) { return std::make_unique<CurvatureHook>(h, bucket_mb, c); });
  }
}

std::unique_ptr<Trainer> make_job_trainer(const JobSpec& spec, CommunicatorPtr comm, RunMode mode,
                                          TrainerCallbacks callbacks) {
  auto trainer = std::make_unique<Trainer>(trainer_options(spec), std::move(comm), mode, std::move(callbacks));
  add_job_hooks(spec, *trainer);
  return trainer;
}

}  // namespace curvlab
