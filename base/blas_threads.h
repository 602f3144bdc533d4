// The thread count of OpenBLAS's own pool. Debian's libtorch calls the system BLAS (OpenBLAS with
// pthreads), whose pool ignores torch::set_num_threads and, next to torch's OpenMP threads,
// oversubscribes the cores: measured on 2 cores, a LeNet-5 SGD step took 27 ms with the default
// pool and 16 ms with one OpenBLAS thread (docs/performance.md). Found with dlsym, so builds with
// another BLAS are unaffected. Not for: torch's intra-op threads (torch::set_num_threads).
#pragma once

namespace curvlab {

// Sets OpenBLAS's thread count; returns the previous count, or -1 when OpenBLAS is not loaded.
int set_openblas_threads(int n);

// Runs a scope with one OpenBLAS thread and restores the previous count.
class SingleBlasThread {
 public:
  SingleBlasThread() : saved_(set_openblas_threads(1)) {}
  ~SingleBlasThread() {
    if (saved_ > 1) set_openblas_threads(saved_);
  }
  SingleBlasThread(const SingleBlasThread&) = delete;
  SingleBlasThread& operator=(const SingleBlasThread&) = delete;

 private:
  int saved_;
};

}  // namespace curvlab
