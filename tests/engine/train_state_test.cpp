// A training run's checkpoints and results file (engine/train_state.cpp). What a checkpoint holds
// (model, optimizer, trainer/* with the loader's step, epoch, position and training-set size,
// metrics, every rank's RNG state) and the results file's summary; no checkpoint with a non-finite
// parameter (DivergenceError, nothing written); resume from the newest valid checkpoint, including
// one written before the loader saved trainer/size and one without the integrity header (each made
// here by rewriting a fresh checkpoint through curvlab's StateWriter, so its checksum is right): each
// resumes and ends bitwise equal to an uninterrupted run, while a trainer/size of another data set, another model, or no
// checkpoint at all are reported. Interoperability with PyTorch: /usr/bin/python3 with h5py
// (scripts/python/curvlab_checkpoint.py) rebuilds the torch.nn twin from a trained checkpoint and its
// eval-mode logits on a fixed test batch must match curvlab's within 1e-5 (convnet on real
// Fashion-MNIST, skipped when the dataset package is missing; resnet20 with batch-norm statistics
// and an MLP on synthetic data).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "comm/local/local_communicator.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/data/dataset.h"
#include "engine/models/model.h"
#include "engine/checkpoint/hdf5_state_reader.h"
#include "engine/run_files.h"
#include "engine/train_context.h"
#include "engine/train_state.h"
#include "engine/train_build.h"
#include "base/error.h"
#include "engine/trainer.h"
#include "tests/engine/checkpoint/checkpoint_test_util.h"
#include "jobs/train/train_options.h"
#include "jobs/job_parser.h"

namespace fs = std::filesystem;
using namespace curvlab;

namespace {

const std::string kScript = std::string(CURVLAB_SOURCE_DIR) + "/scripts/python/curvlab_checkpoint.py";

std::pair<int, std::string> run_command(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  return {::pclose(p), out};
}

// Trains `job_text` (with output_dir set here), then compares its last checkpoint's logits with
// the PyTorch twin's. Returns the script's output.
void check_interop(const std::string& name, const std::string& body) {
  const fs::path out = fs::temp_directory_path() / ("curvlab_interop_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(out);
  const std::string text = "[job]\nname = \"" + name + "\"\noutput_dir = \"" + out.string() + "\"\nseed = 5\n" + body;
  JobSpec spec = parse_job_text(text, name + ".toml");
  prepare_run_dir(spec.job.output_dir, RunMode::kFresh);
  make_job_trainer(spec, std::make_shared<LocalCommunicator>(), RunMode::kFresh)->run();

  // The engine's side: a fresh model loaded from the checkpoint, as `--resume` would.
  auto ckpt = Checkpointer((out / "checkpoints").string(), 3).latest_valid();
  ASSERT_TRUE(ckpt.has_value());
  DataSplits data = load_data(spec.data, spec.job.seed);
  Net model = make_model(spec.model, data.sample_shape, data.num_classes);
  auto in = open_state_file(*ckpt);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : model->named_parameters()) p.value().copy_(in->read_tensor("model/" + p.key()));
    for (auto& b : model->named_buffers()) b.value().copy_(in->read_tensor("model/" + b.key()));
  }
  model->eval();
  torch::Tensor inputs = data.test.inputs.slice(0, 0, 32);
  torch::Tensor logits;
  {
    torch::NoGradGuard no_grad;
    logits = model->forward(inputs);
  }
  ASSERT_GT(logits.abs().max().item<double>(), 0.0);
  const std::string batch = (out / "batch.h5").string();
  write_state_file(batch, [&](StateWriter& w) {
    w.write_tensor("inputs", inputs);
    w.write_tensor("logits", logits);
  }, {{"kind", "test-batch"}});

  auto [status, output] = run_command("/usr/bin/python3 " + kScript + " " + *ckpt + " --check-logits " + batch +
                                      " --tol 1e-5");
  if (output.find("No module named") != std::string::npos) GTEST_SKIP() << "python3 lacks torch/h5py: " << output;
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("max |torch - curvlab|"), std::string::npos) << output;
  std::printf("%s: %s", name.c_str(), output.c_str());
  fs::remove_all(out);
}

}  // namespace

