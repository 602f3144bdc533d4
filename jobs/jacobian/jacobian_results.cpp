// Records of the jacobian job: summaries, jacobian.h5 and the CSV files (see jacobian_results.h).
#include "jobs/jacobian/jacobian_results.h"

#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <utility>

#include "base/gnuplot_script.h"  // dat_value

namespace curvlab {

namespace {

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

double item(const torch::Tensor& t) { return t.item<double>(); }

// Standard deviation (n - 1) of a float64 vector, NaN for fewer than two values.
double stdev(const torch::Tensor& v) { return v.numel() >= 2 ? item(v.std()) : NAN; }

}  // namespace

std::string ScalingRecord::name() const { return "alpha" + num(alpha) + "_beta" + num(beta); }

MapSummary summarize(const MapRecord& r, const std::vector<double>& taus) {
  MapSummary s;
  if (r.top.defined() && r.top.size(0) > 0) {
    s.images = r.top.size(0);
    if (r.top.size(1) > 0) {
      const torch::Tensor t1 = r.top.select(1, 0);
      s.top1_mean = item(t1.mean());
      s.top1_std = stdev(t1);
    }
    if (r.bottom.size(1) > 0) {
      const torch::Tensor b1 = r.bottom.select(1, 0);
      s.bottom1_mean = item(b1.mean());
      s.bottom1_std = stdev(b1);
    }
    s.converged = item(r.converged.to(torch::kFloat64).mean());
    // Residuals relative to the largest Ritz value sigma_1^2 of each image.
    const torch::Tensor scale = r.top.size(1) > 0 ? r.top.select(1, 0).square().clamp_min(1e-300).unsqueeze(1)
                                                  : torch::ones({s.images, 1}, torch::kFloat64);
    double worst = 0;
    for (const torch::Tensor* res : {&r.top_residual, &r.bottom_residual}) {
      if (res->size(1) > 0) worst = std::max(worst, item((*res / scale).max()));
    }
    s.max_residual = worst;
  }
  if (r.dense.defined() && r.dense.size(0) > 0) {
    s.dense = true;
    s.images = r.dense.size(0);
    const torch::Tensor all = r.dense.reshape({-1});
    const torch::Tensor q = torch::quantile(all, torch::tensor({0.1, 0.5, 0.9}, torch::kFloat64));
    s.q10 = item(q[0]);
    s.median = item(q[1]);
    s.q90 = item(q[2]);
    s.spread = stdev(torch::quantile(r.dense, 0.5, /*dim=*/1));
    s.zero_fraction = item(r.dense.le(r.dense.select(1, 0).unsqueeze(1) * 1e-6).to(torch::kFloat64).mean());
    for (double tau : taus) {
      const torch::Tensor frac = r.dense.ge(1 - tau).logical_and(r.dense.le(1 + tau)).to(torch::kFloat64).mean(1);
      s.within_mean.push_back(item(frac.mean()));
      s.within_std.push_back(stdev(frac));
    }
  }
  return s;
}

PerturbationSummary summarize(const PerturbationRecord& r, std::int64_t size_index, std::int64_t position) {
  PerturbationSummary s;
  const torch::Tensor ok = r.valid.gt(0);
  s.images = ok.sum().item<std::int64_t>();
  if (s.images == 0) return s;
  auto col = [&](const torch::Tensor& t) { return t.select(1, size_index).select(1, position).masked_select(ok); };
  const torch::Tensor g = col(r.growth);
  s.growth_mean = item(g.mean());
  s.growth_median = item(g.median());
  s.linear_growth_mean = item(col(r.linear_growth).mean());
  s.gap_median = item(col(r.gap).median());
  const torch::Tensor p = col(r.projection);
  const torch::Tensor pf = p.masked_select(p.isnan().logical_not());
  if (pf.numel() > 0) s.projection_mean = item(pf.mean());
  s.flipped = item(r.flipped.select(1, size_index).masked_select(ok).to(torch::kFloat64).mean());
  return s;
}

void save_jacobian_study(const JacobianStudy& study, StateWriter& out) {
  out.write_tensor("images/label", study.label);
  out.write_tensor("images/clean_prediction", study.clean_pred);
  out.write_tensor("info/sizes", torch::tensor(study.sizes, torch::kFloat64));
  out.write_tensor("info/taus", torch::tensor(study.taus, torch::kFloat64));
  std::string positions;
  for (const std::string& p : study.positions) positions += (positions.empty() ? "" : ",") + p;
  out.write_string("info/positions", positions);
  for (const ScalingRecord& sc : study.scalings) {
    const std::string g = "scalings/" + sc.name() + "/";
    out.write_double(g + "alpha", sc.alpha);
    out.write_double(g + "beta", sc.beta);
    for (const MapRecord& m : sc.maps) {
      const std::string mg = g + "maps/" + m.map.name + "/";
      out.write_string(mg + "kind", m.map.kind);
      out.write_int(mg + "in_dim", m.in_dim);
      out.write_int(mg + "out_dim", m.out_dim);
      out.write_int(mg + "first_unit", m.map.first);
      out.write_int(mg + "last_unit", m.map.last - 1);
      const std::vector<std::pair<const char*, const torch::Tensor*>> tensors = {
          {"lanczos/top", &m.top}, {"lanczos/bottom", &m.bottom}, {"lanczos/top_residual", &m.top_residual},
          {"lanczos/bottom_residual", &m.bottom_residual}, {"lanczos/steps", &m.steps},
          {"lanczos/converged", &m.converged}, {"dense/singular_values", &m.dense}};
      for (const auto& [key, t] : tensors) {
        if (t->defined()) out.write_tensor(mg + key, *t);  // undefined: not computed
      }
      if (m.seconds.defined()) {
        out.write_double(mg + "seconds_lanczos", m.seconds[0].item<double>());
        out.write_double(mg + "seconds_dense", m.seconds[1].item<double>());
      }
      const MapSummary s = summarize(m, study.taus);
      if (s.dense) {
        out.write_double(mg + "summary/median", s.median);
        out.write_double(mg + "summary/spread", s.spread);
        out.write_double(mg + "summary/zero_fraction", s.zero_fraction);
        out.write_tensor(mg + "summary/within_tau_mean", torch::tensor(s.within_mean, torch::kFloat64));
        out.write_tensor(mg + "summary/within_tau_std", torch::tensor(s.within_std, torch::kFloat64));
      }
    }
    for (const PerturbationRecord& p : sc.perturbations) {
      const std::string pg = g + "perturbation/" + perturbation_direction_names().name(p.direction) + "/";
      for (const auto& [key, t] : std::vector<std::pair<const char*, const torch::Tensor*>>{
               {"growth", &p.growth}, {"linear_growth", &p.linear_growth}, {"gap", &p.gap},
               {"projection", &p.projection}, {"flipped", &p.flipped}, {"valid", &p.valid}}) {
        out.write_tensor(pg + key, *t);
      }
    }
  }
}

void write_jacobian_csvs(const JacobianStudy& study, const std::string& dir) {
  {
    std::ofstream f(dir + "/jacobian_summary.csv");
    f << "alpha,beta,map,kind,in_dim,out_dim,images,top1_mean,top1_std,bottom1_mean,bottom1_std,lanczos_converged,"
         "lanczos_max_rel_residual,dense,median,q10,q90,median_spread,zero_fraction";
    for (double tau : study.taus) f << ",within_" << num(tau) << "_mean,within_" << num(tau) << "_std";
    f << "\n";
    for (const ScalingRecord& sc : study.scalings) {
      for (const MapRecord& m : sc.maps) {
        const MapSummary s = summarize(m, study.taus);
        f << num(sc.alpha) << "," << num(sc.beta) << "," << m.map.name << "," << m.map.kind << "," << m.in_dim << ","
          << m.out_dim << "," << s.images << "," << dat_value(s.top1_mean) << "," << dat_value(s.top1_std) << ","
          << dat_value(s.bottom1_mean) << "," << dat_value(s.bottom1_std) << "," << dat_value(s.converged) << ","
          << dat_value(s.max_residual) << "," << (s.dense ? 1 : 0) << "," << dat_value(s.median) << ","
          << dat_value(s.q10) << "," << dat_value(s.q90) << "," << dat_value(s.spread) << ","
          << dat_value(s.zero_fraction);
        for (std::size_t t = 0; t < study.taus.size(); ++t) {
          f << "," << (s.dense ? dat_value(s.within_mean[t]) : "nan") << ","
            << (s.dense ? dat_value(s.within_std[t]) : "nan");
        }
        f << "\n";
      }
    }
  }
  std::ofstream f(dir + "/perturbation_summary.csv");
  f << "alpha,beta,direction,size,position,map,images,growth_mean,growth_median,linear_growth_mean,gap_median,"
       "projection_mean,flipped\n";
  for (const ScalingRecord& sc : study.scalings) {
    for (const PerturbationRecord& p : sc.perturbations) {
      for (std::size_t si = 0; si < study.sizes.size(); ++si) {
        for (std::size_t k = 0; k < study.positions.size(); ++k) {
          const PerturbationSummary s =
              summarize(p, static_cast<std::int64_t>(si), static_cast<std::int64_t>(k));
          f << num(sc.alpha) << "," << num(sc.beta) << "," << perturbation_direction_names().name(p.direction) << ","
            << num(study.sizes[si]) << "," << k << "," << study.positions[k] << "," << s.images << ","
            << dat_value(s.growth_mean) << "," << dat_value(s.growth_median) << ","
            << dat_value(s.linear_growth_mean) << "," << dat_value(s.gap_median) << ","
            << dat_value(s.projection_mean) << "," << dat_value(s.flipped) << "\n";
        }
      }
    }
  }
}

std::string format_jacobian_table(const JacobianStudy& study) {
  std::ostringstream o;
  char line[512];
  const double tau = study.taus.empty() ? NAN : study.taus.front();
  std::snprintf(line, sizeof line, "%-22s %-10s %6s %6s %9s %9s %9s %11s %8s %7s %11s\n", "scaling", "map", "in",
                "out", "top1", "bottom1", "median", "q10-q90", "spread", "zeros", ("in 1+-" + num(tau)).c_str());
  o << line;
  for (const ScalingRecord& sc : study.scalings) {
    for (const MapRecord& m : sc.maps) {
      const MapSummary s = summarize(m, study.taus);
      const std::string q = s.dense ? num(s.q10).substr(0, 5) + "-" + num(s.q90).substr(0, 5) : "-";
      std::snprintf(line, sizeof line, "%-22s %-10s %6lld %6lld %9.4g %9.4g %9.4g %11s %8.3g %7.3f %11.3g\n",
                    sc.name().c_str(), m.map.name.c_str(), static_cast<long long>(m.in_dim),
                    static_cast<long long>(m.out_dim), s.top1_mean, s.bottom1_mean, s.median, q.c_str(), s.spread,
                    s.zero_fraction, s.within_mean.empty() ? NAN : s.within_mean.front());
      o << line;
    }
  }
  for (const ScalingRecord& sc : study.scalings) {
    for (const PerturbationRecord& p : sc.perturbations) {
      for (std::size_t si = 0; si < study.sizes.size(); ++si) {
        const std::int64_t last = static_cast<std::int64_t>(study.positions.size()) - 1;
        const PerturbationSummary first = summarize(p, static_cast<std::int64_t>(si), 0);
        const PerturbationSummary end = summarize(p, static_cast<std::int64_t>(si), last);
        std::snprintf(line, sizeof line,
                      "%s %-8s |d| %-6s growth stem %.3g -> %s %.3g (linear %.3g, gap %.3g), flipped %.2f (%lld images)\n",
                      sc.name().c_str(), perturbation_direction_names().name(p.direction).c_str(),
                      num(study.sizes[si]).c_str(), first.growth_mean, study.positions.back().c_str(),
                      end.growth_mean, end.linear_growth_mean, end.gap_median, end.flipped,
                      static_cast<long long>(end.images));
        o << line;
      }
    }
  }
  return o.str();
}

}  // namespace curvlab
