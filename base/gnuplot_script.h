// The ONE gnuplot helper (reports, Hessian plots, curvature tracking): each plot goes to PNG and SVG from one .gp file
// kept beside its .dat files, so a user can restyle a plot and rerun `gnuplot NAME.gp`.
// Not for: what is plotted (report_plots.h, run_report.h).
#pragma once

#include <string>
#include <vector>

namespace curvlab {

// True when a `gnuplot` is on PATH.
bool gnuplot_available();

// Builds one .gp script: a header, then each plot twice (pngcairo, then svg).
class GnuplotScript {
 public:
  explicit GnuplotScript(const std::string& comment);
  // `body` sets titles/axes and ends with a `plot ...` line; settings it changes are reset after it.
  void add_plot(const std::string& name, const std::string& body);
  const std::vector<std::string>& plots() const { return plots_; }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::vector<std::string> plots_;
};

// Writes `script` as dir/file and runs gnuplot there (output in dir/gnuplot.log). Returns false,
// with a warning on stderr saying how to get gnuplot, when gnuplot is missing or fails.
bool run_gnuplot_script(const GnuplotScript& script, const std::string& dir, const std::string& file);

// A data value for a .dat file: finite numbers as %.9g, anything else as "nan" (a gap in the plot).
std::string dat_value(double v);

// A string safe in a file name: [A-Za-z0-9_.-] kept, anything else becomes '_'.
std::string file_safe(const std::string& s);

}  // namespace curvlab
