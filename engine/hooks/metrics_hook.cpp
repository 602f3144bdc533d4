// The metrics CSV files (see metrics_hook.h).
#include "engine/hooks/metrics_hook.h"

#include "engine/train_context.h"

namespace curvlab {

void MetricsHook::end_of_step(TrainContext& c) {
  if (!c.is_root()) return;
  // Rewrites the files from what was restored (no duplicate rows after a resume), then appends.
  if (!csv_) csv_ = std::make_unique<CsvSink>(c.paths.dir, c.metrics);
  csv_->flush_new_rows();
}

void MetricsHook::on_finish(TrainContext& c, bool stopped) { end_of_step(c); }

}  // namespace curvlab
