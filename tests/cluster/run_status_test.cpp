// `curvlab status`: run directories (status file, metrics CSV, Slurm job id, log) joined with a
// fake Slurm answer give the right state for pending, running, requeued, stopped, failed and done.
#include "cluster/run_status.h"

#include "base/heartbeat.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace curvlab {
namespace {
namespace fs = std::filesystem;

struct FakeRun {
  std::string name, status, slurm_id, steps_csv, log;
};

void write(const fs::path& p, const std::string& text) {
  if (!text.empty()) std::ofstream(p) << text;
}

TEST(RunStatus, StatesFromDirectoriesAndSlurm) {
  const fs::path root = fs::temp_directory_path() / ("curvlab_status_" + std::to_string(getpid()));
  fs::remove_all(root);
  const std::string steps = "step,epoch,loss,accuracy,lr,batch_size,samples_per_s,wall_time\n1,0.1,2,0.1,0.1,32,900,1\n"
                            "7,0.7,1.5,0.3,0.1,32,1234.5,2\n";
  const std::vector<FakeRun> runs = {
      {"a_done", "done\n", "10_0", steps, ""},
      {"b_running", "running\n", "10_1", steps, ""},
      {"c_pending", "", "10_2", "", ""},
      {"d_requeued", "requeued: SIGUSR1 at step 7; checkpoint x\n", "11", steps, ""},
      {"e_failed", "failed: training loss became NaN\n", "12", steps, "line1\nline2\nerror: boom\n"},
      {"f_stopped", "stopped: SIGUSR1 at step 7; checkpoint y\n", "", steps, ""},
      {"g_killed", "running\n", "13", steps, "oom-kill event\n"},
  };
  for (const FakeRun& r : runs) {
    fs::create_directories(root / r.name);
    write(root / r.name / "status", r.status);
    write(root / r.name / "slurm_job_id", r.slurm_id.empty() ? "" : r.slurm_id + "\n");
    write(root / r.name / "metrics_steps.csv", r.steps_csv);
    write(root / r.name / "slurm-12.out", r.log);
    write(root / r.name / "metrics_evals.csv",
          r.status == "done\n" ? "step,epoch,train_loss,test_loss,test_accuracy,wall_time\n7,1,0.5,0.6,0.875,3\n" : "");
  }
  fs::create_directories(root / "not_a_run");
  std::vector<std::string> asked;
  SlurmQuery fake = [&](const std::vector<std::string>& ids) {
    asked = ids;
    return std::map<std::string, SlurmJobView>{{"10_0", {"COMPLETED", "None"}},  {"10_1", {"RUNNING", "None"}},
                                               {"10_2", {"PENDING", "Priority"}}, {"11", {"PENDING", "BeginTime"}},
                                               {"12", {"FAILED", "NonZeroExitCode"}}, {"13", {"OUT_OF_MEMORY", "None"}}};
  };
  const std::vector<std::string> found = find_runs(root.string());
  ASSERT_EQ(found.size(), runs.size()) << "not_a_run must not be listed";
  const std::vector<RunState> states = collect_run_states(found, fake);
  EXPECT_EQ(asked.size(), 6u);
  std::map<std::string, RunState> by_name;
  for (const RunState& s : states) by_name[fs::path(s.run_dir).filename().string()] = s;

  EXPECT_EQ(by_name["a_done"].state, "done");
  EXPECT_NE(by_name["a_done"].detail.find("test_accuracy 0.875"), std::string::npos) << by_name["a_done"].detail;
  EXPECT_EQ(by_name["b_running"].state, "running");
  EXPECT_EQ(by_name["b_running"].step, 7);
  EXPECT_NE(by_name["b_running"].detail.find("1234 samples/s"), std::string::npos) << by_name["b_running"].detail;
  EXPECT_EQ(by_name["c_pending"].state, "pending");
  EXPECT_NE(by_name["c_pending"].detail.find("Priority"), std::string::npos);
  EXPECT_EQ(by_name["d_requeued"].state, "requeued");
  EXPECT_EQ(by_name["e_failed"].state, "failed");
  ASSERT_FALSE(by_name["e_failed"].log_tail.empty());
  EXPECT_EQ(by_name["e_failed"].log_tail.back(), "error: boom");
  EXPECT_EQ(by_name["f_stopped"].state, "stopped");
  EXPECT_EQ(by_name["g_killed"].state, "failed");
  EXPECT_NE(by_name["g_killed"].detail.find("OUT_OF_MEMORY"), std::string::npos);

  std::ostringstream table;
  EXPECT_EQ(print_run_states(states, table), 6);  // all but a_done
  EXPECT_NE(table.str().find("error: boom"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("7 run(s):"), std::string::npos) << table.str();

  // Without Slurm, the directories alone.
  const std::vector<RunState> offline = collect_run_states({(root / "b_running").string()}, nullptr);
  EXPECT_EQ(offline[0].state, "running");
  fs::remove_all(root);
}

// A run whose status says running is judged by its heartbeat: this process -> running; a reaped
// child's PID -> interrupted, with how to resume; no heartbeat file -> running, saying it cannot tell.
TEST(RunStatus, HeartbeatTellsALiveRunFromAKilledOne) {
  const fs::path root = fs::temp_directory_path() / ("curvlab_status_beat_" + std::to_string(getpid()));
  fs::remove_all(root);
  for (const char* name : {"alive", "killed", "old"}) {
    fs::create_directories(root / name);
    write(root / name / "status", "running\n");
  }
  HeartbeatInfo beat = current_heartbeat();
  std::ofstream(root / "alive" / "heartbeat") << heartbeat_text(beat);
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  beat.pid = child;
  beat.start_ticks = 0;
  std::ofstream(root / "killed" / "heartbeat") << heartbeat_text(beat);

  const std::vector<RunState> states = collect_run_states(find_runs(root.string()), nullptr);
  ASSERT_EQ(states.size(), 3u);
  std::map<std::string, RunState> by_name;
  for (const RunState& s : states) by_name[fs::path(s.run_dir).filename().string()] = s;
  EXPECT_EQ(by_name["alive"].state, "running");
  EXPECT_NE(by_name["alive"].detail.find("is alive"), std::string::npos) << by_name["alive"].detail;
  EXPECT_EQ(by_name["killed"].state, "interrupted");
  EXPECT_NE(by_name["killed"].detail.find("process " + std::to_string(child)), std::string::npos)
      << by_name["killed"].detail;
  EXPECT_NE(by_name["killed"].resume_hint.find("--resume"), std::string::npos) << by_name["killed"].resume_hint;
  EXPECT_EQ(by_name["old"].state, "running");
  EXPECT_NE(by_name["old"].detail.find("cannot tell"), std::string::npos) << by_name["old"].detail;
  std::ostringstream table;
  print_run_states(states, table);
  EXPECT_NE(table.str().find("1 interrupted;"), std::string::npos) << table.str();
  EXPECT_NE(table.str().find("resume it: curvlab run JOB_FILE --resume"), std::string::npos) << table.str();
  fs::remove_all(root);
}

TEST(RunStatus, ArrayDirectoryListsRunsFromRunsTsv) {
  const fs::path root = fs::temp_directory_path() / ("curvlab_status_tsv_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  std::ofstream(root / "runs.tsv") << "# task\trun_dir\tjob_file\n0\t/x/a\t/x/a.toml\n-\t/x/b\t/x/b.toml\n";
  EXPECT_EQ(find_runs(root.string()), (std::vector<std::string>{"/x/a", "/x/b"}));
  fs::remove_all(root);
}

}  // namespace
}  // namespace curvlab
