// Pixel scaling and per-channel normalization.
#include "engine/data/preprocess.h"

#include <cmath>

#include "base/error.h"

namespace curvlab {
namespace {
constexpr std::int64_t kStatsChunk = 4096;  // samples per chunk when accumulating statistics
constexpr double kMinStdev = 1e-12;
}  // namespace

torch::Tensor to_unit_float(const torch::Tensor& images) {
  CURVLAB_CHECK(images.scalar_type() == torch::kUInt8 && images.dim() == 4, IoError,
                "to_unit_float expects uint8 images [N, C, H, W]");
  return images.to(torch::kFloat32).div_(255.0f);
}

void channel_stats(const torch::Tensor& x, std::vector<double>* mean, std::vector<double>* stdev) {
  CURVLAB_CHECK(x.dim() == 4 && x.size(0) > 0, ConfigError,
                "channel statistics need a non-empty [N, C, H, W] training split");
  const std::int64_t n = x.size(0), c = x.size(1);
  const double count = double(n) * double(x.size(2)) * double(x.size(3));
  auto sum = torch::zeros({c}, torch::kFloat64);
  for (std::int64_t s = 0; s < n; s += kStatsChunk) {
    sum += x.narrow(0, s, std::min(kStatsChunk, n - s)).to(torch::kFloat64).sum({0, 2, 3});
  }
  auto mu = sum / count;
  auto sq = torch::zeros({c}, torch::kFloat64);
  for (std::int64_t s = 0; s < n; s += kStatsChunk) {
    auto d = x.narrow(0, s, std::min(kStatsChunk, n - s)).to(torch::kFloat64) - mu.view({1, c, 1, 1});
    sq += (d * d).sum({0, 2, 3});
  }
  auto sd = (sq / count).sqrt();
  mean->assign(mu.data_ptr<double>(), mu.data_ptr<double>() + c);
  stdev->assign(sd.data_ptr<double>(), sd.data_ptr<double>() + c);
}

void normalize_channels(torch::Tensor& x, const std::vector<double>& mean, const std::vector<double>& stdev) {
  const std::int64_t c = x.size(1);
  CURVLAB_CHECK(std::int64_t(mean.size()) == c && std::int64_t(stdev.size()) == c, ConfigError,
                "normalize_channels: " + std::to_string(mean.size()) + " means for " + std::to_string(c) +
                    " channels");
  std::vector<float> m(mean.begin(), mean.end()), sd(c);
  for (std::int64_t i = 0; i < c; ++i) sd[i] = float(stdev[i] < kMinStdev ? 1.0 : stdev[i]);
  x.sub_(torch::tensor(m).view({1, c, 1, 1})).div_(torch::tensor(sd).view({1, c, 1, 1}));
}

}  // namespace curvlab
