#!/usr/bin/python3
"""The README's main job, reduced: examples/scaling_study.toml with a smaller grid (SGD and K-FAC,
batch 512 and 2048, lr 0.05, one seed, 2 epochs) under `mpirun -np 2 curvlab run`, then
`curvlab report`. Checks: every run finished; the report's steps to target per (optimizer, batch)
equal the smallest target_step that the runs themselves recorded in results.h5; the noise scale
was measured (finite); the summary, CSV and plots (PNG signature, SVG) exist.

Usage: scaling_study_test.py CURVLAB EXAMPLE MPIRUN [MPIRUN_FLAGS...]
"""
import csv
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

import h5py


def reduced(text, out):
    text = re.sub(r'output_dir = "runs/scaling"', f'output_dir = "{out}"', text)
    text = re.sub(r'budget_epochs = \d+', 'budget_epochs = 2', text)
    grid = text.index('[sweep.grid]')
    return text[:grid] + ('[sweep.grid]\n"train.optimizer" = ["sgd", "kfac"]\n'
                          '"train.batch_size" = [512, 2048]\n"train.lr" = [0.05]\n')


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    curvlab, example, mpirun, flags = argv[0], argv[1], argv[2], argv[3:]
    tmp = tempfile.mkdtemp(prefix='curvlab_scaling_study_')
    out = os.path.join(tmp, 'scaling')
    ok = True
    try:
        job = os.path.join(tmp, 'study.toml')
        with open(example) as f, open(job, 'w') as g:
            g.write(reduced(f.read(), out))
        r = subprocess.run([mpirun] + flags + ['-np', '2', curvlab, 'run', job], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, env=dict(os.environ, OMP_NUM_THREADS='1'))
        print(r.stdout[-2500:])
        if r.returncode != 0:
            print(f'FAIL: the sweep exited {r.returncode}')
            return 1
        r = subprocess.run([curvlab, 'report', out], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(r.stdout[-2500:])
        if r.returncode != 0:
            print(f'FAIL: curvlab report exited {r.returncode}')
            return 1

        # What the runs recorded themselves: (optimizer, batch) -> smallest target_step.
        recorded = {}
        with open(os.path.join(out, 'sweep.tsv')) as f:
            rows = list(csv.DictReader(f, delimiter='\t'))
        if len(rows) != 4:
            print(f'FAIL: sweep.tsv lists {len(rows)} runs, expected 4')
            return 1
        for row in rows:
            run_dir = os.path.join(out, row['run_dir'])
            with open(os.path.join(run_dir, 'status')) as f:
                status = f.read().strip()
            ok &= status == 'done'
            with h5py.File(os.path.join(run_dir, 'results.h5'), 'r') as h:
                reached = int(h['summary/target_reached'][()])
                step = float(h['summary/target_step'][()])
            key = (row['train.optimizer'].strip('"'), int(row['train.batch_size']))
            if reached:
                recorded[key] = min(recorded.get(key, math.inf), step)
            with open(os.path.join(run_dir, 'metrics_steps.csv')) as f:
                noise = [float(r['noise_scale']) for r in csv.DictReader(f)]
            finite = any(math.isfinite(v) and v > 0 for v in noise)
            print(f'{"ok  " if finite and status == "done" else "FAIL"} run {row["id"]} {key}: status {status}, '
                  f'target reached {reached} at step {step}, noise scale measured {finite}')
            ok &= finite

        with open(os.path.join(out, 'report', 'steps_to_target.csv')) as f:
            table = list(csv.DictReader(f))
        for row in table:
            key = (row['optimizer'], int(row['batch_size']))
            steps = float(row['steps'])
            want = recorded.get(key, math.inf)
            good = steps == want
            print(f'{"ok  " if good else "FAIL"} report {key}: steps to target {steps}, runs recorded {want}')
            ok &= good
        ok &= len(table) == 4
        for name in ('summary.md', 'steps_to_target.md', 'steps_to_target.png', 'steps_to_target.svg'):
            path = os.path.join(out, 'report', name)
            exists = os.path.isfile(path) and os.path.getsize(path) > 0
            if exists and name.endswith('.png'):
                with open(path, 'rb') as f:
                    exists = f.read(8) == b'\x89PNG\r\n\x1a\n'
            if exists and name.endswith('.svg'):
                with open(path) as f:
                    exists = '<svg' in f.read(4096)
            print(f'{"ok  " if exists else "FAIL"} report file {name}')
            ok &= exists
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
