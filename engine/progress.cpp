// Progress bar / periodic log lines for training runs.
#include "engine/progress.h"

#include <cmath>

#include <unistd.h>

#include <cstdio>

namespace curvlab {
namespace {
std::string format_duration(double s) {
  if (s < 0 || s > 1e7) return "--:--";
  const long t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof(buf), "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else std::snprintf(buf, sizeof(buf), "%02ld:%02ld", t / 60, t % 60);
  return buf;
}
}  // namespace

bool stderr_is_tty() { return isatty(STDERR_FILENO) == 1; }

ProgressReporter::ProgressReporter(bool enabled, bool tty, double log_every_seconds, std::int64_t total_steps)
    : enabled_(enabled), tty_(tty), log_every_(log_every_seconds), total_(total_steps),
      start_(std::chrono::steady_clock::now()), last_log_(start_) {}

void ProgressReporter::update(std::int64_t step, double epoch, double loss, double accuracy, double lr,
                              double samples_per_s) {
  if (!enabled_) return;
  // The accuracy only where the task has one (NaN: regression); small losses (regression of small
  // fields) in scientific notation instead of 0.0000.
  char acc[32] = "", lossv[32], detail[192];
  if (std::isfinite(accuracy)) std::snprintf(acc, sizeof(acc), " acc %.3f", accuracy);
  std::snprintf(lossv, sizeof(lossv), loss != 0 && std::fabs(loss) < 1e-2 ? "%.3e" : "%.4f", loss);
  std::snprintf(detail, sizeof(detail), "%s %.2f loss %s%s lr %.4g %.0f samples/s", tty_ ? "ep" : "epoch", epoch,
                lossv, acc, lr, samples_per_s);
  update_status(step, detail);
}

void ProgressReporter::update_status(std::int64_t step, const std::string& detail) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (first_step_ < 0) first_step_ = step - 1;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double done = static_cast<double>(step - first_step_);
  const double eta = (total_ > 0 && done > 0) ? elapsed / done * static_cast<double>(total_ - step) : -1;
  const double since_last = std::chrono::duration<double>(now - last_log_).count();
  if (tty_) {
    if (since_last < 0.1 && step != total_) return;
    last_log_ = now;
    const int width = 24;
    const int filled = total_ > 0 ? static_cast<int>(width * static_cast<double>(step) / total_) : 0;
    const std::string bar = std::string(filled, '#') + std::string(width - filled, '.');
    std::fprintf(stderr, "\r[%s] step %lld/%lld %s ETA %s ", bar.c_str(), static_cast<long long>(step),
                 static_cast<long long>(total_), detail.c_str(), format_duration(eta).c_str());
    std::fflush(stderr);
    bar_drawn_ = true;
    return;
  }
  if (since_last < log_every_ && step != total_) return;
  last_log_ = now;
  std::fprintf(stderr, "step %lld/%lld %s elapsed %s ETA %s\n", static_cast<long long>(step),
               static_cast<long long>(total_), detail.c_str(), format_duration(elapsed).c_str(),
               format_duration(eta).c_str());
  std::fflush(stderr);
}

void ProgressReporter::message(const std::string& line) {
  if (!enabled_) return;
  if (bar_drawn_) std::fprintf(stderr, "\r\033[K");
  bar_drawn_ = false;
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

void ProgressReporter::finish() {
  if (enabled_ && bar_drawn_) std::fprintf(stderr, "\n");
  bar_drawn_ = false;
}

}  // namespace curvlab
