// Job-file parsing: one reader function per section, a table of sections, rules that tie keys
// together, and the public entry points. Adding a section ([kfac], [sweep], ...) = a field in
// JobSpec, a read_* function below, and one row in kSections.
#include "jobs/job_parser.h"

#include <toml++/toml.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cluster/slurm_time.h"
#include "engine/error.h"
#include "jobs/overrides.h"
#include "jobs/section_reader.h"
#include "jobs/sweep/sweep_section.h"
#include "jobs/toml_text.h"

namespace curvlab {
namespace {

const std::vector<std::string> kJobKinds = {"train", "hessian"};
const std::vector<std::string> kDatasets = {"fashion-mnist", "mnist", "cifar10", "synthetic"};
const std::vector<std::string> kModels = {"mlp",      "lenet5",   "convnet",  "resnet20",
                                          "resnet32", "resnet44", "resnet56", "resnet110"};
const std::vector<std::string> kActivations = {"relu", "tanh", "gelu", "sigmoid"};
const std::vector<std::string> kOptimizers = {"sgd", "kfac", "lars"};
const std::vector<std::string> kLrScalings = {"none", "linear", "sqrt"};
const std::vector<std::string> kBatchSchedules = {"constant", "step", "cyclical"};
const std::vector<std::string> kScheduleUnits = {"epochs", "steps"};
const std::vector<std::string> kCycleShapes = {"sawtooth", "triangular", "cosine", "square"};
const std::vector<std::string> kTargetMetrics = {"", "test_accuracy", "test_loss", "train_loss"};
const std::vector<std::string> kKfacMethods = {"eigen", "inverse"};
const std::vector<std::string> kKfacDtypes = {"float32", "float64"};
const std::vector<std::string> kLrSchedules = {"constant", "step", "cosine"};
const std::vector<std::string> kBackends = {"auto", "mpi", "nccl", "local"};
const std::vector<std::string> kSplits = {"train", "test"};
const std::vector<std::string> kModelModes = {"eval", "train"};
const std::vector<std::string> kTraceParallel = {"data", "samples"};
const std::vector<std::string> kEigenMethods = {"lanczos", "power"};
const std::vector<std::string> kGranularities = {"channel", "group", "tensor"};
const std::vector<std::string> kLaunchers = {"srun", "mpirun"};

// ---- one reader per section; each key's range lives next to its read ----

void read_job(SectionReader& r, JobSpec& spec) {
  JobSection& j = spec.job;
  r.string("name", j.name, /*allow_empty=*/false);
  r.choice("kind", j.kind, kJobKinds);
  r.string("output_dir", j.output_dir, /*allow_empty=*/false);
  auto seed = static_cast<std::int64_t>(j.seed);
  r.integer("seed", seed, Range::at_least(0));
  j.seed = static_cast<std::uint64_t>(seed);
}

void read_data(SectionReader& r, JobSpec& spec) {
  DataSpec& d = spec.data;
  r.choice("dataset", d.dataset, kDatasets);
  r.string("root", d.root);
  r.boolean("normalize", d.normalize);
  r.integer("train_subset", d.train_subset, Range::at_least(0));
  r.integer("test_subset", d.test_subset, Range::at_least(0));
  r.integer("synthetic_train", d.synthetic_train, Range::at_least(1));
  r.integer("synthetic_test", d.synthetic_test, Range::at_least(1));
  r.integer_list("synthetic_shape", d.synthetic_shape, Range::at_least(1), /*exact_size=*/3);
  r.integer("synthetic_classes", d.synthetic_classes, Range::at_least(2));
}

void read_model(SectionReader& r, JobSpec& spec) {
  ModelSpec& m = spec.model;
  r.choice("name", m.name, kModels);
  r.integer_list("widths", m.widths, Range::at_least(1));
  r.choice("activation", m.activation, kActivations);
}

void read_lr_schedule(SectionReader& r, LrScheduleSpec& s) {
  r.choice("kind", s.kind, kLrSchedules);
  r.number("warmup_epochs", s.warmup_epochs, Range::at_least(0));
  r.number("warmup_start_factor", s.warmup_start_factor, Range::between(0, 1, /*hi_open=*/false));
  r.number_list("milestones", s.milestones, Range::at_least(0));
  r.number("gamma", s.gamma, Range::above(0));
  r.number("min_lr", s.min_lr, Range::at_least(0));
}

void read_batch_schedule(SectionReader& r, BatchScheduleSpec& b) {
  r.choice("kind", b.kind, kBatchSchedules);
  r.choice("unit", b.unit, kScheduleUnits);
  r.number_list("milestones", b.milestones, Range::at_least(0));
  r.number("gamma", b.gamma, Range::above(0));
  r.integer("min_batch_size", b.min_batch_size, Range::at_least(0));
  r.integer("max_batch_size", b.max_batch_size, Range::at_least(0));
  r.number("cycle_length", b.cycle_length, Range::above(0));
  r.choice("shape", b.shape, kCycleShapes);
  r.integer("multiple_of", b.multiple_of, Range::at_least(1));
  r.boolean("couple_lr", b.couple_lr);
  r.boolean("snapshots", b.snapshots);
  r.boolean("ensemble", b.ensemble);
}

void read_lars(SectionReader& r, LarsSpec& l) {
  r.number("trust_coefficient", l.trust_coefficient, Range::above(0));
  r.number("eps", l.eps, Range::at_least(0));
  r.boolean("exclude_bias_and_norm", l.exclude_bias_and_norm);
}

void read_train(SectionReader& r, JobSpec& spec) {
  TrainSpec& t = spec.train;
  r.integer("epochs", t.epochs, Range::at_least(0));
  r.integer("steps", t.steps, Range::at_least(0));
  r.integer("batch_size", t.batch_size, Range::at_least(1));
  r.boolean("drop_last", t.drop_last);
  r.choice("optimizer", t.optimizer, kOptimizers);
  r.number("lr", t.lr, Range::above(0));
  r.choice("lr_scaling", t.lr_scaling, kLrScalings);
  r.integer("reference_batch_size", t.reference_batch_size, Range::at_least(0));
  r.number("momentum", t.momentum, Range::between(0, 1, /*hi_open=*/true));
  r.number("dampening", t.dampening, Range::between(0, 1, /*hi_open=*/true));
  r.boolean("nesterov", t.nesterov);
  r.number("weight_decay", t.weight_decay, Range::at_least(0));
  read_lr_schedule(r.section("lr_schedule"), t.lr_schedule);
  read_batch_schedule(r.section("batch_schedule"), t.batch_schedule);
  read_lars(r.section("lars"), t.lars);
  r.integer("micro_batches", t.micro_batches, Range::at_least(1));
  r.boolean("noise_scale", t.noise_scale);
  r.number("noise_scale_ema", t.noise_scale_ema, Range::between(0, 1, /*hi_open=*/true));
  r.choice("target_metric", t.target_metric, kTargetMetrics);
  r.number("target_value", t.target_value);
  r.boolean("stop_at_target", t.stop_at_target);
  r.integer("eval_every_steps", t.eval_every_steps, Range::at_least(0));
  r.number("eval_every_epochs", t.eval_every_epochs, Range::at_least(0));
  r.integer("checkpoint_every_steps", t.checkpoint_every_steps, Range::at_least(0));
  r.integer("keep_last", t.keep_last, Range::at_least(1));
  r.number("log_every_seconds", t.log_every_seconds, Range::above(0));
  r.integer("threads", t.threads, Range::at_least(0));
}

void read_comm(SectionReader& r, JobSpec& spec) {
  CommSpec& c = spec.comm;
  r.choice("backend", c.backend, kBackends);
  r.number("bucket_mb", c.bucket_mb, Range::above(0));
  r.number("first_bucket_mb", c.first_bucket_mb, Range::above(0));
  r.boolean("sync_batchnorm", c.sync_batchnorm);
}

void read_kfac(SectionReader& r, JobSpec& spec) {
  KfacSpec& k = spec.kfac;
  r.number("damping", k.damping, Range::above(0));
  r.number("factor_decay", k.factor_decay, Range::between(0, 1, /*hi_open=*/true));
  r.number("kl_clip", k.kl_clip, Range::at_least(0));
  r.integer("factor_update_freq", k.factor_update_freq, Range::at_least(1));
  r.integer("inv_update_freq", k.inv_update_freq, Range::at_least(1));
  r.choice("method", k.method, kKfacMethods);
  r.number_list("damping_milestones", k.damping_milestones, Range::at_least(0));
  r.number("damping_gamma", k.damping_gamma, Range::above(0));
  r.choice("factor_dtype", k.factor_dtype, kKfacDtypes);
  r.choice("inv_dtype", k.inv_dtype, kKfacDtypes);
  r.string_list("skip_layers", k.skip_layers);
  r.number("grad_worker_fraction", k.grad_worker_fraction, Range::between(0, 1, /*hi_open=*/false));
  r.number("bucket_mb", k.bucket_mb, Range::above(0));
}

void read_hessian(SectionReader& r, JobSpec& spec) {
  HessianSpec& h = spec.hessian;
  r.string("checkpoint", h.checkpoint);
  r.choice("split", h.split, kSplits);
  r.integer("samples", h.samples, Range::at_least(0));
  r.integer("batch_size", h.batch_size, Range::at_least(1));
  r.choice("model_mode", h.model_mode, kModelModes);
  r.boolean("cache_graph", h.cache_graph);
  r.boolean("trace", h.trace);
  r.boolean("eigenvalues", h.eigenvalues);
  r.boolean("density", h.density);
  r.boolean("hawq", h.hawq);
  r.boolean("per_layer", h.per_layer);
  r.choice("trace_parallel", h.trace_parallel, kTraceParallel);
  r.number("trace_tol", h.trace_tol, Range::at_least(0));
  r.integer("trace_min_samples", h.trace_min_samples, Range::at_least(2));
  r.integer("trace_max_samples", h.trace_max_samples, Range::at_least(2));
  r.integer("top_k", h.top_k, Range::at_least(1));
  r.choice("eigen_method", h.eigen_method, kEigenMethods);
  r.number("eigen_tol", h.eigen_tol, Range::above(0));
  r.integer("eigen_max_iter", h.eigen_max_iter, Range::at_least(1));
  r.integer("slq_runs", h.slq_runs, Range::at_least(1));
  r.integer("slq_steps", h.slq_steps, Range::at_least(2));
  r.number("slq_sigma", h.slq_sigma, Range::at_least(0));
  r.integer("density_points", h.density_points, Range::at_least(10));
  r.boolean("plots", h.plots);
  r.integer("track_every_epochs", h.track_every_epochs, Range::at_least(0));
  r.integer("track_every_steps", h.track_every_steps, Range::at_least(0));
}

void read_quant(SectionReader& r, JobSpec& spec) {
  QuantSpec& q = spec.quant;
  r.integer_list("bits", q.bits, Range::between(2, 16, /*hi_open=*/false));
  r.choice("granularity", q.granularity, kGranularities);
  r.integer("groups", q.groups, Range::at_least(1));
  r.number("percentile", q.percentile, Range::between(50, 100, /*hi_open=*/false));
  r.boolean("fix_first_last", q.fix_first_last);
  r.integer("fixed_bits", q.fixed_bits, Range::between(2, 16, /*hi_open=*/false));
  r.number("budget_mb", q.budget_mb, Range::at_least(0));
  r.number("budget_avg_bits", q.budget_avg_bits, Range::between(1, 32, /*hi_open=*/false));
  r.integer("eval_points", q.eval_points, Range::at_least(0));
  r.integer("eval_samples", q.eval_samples, Range::at_least(0));
}

void read_cluster(SectionReader& r, JobSpec& spec) {
  ClusterSpec& c = spec.cluster;
  r.integer("nodes", c.nodes, Range::at_least(1));
  r.integer("tasks_per_node", c.tasks_per_node, Range::at_least(1));
  r.integer("gpus_per_node", c.gpus_per_node, Range::at_least(0));
  r.integer("cpus_per_task", c.cpus_per_task, Range::at_least(0));
  r.string("time", c.time, /*allow_empty=*/false);
  r.string("partition", c.partition);
  r.string("account", c.account);
  r.string("qos", c.qos);
  r.string("mem", c.mem);
  r.choice("launcher", c.launcher, kLaunchers);
  r.string("srun_mpi", c.srun_mpi, /*allow_empty=*/false);
  r.string_list("mpirun_args", c.mpirun_args);
  r.integer("signal_seconds", c.signal_seconds, Range::at_least(0));
  r.boolean("requeue", c.requeue);
  r.integer("array_throttle", c.array_throttle, Range::at_least(0));
  r.string_list("modules", c.modules);
  r.string_list("setup", c.setup);
  r.string_list("sbatch", c.sbatch);
  r.string("executable", c.executable);
}

struct SectionParser {
  const char* name;
  void (*read)(SectionReader&, JobSpec&);
};
const SectionParser kSections[] = {
    {"job", read_job}, {"data", read_data}, {"model", read_model},
    {"train", read_train}, {"comm", read_comm}, {"kfac", read_kfac},
    {"hessian", read_hessian}, {"quant", read_quant},
    {"cluster", read_cluster}, {"sweep", read_sweep},
};

// [hessian] / [quant] rules (each error points at the key to change).
void check_hessian_rules(const JobSpec& spec) {
  const HessianSpec& h = spec.hessian;
  if (spec.job.kind == "hessian") {
    if (h.checkpoint.empty()) {
      throw_config_error(spec.where("hessian"),
                         "job.kind = \"hessian\" needs hessian.checkpoint: a checkpoint file written by a train "
                         "job (runs/NAME/checkpoints/ckpt_00000100.h5) or a run directory (its newest valid "
                         "checkpoint is used)");
    }
    if (!h.trace && !h.eigenvalues && !h.density && !h.hawq) {
      throw_config_error(spec.where("hessian.trace"),
                         "the hessian job computes nothing: set at least one of hessian.trace, "
                         "hessian.eigenvalues, hessian.density, hessian.hawq to true");
    }
    if (h.hawq && !h.trace) {
      throw_config_error(spec.where("hessian.hawq"),
                         "hessian.hawq = true needs the per-layer traces: set hessian.trace = true");
    }
  }
  if (h.trace_min_samples > h.trace_max_samples) {
    throw_config_error(spec.where("hessian.trace_min_samples"),
                       "hessian.trace_min_samples must be <= hessian.trace_max_samples (got " +
                           std::to_string(h.trace_min_samples) + " > " + std::to_string(h.trace_max_samples) + ")");
  }
  if (h.track_every_epochs > 0 && h.track_every_steps > 0) {
    throw_config_error(spec.where("hessian.track_every_steps"),
                       "set only one of hessian.track_every_epochs and hessian.track_every_steps");
  }
  const QuantSpec& q = spec.quant;
  if (q.bits.empty()) {
    throw_config_error(spec.where("quant.bits"), "quant.bits must list at least one bit width, e.g. [2, 3, 4, 8]");
  }
  for (std::size_t i = 1; i < q.bits.size(); ++i) {
    if (!(q.bits[i] > q.bits[i - 1])) {
      throw_config_error(spec.where("quant.bits"), "quant.bits must be strictly increasing (got " +
                                                       std::to_string(q.bits[i - 1]) + " then " +
                                                       std::to_string(q.bits[i]) + ")");
    }
  }
}

// ---- rules that tie several keys together (each error points at the key to change) ----

void check_cross_rules(const JobSpec& spec) {
  if (spec.job.output_dir.empty()) {
    throw_config_error(spec.where("job"),
                       "job.output_dir is required: add output_dir = \"runs/NAME\" under [job] "
                       "(or pass --set job.output_dir=runs/NAME)");
  }
  for (char c : spec.job.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      throw_config_error(spec.where("job.name"),
                         "job.name may hold only letters, digits, '-', '_' and '.' (got \"" +
                             spec.job.name + "\")");
    }
  }
  const TrainSpec& t = spec.train;
  if (t.epochs == 0 && t.steps == 0) {
    const std::string key = spec.locations.count("train.steps") ? "train.steps" : "train.epochs";
    throw_config_error(spec.where(key),
                       "train.epochs and train.steps are both 0: set train.epochs >= 1 or "
                       "train.steps >= 1 (steps > 0 overrides epochs)");
  }
  if (t.nesterov && (t.momentum <= 0.0 || t.dampening != 0.0)) {
    throw_config_error(spec.where("train.nesterov"),
                       "train.nesterov = true requires train.momentum > 0 and train.dampening = 0, "
                       "as in PyTorch's SGD (got momentum " + format_number(t.momentum) +
                           ", dampening " + format_number(t.dampening) + ")");
  }
  const LrScheduleSpec& s = t.lr_schedule;
  for (std::size_t i = 1; i < s.milestones.size(); ++i) {
    if (!(s.milestones[i] > s.milestones[i - 1])) {
      throw_config_error(spec.where("train.lr_schedule.milestones"),
                         "train.lr_schedule.milestones must be strictly increasing (got " +
                             format_number(s.milestones[i - 1]) + " then " +
                             format_number(s.milestones[i]) + ")");
    }
  }
  const auto& dm = spec.kfac.damping_milestones;
  for (std::size_t i = 1; i < dm.size(); ++i) {
    if (!(dm[i] > dm[i - 1])) {
      throw_config_error(spec.where("kfac.damping_milestones"),
                         "kfac.damping_milestones must be strictly increasing (got " + format_number(dm[i - 1]) +
                             " then " + format_number(dm[i]) + ")");
    }
  }
  if (s.kind == "step" && s.milestones.empty()) {
    throw_config_error(spec.where("train.lr_schedule.kind"),
                       "train.lr_schedule.kind = \"step\" needs train.lr_schedule.milestones, the "
                       "epochs at which lr is multiplied by gamma, e.g. milestones = [30, 60]");
  }
  if (s.min_lr > t.lr) {
    throw_config_error(spec.where("train.lr_schedule.min_lr"),
                       "train.lr_schedule.min_lr must be <= train.lr (got min_lr " +
                           format_number(s.min_lr) + ", lr " + format_number(t.lr) + ")");
  }
  if (t.steps == 0 && s.warmup_epochs > static_cast<double>(t.epochs)) {
    throw_config_error(spec.where("train.lr_schedule.warmup_epochs"),
                       "train.lr_schedule.warmup_epochs must be <= train.epochs (got " +
                           format_number(s.warmup_epochs) + " > " + std::to_string(t.epochs) + ")");
  }
}

// [train] large-batch keys: batch schedule, lr scaling, targets (each error points at the key to change).
void check_large_batch_rules(const JobSpec& spec) {
  const TrainSpec& t = spec.train;
  const BatchScheduleSpec& b = t.batch_schedule;
  if (b.kind == "step" && b.milestones.empty()) {
    throw_config_error(spec.where("train.batch_schedule.kind"),
                       "train.batch_schedule.kind = \"step\" needs train.batch_schedule.milestones, the progress "
                       "(in batch_schedule.unit) at which the batch is multiplied by gamma, e.g. milestones = [2, 4]");
  }
  for (std::size_t i = 1; i < b.milestones.size(); ++i) {
    if (!(b.milestones[i] > b.milestones[i - 1])) {
      throw_config_error(spec.where("train.batch_schedule.milestones"),
                         "train.batch_schedule.milestones must be strictly increasing (got " +
                             format_number(b.milestones[i - 1]) + " then " + format_number(b.milestones[i]) + ")");
    }
  }
  if (b.kind == "cyclical") {
    const std::int64_t lo = b.min_batch_size > 0 ? b.min_batch_size : t.batch_size;
    if (b.max_batch_size == 0) {
      throw_config_error(spec.where("train.batch_schedule.kind"),
                         "train.batch_schedule.kind = \"cyclical\" needs train.batch_schedule.max_batch_size, the "
                         "largest batch of a cycle (the smallest is min_batch_size, default train.batch_size)");
    }
    if (b.max_batch_size < lo) {
      throw_config_error(spec.where("train.batch_schedule.max_batch_size"),
                         "train.batch_schedule.max_batch_size (" + std::to_string(b.max_batch_size) +
                             ") must be >= the smallest batch of a cycle (" + std::to_string(lo) +
                             ", min_batch_size or train.batch_size)");
    }
  }
  if (b.kind == "cyclical" && b.ensemble && !b.snapshots) {
    throw_config_error(spec.where("train.batch_schedule.ensemble"),
                       "train.batch_schedule.ensemble = true evaluates the saved snapshots (a resumed run reloads "
                       "them): set train.batch_schedule.snapshots = true, or ensemble = false");
  }
  if (t.optimizer == "lars" && (t.nesterov || t.dampening != 0.0)) {
    throw_config_error(spec.where(t.nesterov ? "train.nesterov" : "train.dampening"),
                       "train.optimizer = \"lars\" uses plain momentum (You et al. 2017): remove train.nesterov "
                       "and train.dampening");
  }
  if (b.couple_lr && t.lr_scaling == "none") {
    throw_config_error(spec.where("train.batch_schedule.couple_lr"),
                       "train.batch_schedule.couple_lr = true scales the lr with the batch by train.lr_scaling, "
                       "which is \"none\"; set train.lr_scaling = \"linear\" or \"sqrt\"");
  }
  if (t.lr_scaling != "none" && spec.locations.count("train.lr_schedule.warmup_start_factor")) {
    throw_config_error(spec.where("train.lr_schedule.warmup_start_factor"),
                       "with train.lr_scaling = \"" + t.lr_scaling + "\" the warmup starts at train.lr (the "
                       "reference lr, Goyal et al. 2017) and ends at the scaled lr; remove warmup_start_factor");
  }
  if (t.target_metric.empty() && (spec.locations.count("train.target_value") || t.stop_at_target)) {
    throw_config_error(spec.where(t.stop_at_target ? "train.stop_at_target" : "train.target_value"),
                       "a target needs train.target_metric (\"test_accuracy\", \"test_loss\" or \"train_loss\") "
                       "next to train.target_value");
  }
  if (!t.target_metric.empty() && !spec.locations.count("train.target_value")) {
    throw_config_error(spec.where("train.target_metric"),
                       "train.target_metric = \"" + t.target_metric + "\" needs train.target_value, e.g. 0.88");
  }
  if (t.eval_every_steps > 0 && t.eval_every_epochs > 0) {
    throw_config_error(spec.where("train.eval_every_epochs"),
                       "set only one of train.eval_every_steps and train.eval_every_epochs");
  }
  if (t.micro_batches > 1 && t.batch_size < t.micro_batches) {
    throw_config_error(spec.where("train.micro_batches"),
                       "train.micro_batches (" + std::to_string(t.micro_batches) + ") is larger than "
                       "train.batch_size (" + std::to_string(t.batch_size) + "); every micro-batch needs samples");
  }
}

// [cluster] keys that must agree with each other (and be safe to paste into a shell script).
void check_cluster_rules(const JobSpec& spec) {
  const ClusterSpec& c = spec.cluster;
  const std::int64_t limit = slurm_time_seconds(c.time);
  if (limit < 0) {
    throw_config_error(spec.where("cluster.time"),
                       "cluster.time must be a Slurm time limit: minutes, MM:SS, HH:MM:SS or "
                       "D-HH:MM:SS, greater than 0 (got \"" + c.time + "\"); e.g. time = \"04:00:00\"");
  }
  if (c.signal_seconds >= limit) {
    throw_config_error(spec.where("cluster.signal_seconds"),
                       "cluster.signal_seconds must be shorter than cluster.time (got " +
                           std::to_string(c.signal_seconds) + " s warning for a " + c.time +
                           " limit); the warning comes signal_seconds before the end, so lower it or "
                           "raise cluster.time");
  }
  const std::pair<const char*, const std::string*> names[] = {
      {"partition", &c.partition}, {"account", &c.account}, {"qos", &c.qos}, {"mem", &c.mem}, {"srun_mpi", &c.srun_mpi}};
  for (const auto& [key, value] : names) {
    for (char ch : *value) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && std::string("-_.,+").find(ch) == std::string::npos) {
        throw_config_error(spec.where(std::string("cluster.") + key),
                           std::string("cluster.") + key + " may hold only letters, digits and - _ . , + (got \"" +
                               *value + "\")");
      }
    }
  }
  for (std::size_t i = 0; i < c.sbatch.size(); ++i) {
    if (c.sbatch[i].rfind("--", 0) != 0 && c.sbatch[i].rfind("-", 0) != 0) {
      throw_config_error(spec.where("cluster.sbatch"),
                         "cluster.sbatch[" + std::to_string(i) + "] must be an sbatch option such as "
                         "\"--mail-type=END\" (without \"#SBATCH\"); got \"" + c.sbatch[i] + "\"");
    }
  }
}

