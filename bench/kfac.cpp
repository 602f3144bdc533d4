// K-FAC benchmarks (results: docs/performance.md, section "K-FAC").
//
//   bench_kfac step [model] [batch] [steps] [threads] [repeats=3]
//     One process: time per training step of SGD and of K-FAC at (factor, inverse) update
//     frequencies (1, 1) and (10, 100), the same model, batch, data and threads, measured in the
//     same run, the configurations alternating over `repeats` rounds; prints the median ms/step and
//     the ratio to SGD. A step = forward, backward, gradient reducer
//     (local backend), K-FAC (capture, factors, decompositions, preconditioning), SGD step. The
//     mean over `steps` steps after 3 warm-up steps, so the amortised cost of the (10, 100) setting
//     is counted (steps should be a multiple of 100; (1, 1), where every step costs the same, runs
//     max(5, steps / 10) steps). "K-FAC ms/step" is the time inside the preconditioner's calls
//     alone, and "SGD+K-FAC / SGD" the ratio it implies, less sensitive to a busy machine than the
//     ratio of two wall-clock runs. Correctness while timing: every loss finite,
//     every gradient finite after preconditioning, the KL-clip factor in (0, 1].
//   mpirun -np N bench_kfac inverse [model] [repeats]
//     The inversion phase (eigendecompositions of every K-FAC block, split by the LPT assignment,
//     plus the broadcasts that share them) on N ranks: median over `repeats` of the slowest rank's
//     time, the blocks and cost share per rank. Correctness: every rank ends with the same
//     preconditioned gradients (checksums allgathered and compared).
// Inputs are random tensors of the data set's shape (Fashion-MNIST 1x28x28, CIFAR 3x32x32).
// Arguments are positional, as above (defaults: step convnet 256 200 2 3; inverse resnet32 5); no
// mode means step; --help lists them (bench_kfac step --help, bench_kfac inverse --help).
#include "bench_args.h"
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "algorithms/kfac/kfac_preconditioner.h"
#include "algorithms/optim/sgd.h"
#include "comm/local/local_communicator.h"
#include "comm/mpi/mpi_communicator.h"
#include "comm/mpi/mpi_runtime.h"
#include "comm/reducer.h"
#include "base/blas_threads.h"
#include "engine/models/model.h"

