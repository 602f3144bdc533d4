// Readers and rules of [attack] (see attack_sections.h; the keys: docs/robustness.md).
#include "jobs/attack/attack_sections.h"

#include <algorithm>

#include "jobs/did_you_mean.h"
#include "jobs/section_reader.h"

namespace curvlab {

void read_attack_section(SectionReader& r, JobSpec& spec) {
  AttackStudyOptions& a = spec.attack;
  r.string("checkpoint", a.checkpoint);
  r.choice("split", a.split, split_names());
  r.integer("samples", a.samples, Range::at_least(0));
  r.integer("batch_size", a.batch_size, Range::at_least(1));
  r.choice_list("methods", a.methods, attack_method_names());
  r.choice_list("norm", a.norms, attack_norm_names());
  r.number_list("eps_l2", a.eps_l2, Range::above(0));
  r.number_list("eps_linf", a.eps_linf, Range::above(0));
  r.integer("top_c", a.top_c, Range::at_least(2));
  r.choice("target", a.target, target_choice_names());
  r.number_list("kappas", a.kappas, Range::at_least(0));
  r.boolean("gray_box", a.gray_box);
  r.integer("save_examples", a.save_examples, Range::at_least(0));
  r.boolean("plots", a.plots);

  SectionReader& ifgsm = r.section("ifgsm");
  ifgsm.number("step_l2", a.ifgsm_step_l2, Range::above(0));
  ifgsm.number("step_linf", a.ifgsm_step_linf, Range::above(0));
  ifgsm.integer("max_iter", a.ifgsm.max_iter, Range::at_least(1));

  SectionReader& pgd = r.section("pgd");
  pgd.integer("steps", a.pgd.steps, Range::at_least(1));
  pgd.number("step_ratio", a.pgd.step_ratio, Range::above(0));
  pgd.boolean("random_start", a.pgd.random_start);

  SectionReader& df = r.section("deepfool");
  df.integer("max_iter", a.deepfool.max_iter, Range::at_least(1));
  df.number("overshoot", a.deepfool.overshoot, Range::at_least(0));

  SectionReader& cw = r.section("cw");
  cw.integer("binary_steps", a.cw.binary_steps, Range::at_least(1));
  cw.integer("max_iter", a.cw.max_iter, Range::at_least(1));
  cw.number("lr", a.cw.lr, Range::above(0));
  cw.number("initial_const", a.cw.initial_const, Range::above(0));
  cw.number("confidence", a.cw.confidence, Range::at_least(0));
  cw.boolean("abort_early", a.cw.abort_early);

  SectionReader& tr = r.section("tr");
  tr.integer("max_iter", a.tr.max_iter, Range::at_least(1));
  tr.number("overshoot", a.tr.overshoot, Range::at_least(1));
  tr.number("margin", a.tr.margin, Range::at_least(0));
  tr.number("radius", a.tr.radius, Range::above(0));
  tr.number("radius_min", a.tr.radius_min, Range::at_least(0));
  tr.number("radius_max", a.tr.radius_max, Range::at_least(0));
  tr.number("grow", a.tr.grow, Range::above(1));
  tr.number("rho_grow", a.tr.rho_grow, Range::any());
  tr.number("rho_shrink", a.tr.rho_shrink, Range::any());
  a.deepfool.top_c = a.top_c;
  a.tr.top_c = a.top_c;
  a.tr.target = a.target;
}

// [attack] rules (each error points at the key to change).
void check_attack_rules(const JobSpec& spec) {
  if (spec.job.kind != "attack") return;
  const AttackStudyOptions& a = spec.attack;
  if (a.checkpoint.empty()) {
    throw_config_error(spec.where("attack"),
                       "job.kind = \"attack\" needs attack.checkpoint: a checkpoint file written by a train job "
                       "(runs/NAME/checkpoints/ckpt_00000100.h5) or a run directory (its newest valid checkpoint)");
  }
  if (a.methods.empty()) {
    throw_config_error(spec.where("attack.methods"),
                       "attack.methods must name at least one of " + join_names(attack_method_names().names()) +
                           ", e.g. methods = [\"deepfool\", \"tr\"]");
  }
  if (a.norms.empty()) throw_config_error(spec.where("attack.norm"), "attack.norm must name l2, linf or both");
  const bool cw = std::find(a.methods.begin(), a.methods.end(), AttackMethod::kCw) != a.methods.end();
  const bool l2 = std::find(a.norms.begin(), a.norms.end(), AttackNorm::kL2) != a.norms.end();
  if (cw && !l2) {
    throw_config_error(spec.where("attack.methods"),
                       "cw is the Carlini-Wagner L2 attack: add \"l2\" to attack.norm or drop cw from attack.methods");
  }
  auto increasing = [&](const std::vector<double>& v, const std::string& key) {
    if (v.empty()) throw_config_error(spec.where(key), key + " must list at least one eps > 0");
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (!(v[i] > v[i - 1])) {
        throw_config_error(spec.where(key), key + " must be strictly increasing (got " + std::to_string(v[i - 1]) +
                                                " then " + std::to_string(v[i]) + ")");
      }
    }
  };
  increasing(a.eps_l2, "attack.eps_l2");
  increasing(a.eps_linf, "attack.eps_linf");
  for (std::size_t i = 1; i < a.kappas.size(); ++i) {
    if (!(a.kappas[i] > a.kappas[i - 1])) {
      throw_config_error(spec.where("attack.kappas"), "attack.kappas must be strictly increasing (got " +
                                                          std::to_string(a.kappas[i - 1]) + " then " +
                                                          std::to_string(a.kappas[i]) + ")");
    }
  }
  if (a.tr.radius_min > 0 && a.tr.radius_max > 0 && a.tr.radius_min > a.tr.radius_max) {
    throw_config_error(spec.where("attack.tr.radius_min"), "attack.tr.radius_min must be <= attack.tr.radius_max");
  }
  if (!(a.tr.rho_shrink <= a.tr.rho_grow)) {
    throw_config_error(spec.where("attack.tr.rho_shrink"), "attack.tr.rho_shrink must be <= attack.tr.rho_grow");
  }
}

}  // namespace curvlab
