// The "jacobian" job kind: checkpoint of a ResNet -> the first `samples` images of the split, in
// batches (batch j on rank j % ranks) -> for each (alpha, beta) scaling of the skip connections and
// residual branches: each map's singular values (Lanczos top/bottom with residuals; all of them by a
// dense SVD of the compressed-assembled Jacobian) and random and adversarial perturbations sent
// through the units -> records summed over ranks -> jacobian.h5, CSVs, plots, a table on stdout.
// Options and layout: docs/jacobian.md.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <limits>

#include "algorithms/attack/attack_math.h"
#include "algorithms/attack/deepfool.h"
#include "algorithms/attack/gradient_attacks.h"
#include "algorithms/attack/trust_region.h"
#include "algorithms/hessian/linear_operator.h"
#include "algorithms/jacobian/compressed_jacobian.h"
#include "algorithms/jacobian/propagation.h"
#include "algorithms/jacobian/singular_values.h"
#include "base/error.h"
#include "base/run_dir.h"
#include "base/seeding.h"
#include "base/version.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/models/pixel_net.h"
#include "jobs/hessian/checkpoint_model.h"
#include "jobs/jacobian/jacobian_maps.h"
#include "jobs/jacobian/jacobian_plots.h"
#include "jobs/jacobian/jacobian_results.h"
#include "jobs/jacobian/jacobian_sections.h"
#include "jobs/job_kinds.h"
#include "jobs/run/run_setup.h"

