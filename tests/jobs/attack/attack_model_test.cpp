// JumpReLU copies of a trained model (jobs/attack/attack_model.cpp): the same parameters and
// buffers (a ResNet's batch-norm statistics included); at kappa 0 its eval-mode logits equal the
// ReLU model's bitwise; a large kappa changes them; the copy is in eval mode.
#include "jobs/attack/attack_model.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/models/model.h"

namespace curvlab {
namespace {

TEST(AttackModel, KappaCopiesShareTheWeights) {
  torch::manual_seed(2);
  ModelOptions o;
  o.name = "resnet20";
  Net trained = make_model(o, {3, 8, 8}, 5);
  {
    torch::NoGradGuard g;
    for (auto& b : trained->named_buffers()) {
      if (b.value().is_floating_point()) b.value().uniform_(0.5, 1.5);
    }
  }
  trained->eval();
  const torch::Tensor x = torch::randn({3, 3, 8, 8});
  const Net k0 = with_kappa(trained, o, 0.0, {3, 8, 8}, 5), k1 = with_kappa(trained, o, 1.0, {3, 8, 8}, 5);

  EXPECT_FALSE(k0->is_training());
  const auto params = trained->named_parameters(), buffers = trained->named_buffers();
  for (const auto& p : k1->named_parameters()) EXPECT_TRUE(p.value().equal(params[p.key()])) << p.key();
  for (const auto& b : k1->named_buffers()) EXPECT_TRUE(b.value().equal(buffers[b.key()])) << b.key();
  torch::NoGradGuard g;
  EXPECT_TRUE(k0->forward(x).equal(trained->forward(x)));
  // A ConvNet (no batch norm: its pre-activations spread over (0, 1]): kappa 1 changes the logits.
  ModelOptions c;
  torch::manual_seed(3);
  Net conv = make_model(c, {3, 8, 8}, 5);
  conv->eval();
  EXPECT_FALSE(with_kappa(conv, c, 1.0, {3, 8, 8}, 5)->forward(x).equal(conv->forward(x)));
}

}  // namespace
}  // namespace curvlab
