// `curvlab status` of a sweep (jobs/sweep/sweep_status.cpp): each run's state from its status file,
// the best test accuracy and the step that met the sweep's target from metrics_evals.csv, the table
// and the count per state; a directory without sweep.tsv is no sweep; the plain text table.
#include "jobs/sweep/sweep_status.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "jobs/job_parser.h"
#include "jobs/sweep/sweep_expand.h"

namespace curvlab {
namespace {

TEST(SweepStatus, BestAccuracyAndTargetStepFromTheEvals) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "curvlab_sweep_status_test";
  std::filesystem::remove_all(dir);
  const std::string text = "[job]\nname = \"t\"\noutput_dir = \"" + dir.string() +
                           "\"\n[sweep]\ntarget_metric = \"test_accuracy\"\ntarget_value = 0.5\n"
                           "[sweep.grid]\n\"train.lr\" = [0.05, 0.1]\n";
  const JobSpec spec = parse_job_text(text, "sweep.toml");
  const SweepPlan plan = expand_sweep(spec);
  write_sweep_layout(plan, spec);
  std::filesystem::create_directories(plan.runs[0].run_dir);
  std::ofstream(plan.runs[0].run_dir + "/status") << "done\n";
  std::ofstream(plan.runs[0].run_dir + "/metrics_evals.csv")
      << "step,epoch,train_loss,test_loss,test_accuracy,wall_time\n10,1,1.2,1.3,0.4,1\n20,2,1.0,1.1,0.55,2\n"
         "30,3,0.9,1.0,0.52,3\n";
  std::filesystem::create_directories(plan.runs[1].run_dir);
  std::ofstream(plan.runs[1].run_dir + "/status") << "failed: diverged: training loss became NaN at step 3\n";
  std::ofstream(plan.runs[1].run_dir + "/metrics_evals.csv")
      << "step,epoch,train_loss,test_loss,test_accuracy,wall_time\n2,0.1,nan,nan,nan,1\n";
  const SweepStatus st = collect_sweep_states(dir.string(), nullptr);
  EXPECT_EQ(st.target_metric, "test_accuracy");
  EXPECT_EQ(st.runs[0].run.state, "done");
  EXPECT_DOUBLE_EQ(st.runs[0].best_accuracy, 0.55);
  EXPECT_EQ(st.runs[0].best_step, 20);
  EXPECT_EQ(st.runs[0].target_step, 20);
  EXPECT_EQ(st.runs[1].run.state, "diverged");
  EXPECT_TRUE(std::isnan(st.runs[1].best_accuracy));
  EXPECT_EQ(st.runs[1].target_step, -1);
  std::ostringstream out;
  EXPECT_EQ(print_sweep_states(st, out), 0);  // done and diverged are both final
  EXPECT_NE(out.str().find("2 run(s): 1 diverged; 1 done;"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("0.5500"), std::string::npos) << out.str();
  std::filesystem::remove_all(dir);
}

TEST(SweepStatus, HoldsSweepAndTextTable) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "curvlab_sweep_status_table_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  EXPECT_FALSE(holds_sweep(dir.string()));
  std::ofstream(dir / "sweep.tsv") << "id\trun_dir\tjob_file\n";
  EXPECT_TRUE(holds_sweep(dir.string()));
  std::ostringstream out;
  print_text_table({"id", "state"}, {{"abc", "done"}, {"0123456789ab", "running"}}, out);
  // Columns padded to the widest cell and two spaces apart; no trailing blanks.
  EXPECT_EQ(out.str(), "id" + std::string(12, ' ') + "state\nabc" + std::string(11, ' ') + "done\n0123456789ab  running\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace curvlab
