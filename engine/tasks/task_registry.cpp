// The task registry: [train] task names and the factory (engine/task.h).
#include <string>

#include "base/error.h"
#include "engine/task.h"
#include "engine/tasks/classification.h"
#include "engine/tasks/regression.h"

namespace curvlab {

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = {"classification", "regression"};
  return names;
}

TaskPtr make_task(const std::string& name) {
  if (name == "classification") return std::make_unique<ClassificationTask>();
  if (name == "regression") return std::make_unique<RegressionTask>();
  CURVLAB_THROW(ConfigError, "unknown task '" + name + "' (allowed: classification, regression)");
}

}  // namespace curvlab
