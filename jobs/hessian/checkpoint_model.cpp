// Rebuilding a model (and its data) from a train job's checkpoint.
#include "jobs/hessian/checkpoint_model.h"

#include <torch/torch.h>

#include <filesystem>

#include "engine/checkpoint/checkpointer.h"
#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {
bool section_written(const JobSpec& spec, const std::string& section) {
  for (const auto& [key, where] : spec.locations) {
    if (key.rfind(section + ".", 0) == 0) return true;
  }
  return false;
}

// Loads /model/<key> of the checkpoint into every parameter and buffer (shapes must agree).
void load_weights(torch::nn::Module& model, const StateReader& in, const std::string& file) {
  torch::NoGradGuard no_grad;
  auto load = [&](const std::string& name, torch::Tensor t) {
    const std::string path = "model/" + name;
    CURVLAB_CHECK(in.has(path), IoError, file + ": no tensor " + path + "; was it written by a train job of this model?");
    torch::Tensor v = in.read_tensor(path);
    CURVLAB_CHECK(v.sizes() == t.sizes(), ConfigError,
                  file + ": " + path + " has shape " + c10::str(v.sizes()) + " but the model has " + c10::str(t.sizes()) +
                      "; leave [model] out of the hessian job so that the checkpoint's own model is used");
    t.copy_(v.to(t.scalar_type()));
  };
  for (const auto& p : model.named_parameters()) load(p.key(), p.value());
  for (const auto& b : model.named_buffers()) load(b.key(), b.value());
}
}  // namespace

std::string resolve_checkpoint(const std::string& path, const JobSpec& spec, const std::string& key) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return path;
  if (fs::is_directory(path, ec)) {
    const fs::path sub = fs::path(path) / "checkpoints";
    const std::string dir = fs::is_directory(sub, ec) ? sub.string() : path;
    auto latest = Checkpointer(dir, 1000000).latest_valid();
    CURVLAB_CHECK(latest.has_value(), ConfigError,
                  spec.where(key).str() + ": no valid checkpoint (ckpt_*.h5) in '" + dir +
                      "'; run the train job first or point " + key + " at a checkpoint file");
    return *latest;
  }
  CURVLAB_THROW(ConfigError, spec.where(key).str() + ": " + key + " '" + path +
                                 "' does not exist; give a checkpoint file or a train run's output directory");
}

CheckpointModel load_checkpoint_model(const std::string& path, const JobSpec* overrides) {
  CheckpointModel c;
  c.path = path;
  const auto attrs = read_state_attributes(path);
  const auto job_text = attrs.find("job_text");
  CURVLAB_CHECK(job_text != attrs.end(), IoError, path + ": no job_text attribute; was it written by curvlab's train job?");
  c.trained = parse_job_text(job_text->second, path + " (job_text)", {});
  const bool own_model = overrides && section_written(*overrides, "model");
  const bool own_data = overrides && section_written(*overrides, "data");
  c.model_spec = own_model ? overrides->model : c.trained.model;
  c.data_spec = own_data ? overrides->data : c.trained.data;
  c.data = load_data(c.data_spec, own_data ? overrides->job.seed : c.trained.job.seed);
  c.model = make_model(c.model_spec, c.data.sample_shape, c.data.num_classes);
  auto in = open_state_file(path);
  load_weights(*c.model, *in, path);
  return c;
}

void write_study_info(StateWriter& out, const CheckpointModel& loaded, const std::string& checkpoint,
                      const std::string& split, std::int64_t samples, int world_size, double box_lo, double box_hi) {
  const DataSplits& data = loaded.data;
  out.write_string("info/checkpoint", checkpoint);
  out.write_string("info/split", split);
  out.write_int("info/samples", samples);
  out.write_int("info/world_size", world_size);
  if (!data.mean.empty()) {  // the normalisation in front of the network (none: pixels go in as they are)
    out.write_tensor("info/mean", torch::tensor(data.mean, torch::kFloat64));
    out.write_tensor("info/stdev", torch::tensor(data.stdev, torch::kFloat64));
  }
  out.write_double("info/box_lo", box_lo);
  out.write_double("info/box_hi", box_hi);
  out.write_string("info/model", model_spec_string(loaded.model_spec, data.sample_shape, data.num_classes));
}

}  // namespace curvlab
