// A tiny trained run for the hessian job tests: an MLP with 35 parameters (1x2x2 synthetic inputs,
// one hidden layer of 4, 3 classes) trained for 4 steps by the train job kind, with checkpoints at
// steps 2 and 4.
#pragma once

#include <string>

#include "comm/local/local_communicator.h"
#include "jobs/job_parser.h"
#include "jobs/train/train_options.h"

namespace curvlab::hessian_test {

inline std::string tiny_train_text(const std::string& out) {
  return "[job]\nname = \"tiny\"\noutput_dir = \"" + out + "\"\nseed = 4\n"
         "[data]\ndataset = \"synthetic\"\nsynthetic_train = 60\nsynthetic_test = 30\nsynthetic_shape = [1, 2, 2]\n"
         "synthetic_classes = 3\n[model]\nname = \"mlp\"\nwidths = [4]\n"
         "[train]\nsteps = 4\nbatch_size = 10\nlr = 0.1\ncheckpoint_every_steps = 2\nlog_every_seconds = 1000\n";
}

// Trains into `out`; returns the train job.
inline JobSpec train_tiny(const std::string& out) {
  JobSpec spec = parse_job_text(tiny_train_text(out), "tiny.toml");
  prepare_run_dir(out, RunMode::kFresh);
  make_job_trainer(spec, std::make_shared<LocalCommunicator>(), RunMode::kFresh)->run();
  return spec;
}

}  // namespace curvlab::hessian_test
