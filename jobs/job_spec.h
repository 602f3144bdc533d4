// Plain option structs that a job file (TOML) is parsed into; defaults live here, ranges in job_parser.
// Not for: parsing (jobs/job_parser.h) or anything that runs. No torch, no toml++ in this header.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

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
  std::string kind = "train";            // train (more kinds come with later issues)
  std::string output_dir;                // required; relative paths are relative to the working dir
  std::uint64_t seed = 0;
};

struct DataSpec {
  std::string dataset = "fashion-mnist";  // fashion-mnist | mnist | cifar10 | synthetic
  std::string root;                        // default per dataset (fashion-mnist: /usr/share/datasets/fashion-mnist)
  bool normalize = true;                   // per-channel mean/std from the training split
  std::int64_t train_subset = 0;           // 0 = whole split; else the first N samples
  std::int64_t test_subset = 0;
  // synthetic: a fixed random teacher network labels Gaussian inputs.
  std::int64_t synthetic_train = 2048;
  std::int64_t synthetic_test = 512;
  std::vector<std::int64_t> synthetic_shape = {1, 8, 8};  // C, H, W
  std::int64_t synthetic_classes = 4;
};

struct ModelSpec {
  std::string name = "convnet";            // mlp | lenet5 | convnet | resnet20 | resnet32 | resnet44 | resnet56 | resnet110
  std::vector<std::int64_t> widths = {256, 128};  // mlp hidden widths
  std::string activation = "relu";         // mlp: relu | tanh | gelu | sigmoid
};

struct LrScheduleSpec {
  std::string kind = "constant";           // constant | step | cosine
  double warmup_epochs = 0.0;              // linear warmup from warmup_start_factor*lr to lr
  double warmup_start_factor = 0.0;
  std::vector<double> milestones;          // step: epochs at which lr *= gamma
  double gamma = 0.1;
  double min_lr = 0.0;                     // cosine: final lr
};

struct TrainSpec {
  std::int64_t epochs = 2;                 // used when steps == 0
  std::int64_t steps = 0;                  // > 0 overrides epochs
  std::int64_t batch_size = 128;           // GLOBAL batch size
  bool drop_last = false;
  std::string optimizer = "sgd";           // sgd | kfac (K-FAC-preconditioned SGD, options in [kfac])
  double lr = 0.1;
  double momentum = 0.9;
  double dampening = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  LrScheduleSpec lr_schedule;
  std::int64_t eval_every_steps = 0;       // 0 = at the end of every epoch
  std::int64_t checkpoint_every_steps = 0; // 0 = at the end of every epoch
  std::int64_t keep_last = 3;
  double log_every_seconds = 10.0;         // without a terminal: one log line every N seconds
  std::int64_t threads = 0;                // intra-op threads per rank; 0 = cores / local ranks
};

struct CommSpec {
  std::string backend = "auto";            // auto | mpi | nccl | local
  double bucket_mb = 25.0;                 // fusion bucket size
  double first_bucket_mb = 1.0;            // small first bucket, so communication starts early
  bool sync_batchnorm = false;
};

// K-FAC preconditioning (train.optimizer = "kfac"); conventions of gpauloski/kfac-pytorch (docs/kfac.md).
struct KfacSpec {
  double damping = 1e-3;                   // Tikhonov damping (eigen: added to dG dA^T; inverse: to G and A)
  double factor_decay = 0.95;              // running average F <- decay F + (1 - decay) F_new
  double kl_clip = 1e-3;                   // 0 disables the KL clip
  std::int64_t factor_update_freq = 1;     // steps between factor updates
  std::int64_t inv_update_freq = 1;        // steps between eigendecompositions / inverses
  std::string method = "eigen";            // eigen | inverse
  std::vector<double> damping_milestones;  // epochs at which damping *= damping_gamma
  double damping_gamma = 0.5;
  std::string factor_dtype = "float32";    // float32 | float64: running factors
  std::string inv_dtype = "float32";       // float32 | float64: decompositions and preconditioning
  std::vector<std::string> skip_layers;    // layer names ("fc2", "layer1.0.conv1") or kinds (linear, conv2d)
  double grad_worker_fraction = 1.0;       // [0, 1]: 1 comm-optimal, 0 (= 1/N) memory-optimal
  double bucket_mb = 25.0;                 // factor allreduce fusion buffers
};

struct JobSpec {
  JobSection job;
  DataSpec data;
  ModelSpec model;
  TrainSpec train;
  CommSpec comm;
  KfacSpec kfac;

  std::string source_path;                 // the job file ("<string>" when parsed from text)
  std::string source_text;                 // its full text, stored in checkpoints
  std::map<std::string, SourceLocation> locations;  // dotted key -> where it was written

  // Where `dotted_key` was written, or the file itself when it was left at its default.
  SourceLocation where(const std::string& dotted_key) const;
};

}  // namespace curvlab
