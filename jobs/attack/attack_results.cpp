// Summaries and files of an attack study's runs (see attack_results.h).
#include "jobs/attack/attack_results.h"

#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/run_dir.h"
#include "base/state_io.h"

namespace curvlab {
namespace {

std::string number(double v) {
  if (!std::isfinite(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string kappa_text(double k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", k);
  return buf;
}

// The run's perturbation size in its own norm: [n] double.
const torch::Tensor& size_of(const AttackRun& r) { return r.norm == AttackNorm::kL2 ? r.l2 : r.linf; }
const torch::Tensor& rel_of(const AttackRun& r) { return r.norm == AttackNorm::kL2 ? r.rel_l2 : r.rel_linf; }

}  // namespace

std::string AttackRun::name() const {
  std::string s = attack_method_names().name(method) + "_" + attack_norm_names().name(norm);
  if (has_kappa) s += "_k" + kappa_text(kappa);
  if (gray) s += "_gray";
  return s;
}

void AttackRun::allocate(std::int64_t n, std::int64_t m, const std::vector<std::int64_t>& sample_shape) {
  const auto i64 = torch::kInt64, f64 = torch::kFloat64;
  label = torch::zeros({n}, i64);
  clean_pred = torch::zeros({n}, i64);
  pred = torch::zeros({n}, i64);
  target = torch::full({n}, -1, i64);
  success = torch::zeros({n}, torch::kBool);
  iterations = torch::zeros({n}, i64);
  for (torch::Tensor* t : {&seconds, &l2, &linf, &rel_l2, &rel_linf}) *t = torch::zeros({n}, f64);
  correct_at_eps = torch::zeros({n, static_cast<std::int64_t>(eps.size())}, torch::kBool);
  std::vector<std::int64_t> shape = {m};
  shape.insert(shape.end(), sample_shape.begin(), sample_shape.end());
  example_clean = torch::zeros(shape, torch::kFloat32);
  example_adv = torch::zeros(shape, torch::kFloat32);
}

void fill_correct_at_eps(AttackRun& run) {
  if (!is_minimal_attack(run.method)) return;
  const torch::Tensor clean_ok = run.clean_pred.eq(run.label);
  const torch::Tensor e = torch::tensor(run.eps, torch::kFloat64).view({1, -1});      // [1, E]
  const torch::Tensor fooled_within = run.success.view({-1, 1}).logical_and(size_of(run).view({-1, 1}) <= e);
  run.correct_at_eps = clean_ok.view({-1, 1}).logical_and(fooled_within.logical_not());
}

AttackSummary summarize(const AttackRun& run) {
  AttackSummary s;
  s.images = run.images();
  if (s.images == 0) return s;
  const torch::Tensor clean_ok = run.clean_pred.eq(run.label);
  const std::int64_t n_ok = clean_ok.sum().item<std::int64_t>();
  s.clean_accuracy = static_cast<double>(n_ok) / static_cast<double>(s.images);
  const torch::Tensor fooled = run.success.logical_and(clean_ok);
  const std::int64_t n_fooled = fooled.sum().item<std::int64_t>();
  s.success_rate = n_ok > 0 ? static_cast<double>(n_fooled) / static_cast<double>(n_ok) : std::nan("");
  if (n_fooled > 0) {
    const torch::Tensor rel = rel_of(run).masked_select(fooled), size = size_of(run).masked_select(fooled);
    s.mean_rel = rel.mean().item<double>();
    s.median_rel = rel.median().item<double>();  // the lower median for an even count (torch.median)
    s.max_rel = rel.max().item<double>();
    s.mean_size = size.mean().item<double>();
    s.median_size = size.median().item<double>();
  } else {
    s.mean_rel = s.median_rel = s.max_rel = s.mean_size = s.median_size = std::nan("");
  }
  s.seconds = run.seconds.sum().item<double>();
  s.images_per_second = s.seconds > 0 ? static_cast<double>(s.images) / s.seconds : std::nan("");
  const torch::Tensor acc = run.correct_at_eps.to(torch::kFloat64).mean(0);
  for (std::int64_t i = 0; i < acc.size(0); ++i) s.accuracy.push_back(acc[i].item<double>());
  return s;
}

void save_attack_runs(const std::vector<AttackRun>& runs, StateWriter& out) {
  for (const AttackRun& r : runs) {
    const std::string g = "runs/" + r.name() + "/";
    out.write_string(g + "method", attack_method_names().name(r.method));
    out.write_string(g + "norm", attack_norm_names().name(r.norm));
    out.write_double(g + "kappa", r.has_kappa ? r.kappa : std::nan(""));
    out.write_string(g + "box", r.gray ? "gray" : "white");
    out.write_tensor(g + "eps", torch::tensor(r.eps, torch::kFloat64));
    const std::vector<std::pair<const char*, const torch::Tensor*>> per_image = {
        {"label", &r.label}, {"clean_prediction", &r.clean_pred}, {"prediction", &r.pred}, {"target", &r.target},
        {"success", &r.success}, {"iterations", &r.iterations}, {"seconds", &r.seconds}, {"l2", &r.l2},
        {"linf", &r.linf}, {"rel_l2", &r.rel_l2}, {"rel_linf", &r.rel_linf}, {"correct_at_eps", &r.correct_at_eps}};
    for (const auto& [key, t] : per_image) {
      out.write_tensor(g + "images/" + key, *t);
    }
    const AttackSummary s = summarize(r);
    out.write_double(g + "clean_accuracy", s.clean_accuracy);
    out.write_double(g + "success_rate", s.success_rate);
    out.write_double(g + "mean_rel", s.mean_rel);
    out.write_double(g + "median_rel", s.median_rel);
    out.write_double(g + "max_rel", s.max_rel);
    out.write_double(g + "mean_size", s.mean_size);
    out.write_double(g + "median_size", s.median_size);
    out.write_double(g + "images_per_second", s.images_per_second);
    out.write_tensor(g + "accuracy", torch::tensor(s.accuracy, torch::kFloat64));
    if (r.example_clean.size(0) > 0) {
      out.write_tensor(g + "examples/clean", r.example_clean);
      out.write_tensor(g + "examples/adversarial", r.example_adv);
    }
  }
}

void write_attack_csvs(const std::vector<AttackRun>& runs, const std::string& dir) {
  std::ostringstream summary, images, accuracy;
  summary << "run,method,norm,kappa,box,images,clean_accuracy,success_rate,mean_rel,median_rel,max_rel,mean_size,"
             "median_size,seconds,images_per_second\n";
  images << "run,image,label,clean_prediction,prediction,target,success,iterations,seconds,l2,linf,rel_l2,rel_linf\n";
  accuracy << "run,method,norm,kappa,box,eps,accuracy\n";
  for (const AttackRun& r : runs) {
    const AttackSummary s = summarize(r);
    const std::string head = r.name() + "," + attack_method_names().name(r.method) + "," +
                             attack_norm_names().name(r.norm) + "," + (r.has_kappa ? number(r.kappa) : "") + "," +
                             (r.gray ? "gray" : "white");
    summary << head << "," << s.images << "," << number(s.clean_accuracy) << "," << number(s.success_rate) << ","
            << number(s.mean_rel) << "," << number(s.median_rel) << "," << number(s.max_rel) << ","
            << number(s.mean_size) << "," << number(s.median_size) << "," << number(s.seconds) << ","
            << number(s.images_per_second) << "\n";
    for (std::size_t e = 0; e < r.eps.size(); ++e) {
      accuracy << head << "," << number(r.eps[e]) << "," << number(s.accuracy[e]) << "\n";
    }
    const auto lab = r.label.accessor<std::int64_t, 1>(), cp = r.clean_pred.accessor<std::int64_t, 1>(),
               pr = r.pred.accessor<std::int64_t, 1>(), tg = r.target.accessor<std::int64_t, 1>(),
               it = r.iterations.accessor<std::int64_t, 1>();
    const auto ok = r.success.accessor<bool, 1>();
    const auto sec = r.seconds.accessor<double, 1>(), l2 = r.l2.accessor<double, 1>(),
               li = r.linf.accessor<double, 1>(), rl2 = r.rel_l2.accessor<double, 1>(),
               rli = r.rel_linf.accessor<double, 1>();
    for (std::int64_t i = 0; i < r.images(); ++i) {
      images << r.name() << "," << i << "," << lab[i] << "," << cp[i] << "," << pr[i] << "," << tg[i] << ","
             << (ok[i] ? 1 : 0) << "," << it[i] << "," << number(sec[i]) << "," << number(l2[i]) << ","
             << number(li[i]) << "," << number(rl2[i]) << "," << number(rli[i]) << "\n";
    }
  }
  write_text_atomic(dir + "/attack_summary.csv", summary.str());
  write_text_atomic(dir + "/attack_images.csv", images.str());
  write_text_atomic(dir + "/attack_accuracy.csv", accuracy.str());
}

std::string format_attack_table(const std::vector<AttackRun>& runs) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-28s %7s %8s %8s %10s %10s %10s %10s\n", "run", "images", "clean", "success",
                "mean_rel", "median_rel", "median", "img/s");
  out += line;
  for (const AttackRun& r : runs) {
    const AttackSummary s = summarize(r);
    std::snprintf(line, sizeof line, "%-28s %7lld %8.4f %8.4f %10.4g %10.4g %10.4g %10.3g\n", r.name().c_str(),
                  static_cast<long long>(s.images), s.clean_accuracy, s.success_rate, s.mean_rel, s.median_rel,
                  s.median_size, s.images_per_second);
    out += line;
  }
  return out;
}

}  // namespace curvlab
