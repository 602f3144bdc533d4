// [jacobian] (jobs/jacobian/jacobian_sections.cpp): defaults, every key read into
// JacobianStudyOptions, and the errors at their keys: no checkpoint, empty maps, empty alpha or
// beta lists, an unknown dense mode or direction (did-you-mean), projection_k above top_k, nothing
// to compute, sizes <= 0.
#include "jobs/jacobian/jacobian_sections.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

const std::string kHead = "[job]\nname = \"j\"\nkind = \"jacobian\"\noutput_dir = \"/tmp/curvlab_jacobian_sections\"\n";

JobSpec parse(const std::string& body) { return parse_job_text(kHead + "[jacobian]\n" + body, "j.toml"); }

std::string error_of(const std::string& body) {
  try {
    parse(body);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(JacobianSections, Defaults) {
  const JacobianStudyOptions j = parse("checkpoint = \"runs/r\"\n").jacobian;
  EXPECT_EQ(j.checkpoint, "runs/r");
  EXPECT_EQ(j.split, DataSplit::kTest);
  EXPECT_EQ(j.maps, (std::vector<std::string>{"units", "stages"}));
  EXPECT_EQ(j.dense, DenseMode::kAuto);
  EXPECT_EQ(j.dense_max_dim, 4096);
  EXPECT_EQ(j.alphas, (std::vector<double>{1.0}));
  EXPECT_TRUE(j.perturbation.enabled);
}

TEST(JacobianSections, ReadsEveryKey) {
  const JacobianStudyOptions j = parse(
      "checkpoint = \"c.h5\"\nsplit = \"train\"\nsamples = 7\nbatch_size = 3\nmaps = [\"layer1.0\", \"features\"]\n"
      "lanczos = true\ntop_k = 4\nbottom_k = 2\nlanczos_max_iter = 50\nlanczos_tol = 1e-4\ndense = \"always\"\n"
      "dense_max_dim = 100\ntaus = [0.2]\nalphas = [0, 1]\nbetas = [0.5, 1, 2]\nplots = false\n"
      "[jacobian.perturbation]\nenabled = true\nsizes = [0.5]\ndirections = [\"random\", \"deepfool\"]\n"
      "projection_k = 3\n[jacobian.tr]\nmax_iter = 11\novershoot = 1.05\ntop_c = 3\n"
      "[jacobian.deepfool]\nmax_iter = 12\novershoot = 0.03\ntop_c = 4\n").jacobian;
  EXPECT_EQ(j.split, DataSplit::kTrain);
  EXPECT_EQ(j.samples, 7);
  EXPECT_EQ(j.batch_size, 3);
  EXPECT_EQ(j.maps, (std::vector<std::string>{"layer1.0", "features"}));
  EXPECT_EQ(j.top_k, 4);
  EXPECT_EQ(j.bottom_k, 2);
  EXPECT_EQ(j.lanczos_max_iter, 50);
  EXPECT_EQ(j.lanczos_tol, 1e-4);
  EXPECT_EQ(j.dense, DenseMode::kAlways);
  EXPECT_EQ(j.dense_max_dim, 100);
  EXPECT_EQ(j.taus, (std::vector<double>{0.2}));
  EXPECT_EQ(j.alphas, (std::vector<double>{0, 1}));
  EXPECT_EQ(j.betas, (std::vector<double>{0.5, 1, 2}));
  EXPECT_FALSE(j.plots);
  EXPECT_EQ(j.perturbation.sizes, (std::vector<double>{0.5}));
  EXPECT_EQ(j.perturbation.directions,
            (std::vector<PerturbationDirection>{PerturbationDirection::kRandom, PerturbationDirection::kDeepFool}));
  EXPECT_EQ(j.perturbation.projection_k, 3);
  EXPECT_EQ(j.tr.max_iter, 11);
  EXPECT_EQ(j.tr.overshoot, 1.05);
  EXPECT_EQ(j.tr.top_c, 3);
  EXPECT_EQ(j.deepfool.max_iter, 12);
  EXPECT_EQ(j.deepfool.overshoot, 0.03);
  EXPECT_EQ(j.deepfool.top_c, 4);
}

TEST(JacobianSections, ErrorsAtTheirKeys) {
  struct Case {
    std::string body;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {"samples = 3\n", {"needs jacobian.checkpoint"}},
      {"checkpoint = \"c\"\nmaps = []\n", {"j.toml:7:", "jacobian.maps must name at least one map"}},
      {"checkpoint = \"c\"\nalphas = []\n", {"j.toml:7:", "jacobian.alphas must list at least one"}},
      {"checkpoint = \"c\"\nbetas = []\n", {"j.toml:7:", "jacobian.betas must list at least one"}},
      {"checkpoint = \"c\"\ndense = \"alway\"\n", {"j.toml:7:", "always"}},
      {"checkpoint = \"c\"\ntop_k = 2\n", {"j.toml:7:", "projection_k (5)", "top_k (2)"}},
      {"checkpoint = \"c\"\nlanczos = false\ndense = \"never\"\n[jacobian.perturbation]\nenabled = false\n",
       {"nothing to compute"}},
      {"checkpoint = \"c\"\n[jacobian.perturbation]\nsizes = [0.1, 0]\n", {"j.toml:8:", "sizes"}},
      {"checkpoint = \"c\"\n[jacobian.perturbation]\ndirections = [\"fgsn\"]\n", {"j.toml:8:", "fgsm"}},
      {"checkpoint = \"c\"\n[jacobian.perturbation]\ndirections = []\n", {"at least one of random, fgsm"}},
      {"checkpoint = \"c\"\ntop_k = 0\nbottom_k = 0\n[jacobian.perturbation]\nprojection_k = 0\n",
       {"top_k + bottom_k >= 1"}},
  };
  for (const Case& c : cases) {
    const std::string m = error_of(c.body);
    EXPECT_FALSE(m.empty()) << c.body;
    for (const std::string& want : c.expected) EXPECT_NE(m.find(want), std::string::npos) << want << " in: " << m;
  }
}

}  // namespace
}  // namespace curvlab
