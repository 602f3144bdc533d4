// Reader and rules of [reconstruct] (see reconstruct_sections.h; the keys: docs/flow.md).
#include "jobs/reconstruct/reconstruct_sections.h"

#include <algorithm>
#include <set>

#include "jobs/section_reader.h"

namespace curvlab {

void read_reconstruct_section(SectionReader& r, JobSpec& spec) {
  ReconstructStudyOptions& o = spec.reconstruct;
  r.integer_list("sensor_counts", o.sensor_counts, Range::at_least(1));
  r.choice_list("methods", o.methods, reconstruct_method_names());
  r.number("pod_plus_ridge", o.pod_plus_ridge, Range::at_least(0));
  r.integer("pod_plus_modes", o.pod_plus_modes, Range::at_least(0));
  r.integer("plot_snapshot", o.plot_snapshot, Range::at_least(0));
  r.integer("plot_sensors", o.plot_sensors, Range::at_least(1));
  r.boolean("plots", o.plots);
}

// [reconstruct] rules; each error points at the key to change. Whether the counts fit the field's
// sensor candidates is checked when the flow file is read (the job exits 2 before training).
void check_reconstruct_rules(const JobSpec& spec) {
  if (spec.job.kind != "reconstruct") return;
  const ReconstructStudyOptions& o = spec.reconstruct;
  if (spec.data.dataset != "flow") {
    throw_config_error(spec.where("data.dataset"),
                       "job.kind = \"reconstruct\" reconstructs flow fields: set dataset = \"flow\" under [data] "
                       "and file = \"runs/NAME/flow.h5\" under [data.flow] (a simulate run's output)");
  }
  if (o.sensor_counts.empty()) {
    throw_config_error(spec.where("reconstruct.sensor_counts"),
                       "reconstruct.sensor_counts must list at least one number of sensors, like [3, 5, 10, 20]");
  }
  if (std::set<std::int64_t>(o.sensor_counts.begin(), o.sensor_counts.end()).size() != o.sensor_counts.size()) {
    throw_config_error(spec.where("reconstruct.sensor_counts"), "reconstruct.sensor_counts has a count twice");
  }
  if (o.methods.empty()) {
    throw_config_error(spec.where("reconstruct.methods"),
                       "reconstruct.methods must name at least one of \"decoder\", \"pod\", \"pod_plus\"");
  }
  const std::int64_t most = *std::max_element(o.sensor_counts.begin(), o.sensor_counts.end());
  if (most > spec.data.flow.train_snapshots) {
    throw_config_error(spec.where("reconstruct.sensor_counts"),
                       "POD with " + std::to_string(most) + " sensors needs as many modes, but there are only " +
                           std::to_string(spec.data.flow.train_snapshots) +
                           " training snapshots (data.flow.train_snapshots); use fewer sensors or more snapshots");
  }
  if (o.pod_plus_modes > spec.data.flow.train_snapshots) {
    throw_config_error(spec.where("reconstruct.pod_plus_modes"),
                       "reconstruct.pod_plus_modes (" + std::to_string(o.pod_plus_modes) +
                           ") exceeds the training snapshots (" + std::to_string(spec.data.flow.train_snapshots) + ")");
  }
  if (o.plot_snapshot >= spec.data.flow.test_snapshots) {
    throw_config_error(spec.where("reconstruct.plot_snapshot"),
                       "reconstruct.plot_snapshot must index a test snapshot: 0 to " +
                           std::to_string(spec.data.flow.test_snapshots - 1));
  }
  const bool decoder = std::find(o.methods.begin(), o.methods.end(), ReconstructMethod::kDecoder) != o.methods.end();
  if (decoder && spec.train.task != "regression" && spec.where("train.task").line > 0) {
    throw_config_error(spec.where("train.task"),
                       "the decoder of a reconstruct job is trained for regression: remove train.task or set it "
                       "to \"regression\"");
  }
}

}  // namespace curvlab
