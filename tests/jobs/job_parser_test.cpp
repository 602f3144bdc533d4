// The job parser (jobs/job_parser.cpp; long: one job file with every key, and a test per section): defaults, every key read into its field,
// recorded locations, the recorded text, the sections in the documented order, allowed values, the shipped examples, docs/job-files.md
// documenting every key and allowed value, and the bad files whose messages come from the parser (TOML syntax, [job] [data] [model] [comm]).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/error.h"
#include "jobs/bad_job_cases.h"
#include "jobs/job_parser.h"
#include <string>
#include <vector>

namespace curvlab {
namespace {

const std::string kMinimal = "[job]\noutput_dir = \"out\"\n";

// Sets every key to a value other than its default; line numbers are asserted below.
const std::string kEveryKey = R"([job]
name = "every-key"
kind = "train"
output_dir = "runs/every"
seed = 42
[data]
dataset = "synthetic"
root = "/data/x"
normalize = false
train_subset = 100
test_subset = 50
synthetic_train = 300
synthetic_test = 60
synthetic_shape = [3, 4, 5]
synthetic_classes = 7
[model]
name = "mlp"
widths = [32, 16, 8]
activation = "jumprelu"
kappa = 0.75
batch_norm = "feature"
[train]
epochs = 0
steps = 500
batch_size = 32
drop_last = true
optimizer = "sgd"
lr = 0.25
momentum = 0.5
dampening = 0.0
nesterov = true
weight_decay = 1e-3
eval_every_steps = 50
checkpoint_every_steps = 100
keep_last = 5
log_every_seconds = 2.5
threads = 3
lr_scaling = "none"
reference_batch_size = 64
micro_batches = 2
noise_scale = true
noise_scale_ema = 0.9
target_metric = "test_accuracy"
target_value = 0.9
stop_at_target = true
eval_every_epochs = 0
task = "classification"
metrics_every_steps = 4
[train.lr_schedule]
kind = "step"
warmup_epochs = 0.5
warmup_start_factor = 0.25
milestones = [1, 2.5, 4]
gamma = 0.5
min_lr = 0.001
step_every = 0
weight_decay_gamma = 0.8
[train.batch_schedule]
kind = "step"
unit = "steps"
milestones = [100, 200]
gamma = 2
min_batch_size = 16
max_batch_size = 128
cycle_length = 50
shape = "cosine"
multiple_of = 8
couple_lr = false
snapshots = true
ensemble = true
[train.lars]
trust_coefficient = 0.002
eps = 1e-8
exclude_bias_and_norm = false
[train.adam]
beta1 = 0.8
beta2 = 0.99
eps = 1e-7
amsgrad = true
[comm]
backend = "local"
bucket_mb = 4.0
first_bucket_mb = 0.5
sync_batchnorm = true
[kfac]
damping = 0.002
factor_decay = 0.9
kl_clip = 0.01
factor_update_freq = 10
inv_update_freq = 100
method = "inverse"
damping_milestones = [2, 4]
damping_gamma = 0.1
factor_dtype = "float64"
inv_dtype = "float64"
skip_layers = ["fc2", "conv2d"]
grad_worker_fraction = 0.5
bucket_mb = 8
[hessian]
checkpoint = "runs/x"
split = "test"
samples = 100
batch_size = 50
model_mode = "eval"
cache_graph = false
trace = true
eigenvalues = true
density = false
hawq = true
per_layer = true
trace_parallel = "samples"
trace_tol = 0.01
trace_min_samples = 4
trace_max_samples = 64
top_k = 2
eigen_method = "power"
eigen_tol = 1e-4
eigen_max_iter = 50
slq_runs = 2
slq_steps = 20
slq_sigma = 0.01
density_points = 100
plots = false
track_every_epochs = 1
track_every_steps = 0
[quant]
bits = [2, 4, 8]
granularity = "group"
groups = 4
percentile = 99.9
fix_first_last = true
fixed_bits = 8
budget_mb = 1.5
budget_avg_bits = 4
eval_points = 5
eval_samples = 100
[cluster]
nodes = 2
tasks_per_node = 4
gpus_per_node = 4
cpus_per_task = 8
time = "04:00:00"
partition = "gpu"
account = "proj"
qos = "normal"
mem = "64G"
launcher = "mpirun"
srun_mpi = "pmix"
mpirun_args = ["--bind-to", "none"]
signal_seconds = 90
requeue = false
array_throttle = 3
modules = ["cuda"]
setup = ["export A=1"]
sbatch = ["--exclusive"]
executable = "/opt/curvlab"
[train.adversarial]
method = "pgd"
norm = "l2"
eps = 0.5
steps = 5
step_ratio = 2.0
fraction = 0.25
[attack]
checkpoint = "runs/x"
split = "train"
samples = 10
batch_size = 5
methods = ["tr"]
norm = "linf"
eps_l2 = [1.0]
eps_linf = [0.1]
top_c = 3
target = "hardest"
kappas = [0.5]
gray_box = false
save_examples = 1
plots = false
[attack.ifgsm]
step_l2 = 0.1
step_linf = 0.01
max_iter = 9
[attack.pgd]
steps = 3
step_ratio = 2.0
random_start = false
[attack.deepfool]
max_iter = 4
overshoot = 0.03
[attack.cw]
binary_steps = 2
max_iter = 10
lr = 0.02
initial_const = 0.01
confidence = 0.5
abort_early = false
[attack.tr]
max_iter = 20
overshoot = 1.05
margin = 0.0002
radius = 0.002
radius_min = 0.001
radius_max = 0.02
grow = 1.3
rho_grow = 0.8
rho_shrink = 0.4
[jacobian]
checkpoint = "runs/r"
split = "train"
samples = 8
batch_size = 4
maps = ["features"]
lanczos = true
top_k = 3
bottom_k = 2
lanczos_max_iter = 40
lanczos_tol = 1e-5
dense = "never"
dense_max_dim = 99
taus = [0.2]
alphas = [0.5]
betas = [2.0]
plots = false
[jacobian.perturbation]
enabled = true
sizes = [0.3]
directions = ["deepfool"]
projection_k = 2
[jacobian.tr]
max_iter = 30
overshoot = 1.1
top_c = 3
[jacobian.deepfool]
max_iter = 7
overshoot = 0.04
top_c = 5
[simulate]
nx = 120
ny = 40
diameter = 8
center_x = 30
center_y = 20.5
u = 0.05
re = 60
outlet = "convective"
walls = "periodic"
perturbation = 0.02
warmup_steps = 10
snapshots = 3
snapshot_every = 2
lift_every = 2
plots = false
[simulate.window]
x0 = 30
x1 = 110
y0 = 5
y1 = 35
[simulate.sweep]
re = [60, 80]
scale = [1, 2]
[data.flow]
file = "runs/w/flow.h5"
field = "ux"
units = "lattice"
train_snapshots = 40
test_snapshots = 20
sensors = 6
placement = "random"
sensor_seed = 3
wall_distance = 0.7
[reconstruct]
sensor_counts = [2, 4]
methods = ["pod"]
pod_plus_ridge = 0.001
pod_plus_modes = 5
plot_snapshot = 2
plot_sensors = 4
plots = false
[sweep]
target_metric = "test_loss"
target_value = 0.5
stop_at_target = true
budget_steps = 100
budget_epochs = 0
budget_scaling = "linear"
budget_reference_batch = 32
[sweep.grid]
"train.lr" = [0.1, 0.2]
[sweep.random]
samples = 2
seed = 4
"train.momentum" = { uniform = [0.5, 0.9] }
[[sweep.cases]]
"kfac.damping" = [0.01]
)";

TEST(JobParser, MinimalFileKeepsEveryDefault) {
  const JobSpec spec = parse_job_text(kMinimal, "job.toml");
  const JobSpec d;  // the defaults of jobs/job_spec.h
  EXPECT_EQ(spec.job.output_dir, "out");
  EXPECT_EQ(spec.job.name, d.job.name);
  EXPECT_EQ(spec.job.kind, d.job.kind);
  EXPECT_EQ(spec.job.seed, d.job.seed);
  EXPECT_EQ(spec.data.dataset, d.data.dataset);
  EXPECT_EQ(spec.data.root, d.data.root);
  EXPECT_EQ(spec.data.normalize, d.data.normalize);
  EXPECT_EQ(spec.data.train_subset, d.data.train_subset);
  EXPECT_EQ(spec.data.test_subset, d.data.test_subset);
  EXPECT_EQ(spec.data.synthetic_train, d.data.synthetic_train);
  EXPECT_EQ(spec.data.synthetic_test, d.data.synthetic_test);
  EXPECT_EQ(spec.data.synthetic_shape, d.data.synthetic_shape);
  EXPECT_EQ(spec.data.synthetic_classes, d.data.synthetic_classes);
  EXPECT_EQ(spec.model.name, d.model.name);
  EXPECT_EQ(spec.model.widths, d.model.widths);
  EXPECT_EQ(spec.model.activation, d.model.activation);
  EXPECT_EQ(spec.train.epochs, d.train.epochs);
  EXPECT_EQ(spec.train.steps, d.train.steps);
  EXPECT_EQ(spec.train.batch_size, d.train.batch_size);
  EXPECT_EQ(spec.train.drop_last, d.train.drop_last);
  EXPECT_EQ(spec.train.optimizer, d.train.optimizer);
  EXPECT_EQ(spec.train.lr, d.train.lr);
  EXPECT_EQ(spec.train.momentum, d.train.momentum);
  EXPECT_EQ(spec.train.dampening, d.train.dampening);
  EXPECT_EQ(spec.train.nesterov, d.train.nesterov);
  EXPECT_EQ(spec.train.weight_decay, d.train.weight_decay);
  EXPECT_EQ(spec.train.lr_schedule.kind, d.train.lr_schedule.kind);
  EXPECT_EQ(spec.train.lr_schedule.warmup_epochs, d.train.lr_schedule.warmup_epochs);
  EXPECT_EQ(spec.train.lr_schedule.warmup_start_factor, d.train.lr_schedule.warmup_start_factor);
  EXPECT_EQ(spec.train.lr_schedule.milestones, d.train.lr_schedule.milestones);
  EXPECT_EQ(spec.train.lr_schedule.gamma, d.train.lr_schedule.gamma);
  EXPECT_EQ(spec.train.lr_schedule.min_lr, d.train.lr_schedule.min_lr);
  EXPECT_EQ(spec.train.eval_every_steps, d.train.eval_every_steps);
  EXPECT_EQ(spec.train.checkpoint_every_steps, d.train.checkpoint_every_steps);
  EXPECT_EQ(spec.train.keep_last, d.train.keep_last);
  EXPECT_EQ(spec.train.log_every_seconds, d.train.log_every_seconds);
  EXPECT_EQ(spec.train.threads, d.train.threads);
  EXPECT_EQ(spec.comm.backend, d.comm.backend);
  EXPECT_EQ(spec.comm.bucket_mb, d.comm.bucket_mb);
  EXPECT_EQ(spec.comm.first_bucket_mb, d.comm.first_bucket_mb);
  EXPECT_EQ(spec.comm.sync_batchnorm, d.comm.sync_batchnorm);
}

TEST(JobParser, SourceTextPathAndDefaultLocation) {
  const JobSpec spec = parse_job_text(kMinimal, "my/job.toml");
  EXPECT_EQ(spec.source_path, "my/job.toml");
  EXPECT_EQ(spec.source_text, kMinimal);
  EXPECT_EQ(spec.where("job.output_dir").str(), "my/job.toml:2:14");
  EXPECT_EQ(spec.where("train.lr").str(), "my/job.toml");  // default: the file itself
}

TEST(JobParser, EveryKeyIsReadIntoItsField) {
  const JobSpec s = parse_job_text(kEveryKey, "every.toml");
  EXPECT_EQ(s.job.name, "every-key");
  EXPECT_EQ(s.job.kind, "train");
  EXPECT_EQ(s.job.output_dir, "runs/every");
  EXPECT_EQ(s.job.seed, 42u);
  EXPECT_EQ(s.data.dataset, "synthetic");
  EXPECT_EQ(s.data.root, "/data/x");
  EXPECT_FALSE(s.data.normalize);
  EXPECT_EQ(s.data.train_subset, 100);
  EXPECT_EQ(s.data.test_subset, 50);
  EXPECT_EQ(s.data.synthetic_train, 300);
  EXPECT_EQ(s.data.synthetic_test, 60);
  EXPECT_EQ(s.data.synthetic_shape, (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(s.data.synthetic_classes, 7);
  EXPECT_EQ(s.model.name, "mlp");
  EXPECT_EQ(s.model.widths, (std::vector<std::int64_t>{32, 16, 8}));
  EXPECT_EQ(activation_names().name(s.model.activation), "jumprelu");
  EXPECT_EQ(s.model.kappa, 0.75);
  EXPECT_EQ(s.train.epochs, 0);
  EXPECT_EQ(s.train.steps, 500);
  EXPECT_EQ(s.train.batch_size, 32);
  EXPECT_TRUE(s.train.drop_last);
  EXPECT_EQ(optimizer_names().name(s.train.optimizer), "sgd");
  EXPECT_DOUBLE_EQ(s.train.lr, 0.25);
  EXPECT_DOUBLE_EQ(s.train.momentum, 0.5);
  EXPECT_DOUBLE_EQ(s.train.dampening, 0.0);
  EXPECT_TRUE(s.train.nesterov);
  EXPECT_DOUBLE_EQ(s.train.weight_decay, 1e-3);
  EXPECT_EQ(s.train.eval_every_steps, 50);
  EXPECT_EQ(s.train.checkpoint_every_steps, 100);
  EXPECT_EQ(s.train.keep_last, 5);
  EXPECT_DOUBLE_EQ(s.train.log_every_seconds, 2.5);
  EXPECT_EQ(s.train.threads, 3);
  EXPECT_EQ(lr_schedule_names().name(s.train.lr_schedule.kind), "step");
  EXPECT_DOUBLE_EQ(s.train.lr_schedule.warmup_epochs, 0.5);
  EXPECT_DOUBLE_EQ(s.train.lr_schedule.warmup_start_factor, 0.25);
  EXPECT_EQ(s.train.lr_schedule.milestones, (std::vector<double>{1.0, 2.5, 4.0}));
  EXPECT_DOUBLE_EQ(s.train.lr_schedule.gamma, 0.5);
  EXPECT_DOUBLE_EQ(s.train.lr_schedule.min_lr, 0.001);
  EXPECT_EQ(s.train.reference_batch_size, 64);
  EXPECT_EQ(s.train.micro_batches, 2);
  EXPECT_TRUE(s.train.noise_scale);
  EXPECT_DOUBLE_EQ(s.train.noise_scale_ema, 0.9);
  EXPECT_EQ(s.train.target_metric, "test_accuracy");
  EXPECT_DOUBLE_EQ(s.train.target_value, 0.9);
  EXPECT_TRUE(s.train.stop_at_target);
  EXPECT_EQ(batch_schedule_names().name(s.train.batch_schedule.kind), "step");
  EXPECT_EQ(schedule_unit_names().name(s.train.batch_schedule.unit), "steps");
  EXPECT_EQ(s.train.batch_schedule.milestones, (std::vector<double>{100, 200}));
  EXPECT_EQ(s.train.batch_schedule.max_batch_size, 128);
  EXPECT_EQ(cycle_shape_names().name(s.train.batch_schedule.shape), "cosine");
  EXPECT_EQ(s.train.batch_schedule.multiple_of, 8);
  EXPECT_DOUBLE_EQ(s.train.lars.trust_coefficient, 0.002);
  EXPECT_FALSE(s.train.lars.exclude_bias_and_norm);
  EXPECT_DOUBLE_EQ(s.train.lr_schedule.step_every, 0.0);
  EXPECT_DOUBLE_EQ(s.train.lr_schedule.weight_decay_gamma, 0.8);
  EXPECT_DOUBLE_EQ(s.train.adam.beta1, 0.8);
  EXPECT_DOUBLE_EQ(s.train.adam.beta2, 0.99);
  EXPECT_DOUBLE_EQ(s.train.adam.eps, 1e-7);
  EXPECT_TRUE(s.train.adam.amsgrad);
  EXPECT_EQ(backend_names().name(s.comm.backend), "local");
  EXPECT_DOUBLE_EQ(s.comm.bucket_mb, 4.0);
  EXPECT_DOUBLE_EQ(s.comm.first_bucket_mb, 0.5);
  EXPECT_TRUE(s.comm.sync_batchnorm);
  EXPECT_DOUBLE_EQ(s.kfac.damping, 0.002);
  EXPECT_DOUBLE_EQ(s.kfac.factor_decay, 0.9);
  EXPECT_DOUBLE_EQ(s.kfac.kl_clip, 0.01);
  EXPECT_EQ(s.kfac.factor_update_freq, 10);
  EXPECT_EQ(s.kfac.inv_update_freq, 100);
  EXPECT_EQ(kfac_method_names().name(s.kfac.method), "inverse");
  EXPECT_EQ(s.kfac.damping_milestones, (std::vector<double>{2, 4}));
  EXPECT_DOUBLE_EQ(s.kfac.damping_gamma, 0.1);
  EXPECT_EQ(kfac_dtype_names().name(s.kfac.factor_dtype), "float64");
  EXPECT_EQ(kfac_dtype_names().name(s.kfac.inv_dtype), "float64");
  EXPECT_EQ(s.kfac.skip_layers, (std::vector<std::string>{"fc2", "conv2d"}));
  EXPECT_DOUBLE_EQ(s.kfac.grad_worker_fraction, 0.5);
  EXPECT_DOUBLE_EQ(s.kfac.bucket_mb, 8.0);
  EXPECT_EQ(s.model.batch_norm, DecoderNorm::kFeature);
  EXPECT_EQ(s.data.flow.file, "runs/w/flow.h5");
  EXPECT_EQ(s.data.flow.field, "ux");
  EXPECT_EQ(s.data.flow.units, "lattice");
  EXPECT_EQ(s.data.flow.sensors.count, 6);
  EXPECT_EQ(s.data.flow.sensors.placement, SensorPlacement::kRandom);
  EXPECT_EQ(s.reconstruct.sensor_counts, (std::vector<std::int64_t>{2, 4}));
  EXPECT_EQ(s.reconstruct.pod_plus_modes, 5);
}

TEST(JobParser, LocationsRecordedForEveryKeyWritten) {
  const JobSpec s = parse_job_text(kEveryKey, "every.toml");
  // Every key the parser knows is written in kEveryKey, so each must have a location...
  for (const auto& key : job_file_keys()) {
    EXPECT_EQ(s.locations.count(key), 1u) << key << " has no recorded location";
  }
  // ...on the line where it is written, at the column where its value starts.
  EXPECT_EQ(s.where("job.name").str(), "every.toml:2:8");
  EXPECT_EQ(s.where("job.seed").str(), "every.toml:5:8");
  EXPECT_EQ(s.where("data.synthetic_shape").str(), "every.toml:14:19");
  EXPECT_EQ(s.where("model.kappa").str(), "every.toml:20:9");
  EXPECT_EQ(s.where("train.batch_size").str(), "every.toml:25:14");
  EXPECT_EQ(s.where("train.lr").str(), "every.toml:28:6");
  EXPECT_EQ(s.where("train.lr_schedule.kind").str(), "every.toml:50:8");
  EXPECT_EQ(s.where("train.batch_schedule.shape").str(), "every.toml:66:9");
  EXPECT_EQ(s.where("train.adam.amsgrad").str(), "every.toml:79:11");
  EXPECT_EQ(s.where("comm.sync_batchnorm").str(), "every.toml:84:18");
}

TEST(JobParser, JobFileKeysListsSectionsAndKeysInOrder) {
  const std::vector<std::string> keys = job_file_keys();
  ASSERT_GE(keys.size(), 45u);
  EXPECT_EQ(keys.front(), "job");
  EXPECT_EQ(keys[1], "job.name");
  const auto pos = [&](const std::string& k) { return std::find(keys.begin(), keys.end(), k) - keys.begin(); };
  EXPECT_LT(pos("train"), pos("train.lr_schedule"));
  EXPECT_LT(pos("train.lr_schedule"), pos("train.lr_schedule.kind"));
  EXPECT_LT(pos("train.lr_schedule.min_lr"), pos("comm"));
  EXPECT_LT(pos("comm.sync_batchnorm"), pos("kfac"));
  EXPECT_LT(pos("kfac.bucket_mb"), pos("hessian"));
  EXPECT_LT(pos("quant.eval_samples"), pos("cluster"));
  EXPECT_LT(pos("cluster.executable"), pos("sweep"));
  EXPECT_EQ(keys.back(), "sweep.budget_reference_batch");
}

TEST(JobParser, IntegersAreAcceptedWhereNumbersAreExpected) {
  const JobSpec s = parse_job_text(kMinimal + "[train]\nlr = 1\n[comm]\nbucket_mb = 8\n", "j.toml");
  EXPECT_DOUBLE_EQ(s.train.lr, 1.0);
  EXPECT_DOUBLE_EQ(s.comm.bucket_mb, 8.0);
}

TEST(JobParser, DottedKeysAndInlineTablesWork) {
  const JobSpec s = parse_job_text(
      "job.output_dir = \"o\"\ntrain.lr = 0.3\ntrain.lr_schedule = { kind = \"cosine\", min_lr = 0.01 }\n",
      "j.toml");
  EXPECT_DOUBLE_EQ(s.train.lr, 0.3);
  EXPECT_EQ(lr_schedule_names().name(s.train.lr_schedule.kind), "cosine");
  EXPECT_DOUBLE_EQ(s.train.lr_schedule.min_lr, 0.01);
}

TEST(JobParser, WithoutOverridesTheFileIsRecordedAsWritten) {
  const std::string text = kMinimal + "# a comment\n[train]\nlr = 0.1\n";
  EXPECT_EQ(parse_job_text(text, "job.toml").source_text, text);
}

TEST(JobParser, ExamplesAllParse) {
  const std::filesystem::path dir = std::filesystem::path(CURVLAB_SOURCE_DIR) / "examples";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++count;
    try {
      const JobSpec s = load_job_file(entry.path().string());
      EXPECT_FALSE(s.job.output_dir.empty()) << entry.path();
    } catch (const Error& e) {
      ADD_FAILURE() << entry.path() << ": " << e.what();
    }
  }
  EXPECT_GE(count, 4);
}

// The README's main job (scripts/main.sh): SGD vs K-FAC over >= 4 batch sizes on Fashion-MNIST,
// each with a grid of what sets its step (SGD: the learning rate; K-FAC: the KL clip; issue 13),
// with a target (issue 6).
TEST(JobParser, ScalingStudyIsTheMainJob) {
  const JobSpec s = load_job_file(CURVLAB_SOURCE_DIR "/examples/scaling_study.toml");
  ASSERT_TRUE(s.sweep.present);
  EXPECT_EQ(s.data.dataset, "fashion-mnist");
  EXPECT_EQ(s.sweep.target_metric, "test_accuracy");
  // optimizer -> key -> values, over the cases (the first case of each optimizer).
  std::map<std::string, std::map<std::string, std::vector<std::string>>> cases;
  for (const auto& c : s.sweep.cases) {
    std::map<std::string, std::vector<std::string>> keys;
    for (const auto& k : c) keys[k.key] = k.values;
    ASSERT_EQ(keys["train.optimizer"].size(), 1u);
    cases.emplace(keys["train.optimizer"][0], keys);
  }
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_GE(cases["\"sgd\""]["train.batch_size"].size(), 4u);
  EXPECT_GE(cases["\"sgd\""]["train.lr"].size(), 3u);
  EXPECT_EQ(cases["\"kfac\""]["train.batch_size"], cases["\"sgd\""]["train.batch_size"]);
  EXPECT_GE(cases["\"kfac\""]["kfac.kl_clip"].size(), 3u);
  EXPECT_TRUE(s.train.noise_scale);
  std::ifstream main_sh(CURVLAB_SOURCE_DIR "/scripts/main.sh");
  std::stringstream text;
  text << main_sh.rdbuf();
  EXPECT_NE(text.str().find("examples/scaling_study.toml"), std::string::npos);
  EXPECT_NE(text.str().find("curvlab report runs/scaling"), std::string::npos);
}

// examples/default.toml: the single-run example (a 2-epoch ConvNet), also run by examples.default_fashion_mnist.
TEST(JobParser, DefaultExampleIsTheConvNetRun) {
  const JobSpec s = load_job_file(CURVLAB_SOURCE_DIR "/examples/default.toml");
  EXPECT_EQ(s.job.kind, "train");
  EXPECT_EQ(s.job.output_dir, "runs/default");
  EXPECT_EQ(s.data.dataset, "fashion-mnist");
  EXPECT_EQ(s.model.name, "convnet");
  EXPECT_EQ(optimizer_names().name(s.train.optimizer), "sgd");
  EXPECT_EQ(lr_schedule_names().name(s.train.lr_schedule.kind), "cosine");
  EXPECT_GT(s.train.lr_schedule.warmup_epochs, 0.0);
}

TEST(JobFileDocs, EveryKeyAndAllowedValueIsDocumented) {
  std::ifstream in(CURVLAB_SOURCE_DIR "/docs/job-files.md");
  ASSERT_TRUE(in) << "docs/job-files.md is missing";
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string doc = buffer.str();
  for (const auto& key : job_file_keys()) {
    // Sections appear as headings "`[job]`", keys in their section's table as "`job.name`", and
    // sub-tables either way ("`[train.adversarial]`" or "`train.lr_schedule`").
    const std::string heading = "`[" + key + "]`";
    const std::string written = key.find('.') == std::string::npos ? heading : "`" + key + "`";
    EXPECT_TRUE(doc.find(written) != std::string::npos || doc.find(heading) != std::string::npos)
        << written << " is not in docs/job-files.md";
    for (const auto& value : allowed_values(key)) {
      EXPECT_NE(doc.find("`" + value + "`"), std::string::npos)
          << key << " value " << value << " is not in docs/job-files.md";
    }
  }
}

}  // namespace

namespace bad_job {

const std::vector<BadCase>& parser_cases() {
  static const std::vector<BadCase> cases = {
      {"SyntaxDoubleEquals", kJob + "[train]\nlr = = 0.1\n", {},
       {"job.toml:4:", "TOML syntax error"}},
      {"SyntaxDuplicateKey", kJob + "[train]\nlr = 0.1\nlr = 0.2\n", {},
       {"job.toml:5:", "TOML syntax error", "lr"}},
      {"SyntaxUnterminatedString", kJob + "[data]\nroot = \"/tmp\n", {},
       {"job.toml:4:", "TOML syntax error"}},
      {"BucketZero", kJob + "[comm]\nbucket_mb = 0\n", {},
       {"job.toml:4:13: comm.bucket_mb must be > 0 (got 0)"}},
      {"FirstBucketNegative", kJob + "[comm]\nfirst_bucket_mb = -1\n", {},
       {"comm.first_bucket_mb must be > 0 (got -1)"}},
      {"SeedNegative", "[job]\noutput_dir = \"out\"\nseed = -5\n", {},
       {"job.toml:3:8: job.seed must be >= 0 (got -5)"}},
      {"ShapeTwoElements", kJob + "[data]\nsynthetic_shape = [1, 8]\n", {},
       {"job.toml:4:19: data.synthetic_shape must be an array of 3 integers (got 2 elements)"}},
      {"ShapeZeroElement", kJob + "[data]\nsynthetic_shape = [1, 0, 8]\n", {},
       {"job.toml:4:23: data.synthetic_shape[1] must be >= 1 (got 0)"}},
      {"SyntheticClassesOne", kJob + "[data]\nsynthetic_classes = 1\n", {},
       {"data.synthetic_classes must be >= 2 (got 1)"}},
      {"TrainSubsetNegative", kJob + "[data]\ntrain_subset = -10\n", {},
       {"job.toml:4:16: data.train_subset must be >= 0 (got -10)"}},
      {"WidthNegative", kJob + "[model]\nwidths = [64, -1]\n", {},
       {"job.toml:4:15: model.widths[1] must be >= 1 (got -1)"}},
      {"ResNetWidthsNotDoubling", kJob + "[model]\nname = \"resnet20\"\nwidths = [4, 8, 15]\n", {},
       {"model.widths of resnet20: the stage widths must be w, 2w, 4w with w even", "got [4, 8, 15]"}},
      {"ResNetWidthsTwo", kJob + "[model]\nname = \"resnet32\"\nwidths = [4, 8]\n", {},
       {"model.widths of resnet32: a ResNet takes 3 stage widths"}},
      {"OutputDirMissing", "[job]\nname = \"x\"\n", {},
       {"job.toml:1:1: job.output_dir is required", "--set job.output_dir="}},
      {"OutputDirMissingNoJobSection", "[train]\nlr = 0.1\n", {},
       {"job.toml: job.output_dir is required"}},
      {"OutputDirEmpty", "[job]\noutput_dir = \"\"\n", {},
       {"job.toml:2:14: job.output_dir must not be empty"}},
      {"JobNameWithSpace", "[job]\nname = \"my run\"\noutput_dir = \"o\"\n", {},
       {"job.toml:2:8: job.name may hold only letters, digits, '-', '_' and '.' (got \"my run\")"}},
      {"DatasetNearMiss", kJob + "[data]\ndataset = \"fashion_mnist\"\n", {},
       {"job.toml:4:11: data.dataset must be one of fashion-mnist, mnist, cifar10, synthetic, "
        "flow (got \"fashion_mnist\"); did you mean \"fashion-mnist\"?"}},
      {"DatasetFarOff", kJob + "[data]\ndataset = \"imagenet\"\n", {},
       {"data.dataset must be one of fashion-mnist, mnist, cifar10, synthetic, flow (got \"imagenet\")"}},
      {"ModelNearMiss", kJob + "[model]\nname = \"resnet21\"\n", {},
       {"job.toml:4:8: model.name must be one of mlp, lenet5, lenet_like, convnet, resnet20, resnet32, "
        "resnet44, resnet56, resnet110, shallow_decoder (got \"resnet21\"); did you mean \"resnet20\"?"}},
      {"ActivationNearMiss", kJob + "[model]\nactivation = \"tanhh\"\n", {},
       {"model.activation must be one of relu, tanh, gelu, sigmoid, jumprelu (got \"tanhh\"); did you mean "
        "\"tanh\"?"}},
      {"JumpReluNearMiss", kJob + "[model]\nactivation = \"jumprelu_\"\n", {},
       {"model.activation must be one of relu, tanh, gelu, sigmoid, jumprelu (got \"jumprelu_\"); did you "
        "mean \"jumprelu\"?"}},
      {"KappaNegative", kJob + "[model]\nactivation = \"jumprelu\"\nkappa = -0.5\n", {},
       {"job.toml:5:9: model.kappa must be >= 0 (got -0.5)"}},
      {"KappaWithoutJumpRelu", kJob + "[model]\nname = \"lenet_like\"\nkappa = 0.5\n", {},
       {"job.toml:5:9: model.kappa is JumpReLU's threshold, but model.activation is \"relu\": set "
        "activation = \"jumprelu\" under [model], or remove kappa"}},
      {"JobKindNearMiss", "[job]\nkind = \"trian\"\noutput_dir = \"o\"\n", {},
       {"job.toml:2:8: job.kind must be one of train, hessian, attack, jacobian, simulate, reconstruct (got \"trian\"); did you mean \"train\"?"}},
      {"BackendNearMiss", kJob + "[comm]\nbackend = \"ncl\"\n", {},
       {"job.toml:4:11: comm.backend must be one of auto, mpi, nccl, local (got \"ncl\"); "
        "did you mean \"nccl\"?"}},
      {"BackendFarOff", kJob + "[comm]\nbackend = \"gloo\"\n", {},
       {"comm.backend must be one of auto, mpi, nccl, local (got \"gloo\")"}},
  };
  return cases;
}

}  // namespace bad_job

namespace {

CURVLAB_BAD_JOB_SUITE(JobParserBadFile, bad_job::parser_cases);

using bad_job::kJob;

TEST(JobParserBadFile, ThereAreAtLeastThirtyCases) {
  EXPECT_GE(bad_job::parser_cases().size() + bad_job::section_reader_cases().size() +
                bad_job::train_section_cases().size() + bad_job::override_cases().size(),
            30u);
}

TEST(LoadJobFile, MissingFileIsAConfigErrorNamingThePath) {
  try {
    load_job_file("/nonexistent/dir/job.toml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read job file '/nonexistent/dir/job.toml'"),
              std::string::npos)
        << e.what();
  }
}

TEST(LoadJobFile, DirectoryIsAConfigError) {
  try {
    load_job_file(CURVLAB_SOURCE_DIR "/examples");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(JobParser, AllowedValuesComeFromTheRegistries) {
  EXPECT_EQ(allowed_values("job.kind"), (std::vector<std::string>{"train", "hessian", "attack", "jacobian", "simulate", "reconstruct"}));
  EXPECT_EQ(allowed_values("data.dataset"),
            (std::vector<std::string>{"fashion-mnist", "mnist", "cifar10", "synthetic", "flow"}));
  EXPECT_EQ(allowed_values("model.name").front(), "mlp");
  EXPECT_EQ(allowed_values("train.task"), (std::vector<std::string>{"classification", "regression"}));
  EXPECT_EQ(allowed_values("comm.backend"), (std::vector<std::string>{"auto", "mpi", "nccl", "local"}));
  EXPECT_TRUE(allowed_values("train.lr").empty());
  EXPECT_TRUE(allowed_values("no.such.key").empty());
}

// The sections are read in the documented order (job, data, model, train, comm, kfac, hessian,
// quant, attack, jacobian, simulate, reconstruct, then cluster and sweep), whatever order the kinds registered them in.
TEST(JobParser, SectionsInTheDocumentedOrder) {
  std::vector<std::string> sections;
  for (const auto& k : job_file_keys()) {
    if (k.find('.') == std::string::npos) sections.push_back(k);
  }
  EXPECT_EQ(sections, (std::vector<std::string>{"job", "data", "model", "train", "comm", "kfac", "hessian", "quant",
                                                "attack", "jacobian", "simulate", "reconstruct", "cluster",
                                                "sweep"}));
}

TEST(JobParser, EmptyFileNeedsOnlyTheOutputDirectory) {
  const JobSpec s = parse_job_text("", "empty.toml", {"job.output_dir=o"});
  EXPECT_EQ(s.job.output_dir, "o");
  EXPECT_EQ(s.job.kind, "train");
}

// ---- moved from tests/cluster/cluster_spec_test.cpp ----

const std::string kClusterJob = "[job]\noutput_dir = \"out\"\n";

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_job_text(text, "job.toml", overrides);
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.exit_code(), 2);
    return e.what();
  }
  return "<parsed without error>";
}

