// Allreduce benchmark in the style of nccl-tests: for each size from 4 KB to 256 MB, the
// curvlab gradient path against a raw MPI_Allreduce of the same bytes, measured in the same run.
//   raw     MPI_Allreduce(MPI_IN_PLACE) of one float32 buffer, called on the main thread
//   bucket  what GradReducer adds to a step per bucket: allreduce_async of the flat bucket on the
//           communication thread + wait (the hooks' copy into the bucket replaces autograd's own
//           accumulation into .grad, and finalize() hands out views of the bucket, no copy)
//   +copy   bucket plus the hooks' copy of 8 gradient tensors into the bucket, all counted
//   fused   Communicator::allreduce of a list of 8 tensors (packed into the fusion buffer,
//           one MPI_Allreduce, unpacked, all on the communication thread)
// time = max over ranks of the mean time per call, best of 5 interleaved rounds;
// algbw = bytes / time; busbw = algbw * 2(n-1)/n.
// Every size is also a correctness check: rank r contributes (r+1) * (i % 7 + 1), so the sum is
// n(n+1)/2 * (i % 7 + 1) exactly; "wrong" counts elements that differ, summed over ranks.
//
// Run: mpirun -np 2 --bind-to none build/bench/bench_allreduce [min_bytes] [max_bytes] [seconds_per_size]
// (positional, defaults 4096 268435456 0.3; --help lists them).
#include "bench_args.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "comm/mpi/mpi_check.h"
#include "comm/mpi/mpi_communicator.h"
#include "comm/mpi/mpi_runtime.h"

namespace {

using curvlab::ReduceOp;
constexpr int kTensors = 8;
constexpr int kRounds = 5;

// Fills `t` (float32, 1-D view) with this rank's contribution.
void fill_contribution(torch::Tensor t, int rank, int64_t first_index) {
  auto idx = torch::arange(first_index, first_index + t.numel(), torch::kInt64);
  t.copy_(((idx.remainder(7) + 1) * (rank + 1)).to(torch::kFloat32).view(t.sizes()));
}

int64_t count_wrong(const torch::Tensor& t, int size, int64_t first_index) {
  auto idx = torch::arange(first_index, first_index + t.numel(), torch::kInt64);
  auto want = ((idx.remainder(7) + 1) * (size * (size + 1) / 2)).to(torch::kFloat32);
  return t.reshape(-1).ne(want).sum().item<int64_t>();
}

// Splits `count` elements into kTensors uneven pieces (like the gradients of different layers).
std::vector<int64_t> split_sizes(int64_t count) {
  std::vector<int64_t> sizes(kTensors);
  int64_t used = 0;
  const int64_t weight_sum = kTensors * (kTensors + 1) / 2;
  for (int k = 0; k < kTensors; ++k) {
    sizes[k] = k + 1 == kTensors ? count - used : count * (k + 1) / weight_sum;
    used += sizes[k];
  }
  return sizes;
}

double max_over_ranks(double v) {
  CURVLAB_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
  return v;
}

int64_t sum_over_ranks(int64_t v) {
  CURVLAB_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD));
  return v;
}

