// The maps a jacobian job analyses in a trained ResNet: residual units, stages (the units between
// down-samplings) and the whole feature extractor, resolved from jacobian.maps, each as an image
// map with its spatial footprint (for the compressed dense Jacobian). Not for: the maths
// (algorithms/jacobian/) or the job's flow (jacobian_runner.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/jacobian/compressed_jacobian.h"
#include "engine/models/resnet.h"

namespace curvlab {

struct AnalysedMap {
  std::string name;                  // "layer2.1", "layer2", "features"
  std::string kind;                  // "unit", "stage", "features"
  std::int64_t first = 0, last = 0;  // the units [first, last) it chains
  SpatialFootprint footprint;
};

// The map names of `net`: every unit ("layer1.0" ...), every stage ("layer1" ...) and "features".
std::vector<std::string> map_names(const ResNetImpl& net);

// jacobian.maps entries ("units", "stages", "features", a unit or a stage by name) -> the maps, in
// the order written, each once. ConfigError naming the valid names (with a did-you-mean) for an
// unknown entry; `where` prefixes the message (the key's file:line:column).
std::vector<AnalysedMap> resolve_maps(const std::vector<std::string>& entries, const ResNetImpl& net,
                                      const std::string& where);

// The footprint of units [first, last): a stride-1 unit {1, 2}, a stride-2 unit {2, 3}, composed.
SpatialFootprint units_footprint(const ResNetImpl& net, std::int64_t first, std::int64_t last);

// x [B, C, H, W] (the input of unit m.first) -> the output of unit m.last - 1, every unit at the
// network's current scaling (ResNetImpl::set_scaling). `net` must outlive the map.
ImageMap unit_chain(ResNetImpl& net, std::int64_t first, std::int64_t last);

}  // namespace curvlab
