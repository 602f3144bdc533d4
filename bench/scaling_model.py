#!/usr/bin/python3
"""Alpha-beta model of data-parallel scaling: projected weak-scaling efficiency for p = 8..1024
GPUs from a measured compute time per step and the gradient size.

Allreduce of n bytes over p ranks (Thakur et al. 2005; the NCCL algorithms):
  ring:  T = 2 (p - 1) alpha + 2 (p - 1) / p * n / beta
  tree:  T = 2 log2(p) alpha + 2 n / beta        (double binary tree, pipelined: bandwidth term ~ 2n/beta)
  NCCL picks the faster one; we take min(ring, tree).
Parameters ("NCCL-class", stated, not measured here): 8 GPUs per node on NVLink
(alpha 5 us, beta 130 GB/s bus bandwidth) inside a node; across nodes InfiniBand HDR 200 Gb/s
per GPU (alpha 15 us, beta 20 GB/s); the slowest link bounds a hierarchical allreduce.
Efficiency with the allreduce overlapped with backward (fraction `overlap` of the compute time
can hide communication; DDP/curvlab buckets overlap with the backward pass, about 2/3 of a step):
  step(p) = compute + max(0, T(p) - overlap * compute);  efficiency = compute / step(p).
Also printed: no overlap at all (efficiency = compute / (compute + T)).

  /usr/bin/python3 bench/scaling_model.py --compute-ms 40 --bytes 1.7e6
"""
import argparse
import math

INTRA = (5e-6, 130e9)   # alpha (s), beta (bytes/s): NVLink inside a node
INTER = (15e-6, 20e9)   # InfiniBand HDR 200 Gb/s per GPU across nodes
GPUS_PER_NODE = 8


def allreduce_time(nbytes, p):
    if p <= 1:
        return 0.0
    alpha, beta = INTRA if p <= GPUS_PER_NODE else INTER
    ring = 2 * (p - 1) * alpha + 2 * (p - 1) / p * nbytes / beta
    tree = 2 * math.log2(p) * alpha + 2 * nbytes / beta
    return min(ring, tree)


def print_projection(compute_s, nbytes, overlap=2.0 / 3.0):
    print(f'alpha-beta projection: compute {compute_s * 1e3:.2f} ms/step (measured), gradient {nbytes / 1e6:.2f} MB, '
          f'intra-node alpha {INTRA[0] * 1e6:g} us beta {INTRA[1] / 1e9:g} GB/s, inter-node alpha {INTER[0] * 1e6:g} us '
          f'beta {INTER[1] / 1e9:g} GB/s, overlap {overlap:.2f} of compute')
    print(f'{"GPUs":>6} {"allreduce ms":>13} {"eff (overlap)":>14} {"eff (none)":>11}')
    for p in (8, 16, 32, 64, 128, 256, 512, 1024):
        t = allreduce_time(nbytes, p)
        step = compute_s + max(0.0, t - overlap * compute_s)
        print(f'{p:>6} {t * 1e3:>13.3f} {compute_s / step:>14.3f} {compute_s / (compute_s + t):>11.3f}')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--compute-ms', type=float, required=True, help='measured compute time per step (ms)')
    p.add_argument('--bytes', type=float, required=True, help='gradient bytes allreduced per step')
    p.add_argument('--overlap', type=float, default=2.0 / 3.0)
    a = p.parse_args()
    print_projection(a.compute_ms / 1e3, a.bytes, a.overlap)


if __name__ == '__main__':
    main()
