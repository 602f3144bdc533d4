// Tests of base/gnuplot_script.h: the script text (header, each plot as PNG then SVG with the
// body twice, settings reset after it) against the text written out by hand; a real gnuplot run
// (Debian gnuplot-nox) that must leave a PNG and an SVG per plot; the fallbacks when gnuplot is
// missing or fails (false, script and data still written); dat_value and file_safe.
#include "base/gnuplot_script.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "base/run_dir.h"

namespace curvlab {
namespace {
namespace fs = std::filesystem;

const std::string kHeaderSettings = "set grid\nset datafile missing 'nan'\nset key top right\n";

fs::path scratch(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("curvlab_gnuplot_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// An executable `gnuplot` in one of PATH's directories (found without a shell).
bool gnuplot_on_path() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string f = (dir.empty() ? "." : dir) + "/gnuplot";
    if (::access(f.c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string head_bytes(const fs::path& p, std::size_t n) {
  std::ifstream f(p, std::ios::binary);
  std::string s(n, '\0');
  f.read(&s[0], static_cast<std::streamsize>(n));
  s.resize(static_cast<std::size_t>(f.gcount()));
  return s;
}

// Sets PATH for the test's scope.
struct PathGuard {
  std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  explicit PathGuard(const std::string& path) { ::setenv("PATH", path.c_str(), 1); }
  ~PathGuard() { ::setenv("PATH", saved.c_str(), 1); }
};

TEST(GnuplotScript, TextIsTheHeaderThenEachPlotAsPngAndSvg) {
  GnuplotScript s("loss curves of sweep x");
  EXPECT_EQ(s.text(), "# loss curves of sweep x\n# Written by curvlab; restyle and rerun with: gnuplot <this file>\n" +
                          kHeaderSettings);
  const std::string body = "set title 'loss'\nplot 'loss.dat' using 1:2 with lines title 'a'\n";
  s.add_plot("loss", body);
  s.add_plot("acc", "plot 'acc.dat' using 1:2\n");
  EXPECT_EQ(s.plots(), (std::vector<std::string>{"loss", "acc"}));
  const std::string want =
      "# loss curves of sweep x\n# Written by curvlab; restyle and rerun with: gnuplot <this file>\n" + kHeaderSettings +
      "\n# --- loss ---\n"
      "set terminal pngcairo size 900,600 noenhanced\nset output 'loss.png'\n" + body +
      "set terminal svg size 900,600 noenhanced\nset output 'loss.svg'\n" + body +
      "unset output\nreset\n" + kHeaderSettings +
      "\n# --- acc ---\n"
      "set terminal pngcairo size 900,600 noenhanced\nset output 'acc.png'\nplot 'acc.dat' using 1:2\n"
      "set terminal svg size 900,600 noenhanced\nset output 'acc.svg'\nplot 'acc.dat' using 1:2\n"
      "unset output\nreset\n" + kHeaderSettings;
  EXPECT_EQ(s.text(), want);
}

TEST(GnuplotScript, AvailableWhenGnuplotIsOnPath) {
  EXPECT_EQ(gnuplot_available(), gnuplot_on_path());
  const fs::path empty = scratch("empty_path");
  {
    PathGuard guard(empty.string());
    EXPECT_FALSE(gnuplot_available());
  }
  fs::remove_all(empty);
}

TEST(GnuplotScript, RunDrawsAPngAndAnSvgPerPlot) {
  if (!gnuplot_on_path()) GTEST_SKIP() << "gnuplot is not installed (Debian: apt-get install gnuplot-nox)";
  const fs::path d = scratch("run");
  {
    std::ofstream dat(d / "curve.dat");
    for (int i = 0; i < 20; ++i) dat << i << " " << dat_value(i == 7 ? NAN : std::exp(-0.2 * i)) << "\n";
  }
  GnuplotScript s("a test plot");
  s.add_plot("curve", "set title 'curve (gap at 7)'\nplot 'curve.dat' using 1:2 with linespoints title 'exp'\n");
  s.add_plot("log_curve", "set logscale y\nplot 'curve.dat' using 1:2 with lines title 'exp'\n");
  ASSERT_TRUE(run_gnuplot_script(s, d.string(), "plots.gp")) << read_text_file((d / "gnuplot.log").string());
  EXPECT_EQ(read_text_file((d / "plots.gp").string()), s.text());
  for (const std::string name : {"curve", "log_curve"}) {
    ASSERT_TRUE(fs::is_regular_file(d / (name + ".png"))) << name;
    ASSERT_TRUE(fs::is_regular_file(d / (name + ".svg"))) << name;
    EXPECT_EQ(head_bytes(d / (name + ".png"), 8), std::string("\x89PNG\r\n\x1a\n", 8)) << name << ".png is not a PNG";
    EXPECT_GT(fs::file_size(d / (name + ".png")), 1000u) << name;
    const std::string svg = read_text_file((d / (name + ".svg")).string());
    EXPECT_NE(svg.find("<svg"), std::string::npos) << name;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << name << ".svg is cut off";
  }
  fs::remove_all(d);
}

TEST(GnuplotScript, FailedOrMissingGnuplotReturnsFalseButWritesTheScript) {
  const fs::path d = scratch("fail");
  GnuplotScript broken("broken");
  broken.add_plot("x", "plot 'no_such_file.dat' using 1:2\n");
  if (gnuplot_on_path()) {
    testing::internal::CaptureStderr();
    EXPECT_FALSE(run_gnuplot_script(broken, d.string(), "broken.gp"));
    const std::string warning = testing::internal::GetCapturedStderr();
    EXPECT_NE(warning.find("gnuplot failed"), std::string::npos) << warning;
    EXPECT_NE(read_text_file((d / "gnuplot.log").string()).find("no_such_file.dat"), std::string::npos);
  }
  {
    PathGuard guard(d.string());  // no gnuplot there
    testing::internal::CaptureStderr();
    EXPECT_FALSE(run_gnuplot_script(broken, d.string(), "again.gp"));
    const std::string warning = testing::internal::GetCapturedStderr();
    EXPECT_NE(warning.find("apt-get install gnuplot-nox"), std::string::npos) << warning;
  }
  EXPECT_EQ(read_text_file((d / "again.gp").string()), broken.text());
  fs::remove_all(d);
}

TEST(GnuplotScript, DatValuePrintsNineDigitsAndNanForNonFinite) {
  EXPECT_EQ(dat_value(1.5), "1.5");
  EXPECT_EQ(dat_value(1.0 / 3.0), "0.333333333");
  EXPECT_EQ(dat_value(-2e-12), "-2e-12");
  EXPECT_EQ(dat_value(123456789012.0), "1.23456789e+11");
  EXPECT_EQ(dat_value(0.0), "0");
  EXPECT_EQ(dat_value(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(dat_value(std::numeric_limits<double>::infinity()), "nan");
  EXPECT_EQ(dat_value(-std::numeric_limits<double>::infinity()), "nan");
}

TEST(GnuplotScript, FileSafeKeepsPortableCharactersOnly) {
  EXPECT_EQ(file_safe("sgd-128_lr.0"), "sgd-128_lr.0");
  EXPECT_EQ(file_safe("train.lr=0.1 kfac/x"), "train.lr_0.1_kfac_x");
  EXPECT_EQ(file_safe("a'b\"c$(d)"), "a_b_c__d_");
  EXPECT_EQ(file_safe("\xc3\xa9"), "__");  // each byte of a UTF-8 character
  EXPECT_EQ(file_safe(""), "_");
}

}  // namespace
}  // namespace curvlab
