// The "reconstruct" job kind (docs/flow.md): for each sensor count, the flow data set with that many
// sensors -> the shallow decoder trained by the data-parallel engine as a train run of its own
// (<output_dir>/sensors_<s>: checkpoints, metrics, resume), and the POD and POD-plus baselines fitted
// on the training snapshots -> relative errors on the test snapshots (per snapshot, with and without
// the mean) -> reconstruct.h5, CSVs, plots and a table on stdout.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "algorithms/flow/pod.h"
#include "base/error.h"
#include "base/run_dir.h"
#include "base/version.h"
#include "cluster/stop_signals.h"
#include "engine/checkpoint/checkpointer.h"
#include "engine/data/flow_data.h"
#include "engine/train_context.h"
#include "jobs/job_kinds.h"
#include "jobs/job_parser.h"
#include "jobs/reconstruct/reconstruct_plots.h"
#include "jobs/reconstruct/reconstruct_results.h"
#include "jobs/reconstruct/reconstruct_sections.h"
#include "jobs/run/run_setup.h"
#include "jobs/train/train_options.h"

namespace curvlab {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Captures the trained model of a Trainer (a hook that does nothing else).
class ModelCapture : public StepHook {
 public:
  explicit ModelCapture(Net* out) : out_(out) {}
  std::string name() const override { return "model_capture"; }
  void on_start(TrainContext& c) override { *out_ = c.model; }

