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
  std::string kind = "train";            // train | hessian (more kinds come with later issues)
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

// [train.batch_schedule]: the global batch size as a function of training progress (docs/large-batch.md).
struct BatchScheduleSpec {
  std::string kind = "constant";           // constant | step | cyclical
  std::string unit = "epochs";             // epochs | steps: what milestones and cycle_length count
  std::vector<double> milestones;          // step: progress at which the batch is multiplied by gamma
  double gamma = 2.0;                      // step: batch multiplier at each milestone
  std::int64_t min_batch_size = 0;         // cyclical: smallest batch (0 = train.batch_size)
  std::int64_t max_batch_size = 0;         // cyclical: largest batch; step: cap (0 = no cap)
  double cycle_length = 1.0;               // cyclical: length of one cycle in `unit`
  std::string shape = "sawtooth";          // cyclical: sawtooth | triangular | cosine | square
  std::int64_t multiple_of = 1;            // batch sizes are rounded to a multiple of this
  bool couple_lr = false;                  // lr follows the batch via train.lr_scaling
  bool snapshots = true;                   // cyclical: save the model at the end of every cycle
  bool ensemble = true;                    // cyclical: evaluate the snapshot ensemble at every cycle end
};

// [train.lars]: layer-wise adaptive rate scaling (You et al. 2017), train.optimizer = "lars".
struct LarsSpec {
  double trust_coefficient = 0.001;        // eta in local_lr = eta |w| / (|g| + wd |w|)
  double eps = 1e-9;                       // added to the denominator
  bool exclude_bias_and_norm = true;       // 1-D parameters (biases, norm weights): plain SGD, no weight decay
};

