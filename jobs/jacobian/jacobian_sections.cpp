// Readers and rules of [jacobian] (see jacobian_sections.h; the keys: docs/jacobian.md).
#include "jobs/jacobian/jacobian_sections.h"

#include <algorithm>

#include "jobs/did_you_mean.h"
#include "jobs/section_reader.h"

namespace curvlab {

void read_jacobian_section(SectionReader& r, JobSpec& spec) {
  JacobianStudyOptions& j = spec.jacobian;
  r.string("checkpoint", j.checkpoint);
  r.choice("split", j.split, split_names());
  r.integer("samples", j.samples, Range::at_least(1));
  r.integer("batch_size", j.batch_size, Range::at_least(1));
  r.string_list("maps", j.maps);
  r.boolean("lanczos", j.lanczos);
  r.integer("top_k", j.top_k, Range::at_least(0));
  r.integer("bottom_k", j.bottom_k, Range::at_least(0));
  r.integer("lanczos_max_iter", j.lanczos_max_iter, Range::at_least(1));
  r.number("lanczos_tol", j.lanczos_tol, Range::above(0));
  r.choice("dense", j.dense, dense_mode_names());
  r.integer("dense_max_dim", j.dense_max_dim, Range::at_least(1));
  r.number_list("taus", j.taus, Range::above(0));
  r.number_list("alphas", j.alphas, Range::any());
  r.number_list("betas", j.betas, Range::any());
  r.boolean("plots", j.plots);

  SectionReader& p = r.section("perturbation");
  p.boolean("enabled", j.perturbation.enabled);
  p.number_list("sizes", j.perturbation.sizes, Range::above(0));
  p.choice_list("directions", j.perturbation.directions, perturbation_direction_names());
  p.integer("projection_k", j.perturbation.projection_k, Range::at_least(0));

  SectionReader& tr = r.section("tr");
  tr.integer("max_iter", j.tr.max_iter, Range::at_least(1));
  tr.number("overshoot", j.tr.overshoot, Range::at_least(1));
  tr.integer("top_c", j.tr.top_c, Range::at_least(2));

  SectionReader& df = r.section("deepfool");
  df.integer("max_iter", j.deepfool.max_iter, Range::at_least(1));
  df.number("overshoot", j.deepfool.overshoot, Range::at_least(0));
  df.integer("top_c", j.deepfool.top_c, Range::at_least(2));
}

// [jacobian] rules (each error points at the key to change). Map names are checked against the
// checkpoint's model when the job runs (jobs/jacobian/jacobian_maps.h).
void check_jacobian_rules(const JobSpec& spec) {
  if (spec.job.kind != "jacobian") return;
  const JacobianStudyOptions& j = spec.jacobian;
  if (j.checkpoint.empty()) {
    throw_config_error(spec.where("jacobian"),
                       "job.kind = \"jacobian\" needs jacobian.checkpoint: a checkpoint of a trained ResNet "
                       "(runs/NAME/checkpoints/ckpt_00000100.h5) or a train run's directory");
  }
  if (j.maps.empty()) {
    throw_config_error(spec.where("jacobian.maps"),
                       "jacobian.maps must name at least one map: \"units\", \"stages\", \"features\", a unit "
                       "(\"layer2.1\") or a stage (\"layer2\")");
  }
  if (j.alphas.empty()) {
    throw_config_error(spec.where("jacobian.alphas"),
                       "jacobian.alphas must list at least one skip scaling (1 = the network as trained)");
  }
  if (j.betas.empty()) {
    throw_config_error(spec.where("jacobian.betas"),
                       "jacobian.betas must list at least one residual-branch scaling (1 = the network as trained)");
  }
  if (!j.lanczos && j.dense == DenseMode::kNever && !j.perturbation.enabled) {
    throw_config_error(spec.where("jacobian"),
                       "nothing to compute: jacobian.lanczos = false, jacobian.dense = \"never\" and "
                       "[jacobian.perturbation] enabled = false; turn one of them on");
  }
  if (j.lanczos && j.top_k + j.bottom_k < 1) {
    throw_config_error(spec.where("jacobian.top_k"),
                       "jacobian.lanczos needs top_k + bottom_k >= 1 (or set jacobian.lanczos = false)");
  }
  if (j.perturbation.enabled) {
    if (j.perturbation.sizes.empty()) {
      throw_config_error(spec.where("jacobian.perturbation.sizes"),
                         "jacobian.perturbation.sizes must list at least one size ||delta||_2 > 0 (pixel units)");
    }
    if (j.perturbation.directions.empty()) {
      throw_config_error(spec.where("jacobian.perturbation.directions"),
                         "jacobian.perturbation.directions must name at least one of " +
                             join_names(perturbation_direction_names().names()));
    }
    if (j.perturbation.projection_k > 0 && (!j.lanczos || j.perturbation.projection_k > j.top_k)) {
      const char* key = spec.locations.count("jacobian.perturbation.projection_k") != 0
                            ? "jacobian.perturbation.projection_k"
                            : "jacobian.top_k";  // the default projection_k: point at what was written
      throw_config_error(spec.where(key),
                         "jacobian.perturbation.projection_k (" + std::to_string(j.perturbation.projection_k) +
                             ") projects on the top singular vectors that Lanczos finds: it needs jacobian.lanczos = "
                             "true and projection_k <= jacobian.top_k (" + std::to_string(j.top_k) +
                             "), or projection_k = 0");
    }
  }
}

}  // namespace curvlab