namespace curvlab {
namespace {

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Per-image L2-normalised rows of d [B, ...]; valid[b] = 0 where d_b is zero.
torch::Tensor normalise_rows(const torch::Tensor& d, torch::Tensor* valid) {
  const torch::Tensor n = d.reshape({d.size(0), -1}).to(torch::kFloat64).norm(2, {1});
  *valid = n.gt(0).to(torch::kInt64);
  std::vector<std::int64_t> shape(static_cast<std::size_t>(d.dim()), 1);
  shape[0] = d.size(0);
  return d / n.clamp_min(1e-300).to(d.scalar_type()).view(shape);
}

// The unit direction of each image [B, ...] (pixel units) and whether it exists.
torch::Tensor direction(PerturbationDirection dir, PixelNetImpl& net, const torch::Tensor& x, const torch::Tensor& y,
                        const torch::Tensor& index, const JacobianStudyOptions& j, const InputBox& box,
                        std::uint64_t seed, torch::Tensor* valid) {
  switch (dir) {
    case PerturbationDirection::kRandom: {
      const std::int64_t dim = x[0].numel();
      std::vector<torch::Tensor> rows;
      for (std::int64_t i = 0; i < x.size(0); ++i) {
        rows.push_back(gaussian(dim, derive_seed(seed, "jacobian.random", index[i].item<std::int64_t>())));
      }
      return normalise_rows(torch::stack(rows).to(x.scalar_type()).reshape(x.sizes()), valid);
    }
    case PerturbationDirection::kFgsm:
      return normalise_rows(cross_entropy_input_grad(net, x, y).first, valid);
    case PerturbationDirection::kDeepFool:
      return normalise_rows(deepfool(net, x, y, AttackNorm::kL2, box, j.deepfool).adversarial - x, valid);
    case PerturbationDirection::kTr:
      return normalise_rows(trust_region(net, x, y, AttackNorm::kL2, box, j.tr).adversarial - x, valid);
  }
  return {};
}

// Sums every record over the ranks (each rank filled its batches' rows, zeros elsewhere).
void gather(JacobianStudy& study, const CommunicatorPtr& comm) {
  std::vector<torch::Tensor*> all = {&study.label, &study.clean_pred};
  for (ScalingRecord& sc : study.scalings) {
    for (MapRecord& m : sc.maps) {
      for (torch::Tensor* t : {&m.top, &m.bottom, &m.top_residual, &m.bottom_residual, &m.steps, &m.converged,
                               &m.dense, &m.seconds}) {
        if (t->defined()) all.push_back(t);
      }
    }
    for (PerturbationRecord& p : sc.perturbations) {
      for (torch::Tensor* t : {&p.growth, &p.linear_growth, &p.gap, &p.projection, &p.flipped, &p.valid}) {
        all.push_back(t);
      }
    }
  }
  if (comm->size() == 1) return;
  for (torch::Tensor* t : all) {
    if (t->numel() > 0) comm->allreduce({*t}, ReduceOp::kSum);
  }
}

int run_jacobian_job(const JobSpec& spec, const RunOptions& options) {
  // A jacobian job always starts over in its directory (--resume means: replace the old results).
  const RunMode mode = options.mode == RunMode::kResume ? RunMode::kForce : options.mode;
  check_run_dir(spec.job.output_dir, mode);
  const JacobianStudyOptions& j = spec.jacobian;
  const std::string checkpoint = resolve_checkpoint(j.checkpoint, spec, "jacobian.checkpoint");
  RunSetup setup = start_run(spec);
  const CommunicatorPtr& comm = setup.comm;
  return run_guarded(setup, options, [&] {
    const CheckpointModel loaded = load_checkpoint_model(checkpoint, &spec);
    auto* resnet = dynamic_cast<ResNetImpl*>(loaded.model.get());
    CURVLAB_CHECK(resnet != nullptr, ConfigError,
                  spec.where("jacobian.checkpoint").str() + ": the checkpoint's model \"" + loaded.model_spec.name +
                      "\" has no residual units; the jacobian job analyses the ResNets (resnet20, resnet32, "
                      "resnet44, resnet56, resnet110; model.widths = [4, 8, 16] for a narrow one): train one of those");
    const DataSplits& data = loaded.data;
    const Dataset& split = j.split == DataSplit::kTest ? data.test : data.train;
    const std::string& split_name = split_names().name(j.split);
    const std::int64_t n = j.samples;
    CURVLAB_CHECK(n <= split.size(), ConfigError,
                  spec.where("jacobian.samples").str() + ": jacobian.samples (" + std::to_string(n) +
                      ") is larger than the " + split_name + " split (" + std::to_string(split.size()) +
                      " images); lower it");
    const std::vector<AnalysedMap> maps = resolve_maps(j.maps, *resnet, spec.where("jacobian.maps").str());

    loaded.model->eval();
    FrozenParameters frozen(*loaded.model);  // input Jacobians only: no weight-gradient kernels
    auto pixel = std::make_shared<PixelNetImpl>(loaded.model, data.mean, data.stdev);
    pixel->eval();
    const torch::Tensor images = pixel->to_pixels(split.inputs.slice(0, 0, n));
    const torch::Tensor labels = split.targets.slice(0, 0, n);
    const InputBox box = pixel_box(pixel->to_pixels(data.train.inputs));

    // The chain of positions: the stem (pixels -> unit 0's input), then every unit.
    std::vector<ImageMap> chain = {[resnet, pixel](const torch::Tensor& x) { return resnet->stem(pixel->normalise(x)); }};
    std::vector<std::string> positions = {"stem"};
    for (std::int64_t k = 0; k < resnet->num_units(); ++k) {
      chain.push_back(unit_chain(*resnet, k, k + 1));
      positions.push_back(resnet->unit_name(k));
    }
    // Each map's dimensions (one image through the network) and what is computed for it.
    std::vector<std::int64_t> dims = {images[0].numel()};
    {
      torch::NoGradGuard no_grad;
      torch::Tensor h = images.slice(0, 0, 1);
      for (const ImageMap& f : chain) {
        h = f(h);
        dims.push_back(h[0].numel());
      }
    }
    std::vector<bool> dense(maps.size(), false);
    for (std::size_t m = 0; m < maps.size(); ++m) {
      const std::int64_t in = dims[static_cast<std::size_t>(maps[m].first) + 1];
      const std::int64_t out = dims[static_cast<std::size_t>(maps[m].last) + 1];
      const std::int64_t dim = std::max(in, out);
      if (j.dense == DenseMode::kAlways && dim > j.dense_max_dim) {
        CURVLAB_THROW(ConfigError, spec.where("jacobian.dense").str() + ": jacobian.dense = \"always\", but map " +
                                       maps[m].name + " has dimension " + std::to_string(dim) + " (in " +
                                       std::to_string(in) + ", out " + std::to_string(out) +
                                       ") > jacobian.dense_max_dim (" + std::to_string(j.dense_max_dim) +
                                       "); raise dense_max_dim (a dense SVD costs O(dim^3) per image) or set "
                                       "dense = \"auto\" to use Lanczos alone on the large maps");
      }
      dense[m] = j.dense == DenseMode::kAlways || (j.dense == DenseMode::kAuto && dim <= j.dense_max_dim);
      if (j.lanczos && j.top_k + j.bottom_k > std::min(in, out)) {
        CURVLAB_THROW(ConfigError, spec.where("jacobian.top_k").str() + ": top_k + bottom_k (" +
                                       std::to_string(j.top_k + j.bottom_k) + ") exceeds the " +
                                       std::to_string(std::min(in, out)) + " singular values of map " + maps[m].name);
      }
    }
    open_run_dir(spec, setup, mode, options.quiet,
                 ", checkpoint " + checkpoint + ", " + std::to_string(maps.size()) + " maps");

    JacobianStudy study;
    study.positions = positions;
    study.sizes = j.perturbation.enabled ? j.perturbation.sizes : std::vector<double>{};
    study.taus = j.taus;
    study.label = torch::zeros({n}, torch::kInt64);
    study.clean_pred = torch::zeros({n}, torch::kInt64);
    const std::int64_t batches = (n + j.batch_size - 1) / j.batch_size;
    const std::int64_t positions_n = static_cast<std::int64_t>(positions.size());
    const std::int64_t sizes_n = static_cast<std::int64_t>(study.sizes.size());
    const std::uint64_t seed = derive_seed(spec.job.seed, "jacobian");
    const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::int64_t projection_k = j.lanczos ? j.perturbation.projection_k : 0;
    {
      torch::NoGradGuard no_grad;
      for (std::int64_t b = comm->rank(); b < batches; b += comm->size()) {
        const std::int64_t lo = b * j.batch_size, hi = std::min(n, lo + j.batch_size);
        study.label.slice(0, lo, hi).copy_(labels.slice(0, lo, hi));
        study.clean_pred.slice(0, lo, hi).copy_(pixel->forward(images.slice(0, lo, hi)).argmax(1));
      }
    }

    for (double alpha : j.alphas) {
      for (double beta : j.betas) {
        resnet->set_scaling(alpha, beta);
        ScalingRecord sc;
        sc.alpha = alpha;
        sc.beta = beta;
        for (std::size_t m = 0; m < maps.size(); ++m) {
          MapRecord r;
          r.map = maps[m];
          r.in_dim = dims[static_cast<std::size_t>(maps[m].first) + 1];
          r.out_dim = dims[static_cast<std::size_t>(maps[m].last) + 1];
          if (j.lanczos) {
            r.top = torch::zeros({n, j.top_k}, f64);
            r.bottom = torch::zeros({n, j.bottom_k}, f64);
            r.top_residual = torch::zeros({n, j.top_k}, f64);
            r.bottom_residual = torch::zeros({n, j.bottom_k}, f64);
            r.steps = torch::zeros({n}, torch::kInt64);
            r.converged = torch::zeros({n}, torch::kInt64);
          }
          if (dense[m]) r.dense = torch::zeros({n, std::min(r.in_dim, r.out_dim)}, f64);
          r.seconds = torch::zeros({2}, f64);
          sc.maps.push_back(std::move(r));
        }
        if (j.perturbation.enabled) {
          for (PerturbationDirection d : j.perturbation.directions) {
            PerturbationRecord p;
            p.direction = d;
            p.growth = torch::zeros({n, sizes_n, positions_n}, f64);
            p.linear_growth = torch::zeros({n, sizes_n, positions_n}, f64);
            p.gap = torch::zeros({n, sizes_n, positions_n}, f64);
            p.projection = torch::zeros({n, sizes_n, positions_n}, f64);
            p.flipped = torch::zeros({n, sizes_n}, torch::kInt64);
            p.valid = torch::zeros({n}, torch::kInt64);
            sc.perturbations.push_back(std::move(p));
          }
        }
        const auto t_scaling = Clock::now();
        std::int64_t done = 0;
        const std::int64_t mine = (batches - comm->rank() + comm->size() - 1) / comm->size();
        for (std::int64_t b = comm->rank(); b < batches; b += comm->size()) {
          const std::int64_t lo = b * j.batch_size, hi = std::min(n, lo + j.batch_size);
          const torch::Tensor x = images.slice(0, lo, hi), y = labels.slice(0, lo, hi);
          const torch::Tensor index = torch::arange(lo, hi, torch::kInt64);
          Trajectory traj(chain, x);
          std::vector<torch::Tensor> vectors(chain.size());  // per position: top right singular vectors
          for (std::size_t m = 0; m < maps.size(); ++m) {
            MapRecord& r = sc.maps[m];
            const AnalysedMap& am = maps[m];
            const torch::Tensor& input = traj.output(static_cast<std::size_t>(am.first));
            const ImageMap f = unit_chain(*resnet, am.first, am.last);
            if (j.lanczos) {
              const auto t0 = Clock::now();
              std::unique_ptr<JacobianAt> own;
              JacobianAt* jac = nullptr;
              if (am.kind == "unit") {
                jac = &traj.jacobian(static_cast<std::size_t>(am.first) + 1);
              } else {
                own = std::make_unique<JacobianAt>(f, input);
                jac = own.get();
              }
              SingularValueOptions so;
              so.top_k = j.top_k;
              so.bottom_k = j.bottom_k;
              so.max_iter = j.lanczos_max_iter;
              so.tol = j.lanczos_tol;
              so.seed = seed;
              so.vectors = am.kind == "unit" && projection_k > 0 && j.perturbation.enabled;
              const LanczosSingularValues sv = lanczos_singular_values(*jac, index, so);
              r.top.slice(0, lo, hi).copy_(sv.top);
              r.bottom.slice(0, lo, hi).copy_(sv.bottom);
              r.top_residual.slice(0, lo, hi).copy_(sv.top_residual);
              r.bottom_residual.slice(0, lo, hi).copy_(sv.bottom_residual);
              r.steps.slice(0, lo, hi).copy_(sv.steps);
              r.converged.slice(0, lo, hi).copy_(sv.converged.to(torch::kInt64));
              if (so.vectors) {
                vectors[static_cast<std::size_t>(am.first) + 1] = sv.top_vectors.slice(1, 0, projection_k);
              }
              r.seconds[0] += since(t0);
            }
            if (dense[m]) {
              const auto t0 = Clock::now();
              for (std::int64_t i = 0; i < hi - lo; ++i) {
                const torch::Tensor jac = compressed_jacobian(f, input.slice(0, i, i + 1), am.footprint);
                r.dense[lo + i].copy_(dense_singular_values(jac)[0]);
              }
              r.seconds[1] += since(t0);
            }
          }
          if (j.perturbation.enabled) {
            torch::Tensor clean_now;
            {
              torch::NoGradGuard no_grad;
              clean_now = pixel->forward(x).argmax(1);
            }
            for (PerturbationRecord& p : sc.perturbations) {
              torch::Tensor valid;
              const torch::Tensor u = direction(p.direction, *pixel, x, y, index, j, box, seed, &valid);
              valid = valid.logical_and(clean_now.eq(y)).to(torch::kInt64);
              p.valid.slice(0, lo, hi).copy_(valid);
              const torch::Tensor invalid = valid.eq(0);
              for (std::int64_t s = 0; s < sizes_n; ++s) {
                const torch::Tensor d = u * study.sizes[static_cast<std::size_t>(s)];
                const Propagation pr = propagate(traj, d, vectors);
                for (auto [dst, src] : {std::pair{&p.growth, &pr.growth}, std::pair{&p.linear_growth, &pr.linear_growth},
                                        std::pair{&p.gap, &pr.gap}, std::pair{&p.projection, &pr.projection}}) {
                  dst->slice(0, lo, hi).select(1, s).copy_(src->masked_fill(invalid.unsqueeze(1), nan));
                }
                torch::NoGradGuard no_grad;
                p.flipped.slice(0, lo, hi).select(1, s).copy_(pixel->forward(x + d).argmax(1).ne(clean_now));
              }
            }
          }
          ++done;
          if (setup.root() && !options.quiet) {
            const double t = since(t_scaling);
            std::fprintf(stderr, "curvlab: alpha %g, beta %g: batch %lld/%lld on rank 0, %.0f s, about %.0f s left\n",
                         alpha, beta, static_cast<long long>(done), static_cast<long long>(mine), t,
                         t / static_cast<double>(done) * static_cast<double>(mine - done));
          }
        }
        study.scalings.push_back(std::move(sc));
        if (setup.root() && !options.quiet) {
          std::fprintf(stderr, "curvlab: alpha %g, beta %g done (%zu maps, %zu directions, %.1f s on rank 0)\n", alpha,
                       beta, maps.size(), study.scalings.back().perturbations.size(), since(t_scaling));
        }
      }
    }
    resnet->set_scaling(1.0, 1.0);
    gather(study, comm);

    if (setup.root()) {
      const RunPaths& paths = setup.paths;
      const std::string results = paths.dir + "/jacobian.h5";
      const std::map<std::string, std::string> attrs = {
          {"job_text", spec.source_text}, {"checkpoint", checkpoint}, {"curvlab_version", CURVLAB_VERSION},
          {"kind", "jacobian"}, {"world_size", std::to_string(comm->size())}};
      write_state_file(results, [&](StateWriter& sw) {
        save_jacobian_study(study, sw);
        write_study_info(sw, loaded, checkpoint, split_name, n, comm->size(), box.lo, box.hi);
        sw.write_tensor("images/pixels", images);
        sw.write_tensor("info/alphas", torch::tensor(j.alphas, torch::kFloat64));
        sw.write_tensor("info/betas", torch::tensor(j.betas, torch::kFloat64));
      }, attrs);
      write_jacobian_csvs(study, paths.dir);
      std::printf("Jacobians of %lld %s images (checkpoint %s):\n", static_cast<long long>(n), split_name.c_str(),
                  checkpoint.c_str());
      std::printf("%s", format_jacobian_table(study).c_str());
      bool plotted = false;
      if (j.plots) plotted = write_jacobian_plots(study, paths.dir + "/plots");
      std::printf("results: %s, %s/jacobian_summary.csv, %s/perturbation_summary.csv%s\n", results.c_str(),
                  paths.dir.c_str(), paths.dir.c_str(),
                  plotted ? (" ; plots: " + paths.dir + "/plots/*.png, *.svg").c_str() : "");
      write_text_atomic(paths.status, "done\n");
    }
    comm->barrier();
    return 0;
  });
}

}  // namespace

JobKind jacobian_job_kind() {
  return {"jacobian", {{"jacobian", read_jacobian_section}}, check_jacobian_rules, run_jacobian_job,
          "Jacobian analysis of a ResNet checkpoint (singular values per unit and stage, skip/branch scaling, "
          "perturbation propagation)"};
}

}  // namespace curvlab