 private:
  Net* out_;
};

// The train job of the decoder for `sensors` sensors: the reconstruct job's own text with its kind,
// output directory, sensor count and task replaced, and batch-norm statistics of the global batch.
JobSpec decoder_job(const JobSpec& spec, std::int64_t sensors, const std::string& dir) {
  return parse_job_text(spec.source_text, spec.source_path,
                        {"job.kind=\"train\"", "job.output_dir=\"" + dir + "\"",
                         "data.flow.sensors=" + std::to_string(sensors), "train.task=\"regression\"",
                         "comm.sync_batchnorm=true"});
}

// Errors of a reconstruction pair (train and test predictions, deviation fields [n, m]).
MethodErrors errors_of(ReconstructMethod method, const FlowData& d, const torch::Tensor& pred_train,
                       const torch::Tensor& pred_test, std::int64_t plot, std::int64_t h, std::int64_t w) {
  MethodErrors e;
  e.method = method;
  const torch::Tensor mean = d.mean.to(torch::kFloat64);
  e.train_error = relative_error(pred_train, d.train);
  e.test_error = relative_error(pred_test, d.test);
  e.train_error_with_mean = relative_error(pred_train + mean, d.train.to(torch::kFloat64) + mean);
  e.test_error_with_mean = relative_error(pred_test + mean, d.test.to(torch::kFloat64) + mean);
  e.test_errors = relative_errors_per_row(pred_test, d.test);
  e.test_errors_with_mean = relative_errors_per_row(pred_test + mean, d.test.to(torch::kFloat64) + mean);
  e.plot_field = (pred_test[plot] + mean).to(torch::kFloat32).reshape({h, w});
  return e;
}

int run_reconstruct_job(const JobSpec& spec, const RunOptions& options) {
  const StopSignalScope signals;
  const RunMode mode = options.auto_resume ? RunMode::kResume : options.mode;
  check_run_dir(spec.job.output_dir, options.auto_resume && !holds_run(spec.job.output_dir) ? RunMode::kFresh : mode);
  const ReconstructStudyOptions& o = spec.reconstruct;
  // Bad input ends the job (exit 2 or 4) before anything is written: the file and the split are
  // read once, and every count's sensors are placed on it first.
  FlowData data = load_flow_data(spec.data.flow);
  for (std::int64_t s : o.sensor_counts) {
    SensorOptions sensors = spec.data.flow.sensors;
    sensors.count = s;
    try {
      (void)place_sensors(sensors, data.geometry);
    } catch (const ConfigError& e) {
      throw ConfigError(spec.where("reconstruct.sensor_counts").str() + ": " + e.what(), e.file().c_str(), e.line());
    }
  }
  RunSetup setup = start_run(spec);
  const CommunicatorPtr& comm = setup.comm;
  return run_guarded(setup, options, [&] {
    open_run_dir(spec, setup, mode, options.quiet,
                 ", " + std::to_string(o.sensor_counts.size()) + " sensor counts on " + spec.data.flow.file);
    ReconstructStudy study;
    study.field = spec.data.flow.field;
    study.plot_snapshot = o.plot_snapshot;
    const std::int64_t h = data.geometry.height, w = data.geometry.width;
    for (std::int64_t s : o.sensor_counts) {
      SensorOptions sensors = spec.data.flow.sensors;
      sensors.count = s;
      place_flow_sensors(data, sensors);
      const FlowData& d = data;
      if (study.counts.empty()) {
        study.units = spec.data.flow.units;
        study.scale = d.scale;
        study.geometry = d.geometry;
        study.mean = d.mean;
        study.test_steps = d.test_steps;
        study.plot_truth = (d.test[o.plot_snapshot] + d.mean).reshape({h, w});
      }
      CountRecord c;
      c.sensors = s;
      c.layout = d.sensors;
      const std::int64_t k_plus = o.pod_plus_modes > 0 ? o.pod_plus_modes : s;
      for (ReconstructMethod m : o.methods) {
        const auto t0 = Clock::now();
        torch::Tensor train_pred, test_pred;
        if (m == ReconstructMethod::kDecoder) {
          const std::string dir = setup.paths.dir + "/sensors_" + std::to_string(s);
          const JobSpec sub = decoder_job(spec, s, dir);
          if (setup.root()) {
            prepare_run_dir(dir, mode == RunMode::kResume ? RunMode::kResume : RunMode::kForce);
            if (!std::filesystem::exists(dir + "/job.toml")) write_text_atomic(dir + "/job.toml", sub.source_text);
          }
          comm->barrier();
          if (setup.root() && !options.quiet) {
            std::fprintf(stderr, "curvlab: training the shallow decoder with %lld sensors -> %s\n",
                         static_cast<long long>(s), dir.c_str());
          }
          TrainerCallbacks callbacks;
          callbacks.stop_requested = [] { return stop_signal_received() != 0; };
          Net model;
          std::unique_ptr<Trainer> trainer =
              make_job_trainer(sub, comm, mode == RunMode::kResume ? RunMode::kResume : RunMode::kFresh, callbacks);
          trainer->add_hook([&model](TrainContext&) { return std::make_unique<ModelCapture>(&model); });
          const TrainResult r = trainer->run();
          if (r.stopped) return stopped_on_signal(spec, setup.launch, *comm, r.steps, r.last_checkpoint);
          if (setup.root()) write_text_atomic(dir + "/status", "done\n");
          c.decoder_run = dir;
          c.decoder_steps = r.steps;
          torch::NoGradGuard no_grad;
          model->eval();
          const auto predict = [&](const torch::Tensor& readings) {
            return model->forward(readings.reshape({readings.size(0), 1, 1, s})).to(torch::kFloat64);
          };
          train_pred = predict(d.train_readings);
          test_pred = predict(d.test_readings);
        } else {
          const PodBasis basis = pod_basis(d.train);
          if (m == ReconstructMethod::kPod) {
            const torch::Tensor idx = d.sensors.index();
            train_pred = pod_reconstruct(basis, s, idx, d.train_readings);
            test_pred = pod_reconstruct(basis, s, idx, d.test_readings);
          } else {
            const PodPlusMap fit = fit_pod_plus(basis, k_plus, d.train, d.train_readings, o.pod_plus_ridge);
            train_pred = pod_plus_reconstruct(fit, d.train_readings);
            test_pred = pod_plus_reconstruct(fit, d.test_readings);
          }
        }
        MethodErrors e = errors_of(m, d, train_pred, test_pred, o.plot_snapshot, h, w);
        e.seconds = since(t0);
        c.methods.push_back(std::move(e));
      }
      study.counts.push_back(std::move(c));
    }
    if (setup.root()) {
      const RunPaths& paths = setup.paths;
      const std::string results = paths.dir + "/reconstruct.h5";
      write_state_file(results, [&](StateWriter& sw) { save_reconstruct_study(study, sw); },
                       {{"job_text", spec.source_text}, {"flow_file", spec.data.flow.file},
                        {"curvlab_version", CURVLAB_VERSION}, {"kind", "reconstruct"},
                        {"world_size", std::to_string(comm->size())}});
      write_reconstruct_csvs(study, paths.dir);
      std::printf("reconstruction of %s from %s (%lld training, %lld test snapshots, %s sensors):\n",
                  study.field.c_str(), spec.data.flow.file.c_str(), static_cast<long long>(spec.data.flow.train_snapshots),
                  static_cast<long long>(spec.data.flow.test_snapshots),
                  sensor_placement_names().name(spec.data.flow.sensors.placement).c_str());
      std::printf("%s", format_reconstruct_table(study).c_str());
      bool plotted = false;
      if (o.plots) plotted = write_reconstruct_plots(study, o.plot_sensors, paths.dir + "/plots");
      std::printf("results: %s, %s/reconstruct_summary.csv, %s/reconstruct_errors.csv%s\n", results.c_str(),
                  paths.dir.c_str(), paths.dir.c_str(),
                  plotted ? (" ; plots: " + paths.dir + "/plots/*.png, *.svg").c_str() : "");
      write_text_atomic(paths.status, "done\n");
    }
    comm->barrier();
    return 0;
  });
}

}  // namespace

JobKind reconstruct_job_kind() {
  return {"reconstruct", {{"reconstruct", read_reconstruct_section}}, check_reconstruct_rules, run_reconstruct_job,
          "flow reconstruction from point sensors: the shallow decoder (trained data parallel) against POD and "
          "POD-plus over sensor counts"};
}

}  // namespace curvlab
