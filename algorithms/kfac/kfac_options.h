// Options of K-FAC preconditioning ([kfac] in a job file, train.optimizer = "kfac"); conventions of
// gpauloski/kfac-pytorch (docs/kfac.md). Declared here, filled by jobs/. No torch in this header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

enum class KfacMethod { kEigen, kInverse };
const EnumNames<KfacMethod>& kfac_method_names();  // "eigen", "inverse"
enum class KfacDtype { kFloat32, kFloat64 };
const EnumNames<KfacDtype>& kfac_dtype_names();    // "float32", "float64"

struct KfacOptions {
  double damping = 1e-3;                   // Tikhonov damping (eigen: added to dG dA^T; inverse: to G and A)
  double factor_decay = 0.95;              // running average F <- decay F + (1 - decay) F_new
  double kl_clip = 1e-3;                   // 0 disables the KL clip
  std::int64_t factor_update_freq = 1;     // steps between factor updates
  std::int64_t inv_update_freq = 1;        // steps between eigendecompositions / inverses
  KfacMethod method = KfacMethod::kEigen;
  std::vector<double> damping_milestones;  // epochs at which damping *= damping_gamma
  double damping_gamma = 0.5;
  KfacDtype factor_dtype = KfacDtype::kFloat32;  // running factors
  KfacDtype inv_dtype = KfacDtype::kFloat32;     // decompositions and preconditioning
  std::vector<std::string> skip_layers;    // layer names ("fc2", "layer1.0.conv1") or kinds (linear, conv2d)
  double grad_worker_fraction = 1.0;       // [0, 1]: 1 comm-optimal, 0 (= 1/N) memory-optimal
  double bucket_mb = 25.0;                 // factor allreduce fusion buffers
};

}  // namespace curvlab
