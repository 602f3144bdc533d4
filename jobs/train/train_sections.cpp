// Readers and rules of [train] and [kfac] (see train_sections.h).
#include "jobs/train/train_sections.h"

#include <algorithm>

#include "engine/task.h"
#include "jobs/section_reader.h"

namespace curvlab {
namespace {

// The metrics a target may name: the task's ("" = no target). An unknown task was reported already.
std::vector<std::string> target_metric_names(const std::string& task) {
  std::vector<std::string> names = {""};
  const auto& tasks = task_names();
  if (std::find(tasks.begin(), tasks.end(), task) == tasks.end()) return names;
  for (const auto& m : make_task(task)->target_metrics()) names.push_back(m);
  return names;
}

void read_lr_schedule(SectionReader& r, LrScheduleOptions& s) {
  r.choice("kind", s.kind, lr_schedule_names());
  r.number("warmup_epochs", s.warmup_epochs, Range::at_least(0));
  r.number("warmup_start_factor", s.warmup_start_factor, Range::between(0, 1, /*hi_open=*/false));
  r.number_list("milestones", s.milestones, Range::at_least(0));
  r.number("gamma", s.gamma, Range::above(0));
  r.number("min_lr", s.min_lr, Range::at_least(0));
  r.number("step_every", s.step_every, Range::at_least(0));
  r.number("weight_decay_gamma", s.weight_decay_gamma, Range::above(0));
}

void read_batch_schedule(SectionReader& r, BatchScheduleOptions& b) {
  r.choice("kind", b.kind, batch_schedule_names());
  r.choice("unit", b.unit, schedule_unit_names());
  r.number_list("milestones", b.milestones, Range::at_least(0));
  r.number("gamma", b.gamma, Range::above(0));
  r.integer("min_batch_size", b.min_batch_size, Range::at_least(0));
  r.integer("max_batch_size", b.max_batch_size, Range::at_least(0));
  r.number("cycle_length", b.cycle_length, Range::above(0));
  r.choice("shape", b.shape, cycle_shape_names());
  r.integer("multiple_of", b.multiple_of, Range::at_least(1));
  r.boolean("couple_lr", b.couple_lr);
  r.boolean("snapshots", b.snapshots);
  r.boolean("ensemble", b.ensemble);
}

void read_lars(SectionReader& r, LarsOptions& l) {
  r.number("trust_coefficient", l.trust_coefficient, Range::above(0));
  r.number("eps", l.eps, Range::at_least(0));
  r.boolean("exclude_bias_and_norm", l.exclude_bias_and_norm);
}

// [train.adam]: adam and adamw (algorithms/optim/adam.h), torch.optim's ranges.
void read_adam(SectionReader& r, AdamOptions& a) {
  r.number("beta1", a.beta1, Range::between(0, 1, /*hi_open=*/true));
  r.number("beta2", a.beta2, Range::between(0, 1, /*hi_open=*/true));
  r.number("eps", a.eps, Range::at_least(0));
  r.boolean("amsgrad", a.amsgrad);
}

// [train.adversarial]: adversarial training (engine/hooks/adversarial_hook.h).
void read_adversarial(SectionReader& r, AdversarialTrainingOptions& a) {
  a.enabled = r.present();
  r.choice("method", a.method, attack_method_names());
  if (a.method != AttackMethod::kFgsm && a.method != AttackMethod::kPgd) {
    throw_config_error(r.location("method"), r.dotted("method") + " must be \"fgsm\" or \"pgd\" (got \"" +
                                                 attack_method_names().name(a.method) +
                                                 "\"): adversarial training crafts with a fixed-eps attack");
  }
  r.choice("norm", a.norm, attack_norm_names());
  r.number("eps", a.eps, Range::above(0));
  r.integer("steps", a.steps, Range::at_least(1));
  r.number("step_ratio", a.step_ratio, Range::above(0));
  r.number("fraction", a.fraction, Range::between(0, 1, /*hi_open=*/false));
  if (a.enabled && !(a.fraction > 0)) {
    throw_config_error(r.location("fraction"), r.dotted("fraction") + " must be in (0, 1] (got 0: no image replaced)");
  }
}

}  // namespace

void read_train_section(SectionReader& r, JobSpec& spec) {
  TrainSpec& t = spec.train;
  r.integer("epochs", t.epochs, Range::at_least(0));
  r.integer("steps", t.steps, Range::at_least(0));
  r.integer("batch_size", t.batch_size, Range::at_least(1));
  r.boolean("drop_last", t.drop_last);
  r.choice("task", t.task, task_names());
  r.choice("optimizer", t.optimizer, optimizer_names());
  r.number("lr", t.lr, Range::above(0));
  r.choice("lr_scaling", t.lr_scaling, lr_scaling_names());
  r.integer("reference_batch_size", t.reference_batch_size, Range::at_least(0));
  r.number("momentum", t.momentum, Range::between(0, 1, /*hi_open=*/true));
  r.number("dampening", t.dampening, Range::between(0, 1, /*hi_open=*/true));
  r.boolean("nesterov", t.nesterov);
  r.number("weight_decay", t.weight_decay, Range::at_least(0));
  read_lr_schedule(r.section("lr_schedule"), t.lr_schedule);
  read_batch_schedule(r.section("batch_schedule"), t.batch_schedule);
  read_lars(r.section("lars"), t.lars);
  read_adam(r.section("adam"), t.adam);
  read_adversarial(r.section("adversarial"), t.adversarial);
  r.integer("micro_batches", t.micro_batches, Range::at_least(1));
  r.boolean("noise_scale", t.noise_scale);
  r.number("noise_scale_ema", t.noise_scale_ema, Range::between(0, 1, /*hi_open=*/true));
  r.choice("target_metric", t.target_metric, target_metric_names(t.task));
  r.number("target_value", t.target_value);
  r.boolean("stop_at_target", t.stop_at_target);
  r.integer("eval_every_steps", t.eval_every_steps, Range::at_least(0));
  r.number("eval_every_epochs", t.eval_every_epochs, Range::at_least(0));
  r.integer("checkpoint_every_steps", t.checkpoint_every_steps, Range::at_least(0));
  r.integer("keep_last", t.keep_last, Range::at_least(1));
  r.number("log_every_seconds", t.log_every_seconds, Range::above(0));
  r.integer("metrics_every_steps", t.metrics_every_steps, Range::at_least(1));
  r.integer("threads", t.threads, Range::at_least(0));
}

void read_kfac_section(SectionReader& r, JobSpec& spec) {
  KfacOptions& k = spec.kfac;
  r.number("damping", k.damping, Range::above(0));
  r.number("factor_decay", k.factor_decay, Range::between(0, 1, /*hi_open=*/true));
  r.number("kl_clip", k.kl_clip, Range::at_least(0));
  r.integer("factor_update_freq", k.factor_update_freq, Range::at_least(1));
  r.integer("inv_update_freq", k.inv_update_freq, Range::at_least(1));
  r.choice("method", k.method, kfac_method_names());
  r.number_list("damping_milestones", k.damping_milestones, Range::at_least(0));
  r.number("damping_gamma", k.damping_gamma, Range::above(0));
  r.choice("factor_dtype", k.factor_dtype, kfac_dtype_names());
  r.choice("inv_dtype", k.inv_dtype, kfac_dtype_names());
  r.string_list("skip_layers", k.skip_layers);
  r.number("grad_worker_fraction", k.grad_worker_fraction, Range::between(0, 1, /*hi_open=*/false));
  r.number("bucket_mb", k.bucket_mb, Range::above(0));
}

namespace {

void check_increasing(const JobSpec& spec, const std::string& key, const std::vector<double>& values) {
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (!(values[i] > values[i - 1])) {
      throw_config_error(spec.where(key), key + " must be strictly increasing (got " + format_number(values[i - 1]) +
                                              " then " + format_number(values[i]) + ")");
    }
  }
}

// [train.lr_schedule] kind = "step": milestones or step_every (one of them); step_every and
// weight_decay_gamma belong to the step kind.
void check_step_schedule(const JobSpec& spec) {
  const LrScheduleOptions& s = spec.train.lr_schedule;
  const bool step = s.kind == LrScheduleKind::kStep;
  if (step && s.milestones.empty() && !(s.step_every > 0)) {
    throw_config_error(spec.where("train.lr_schedule.kind"),
                       "train.lr_schedule.kind = \"step\" needs train.lr_schedule.milestones, the "
                       "epochs at which lr is multiplied by gamma, e.g. milestones = [30, 60], or "
                       "train.lr_schedule.step_every, e.g. step_every = 30 (every 30 epochs)");
  }
  if (s.step_every > 0 && !s.milestones.empty()) {
    throw_config_error(spec.where("train.lr_schedule.step_every"),
                       "set only one of train.lr_schedule.milestones and train.lr_schedule.step_every "
                       "(step_every = N is milestones = [N, 2N, 3N, ...])");
  }
  const std::string kind = "\"" + lr_schedule_names().name(s.kind) + "\"";
  if (!step && s.step_every > 0) {
    throw_config_error(spec.where("train.lr_schedule.step_every"),
                       "train.lr_schedule.step_every needs train.lr_schedule.kind = \"step\" (got " + kind + ")");
  }
  if (!step && s.weight_decay_gamma != 1.0) {
    throw_config_error(spec.where("train.lr_schedule.weight_decay_gamma"),
                       "train.lr_schedule.weight_decay_gamma multiplies the weight decay at the steps of a step "
                       "schedule: it needs train.lr_schedule.kind = \"step\" (got " + kind + ")");
  }
  if (step && s.step_every > 0 && spec.train.steps == 0 && static_cast<double>(spec.train.epochs) / s.step_every > 1e5) {
    throw_config_error(spec.where("train.lr_schedule.step_every"),
                       "train.lr_schedule.step_every = " + format_number(s.step_every) + " gives more than 100000 "
                       "lr steps in train.epochs = " + std::to_string(spec.train.epochs) + "; use a larger step_every");
  }
}

void check_cross_rules(const JobSpec& spec) {
  const TrainSpec& t = spec.train;
  if (t.epochs == 0 && t.steps == 0) {
    const std::string key = spec.locations.count("train.steps") ? "train.steps" : "train.epochs";
    throw_config_error(spec.where(key),
                       "train.epochs and train.steps are both 0: set train.epochs >= 1 or "
                       "train.steps >= 1 (steps > 0 overrides epochs)");
  }
  if (t.optimizer == OptimizerKind::kAdam || t.optimizer == OptimizerKind::kAdamw) {
    for (const char* key : {"train.momentum", "train.dampening", "train.nesterov"}) {
      if (!spec.locations.count(key)) continue;
      throw_config_error(spec.where(key), std::string(key) + " does not apply to train.optimizer = \"" +
                                              optimizer_names().name(t.optimizer) + "\" (its momentum is " +
                                              "train.adam.beta1): remove " + key);
    }
  }
  if (t.nesterov && (t.momentum <= 0.0 || t.dampening != 0.0)) {
    throw_config_error(spec.where("train.nesterov"),
                       "train.nesterov = true requires train.momentum > 0 and train.dampening = 0, "
                       "as in PyTorch's SGD (got momentum " + format_number(t.momentum) +
                           ", dampening " + format_number(t.dampening) + ")");
  }
  const LrScheduleOptions& s = t.lr_schedule;
  check_increasing(spec, "train.lr_schedule.milestones", s.milestones);
  check_increasing(spec, "kfac.damping_milestones", spec.kfac.damping_milestones);
  check_step_schedule(spec);
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
  const BatchScheduleOptions& b = t.batch_schedule;
  const BatchRuleViolation v = check_batch_schedule(b, t.batch_size);  // the schedule's own rules
  if (!v.key.empty()) throw_config_error(spec.where("train." + v.key), v.message);
  if (t.optimizer == OptimizerKind::kLars && (t.nesterov || t.dampening != 0.0)) {
    throw_config_error(spec.where(t.nesterov ? "train.nesterov" : "train.dampening"),
                       "train.optimizer = \"lars\" uses plain momentum (You et al. 2017): remove train.nesterov "
                       "and train.dampening");
  }
  if (b.couple_lr && t.lr_scaling == LrScaling::kNone) {
    throw_config_error(spec.where("train.batch_schedule.couple_lr"),
                       "train.batch_schedule.couple_lr = true scales the lr with the batch by train.lr_scaling, "
                       "which is \"none\"; set train.lr_scaling = \"linear\" or \"sqrt\"");
  }
  if (t.lr_scaling != LrScaling::kNone && spec.locations.count("train.lr_schedule.warmup_start_factor")) {
    throw_config_error(spec.where("train.lr_schedule.warmup_start_factor"),
                       "with train.lr_scaling = \"" + lr_scaling_names().name(t.lr_scaling) + "\" the warmup starts at train.lr (the "
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

}  // namespace

void check_train_rules(const JobSpec& spec) {
  check_cross_rules(spec);
  check_large_batch_rules(spec);
}

}  // namespace curvlab
