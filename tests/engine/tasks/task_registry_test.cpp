// The task registry (engine/tasks/task_registry.cpp): the names [train] task accepts, the factory,
// and the ConfigError for an unknown name; a trainer built with an unknown task stops before step 1.
#include <gtest/gtest.h>

#include <filesystem>

#include "base/error.h"
#include "engine/run_files.h"
#include "engine/task.h"

namespace curvlab {
namespace {

TEST(TaskRegistry, NamesAndFactory) {
  EXPECT_EQ(task_names(), (std::vector<std::string>{"classification", "regression"}));
  for (const auto& name : task_names()) {
    const TaskPtr t = make_task(name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->name(), name);
  }
  EXPECT_EQ(TrainerOptions().task, "classification");  // the default task exists
}

TEST(TaskRegistry, UnknownNameIsAConfigError) {
  try {
    make_task("ranking");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown task 'ranking' (allowed: classification, regression)"), std::string::npos)
        << e.what();
  }
  const std::string out = test_util::temp_dir("task_registry_test", "unknown");
  TrainerOptions o = test_util::tiny_options(out);
  o.task = "ranking";
  EXPECT_THROW(test_util::run_trainer(o), ConfigError);
  EXPECT_TRUE(test_util::checkpoint_steps(out).empty());
  std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace curvlab
