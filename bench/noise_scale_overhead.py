#!/usr/bin/python3
"""Cost of measuring the gradient noise scale (train.noise_scale): curvlab with it on against the
same run with it off, alternating in one session, same model, batch, ranks and data (Fashion-MNIST).
On N >= 2 ranks the estimate comes from the per-rank gradients (extra: one squared norm per
parameter gradient in the reducer hook, one over the reduced gradient, 3 more numbers in the
per-step allreduce); on 1 rank the step runs as two micro-batches.
Throughput = batch * (steps - warmup) / time of those steps, from results.h5 /metrics/step/wall_time.
Prints each measurement, the medians and the ratio (on / off).

  /usr/bin/python3 bench/noise_scale_overhead.py --curvlab build/curvlab [--ranks 2] [--model convnet]
      [--batch 256] [--steps 120] [--warmup 10] [--repeats 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def job(out, model, batch, steps, threads, noise):
    return f'''[job]
name = "noise_bench"
output_dir = "{out}"
[data]
dataset = "fashion-mnist"
[model]
name = "{model}"
[train]
steps = {steps}
batch_size = {batch}
lr = 0.02
momentum = 0.9
threads = {threads}
eval_every_steps = 1000000
checkpoint_every_steps = 1000000
log_every_seconds = 1000
noise_scale = {"true" if noise else "false"}
'''


def measure(args, tmp, noise, k):
    out = os.path.join(tmp, f'run_{noise}_{k}')
    path = out + '.toml'
    threads = max(1, 2 // args.ranks)
    with open(path, 'w') as f:
        f.write(job(out, args.model, args.batch, args.steps, threads, noise))
    cmd = [args.curvlab, 'run', path, '--quiet']
    if args.ranks > 1:
        cmd = ['mpirun', '--oversubscribe', '--allow-run-as-root', '--bind-to', 'none', '-np', str(args.ranks)] + cmd
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    with h5py.File(os.path.join(out, 'results.h5'), 'r') as f:
        wall = np.asarray(f['metrics/step/wall_time'][()])
        ns = np.asarray(f['metrics/step/noise_scale'][()])
    if noise and not np.isfinite(ns[-1]):
        sys.exit('FAIL: noise scale not measured')
    return args.batch * (args.steps - args.warmup) / (wall[-1] - wall[args.warmup - 1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--curvlab', required=True)
    p.add_argument('--ranks', type=int, default=2)
    p.add_argument('--model', default='convnet')
    p.add_argument('--batch', type=int, default=256)
    p.add_argument('--steps', type=int, default=120)
    p.add_argument('--warmup', type=int, default=10)
    p.add_argument('--repeats', type=int, default=3)
    args = p.parse_args()
    on, off = [], []
    with tempfile.TemporaryDirectory(prefix='curvlab_noise_bench_') as tmp:
        for k in range(args.repeats):
            off.append(measure(args, tmp, False, k))
            on.append(measure(args, tmp, True, k))
            print(f'repeat {k}: noise_scale off {off[-1]:.0f} samples/s, on {on[-1]:.0f} samples/s', flush=True)
    m_on, m_off = statistics.median(on), statistics.median(off)
    print(f'{args.model}, batch {args.batch}, {args.ranks} rank(s): median off {m_off:.0f}, on {m_on:.0f} '
          f'samples/s; ratio on/off {m_on / m_off:.3f}')


if __name__ == '__main__':
    main()