// Runs every section reader over `root` (null: an empty file), then the unknown-key and cross checks.
void read_all(ParseContext& ctx, const toml::table* root, JobSpec& spec) {
  SectionReader top(ctx, root, "");
  for (const auto& section : kSections) section.read(top.section(section.name), spec);
  top.check_unknown_keys();
  check_cross_rules(spec);
  check_hessian_rules(spec);
  check_large_batch_rules(spec);
  check_cluster_rules(spec);
  check_sweep_rules(spec);
}

}  // namespace

JobSpec parse_job_text(const std::string& text, const std::string& source_name,
                       const std::vector<std::string>& overrides) {
  JobSpec spec;
  spec.source_path = source_name;
  spec.source_text = text;
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    SourceLocation where;
    where.file = source_name;
    where.line = static_cast<int>(e.source().begin.line);
    where.column = static_cast<int>(e.source().begin.column);
    throw_config_error(where, "TOML syntax error: " + std::string(e.description()));
  }
  ParseContext ctx;
  ctx.source_name = source_name;
  ctx.locations = &spec.locations;
  apply_overrides(root, overrides, ctx.override_locations, ctx.override_raw_values);
  read_all(ctx, &root, spec);
  if (!overrides.empty()) {
    // What ran is the file WITH the overrides: run directories and checkpoints record that, so a
    // hessian job or a resume that reads them rebuilds the same model and data. Values a reader
    // took as strings from the --set text (job.name=2024) are written as the strings they became.
    for (const auto& key : ctx.strings_from_overrides) {
      set_key(root, key, toml_literal(toml::value<std::string>(ctx.override_raw_values.at(key))));
    }
    std::string header = "# " + source_name + " with";
    for (const auto& o : overrides) header += " --set " + o;
    spec.source_text = header + "\n# (resolved by curvlab: the file's comments are not kept)\n\n" + toml_document(root);
  }
  return spec;
}

