// The curvlab binary: parses the command line and dispatches to validate / run / inspect.
// Every error ends here as "error: <what is wrong and how to fix it>" and a non-zero status.
#include <cstdio>
#include <iostream>

#include <c10/util/Exception.h>

#include "engine/checkpoint/inspect.h"
#include "engine/data/dataset.h"
#include "engine/error.h"
#include "jobs/cli.h"
#include "jobs/job_parser.h"
#include "jobs/runners/runner.h"

namespace {

int validate(const curvlab::CliOptions& cli) {
  curvlab::JobSpec spec = curvlab::load_job_file(cli.file, cli.overrides);
  curvlab::check_job_resources(spec);
  const curvlab::DatasetInfo info = curvlab::probe_dataset(spec.data);
  std::printf("%s: ok (kind %s, dataset %s: %lld train / %lld test samples, model %s, optimizer %s, output %s)\n",
              cli.file.c_str(), spec.job.kind.c_str(), spec.data.dataset.c_str(),
              static_cast<long long>(info.train_size), static_cast<long long>(info.test_size),
              spec.model.name.c_str(), spec.train.optimizer.c_str(), spec.job.output_dir.c_str());
  return 0;
}

int run(const curvlab::CliOptions& cli) {
  std::vector<std::string> overrides = cli.overrides;
  if (!cli.output_dir.empty()) overrides.push_back("job.output_dir=" + cli.output_dir);
  curvlab::JobSpec spec = curvlab::load_job_file(cli.file, overrides);
  curvlab::check_job_resources(spec);
  curvlab::RunOptions options;
  options.mode = cli.resume ? curvlab::RunMode::kResume : cli.force ? curvlab::RunMode::kForce : curvlab::RunMode::kFresh;
  options.quiet = cli.quiet;
  return curvlab::run_job(spec, options);
}

}  // namespace

int main(int argc, char** argv) {
  curvlab::CliOptions cli;
  const int early = curvlab::parse_cli(argc, argv, &cli);
  if (early >= 0) return early;
  try {
    if (cli.command == "validate") return validate(cli);
    if (cli.command == "run") return run(cli);
    if (cli.command == "inspect") {
      curvlab::inspect_state_file(cli.file, std::cout);
      return 0;
    }
    std::fprintf(stderr, "error: unknown command '%s'\n", cli.command.c_str());
    return 2;
  } catch (const curvlab::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    if (!dynamic_cast<const curvlab::ConfigError*>(&e)) std::fprintf(stderr, "  (at %s)\n", e.where().c_str());
    return e.exit_code();
  } catch (const c10::Error& e) {
    std::fprintf(stderr, "error: LibTorch: %s\n", e.what_without_backtrace());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
