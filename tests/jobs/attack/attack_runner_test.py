#!/usr/bin/python3
"""The attack job end to end: train a tiny MLP on synthetic data with the CLI, attack its
checkpoint with every method, both norms and two JumpReLU kappas on 1 rank and under mpirun with
3 ranks (41 images in batches of 8: ranks hold 2, 2 and 2 batches, the last one short), and check
that every per-image record and saved example is bitwise the same (times excepted); the CSVs and
plots; bad input: a corrupt checkpoint exits 4, more samples than the split exits 2, both with a
message and no output directory.

usage: attack_runner_test.py CURVLAB MPIRUN [MPIRUN FLAGS...]
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

curvlab, mpirun, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(cmd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=280)


tmp = tempfile.mkdtemp(prefix="curvlab_attack_")
train = os.path.join(tmp, "train.toml")
with open(train, "w") as f:
    f.write(f"""[job]
name = "tiny"
output_dir = "{tmp}/train"
[data]
dataset = "synthetic"
synthetic_train = 256
synthetic_test = 64
synthetic_shape = [1, 4, 4]
synthetic_classes = 3
[model]
name = "mlp"
widths = [12, 8]
[train]
epochs = 3
batch_size = 32
lr = 0.1
threads = 1
""")
r = run([curvlab, "run", train])
check(r.returncode == 0, "train job runs\n" + r.stdout + r.stderr)


def attack_job(name, extra="", samples=41, checkpoint=None):
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(f"""[job]
name = "{name}"
kind = "attack"
output_dir = "{tmp}/{name}"
seed = 2
[train]
threads = 1
[attack]
checkpoint = "{checkpoint or tmp + '/train'}"
samples = {samples}
batch_size = 8
methods = ["fgsm", "pgd", "ifgsm", "deepfool", "cw", "tr", "tr2"]
norm = ["l2", "linf"]
kappas = [0, 0.5]
top_c = 3
save_examples = 3
[attack.cw]
binary_steps = 2
max_iter = 40
[attack.pgd]
steps = 5
{extra}""")
    return path


one = attack_job("one")
r1 = run([curvlab, "run", one])
check(r1.returncode == 0, "attack job, 1 rank\n" + r1.stdout + r1.stderr)
check("attacks on 41 test images" in r1.stdout, "summary on stdout\n" + r1.stdout)
three = attack_job("three")
r3 = run([mpirun] + flags + ["-np", "3", curvlab, "run", three])
check(r3.returncode == 0, "attack job, 3 ranks\n" + r3.stdout + r3.stderr)

if r1.returncode == 0 and r3.returncode == 0:
    with h5py.File(f"{tmp}/one/attack.h5", "r") as a, h5py.File(f"{tmp}/three/attack.h5", "r") as b:
        runs = sorted(a["runs"].keys())
        check(len(runs) == 39, f"13 method x norm pairs x (2 white + 1 gray) runs: {len(runs)}")
        check(sorted(b["runs"].keys()) == runs, "same runs on 3 ranks")
        check(int(b["info/world_size"][()]) == 3, "world size recorded")
        differ = []
        for name in runs:
            for key in list(a[f"runs/{name}/images"].keys()) + ["examples/clean", "examples/adversarial"]:
                if key == "seconds":
                    continue
                path = f"runs/{name}/{key}" if key.startswith("examples") else f"runs/{name}/images/{key}"
                if not np.array_equal(a[path][()], b[path][()]):
                    differ.append(path)
        check(not differ, "per-image records: 1 rank == 3 ranks bitwise " + " ".join(differ[:5]))
        fooled = a["runs/deepfool_l2_k0/images/success"][()].sum()
        check(fooled > 0, f"deepfool fools {fooled} of 41 images")
        lo, hi = a["info/box_lo"][()], a["info/box_hi"][()]
        adv = a["runs/tr_linf_k0.5/examples/adversarial"][()]
        check(adv.min() >= lo and adv.max() <= hi, "examples inside the pixel box")
    lines = open(f"{tmp}/one/attack_summary.csv").read().strip().splitlines()
    check(len(lines) == 40 and lines[0].startswith("run,method,norm,kappa,box,"), "attack_summary.csv: 39 rows")
    plots = os.path.join(tmp, "one", "plots")
    if subprocess.run(["which", "gnuplot"], capture_output=True).returncode == 0:
        check(os.path.exists(os.path.join(plots, "accuracy_vs_eps_l2.png")), "accuracy plot")

# Bad input: nothing written, exit 4 for I/O, 2 for values.
bad_ckpt = os.path.join(tmp, "corrupt.h5")
with open(bad_ckpt, "wb") as f:
    f.write(b"not an hdf5 file" * 64)
r = run([curvlab, "run", attack_job("corrupt", checkpoint=bad_ckpt)])
check(r.returncode == 4 and "corrupt.h5" in r.stderr, f"corrupt checkpoint: exit 4 ({r.returncode})\n" + r.stderr)
check(not os.path.exists(f"{tmp}/corrupt"), "corrupt checkpoint: no output directory")
r = run([curvlab, "run", attack_job("many", samples=65)])
check(r.returncode == 2 and "attack.samples (65) is larger than the test split (64 images)" in r.stderr,
      f"samples beyond the split: exit 2 ({r.returncode})\n" + r.stderr)
check(not os.path.exists(f"{tmp}/many"), "samples beyond the split: no output directory")

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