JobSpec load_job_file(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    CURVLAB_THROW(ConfigError, "cannot read job file '" + path + "': no such file (check the path)");
  }
  if (std::filesystem::is_directory(path, ec)) {
    CURVLAB_THROW(ConfigError, "cannot read job file '" + path + "': it is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    CURVLAB_THROW(ConfigError, "cannot read job file '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) CURVLAB_THROW(ConfigError, "cannot read job file '" + path + "': read failed");
  return parse_job_text(text.str(), path, overrides);
}

std::vector<std::string> job_file_keys() {
  // Run the readers over nothing and ask which keys they know.
  JobSpec spec;
  ParseContext ctx;
  SectionReader top(ctx, nullptr, "");
  for (const auto& section : kSections) section.read(top.section(section.name), spec);
  return top.known_keys();
}

const std::vector<std::string>& allowed_values(const std::string& dotted_key) {
  static const std::vector<std::string> kNone;
  if (dotted_key == "job.kind") return kJobKinds;
  if (dotted_key == "data.dataset") return kDatasets;
  if (dotted_key == "model.name") return kModels;
  if (dotted_key == "model.activation") return kActivations;
  if (dotted_key == "train.optimizer") return kOptimizers;
  if (dotted_key == "train.lr_schedule.kind") return kLrSchedules;
  if (dotted_key == "train.lr_scaling") return kLrScalings;
  if (dotted_key == "train.batch_schedule.kind") return kBatchSchedules;
  if (dotted_key == "train.batch_schedule.unit") return kScheduleUnits;
  if (dotted_key == "train.batch_schedule.shape") return kCycleShapes;
  if (dotted_key == "train.target_metric") return kTargetMetrics;
  if (dotted_key == "comm.backend") return kBackends;
  if (dotted_key == "kfac.method") return kKfacMethods;
  if (dotted_key == "kfac.factor_dtype" || dotted_key == "kfac.inv_dtype") return kKfacDtypes;
  if (dotted_key == "hessian.split") return kSplits;
  if (dotted_key == "hessian.model_mode") return kModelModes;
  if (dotted_key == "hessian.trace_parallel") return kTraceParallel;
  if (dotted_key == "hessian.eigen_method") return kEigenMethods;
  if (dotted_key == "quant.granularity") return kGranularities;
  if (dotted_key == "cluster.launcher") return kLaunchers;
  return kNone;
}

}  // namespace curvlab
