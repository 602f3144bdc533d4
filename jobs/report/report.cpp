// Dispatch of `curvlab report` between sweep and run reports (report.h).
#include "jobs/report/report.h"

#include <filesystem>
#include <sstream>

#include "algorithms/scaling/study.h"
#include "base/error.h"
#include "jobs/report/report_plots.h"
#include "jobs/report/report_tables.h"
#include "jobs/report/run_report.h"
#include "jobs/report/sweep_reader.h"
#include "jobs/sweep/sweep_status.h"

namespace curvlab {

ReportOutcome make_report(const std::string& dir, const ReportOptions& options) {
  CURVLAB_CHECK(std::filesystem::is_directory(dir), ConfigError, dir + " is not a directory: pass a sweep's or a run's "
                "output directory (job.output_dir)");
  ReportOutcome outcome;
  outcome.out_dir = options.out_dir.empty() ? (std::filesystem::path(dir) / "report").string() : options.out_dir;
  std::ostringstream text;
  if (holds_sweep(dir)) {
    outcome.kind = "sweep";
    const SweepData sweep = read_sweep(dir, options.target);
    const StudyResult study = analyse_study(sweep.runs, sweep.target, sweep.axes);
    std::filesystem::create_directories(outcome.out_dir);
    const PlotsResult plots = write_sweep_plots(study, outcome.out_dir);
    write_report_tables(sweep, study, outcome.out_dir, plots.note);
    text << "sweep report: " << outcome.out_dir << "/summary.md (" << study.runs.size() << " runs, target "
         << study.target.describe() << ")\n\n" << steps_to_target_markdown(study) << "\n";
    for (const OptimizerSummary& o : study.optimizers) {
      text << o.optimizer << ": measured critical batch " << report_number(o.measured_critical_batch) << ", fit B_crit "
           << report_number(o.fit.b_crit) << ", noise scale " << report_number(o.noise_scale) << "\n";
    }
    int at_edge = 0;
    for (const GroupResult& g : study.groups) at_edge += g.edges.empty() ? 0 : 1;
    if (at_edge > 0) {
      text << at_edge << " of " << study.groups.size() << " group(s) have their best setting at the edge of the swept "
           << "grid (column best_at_edge): their steps to target are upper bounds; summary.md says which\n";
    }
    if (!sweep.problems.empty()) text << sweep.problems.size() << " run(s) could not be read: see summary.md\n";
    text << plots.note << "\n";
  } else if (is_run_dir(dir)) {
    outcome.kind = "run";
    const RunReport report = write_run_report(dir, outcome.out_dir, options.target);
    text << "run report: " << outcome.out_dir << "/summary.md\n\n" << report.summary_markdown;
  } else {
    CURVLAB_THROW(ConfigError, dir + " is neither a sweep directory (no sweep.tsv) nor a run directory (no job.toml, "
                  "status or metrics_steps.csv); pass the job.output_dir of a sweep or of a training run");
  }
  outcome.text = text.str();
  return outcome;
}

}  // namespace curvlab