TEST(CheckpointTorchInterop, ConvNetOnFashionMnist) {
  DataOptions d;
  if (!fs::exists(default_data_root(d.dataset))) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  check_interop("convnet",
                "[data]\ndataset = \"fashion-mnist\"\ntrain_subset = 512\ntest_subset = 64\n"
                "[model]\nname = \"convnet\"\n"
                "[train]\nsteps = 6\nbatch_size = 64\nlr = 0.05\nmomentum = 0.9\nweight_decay = 5e-4\n"
                "log_every_seconds = 1000\n");
}

TEST(CheckpointTorchInterop, ResNet20WithBatchNormStatistics) {
  check_interop("resnet20",
                "[data]\ndataset = \"synthetic\"\nsynthetic_train = 96\nsynthetic_test = 32\n"
                "synthetic_shape = [3, 32, 32]\nsynthetic_classes = 10\n"
                "[model]\nname = \"resnet20\"\n"
                "[train]\nsteps = 3\nbatch_size = 32\nlr = 0.05\nmomentum = 0.9\nlog_every_seconds = 1000\n");
}

TEST(CheckpointTorchInterop, MlpSpecCarriesWidthsAndActivation) {
  check_interop("mlp",
                "[data]\ndataset = \"synthetic\"\nsynthetic_train = 64\nsynthetic_test = 32\n"
                "[model]\nname = \"mlp\"\nwidths = [24, 12]\nactivation = \"tanh\"\n"
                "[train]\nsteps = 4\nbatch_size = 16\nlr = 0.1\nlog_every_seconds = 1000\n");
}

namespace {

std::string temp_dir(const std::string& name) { return test_util::temp_dir("train_state_test", name); }

// Rewrites the state file `path` through curvlab's StateWriter without the datasets in `drop`
// (every other dataset, and the caller's root attributes, copied as they are). `legacy`: as curvlab
// wrote state files before the integrity header (plain HDF5, no user block).
void rewrite_without(const std::string& path, const std::set<std::string>& drop, bool legacy = false) {
  std::map<std::string, std::string> attrs = read_state_attributes(path);
  attrs.erase("format");
  attrs.erase("checksum_crc32");
  const std::string copy = path + ".copy";
  {
    Hdf5StateReader in(path);
    const auto fill = [&](StateWriter& w) {
      for (const auto& p : in.dataset_paths()) {
        if (drop.count(p)) continue;
        const DatasetRecord d = in.describe(p);
        if (d.dtype == "string") {
          w.write_string(p, in.read_string(p));
        } else if (d.shape.empty() && d.dtype == "int64") {
          w.write_int(p, in.read_int(p));
        } else if (d.shape.empty() && d.dtype == "float64") {
          w.write_double(p, in.read_double(p));
        } else {
          w.write_tensor(p, in.read_tensor(p));
        }
      }
    };
    if (legacy) {
      testing_ckpt::write_legacy_state_file(copy, fill, attrs);
    } else {
      write_state_file(copy, fill, attrs);
    }
  }
  fs::rename(copy, path);
}

void expect_same_models(const std::string& a, const std::string& b) {
  auto ma = test_util::final_model(a), mb = test_util::final_model(b);
  ASSERT_FALSE(ma.empty());
  ASSERT_EQ(ma.size(), mb.size());
  for (const auto& [name, t] : ma) {
    EXPECT_TRUE(torch::equal(t, mb.at(name))) << name << " max diff " << (t - mb.at(name)).abs().max().item<double>();
  }
}

}  // namespace

