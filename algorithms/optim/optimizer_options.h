// Options of the optimizers (the optimizer keys of [train] and [train.lars]): PyTorch's SGD
// semantics, LARS on top. Filled by jobs/ (jobs/train/train_options.cpp).
#pragma once

#include "base/enum_names.h"

namespace curvlab {

// kKfac is SGD whose gradients the K-FAC step hook preconditions first (engine/hooks/kfac_hook.h).
enum class OptimizerKind { kSgd, kKfac, kLars };
// "sgd", "kfac", "lars"
const EnumNames<OptimizerKind>& optimizer_names();

// Layer-wise adaptive rate scaling (You et al. 2017).
struct LarsOptions {
  double trust_coefficient = 0.001;   // eta in local_lr = eta |w| / (|g| + wd |w|)
  double eps = 1e-9;                  // added to the denominator
  bool exclude_bias_and_norm = true;  // 1-D parameters (biases, norm weights): plain SGD, no weight decay
};

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kSgd;
  double lr = 0.1;                    // the initial lr (the trainer sets it every step)
  double momentum = 0.9;
  double dampening = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  LarsOptions lars;
};

}  // namespace curvlab
