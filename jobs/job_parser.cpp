// Job-file parsing: the readers of the common sections ([job], [data], [model], [comm], [cluster]),
// the list of all sections (the common ones, each job kind's from jobs/job_kinds.cpp, [sweep]),
// the rules of the common keys, and the public entry points. A kind's own sections and rules live
// in its folder (jobs/train/train_sections.cpp, jobs/hessian/hessian_sections.cpp).
#include "jobs/job_parser.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/error.h"
#include "cluster/cluster_options.h"
#include "cluster/slurm_time.h"
#include "comm/comm_options.h"
#include "engine/data/dataset.h"
#include "engine/data/flow_data.h"
#include "engine/models/model.h"
#include "jobs/job_kinds.h"
#include "jobs/overrides.h"
#include "jobs/section_reader.h"
#include "jobs/sweep/sweep_section.h"
#include "jobs/toml_text.h"

namespace curvlab {
namespace {

// ---- one reader per section; each key's range lives next to its read ----

void read_job(SectionReader& r, JobSpec& spec) {
  JobSection& j = spec.job;
  r.string("name", j.name, /*allow_empty=*/false);
  r.choice("kind", j.kind, job_kind_names());
  r.string("output_dir", j.output_dir, /*allow_empty=*/false);
  auto seed = static_cast<std::int64_t>(j.seed);
  r.integer("seed", seed, Range::at_least(0));
  j.seed = static_cast<std::uint64_t>(seed);
}

void read_data(SectionReader& r, JobSpec& spec) {
  DataOptions& d = spec.data;
  r.choice("dataset", d.dataset, dataset_names());
  r.string("root", d.root);
  r.boolean("normalize", d.normalize);
  r.integer("train_subset", d.train_subset, Range::at_least(0));
  r.integer("test_subset", d.test_subset, Range::at_least(0));
  r.integer("synthetic_train", d.synthetic_train, Range::at_least(1));
  r.integer("synthetic_test", d.synthetic_test, Range::at_least(1));
  r.integer_list("synthetic_shape", d.synthetic_shape, Range::at_least(1), /*exact_size=*/3);
  r.integer("synthetic_classes", d.synthetic_classes, Range::at_least(2));
  SectionReader& f = r.section("flow");
  f.string("file", d.flow.file);
  f.choice("field", d.flow.field, flow_field_names());
  f.choice("units", d.flow.units, flow_unit_names());
  f.integer("train_snapshots", d.flow.train_snapshots, Range::at_least(1));
  f.integer("test_snapshots", d.flow.test_snapshots, Range::at_least(1));
  f.integer("sensors", d.flow.sensors.count, Range::at_least(1));
  f.choice("placement", d.flow.sensors.placement, sensor_placement_names());
  auto sensor_seed = static_cast<std::int64_t>(d.flow.sensors.seed);
  f.integer("sensor_seed", sensor_seed, Range::at_least(0));
  d.flow.sensors.seed = static_cast<std::uint64_t>(sensor_seed);
  f.number("wall_distance", d.flow.sensors.wall_distance, Range::above(0.5));
}

void read_model(SectionReader& r, JobSpec& spec) {
  ModelOptions& m = spec.model;
  r.choice("name", m.name, model_names());
  r.integer_list("widths", m.widths, Range::at_least(1));
  m.widths_given = r.has("widths");
  if (m.widths_given && resnet_blocks_per_stage(m.name) > 0) {
    const std::string why = resnet_widths_problem(m.widths);
    if (!why.empty()) throw_config_error(spec.where("model.widths"), "model.widths of " + m.name + ": " + why);
  }
  r.choice("activation", m.activation, activation_names());
  r.number("kappa", m.kappa, Range::at_least(0));
  r.choice("batch_norm", m.batch_norm, decoder_norm_names());
}

void read_comm(SectionReader& r, JobSpec& spec) {
  CommOptions& c = spec.comm;
  r.choice("backend", c.backend, backend_names());
  r.number("bucket_mb", c.bucket_mb, Range::above(0));
  r.number("first_bucket_mb", c.first_bucket_mb, Range::above(0));
  r.boolean("sync_batchnorm", c.sync_batchnorm);
}

void read_cluster(SectionReader& r, JobSpec& spec) {
  ClusterOptions& c = spec.cluster;
  r.integer("nodes", c.nodes, Range::at_least(1));
  r.integer("tasks_per_node", c.tasks_per_node, Range::at_least(1));
  r.integer("gpus_per_node", c.gpus_per_node, Range::at_least(0));
  r.integer("cpus_per_task", c.cpus_per_task, Range::at_least(0));
  r.string("time", c.time, /*allow_empty=*/false);
  r.string("partition", c.partition);
  r.string("account", c.account);
  r.string("qos", c.qos);
  r.string("mem", c.mem);
  r.choice("launcher", c.launcher, launcher_names());
  r.string("srun_mpi", c.srun_mpi, /*allow_empty=*/false);
  r.string_list("mpirun_args", c.mpirun_args);
  r.integer("signal_seconds", c.signal_seconds, Range::at_least(0));
  r.boolean("requeue", c.requeue);
  r.integer("array_throttle", c.array_throttle, Range::at_least(0));
  r.string_list("modules", c.modules);
  r.string_list("setup", c.setup);
  r.string_list("sbatch", c.sbatch);
  r.string("executable", c.executable);
}

// Every section, in reading order: the order of docs/job-files.md for the sections it lists, and
// any other kind's sections before [cluster]. The common readers are here, each kind's come from
// its registration (jobs/job_kinds.cpp).
const std::vector<SectionDef>& all_sections() {
  static const std::vector<SectionDef> sections = [] {
    std::vector<SectionDef> defs = {{"job", read_job}, {"data", read_data}, {"model", read_model},
                                    {"comm", read_comm}, {"cluster", read_cluster}, {"sweep", read_sweep}};
    for (const auto& kind : job_kinds()) defs.insert(defs.end(), kind.sections.begin(), kind.sections.end());
    const std::vector<std::string> order = {"job", "data", "model", "train", "comm", "kfac", "hessian", "quant"};
    const auto rank = [&](const SectionDef& d) -> std::size_t {
      const auto it = std::find(order.begin(), order.end(), d.name);
      if (it != order.end()) return static_cast<std::size_t>(it - order.begin());
      if (std::string(d.name) == "cluster") return order.size() + 1;
      if (std::string(d.name) == "sweep") return order.size() + 2;
      return order.size();  // a kind's own section: after the listed ones, before [cluster]
    };
    std::stable_sort(defs.begin(), defs.end(), [&](const SectionDef& a, const SectionDef& b) { return rank(a) < rank(b); });
    return defs;
  }();
  return sections;
}

// [job] keys that must agree with the file.
void check_job_rules(const JobSpec& spec) {
  if (spec.job.output_dir.empty()) {
    throw_config_error(spec.where("job"),
                       "job.output_dir is required: add output_dir = \"runs/NAME\" under [job] "
                       "(or pass --set job.output_dir=runs/NAME)");
  }
  for (char c : spec.job.name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      throw_config_error(spec.where("job.name"),
                         "job.name may hold only letters, digits, '-', '_' and '.' (got \"" +
                             spec.job.name + "\")");
    }
  }
}

// [model] keys that must agree with each other.
void check_model_rules(const JobSpec& spec) {
  if (spec.model.kappa != 0 && spec.model.activation != Activation::kJumpRelu) {
    throw_config_error(spec.where("model.kappa"),
                       "model.kappa is JumpReLU's threshold, but model.activation is \"" +
                           activation_names().name(spec.model.activation) +
                           "\": set activation = \"jumprelu\" under [model], or remove kappa");
  }
  if (spec.model.batch_norm != DecoderNorm::kFeature && spec.model.name != "shallow_decoder") {
    throw_config_error(spec.where("model.batch_norm"),
                       "model.batch_norm applies to the shallow_decoder only (model.name is \"" + spec.model.name +
                           "\"); remove it");
  }
  if (spec.model.name == "shallow_decoder" && spec.model.widths_given && spec.model.widths.size() != 2) {
    throw_config_error(spec.where("model.widths"),
                       "model.widths of shallow_decoder: two hidden widths, like [40, 45] (got " +
                           std::to_string(spec.model.widths.size()) + ")");
  }
}

// [data] keys that must agree with each other.
void check_data_rules(const JobSpec& spec) {
  if (spec.data.dataset != "flow") return;
  if (spec.data.flow.file.empty()) {
    throw_config_error(spec.where("data"),
                       "data.dataset = \"flow\" needs data.flow.file: the flow.h5 of a simulate run "
                       "(e.g. file = \"runs/cylinder_wake/flow.h5\" under [data.flow])");
  }
  if (spec.train.task != "regression" && spec.job.kind == "train") {
    throw_config_error(spec.where("train.task"),
                       "data.dataset = \"flow\" is a regression data set: set task = \"regression\" under [train]");
  }
}

void check_cluster_rules(const JobSpec& spec) {
  const ClusterOptions& c = spec.cluster;
  const std::int64_t limit = slurm_time_seconds(c.time);
  if (limit < 0) {
    throw_config_error(spec.where("cluster.time"),
                       "cluster.time must be a Slurm time limit: minutes, MM:SS, HH:MM:SS or "
                       "D-HH:MM:SS, greater than 0 (got \"" + c.time + "\"); e.g. time = \"04:00:00\"");
  }
  if (c.signal_seconds >= limit) {
    throw_config_error(spec.where("cluster.signal_seconds"),
                       "cluster.signal_seconds must be shorter than cluster.time (got " +
                           std::to_string(c.signal_seconds) + " s warning for a " + c.time +
                           " limit); the warning comes signal_seconds before the end, so lower it or "
                           "raise cluster.time");
  }
  const std::pair<const char*, const std::string*> names[] = {
      {"partition", &c.partition}, {"account", &c.account}, {"qos", &c.qos}, {"mem", &c.mem}, {"srun_mpi", &c.srun_mpi}};
  for (const auto& [key, value] : names) {
    for (char ch : *value) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && std::string("-_.,+").find(ch) == std::string::npos) {
        throw_config_error(spec.where(std::string("cluster.") + key),
                           std::string("cluster.") + key + " may hold only letters, digits and - _ . , + (got \"" +
                               *value + "\")");
      }
    }
  }
  for (std::size_t i = 0; i < c.sbatch.size(); ++i) {
    if (c.sbatch[i].rfind("--", 0) != 0 && c.sbatch[i].rfind("-", 0) != 0) {
      throw_config_error(spec.where("cluster.sbatch"),
                         "cluster.sbatch[" + std::to_string(i) + "] must be an sbatch option such as "
                         "\"--mail-type=END\" (without \"#SBATCH\"); got \"" + c.sbatch[i] + "\"");
    }
  }
}

