// The "attack" job kind: checkpoint -> the model on pixel-unit images (and one copy per JumpReLU
// kappa) -> the first `samples` images of the split in batches, batch j on rank j % ranks -> each
// method and norm, white box (attacking the evaluated model) and gray box (crafted at kappa 0) ->
// per-image records gathered on every rank -> attack.h5, CSVs, plots, a table on stdout.
// Options and layout: docs/robustness.md.
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "algorithms/attack/carlini_wagner.h"
#include "algorithms/attack/deepfool.h"
#include "algorithms/attack/gradient_attacks.h"
#include "algorithms/attack/trust_region.h"
#include "base/error.h"
#include "base/run_dir.h"
#include "base/seeding.h"
#include "base/version.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/models/model.h"
#include "engine/models/pixel_net.h"
#include "jobs/attack/attack_model.h"
#include "jobs/attack/attack_plots.h"
#include "jobs/attack/attack_results.h"
#include "jobs/attack/attack_sections.h"
#include "jobs/hessian/checkpoint_model.h"
#include "jobs/job_kinds.h"
#include "jobs/run/run_setup.h"

namespace curvlab {
namespace {

using Clock = std::chrono::steady_clock;

// One evaluated model: the trained one, or a JumpReLU copy at kappa.
struct EvalModel {
  bool has_kappa = false;
  double kappa = 0.0;
  std::shared_ptr<PixelNetImpl> net;
};

// What one attack did to a batch: the attacked images (one per eps for fgsm/pgd, else one) and the
// attack's own record.
struct Crafted {
  std::vector<torch::Tensor> adversarial;
  torch::Tensor iterations, target;
  double seconds = 0;
};

Crafted craft(AttackMethod method, AttackNorm norm, NetImpl& model, const torch::Tensor& x, const torch::Tensor& y,
              const AttackStudyOptions& a, const InputBox& box, std::uint64_t seed, const torch::Tensor& index) {
  const auto t0 = Clock::now();
  const std::vector<double>& eps = norm == AttackNorm::kL2 ? a.eps_l2 : a.eps_linf;
  Crafted c;
  const std::int64_t b = x.size(0);
  c.iterations = torch::zeros({b}, torch::kInt64);
  c.target = torch::full({b}, -1, torch::kInt64);
  auto take = [&](const AttackResult& r) {
    c.adversarial = {r.adversarial};
    c.iterations = r.iterations;
    c.target = r.target;
  };
  switch (method) {
    case AttackMethod::kFgsm:
      c.adversarial = fgsm(model, x, y, eps, norm, box);
      c.iterations.fill_(1);
      break;
    case AttackMethod::kPgd:
      for (double e : eps) c.adversarial.push_back(pgd(model, x, y, e, norm, box, a.pgd, seed, index));
      c.iterations.fill_(a.pgd.steps * static_cast<std::int64_t>(eps.size()));
      break;
    case AttackMethod::kIfgsm: {
      IfgsmOptions o = a.ifgsm;
      o.step = norm == AttackNorm::kL2 ? a.ifgsm_step_l2 : a.ifgsm_step_linf;
      take(ifgsm(model, x, y, norm, box, o));
      break;
    }
    case AttackMethod::kDeepFool: take(deepfool(model, x, y, norm, box, a.deepfool)); break;
    case AttackMethod::kCw:
      CURVLAB_CHECK(norm == AttackNorm::kL2, ConfigError, "cw is the L2 attack");
      take(carlini_wagner_l2(model, x, y, box, a.cw));
      break;
    case AttackMethod::kTr: take(trust_region(model, x, y, norm, box, a.tr)); break;
    case AttackMethod::kTr2: take(trust_region2(model, x, y, norm, box, a.tr)); break;
  }
  c.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return c;
}

// Records batch [lo, lo + b) of `run`: `model` evaluates the clean and the attacked images.
void record(AttackRun& run, NetImpl& model, const torch::Tensor& x, const torch::Tensor& y, const Crafted& c,
            std::int64_t lo) {
  const std::int64_t b = x.size(0);
  const torch::Tensor clean = logits(model, x).argmax(1);
  const torch::Tensor& adv = c.adversarial.back();
  const torch::Tensor pred = logits(model, adv).argmax(1);
  const torch::Tensor delta = (adv - x).to(torch::kFloat64);
  const torch::Tensor xd = x.to(torch::kFloat64);
  run.label.slice(0, lo, lo + b).copy_(y);
  run.clean_pred.slice(0, lo, lo + b).copy_(clean);
  run.pred.slice(0, lo, lo + b).copy_(pred);
  run.target.slice(0, lo, lo + b).copy_(c.target);
  run.success.slice(0, lo, lo + b).copy_(clean.eq(y).logical_and(pred.ne(y)));
  run.iterations.slice(0, lo, lo + b).copy_(c.iterations);
  run.seconds.slice(0, lo, lo + b).fill_(c.seconds / static_cast<double>(b));
  const torch::Tensor l2 = image_norm(delta, AttackNorm::kL2), linf = image_norm(delta, AttackNorm::kLinf);
  run.l2.slice(0, lo, lo + b).copy_(l2);
  run.linf.slice(0, lo, lo + b).copy_(linf);
  run.rel_l2.slice(0, lo, lo + b).copy_(l2 / image_norm(xd, AttackNorm::kL2).clamp_min(1e-30));
  run.rel_linf.slice(0, lo, lo + b).copy_(linf / image_norm(xd, AttackNorm::kLinf).clamp_min(1e-30));
  if (!is_minimal_attack(run.method)) {
    for (std::size_t e = 0; e < c.adversarial.size(); ++e) {
      run.correct_at_eps.slice(0, lo, lo + b).select(1, static_cast<std::int64_t>(e))
          .copy_(logits(model, c.adversarial[e]).argmax(1).eq(y));
    }
  }
  const std::int64_t m = run.example_clean.size(0);
  if (lo < m) {
    const std::int64_t k = std::min(m, lo + b) - lo;
    run.example_clean.slice(0, lo, lo + k).copy_(x.slice(0, 0, k));
    run.example_adv.slice(0, lo, lo + k).copy_(adv.slice(0, 0, k));
  }
}

// Every rank filled its batches' rows (zeros elsewhere): the sum over ranks is the whole run.
void gather(AttackRun& run, const CommunicatorPtr& comm) {
  if (comm->size() == 1) return;
  for (torch::Tensor* t : {&run.label, &run.clean_pred, &run.pred, &run.iterations, &run.seconds, &run.l2,
                           &run.linf, &run.rel_l2, &run.rel_linf, &run.example_clean, &run.example_adv}) {
    if (t->numel() > 0) comm->allreduce({*t}, ReduceOp::kSum);
  }
  run.target += 1;  // -1 rows: shifted to 0 so that the zeros of other ranks add nothing
  comm->allreduce({run.target}, ReduceOp::kSum);
  run.target -= 1;
  for (torch::Tensor* t : {&run.success, &run.correct_at_eps}) {
    torch::Tensor v = t->to(torch::kInt64);
    comm->allreduce({v}, ReduceOp::kSum);
    *t = v.gt(0);
  }
}

int run_attack_job(const JobSpec& spec, const RunOptions& options) {
  // An attack job always starts over in its directory (--resume means: replace the old results).
  const RunMode mode = options.mode == RunMode::kResume ? RunMode::kForce : options.mode;
  check_run_dir(spec.job.output_dir, mode);
  const AttackStudyOptions& a = spec.attack;
  const std::string checkpoint = resolve_checkpoint(a.checkpoint, spec, "attack.checkpoint");
  RunSetup setup = start_run(spec);
  const CommunicatorPtr& comm = setup.comm;
  return run_guarded(setup, options, [&] {
    const CheckpointModel loaded = load_checkpoint_model(checkpoint, &spec);
    const DataSplits& data = loaded.data;
    const Dataset& split = a.split == DataSplit::kTest ? data.test : data.train;
    const std::string& split_name = split_names().name(a.split);
    const std::int64_t n = a.samples > 0 ? a.samples : split.size();
    CURVLAB_CHECK(n <= split.size(), ConfigError,
                  spec.where("attack.samples").str() + ": attack.samples (" + std::to_string(n) +
                      ") is larger than the " + split_name + " split (" + std::to_string(split.size()) +
                      " images); lower it or set 0 for all");
    const Activation act = loaded.model_spec.activation;
    CURVLAB_CHECK(a.kappas.empty() || act == Activation::kRelu || act == Activation::kJumpRelu, ConfigError,
                  spec.where("attack.kappas").str() + ": attack.kappas retrofits JumpReLU onto a ReLU model, but the "
                      "checkpoint's model has activation \"" + activation_names().name(act) + "\"");
    open_run_dir(spec, setup, mode, options.quiet, ", checkpoint " + checkpoint);

    auto pixel = [&](Net net) {
      net->eval();
      auto p = std::make_shared<PixelNetImpl>(net, data.mean, data.stdev);
      p->eval();
      return p;
    };
    std::vector<EvalModel> models;
    if (a.kappas.empty()) {
      models.push_back({false, 0.0, pixel(loaded.model)});
    } else {
      for (double k : a.kappas) {
        models.push_back({true, k, pixel(with_kappa(loaded.model, loaded.model_spec, k, data.sample_shape,
                                                     data.num_classes))});
      }
    }
    const bool gray = a.gray_box && !a.kappas.empty();
    std::shared_ptr<PixelNetImpl> base =
        gray ? pixel(with_kappa(loaded.model, loaded.model_spec, 0.0, data.sample_shape, data.num_classes)) : nullptr;
    const torch::Tensor images = models.front().net->to_pixels(split.inputs.slice(0, 0, n));
    const torch::Tensor labels = split.targets.slice(0, 0, n);
    const InputBox box = pixel_box(models.front().net->to_pixels(data.train.inputs));
    const std::int64_t m = std::min(a.save_examples, n);

    std::vector<AttackRun> runs;
    const std::int64_t batches = (n + a.batch_size - 1) / a.batch_size;
    for (AttackNorm norm : a.norms) {
      for (AttackMethod method : a.methods) {
        if (method == AttackMethod::kCw && norm != AttackNorm::kL2) continue;  // CW is L2 only (docs)
        const std::size_t first = runs.size();
        for (int g = 0; g < (gray ? 2 : 1); ++g) {
          for (const EvalModel& em : models) {
            if (g == 1 && em.kappa == 0.0) continue;  // gray box at kappa 0 is the white box
            AttackRun r;
            r.method = method;
            r.norm = norm;
            r.has_kappa = em.has_kappa;
            r.kappa = em.kappa;
            r.gray = g == 1;
            r.eps = norm == AttackNorm::kL2 ? a.eps_l2 : a.eps_linf;
            r.allocate(n, m, data.sample_shape);
            runs.push_back(std::move(r));
          }
        }
        const std::uint64_t seed = derive_seed(spec.job.seed, "attack." + attack_method_names().name(method));
        for (std::int64_t j = comm->rank(); j < batches; j += comm->size()) {
          const std::int64_t lo = j * a.batch_size, hi = std::min(n, lo + a.batch_size);
          const torch::Tensor x = images.slice(0, lo, hi), y = labels.slice(0, lo, hi);
          const torch::Tensor index = torch::arange(lo, hi, torch::kInt64);
          std::size_t k = first;
          for (const EvalModel& em : models) {
            record(runs[k++], *em.net, x, y, craft(method, norm, *em.net, x, y, a, box, seed, index), lo);
          }
          if (gray) {
            const Crafted c = craft(method, norm, *base, x, y, a, box, seed, index);
            for (const EvalModel& em : models) {
              if (em.kappa != 0.0) record(runs[k++], *em.net, x, y, c, lo);
            }
          }
        }
        for (std::size_t k = first; k < runs.size(); ++k) {
          gather(runs[k], comm);
          fill_correct_at_eps(runs[k]);
        }
        if (setup.root() && !options.quiet) {
          const AttackSummary s = summarize(runs[first]);
          std::fprintf(stderr, "curvlab: %s %s done (%zu run(s); %s: success %.3f, median size %.4g, %.3g images/s)\n",
                       attack_method_names().name(method).c_str(), attack_norm_names().name(norm).c_str(),
                       runs.size() - first, runs[first].name().c_str(), s.success_rate, s.median_size,
                       s.images_per_second);
        }
      }
    }

    if (setup.root()) {
      const RunPaths& paths = setup.paths;
      const std::string results = paths.dir + "/attack.h5";
      const std::map<std::string, std::string> attrs = {
          {"job_text", spec.source_text}, {"checkpoint", checkpoint}, {"curvlab_version", CURVLAB_VERSION},
          {"kind", "attack"}, {"world_size", std::to_string(comm->size())}};
      write_state_file(results, [&](StateWriter& sw) {
        save_attack_runs(runs, sw);
        write_study_info(sw, loaded, checkpoint, split_name, n, comm->size(), box.lo, box.hi);
      }, attrs);
      write_attack_csvs(runs, paths.dir);
      std::printf("attacks on %lld %s images (checkpoint %s), perturbations in pixel units, box [%g, %g]:\n",
                  static_cast<long long>(n), split_name.c_str(), checkpoint.c_str(), box.lo, box.hi);
      std::printf("%s", format_attack_table(runs).c_str());
      bool plotted = false;
      if (a.plots) plotted = write_attack_plots(runs, paths.dir + "/plots");
      std::printf("results: %s, %s/attack_summary.csv%s\n", results.c_str(), paths.dir.c_str(),
                  plotted ? (" ; plots: " + paths.dir + "/plots/*.png, *.svg").c_str() : "");
      write_text_atomic(paths.status, "done\n");
    }
    comm->barrier();
    return 0;
  });
}

}  // namespace

JobKind attack_job_kind() {
  return {"attack", {{"attack", read_attack_section}}, check_attack_rules, run_attack_job,
          "adversarial attacks on a checkpoint (FGSM, IFGSM, PGD, DeepFool, CW, trust region; JumpReLU kappas)"};
}

}  // namespace curvlab