TEST(TrainState, CheckpointAndResultsHoldTheRun) {
  const std::string out = temp_dir("content");
  TrainerOptions o = test_util::tiny_options(out);
  o.steps = 5;
  o.target_metric = "test_accuracy";
  o.target_value = 2;  // never reached
  test_util::run_trainer(o);
  auto in = open_state_file(out + "/checkpoints/ckpt_00000005.h5");
  for (const char* k : {"trainer/step", "trainer/epoch", "trainer/position", "trainer/size", "trainer/world_size",
                        "trainer/steps_since_eval", "trainer/epoch_done", "rng/seed"}) {
    EXPECT_TRUE(in->has(k)) << k;
  }
  EXPECT_EQ(in->read_int("trainer/step"), 5);
  EXPECT_EQ(in->read_int("trainer/position"), 120);
  EXPECT_EQ(in->read_int("trainer/size"), 200);  // the loader's training-set size
  EXPECT_EQ(in->read_int("trainer/steps_since_eval"), 0);  // the last step evaluated
  EXPECT_EQ(in->read_double("trainer/loss_since_eval"), 0.0);
  EXPECT_GT(in->read_double("trainer/wall_time"), 0.0);
  EXPECT_EQ(in->children("model"), (std::vector<std::string>{"fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight"}));
  EXPECT_FALSE(in->children("optimizer").empty());
  EXPECT_EQ(in->read_tensor("rng/torch_cpu/rank_0").scalar_type(), torch::kUInt8);
  EXPECT_EQ(in->read_tensor("metrics/step/loss").numel(), 5);
  EXPECT_EQ(in->read_tensor("metrics/eval/step").numel(), 1);
  auto results = open_state_file(out + "/results.h5");
  EXPECT_EQ(results->read_int("summary/steps"), 5);
  EXPECT_EQ(results->read_int("summary/world_size"), 1);
  const auto evals = test_util::read_csv(out + "/metrics_evals.csv");
  EXPECT_NEAR(results->read_double("summary/test_accuracy"), evals.at("test_accuracy").back(), 1e-8);
  EXPECT_NEAR(results->read_double("summary/test_loss"), evals.at("test_loss").back(), 1e-8 * evals.at("test_loss").back());
  EXPECT_EQ(results->read_string("summary/target_metric"), "test_accuracy");
  EXPECT_EQ(results->read_double("summary/target_value"), 2.0);
  EXPECT_EQ(results->read_int("summary/target_reached"), 0);
  EXPECT_TRUE(std::isnan(results->read_double("summary/target_step")));
  EXPECT_FALSE(results->has("model"));  // results hold metrics and the summary, not the model
  fs::remove_all(out);
}

TEST(TrainState, NonFiniteParameterWritesNoCheckpoint) {
  const std::string out = temp_dir("nonfinite");
  TrainerOptions o = test_util::tiny_options(out);
  prepare_run_dir(out, RunMode::kFresh);
  TrainContext c(o, std::make_shared<LocalCommunicator>());
  build_training(c);
  finish_step_table(c);
  c.flush_metrics = [] {};
  c.step = 3;
  {
    torch::NoGradGuard g;
    c.params[2].second[1] = std::nan("");  // fc2.weight
  }
  try {
    save_checkpoint(c);
    FAIL() << "no DivergenceError";
  } catch (const DivergenceError& e) {
    EXPECT_NE(std::string(e.what()).find("parameter 'fc2.weight' is not finite at step 3; no checkpoint written"),
              std::string::npos) << e.what();
  }
  EXPECT_TRUE(test_util::checkpoint_steps(out).empty());
  EXPECT_FALSE(fs::exists(out + "/results.h5"));
  fs::remove_all(out);
}

