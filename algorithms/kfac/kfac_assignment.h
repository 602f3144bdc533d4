// Who computes which K-FAC decomposition, and who preconditions which gradient (KAISA,
// Pauloski et al. 2021). A pure function of the block dimensions, the rank count and the
// grad_worker_fraction, so every rank derives the same assignment without communication.
//
//   inverse owner:  greedy longest-processing-time: blocks in decreasing cost a_dim^3 + g_dim^3
//                   (ties: lower block index first), each to the rank with the least total cost so
//                   far (ties: lowest rank). A block's A and G decompositions stay together.
//   grad workers:   g = clamp(round(fraction * N), 1, N) ranks per block: its owner and the next
//                   g - 1 ranks (mod N). They hold the block's decomposition and precondition its
//                   gradient themselves; g = N is communication-optimal (decompositions are
//                   broadcast, no preconditioned gradient moves), g = 1 memory-optimal (only the
//                   owner holds the decomposition; it broadcasts the preconditioned gradient).
#pragma once

#include <cstdint>
#include <vector>

namespace curvlab {

struct KfacAssignment {
  std::vector<int> owner;        // per block: the rank computing its decomposition
  std::vector<double> load;      // per rank: summed cost of the blocks it owns
  int world = 1;
  int grad_workers = 1;          // g
  bool is_grad_worker(std::size_t block, int rank) const;
};

// dims: per block (a_dim, g_dim).
KfacAssignment assign_kfac_work(const std::vector<std::pair<std::int64_t, std::int64_t>>& dims, int world,
                                double grad_worker_fraction);

}  // namespace curvlab
