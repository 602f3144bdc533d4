#!/usr/bin/python3
"""Bitwise comparison of two curvlab runs: the newest checkpoint of each (model and optimizer
tensors, trainer step) must be identical. Imported by the cluster tests; also a command:
  compare_runs.py RUN_DIR_A RUN_DIR_B     (exit 0 when equal, 1 with the differences printed)
"""
import glob
import os
import sys

import h5py
import numpy as np


def newest_checkpoint(run_dir):
    files = sorted(glob.glob(os.path.join(run_dir, "checkpoints", "*.h5")))
    if not files:
        raise AssertionError(f"{run_dir}: no checkpoint")
    return max(files, key=lambda f: int("".join(c for c in os.path.basename(f) if c.isdigit()) or 0))


def tensors(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and (name.startswith("model/") or name.startswith("optimizer/")
                                                  or name == "trainer/step"):
                out[name] = np.array(obj[()])
        f.visititems(visit)
    return out


def differences(run_a, run_b):
    """A list of human-readable differences (empty when the runs are bitwise equal)."""
    a, b = tensors(newest_checkpoint(run_a)), tensors(newest_checkpoint(run_b))
    diffs = []
    if not any(k.startswith("model/") for k in a):
        diffs.append(f"{run_a}: no model tensors in the checkpoint")
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            diffs.append(f"{name}: only in {'A' if name in a else 'B'}")
        elif a[name].shape != b[name].shape or a[name].tobytes() != b[name].tobytes():
            d = np.max(np.abs(a[name].astype(np.float64) - b[name].astype(np.float64))) if a[name].shape == b[name].shape else "shape"
            diffs.append(f"{name}: differs (max abs diff {d})")
    return diffs


if __name__ == "__main__":
    d = differences(sys.argv[1], sys.argv[2])
    print("\n".join(d) if d else "bitwise equal")
    sys.exit(1 if d else 0)
