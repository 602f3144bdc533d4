// The job-kind registry (jobs/job_kinds.cpp): the registered kinds in order with their sections,
// rules, run functions and summaries; the names the parser allows for job.kind; run_job with a kind
// that is not registered (a JobSpec built in code: the parser would refuse the name) is a ConfigError
// at job.kind; and run_job dispatches to the kind's run function (a hessian job without a checkpoint
// fails in its own runner, with its own message).
#include "jobs/job_kinds.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "base/error.h"
#include "jobs/job_parser.h"

namespace curvlab {
namespace {

TEST(JobKinds, RegisteredKindsAndTheirSections) {
  ASSERT_EQ(job_kinds().size(), 6u);
  EXPECT_EQ(job_kind_names(), (std::vector<std::string>{"train", "hessian", "attack", "jacobian", "simulate",
                                                    "reconstruct"}));
  const auto sections = [](const JobKind& k) {
    std::vector<std::string> names;
    for (const auto& s : k.sections) names.emplace_back(s.name);
    return names;
  };
  EXPECT_EQ(sections(job_kinds()[0]), (std::vector<std::string>{"train", "kfac"}));
  EXPECT_EQ(sections(job_kinds()[1]), (std::vector<std::string>{"hessian", "quant"}));
  EXPECT_EQ(sections(job_kinds()[2]), (std::vector<std::string>{"attack"}));
  EXPECT_EQ(sections(job_kinds()[3]), (std::vector<std::string>{"jacobian"}));
  EXPECT_EQ(sections(job_kinds()[4]), (std::vector<std::string>{"simulate"}));
  EXPECT_EQ(sections(job_kinds()[5]), (std::vector<std::string>{"reconstruct"}));
  for (const JobKind& k : job_kinds()) {
    EXPECT_NE(k.check, nullptr) << k.name;
    EXPECT_NE(k.run, nullptr) << k.name;
    EXPECT_FALSE(k.summary.empty()) << k.name;
    for (const auto& s : k.sections) EXPECT_NE(s.read, nullptr) << k.name << " " << s.name;
  }
  EXPECT_EQ(train_job_kind().name, "train");
  EXPECT_EQ(hessian_job_kind().name, "hessian");
  EXPECT_EQ(attack_job_kind().name, "attack");
  EXPECT_EQ(simulate_job_kind().name, "simulate");
  EXPECT_EQ(allowed_values("job.kind"), job_kind_names());  // the parser takes its names from here
}

TEST(JobKinds, RunJobWithAnUnregisteredKindIsAConfigError) {
  JobSpec spec = parse_job_text("[job]\nkind = \"train\"\noutput_dir = \"o\"\n", "kinds.toml");
  spec.job.kind = "distill";
  try {
    run_job(spec, RunOptions{});
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "kinds.toml:2:8: unknown job.kind 'distill'");
    EXPECT_EQ(e.exit_code(), 2);
  }
  spec.locations.clear();
  try {
    run_job(spec, RunOptions{});
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "kinds.toml: unknown job.kind 'distill'");
  }
}

TEST(JobKinds, RunJobDispatchesToTheKindsRunFunction) {
  const std::string tmp = std::filesystem::temp_directory_path().string();
  JobSpec spec = parse_job_text("[job]\nkind = \"hessian\"\noutput_dir = \"" + tmp + "/curvlab_kinds_out\"\n"
                                "[hessian]\ncheckpoint = \"" + tmp + "/curvlab_kinds_none/ckpt.h5\"\n",
                                "kinds.toml");
  try {
    run_job(spec, RunOptions{});
    FAIL() << "the hessian runner ran without a checkpoint";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("curvlab_kinds_none/ckpt.h5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("hessian.checkpoint"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace curvlab
