// CSV and Markdown tables of a sweep report (report_tables.h).
#include "jobs/report/report_tables.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "base/run_dir.h"

namespace curvlab {

std::string report_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

namespace {
// CSV cell: quoted when it holds a comma, a quote or a space (settings text, TOML strings).
std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\" ") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string md_cell(const std::string& s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out.empty() ? "-" : out;
}

std::string fraction_text(int a, int b) { return std::to_string(a) + "/" + std::to_string(b); }

const char* kStepsHeader =
    "optimizer,batch_size,best_setting,best_run,steps,epochs,wall_time,perfect_scaling_steps,speedup,"
    "perfect_speedup,scaling_efficiency,settings,settings_reached,reached_fraction,runs,runs_missing,noise_scale,"
    "best_at_edge\n";

std::string steps_csv(const StudyResult& study) {
  std::ostringstream s;
  s << kStepsHeader;
  for (const GroupResult& g : study.groups) {
    const SettingResult* b = g.best_setting();
    s << g.optimizer << "," << g.batch_size << "," << csv_cell(b ? b->setting : "") << "," << (b ? b->fastest_run : "")
      << "," << report_number(b ? b->steps : INFINITY) << "," << report_number(b ? b->epochs : INFINITY) << ","
      << report_number(b ? b->wall_time : INFINITY) << "," << report_number(g.perfect_scaling_steps) << ","
      << report_number(g.speedup) << "," << report_number(g.perfect_speedup) << "," << report_number(g.scaling_efficiency)
      << "," << g.settings_counted << "," << g.settings_reached << "," << report_number(g.reached_fraction) << ","
      << g.runs << "," << g.runs_missing << "," << report_number(g.noise_scale) << "," << csv_cell(edge_cell(g.edges))
      << "\n";
  }
  return s.str();
}

// "train.lr=0.03 (lower)": the flags for the Markdown table ("-" when none).
std::string edge_markdown(const std::vector<EdgeFlag>& flags) {
  std::string out;
  for (const EdgeFlag& f : flags) out += (out.empty() ? "" : ", ") + f.key + "=" + f.value + " (" + f.edge + ")";
  return md_cell(out);
}

// The summary's list of the groups whose best setting is at the edge of what was swept.
std::string edge_section(const SweepData& sweep, const StudyResult& study) {
  std::ostringstream s;
  s << "## Best settings at the edge of the grid\n\n";
  int flagged = 0, with_best = 0;
  for (const GroupResult& g : study.groups) {
    if (g.best_setting() != nullptr) ++with_best;
    for (const EdgeFlag& f : g.edges) {
      if (flagged++ == 0) {
        s << "Following Shallue et al. (2018): where the best steps to target are reached at the smallest or "
             "largest value tried of a swept hyperparameter (for sampled ranges: in the outer "
          << report_number(100 * kRangeEdgeFraction) << "% of the range), also when other values tie with it, the "
          << "optimum may lie outside the grid: the steps to target there are an upper bound, and the grid should be "
             "widened past that edge.\n\n";
      }
      const bool lower = f.edge == "lower";
      const bool range = f.kind == SweptAxis::Kind::range;
      s << "- **" << g.optimizer << ", batch " << g.batch_size << "**: `" << f.key << "` = " << f.value << ", "
        << (range ? std::string("in the ") + (lower ? "lowest " : "highest ") +
                        report_number(100 * kRangeEdgeFraction) + "% of the sampled range " + f.swept
                  : std::string("the ") + (lower ? "lowest" : "highest") + " value swept (" + f.swept + ")")
        << ", gives the best steps to target, " << report_number(g.best_setting()->steps);
      if (!f.tied_with.empty()) {
        s << " (so do";
        for (std::size_t i = 0; i < f.tied_with.size(); ++i) s << (i ? ", " : " ") << f.tied_with[i];
        s << ")";
      }
      s << " (" << f.edge << " edge): an upper bound; widen the " << (range ? "range " : "grid ")
        << (lower ? "below " : "above ") << f.value << ".";
      s << "\n";
    }
  }
  if (flagged == 0) {
    s << (sweep.hyperparameters.empty()
              ? "No hyperparameters were swept (besides the seed, optimizer and batch size): nothing to check.\n"
              : with_best == 0 ? "No group reached the target: no best setting to check.\n"
                               : "None: every group's best value of every swept hyperparameter has a value tried on "
                                 "each side (keys with one value, or with values that are not numbers, are not "
                                 "checked).\n");
  }
  if (!sweep.axes_note.empty()) s << "\nNote: " << sweep.axes_note << ".\n";
  return s.str();
}

std::string settings_csv(const StudyResult& study) {
  std::ostringstream s;
  s << "optimizer,batch_size,setting,best,seeds,seeds_counted,seeds_reached,reached,steps,epochs,wall_time\n";
  for (const GroupResult& g : study.groups) {
    for (std::size_t i = 0; i < g.settings.size(); ++i) {
      const SettingResult& r = g.settings[i];
      s << g.optimizer << "," << g.batch_size << "," << csv_cell(r.setting) << "," << (static_cast<int>(i) == g.best)
        << "," << r.seeds << "," << r.seeds_counted << "," << r.seeds_reached << "," << r.reached << ","
        << report_number(r.steps) << "," << report_number(r.epochs) << "," << report_number(r.wall_time) << "\n";
    }
  }
  return s.str();
}

std::string runs_csv(const SweepData& sweep, const StudyResult& study) {
  std::ostringstream s;
  s << "id,optimizer,batch_size,setting,seed,state,counted,reached,steps,epochs,wall_time,evals,noise_scale,run_dir\n";
  for (const RunOutcome& r : study.runs) {
    const auto dir = sweep.run_dirs.find(r.id);
    s << r.id << "," << r.optimizer << "," << r.batch_size << "," << csv_cell(r.setting) << "," << csv_cell(r.seed) << ","
      << r.state << "," << r.counted << "," << r.reach.reached << "," << report_number(r.reach.step) << ","
      << report_number(r.reach.epoch) << "," << report_number(r.reach.wall_time) << "," << r.curve.size() << ","
      << report_number(r.noise_scale) << "," << csv_cell(dir == sweep.run_dirs.end() ? "" : dir->second) << "\n";
  }
  return s.str();
}

void write(const std::string& path, const std::string& text) { write_text_atomic(path, text); }
}  // namespace