// Runs every section reader over `root` (null: an empty file), then the unknown-key and cross checks.
void read_all(ParseContext& ctx, const toml::table* root, JobSpec& spec) {
  SectionReader top(ctx, root, "");
  for (const auto& section : all_sections()) section.read(top.section(section.name), spec);
  top.check_unknown_keys();
  check_job_rules(spec);
  check_model_rules(spec);
  check_data_rules(spec);
  for (const auto& kind : job_kinds()) kind.check(spec);
  check_cluster_rules(spec);
  check_sweep_rules(spec);
}

}  // namespace

JobSpec parse_job_text(const std::string& text, const std::string& source_name,
                       const std::vector<std::string>& overrides) {
  JobSpec spec;
  spec.source_path = source_name;
  spec.source_text = text;
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    SourceLocation where;
    where.file = source_name;
    where.line = static_cast<int>(e.source().begin.line);
    where.column = static_cast<int>(e.source().begin.column);
    throw_config_error(where, "TOML syntax error: " + std::string(e.description()));
  }
  ParseContext ctx;
  ctx.source_name = source_name;
  ctx.locations = &spec.locations;
  ctx.resolved = &spec.resolved;
  apply_overrides(root, overrides, ctx.override_locations, ctx.override_raw_values);
  read_all(ctx, &root, spec);
  if (!overrides.empty()) {
    // What ran is the file WITH the overrides: run directories and checkpoints record that, so a
    // hessian job or a resume that reads them rebuilds the same model and data. Values a reader
    // took as strings from the --set text (job.name=2024) are written as the strings they became.
    for (const auto& key : ctx.strings_from_overrides) {
      set_key(root, key, toml_literal(toml::value<std::string>(ctx.override_raw_values.at(key))));
    }
    std::string header = "# " + source_name + " with";
    for (const auto& o : overrides) header += " --set " + o;
    spec.source_text = header + "\n# (resolved by curvlab: the file's comments are not kept)\n\n" + toml_document(root);
  }
  return spec;
}

