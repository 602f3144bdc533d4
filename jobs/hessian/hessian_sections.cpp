// Readers and rules of [hessian] and [quant] (see hessian_sections.h).
#include "jobs/hessian/hessian_sections.h"

#include "jobs/section_reader.h"

namespace curvlab {

void read_hessian_section(SectionReader& r, JobSpec& spec) {
  HessianOptions& h = spec.hessian;
  r.string("checkpoint", h.checkpoint);
  r.choice("split", h.split, split_names());
  r.integer("samples", h.samples, Range::at_least(0));
  r.integer("batch_size", h.batch_size, Range::at_least(1));
  r.choice("model_mode", h.model_mode, model_mode_names());
  r.boolean("cache_graph", h.cache_graph);
  r.boolean("trace", h.trace);
  r.boolean("eigenvalues", h.eigenvalues);
  r.boolean("density", h.density);
  r.boolean("hawq", h.hawq);
  r.boolean("per_layer", h.per_layer);
  r.choice("trace_parallel", h.trace_parallel, trace_parallel_names());
  r.number("trace_tol", h.trace_tol, Range::at_least(0));
  r.integer("trace_min_samples", h.trace_min_samples, Range::at_least(2));
  r.integer("trace_max_samples", h.trace_max_samples, Range::at_least(2));
  r.integer("top_k", h.top_k, Range::at_least(1));
  r.choice("eigen_method", h.eigen_method, eigen_method_names());
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

void read_quant_section(SectionReader& r, JobSpec& spec) {
  QuantOptions& q = spec.quant;
  r.integer_list("bits", q.bits, Range::between(2, 16, /*hi_open=*/false));
  r.choice("granularity", q.quantizer.granularity, granularity_names());
  r.integer("groups", q.quantizer.groups, Range::at_least(1));
  r.number("percentile", q.quantizer.percentile, Range::between(50, 100, /*hi_open=*/false));
  r.boolean("fix_first_last", q.fix_first_last);
  r.integer("fixed_bits", q.fixed_bits, Range::between(2, 16, /*hi_open=*/false));
  r.number("budget_mb", q.budget_mb, Range::at_least(0));
  r.number("budget_avg_bits", q.budget_avg_bits, Range::between(1, 32, /*hi_open=*/false));
  r.integer("eval_points", q.eval_points, Range::at_least(0));
  r.integer("eval_samples", q.eval_samples, Range::at_least(0));
}

// [hessian] / [quant] rules (each error points at the key to change).
void check_hessian_rules(const JobSpec& spec) {
  const HessianOptions& h = spec.hessian;
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
  const QuantOptions& q = spec.quant;
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

// [cluster] keys that must agree with each other (and be safe to paste into a shell script).
}  // namespace curvlab
