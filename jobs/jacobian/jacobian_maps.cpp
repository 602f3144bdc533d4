// Residual units, stages and the feature extractor of a ResNet as the jacobian job's maps.
#include "jobs/jacobian/jacobian_maps.h"

#include <torch/torch.h>

#include <algorithm>

#include "base/error.h"
#include "jobs/did_you_mean.h"

namespace curvlab {

namespace {

std::int64_t stages(const ResNetImpl& net) { return net.num_units() / net.blocks_per_stage(); }

std::string stage_name(std::int64_t s) { return "layer" + std::to_string(s + 1); }

AnalysedMap unit_map(const ResNetImpl& net, std::int64_t k) {
  return {net.unit_name(k), "unit", k, k + 1, units_footprint(net, k, k + 1)};
}

AnalysedMap stage_map(const ResNetImpl& net, std::int64_t s) {
  const std::int64_t n = net.blocks_per_stage();
  return {stage_name(s), "stage", s * n, (s + 1) * n, units_footprint(net, s * n, (s + 1) * n)};
}

}  // namespace

std::vector<std::string> map_names(const ResNetImpl& net) {
  std::vector<std::string> names;
  for (std::int64_t k = 0; k < net.num_units(); ++k) names.push_back(net.unit_name(k));
  for (std::int64_t s = 0; s < stages(net); ++s) names.push_back(stage_name(s));
  names.push_back("features");
  return names;
}

SpatialFootprint units_footprint(const ResNetImpl& net, std::int64_t first, std::int64_t last) {
  SpatialFootprint fp{1, 0};
  for (std::int64_t k = first; k < last; ++k) {
    const SpatialFootprint unit = net.unit_stride(k) == 1 ? SpatialFootprint{1, 2} : SpatialFootprint{2, 3};
    fp = compose(fp, unit);
  }
  return fp;
}

std::vector<AnalysedMap> resolve_maps(const std::vector<std::string>& entries, const ResNetImpl& net,
                                      const std::string& where) {
  std::vector<AnalysedMap> maps;
  auto add = [&](AnalysedMap m) {
    for (const AnalysedMap& have : maps) {
      if (have.name == m.name) return;
    }
    maps.push_back(std::move(m));
  };
  const std::vector<std::string> names = map_names(net);
  for (const std::string& e : entries) {
    if (e == "units") {
      for (std::int64_t k = 0; k < net.num_units(); ++k) add(unit_map(net, k));
    } else if (e == "stages") {
      for (std::int64_t s = 0; s < stages(net); ++s) add(stage_map(net, s));
    } else if (e == "features") {
      add({"features", "features", 0, net.num_units(), units_footprint(net, 0, net.num_units())});
    } else {
      bool found = false;
      for (std::int64_t k = 0; k < net.num_units() && !found; ++k) {
        if (net.unit_name(k) == e) {
          add(unit_map(net, k));
          found = true;
        }
      }
      for (std::int64_t s = 0; s < stages(net) && !found; ++s) {
        if (stage_name(s) == e) {
          add(stage_map(net, s));
          found = true;
        }
      }
      if (!found) {
        std::vector<std::string> allowed = {"units", "stages", "features"};
        allowed.insert(allowed.end(), names.begin(), names.end());
        const std::string near = closest_match(e, allowed);
        CURVLAB_THROW(ConfigError, where + ": jacobian.maps: the checkpoint's ResNet has no map \"" + e + "\"" +
                                       (near.empty() ? "" : " (did you mean \"" + near + "\"?)") +
                                       "; the maps are \"units\", \"stages\", \"features\" or one of " +
                                       join_names(names));
      }
    }
  }
  return maps;
}

ImageMap unit_chain(ResNetImpl& net, std::int64_t first, std::int64_t last) {
  CURVLAB_CHECK(first >= 0 && first < last && last <= net.num_units(), ConfigError,
                "unit chain [" + std::to_string(first) + ", " + std::to_string(last) + ") outside the network's " +
                    std::to_string(net.num_units()) + " units");
  ResNetImpl* p = &net;
  return [p, first, last](const torch::Tensor& x) {
    torch::Tensor h = x;
    for (std::int64_t k = first; k < last; ++k) h = p->unit(k)->forward_scaled(h, p->alpha(), p->beta());
    return h;
  };
}

}  // namespace curvlab
