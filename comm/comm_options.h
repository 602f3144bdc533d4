// Options of the communication layer ([comm] in a job file): which backend, fusion-bucket sizes,
// synchronised batch norm. Declared here, filled by jobs/; nothing in comm/ knows the job file.
#pragma once

#include "base/enum_names.h"

namespace curvlab {

enum class Backend { kAuto, kMpi, kNccl, kLocal };
// "auto", "mpi", "nccl", "local"
const EnumNames<Backend>& backend_names();

struct CommOptions {
  Backend backend = Backend::kAuto;
  double bucket_mb = 25.0;        // fusion bucket size
  double first_bucket_mb = 1.0;   // small first bucket, so communication starts early
  bool sync_batchnorm = false;    // batch-norm statistics over the global batch (engine/models/batchnorm.h)
};

}  // namespace curvlab
