// Options of the optimizers (the optimizer keys of [train], [train.lars] and [train.adam]): PyTorch's
// SGD, Adam and AdamW semantics, LARS on top of SGD. Filled by jobs/ (jobs/train/train_options.cpp).
#pragma once

#include "base/enum_names.h"

namespace curvlab {

// kKfac is SGD whose gradients the K-FAC step hook preconditions first (engine/hooks/kfac_hook.h).
// kAdam is torch.optim.Adam (L2 weight decay added to the gradient), kAdamw torch.optim.AdamW
// (decoupled weight decay: w *= 1 - lr wd before the Adam step); both algorithms/optim/adam.h.
enum class OptimizerKind { kSgd, kKfac, kLars, kAdam, kAdamw };
// "sgd", "kfac", "lars", "adam", "adamw"
const EnumNames<OptimizerKind>& optimizer_names();

// Layer-wise adaptive rate scaling (You et al. 2017).
struct LarsOptions {
  double trust_coefficient = 0.001;   // eta in local_lr = eta |w| / (|g| + wd |w|)
  double eps = 1e-9;                  // added to the denominator
  bool exclude_bias_and_norm = true;  // 1-D parameters (biases, norm weights): plain SGD, no weight decay
};

// Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019), torch.optim's defaults.
struct AdamOptions {
  double beta1 = 0.9;                 // decay of the first moment (exp_avg)
  double beta2 = 0.999;               // decay of the second moment (exp_avg_sq)
  double eps = 1e-8;                  // added to sqrt(v_hat) in the denominator
  bool amsgrad = false;               // divide by the running maximum of v (Reddi et al. 2018)
};

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kSgd;
  double lr = 0.1;                    // the initial lr (the trainer sets it every step)
  double momentum = 0.9;
  double dampening = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;          // sgd, lars, adam: L2 (wd w added to the gradient); adamw: decoupled
  LarsOptions lars;
  AdamOptions adam;
};

}  // namespace curvlab
