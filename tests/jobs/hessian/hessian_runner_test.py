#!/usr/bin/python3
"""The hessian job end to end: train a tiny MLP on synthetic data with the CLI, analyse its
checkpoint with 1 and 2 ranks (101 samples: an uneven split), and check the HDF5 results (the
two rank counts agree to 1e-4 relative: float32 products summed in another order), the plots,
HAWQ-V2's table, and that bad input ends with exit 2 and a message.

usage: hessian_runner_test.py CURVLAB MPIRUN [MPIRUN FLAGS...]
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


def run(cmd, **kw):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240, **kw)


tmp = tempfile.mkdtemp(prefix="curvlab_hessian_")
train = os.path.join(tmp, "train.toml")
with open(train, "w") as f:
    f.write(f"""[job]
name = "tiny"
output_dir = "{tmp}/train"
[data]
dataset = "synthetic"
synthetic_train = 256
synthetic_test = 128
synthetic_shape = [1, 4, 4]
synthetic_classes = 3
[model]
name = "mlp"
widths = [12, 8]
[train]
epochs = 2
batch_size = 32
lr = 0.1
threads = 1
[hessian]
track_every_epochs = 1
samples = 64
top_k = 1
trace = false
""")
r = run([curvlab, "run", train])
check(r.returncode == 0, "train job runs (with eigenvalue tracking)\n" + r.stdout + r.stderr)
csv = os.path.join(tmp, "train", "hessian_tracking.csv")
check(os.path.exists(csv) and len(open(csv).read().strip().splitlines()) == 3, "tracking: 2 rows in hessian_tracking.csv")

def hessian_job(name, extra=""):
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(f"""[job]
name = "{name}"
kind = "hessian"
output_dir = "{tmp}/{name}"
seed = 4
[hessian]
checkpoint = "{tmp}/train"
samples = 101
batch_size = 20
trace_tol = 0
trace_max_samples = 30
top_k = 2
eigen_tol = 1e-6
eigen_max_iter = 80
slq_runs = 2
slq_steps = 12
hawq = true
{extra}
[quant]
fix_first_last = false
budget_avg_bits = 3.5
eval_points = 2
[train]
threads = 1
""")
    return path

one = hessian_job("h1")
r = run([curvlab, "run", one])
check(r.returncode == 0, "hessian job, 1 rank\n" + r.stdout + r.stderr)
check("hawq-v2@budget" in r.stdout and "reverse@budget" in r.stdout, "HAWQ table printed")
two = hessian_job("h2")
r = run([mpirun] + flags + ["-np", "2", curvlab, "run", two])
check(r.returncode == 0, "hessian job, 2 ranks\n" + r.stdout + r.stderr)
sp = hessian_job("h3", 'trace_parallel = "samples"')
r = run([mpirun] + flags + ["-np", "2", curvlab, "run", sp])
check(r.returncode == 0, "hessian job, 2 ranks, sample-parallel trace\n" + r.stdout + r.stderr)

# One SLQ run: a standard error from one value is NaN (unknown), never 0 (exact).
r = run([curvlab, "run", one, "--set", "hessian.slq_runs=1", "--set", "hessian.hawq=false",
         "--set", f"job.output_dir={tmp}/h1_single"])
check(r.returncode == 0, "hessian job, one SLQ run\n" + r.stdout + r.stderr)
try:
    with h5py.File(os.path.join(tmp, "h1_single", "hessian.h5"), "r") as f:
        check(np.isnan(f["density/first_moment_se"][()]), "one SLQ run: density/first_moment_se is NaN, got "
              + str(f["density/first_moment_se"][()]))
except Exception as e:  # noqa: BLE001
    check(False, f"reading the one-run results: {e!r}")

def close(a, b, rel=1e-4):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and np.all(np.abs(a - b) <= rel * np.maximum(1.0, np.abs(b)))

try:
    f1 = h5py.File(os.path.join(tmp, "h1", "hessian.h5"), "r")
    f2 = h5py.File(os.path.join(tmp, "h2", "hessian.h5"), "r")
    f3 = h5py.File(os.path.join(tmp, "h3", "hessian.h5"), "r")
    check(f1["info/samples"][()] == 101 and f2["info/world_size"][()] == 2, "sample count and world size stored")
    check(close(f1["trace/per_probe"][()], f2["trace/per_probe"][()]), "trace probes: 2 ranks == 1 rank")
    check(close(f1["trace/per_probe"][()], f3["trace/per_probe"][()]), "trace probes: sample-parallel == 1 rank")
    check(close(f1["trace/layers"][()], f2["trace/layers"][()]), "per-layer traces: 2 ranks == 1 rank")
    check(abs(f1["trace/layers"][()].sum() - f1["trace/total"][()]) <= 1e-6 * abs(f1["trace/total"][()]),
          "per-layer traces sum to the total")
    check(close(f1["eigen/values"][()], f2["eigen/values"][()]), "top eigenvalues: 2 ranks == 1 rank")
    check(close(f1["density/first_moment"][()], f2["density/first_moment"][()]), "SLQ: 2 ranks == 1 rank")
    check(f1["trace/hvps"][()] == 30 and f1["eigen/hvps"][()] > 0 and f1["density/hvps"][()] == 24, "HVP counts stored")
    check(f1["trace/total_se"][()] > 0, "trace standard error stored")
    check(np.isfinite(f1["density/first_moment_se"][()]), "two SLQ runs: a finite first_moment_se")
    dx = f1["density/grid"][1] - f1["density/grid"][0]
    check(abs(np.trapz(f1["density/density"][()], dx=dx) - 1) < 1e-2, "density integrates to 1")
    labels = [f1[f"hawq/evaluations/{i}/label"][()].decode() if isinstance(f1[f"hawq/evaluations/{i}/label"][()], bytes)
              else str(f1[f"hawq/evaluations/{i}/label"][()]) for i in range(len(f1["hawq/evaluations"]))]
    check(labels[0] == "hawq-v2@budget" and "uniform-4" in labels, "HAWQ evaluations stored: " + ", ".join(labels))
    check(f1["hawq/evaluations/0/size_bits"][()] <= f1["hawq/budget_bits"][()], "HAWQ allocation fits the budget")
except Exception as e:  # noqa: BLE001
    check(False, f"reading results: {e!r}")

plots = os.path.join(tmp, "h1", "plots")
for name in ["density", "layer_traces", "trace_convergence"]:
    check(os.path.exists(os.path.join(plots, name + ".png")) and os.path.exists(os.path.join(plots, name + ".svg")),
          f"plot {name}.png/.svg")
check(os.path.exists(os.path.join(tmp, "train", "plots", "eigenvalue_tracking.png")), "tracking plot")

bad = hessian_job("bad").replace("bad.toml", "bad.toml")
text = open(bad).read().replace(f'checkpoint = "{tmp}/train"', f'checkpoint = "{tmp}/nowhere"')
open(bad, "w").write(text)
r = run([curvlab, "run", bad])
check(r.returncode == 2 and "hessian.checkpoint" in r.stderr, "missing checkpoint: exit 2 naming hessian.checkpoint: " + r.stderr.strip())
open(bad, "w").write(text.replace(f'checkpoint = "{tmp}/nowhere"', 'checkpoint = ""'))
r = run([curvlab, "validate", bad])
check(r.returncode == 2 and "hessian.checkpoint" in r.stderr, "empty checkpoint: exit 2: " + r.stderr.strip())
open(bad, "w").write(text.replace(f'checkpoint = "{tmp}/nowhere"', f'checkpoint = "{tmp}/train"').replace(
    "samples = 101", "samples = 100000"))
r = run([curvlab, "run", bad])
check(r.returncode == 2 and "hessian.samples" in r.stderr, "too many samples: exit 2: " + r.stderr.strip())

# A run trained with --set overrides records them (job.toml and the checkpoints' job_text), so a
# hessian job on its checkpoint rebuilds the model that was trained (here: other widths).
r = run([curvlab, "run", train, "--set", "model.widths=[10]", "--set", f"job.output_dir={tmp}/train_set",
         "--set", "train.epochs=1"])
check(r.returncode == 0, "train job with --set overrides\n" + r.stdout + r.stderr)
recorded = open(os.path.join(tmp, "train_set", "job.toml")).read()
check("--set model.widths=[10]" in recorded and "widths = [10]" in recorded,
      "job.toml records the overrides:\n" + recorded)
hs = hessian_job("h_set")
text = open(hs).read().replace(f'checkpoint = "{tmp}/train"', f'checkpoint = "{tmp}/train_set"')
open(hs, "w").write(text)
r = run([curvlab, "run", hs])
check(r.returncode == 0, "hessian job on the checkpoint of an overridden run\n" + r.stdout + r.stderr)

print(f"{len(failures)} failure(s)" if failures else "all checks passed")
sys.exit(1 if failures else 0)
