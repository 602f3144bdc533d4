// A model rebuilt from a train job's checkpoint: the checkpoint's own job text gives [model] and
// [data] (unless the caller's job sets its own), the weights come from /model/<state_dict key>.
// Used by the hessian job and bench/hessian.cpp. Not for: resuming training (engine/trainer.cpp).
#pragma once

#include <string>

#include "engine/data/dataset.h"
#include "engine/models/model.h"
#include "jobs/job_spec.h"

namespace curvlab {

struct CheckpointModel {
  std::string path;    // the checkpoint file used
  JobSpec trained;     // the job that wrote it
  ModelOptions model_spec;
  DataOptions data_spec;
  DataSplits data;
  Net model;
};

// `checkpoint`: a file, or a run directory (its newest valid checkpoint, in checkpoints/ or in the
// directory itself). ConfigError (pointing at `key` of `spec`) when there is none.
std::string resolve_checkpoint(const std::string& checkpoint, const JobSpec& spec, const std::string& key);

// Reads the checkpoint's job text, loads the data and builds the model with the checkpoint's
// weights. `overrides` (may be null): a job whose written [model]/[data] sections replace the
// checkpoint's. IoError for unreadable checkpoints, ConfigError for shape mismatches.
CheckpointModel load_checkpoint_model(const std::string& path, const JobSpec* overrides);

class StateWriter;

// What a study of a checkpoint on pixel-unit images records under info/ (the attack and jacobian
// jobs): the checkpoint, split, sample count, rank count, model spec, the data set's normalisation
// (mean, stdev; none without one) and the pixel box [lo, hi].
void write_study_info(StateWriter& out, const CheckpointModel& loaded, const std::string& checkpoint,
                      const std::string& split, std::int64_t samples, int world_size, double box_lo, double box_hi);

}  // namespace curvlab
