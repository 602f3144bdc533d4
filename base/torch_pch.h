// Precompiled header for every curvlab target: LibTorch's umbrella header, parsed once per build.
#pragma once
#include <torch/torch.h>
