// Attack study plots (see attack_plots.h).
#include "jobs/attack/attack_plots.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "base/gnuplot_script.h"

namespace curvlab {
namespace {

constexpr int kBins = 30;

// The runs of one norm.
std::vector<const AttackRun*> of_norm(const std::vector<AttackRun>& runs, AttackNorm norm) {
  std::vector<const AttackRun*> out;
  for (const AttackRun& r : runs) {
    if (r.norm == norm) out.push_back(&r);
  }
  return out;
}

// A grid of the saved pairs, grey levels in [0, 1] (channel mean): row 0 clean, row 1 adversarial,
// row 2 the perturbation rescaled to [0, 1] around 0.5. One line per pixel row, for `matrix`.
void write_example_grid(const AttackRun& r, const std::string& path) {
  const torch::Tensor clean = r.example_clean.mean(1), adv = r.example_adv.mean(1);  // [m, H, W]
  const torch::Tensor diff = adv - clean;
  const double scale = std::max(diff.abs().max().item<double>(), 1e-12);
  const torch::Tensor rows = torch::stack({clean, adv, (diff / (2 * scale) + 0.5)}, 0);  // [3, m, H, W]
  const std::int64_t m = rows.size(1), h = rows.size(2), w = rows.size(3);
  const torch::Tensor grid = rows.permute({0, 2, 1, 3}).reshape({3 * h, m * w}).flip(0).contiguous();
  const auto g = grid.accessor<float, 2>();
  std::ofstream f(path);
  for (std::int64_t i = 0; i < g.size(0); ++i) {
    for (std::int64_t j = 0; j < g.size(1); ++j) f << (j ? " " : "") << dat_value(g[i][j]);
    f << "\n";
  }
}

}  // namespace

bool write_attack_plots(const std::vector<AttackRun>& runs, const std::string& dir) {
  std::filesystem::create_directories(dir);
  GnuplotScript gp("attack study plots");
  for (AttackNorm norm : {AttackNorm::kL2, AttackNorm::kLinf}) {
    const std::vector<const AttackRun*> rs = of_norm(runs, norm);
    if (rs.empty()) continue;
    const std::string nn = attack_norm_names().name(norm);
    std::string plot = "plot ";
    for (std::size_t i = 0; i < rs.size(); ++i) {
      const AttackSummary s = summarize(*rs[i]);
      const std::string file = "accuracy_" + file_safe(rs[i]->name()) + ".dat";
      std::ofstream d(dir + "/" + file);
      d << "# eps accuracy (" << rs[i]->name() << ")\n0 " << dat_value(s.clean_accuracy) << "\n";
      for (std::size_t e = 0; e < rs[i]->eps.size(); ++e) {
        d << dat_value(rs[i]->eps[e]) << " " << dat_value(s.accuracy[e]) << "\n";
      }
      plot += std::string(i ? ", " : "") + "'" + file + "' using 1:2 with linespoints lw 2 title '" + rs[i]->name() +
              "'";
    }
    gp.add_plot("accuracy_vs_eps_" + nn, "set title 'accuracy under attack (" + nn +
                                             ", pixel units)'\nset xlabel 'eps'\nset ylabel 'accuracy'\n"
                                             "set yrange [0:1]\nset key outside right\n" + plot + "\n");
    std::string hist = "plot ";
    int drawn = 0;
    for (const AttackRun* r : rs) {
      if (!is_minimal_attack(r->method)) continue;
      const torch::Tensor ok = r->success.logical_and(r->clean_pred.eq(r->label));
      const torch::Tensor rel = (norm == AttackNorm::kL2 ? r->rel_l2 : r->rel_linf).masked_select(ok);
      if (rel.numel() == 0) continue;
      const double top = rel.max().item<double>() * 1.0001 + 1e-12;
      const torch::Tensor counts = torch::histc(rel, kBins, 0, top);
      const std::string file = "rel_hist_" + file_safe(r->name()) + ".dat";
      std::ofstream d(dir + "/" + file);
      d << "# bin_center fraction (" << r->name() << ", " << rel.numel() << " fooled images)\n";
      for (int b = 0; b < kBins; ++b) {
        d << dat_value((b + 0.5) * top / kBins) << " "
          << dat_value(counts[b].item<double>() / static_cast<double>(rel.numel())) << "\n";
      }
      hist += std::string(drawn++ ? ", " : "") + "'" + file + "' using 1:2 with steps lw 2 title '" + r->name() + "'";
    }
    if (drawn > 0) {
      gp.add_plot("relative_perturbation_" + nn, "set title 'relative perturbation ||delta||/||x|| (" + nn +
                  ") of the fooled images'\nset xlabel 'relative perturbation'\nset ylabel 'fraction'\n"
                  "set key outside right\n" + hist + "\n");
    }
  }
  for (const AttackRun& r : runs) {
    if (r.example_clean.size(0) == 0 || r.example_clean.dim() != 4) continue;
    const std::string file = "examples_" + file_safe(r.name()) + ".dat";
    write_example_grid(r, dir + "/" + file);
    gp.add_plot("examples_" + file_safe(r.name()),
                "set title '" + r.name() + ": clean (top), adversarial, perturbation (bottom, rescaled)'\n"
                "unset xtics\nunset ytics\nunset colorbox\nset palette gray\nset cbrange [0:1]\nset size ratio -1\n"
                "plot '" + file + "' matrix with image pixels notitle\n");
  }
  return run_gnuplot_script(gp, dir, "attack_plots.gp");
}

}  // namespace curvlab
