// Jacobian benchmark on a ResNet checkpoint, timing while checking, for one residual unit at the
// first N test images (pixel units, the jacobian job's inputs):
//   1. dense Jacobian assembly per image: compressed (coloured VJPs, what the jacobian job uses)
//      against the plain one (one basis cotangent per row, 256 rows per pass); check: max |difference|;
//   2. the top-k and bottom-k singular values by Lanczos against all of them by the dense SVD of
//      the assembled Jacobian: time, the largest error relative to sigma_1 (top and bottom), and
//      how many bottom values lie outside their residual bound of a dense value (should be 0);
//   3. with DUMP: the unit's inputs, image 0's Jacobian and the times go to DUMP (HDF5), for
//      bench/jacobian_bench.py (torch.autograd.functional.jacobian(vectorize=True) on the same
//      weights, inputs and threads).
// time = best of R repeats per image, summed over images.
//
// Run: build/bench/bench_jacobian CHECKPOINT [unit=layer1.0] [images=4] [threads=1] [repeats=3] [DUMP|-]
//        [top_k=5]   (positional; --help)
#include "bench_args.h"
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "algorithms/attack/attack_math.h"
#include "algorithms/jacobian/compressed_jacobian.h"
#include "algorithms/jacobian/singular_values.h"
#include "base/blas_threads.h"
#include "base/error.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/models/pixel_net.h"
#include "jobs/hessian/checkpoint_model.h"
#include "jobs/jacobian/jacobian_maps.h"

namespace {
using namespace curvlab;
using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

template <typename F>
double best_of(int reps, F f) {
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, seconds(t0));
  }
  return best;
}
}  // namespace