// Mean seconds per call of `op` (max over ranks), with the iteration count agreed by all ranks.
template <typename Op>
double time_op(Op op, double seconds) {
  op();  // warm-up
  CURVLAB_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
  auto t0 = std::chrono::steady_clock::now();
  op();
  double once = max_over_ranks(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  int iters = static_cast<int>(std::min(1000.0, std::max(5.0, seconds / std::max(once, 1e-7))));
  CURVLAB_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) op();
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return max_over_ranks(total / iters);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t min_bytes = 4 << 10, max_bytes = int64_t{256} << 20;
  double seconds = 0.3;
  CLI::App app{"Allreduce benchmark (nccl-tests style): raw MPI_Allreduce vs curvlab's gradient paths, with a "
               "correctness check at every size. Run under mpirun.",
               "bench_allreduce"};
  app.add_option("min_bytes", min_bytes, "Smallest message size in bytes (doubled up to max_bytes)")
      ->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("max_bytes", max_bytes, "Largest message size in bytes")
      ->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("seconds_per_size", seconds, "Timing budget per size and path, in seconds")
      ->check(curvlab_bench::positive())->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  torch::set_num_threads(1);
  auto runtime = curvlab::MpiRuntime::acquire();
  auto comm = std::make_shared<curvlab::MpiCommunicator>();
  const int n = comm->size(), rank = comm->rank();
  const double bus_factor = n > 1 ? 2.0 * (n - 1) / n : 0.0;
  if (rank == 0) {
    std::printf("# curvlab allreduce benchmark: %d ranks on %s, float32 sum, %d tensors per bucket\n", n,
                comm->host().c_str(), kTensors);
    std::printf("# raw = MPI_Allreduce in place; bucket = reducer's bucket allreduce on the comm thread;"
                " +copy = bucket with the hooks' copy-in; fused = allreduce of an 8-tensor list\n");
    std::printf("#%11s %10s | %9s %7s %7s | %9s %7s %5s | %9s %7s %5s | %9s %7s %5s | %5s\n", "size(B)", "count",
                "raw(us)", "algbw", "busbw", "bucket", "busbw", "ratio", "+copy", "busbw", "ratio", "fused",
                "busbw", "ratio", "wrong");
  }
  int64_t total_wrong = 0;
  for (int64_t bytes = min_bytes; bytes <= max_bytes; bytes *= 2) {
    const int64_t count = bytes / 4;
    auto sizes = split_sizes(count);
    std::vector<torch::Tensor> grads;
    for (auto s : sizes) grads.push_back(torch::empty({s}, torch::kFloat32));
    auto flat = torch::empty({count}, torch::kFloat32);
    auto raw = torch::empty({count}, torch::kFloat32);

    // Correctness: one checked call of each path.
    fill_contribution(raw, rank, 0);
    CURVLAB_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, raw.data_ptr(), static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                                    MPI_COMM_WORLD));
    int64_t raw_wrong = sum_over_ranks(count_wrong(raw, n, 0));
    auto fill_grads = [&] {
      int64_t off = 0;
      for (auto& g : grads) {
        fill_contribution(g, rank, off);
        off += g.numel();
      }
    };
    auto check_grads = [&] {
      int64_t off = 0, wrong = 0;
      for (auto& g : grads) {
        wrong += count_wrong(g, n, off);
        off += g.numel();
      }
      return sum_over_ranks(wrong);
    };
    auto copy_in = [&] {
      int64_t off = 0;
      for (auto& g : grads) {
        flat.narrow(0, off, g.numel()).copy_(g);
        off += g.numel();
      }
    };
    auto bucket_op = [&] { comm->allreduce_async({flat}, ReduceOp::kSum)->wait(); };
    auto copy_bucket_op = [&] {
      copy_in();
      bucket_op();
    };
    auto fused_op = [&] { comm->allreduce_async(grads, ReduceOp::kSum)->wait(); };
    fill_grads();
    copy_bucket_op();
    int64_t wrong = raw_wrong + sum_over_ranks(count_wrong(flat, n, 0));
    fill_grads();
    fused_op();
    wrong += check_grads();
    total_wrong += wrong;

    // Timing on zero-filled buffers (the values stay finite however often they are summed).
    raw.zero_();
    flat.zero_();
    for (auto& g : grads) g.zero_();
    std::vector<std::function<void()>> ops = {
        [&] {
          CURVLAB_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, raw.data_ptr(), static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                                          MPI_COMM_WORLD));
        },
        bucket_op, copy_bucket_op, fused_op};
    // Interleaved rounds, best round per path: the machine is shared, so slow phases hit all paths.
    std::vector<double> best(ops.size(), 1e30);
    for (int round = 0; round < kRounds; ++round) {
      for (size_t p = 0; p < ops.size(); ++p) best[p] = std::min(best[p], time_op(ops[p], seconds / kRounds));
    }
    const double t_raw = best[0], t_bucket = best[1], t_copy = best[2], t_fused = best[3];
    if (rank == 0) {
      auto busbw = [&](double t) { return static_cast<double>(bytes) / t / 1e9 * bus_factor; };
      std::printf("%12lld %10lld | %9.1f %7.3f %7.3f | %9.1f %7.3f %5.2f | %9.1f %7.3f %5.2f | %9.1f %7.3f %5.2f | %5lld\n",
                  static_cast<long long>(bytes), static_cast<long long>(count), t_raw * 1e6,
                  static_cast<double>(bytes) / t_raw / 1e9, busbw(t_raw), t_bucket * 1e6, busbw(t_bucket),
                  t_raw / t_bucket, t_copy * 1e6, busbw(t_copy), t_raw / t_copy, t_fused * 1e6, busbw(t_fused),
                  t_raw / t_fused, static_cast<long long>(wrong));
      std::fflush(stdout);
    }
  }
  if (rank == 0) {
    std::printf("# ratio = raw time / curvlab time (1.0 = as fast as raw MPI)\n");
    std::printf("# wrong elements in total: %lld\n", static_cast<long long>(total_wrong));
  }
  comm.reset();
  runtime.reset();
  return total_wrong == 0 ? 0 : 1;
}
