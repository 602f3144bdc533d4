// Reconstruct study results: HDF5, CSVs and the stdout table (see reconstruct_results.h).
#include "jobs/reconstruct/reconstruct_results.h"

#include <cstdio>
#include <fstream>

#include "base/gnuplot_script.h"

namespace curvlab {

void save_reconstruct_study(const ReconstructStudy& s, StateWriter& out) {
  out.write_string("field", s.field);
  out.write_string("units", s.units);
  out.write_double("scale", s.scale);
  out.write_tensor("geometry/x", torch::tensor(s.geometry.x, torch::kInt64));
  out.write_tensor("geometry/y", torch::tensor(s.geometry.y, torch::kInt64));
  out.write_tensor("geometry/mask", s.geometry.mask);
  out.write_double("geometry/center_x", s.geometry.center_x);
  out.write_double("geometry/center_y", s.geometry.center_y);
  out.write_double("geometry/diameter", s.geometry.diameter);
  out.write_tensor("mean", s.mean.reshape({s.geometry.height, s.geometry.width}));
  out.write_tensor("test_steps", s.test_steps);
  out.write_int("plot_snapshot", s.plot_snapshot);
  out.write_tensor("plot_truth", s.plot_truth);
  for (const CountRecord& c : s.counts) {
    const std::string g = "sensors_" + std::to_string(c.sensors) + "/";
    out.write_tensor(g + "pixels", torch::tensor(c.layout.pixels, torch::kInt64));
    out.write_tensor(g + "rows", torch::tensor(c.layout.rows, torch::kInt64));
    out.write_tensor(g + "cols", torch::tensor(c.layout.cols, torch::kInt64));
    std::vector<std::int64_t> lx, ly;
    for (std::size_t i = 0; i < c.layout.pixels.size(); ++i) {
      lx.push_back(s.geometry.x[static_cast<std::size_t>(c.layout.cols[i])]);
      ly.push_back(s.geometry.y[static_cast<std::size_t>(c.layout.rows[i])]);
    }
    out.write_tensor(g + "x", torch::tensor(lx, torch::kInt64));
    out.write_tensor(g + "y", torch::tensor(ly, torch::kInt64));
    out.write_string(g + "decoder_run", c.decoder_run);
    for (const MethodErrors& m : c.methods) {
      const std::string h = g + reconstruct_method_names().name(m.method) + "/";
      out.write_double(h + "train_error", m.train_error);
      out.write_double(h + "test_error", m.test_error);
      out.write_double(h + "train_error_with_mean", m.train_error_with_mean);
      out.write_double(h + "test_error_with_mean", m.test_error_with_mean);
      out.write_double(h + "seconds", m.seconds);
      out.write_tensor(h + "test_errors", m.test_errors);
      out.write_tensor(h + "test_errors_with_mean", m.test_errors_with_mean);
      out.write_tensor(h + "plot_field", m.plot_field);
    }
  }
}

void write_reconstruct_csvs(const ReconstructStudy& s, const std::string& dir) {
  std::ofstream sum(dir + "/reconstruct_summary.csv");
  sum << "sensors,method,train_error,test_error,train_error_with_mean,test_error_with_mean,seconds\n";
  std::ofstream per(dir + "/reconstruct_errors.csv");
  per << "sensors,method,snapshot,step,test_error,test_error_with_mean\n";
  for (const CountRecord& c : s.counts) {
    for (const MethodErrors& m : c.methods) {
      const std::string& name = reconstruct_method_names().name(m.method);
      sum << c.sensors << "," << name << "," << dat_value(m.train_error) << "," << dat_value(m.test_error) << ","
          << dat_value(m.train_error_with_mean) << "," << dat_value(m.test_error_with_mean) << ","
          << dat_value(m.seconds) << "\n";
      for (std::int64_t i = 0; i < m.test_errors.numel(); ++i) {
        per << c.sensors << "," << name << "," << i << "," << s.test_steps[i].item<std::int64_t>() << ","
            << dat_value(m.test_errors[i].item<double>()) << "," << dat_value(m.test_errors_with_mean[i].item<double>())
            << "\n";
      }
    }
  }
}

std::string format_reconstruct_table(const ReconstructStudy& s) {
  std::string t;
  char line[256];
  std::snprintf(line, sizeof(line), "%8s  %-9s  %11s  %11s  %15s  %9s\n", "sensors", "method", "train_error",
                "test_error", "test_with_mean", "seconds");
  t += line;
  for (const CountRecord& c : s.counts) {
    for (const MethodErrors& m : c.methods) {
      std::snprintf(line, sizeof(line), "%8lld  %-9s  %11.4f  %11.4f  %15.4f  %9.1f\n",
                    static_cast<long long>(c.sensors), reconstruct_method_names().name(m.method).c_str(),
                    m.train_error, m.test_error, m.test_error_with_mean, m.seconds);
      t += line;
    }
  }
  return t;
}

}  // namespace curvlab