// A checkpoint of an older curvlab has no trainer/size: it resumes (the size is not checked) and the
// run ends as an uninterrupted one.
TEST(TrainState, CheckpointWithoutTrainerSizeStillResumes) {
  const std::string a = temp_dir("full"), b = temp_dir("old");
  TrainerOptions o = test_util::tiny_options(a);
  o.checkpoint_every_steps = 4;
  test_util::run_trainer(o);
  o.output_dir = b;
  std::int64_t polls = 0;
  TrainerCallbacks stop;  // stops after step 6: mid-epoch, checkpoint there
  stop.stop_requested = [&] { return ++polls > 6; };
  test_util::run_trainer(o, RunMode::kFresh, {}, stop);
  const std::string ckpt = b + "/checkpoints/ckpt_00000006.h5";
  const std::string before = read_state_attributes(ckpt).at("checksum_crc32");
  rewrite_without(ckpt, {"trainer/size"});
  {
    auto in = open_state_file(ckpt);  // verifies the checksum of the rewritten file
    EXPECT_FALSE(in->has("trainer/size"));
    EXPECT_EQ(in->read_int("trainer/position"), 144);
    EXPECT_NE(read_state_attributes(ckpt).at("checksum_crc32"), before);
    EXPECT_EQ(read_state_attributes(ckpt).at("job_text"), o.job_text);  // attributes carried over
  }
  const TrainResult r = test_util::run_trainer(o, RunMode::kResume);
  EXPECT_TRUE(r.resumed);
  EXPECT_EQ(r.resumed_from_step, 6);
  EXPECT_EQ(r.steps, 18);
  expect_same_models(a, b);
  // The checkpoints written after the resume have trainer/size again.
  EXPECT_EQ(open_state_file(b + "/checkpoints/ckpt_00000018.h5")->read_int("trainer/size"), 200);
  fs::remove_all(a);
  fs::remove_all(b);
}

// A checkpoint written before the integrity header (plain HDF5 from byte 0, issue 13) still
// resumes, through the reader's separate-process walk, and the run ends as an uninterrupted one.
TEST(TrainState, CheckpointWithoutIntegrityHeaderStillResumes) {
  const std::string a = temp_dir("framed"), b = temp_dir("unframed");
  TrainerOptions o = test_util::tiny_options(a);
  o.checkpoint_every_steps = 4;
  test_util::run_trainer(o);
  o.output_dir = b;
  std::int64_t polls = 0;
  TrainerCallbacks stop;
  stop.stop_requested = [&] { return ++polls > 6; };
  test_util::run_trainer(o, RunMode::kFresh, {}, stop);
  const std::string ckpt = b + "/checkpoints/ckpt_00000006.h5";
  rewrite_without(ckpt, {}, /*legacy=*/true);
  EXPECT_EQ(check_state_header(ckpt, "checkpoint"), StateFraming::kUnframed);
  const TrainResult r = test_util::run_trainer(o, RunMode::kResume);
  EXPECT_TRUE(r.resumed);
  EXPECT_EQ(r.resumed_from_step, 6);
  expect_same_models(a, b);
  // What the resumed run writes has the header.
  EXPECT_EQ(check_state_header(b + "/checkpoints/ckpt_00000018.h5", "checkpoint"), StateFraming::kFramed);
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(TrainState, ResumeChecksTheDataSizeAndTheModel) {
  const std::string out = temp_dir("checks");
  TrainerOptions o = test_util::tiny_options(out);
  o.steps = 4;
  test_util::run_trainer(o);
  o.steps = 8;
  TrainerOptions other_data = o;
  other_data.data.synthetic_train = 180;
  try {
    test_util::run_trainer(other_data, RunMode::kResume);
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("written for a training split of 200 samples, this run has 180"),
              std::string::npos) << e.what();
  }
  TrainerOptions other_model = o;
  other_model.model.widths = {8};
  try {
    test_util::run_trainer(other_model, RunMode::kResume);
    FAIL() << "no IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("resume with the same [model] section"), std::string::npos) << e.what();
  }
  // Without any checkpoint a resume starts at step 0, saying so.
  const std::string empty = temp_dir("empty");
  TrainerOptions fresh = test_util::tiny_options(empty);
  fresh.steps = 2;
  prepare_run_dir(empty, RunMode::kFresh);
  test_util::CaptureStderr err;
  const TrainResult r = test_util::run_trainer(fresh, RunMode::kResume);
  err.restore();
  EXPECT_FALSE(r.resumed);
  EXPECT_EQ(r.steps, 2);
  EXPECT_NE(err.text().find("resume: no valid checkpoint in " + empty + "/checkpoints; starting from step 0"),
            std::string::npos) << err.text();
  fs::remove_all(out);
  fs::remove_all(empty);
}
