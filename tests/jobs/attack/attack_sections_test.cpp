// [attack] (jobs/attack/attack_sections.cpp): defaults, every key read into AttackStudyOptions,
// a single norm as a list of one, and the errors (unknown method with did-you-mean, bad norm,
// kappa < 0, eps <= 0, non-increasing lists, cw without l2, no checkpoint, no methods), each at
// the key. [train.adversarial] is read by the train section (tested in tests/jobs/train).
#include "jobs/attack/attack_sections.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

const std::string kHead = "[job]\nname = \"a\"\nkind = \"attack\"\noutput_dir = \"/tmp/curvlab_attack_sections\"\n";

JobSpec parse(const std::string& attack) { return parse_job_text(kHead + "[attack]\n" + attack, "a.toml"); }

std::string error_of(const std::string& attack) {
  try {
    parse(attack);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(AttackSections, ReadsEveryKey) {
  const JobSpec s = parse(
      "checkpoint = \"runs/x\"\nsplit = \"train\"\nsamples = 50\nbatch_size = 10\nmethods = [\"tr\", \"cw\", \"pgd\"]\n"
      "norm = [\"linf\", \"l2\"]\neps_l2 = [0.5, 1.0]\neps_linf = [0.01]\ntop_c = 4\ntarget = \"hardest\"\n"
      "kappas = [0, 0.5]\ngray_box = false\nsave_examples = 3\nplots = false\n"
      "[attack.ifgsm]\nstep_l2 = 0.05\nstep_linf = 0.001\nmax_iter = 30\n"
      "[attack.pgd]\nsteps = 7\nstep_ratio = 2.0\nrandom_start = false\n"
      "[attack.deepfool]\nmax_iter = 9\novershoot = 0.05\n"
      "[attack.cw]\nbinary_steps = 3\nmax_iter = 40\nlr = 0.05\ninitial_const = 0.1\nconfidence = 1\n"
      "abort_early = false\n"
      "[attack.tr]\nmax_iter = 99\novershoot = 1.1\nmargin = 0.0003\nradius = 0.002\nradius_min = 0.001\nradius_max = 0.1\ngrow = 1.5\n"
      "rho_grow = 0.8\nrho_shrink = 0.4\n");
  const AttackStudyOptions& a = s.attack;
  EXPECT_EQ(a.checkpoint, "runs/x");
  EXPECT_EQ(a.split, DataSplit::kTrain);
  EXPECT_EQ(a.samples, 50);
  EXPECT_EQ(a.batch_size, 10);
  EXPECT_EQ(a.methods, (std::vector<AttackMethod>{AttackMethod::kTr, AttackMethod::kCw, AttackMethod::kPgd}));
  EXPECT_EQ(a.norms, (std::vector<AttackNorm>{AttackNorm::kLinf, AttackNorm::kL2}));
  EXPECT_EQ(a.eps_l2, (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(a.eps_linf, (std::vector<double>{0.01}));
  EXPECT_EQ(a.top_c, 4);
  EXPECT_EQ(a.deepfool.top_c, 4);
  EXPECT_EQ(a.tr.top_c, 4);
  EXPECT_EQ(a.tr.target, TargetChoice::kHardest);
  EXPECT_EQ(a.kappas, (std::vector<double>{0, 0.5}));
  EXPECT_FALSE(a.gray_box);
  EXPECT_EQ(a.save_examples, 3);
  EXPECT_FALSE(a.plots);
  EXPECT_EQ(a.ifgsm_step_l2, 0.05);
  EXPECT_EQ(a.ifgsm_step_linf, 0.001);
  EXPECT_EQ(a.ifgsm.max_iter, 30);
  EXPECT_EQ(a.pgd.steps, 7);
  EXPECT_EQ(a.pgd.step_ratio, 2.0);
  EXPECT_FALSE(a.pgd.random_start);
  EXPECT_EQ(a.deepfool.max_iter, 9);
  EXPECT_EQ(a.deepfool.overshoot, 0.05);
  EXPECT_EQ(a.cw.binary_steps, 3);
  EXPECT_EQ(a.cw.max_iter, 40);
  EXPECT_EQ(a.cw.lr, 0.05);
  EXPECT_EQ(a.cw.initial_const, 0.1);
  EXPECT_EQ(a.cw.confidence, 1);
  EXPECT_FALSE(a.cw.abort_early);
  EXPECT_EQ(a.tr.max_iter, 99);
  EXPECT_EQ(a.tr.overshoot, 1.1);
  EXPECT_EQ(a.tr.margin, 0.0003);
  EXPECT_EQ(a.tr.radius, 0.002);
  EXPECT_EQ(a.tr.radius_min, 0.001);
  EXPECT_EQ(a.tr.radius_max, 0.1);
  EXPECT_EQ(a.tr.grow, 1.5);
  EXPECT_EQ(a.tr.rho_grow, 0.8);
  EXPECT_EQ(a.tr.rho_shrink, 0.4);
}

TEST(AttackSections, DefaultsAndASingleNorm) {
  const JobSpec s = parse("checkpoint = \"c.h5\"\nmethods = \"deepfool\"\nnorm = \"linf\"\n");
  EXPECT_EQ(s.attack.methods, (std::vector<AttackMethod>{AttackMethod::kDeepFool}));
  EXPECT_EQ(s.attack.norms, (std::vector<AttackNorm>{AttackNorm::kLinf}));
  EXPECT_EQ(s.attack.split, DataSplit::kTest);
  EXPECT_EQ(s.attack.samples, 1000);
  EXPECT_EQ(s.attack.top_c, 9);
  EXPECT_EQ(s.attack.tr.max_iter, 2000);
  EXPECT_EQ(s.attack.tr.overshoot, 1.02);
  EXPECT_EQ(s.attack.deepfool.overshoot, 0.02);
  EXPECT_TRUE(s.attack.kappas.empty());
}

TEST(AttackSections, BadValuesAreErrorsAtTheKey) {
  const std::string ok = "checkpoint = \"c.h5\"\n";
  auto has = [](const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; };
  std::string e = error_of(ok + "methods = [\"deepfol\"]\n");
  EXPECT_TRUE(has(e, "a.toml:7") && has(e, "did you mean \"deepfool\"")) << e;
  e = error_of(ok + "methods = [\"tr\"]\nnorm = \"l1\"\n");
  EXPECT_TRUE(has(e, "attack.norm must name only l2, linf") && has(e, "\"l1\"")) << e;
  e = error_of(ok + "methods = [\"tr\"]\nkappas = [-0.5]\n");
  EXPECT_TRUE(has(e, "attack.kappas")) << e;
  e = error_of(ok + "methods = [\"fgsm\"]\neps_linf = [0.1, 0]\n");
  EXPECT_TRUE(has(e, "attack.eps_linf")) << e;
  e = error_of(ok + "methods = [\"fgsm\"]\neps_l2 = [1.0, 0.5]\n");
  EXPECT_TRUE(has(e, "strictly increasing")) << e;
  e = error_of(ok + "methods = [\"cw\"]\nnorm = \"linf\"\n");
  EXPECT_TRUE(has(e, "cw is the Carlini-Wagner L2 attack")) << e;
  e = error_of(ok + "methods = [\"tr\", \"tr\"]\n");
  EXPECT_TRUE(has(e, "twice")) << e;
  e = error_of("methods = [\"tr\"]\n");
  EXPECT_TRUE(has(e, "needs attack.checkpoint")) << e;
  e = error_of(ok);
  EXPECT_TRUE(has(e, "attack.methods must name at least one")) << e;
  e = error_of(ok + "methods = [\"tr\"]\n[attack.tr]\nradius_min = 0.1\nradius_max = 0.01\n");
  EXPECT_TRUE(has(e, "radius_min")) << e;
}

TEST(AttackSections, TheShippedStudiesParse) {
  const JobSpec c = load_job_file(CURVLAB_SOURCE_DIR "/examples/attack_comparison.toml");
  EXPECT_EQ(c.job.kind, "attack");
  EXPECT_EQ(c.attack.checkpoint, "runs/default");
  EXPECT_EQ(c.attack.samples, 1000);
  EXPECT_EQ(c.attack.methods.size(), 3u);
  EXPECT_EQ(c.attack.norms.size(), 2u);
  const JobSpec j = load_job_file(CURVLAB_SOURCE_DIR "/examples/jumprelu_study.toml");
  EXPECT_EQ(j.attack.kappas, (std::vector<double>{0, 0.25, 0.5, 1.0, 1.5}));
  EXPECT_EQ(j.attack.checkpoint, "runs/lenet_like");
  const JobSpec t = load_job_file(CURVLAB_SOURCE_DIR "/examples/lenet_like_fashion_mnist.toml");
  EXPECT_EQ(t.model.name, "lenet_like");
  EXPECT_EQ(t.job.output_dir, "runs/lenet_like");
}

}  // namespace
}  // namespace curvlab