int main(int argc, char** argv) {
  std::string ckpt, unit_name = "layer1.0", dump_arg = "-";
  std::int64_t images = 4, top_k = 5;
  int threads = 1, repeats = 3;
  CLI::App app{"Jacobian benchmark on a ResNet checkpoint: compressed vs plain assembly of one unit's Jacobian, "
               "Lanczos vs dense SVD, each checked while timed.", "bench_jacobian"};
  app.add_option("CHECKPOINT", ckpt, "A checkpoint file, or a run directory (its latest valid checkpoint)")->required();
  app.add_option("unit", unit_name, "The residual unit (layer1.0 ... )")->capture_default_str();
  app.add_option("images", images, "The first N test images")->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("threads", threads, "Torch threads")->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("repeats", repeats, "Repeats per image (best taken)")
      ->check(curvlab_bench::positive())->capture_default_str();
  app.add_option("DUMP", dump_arg, "HDF5 file for bench/jacobian_bench.py; - = none")->capture_default_str();
  app.add_option("top_k", top_k, "Lanczos top-k and bottom-k")->check(curvlab_bench::positive())->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    torch::set_num_threads(threads);
    set_openblas_threads(1);
    JobSpec none;
    const std::string path = resolve_checkpoint(ckpt, none, "checkpoint");
    const CheckpointModel loaded = load_checkpoint_model(path, nullptr);
    auto* net = dynamic_cast<ResNetImpl*>(loaded.model.get());
    CURVLAB_CHECK(net != nullptr, ConfigError, path + ": not a ResNet checkpoint");
    loaded.model->eval();
    FrozenParameters frozen(*loaded.model);
    const std::vector<AnalysedMap> maps = resolve_maps({unit_name}, *net, "unit");
    const AnalysedMap& m = maps.at(0);
    CURVLAB_CHECK(m.kind == "unit", ConfigError, unit_name + " is not a residual unit");
    PixelNetImpl pixel(loaded.model, loaded.data.mean, loaded.data.stdev);
    const torch::Tensor x = pixel.to_pixels(loaded.data.test.inputs.slice(0, 0, images));
    torch::Tensor input;
    {
      torch::NoGradGuard no_grad;
      input = net->features(pixel.normalise(x), m.first);  // [N, C, H, W]
    }
    const ImageMap f = unit_chain(*net, m.first, m.last);
    double t_compressed = 0, t_plain = 0, t_lanczos = 0, t_svd = 0, max_diff = 0, max_err = 0, max_err_bottom = 0;
    std::int64_t bottom_outside = 0;
    torch::Tensor jac0;
    for (std::int64_t i = 0; i < images; ++i) {
      const torch::Tensor xi = input.slice(0, i, i + 1);
      torch::Tensor jc, jp, sv;
      t_compressed += best_of(repeats, [&] { jc = compressed_jacobian(f, xi, m.footprint); });
      if (i == 0) {
        t_plain = best_of(1, [&] { jp = dense_jacobian(f, xi, 256); });
        max_diff = (jc - jp).abs().max().item<double>();
        jac0 = jc[0];
      }
      t_svd += best_of(1, [&] { sv = dense_singular_values(jc); });
      LanczosSingularValues lv;
      t_lanczos += best_of(1, [&] {
        JacobianAt at(f, xi);
        SingularValueOptions o;
        o.top_k = top_k;
        o.bottom_k = top_k;
        o.max_iter = 300;
        o.tol = 1e-6;
        lv = lanczos_singular_values(at, torch::tensor({i}, torch::kInt64), o);
      });
      const double s1 = sv[0][0].item<double>();
      const torch::Tensor want_top = sv[0].slice(0, 0, top_k), want_bottom = sv[0].flip(0).slice(0, 0, top_k);
      max_err = std::max(max_err, (lv.top[0] - want_top).abs().max().item<double>() / s1);
      max_err_bottom = std::max(max_err_bottom, (lv.bottom[0] - want_bottom).abs().max().item<double>() / s1);
      // Each bottom Ritz value theta = sigma^2 lies within its residual of some sigma_dense^2 (plus the
      // float32 products' own error, about 1e-7 sigma_1^2; 1e-6 allowed).
      const torch::Tensor gap = (lv.bottom[0].square().unsqueeze(1) - sv[0].square().unsqueeze(0)).abs().amin(1);
      bottom_outside += gap.gt(lv.bottom_residual[0] + 1e-6 * s1 * s1).sum().item<std::int64_t>();
    }
    const std::int64_t in = input[0].numel(), out = jac0.size(0);
    std::printf("unit %s: in %lld, out %lld, footprint stride %lld radius %lld, %lld images, %d thread(s)\n",
                unit_name.c_str(), static_cast<long long>(in), static_cast<long long>(out),
                static_cast<long long>(m.footprint.stride), static_cast<long long>(m.footprint.radius),
                static_cast<long long>(images), threads);
    std::printf("assembly compressed: %.4f s/image (best of %d); plain (256 rows a pass): %.4f s (image 0); "
                "max |difference| %.3g\n", t_compressed / images, repeats, t_plain, max_diff);
    std::printf("singular values: Lanczos top-%lld + bottom-%lld %.4f s/image, dense SVD %.4f s/image (+ assembly); "
                "largest error / sigma_1: top %.3g, bottom %.3g (bottom values outside their residual bound: %lld)\n",
                static_cast<long long>(top_k), static_cast<long long>(top_k), t_lanczos / images, t_svd / images, max_err,
                max_err_bottom, static_cast<long long>(bottom_outside));
    if (dump_arg != "-") {
      write_state_file(dump_arg, [&](StateWriter& w) {
        w.write_tensor("inputs", input);
        w.write_tensor("jacobian0", jac0);
        w.write_string("unit", unit_name);
        w.write_double("seconds_compressed_per_image", t_compressed / images);
        w.write_double("seconds_plain_image0", t_plain);
        w.write_double("seconds_lanczos_per_image", t_lanczos / images);
        w.write_double("seconds_svd_per_image", t_svd / images);
        w.write_double("lanczos_max_rel_error_top", max_err);
        w.write_double("lanczos_max_rel_error_bottom", max_err_bottom);
        w.write_int("threads", threads);
      }, {});
    }
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "bench_jacobian: %s\n", e.what());
    return e.exit_code();
  }
}
