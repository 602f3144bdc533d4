// gnuplot scripts: PNG + SVG per plot, run in the output directory (gnuplot_script.h).
#include "base/gnuplot_script.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/run_dir.h"

namespace curvlab {

bool gnuplot_available() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

GnuplotScript::GnuplotScript(const std::string& comment) {
  text_ = "# " + comment + "\n# Written by curvlab; restyle and rerun with: gnuplot <this file>\n"
          "set grid\nset datafile missing 'nan'\nset key top right\n";
}

void GnuplotScript::add_plot(const std::string& name, const std::string& body) {
  plots_.push_back(name);
  text_ += "\n# --- " + name + " ---\n";
  text_ += "set terminal pngcairo size 900,600 noenhanced\nset output '" + name + ".png'\n" + body;
  text_ += "set terminal svg size 900,600 noenhanced\nset output '" + name + ".svg'\n" + body;
  text_ += "unset output\nreset\nset grid\nset datafile missing 'nan'\nset key top right\n";
}

bool run_gnuplot_script(const GnuplotScript& script, const std::string& dir, const std::string& file) {
  write_text_atomic(dir + "/" + file, script.text());
  if (!gnuplot_available()) {
    std::fprintf(stderr, "warning: gnuplot is not installed, so no plots were drawn; the tables and the plot data and "
                         "scripts (%s/%s) are written. Install it (Debian: apt-get install gnuplot-nox) and run "
                         "`cd %s && gnuplot %s`.\n", dir.c_str(), file.c_str(), dir.c_str(), file.c_str());
    return false;
  }
  const std::string cmd = "cd '" + dir + "' && gnuplot '" + file + "' > gnuplot.log 2>&1";
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    std::fprintf(stderr, "warning: gnuplot failed on %s/%s (exit %d; see %s/gnuplot.log). The tables and plot data are "
                         "written.\n", dir.c_str(), file.c_str(), rc, dir.c_str());
    return false;
  }
  return true;
}

std::string dat_value(double v) {
  if (!std::isfinite(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string file_safe(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                    c == '.';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace curvlab
