// The task registry: [train] task names and the factory (engine/task.h).
#include <string>

#include "base/error.h"
#include "engine/task.h"
#include "engine/tasks/classification.h"

namespace curvlab {

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> names = {"classification"};
  return names;
}

TaskPtr make_task(const std::string& name) {
  if (name == "classification") return std::make_unique<ClassificationTask>();
  CURVLAB_THROW(ConfigError, "unknown task '" + name + "' (allowed: classification)");
}

}  // namespace curvlab
