// Integration: on Fashion-MNIST at a large global batch (4096), K-FAC reaches the target test
// accuracy in fewer steps than SGD with the best of several learning rates. Bounded: at most
// kMaxSteps steps per run on a training subset, an MLP (784-128-10) so it fits the CI budget on
// two cores. The test evaluates every step and prints each run's steps-to-target.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "comm/local/local_communicator.h"
#include "base/run_dir.h"
#include "engine/trainer.h"
#include "jobs/train/train_options.h"
#include "jobs/job_parser.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

constexpr int kMaxSteps = 30;
constexpr double kTarget = 0.80;
const char* kData = "/usr/share/datasets/fashion-mnist";

// Steps until the test accuracy first reaches kTarget (kMaxSteps + 1 when it never does).
int steps_to_target(const std::string& optimizer, double lr) {
  const std::string out =
      (fs::temp_directory_path() / ("curvlab_kfac_fmnist_" + optimizer + "_" + std::to_string(lr) + "_" +
                                    std::to_string(getpid())))
          .string();
  fs::remove_all(out);
  std::ostringstream job;
  job << "[job]\nname = \"fm\"\noutput_dir = \"" << out << "\"\nseed = 1\n"
      << "[data]\ndataset = \"fashion-mnist\"\ntrain_subset = 16384\ntest_subset = 2000\n"
      << "[model]\nname = \"mlp\"\nwidths = [128]\n"
      << "[train]\nsteps = " << kMaxSteps << "\nbatch_size = 4096\noptimizer = \"" << optimizer << "\"\nlr = " << lr
      << "\nmomentum = 0.9\neval_every_steps = 1\ncheckpoint_every_steps = 1000\nkeep_last = 1\n"
      << "log_every_seconds = 1000\n"
      << "[kfac]\nfactor_update_freq = 1\ninv_update_freq = 5\ndamping = 0.003\nkl_clip = 0.001\n";
  JobSpec spec = parse_job_text(job.str(), "fmnist.toml");
  prepare_run_dir(out, RunMode::kFresh);
  make_job_trainer(spec, std::make_shared<LocalCommunicator>(), RunMode::kFresh)->run();
  std::ifstream csv(out + "/metrics_evals.csv");
  std::string line;
  std::getline(csv, line);  // step,epoch,train_loss,test_loss,test_accuracy,wall_time
  int reached = kMaxSteps + 1;
  while (std::getline(csv, line)) {
    std::stringstream row(line);
    std::string cell;
    std::vector<double> v;
    while (std::getline(row, cell, ',')) v.push_back(std::stod(cell));
    if (v.size() >= 5 && v[4] >= kTarget) {
      reached = static_cast<int>(v[0]);
      break;
    }
  }
  fs::remove_all(out);
  std::printf("[fashion-mnist batch 4096] %s lr %g: %s %d steps\n", optimizer.c_str(), lr,
              reached > kMaxSteps ? "target not reached in" : "target reached after",
              reached > kMaxSteps ? kMaxSteps : reached);
  return reached;
}

}  // namespace

TEST(KfacFashionMnist, ReachesTargetInFewerStepsThanTunedSgd) {
  if (!fs::exists(std::string(kData) + "/train-images-idx3-ubyte.gz") &&
      !fs::exists(std::string(kData) + "/train-images-idx3-ubyte")) {
    GTEST_SKIP() << "Fashion-MNIST not installed at " << kData << " (Debian package dataset-fashion-mnist)";
  }
  torch::set_num_threads(2);
  int best_sgd = kMaxSteps + 1;
  for (double lr : {0.1, 0.3, 1.0}) best_sgd = std::min(best_sgd, steps_to_target("sgd", lr));
  const int kfac = steps_to_target("kfac", 0.1);
  EXPECT_LE(kfac, kMaxSteps) << "K-FAC did not reach " << kTarget;
  EXPECT_LT(kfac, best_sgd) << "K-FAC needed " << kfac << " steps, the best SGD " << best_sgd;
}