namespace {
using namespace curvlab;
using Clock = std::chrono::steady_clock;

std::vector<std::int64_t> shape_for(const std::string& model) {
  return model.rfind("resnet", 0) == 0 ? std::vector<std::int64_t>{3, 32, 32} : std::vector<std::int64_t>{1, 28, 28};
}

Net build(const std::string& model) {
  ModelOptions ms;
  ms.name = model;
  torch::manual_seed(0);
  return make_model(ms, shape_for(model), 10);
}

// Mean ms per step of one configuration; kfac_freq {0, 0} = plain SGD.
double time_steps(const std::string& model_name, std::int64_t batch, int steps, std::int64_t factor_freq,
                  std::int64_t inv_freq, bool* ok, double* kfac_ms = nullptr) {
  Net model = build(model_name);
  model->train();
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.key(), p.value());
  auto comm = std::make_shared<LocalCommunicator>();
  GradReducer reducer(comm, params, ReducerOptions{});
  Sgd sgd(params, 0.01, 0.9, 0, 5e-4, false);
  std::unique_ptr<KfacPreconditioner> kfac;
  if (factor_freq > 0) {
    KfacOptions ks;
    ks.factor_update_freq = factor_freq;
    ks.inv_update_freq = inv_freq;
    kfac = std::make_unique<KfacPreconditioner>(ks, *model, comm);
  }
  torch::manual_seed(1);
  auto shape = shape_for(model_name);
  auto x = torch::randn({batch, shape[0], shape[1], shape[2]});
  auto y = torch::randint(0, 10, {batch}, torch::kInt64);
  Clock::time_point start;
  double in_kfac = 0;  // seconds inside the preconditioner's calls (timed steps)
  auto timed = [&](int s, auto&& fn) {
    const auto t0 = Clock::now();
    fn();
    if (s >= 3) in_kfac += std::chrono::duration<double>(Clock::now() - t0).count();
  };
  for (int s = 0; s < steps + 3; ++s) {
    if (s == 3) start = Clock::now();
    reducer.prepare(1.0);
    if (kfac) timed(s, [&] { kfac->begin_step(0.0); });
    auto loss = torch::nn::functional::cross_entropy(model->forward(x), y);
    loss.backward();
    if (kfac) timed(s, [&] { kfac->after_backward(batch, batch); });
    reducer.finalize();
    if (kfac) {
      timed(s, [&] { kfac->precondition(0.01); });
      *ok = *ok && kfac->last_nu() > 0 && kfac->last_nu() <= 1;
    }
    *ok = *ok && std::isfinite(loss.item<double>());
    sgd.step();
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count() / steps;
  for (const auto& [name, p] : params) *ok = *ok && torch::isfinite(p).all().item<bool>();
  if (kfac_ms) *kfac_ms = 1e3 * in_kfac / steps;
  return ms;
}

struct StepArgs {
  std::string model = "convnet";
  std::int64_t batch = 256;
  int steps = 200;
  int threads = 2;
  int repeats = 3;
};

struct InverseArgs {
  std::string model = "resnet32";
  int repeats = 5;
};

int run_step(const StepArgs& args) {
  const std::string& model = args.model;
  const std::int64_t batch = args.batch;
  const int steps = args.steps, threads = args.threads;
  const int repeats = std::max(1, args.repeats);
  torch::set_num_threads(threads);
  set_openblas_threads(1);  // as the train runner does (base/blas_threads.h)
  std::printf("# bench_kfac step: model %s, batch %lld, %d timed steps, %d threads, median of %d alternating "
              "repeats\n", model.c_str(), static_cast<long long>(batch), steps, threads, repeats);
  std::printf("%-8s %-10s %12s %10s %14s %16s %6s\n", "optim", "(f, inv)", "ms/step", "vs SGD", "K-FAC ms/step",
              "SGD+K-FAC / SGD", "ok");
  // Configurations in alternation (SGD, (1, 1), (10, 100), SGD, ...), so a slow phase of a shared
  // machine hits all of them; the medians are reported. (1, 1), where every step costs the same,
  // runs a tenth of the steps (at least 5).
  const std::vector<std::pair<int, int>> configs = {{0, 0}, {1, 1}, {10, 100}};
  std::vector<std::vector<double>> ms(configs.size()), in_kfac(configs.size());
  std::vector<bool> ok(configs.size(), true);
  for (int r = 0; r < repeats; ++r) {
    for (std::size_t c = 0; c < configs.size(); ++c) {
      const auto [f, i] = configs[c];
      bool k_ok = true;
      double inside = 0;
      const int n = f == 1 ? std::max(5, steps / 10) : steps;
      ms[c].push_back(time_steps(model, batch, n, f, i, &k_ok, &inside));
      in_kfac[c].push_back(inside);
      ok[c] = ok[c] && k_ok;
    }
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
  };
  const double sgd = median(ms[0]);
  std::printf("%-8s %-10s %12.2f %10.2f %14s %16s %6s\n", "sgd", "-", sgd, 1.0, "-", "-", ok[0] ? "yes" : "NO");
  int rc = ok[0] ? 0 : 1;
  for (std::size_t c = 1; c < configs.size(); ++c) {
    const double t = median(ms[c]), inside = median(in_kfac[c]);
    char freq[32];
    std::snprintf(freq, sizeof(freq), "(%d, %d)", configs[c].first, configs[c].second);
    std::printf("%-8s %-10s %12.2f %10.2f %14.2f %16.2f %6s\n", "kfac", freq, t, t / sgd, inside,
                (sgd + inside) / sgd, ok[c] ? "yes" : "NO");
    rc |= ok[c] ? 0 : 1;
  }
  std::printf("# per repeat, ms/step (sgd, (1, 1), (10, 100)):");
  for (int r = 0; r < repeats; ++r) {
    std::printf(" [%.2f %.2f %.2f]", ms[0][static_cast<std::size_t>(r)], ms[1][static_cast<std::size_t>(r)],
                ms[2][static_cast<std::size_t>(r)]);
  }
  std::printf("\n");
  return rc;
}

int run_inverse(const InverseArgs& args) {
  const std::string& model_name = args.model;
  const int repeats = args.repeats;
  auto runtime = MpiRuntime::acquire();
  int rc = 0;
  {
    auto comm = std::make_shared<MpiCommunicator>();
    torch::set_num_threads(1);
    Net model = build(model_name);
    model->train();
    KfacOptions ks;  // (1, 1): every precondition() decomposes
    KfacPreconditioner kfac(ks, *model, comm);
    auto shape = shape_for(model_name);
    torch::manual_seed(2);  // same data on every rank: the gradients need no reducer here
    auto x = torch::randn({32, shape[0], shape[1], shape[2]});
    auto y = torch::randint(0, 10, {32}, torch::kInt64);
    std::vector<double> times;
    torch::Tensor checksum;
    for (int r = 0; r < repeats + 1; ++r) {
      for (auto& p : model->parameters()) p.mutable_grad() = torch::Tensor();
      kfac.begin_step(0.0);
      torch::nn::functional::cross_entropy(model->forward(x), y).backward();
      kfac.after_backward(32, 32 * comm->size());  // every rank holds one slice of the global batch
      comm->barrier();
      kfac.precondition(0.01);
      const double t = comm->allreduce_scalar(kfac.last_inverse_seconds(), ReduceOp::kMax);
      if (r > 0) times.push_back(t);  // the first includes allocation
      std::vector<torch::Tensor> g;
      for (auto& p : model->parameters()) g.push_back(p.grad().reshape(-1).to(torch::kFloat64));
      checksum = torch::cat(g).sum().reshape({1});
    }
    auto all = comm->allgather(checksum);
    bool same = true;
    for (const auto& c : all) same = same && torch::equal(c, all[0]);
    std::sort(times.begin(), times.end());
    const auto& as = kfac.assignment();
    if (comm->rank() == 0) {
      double total = 0;
      for (double l : as.load) total += l;
      std::printf("# bench_kfac inverse: model %s, %zu K-FAC blocks, 1 thread per rank\n", model_name.c_str(),
                  kfac.blocks().size());
      std::printf("ranks %d: inversion phase %.2f ms (median of %d, slowest rank); same result on all ranks: %s\n",
                  comm->size(), 1e3 * times[times.size() / 2], repeats, same ? "yes" : "NO");
      for (int r = 0; r < comm->size(); ++r) {
        int n = 0;
        for (int o : as.owner) n += o == r;
        std::printf("  rank %d: %d blocks, %.1f%% of the n^3 cost\n", r, n, 100.0 * as.load[r] / total);
      }
    }
    rc = same ? 0 : 1;
    comm->barrier();
  }
  runtime.reset();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  StepArgs step_args;
  InverseArgs inverse_args;
  CLI::App app{"K-FAC benchmarks (docs/performance.md, \"K-FAC\"); every run also checks its results.", "bench_kfac"};
  app.require_subcommand(0, 1);
  auto* step = app.add_subcommand("step", "One process: ms per training step of SGD and K-FAC at (1, 1) and (10, 100) "
                                          "(the default mode)");
  step->add_option("model", step_args.model, "Model name (convnet, lenet5, resnet20, ...)")->capture_default_str();
  step->add_option("batch", step_args.batch, "Batch size")->check(curvlab_bench::positive())->capture_default_str();
  step->add_option("steps", step_args.steps, "Timed steps per configuration (a multiple of 100)")
      ->check(curvlab_bench::positive())->capture_default_str();
  step->add_option("threads", step_args.threads, "Torch threads")
      ->check(curvlab_bench::positive())->capture_default_str();
  step->add_option("repeats", step_args.repeats, "Alternating repeats (the median is reported)")->capture_default_str();
  auto* inverse = app.add_subcommand("inverse", "Under mpirun -np N: the inversion phase split over the ranks");
  inverse->add_option("model", inverse_args.model, "Model name")->capture_default_str();
  inverse->add_option("repeats", inverse_args.repeats, "Repeats (the median is reported)")
      ->check(curvlab_bench::positive())->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (inverse->parsed()) return run_inverse(inverse_args);
  return run_step(step_args);  // "step", or no mode at all
}
