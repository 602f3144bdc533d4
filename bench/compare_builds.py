#!/usr/bin/python3
"""Two curvlab builds side by side in one run (e.g. before and after a refactor): the same jobs,
alternating before/after over repeats, medians and every repeat, and the after/before ratio.

Each configuration is a `curvlab run` of a generated job on Fashion-MNIST; the step time is the
median of the per-step wall-time differences in results.h5 (/metrics/step/wall_time), the first
`--warmup` steps left out; a Hessian configuration is a `curvlab run` of a hessian job on a
checkpoint the first build writes, timed by the estimators' own /trace/seconds and
/eigen/seconds. The numbers of both builds are compared too (the final loss and the Hessian
estimates must be equal), so a faster build that computes something else is caught.

  /usr/bin/python3 bench/compare_builds.py --before /work/base/build/curvlab --after build/curvlab
      [--repeats 5] [--steps 60] [--warmup 10] [--threads 1] [--only sgd,kfac,hessian,ranks2]

Prints one line per measurement, then a table: configuration, median before, median after,
after/before (below 1 is faster). Exit status 1 when the two builds' numbers differ.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

import h5py
import numpy as np

MPIRUN = ['mpirun', '--oversubscribe', '--allow-run-as-root', '--bind-to', 'none', '--mca', 'btl', 'self,vader']

# name: (model, batch, [--set ...] extra, ranks)
CONFIGS = {
    'sgd': ('convnet', 128, [], 1),
    'kfac': ('lenet5', 256, ['train.optimizer="kfac"', 'kfac.factor_update_freq=10', 'kfac.inv_update_freq=100'], 1),
    'ranks2': ('convnet', 128, [], 2),
}


def job_text(out_dir, model, batch, steps, threads):
    return f'''[job]
name = "bench"
output_dir = "{out_dir}"
seed = 1
[data]
dataset = "fashion-mnist"
[model]
name = "{model}"
[train]
steps = {steps}
batch_size = {batch}
lr = 0.05
momentum = 0.9
threads = {threads}
eval_every_steps = {steps}
checkpoint_every_steps = {steps}
log_every_seconds = 1000
'''


def run_train(curvlab, tmp, tag, cfg, args):
    model, batch, extra, ranks = CONFIGS[cfg]
    out = os.path.join(tmp, f'{cfg}_{tag}')
    shutil.rmtree(out, ignore_errors=True)
    path = os.path.join(tmp, f'{cfg}.toml')
    with open(path, 'w') as f:
        f.write(job_text(out, model, batch, args.steps, args.threads))
    cmd = [curvlab, 'run', path, '--quiet']
    for s in extra:
        cmd += ['--set', s]
    if ranks > 1:
        cmd = MPIRUN + ['-np', str(ranks)] + cmd
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with h5py.File(os.path.join(out, 'results.h5'), 'r') as f:
        wall = np.asarray(f['metrics/step/wall_time'])
        loss = float(np.asarray(f['metrics/step/loss'])[-1])
    step_ms = float(np.median(np.diff(wall[args.warmup:]))) * 1e3
    return step_ms, loss, out


def run_hessian(curvlab, tmp, tag, ckpt_run, args):
    out = os.path.join(tmp, f'hessian_{tag}')
    shutil.rmtree(out, ignore_errors=True)
    path = os.path.join(tmp, 'hessian.toml')
    with open(path, 'w') as f:
        f.write(f'''[job]
name = "bench-hessian"
kind = "hessian"
output_dir = "{out}"
seed = 3
[train]
threads = {args.threads}
[hessian]
checkpoint = "{ckpt_run}"
samples = 256
trace = true
eigenvalues = true
per_layer = false
density = false
trace_min_samples = 10
trace_max_samples = 10
eigen_max_iter = 10
plots = false
''')
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    subprocess.run([curvlab, 'run', path, '--quiet'], check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with h5py.File(os.path.join(out, 'hessian.h5'), 'r') as f:
        secs = float(f['trace/seconds'][()]) + float(f['eigen/seconds'][()])
        numbers = (float(f['trace/total'][()]), float(np.asarray(f['eigen/values'])[0]))
    return secs * 1e3, numbers


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--before', required=True, help='the curvlab binary to compare against')
    ap.add_argument('--after', required=True, help='the curvlab binary under test')
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--steps', type=int, default=60)
    ap.add_argument('--warmup', type=int, default=10)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--only', default='sgd,kfac,hessian,ranks2')
    args = ap.parse_args()
    wanted = args.only.split(',')
    builds = {'before': os.path.abspath(args.before), 'after': os.path.abspath(args.after)}
    times = {}
    mismatch = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            order = ['before', 'after'] if r % 2 == 0 else ['after', 'before']
            for cfg in [c for c in wanted if c in CONFIGS]:
                losses = {}
                for tag in order:
                    ms, loss, _ = run_train(builds[tag], tmp, tag, cfg, args)
                    times.setdefault(cfg, {}).setdefault(tag, []).append(ms)
                    losses[tag] = loss
                    print(f'repeat {r + 1} {cfg:8s} {tag:6s} {ms:8.2f} ms/step  final loss {loss:.9g}', flush=True)
                if losses['before'] != losses['after']:
                    mismatch.append(f'{cfg}: final loss {losses["before"]!r} before, {losses["after"]!r} after')
            if 'hessian' in wanted:
                if r == 0:  # one checkpoint for both builds, written by the first
                    _, _, ckpt_run = run_train(builds['before'], tmp, 'ckpt', 'sgd', args)
                numbers = {}
                for tag in order:
                    ms, numbers[tag] = run_hessian(builds[tag], tmp, tag, ckpt_run, args)
                    times.setdefault('hessian', {}).setdefault(tag, []).append(ms)
                    print(f'repeat {r + 1} hessian  {tag:6s} {ms:8.1f} ms (trace + top eigenvalue)  '
                          f'trace {numbers[tag][0]:.9g} top {numbers[tag][1]:.9g}', flush=True)
                if numbers['before'] != numbers['after']:
                    mismatch.append(f'hessian: {numbers["before"]} before, {numbers["after"]} after')
    print('\n| configuration | before (median) | after (median) | after / before | repeats before | repeats after |')
    print('| --- | --- | --- | --- | --- | --- |')
    units = {'hessian': 'ms'}
    for cfg, t in times.items():
        b, a = statistics.median(t['before']), statistics.median(t['after'])
        unit = units.get(cfg, 'ms/step')
        print(f'| {cfg} | {b:.2f} {unit} | {a:.2f} {unit} | {a / b:.3f} | '
              f'{", ".join(f"{x:.1f}" for x in t["before"])} | {", ".join(f"{x:.1f}" for x in t["after"])} |')
    for m in mismatch:
        print(f'NUMBERS DIFFER: {m}')
    return 1 if mismatch else 0


if __name__ == '__main__':
    sys.exit(main())
