#!/usr/bin/python3
"""Runs the K-FAC benchmarks of docs/performance.md ("K-FAC") in one go and prints their output:
  1. bench_kfac step (curvlab: SGD vs K-FAC at (1, 1) and (10, 100), median of 5 alternating repeats)
  2. kfac_torch.py (the same configurations in a straightforward PyTorch K-FAC, same libtorch)
  3. bench_kfac inverse under mpirun with 1, 2 and 4 ranks (ResNet-32)

  bench/kfac_run.py BUILD_DIR [model] [batch] [steps] [threads]

Exit status 1 when any benchmark's own correctness check fails.
"""
import os
import subprocess
import sys


def run(cmd, env):
    print('$ ' + ' '.join(cmd), flush=True)
    proc = subprocess.run(cmd, env=env)
    return proc.returncode


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    build = sys.argv[1]
    model = sys.argv[2] if len(sys.argv) > 2 else 'convnet'
    batch = sys.argv[3] if len(sys.argv) > 3 else '256'
    steps = sys.argv[4] if len(sys.argv) > 4 else '200'
    threads = sys.argv[5] if len(sys.argv) > 5 else '2'
    # Both implementations run their eigendecompositions with one OpenBLAS thread (see
    # kfac_math.cpp); everything else uses the threads given.
    env = dict(os.environ, OMP_NUM_THREADS=threads)
    here = os.path.dirname(os.path.abspath(__file__))
    bench = os.path.join(build, 'bench', 'bench_kfac')
    rc = run([bench, 'step', model, batch, steps, threads, '5'], env)
    rc |= run(['/usr/bin/python3', os.path.join(here, 'kfac_torch.py'), model, batch, steps, threads, '5'], env)
    env1 = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
    for np in (1, 2, 4):
        rc |= run(['mpirun', '--oversubscribe', '--allow-run-as-root', '--bind-to', 'none', '--mca', 'btl',
                   'self,vader', '-np', str(np), bench, 'inverse', 'resnet32', '5'], env1)
    return 1 if rc else 0


if __name__ == '__main__':
    sys.exit(main())