JobSpec load_job_file(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    CURVLAB_THROW(ConfigError, "cannot read job file '" + path + "': no such file (check the path)");
  }
  if (std::filesystem::is_directory(path, ec)) {
    CURVLAB_THROW(ConfigError, "cannot read job file '" + path + "': it is a directory, not a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    CURVLAB_THROW(ConfigError, "cannot read job file '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) CURVLAB_THROW(ConfigError, "cannot read job file '" + path + "': read failed");
  return parse_job_text(text.str(), path, overrides);
}

std::vector<std::string> job_file_keys() {
  // Run the readers over nothing and ask which keys they know.
  JobSpec spec;
  ParseContext ctx;
  SectionReader top(ctx, nullptr, "");
  for (const auto& section : all_sections()) section.read(top.section(section.name), spec);
  return top.known_keys();
}

const std::vector<std::string>& allowed_values(const std::string& dotted_key) {
  // Run the readers over nothing: every choice they read registers its names (from the registries).
  static const std::map<std::string, std::vector<std::string>> choices = [] {
    JobSpec spec;
    ParseContext ctx;
    SectionReader top(ctx, nullptr, "");
    for (const auto& section : all_sections()) section.read(top.section(section.name), spec);
    return ctx.choices;
  }();
  static const std::vector<std::string> kNone;
  const auto it = choices.find(dotted_key);
  return it == choices.end() ? kNone : it->second;
}

}  // namespace curvlab
