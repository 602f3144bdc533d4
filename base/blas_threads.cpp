// OpenBLAS thread control through dlsym (no link-time dependency on OpenBLAS).
#include "base/blas_threads.h"

#include <dlfcn.h>

namespace curvlab {

int set_openblas_threads(int n) {
  static const auto get = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  static const auto set = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (get == nullptr || set == nullptr) return -1;
  const int previous = get();
  if (previous != n) set(n);
  return previous;
}

}  // namespace curvlab
