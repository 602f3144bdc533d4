// Synthetic data: Gaussian inputs, teacher-network labels, all from named random streams.
#include "engine/data/synthetic.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "base/error.h"
#include "base/seeding.h"

namespace curvlab {
namespace {

at::Generator stream(std::uint64_t seed, const char* purpose) {
  return at::make_generator<at::CPUGeneratorImpl>(derive_seed(seed, purpose));
}

std::string shape_str(const std::vector<std::int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

void check_synthetic_spec(const DataOptions& spec) {
  const auto& s = spec.synthetic_shape;
  CURVLAB_CHECK(s.size() == 3 && s[0] > 0 && s[1] > 0 && s[2] > 0, ConfigError,
                "data.synthetic_shape " + shape_str(s) + " must be 3 positive sizes [C, H, W], e.g. [1, 8, 8]");
  CURVLAB_CHECK(spec.synthetic_train > 0 && spec.synthetic_test > 0, ConfigError,
                "data.synthetic_train and data.synthetic_test must be >= 1 (got " +
                    std::to_string(spec.synthetic_train) + ", " + std::to_string(spec.synthetic_test) + ")");
  CURVLAB_CHECK(spec.synthetic_classes >= 2, ConfigError,
                "data.synthetic_classes must be >= 2 (got " + std::to_string(spec.synthetic_classes) + ")");
}

SyntheticSplits make_synthetic(const DataOptions& spec, std::uint64_t seed) {
  check_synthetic_spec(spec);
  const auto& s = spec.synthetic_shape;
  const std::int64_t dim = s[0] * s[1] * s[2];
  const std::int64_t classes = spec.synthetic_classes;
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);

  auto teacher = stream(seed, "synthetic-teacher");
  auto w1 = torch::randn({kTeacherHidden, dim}, teacher, f32) / std::sqrt(double(dim));
  auto w2 = torch::randn({classes, kTeacherHidden}, teacher, f32) / std::sqrt(double(kTeacherHidden));

  SyntheticSplits out;
  auto train_gen = stream(seed, "synthetic-train");
  auto test_gen = stream(seed, "synthetic-test");
  out.train_inputs = torch::randn({spec.synthetic_train, s[0], s[1], s[2]}, train_gen, f32);
  out.test_inputs = torch::randn({spec.synthetic_test, s[0], s[1], s[2]}, test_gen, f32);

  // logits [N, K] = tanh(x [N, D] W1^T) W2^T
  auto logits = [&](const torch::Tensor& x) {
    return torch::tanh(x.reshape({x.size(0), dim}).matmul(w1.t())).matmul(w2.t());
  };
  auto train_logits = logits(out.train_inputs);
  auto bias = -train_logits.mean(0);
  out.train_targets = (train_logits + bias).argmax(1);
  out.test_targets = (logits(out.test_inputs) + bias).argmax(1);
  return out;
}

}  // namespace curvlab
