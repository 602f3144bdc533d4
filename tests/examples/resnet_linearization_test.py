#!/usr/bin/python3
"""The Jacobian study's examples at smoke size: examples/narrow_resnet_fashion_mnist.toml for 30 steps,
then examples/resnet_linearization.toml on its checkpoint with 2 images, two maps, the four
directions at one size; checks that both run, that jacobian.h5 holds the dense singular values of
layer3.2 (784 per image, sigma_1 equal to Lanczos' top value within 1e-6) and growth for every
direction, and that the study's own settings are what docs/jacobian.md reports.

usage: resnet_linearization_test.py CURVLAB EXAMPLES_DIR
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

curvlab, examples = sys.argv[1], sys.argv[2]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(cmd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=500)


tmp = tempfile.mkdtemp(prefix="curvlab_linearization_")
r = run([curvlab, "run", os.path.join(examples, "narrow_resnet_fashion_mnist.toml"), "--quiet",
         "--set", "train.steps=30", "--set", f"job.output_dir={tmp}/narrow"])
check(r.returncode == 0, "narrow resnet trains 30 steps\n" + r.stdout + r.stderr)
r = run([curvlab, "run", os.path.join(examples, "resnet_linearization.toml"), "--quiet",
         "--set", f"jacobian.checkpoint={tmp}/narrow", "--set", f"job.output_dir={tmp}/study",
         "--set", "jacobian.samples=2", "--set", "jacobian.batch_size=2",
         "--set", 'jacobian.maps=["layer3.2", "layer3"]', "--set", "jacobian.perturbation.sizes=[0.1]",
         "--set", "jacobian.tr.max_iter=30", "--set", "jacobian.deepfool.max_iter=10"])
check(r.returncode == 0, "the study runs at smoke size\n" + r.stdout + r.stderr)
if r.returncode == 0:
    with h5py.File(f"{tmp}/study/jacobian.h5", "r") as f:
        g = "scalings/alpha1_beta1/"
        sv = f[g + "maps/layer3.2/dense/singular_values"][()]
        top = f[g + "maps/layer3.2/lanczos/top"][()]
        check(sv.shape == (2, 784), f"784 singular values per image ({sv.shape})")
        check(np.abs(sv[:, 0] - top[:, 0]).max() <= 1e-6 * sv[:, 0].max(), "dense sigma_1 = Lanczos top value")
        for d in ("random", "fgsm", "deepfool", "tr"):
            check(f[g + f"perturbation/{d}/growth"].shape == (2, 1, 10), f"{d}: growth per image, size, position")
with open(os.path.join(examples, "resnet_linearization.toml")) as f:
    text = f.read()
check("samples = 50" in text and 'directions = ["random", "fgsm", "deepfool", "tr"]' in text,
      "the study's settings are those docs/jacobian.md reports")

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
