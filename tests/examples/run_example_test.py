#!/usr/bin/python3
"""Runs a shipped example job end to end with `curvlab run` and checks the test accuracy it
reports in results.h5 (/summary/test_accuracy) against a floor, and that the files a user is
told about exist (results.h5, both CSVs, a valid checkpoint, job.toml).

Usage: run_example_test.py CURVLAB EXAMPLE MIN_ACCURACY [--set key=value ...]
(the output directory is always a fresh temporary one).
"""
import os
import shutil
import subprocess
import sys
import tempfile

import h5py


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    curvlab, example, floor, sets = argv[0], argv[1], float(argv[2]), argv[3:]
    tmp = tempfile.mkdtemp(prefix='curvlab_example_')
    out = os.path.join(tmp, 'run')
    try:
        cmd = [curvlab, 'run', example, '--set', f'job.output_dir={out}'] + sets
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        print(r.stdout[-3000:])
        if r.returncode != 0:
            print(f'FAIL: {" ".join(cmd)} exited {r.returncode}')
            return 1
        for f in ('results.h5', 'metrics_steps.csv', 'metrics_evals.csv', 'job.toml'):
            if not os.path.isfile(os.path.join(out, f)):
                print(f'FAIL: {f} missing from the output directory')
                return 1
        ckpts = sorted(os.listdir(os.path.join(out, 'checkpoints')))
        if not ckpts:
            print('FAIL: no checkpoint written')
            return 1
        with h5py.File(os.path.join(out, 'results.h5'), 'r') as f:
            acc = float(f['summary/test_accuracy'][()])
            steps = int(f['summary/steps'][()])
        ok = acc >= floor
        print(f'{"ok" if ok else "FAIL"}: {os.path.basename(example)} {" ".join(sets)}: {steps} steps, '
              f'test accuracy {acc:.4f} (floor {floor})')
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
