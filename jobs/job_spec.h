// What a job file (TOML) is parsed into: the components' own options structs (declared next to each
// component, defaults there) plus the job file's own sections; ranges live in the section readers.
// Only jobs/ includes this header. Not for: parsing (jobs/job_parser.h) or anything that runs.
// No torch, no toml++ in this header.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "algorithms/attack/attack_options.h"
#include "algorithms/flow/lbm_options.h"
#include "algorithms/jacobian/jacobian_options.h"
#include "algorithms/flow/reconstruct_options.h"
#include "algorithms/hessian/hessian_options.h"
#include "algorithms/kfac/kfac_options.h"
#include "algorithms/large_batch/batch_schedule.h"
#include "algorithms/optim/optimizer_options.h"
#include "algorithms/quant/quant_options.h"
#include "algorithms/schedules/lr_schedule.h"
#include "cluster/cluster_options.h"
#include "comm/comm_options.h"
#include "engine/data/data_options.h"
#include "engine/models/model_options.h"

namespace curvlab {

// Where a key was written: used to point error messages at file:line:column.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:column" (or just "file" when the line is unknown)
};

struct JobSection {
  std::string name = "run";
  std::string kind = "train";              // a registered job kind (jobs/job_kinds.h)
  std::string output_dir;                  // required; relative paths are relative to the working dir
  std::uint64_t seed = 0;
};

// [train]: the keys that tie the components of a training run together (the optimizer's, the
// schedules' and the trainer's options, translated by jobs/train/train_options.cpp).
struct TrainSpec {
  std::int64_t epochs = 2;                 // used when steps == 0
  std::int64_t steps = 0;                  // > 0 overrides epochs
  std::int64_t batch_size = 128;           // GLOBAL batch size
  bool drop_last = false;
  std::string task = "classification";     // a name of task_names() (engine/task.h)
  OptimizerKind optimizer = OptimizerKind::kSgd;  // sgd | kfac (K-FAC-preconditioned SGD, options in [kfac]) | lars | adam | adamw
  double lr = 0.1;                         // with lr_scaling: the lr at reference_batch_size
  LrScaling lr_scaling = LrScaling::kNone; // none | linear | sqrt: lr x (batch / reference) or its square root
  std::int64_t reference_batch_size = 0;   // 0 = train.batch_size
  double momentum = 0.9;
  double dampening = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  LrScheduleOptions lr_schedule;
  BatchScheduleOptions batch_schedule;
  LarsOptions lars;
  AdamOptions adam;                        // [train.adam]: adam and adamw
  AdversarialTrainingOptions adversarial;  // [train.adversarial]
  std::int64_t micro_batches = 1;          // gradient accumulation: backward passes per step and rank
  bool noise_scale = false;                // measure the gradient noise scale (McCandlish et al. 2018)
  double noise_scale_ema = 0.95;           // EMA decay of the |G|^2 and tr(Sigma) estimates
  std::string target_metric;               // "" | one of the task's target metrics (test_accuracy | test_loss | train_loss)
  double target_value = 0.0;
  bool stop_at_target = false;             // end the run at the first evaluation meeting the target
  std::int64_t eval_every_steps = 0;       // 0 = at the end of every epoch (or eval_every_epochs)
  double eval_every_epochs = 0.0;          // > 0: every this many epochs of samples (any batch size)
  std::int64_t checkpoint_every_steps = 0; // 0 = at the end of every epoch
  std::int64_t keep_last = 3;
  double log_every_seconds = 10.0;         // without a terminal: one log line every N seconds
  std::int64_t metrics_every_steps = 1;    // step metrics read from the device every N steps
  std::int64_t threads = 0;                // intra-op threads per rank; 0 = cores / local ranks
};

// One key of [sweep.grid]: the values it takes, each kept as its TOML literal ("128", "0.05", "\"kfac\"").
struct SweepGridKey {
  std::string key;                         // a job-file key, dotted: "train.lr"
  std::vector<std::string> values;         // TOML literals, in the order written
  SourceLocation where;
};

// One key of [sweep.random]: a distribution to draw from (seeded by sweep.random.seed).
struct SweepRandomKey {
  std::string key;                         // a job-file key, dotted
  std::string distribution;                // uniform | log_uniform | choice
  double lo = 0.0, hi = 0.0;               // uniform, log_uniform: the bounds
  std::vector<std::string> choices;        // choice: TOML literals
  SourceLocation where;
};

// [sweep]: a job file that is a family of runs (grid x cases x seeded random sample). See docs/sweeps.md.
// The expansion into runs lives in jobs/sweep/sweep_expand.h.
struct SweepSpec {
  bool present = false;                    // the file has a [sweep] section
  std::vector<SweepGridKey> grid;          // sorted by key
  // [[sweep.cases]]: a union of grids, each (keys sorted) crossed with `grid`; empty = `grid` alone.
  std::vector<std::vector<SweepGridKey>> cases;
  std::int64_t random_samples = 0;         // [sweep.random] samples: draws combined with each grid point
  std::uint64_t random_seed = 0;
  std::vector<SweepRandomKey> random;      // sorted by key
  std::string target_metric;               // "" | test_accuracy | test_loss | train_loss
  double target_value = 0.0;
  bool stop_at_target = false;
  std::int64_t budget_steps = 0;           // 0 = the base file's train.steps / train.epochs
  std::int64_t budget_epochs = 0;
  std::string budget_scaling = "none";     // none | linear (steps * reference / batch_size)
  std::int64_t budget_reference_batch = 0;
};

// A whole job file. The sections that belong to one component hold that component's own options
// struct (declared next to it); [job], [train] and [sweep] are the job file's own.
struct JobSpec {
  JobSection job;
  DataOptions data;
  ModelOptions model;
  TrainSpec train;
  CommOptions comm;
  KfacOptions kfac;
  HessianOptions hessian;
  QuantOptions quant;
  AttackStudyOptions attack;
  JacobianStudyOptions jacobian;
  ReconstructStudyOptions reconstruct;     // [reconstruct] (jobs/reconstruct/)
  SimulateOptions simulate;
  ClusterOptions cluster;
  SweepSpec sweep;

  std::string source_path;                 // the job file ("<string>" when parsed from text)
  std::string source_text;                 // its full text, stored in checkpoints
  std::map<std::string, SourceLocation> locations;  // dotted key -> where it was written
  // Every key the parser read, dotted, -> the value the job uses (written or default) as a TOML
  // literal: two jobs with equal maps run the same, whatever their texts (comments, order, --set).
  std::map<std::string, std::string> resolved;

  // Where `dotted_key` was written, or the file itself when it was left at its default.
  SourceLocation where(const std::string& dotted_key) const;
};

// The keys whose resolved values differ between `before` and `now` (present in one only, too), as
// "key: BEFORE -> NOW" ("(unset)" for a missing side), in key order; keys in `ignore` are skipped.
std::vector<std::string> resolved_differences(const JobSpec& before, const JobSpec& now,
                                              const std::vector<std::string>& ignore = {});

}  // namespace curvlab
