// The names of the Jacobian analysis' enums in job files (see jacobian_options.h).
#include "algorithms/jacobian/jacobian_options.h"

namespace curvlab {

const EnumNames<DenseMode>& dense_mode_names() {
  static const EnumNames<DenseMode> names = {
      {DenseMode::kAuto, "auto"}, {DenseMode::kAlways, "always"}, {DenseMode::kNever, "never"}};
  return names;
}

const EnumNames<PerturbationDirection>& perturbation_direction_names() {
  static const EnumNames<PerturbationDirection> names = {{PerturbationDirection::kRandom, "random"},
                                                         {PerturbationDirection::kFgsm, "fgsm"},
                                                         {PerturbationDirection::kDeepFool, "deepfool"},
                                                         {PerturbationDirection::kTr, "tr"}};
  return names;
}

}  // namespace curvlab
