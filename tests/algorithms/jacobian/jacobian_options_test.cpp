// The job-file names of the Jacobian analysis' enums (algorithms/jacobian/jacobian_options.cpp):
// every value has a distinct name and each name finds its value.
#include "algorithms/jacobian/jacobian_options.h"

#include <gtest/gtest.h>

namespace curvlab {
namespace {

TEST(JacobianOptions, EnumNamesRoundTrip) {
  EXPECT_EQ(dense_mode_names().names(), (std::vector<std::string>{"auto", "always", "never"}));
  for (DenseMode m : {DenseMode::kAuto, DenseMode::kAlways, DenseMode::kNever}) {
    EXPECT_EQ(dense_mode_names().find(dense_mode_names().name(m)), m);
  }
  EXPECT_EQ(perturbation_direction_names().names(), (std::vector<std::string>{"random", "fgsm", "deepfool", "tr"}));
  for (auto d : {PerturbationDirection::kRandom, PerturbationDirection::kFgsm, PerturbationDirection::kDeepFool,
                 PerturbationDirection::kTr}) {
    EXPECT_EQ(perturbation_direction_names().find(perturbation_direction_names().name(d)), d);
  }
  EXPECT_FALSE(dense_mode_names().find("sometimes").has_value());
  const JacobianStudyOptions o;
  EXPECT_LE(o.perturbation.projection_k, o.top_k);  // the defaults pass the rule between them
}

}  // namespace
}  // namespace curvlab