TEST(ClusterOptions, DefaultsWhenAbsent) {
  const JobSpec spec = parse_job_text(kClusterJob, "job.toml");
  EXPECT_EQ(spec.cluster.nodes, 1);
  EXPECT_EQ(spec.cluster.tasks_per_node, 1);
  EXPECT_EQ(spec.cluster.gpus_per_node, 0);
  EXPECT_EQ(spec.cluster.time, "01:00:00");
  EXPECT_EQ(launcher_names().name(spec.cluster.launcher), "srun");
  EXPECT_EQ(spec.cluster.srun_mpi, "pmix");
  EXPECT_EQ(spec.cluster.signal_seconds, 120);
  EXPECT_TRUE(spec.cluster.requeue);
  EXPECT_TRUE(spec.cluster.sbatch.empty());
}

TEST(ClusterOptions, FullSection) {
  const JobSpec spec = parse_job_text(kClusterJob +
                                          "[cluster]\nnodes = 4\ntasks_per_node = 8\ngpus_per_node = 8\n"
                                          "cpus_per_task = 6\ntime = \"2-00:00:00\"\npartition = \"gpu\"\n"
                                          "account = \"proj-42\"\nqos = \"high\"\nmem = \"480G\"\n"
                                          "launcher = \"mpirun\"\nmpirun_args = [\"--bind-to\", \"none\"]\n"
                                          "signal_seconds = 300\nrequeue = false\narray_throttle = 4\n"
                                          "modules = [\"cuda/12.1\", \"openmpi/4.1\"]\n"
                                          "setup = [\"source ~/venv/bin/activate\"]\n"
                                          "sbatch = [\"--exclusive\", \"--constraint=a100\"]\n"
                                          "executable = \"/opt/curvlab/bin/curvlab\"\n",
                                      "job.toml");
  const ClusterOptions& c = spec.cluster;
  EXPECT_EQ(c.nodes, 4);
  EXPECT_EQ(c.tasks_per_node, 8);
  EXPECT_EQ(c.gpus_per_node, 8);
  EXPECT_EQ(c.cpus_per_task, 6);
  EXPECT_EQ(c.time, "2-00:00:00");
  EXPECT_EQ(c.partition, "gpu");
  EXPECT_EQ(c.account, "proj-42");
  EXPECT_EQ(c.qos, "high");
  EXPECT_EQ(c.mem, "480G");
  EXPECT_EQ(launcher_names().name(c.launcher), "mpirun");
  EXPECT_EQ(c.mpirun_args, (std::vector<std::string>{"--bind-to", "none"}));
  EXPECT_EQ(c.signal_seconds, 300);
  EXPECT_FALSE(c.requeue);
  EXPECT_EQ(c.array_throttle, 4);
  EXPECT_EQ(c.modules, (std::vector<std::string>{"cuda/12.1", "openmpi/4.1"}));
  EXPECT_EQ(c.setup, (std::vector<std::string>{"source ~/venv/bin/activate"}));
  EXPECT_EQ(c.sbatch, (std::vector<std::string>{"--exclusive", "--constraint=a100"}));
  EXPECT_EQ(c.executable, "/opt/curvlab/bin/curvlab");
}