std::string steps_to_target_markdown(const StudyResult& study) {
  std::ostringstream s;
  s << "| optimizer | batch size | best setting | best at edge | steps | epochs | wall time (s) | perfect scaling | "
       "speedup (perfect) | reached | noise scale |\n"
    << "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const GroupResult& g : study.groups) {
    const SettingResult* b = g.best_setting();
    s << "| " << g.optimizer << " | " << g.batch_size << " | " << md_cell(b ? b->setting : "not reached") << " | "
      << edge_markdown(g.edges) << " | " << report_number(b ? b->steps : INFINITY) << " | " << report_number(b ? b->epochs : INFINITY) << " | "
      << report_number(b ? b->wall_time : INFINITY) << " | " << report_number(g.perfect_scaling_steps) << " | "
      << report_number(g.speedup) << " (" << report_number(g.perfect_speedup) << ") | "
      << fraction_text(g.settings_reached, g.settings_counted)
      << (g.runs_missing > 0 ? " (" + std::to_string(g.runs_missing) + " runs missing)" : std::string()) << " | "
      << report_number(g.noise_scale) << " |\n";
  }
  return s.str();
}

void write_report_tables(const SweepData& sweep, const StudyResult& study, const std::string& out_dir,
                         const std::string& plots_note) {
  std::filesystem::create_directories(out_dir);
  write(out_dir + "/steps_to_target.csv", steps_csv(study));
  write(out_dir + "/settings.csv", settings_csv(study));
  write(out_dir + "/runs.csv", runs_csv(sweep, study));
  const std::string table = steps_to_target_markdown(study);
  write(out_dir + "/steps_to_target.md",
        "# Steps to " + study.target.describe() + "\n\n" + table +
            "\nSteps, epochs and wall time: median over the seeds of the best setting (docs/report.md).\n");

  std::map<std::string, int> states;
  for (const RunOutcome& r : study.runs) ++states[r.state];
  std::ostringstream s;
  s << "# Batch-size scaling report: " << sweep.dir << "\n\n"
    << "Target: **" << study.target.describe() << "** (from " << sweep.target_source << ").  \n"
    << "Runs: " << study.runs.size();
  for (const auto& [state, n] : states) s << ", " << n << " " << state;
  s << ". Hyperparameters (swept keys other than the seed, optimizer and batch size): "
    << (sweep.hyperparameters.empty() ? std::string("none") : std::string()) ;
  for (std::size_t i = 0; i < sweep.hyperparameters.size(); ++i) s << (i ? ", " : "") << "`" << sweep.hyperparameters[i] << "`";
  s << ".\n\n## Critical batch size per optimizer\n\n"
    << "| optimizer | anchor batch | steps at anchor | largest batch reaching target | measured critical batch "
       "(S <= 2 x perfect) | fit S_min | fit B_crit | fit R^2 | noise scale B_simple (median) |\n"
    << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const OptimizerSummary& o : study.optimizers) {
    s << "| " << o.optimizer << " | " << report_number(o.anchor_batch) << " | " << report_number(o.anchor_steps) << " | "
      << report_number(o.largest_reached_batch) << " | " << report_number(o.measured_critical_batch)
      << (o.measured_critical_batch == o.largest_batch ? " (largest swept: may be larger)" : "") << " | "
      << report_number(o.fit.s_min) << " | " << report_number(o.fit.b_crit) << " | " << report_number(o.fit.r2) << " | "
      << report_number(o.noise_scale) << " |\n";
  }
  bool notes = false;
  for (const OptimizerSummary& o : study.optimizers) {
    if (!o.fit.ok) {
      if (!notes) s << "\n";
      notes = true;
      s << "- " << o.optimizer << ": no B_crit fit: " << o.fit.note << ".\n";
    }
  }
  for (const OptimizerSummary& o : study.optimizers) {
    int groups = 0, flagged = 0;
    for (const GroupResult& g : study.groups) {
      if (g.optimizer != o.optimizer) continue;
      ++groups;
      flagged += g.edges.empty() ? 0 : 1;
    }
    if (flagged == 0) continue;
    if (!notes) s << "\n";
    notes = true;
    s << "- " << o.optimizer << ": " << flagged << " of " << groups << " batch sizes have their best setting at the "
      << "edge of the grid (below), so their steps, and the critical batch and fit built on them, rest on upper "
         "bounds.\n";
  }
  s << "\nThe measured critical batch is the largest batch size up to which every batch size reaches the target "
       "within twice the perfect-scaling steps (anchored at the smallest batch size that reaches it). The fit is "
       "S(B) = S_min (1 + B_crit / B) (McCandlish et al. 2018) by least squares of steps against 1/B. B_simple is "
       "the gradient noise scale measured during training (median over the second half of each run, then over "
       "runs); McCandlish et al. find B_crit ~ B_simple up to a factor of a few.\n\n"
    << edge_section(sweep, study) << "\n"
    << "## Steps to target\n\n" << table
    << "\n`reached` = settings that reach the target / settings with a finished run (hyperparameter sensitivity); "
       "`best at edge`: see above.\n";
  bool header = false;
  for (const RunOutcome& r : study.runs) {
    if (r.state == "done") continue;
    if (!header) s << "\n## Runs that did not finish cleanly\n\n";
    header = true;
    s << "- `" << r.id << "` (" << r.optimizer << ", batch " << r.batch_size << (r.setting.empty() ? "" : ", ")
      << r.setting << (r.seed.empty() ? "" : ", seed " + r.seed) << "): " << r.state
      << (r.counted ? "" : " (not counted)") << "\n";
  }
  for (const std::string& p : sweep.problems) {
    if (!header) s << "\n## Runs that did not finish cleanly\n\n";
    header = true;
    s << "- " << p << "\n";
  }
  s << "\n## Files\n\n"
    << "- `steps_to_target.csv` / `.md`: the table above; `settings.csv`: every setting of every group; "
       "`runs.csv`: every run.\n"
    << "- " << plots_note << "\n";
  write(out_dir + "/summary.md", s.str());
}

}  // namespace curvlab
