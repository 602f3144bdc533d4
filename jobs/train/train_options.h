// The train kind's translation of a job into what the engine takes: TrainerOptions from [job],
// [data], [model], [train] and [comm], and the step hooks the job asks for ([kfac] with
// train.optimizer = "kfac", train.noise_scale, snapshot ensembles of cyclical schedules, curvature
// tracking from [hessian] track_every_*). The one place that knows both sides.
#pragma once

#include <memory>

#include "engine/trainer.h"
#include "jobs/job_spec.h"

namespace curvlab {

TrainerOptions trainer_options(const JobSpec& spec);
// Adds the job's hooks to `trainer`, in the order they must run (noise scale before K-FAC: it
// measures the gradients before K-FAC changes them).
void add_job_hooks(const JobSpec& spec, Trainer& trainer);
// Both: the trainer a train job runs (what run_train_job builds; tests and benchmarks use it too).
std::unique_ptr<Trainer> make_job_trainer(const JobSpec& spec, CommunicatorPtr comm, RunMode mode,
                                          TrainerCallbacks callbacks = {});

}  // namespace curvlab