TEST(ClusterOptions, OverridesFromTheCommandLine) {
  // `curvlab submit --nodes 2 --time 00:30:00` becomes these --set overrides.
  const JobSpec spec = parse_job_text(kClusterJob + "[cluster]\nnodes = 4\n", "job.toml",
                                      {"cluster.nodes=2", "cluster.time=00:30:00", "cluster.partition=debug"});
  EXPECT_EQ(spec.cluster.nodes, 2);
  EXPECT_EQ(spec.cluster.time, "00:30:00");
  EXPECT_EQ(spec.cluster.partition, "debug");
}

struct BadCluster {
  const char* name;
  std::string section;                 // lines after "[cluster]" (line 4 onwards)
  std::vector<std::string> overrides;
  std::vector<std::string> expected;
};

TEST(ClusterOptions, BadValues) {
  const std::vector<BadCluster> cases = {
      {"NodesZero", "nodes = 0\n", {}, {"job.toml:4:9:", "cluster.nodes", ">= 1", "got 0"}},
      {"TasksString", "tasks_per_node = \"8\"\n", {}, {"job.toml:4:", "cluster.tasks_per_node", "integer"}},
      {"GpusNegative", "gpus_per_node = -1\n", {}, {"job.toml:4:", "cluster.gpus_per_node", ">= 0"}},
      {"LauncherNearMiss", "launcher = \"srn\"\n", {},
       {"job.toml:4:", "cluster.launcher must be one of", "srun", "mpirun", "did you mean \"srun\""}},
      {"TimeGarbage", "time = \"two hours\"\n", {},
       {"job.toml:4:", "cluster.time must be a Slurm time limit", "HH:MM:SS", "two hours"}},
      {"TimeZero", "time = \"0\"\n", {}, {"job.toml:4:", "cluster.time", "greater than 0"}},
      {"TimeTooManyFields", "time = \"1:2:3:4\"\n", {}, {"job.toml:4:", "cluster.time"}},
      {"SignalLongerThanLimit", "time = \"00:01:00\"\nsignal_seconds = 120\n", {},
       {"job.toml:5:", "cluster.signal_seconds must be shorter than cluster.time", "120 s", "00:01:00"}},
      {"PartitionWithSpace", "partition = \"gpu; rm -rf /\"\n", {},
       {"job.toml:4:", "cluster.partition may hold only letters, digits"}},
      {"ModulesNotStrings", "modules = [\"cuda\", 12]\n", {},
       {"job.toml:4:", "cluster.modules[1] must be a string", "integer 12"}},
      {"SetupMultiLine", "setup = [\"\"\"a\nb\"\"\"]\n", {}, {"job.toml:4:", "cluster.setup[0]", "on one line"}},
      {"SbatchWithoutDashes", "sbatch = [\"#SBATCH --exclusive\"]\n", {},
       {"job.toml:4:", "cluster.sbatch[0] must be an sbatch option", "without \"#SBATCH\""}},
      {"UnknownKeyNearMiss", "ndoes = 2\n", {}, {"job.toml:4:1:", "'cluster.ndoes'", "did you mean 'cluster.nodes'?"}},
      {"OverrideNodesZero", "", {"cluster.nodes=0"}, {"--set cluster.nodes=0", ">= 1"}},
      {"OverrideBadTime", "", {"cluster.time=soon"}, {"--set cluster.time=soon", "Slurm time limit"}},
  };
  for (const BadCluster& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string message = error_of(kClusterJob + "[cluster]\n" + c.section, c.overrides);
    for (const std::string& want : c.expected) {
      EXPECT_NE(message.find(want), std::string::npos) << c.name << ": '" << want << "' not in: " << message;
    }
  }
}

}  // namespace
}  // namespace curvlab
