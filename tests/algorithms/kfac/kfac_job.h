// The small K-FAC train job the K-FAC tests share: convnet on synthetic 1x8x8 data, 2 epochs of 5
// steps, factors every 2 steps, decompositions every 3, fc2 skipped, checkpoints every 4 steps.
#pragma once

#include <string>

#include "jobs/job_parser.h"

namespace curvlab {
namespace testing_kfac {

inline JobSpec kfac_job(const std::string& out, const std::string& optimizer = "kfac") {
  const std::string text =
      "[job]\nname = \"k\"\noutput_dir = \"" + out + "\"\nseed = 4\n"
      "[data]\ndataset = \"synthetic\"\nsynthetic_train = 120\nsynthetic_test = 40\nsynthetic_shape = [1, 8, 8]\n"
      "synthetic_classes = 3\n"
      "[model]\nname = \"convnet\"\n"
      "[train]\nepochs = 2\nbatch_size = 25\nlr = 0.05\nmomentum = 0.9\nweight_decay = 1e-4\noptimizer = \"" +
      optimizer + "\"\ncheckpoint_every_steps = 4\nkeep_last = 2\nlog_every_seconds = 1000\n"
      "[kfac]\nfactor_update_freq = 2\ninv_update_freq = 3\ndamping = 0.003\nkl_clip = 0.001\n"
      "damping_milestones = [1.0]\nskip_layers = [\"fc2\"]\n";
  return parse_job_text(text, "kfac.toml");
}

}  // namespace testing_kfac
}  // namespace curvlab
