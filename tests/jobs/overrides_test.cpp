// --set overrides (jobs/overrides.cpp): parse_override's key path and value (a TOML value when the
// text is exactly one, else the text as a string), apply_overrides creating tables and recording
// locations and raw values, through the parser (applied, located, later ones winning, supplying the
// required output directory, the resolved document recorded), and every bad --set with its message.
#include "jobs/overrides.h"

#include <gtest/gtest.h>

#include "jobs/bad_job_cases.h"

namespace curvlab {
namespace bad_job {

const std::vector<BadCase>& override_cases() {
  static const std::vector<BadCase> cases = {
      {"OverrideMissingEquals", kJob, {"train.lr"},
       {"--set train.lr: missing '='", "--set train.lr=0.05"}},
      {"OverrideMissingKey", kJob, {"=0.1"}, {"--set =0.1: missing key before '='"}},
      {"OverrideEmptyPart", kJob, {"train..lr=0.1"}, {"--set train..lr=0.1: empty part in the key"}},
      {"OverrideUnknownKey", kJob, {"train.lrr=0.1"},
       {"--set train.lrr=0.1: unknown key 'train.lrr' in [train]; did you mean 'train.lr'?"}},
      {"OverrideUnknownSection", kJob, {"trian.lr=0.1"},
       {"--set trian.lr=0.1: unknown key 'trian' at the top level; did you mean 'train'?"}},
      {"OverrideOutOfRange", kJob, {"train.lr=-1"},
       {"--set train.lr=-1: train.lr must be > 0 (got -1)"}},
      {"OverrideWrongType", kJob, {"train.lr=abc"},
       {"--set train.lr=abc: train.lr must be a number, got string \"abc\""}},
      {"OverrideThroughValue", kJob + "[train]\nlr = 0.1\n", {"train.lr.x=1"},
       {"--set train.lr.x=1: 'train.lr' is a value, not a table"}},
      {"OverrideWholeTable", kJob + "[train]\nlr = 0.1\n", {"train=1"},
       {"--set train=1: 'train' is a table; set one of its keys instead"}},
      {"OverrideBadName", kJob, {"data.dataset=cifar"},
       {"--set data.dataset=cifar: data.dataset must be one of", "did you mean \"cifar10\"?"}},
  };
  return cases;
}

}  // namespace bad_job

namespace {

const std::string kMinimal = "[job]\noutput_dir = \"out\"\n";

CURVLAB_BAD_JOB_SUITE(OverridesBadSet, bad_job::override_cases);

TEST(Overrides, ParseSplitsTheKeyAndReadsTheValue) {
  const Override o = parse_override(" train . lr = 0.05 ");
  EXPECT_EQ(o.text, " train . lr = 0.05 ");
  EXPECT_EQ(o.path, (std::vector<std::string>{"train", "lr"}));
  EXPECT_EQ(o.dotted, "train.lr");
  EXPECT_EQ(o.raw_value, "0.05");
  ASSERT_NE(o.value_holder.get("v"), nullptr);
  EXPECT_EQ(o.value_holder.get("v")->value<double>(), 0.05);
  EXPECT_EQ(parse_override("model.widths=[8, 4]").value_holder.get("v")->as_array()->size(), 2u);
  EXPECT_EQ(parse_override("train.nesterov=true").value_holder.get("v")->value<bool>(), true);
  // Not one TOML value: the text itself, as a string.
  EXPECT_EQ(parse_override("data.dataset=mnist").value_holder.get("v")->value<std::string>(), "mnist");
  EXPECT_EQ(parse_override("job.output_dir=runs/x").value_holder.get("v")->value<std::string>(), "runs/x");
  EXPECT_EQ(parse_override("a.b=1\nc = 2").value_holder.get("v")->value<std::string>(), "1\nc = 2");  // no smuggled keys
  EXPECT_EQ(parse_override("a.b=").value_holder.get("v")->value<std::string>(), "");
  EXPECT_EQ(parse_override("a.b=\"quoted\"").value_holder.get("v")->value<std::string>(), "quoted");
  EXPECT_THROW(parse_override("nokey"), ConfigError);
  EXPECT_THROW(parse_override("a. .b=1"), ConfigError);
}

TEST(Overrides, ApplyCreatesTablesAndRecordsLocations) {
  toml::table root = toml::parse("[train]\nlr = 0.1\n");
  std::map<std::string, SourceLocation> locations;
  std::map<std::string, std::string> raw;
  apply_overrides(root, {"train.lr=0.2", "train.lr_schedule.kind=cosine", "comm.backend=mpi"}, locations, raw);
  EXPECT_EQ(root["train"]["lr"].value<double>(), 0.2);
  EXPECT_EQ(root["train"]["lr_schedule"]["kind"].value<std::string>(), "cosine");
  EXPECT_EQ(root["comm"]["backend"].value<std::string>(), "mpi");
  EXPECT_EQ(locations.at("train.lr").str(), "--set train.lr=0.2");
  EXPECT_EQ(locations.at("train.lr_schedule").str(), "--set train.lr_schedule.kind=cosine");  // a table it created
  EXPECT_EQ(locations.at("comm").str(), "--set comm.backend=mpi");
  EXPECT_EQ(locations.count("train"), 0u);  // [train] was in the file
  EXPECT_EQ(raw.at("train.lr_schedule.kind"), "cosine");
  try {
    apply_overrides(root, {"train.lr.x=1"}, locations, raw);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'train.lr' is a value, not a table"), std::string::npos) << e.what();
  }
}

TEST(Overrides, sAreAppliedAndLocated) {
  const JobSpec s = parse_job_text(kMinimal + "[train]\nlr = 0.1\n", "job.toml",
                                   {"train.lr=0.05", "model.widths=[8, 4]", "data.dataset=mnist",
                                    "job.output_dir=runs/x", "train.nesterov = true",
                                    "job.name=2024", "data.root=\"/quoted path\""});
  EXPECT_DOUBLE_EQ(s.train.lr, 0.05);
  EXPECT_EQ(s.model.widths, (std::vector<std::int64_t>{8, 4}));
  EXPECT_EQ(s.data.dataset, "mnist");          // not TOML: taken as a string
  EXPECT_EQ(s.job.output_dir, "runs/x");
  EXPECT_TRUE(s.train.nesterov);
  EXPECT_EQ(s.job.name, "2024");               // a TOML integer, but job.name takes a string
  EXPECT_EQ(s.data.root, "/quoted path");
  EXPECT_EQ(s.where("train.lr").str(), "--set train.lr=0.05");
  EXPECT_EQ(s.where("train.nesterov").str(), "--set train.nesterov = true");
  // What ran is recorded: the resolved document, which parses to the same settings on its own.
  EXPECT_EQ(s.source_text.rfind("# job.toml with --set train.lr=0.05 --set model.widths=[8, 4]", 0), 0u)
      << s.source_text;
  const JobSpec again = parse_job_text(s.source_text, "job.toml (recorded)");
  EXPECT_DOUBLE_EQ(again.train.lr, 0.05);
  EXPECT_EQ(again.model.widths, (std::vector<std::int64_t>{8, 4}));
  EXPECT_EQ(again.data.dataset, "mnist");
  EXPECT_EQ(again.job.output_dir, "runs/x");
  EXPECT_TRUE(again.train.nesterov);
  EXPECT_EQ(again.job.name, "2024");
  EXPECT_EQ(again.data.root, "/quoted path");
}

TEST(Overrides, CreatesMissingSectionsAndLaterOnesWin) {
  const JobSpec s = parse_job_text(kMinimal, "job.toml",
                                   {"comm.backend=mpi", "train.lr_schedule.kind=cosine",
                                    "train.lr=0.2", "train.lr=0.3"});
  EXPECT_EQ(backend_names().name(s.comm.backend), "mpi");
  EXPECT_EQ(lr_schedule_names().name(s.train.lr_schedule.kind), "cosine");
  EXPECT_DOUBLE_EQ(s.train.lr, 0.3);
}

TEST(Overrides, CanSupplyTheRequiredOutputDir) {
  const JobSpec s = parse_job_text("[train]\nlr = 0.1\n", "job.toml", {"job.output_dir=runs/o"});
  EXPECT_EQ(s.job.output_dir, "runs/o");
}

}  // namespace
}  // namespace curvlab
