// Uses the installed curvlab::core: parses a job from text, builds its model and runs a forward
// pass; prints the model spec and logits shape. Exit 0 only when all of that works.
#include <cstdio>
#include <torch/torch.h>

#include "engine/models/model.h"
#include "base/version.h"
#include "jobs/job_parser.h"

int main() {
  const curvlab::JobSpec spec = curvlab::parse_job_text(
      "[job]\noutput_dir = \"unused\"\n[data]\ndataset = \"synthetic\"\n[model]\nname = \"lenet5\"\n", "consumer.toml");
  curvlab::Net net = curvlab::make_model(spec.model, {1, 28, 28}, 10);
  torch::Tensor logits = net->forward(torch::zeros({2, 1, 28, 28}));  // [2, 10]
  std::printf("curvlab %s: %s -> logits [%lld, %lld]\n", CURVLAB_VERSION,
              curvlab::model_spec_string(spec.model, {1, 28, 28}, 10).c_str(),
              static_cast<long long>(logits.size(0)), static_cast<long long>(logits.size(1)));
  return logits.size(0) == 2 && logits.size(1) == 10 ? 0 : 1;
}
