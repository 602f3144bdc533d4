// Rebuilding a model from a train job's checkpoint (jobs/hessian/checkpoint_model.cpp): a checkpoint
// given as a file, as a run directory (its newest valid checkpoint, in checkpoints/ or in the
// directory itself), or missing (a ConfigError at the key); the model and data from the checkpoint's
// own job text, the weights equal to the checkpoint's tensors (exact), the data equal to loading the
// train job's [data]; a hessian job's own [data] or [model] replacing the checkpoint's (a model of
// another shape is a ConfigError); a state file without job_text is an IoError; the info/ datasets a
// study of the checkpoint records (write_study_info).
#include "jobs/hessian/checkpoint_model.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "jobs/capture_output.h"
#include "jobs/hessian/trained_run.h"

namespace curvlab {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(CheckpointModel, ResolveAFileARunDirectoryOrNothing) {
  jobs_test::ScratchDir dir("checkpoint_model_resolve");
  hessian_test::train_tiny(dir / "run");
  const JobSpec spec = parse_job_text("[job]\nkind = \"hessian\"\noutput_dir = \"h\"\n[hessian]\ncheckpoint = \"x\"\n",
                                      "h.toml");
  const std::string second = dir / "run/checkpoints/ckpt_00000002.h5";
  EXPECT_EQ(resolve_checkpoint(second, spec, "hessian.checkpoint"), second);
  EXPECT_EQ(resolve_checkpoint(dir / "run", spec, "hessian.checkpoint"), dir / "run/checkpoints/ckpt_00000004.h5");
  EXPECT_EQ(resolve_checkpoint(dir / "run/checkpoints", spec, "hessian.checkpoint"),
            dir / "run/checkpoints/ckpt_00000004.h5");
  // A corrupted newest checkpoint is skipped (with a warning).
  std::filesystem::resize_file(dir / "run/checkpoints/ckpt_00000004.h5", 100);
  jobs_test::Capture err(2);
  EXPECT_EQ(resolve_checkpoint(dir / "run", spec, "hessian.checkpoint"), second);
  err.stop();
  fs::create_directories(dir / "empty");
  const std::string none = error_of([&] { resolve_checkpoint(dir / "empty", spec, "hessian.checkpoint"); });
  EXPECT_NE(none.find("h.toml:5:14: no valid checkpoint (ckpt_*.h5) in '" + dir / "empty" + "'"), std::string::npos) << none;
  const std::string missing = error_of([&] { resolve_checkpoint(dir / "absent.h5", spec, "hessian.checkpoint"); });
  EXPECT_NE(missing.find("hessian.checkpoint '" + dir / "absent.h5" + "' does not exist"), std::string::npos) << missing;
}

TEST(CheckpointModel, ModelAndDataFromTheCheckpointsJob) {
  jobs_test::ScratchDir dir("checkpoint_model_load");
  const JobSpec trained = hessian_test::train_tiny(dir / "run");
  const std::string ckpt = dir / "run/checkpoints/ckpt_00000004.h5";
  const CheckpointModel m = load_checkpoint_model(ckpt, nullptr);
  EXPECT_EQ(m.path, ckpt);
  EXPECT_EQ(m.trained.source_text, trained.source_text);
  EXPECT_EQ(m.model_spec.widths, (std::vector<std::int64_t>{4}));
  EXPECT_EQ(m.data_spec.synthetic_train, 60);
  auto in = open_state_file(ckpt);
  for (const auto& p : m.model->named_parameters()) {
    EXPECT_TRUE(torch::equal(p.value(), in->read_tensor("model/" + p.key()))) << p.key();
  }
  const DataSplits expected = load_data(trained.data, trained.job.seed);
  EXPECT_TRUE(torch::equal(m.data.train.inputs, expected.train.inputs));
  EXPECT_TRUE(torch::equal(m.data.test.targets, expected.test.targets));

  // The hessian job's own [data] wins; its own [model] must fit the weights.
  const JobSpec own_data = parse_job_text(hessian_test::tiny_train_text(dir / "h") + "[hessian]\n", "h.toml",
                                          {"data.synthetic_test=12"});
  EXPECT_EQ(load_checkpoint_model(ckpt, &own_data).data.test.size(), 12);
  const JobSpec own_model = parse_job_text("[job]\noutput_dir = \"h\"\n[model]\nname = \"mlp\"\nwidths = [5]\n", "h.toml");
  const std::string shape = error_of([&] { load_checkpoint_model(ckpt, &own_model); });
  EXPECT_NE(shape.find("model/fc1.weight has shape [4, 4] but the model has [5, 4]"), std::string::npos) << shape;
  EXPECT_NE(shape.find("leave [model] out of the hessian job"), std::string::npos) << shape;

  write_state_file(dir / "plain.h5", [](StateWriter& w) { w.write_int("x", 1); }, {});
  const std::string plain = error_of([&] { load_checkpoint_model(dir / "plain.h5", nullptr); });
  EXPECT_NE(plain.find("no job_text attribute"), std::string::npos) << plain;
}

TEST(CheckpointModel, StudyInfo) {
  jobs_test::ScratchDir dir("checkpoint_model_info");
  hessian_test::train_tiny(dir / "run");
  const std::string ckpt = dir / "run/checkpoints/ckpt_00000004.h5";
  const CheckpointModel m = load_checkpoint_model(ckpt, nullptr);
  write_state_file(dir / "info.h5", [&](StateWriter& w) { write_study_info(w, m, ckpt, "test", 7, 3, 0.0, 1.0); }, {});
  auto in = open_state_file(dir / "info.h5");
  EXPECT_EQ(in->read_string("info/checkpoint"), ckpt);
  EXPECT_EQ(in->read_string("info/split"), "test");
  EXPECT_EQ(in->read_int("info/samples"), 7);
  EXPECT_EQ(in->read_int("info/world_size"), 3);
  EXPECT_EQ(in->read_double("info/box_hi"), 1.0);
  EXPECT_EQ(in->read_string("info/model"), model_spec_string(m.model_spec, m.data.sample_shape, m.data.num_classes));
  EXPECT_EQ(in->has("info/mean"), !m.data.mean.empty());
}

}  // namespace
}  // namespace curvlab
