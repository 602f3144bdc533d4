#!/usr/bin/python3
"""Data-parallel semantics of `curvlab run` under a real mpirun: N ranks give the 1-rank result.

Usage: trainer_test.py CASE CURVLAB MPIRUN [MPIRUN_FLAGS...]
CASE:
  mlp      mlp on synthetic data, global batch 24 (even for 1-4 ranks) and 26 (uneven for 3, 4);
           parameters after K steps with 1, 2, 3, 4 ranks match the 1-rank run
  syncbn   resnet20 (batch norm) with comm.sync_batchnorm = true, batch 26 (uneven for 3, 4):
           parameters AND running statistics match the 1-rank run; with local batch norm they
           do not (the control: the test would notice if synchronisation silently did nothing)
  resume   a run checkpointed under 2 ranks and resumed under 1, and one under 1 resumed under 3,
           end equal to the uninterrupted 1-rank run; so does an AdamW (amsgrad) run with a step
           schedule of lr and weight decay (step_every, weight_decay_gamma), 2 ranks resumed under 1
  schedule a cyclical batch schedule (triangular, 16..48 in steps) with the gradient noise scale, for
           SGD and K-FAC: 2 and 3 ranks match the 1-rank parameters; the noise-scale columns of 2
           ranks (per-rank gradients) equal those of 1 rank (two micro-batches: the same halves);
           a run checkpointed mid-cycle under 2 ranks and resumed under 1 ends equal, snapshot
           ensemble included
Tolerance: for every tensor, max|a - b| <= 1e-5 * max(max|b|, 1e-3) (relative to the tensor's scale).
"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

RTOL = 1e-5


def job(out, model_section, batch, steps, extra=''):
    return f'''[job]
name = "ranks"
output_dir = "{out}"
seed = 11
[data]
dataset = "synthetic"
synthetic_train = 208
synthetic_test = 64
synthetic_shape = {SHAPES[model_section]}
synthetic_classes = 5
[model]
{MODELS[model_section]}
[train]
steps = {steps}
batch_size = {batch}
lr = 0.05
momentum = 0.9
nesterov = true
weight_decay = 1e-3
checkpoint_every_steps = 3
keep_last = 5
threads = 1
log_every_seconds = 1000
{extra}
'''


MODELS = {'mlp': 'name = "mlp"\nwidths = [32, 16]\nactivation = "tanh"', 'resnet': 'name = "resnet20"'}
SHAPES = {'mlp': '[1, 6, 6]', 'resnet': '[3, 8, 8]'}


class Runner:
    def __init__(self, curvlab, mpirun, flags, tmp):
        self.curvlab, self.mpirun, self.flags, self.tmp = curvlab, mpirun, flags, tmp
        self.count = 0

    def run(self, np_, text, *args, out=None):
        self.count += 1
        if out is None:
            out = os.path.join(self.tmp, f'run{self.count}')
        path = os.path.join(self.tmp, f'job{self.count}.toml')
        with open(path, 'w') as f:
            f.write(text.replace('@OUT@', out))
        cmd = [self.mpirun] + self.flags + ['-np', str(np_), self.curvlab, 'run', path, '--quiet'] + list(args)
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=dict(os.environ, OMP_NUM_THREADS='1'))
        if r.returncode != 0:
            print(r.stdout)
            raise SystemExit(f'FAIL: {" ".join(cmd)} exited {r.returncode}')
        return out


def final_state(out):
    ckpts = sorted(os.listdir(os.path.join(out, 'checkpoints')))
    with h5py.File(os.path.join(out, 'checkpoints', ckpts[-1]), 'r') as f:
        step = int(f['trainer/step'][()])
        return step, {k: np.asarray(v[()], dtype=np.float64) for k, v in f['model'].items()}


def compare(label, a, b, expect_equal=True):
    """Returns the worst relative difference; fails when it breaks the expectation."""
    step_a, ta = a
    step_b, tb = b
    assert step_a == step_b, f'{label}: steps differ ({step_a} vs {step_b})'
    assert ta.keys() == tb.keys(), f'{label}: tensor names differ'
    worst, worst_name = 0.0, ''
    for k in tb:
        scale = max(np.abs(tb[k]).max(initial=0.0), 1e-3)
        rel = np.abs(ta[k] - tb[k]).max(initial=0.0) / scale
        if rel > worst:
            worst, worst_name = rel, k
    ok = worst <= RTOL if expect_equal else worst > 100 * RTOL
    print(f'{"ok  " if ok else "FAIL"} {label}: max relative difference {worst:.2e} ({worst_name or "-"}), '
          f'expected {"<=" if expect_equal else ">>"} {RTOL:g}', flush=True)
    return ok


def case_mlp(r):
    ok = True
    for batch in (24, 26):
        text = job('@OUT@', 'mlp', batch, 8)
        ref = final_state(r.run(1, text))
        for n in (2, 3, 4):
            ok &= compare(f'mlp batch {batch}: {n} ranks vs 1', final_state(r.run(n, text)), ref)
    return ok


def case_syncbn(r):
    ok = True
    sync = job('@OUT@', 'resnet', 26, 4, '[comm]\nsync_batchnorm = true')
    ref = final_state(r.run(1, sync))
    for n in (2, 3, 4):
        ok &= compare(f'resnet20 sync batch norm, batch 26: {n} ranks vs 1', final_state(r.run(n, sync)), ref)
    local = job('@OUT@', 'resnet', 26, 4)
    ok &= compare('resnet20 LOCAL batch norm: 2 ranks vs 1 (must differ)', final_state(r.run(2, local)), ref,
                  expect_equal=False)
    return ok


ADAMW = ('momentum = 0.9\nnesterov = true\n', 'optimizer = "adamw"\nadam.amsgrad = true\n')
STEP_EVERY = '[train.lr_schedule]\nkind = "step"\nstep_every = 0.5\ngamma = 0.9\nweight_decay_gamma = 0.8'


def case_resume(r):
    ok = True
    for name, adamw in (('sgd', False), ('adamw', True)):
        def text(steps):
            t = job('@OUT@', 'mlp', 26, steps, STEP_EVERY if adamw else '')
            return t.replace(*ADAMW) if adamw else t
        full = text(12)
        ref = final_state(r.run(1, full))
        for first, second in ((2, 1), (1, 3)) if not adamw else ((2, 1),):
            out = os.path.join(r.tmp, f'resume_{name}_{first}_{second}')
            r.run(first, text(6), out=out)            # checkpoint at step 6
            r.run(second, full, '--resume', out=out)  # continues to step 12
            ok &= compare(f'{name}: checkpoint under {first} rank(s) at step 6, resumed under {second} to step 12 vs '
                          f'uninterrupted 1 rank', final_state(out), ref)
    return ok


SCHEDULE = '''noise_scale = true
{optimizer}
[train.batch_schedule]
kind = "cyclical"
unit = "steps"
min_batch_size = 16
max_batch_size = 48
cycle_length = 5
shape = "triangular"
multiple_of = 2
'''


def read_csv(path):
    with open(path) as f:
        header = f.readline().strip().split(',')
        rows = [[float(v) for v in line.strip().split(',')] for line in f if line.strip()]
    return {h: np.array([row[i] for row in rows]) for i, h in enumerate(header)}


def compare_columns(label, a, b, columns, rtol):
    ok = True
    for c in columns:
        x, y = a[c], b[c]
        good = x.shape == y.shape and np.all(np.isfinite(y)) and np.allclose(x, y, rtol=rtol, atol=0)
        worst = np.max(np.abs(x - y) / np.abs(y)) if x.shape == y.shape else float('inf')
        print(f'{"ok  " if good else "FAIL"} {label}: column {c} max relative difference {worst:.2e} '
              f'(limit {rtol:g})', flush=True)
        ok &= bool(good)
    return ok


def case_schedule(r):
    ok = True
    for optimizer in ('', 'optimizer = "kfac"'):
        name = 'kfac' if optimizer else 'sgd'
        text = job('@OUT@', 'mlp', 16, 12, SCHEDULE.format(optimizer=optimizer))
        ref_out = r.run(1, text)
        ref = final_state(ref_out)
        ref_steps = read_csv(os.path.join(ref_out, 'metrics_steps.csv'))
        # 16 + 32 (1 - |2t - 1|), t = k / 5, rounded to even; the 208-sample epoch ends with a batch of 8
        expected = [16, 28, 42, 42, 28, 16, 28, 8, 42, 28, 16, 28]
        batches = [int(b) for b in ref_steps['batch_size']]
        good = batches == expected
        print(f'{"ok  " if good else "FAIL"} {name}: batch sizes {batches}', flush=True)
        ok &= good
        for n in (2, 3):
            out = r.run(n, text)
            ok &= compare(f'{name} cyclical schedule: {n} ranks vs 1', final_state(out), ref)
            if n == 2:
                ok &= compare_columns(f'{name} noise scale: 2 ranks vs 1 rank with 2 micro-batches',
                                      read_csv(os.path.join(out, 'metrics_steps.csv')), ref_steps,
                                      ['grad_sq_norm', 'trace_sigma', 'noise_scale'], 1e-4)
        out = os.path.join(r.tmp, f'schedule_resume_{name}')
        r.run(2, job('@OUT@', 'mlp', 16, 7, SCHEDULE.format(optimizer=optimizer)), out=out)  # mid-cycle 2
        r.run(1, text, '--resume', out=out)
        ok &= compare(f'{name}: checkpoint mid-cycle under 2 ranks, resumed under 1 vs uninterrupted',
                      final_state(out), ref)
        ok &= compare_columns(f'{name}: snapshot ensemble after resume',
                              read_csv(os.path.join(out, 'metrics_snapshots.csv')),
                              read_csv(os.path.join(ref_out, 'metrics_snapshots.csv')),
                              ['ensemble_size', 'ensemble_accuracy', 'ensemble_loss'], 1e-5)
    return ok


def main(argv):
    if len(argv) < 3 or argv[0] not in ('mlp', 'syncbn', 'resume', 'schedule'):
        print(__doc__, file=sys.stderr)
        return 2
    case, curvlab, mpirun, flags = argv[0], argv[1], argv[2], argv[3:]
    tmp = tempfile.mkdtemp(prefix=f'curvlab_ranks_{case}_')
    try:
        ok = {'mlp': case_mlp, 'syncbn': case_syncbn, 'resume': case_resume, 'schedule': case_schedule}[case](Runner(curvlab, mpirun, flags, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
