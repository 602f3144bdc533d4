// Options of quantization ([quant] in a job file): the quantizer's granularity and range, and the
// HAWQ-V2 bit allocation (candidate bits, budget, evaluations). Declared here, filled by jobs/.
#pragma once

#include <cstdint>
#include <vector>

#include "base/enum_names.h"

namespace curvlab {

enum class Granularity { kChannel, kGroup, kTensor };
const EnumNames<Granularity>& granularity_names();  // "channel", "group", "tensor"

// Symmetric uniform fake quantization (quantizer.h).
struct QuantizerOptions {
  Granularity granularity = Granularity::kChannel;
  std::int64_t groups = 4;                 // granularity = group: G groups of rows (Q-BERT)
  double percentile = 100.0;               // clip range at this percentile of |w| (100 = max |w|), in [50, 100]
};

// HAWQ-V2 mixed-precision bit allocation (hessian jobs with hessian.hawq = true).
struct QuantOptions {
  std::vector<std::int64_t> bits = {2, 3, 4, 8};  // candidate bit widths
  QuantizerOptions quantizer;              // [quant] granularity, groups, percentile
  bool fix_first_last = true;              // first and last layer fixed at fixed_bits
  std::int64_t fixed_bits = 8;
  double budget_mb = 0.0;                  // size budget of the quantized weights, MB (10^6 bytes)
  double budget_avg_bits = 4.0;            // used when budget_mb = 0: average bits per weight
  std::int64_t eval_points = 5;            // further frontier points to evaluate
  std::int64_t eval_samples = 0;           // test samples for accuracy (0 = the whole test split)
};

}  // namespace curvlab