struct TrainSpec {
  std::int64_t epochs = 2;                 // used when steps == 0
  std::int64_t steps = 0;                  // > 0 overrides epochs
  std::int64_t batch_size = 128;           // GLOBAL batch size
  bool drop_last = false;
  std::string optimizer = "sgd";           // sgd | kfac (K-FAC-preconditioned SGD, options in [kfac]) | lars
  double lr = 0.1;                         // with lr_scaling: the lr at reference_batch_size
  std::string lr_scaling = "none";         // none | linear | sqrt: lr x (batch / reference) or its square root
  std::int64_t reference_batch_size = 0;   // 0 = train.batch_size
  double momentum = 0.9;
  double dampening = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  LrScheduleSpec lr_schedule;
  BatchScheduleSpec batch_schedule;
  LarsSpec lars;
  std::int64_t micro_batches = 1;          // gradient accumulation: backward passes per step and rank
  bool noise_scale = false;                // measure the gradient noise scale (McCandlish et al. 2018)
  double noise_scale_ema = 0.95;           // EMA decay of the |G|^2 and tr(Sigma) estimates
  std::string target_metric;               // "" | test_accuracy | test_loss | train_loss
  double target_value = 0.0;
  bool stop_at_target = false;             // end the run at the first evaluation meeting the target
  std::int64_t eval_every_steps = 0;       // 0 = at the end of every epoch (or eval_every_epochs)
  double eval_every_epochs = 0.0;          // > 0: every this many epochs of samples (any batch size)
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

// [hessian]: Hessian analysis of a checkpoint (job kind "hessian"), and curvature tracking during
// training (job kind "train", track_every_*). See docs/hessian.md.
struct HessianSpec {
  std::string checkpoint;                  // hessian job: a checkpoint file, or a run directory
  std::string split = "train";             // train | test: where the samples come from
  std::int64_t samples = 1000;             // the first N samples of the split; 0 = the whole split
  std::int64_t batch_size = 64;            // samples per forward/backward on one rank (cache-sized)
  std::string model_mode = "eval";         // eval (batch norm running statistics) | train
  bool cache_graph = true;                 // keep the gradient graph between products
  bool trace = true;                       // Hutchinson trace (total and per layer)
  bool eigenvalues = true;                 // top-k eigenvalues (whole model, and per layer)
  bool density = true;                     // SLQ spectral density
  bool hawq = false;                       // HAWQ-V2 bit allocation ([quant] section)
  bool per_layer = true;                   // per-layer eigenvalues (traces are always per layer)
  std::string trace_parallel = "data";     // data | samples
  double trace_tol = 1e-2;                 // relative standard error at which to stop
  std::int64_t trace_min_samples = 10;
  std::int64_t trace_max_samples = 200;
  std::int64_t top_k = 3;
  std::string eigen_method = "lanczos";    // lanczos | power
  double eigen_tol = 1e-3;
  std::int64_t eigen_max_iter = 100;
  std::int64_t slq_runs = 5;
  std::int64_t slq_steps = 50;
  double slq_sigma = 0.0;                  // 0 = 1% of the spread of the Ritz values
  std::int64_t density_points = 1000;
  bool plots = true;                       // gnuplot PNG + SVG next to the results
  std::int64_t track_every_epochs = 0;     // train jobs: top eigenvalue every N epochs (0 = off)
  std::int64_t track_every_steps = 0;      // train jobs: ... or every N steps (at evaluations)
};

// [quant]: HAWQ-V2 mixed-precision bit allocation (hessian jobs with hessian.hawq = true).
struct QuantSpec {
  std::vector<std::int64_t> bits = {2, 3, 4, 8};  // candidate bit widths
  std::string granularity = "channel";     // channel | group | tensor
  std::int64_t groups = 4;                 // granularity = group: G groups of rows (Q-BERT)
  double percentile = 100.0;               // clip range at this percentile of |w| (100 = max |w|)
  bool fix_first_last = true;              // first and last layer fixed at fixed_bits
  std::int64_t fixed_bits = 8;
  double budget_mb = 0.0;                  // size budget of the quantized weights, MB (10^6 bytes)
  double budget_avg_bits = 4.0;            // used when budget_mb = 0: average bits per weight
  std::int64_t eval_points = 5;            // further frontier points to evaluate
  std::int64_t eval_samples = 0;           // test samples for accuracy (0 = the whole test split)
};

// [cluster]: defaults for `curvlab submit` (Slurm batch scripts); `curvlab run` ignores them.
// Command-line flags of `submit` override each key. See docs/clusters.md.
struct ClusterSpec {
  std::int64_t nodes = 1;
  std::int64_t tasks_per_node = 1;         // ranks per node
  std::int64_t gpus_per_node = 0;          // 0 = no --gpus-per-node line
  std::int64_t cpus_per_task = 0;          // 0 = no --cpus-per-task line (Slurm's default)
  std::string time = "01:00:00";           // Slurm time limit: [D-]HH:MM:SS, MM:SS or minutes
  std::string partition;                   // empty = the cluster's default partition
  std::string account;
  std::string qos;
  std::string mem;                         // --mem per node, e.g. "16G"; empty = Slurm's default
  std::string launcher = "srun";           // srun | mpirun: how the batch script starts the ranks
  std::string srun_mpi = "pmix";           // srun --mpi=<value> (Debian's OpenMPI needs pmix)
  std::vector<std::string> mpirun_args;    // extra mpirun arguments, e.g. ["--bind-to", "core"]
  std::int64_t signal_seconds = 120;       // --signal=B:USR1@N: warning N s before the time limit
  bool requeue = true;                     // on the warning signal: checkpoint and requeue the job
  std::int64_t array_throttle = 0;         // sweeps: at most N array tasks at once (%N); 0 = no limit
  std::vector<std::string> modules;        // `module load` lines
  std::vector<std::string> setup;          // shell lines run before the launcher (source venv, export ...)
  std::vector<std::string> sbatch;         // extra #SBATCH options, e.g. ["--mail-type=END", "--constraint=a100"]
  std::string executable;                  // the curvlab binary the script runs; empty = the submitting one
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

// [sweep]: a job file that is a family of runs (grid x seeded random sample). See docs/sweeps.md.
// The expansion into runs lives in jobs/sweep/sweep_expand.h.
struct SweepSpec {
  bool present = false;                    // the file has a [sweep] section
  std::vector<SweepGridKey> grid;          // sorted by key
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

struct JobSpec {
  JobSection job;
  DataSpec data;
  ModelSpec model;
  TrainSpec train;
  CommSpec comm;
  KfacSpec kfac;
  HessianSpec hessian;
  QuantSpec quant;
  ClusterSpec cluster;
  SweepSpec sweep;

  std::string source_path;                 // the job file ("<string>" when parsed from text)
  std::string source_text;                 // its full text, stored in checkpoints
  std::map<std::string, SourceLocation> locations;  // dotted key -> where it was written

  // Where `dotted_key` was written, or the file itself when it was left at its default.
  SourceLocation where(const std::string& dotted_key) const;
};

}  // namespace curvlab
