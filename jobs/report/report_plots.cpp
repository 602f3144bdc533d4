// gnuplot data and scripts of a sweep report (report_plots.h).
#include "jobs/report/report_plots.h"

#include <cmath>
#include <map>
#include <sstream>

#include "base/run_dir.h"
#include "base/gnuplot_script.h"

namespace curvlab {
namespace {

// One line style per optimizer, so its perfect-scaling line shares its colour.
std::string line_color(std::size_t i) { return std::to_string(i + 1); }

}  // namespace

PlotsResult write_sweep_plots(const StudyResult& study, const std::string& out_dir) {
  PlotsResult result;
  GnuplotScript gp("Batch-size scaling plots of a sweep (docs/report.md)");
  std::map<std::string, std::vector<const GroupResult*>> by_optimizer;
  for (const GroupResult& g : study.groups) by_optimizer[g.optimizer].push_back(&g);

  std::string steps_plot, epochs_plot, sens_plot;
  std::size_t index = 0;
  for (const auto& [opt, groups] : by_optimizer) {
    const std::string dat = "scaling_" + file_safe(opt) + ".dat";
    std::ostringstream d;
    d << "# " << opt << ": batch_size steps perfect_scaling_steps epochs reached_fraction (nan: not reached)\n";
    bool any_steps = false, any_fraction = false;
    for (const GroupResult* g : groups) {
      const SettingResult* b = g->best_setting();
      d << g->batch_size << " " << dat_value(b ? b->steps : NAN) << " " << dat_value(g->perfect_scaling_steps) << " "
        << dat_value(b ? b->epochs : NAN) << " " << dat_value(g->reached_fraction) << "\n";
      any_steps = any_steps || b != nullptr;
      any_fraction = any_fraction || std::isfinite(g->reached_fraction);
    }
    write_text_atomic(out_dir + "/" + dat, d.str());
    const std::string lc = line_color(index++);
    if (any_steps) {
      steps_plot += std::string(steps_plot.empty() ? "plot " : ", ") + "'" + dat + "' using 1:2 with linespoints lw 2 pt 7 lc " +
                    lc + " title '" + opt + "', '" + dat + "' using 1:3 with lines dt 2 lw 1.5 lc " + lc + " title '" +
                    opt + " perfect scaling'";
      epochs_plot += std::string(epochs_plot.empty() ? "plot " : ", ") + "'" + dat +
                     "' using 1:4 with linespoints lw 2 pt 7 lc " + lc + " title '" + opt + "'";
    }
    if (any_fraction) {
      sens_plot += std::string(sens_plot.empty() ? "plot " : ", ") + "'" + dat +
                   "' using 1:5 with linespoints lw 2 pt 7 lc " + lc + " title '" + opt + "'";
    }
  }
  const std::string target = study.target.describe();
  if (!steps_plot.empty()) {
    gp.add_plot("steps_to_target",
                "set title 'Steps to " + target + " (best hyperparameters per batch size)'\n"
                "set xlabel 'batch size'\nset ylabel 'steps to target'\nset logscale x 2\nset logscale y 10\n"
                "set key top right\n" + steps_plot + "\n");
    gp.add_plot("epochs_to_target",
                "set title 'Epochs to " + target + " (best hyperparameters per batch size)'\n"
                "set xlabel 'batch size'\nset ylabel 'epochs to target'\nset logscale x 2\nset logscale y 10\n"
                "set key top left\n" + epochs_plot + "\n");
  }
  if (!sens_plot.empty()) {
    gp.add_plot("sensitivity",
                "set title 'Hyperparameter sensitivity: fraction of settings reaching " + target + "'\n"
                "set xlabel 'batch size'\nset ylabel 'fraction of settings reaching the target'\nset logscale x 2\n"
                "set yrange [-0.05:1.05]\nset key bottom left\n" + sens_plot + "\n");
  }

  // The target metric over steps of each batch size's best (fastest seed of the best setting) run.
  std::map<std::string, const RunOutcome*> by_id;
  for (const RunOutcome& r : study.runs) by_id[r.id] = &r;
  for (const auto& [opt, groups] : by_optimizer) {
    std::string plot;
    for (const GroupResult* g : groups) {
      const SettingResult* b = g->best_setting();
      if (!b || by_id.count(b->fastest_run) == 0) continue;
      const RunOutcome& r = *by_id[b->fastest_run];
      const std::string dat = "curve_" + file_safe(opt) + "_" + std::to_string(g->batch_size) + ".dat";
      std::ostringstream d;
      d << "# run " << r.id << " (" << opt << ", batch " << g->batch_size << ", " << b->setting << "): step epoch "
        << study.target.metric << "\n";
      bool any = false;
      for (const EvalPoint& p : r.curve) {
        d << dat_value(p.step) << " " << dat_value(p.epoch) << " " << dat_value(p.value) << "\n";
        any = any || (std::isfinite(p.value) && p.step > 0);
      }
      write_text_atomic(out_dir + "/" + dat, d.str());
      if (any) {
        plot += std::string(plot.empty() ? "plot " : ", ") + "'" + dat + "' using 1:3 with linespoints lw 2 pt 7 ps 0.6 "
                "title 'batch " + std::to_string(g->batch_size) + "'";
      }
    }
    if (plot.empty()) continue;
    char value[64];
    std::snprintf(value, sizeof(value), "%.9g", study.target.value);
    gp.add_plot("target_curves_" + file_safe(opt),
                "set title '" + opt + ": " + study.target.metric + " of the best run per batch size'\n"
                "set xlabel 'step'\nset ylabel '" + study.target.metric + "'\nset logscale x 10\n"
                "set key " + (higher_is_better(study.target.metric) ? "bottom right" : "top right") + "\n" + plot +
                    ", " + value + " with lines dt 3 lw 2 lc rgb 'black' title 'target'\n");
  }

  result.plots = gp.plots();
  if (result.plots.empty()) {
    write_text_atomic(out_dir + "/sweep_plots.gp", gp.text());
    result.note = "No plots: no run has evaluations to plot yet.";
    return result;
  }
  result.drawn = run_gnuplot_script(gp, out_dir, "sweep_plots.gp");
  std::string names;
  for (const std::string& p : result.plots) names += (names.empty() ? "" : ", ") + p;
  result.note = result.drawn ? "Plots (PNG and SVG; restyle in `sweep_plots.gp` and rerun `gnuplot sweep_plots.gp`): " + names
                             : "Plots not drawn (gnuplot missing or failed; see the warning); their data and "
                               "`sweep_plots.gp` are here: " + names;
  return result;
}

}  // namespace curvlab
