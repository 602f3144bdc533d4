// Curves and summary of one run (run_report.h).
#include "jobs/report/run_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "algorithms/scaling/study.h"
#include "base/error.h"
#include "base/run_dir.h"
#include "jobs/job_parser.h"
#include "base/gnuplot_script.h"
#include "jobs/report/metrics_csv.h"
#include "jobs/report/report_tables.h"
#include "jobs/report/sweep_reader.h"

namespace curvlab {
namespace {

bool any_finite(const std::vector<double>& v) {
  for (double x : v) {
    if (std::isfinite(x)) return true;
  }
  return false;
}

// train.target_* of the run's job.toml; unset when there is none or it cannot be parsed (a run
// of another curvlab version): the report then needs --target for the target line.
Target run_target(const std::string& run_dir) {
  Target t;
  if (!std::filesystem::is_regular_file(run_dir + "/job.toml")) return t;
  try {
    const JobSpec spec = load_job_file(run_dir + "/job.toml");
    t.metric = spec.train.target_metric;
    t.value = spec.train.target_value;
  } catch (const Error& e) {
    std::fprintf(stderr, "warning: %s/job.toml cannot be parsed (%s); its target, if any, is ignored\n", run_dir.c_str(),
                 e.what());
  }
  return t;
}

// The last finite value of a column, and its index (-1 when none).
int last_finite(const std::vector<double>& v) {
  for (int i = static_cast<int>(v.size()) - 1; i >= 0; --i) {
    if (std::isfinite(v[i])) return i;
  }
  return -1;
}

}  // namespace

RunReport write_run_report(const std::string& run_dir, const std::string& out_dir, const Target& override_target) {
  std::filesystem::create_directories(out_dir);
  const MetricsCsv steps = read_metrics_csv(run_dir + "/metrics_steps.csv");
  const MetricsCsv evals = read_metrics_csv(run_dir + "/metrics_evals.csv");
  const std::vector<std::string> step_cols = {"step", "epoch", "loss", "accuracy", "lr", "batch_size", "noise_scale"};
  const std::vector<std::string> eval_cols = {"step", "epoch", "train_loss", "test_loss", "test_accuracy"};
  std::map<std::string, std::vector<double>> s, e;
  for (const std::string& c : step_cols) s[c] = steps.column(c);
  for (const std::string& c : eval_cols) e[c] = evals.column(c);

  std::ostringstream sd, ed;
  sd << "# step epoch loss accuracy lr batch_size noise_scale (from " << run_dir << "/metrics_steps.csv)\n";
  for (std::size_t i = 0; i < steps.rows(); ++i) {
    for (std::size_t c = 0; c < step_cols.size(); ++c) sd << (c ? " " : "") << dat_value(s[step_cols[c]][i]);
    sd << "\n";
  }
  ed << "# step epoch train_loss test_loss test_accuracy (from " << run_dir << "/metrics_evals.csv)\n";
  for (std::size_t i = 0; i < evals.rows(); ++i) {
    for (std::size_t c = 0; c < eval_cols.size(); ++c) ed << (c ? " " : "") << dat_value(e[eval_cols[c]][i]);
    ed << "\n";
  }
  write_text_atomic(out_dir + "/steps.dat", sd.str());
  write_text_atomic(out_dir + "/evals.dat", ed.str());

  GnuplotScript gp("Curves of one training run (docs/report.md)");
  const std::string x = "set xlabel 'step'\n";
  std::string loss;
  if (any_finite(s["loss"])) loss += "'steps.dat' using 1:3 with lines lw 1 lc 1 title 'train loss (batch)'";
  if (any_finite(e["train_loss"]))
    loss += std::string(loss.empty() ? "" : ", ") + "'evals.dat' using 1:3 with linespoints lw 2 pt 7 lc 2 title 'train loss (eval)'";
  if (any_finite(e["test_loss"]))
    loss += std::string(loss.empty() ? "" : ", ") + "'evals.dat' using 1:4 with linespoints lw 2 pt 7 lc 3 title 'test loss'";
  if (!loss.empty()) gp.add_plot("loss", "set title 'Loss'\n" + x + "set ylabel 'loss'\nset logscale y\nplot " + loss + "\n");
  std::string acc;
  if (any_finite(s["accuracy"])) acc += "'steps.dat' using 1:4 with lines lw 1 lc 1 title 'train accuracy (batch)'";
  if (any_finite(e["test_accuracy"]))
    acc += std::string(acc.empty() ? "" : ", ") + "'evals.dat' using 1:5 with linespoints lw 2 pt 7 lc 3 title 'test accuracy'";
  if (!acc.empty()) gp.add_plot("accuracy", "set title 'Accuracy'\n" + x + "set ylabel 'accuracy'\nset key bottom right\nplot " + acc + "\n");
  if (any_finite(s["lr"]))
    gp.add_plot("lr", "set title 'Learning rate'\n" + x + "set ylabel 'lr'\nplot 'steps.dat' using 1:5 with lines lw 2 title 'lr'\n");
  if (any_finite(s["batch_size"]))
    gp.add_plot("batch_size", "set title 'Global batch size'\n" + x +
                                  "set ylabel 'batch size'\nplot 'steps.dat' using 1:6 with steps lw 2 title 'batch size'\n");
  if (any_finite(s["noise_scale"]))
    gp.add_plot("noise_scale", "set title 'Gradient noise scale B_simple = tr(Sigma)/|G|^2'\n" + x +
                                   "set ylabel 'B_simple (samples)'\nplot 'steps.dat' using 1:7 with lines "
                                   "lw 2 title 'noise scale'\n");
  RunReport report;
  if (!gp.plots().empty()) report.plots_drawn = run_gnuplot_script(gp, out_dir, "run_plots.gp");

  const Target target = override_target.set() ? override_target : run_target(run_dir);
  std::ostringstream m;
  m << "# Run report: " << run_dir << "\n\n";
  const std::string status = read_status_line(run_dir);
  m << "- status: " << (status.empty() ? "(no status file)" : status) << "\n";
  const int ls = last_finite(s["step"]);
  m << "- steps logged: " << steps.rows();
  if (ls >= 0) m << " (last step " << report_number(s["step"][ls]) << ", epoch " << report_number(s["epoch"][ls]) << ")";
  m << "\n- evaluations: " << evals.rows() << "\n";
  const int ll = last_finite(s["loss"]);
  if (ll >= 0) m << "- last train loss (batch): " << report_number(s["loss"][ll]) << "\n";
  const int lt = last_finite(e["test_loss"]);
  if (lt >= 0) m << "- last test loss: " << report_number(e["test_loss"][lt]) << " (step " << report_number(e["step"][lt]) << ")\n";
  int best = -1;
  for (std::size_t i = 0; i < e["test_accuracy"].size(); ++i) {
    const double v = e["test_accuracy"][i];
    if (std::isfinite(v) && (best < 0 || v > e["test_accuracy"][best])) best = static_cast<int>(i);
  }
  if (best >= 0) {
    m << "- best test accuracy: " << report_number(e["test_accuracy"][best]) << " (step " << report_number(e["step"][best])
      << ")\n";
  }
  m << "- gradient noise scale B_simple (median over the second half): "
    << report_number(second_half_median(s["step"], s["noise_scale"])) << "\n";
  if (target.set()) {
    std::vector<EvalPoint> curve;
    for (std::size_t i = 0; i < evals.rows(); ++i) {
      curve.push_back({e["step"][i], e["epoch"][i], evals.column("wall_time")[i], evals.column(target.metric)[i]});
    }
    const Reach r = first_reach(curve, target);
    m << "- target " << target.describe() << ": ";
    if (r.reached) {
      m << "reached at step " << report_number(r.step) << ", epoch " << report_number(r.epoch) << ", "
        << report_number(r.wall_time) << " s\n";
    } else {
      m << "not reached\n";
    }
  }
  std::string names;
  for (const std::string& p : gp.plots()) names += (names.empty() ? "" : ", ") + p;
  m << "\nPlots: " << (gp.plots().empty() ? std::string("none (no metrics yet)")
                                          : names + (report.plots_drawn ? " (PNG and SVG; restyle in `run_plots.gp`)"
                                                                       : " (not drawn: gnuplot missing or failed)"))
    << "\n";
  report.summary_markdown = m.str();
  write_text_atomic(out_dir + "/summary.md", report.summary_markdown);
  return report;
}

}  // namespace curvlab
