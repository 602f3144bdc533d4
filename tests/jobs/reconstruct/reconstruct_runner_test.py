#!/usr/bin/python3
"""The reconstruct job end to end on a small synthetic wake written with h5py (a plain HDF5 file in the
flow.h5 layout of docs/flow.md: three travelling modes behind a cylinder mask), sensor counts 3 and 5,
all three methods, the decoder trained with Adam at full batch, on 1 rank and under mpirun with 2 ranks:
- the decoder's errors on 2 ranks equal 1 rank's (global batch + synchronised batch norm): with SGD
  within 1e-5 relative; with Adam within 1% (Adam amplifies rounding noise in near-zero gradients);
- POD and POD-plus errors equal a NumPy computation from the recorded sensor pixels (1e-9);
- the decoder's test error equals the PyTorch twin's, loaded from the sensors_<s> checkpoint (1e-5);
- sensors are deterministic (same pixels on both runs), downstream of the cylinder, not in the solid;
- the CSVs, reconstruct.h5 and plots exist; --resume of a finished job trains nothing and agrees;
- SIGUSR1 during the second decoder's training: exit 75, status "stopped", and --resume ends with
  the errors of an uninterrupted run, bitwise;
- bad input exits 2 with a message at data.flow.file (the job's resource check reads the file before
  anything runs) and writes nothing: a missing flow file, a truncated one, one without the field;
  dataset not "flow"; more wall sensors than there are positions on the circle.

usage: reconstruct_runner_test.py CURVLAB SCRIPTS_PYTHON_DIR MPIRUN [MPIRUN FLAGS...]
"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch

curvlab, pydir, mpirun, flags = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
sys.path.insert(0, pydir)
import curvlab_checkpoint  # noqa: E402

torch.set_num_threads(1)
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(cmd):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=280)


tmp = tempfile.mkdtemp(prefix="curvlab_reconstruct_")
T, H, W, X0 = 40, 12, 30, 2
CX, CY, D = 5.0, 6.0, 4.0


def write_flow(path, with_field=True):
    xs = np.arange(X0, X0 + W)
    ys = np.arange(H)
    gx, gy = np.meshgrid(xs, ys)
    t = np.arange(T)[:, None, None]
    env = np.exp(-((gy - CY) / 3.0) ** 2)
    field = (np.sin(0.4 * gx - 0.3 * t) * env + 0.5 * np.cos(0.8 * gx - 0.6 * t) * env * (gy - CY) / 3.0
             + 0.2 * np.sin(1.2 * gx - 0.9 * t + 0.5) * env)
    mask = (np.hypot(gx - CX, gy - CY) <= D / 2).astype(np.uint8)
    field = field * (1 - mask)
    with h5py.File(path, "w") as f:
        if with_field:
            f["vorticity"] = field.astype(np.float32)
        f["ux"] = (0.1 + 0.01 * field).astype(np.float32)
        f["uy"] = (0.02 * field).astype(np.float32)
        f["mask"] = mask
        f["x"] = xs.astype(np.int64)
        f["y"] = ys.astype(np.int64)
        f["step"] = (1000 + 25 * np.arange(T)).astype(np.int64)
        for k, v in dict(center_x=CX, center_y=CY, diameter=D, re=100.0, u=0.1).items():
            f[f"params/{k}"] = np.float64(v)
    return field.reshape(T, H * W).astype(np.float32), mask


field, mask = write_flow(os.path.join(tmp, "flow.h5"))
write_flow(os.path.join(tmp, "nofield.h5"), with_field=False)
shutil.copy(os.path.join(tmp, "flow.h5"), os.path.join(tmp, "cut.h5"))
with open(os.path.join(tmp, "cut.h5"), "r+b") as f:
    f.truncate(os.path.getsize(os.path.join(tmp, "flow.h5")) // 2)


def job(name, flow="flow.h5", extra="", data_extra="", recon_extra=""):
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(f"""[job]
name = "{name}"
kind = "reconstruct"
output_dir = "{tmp}/{name}"
seed = 5
[data]
dataset = "flow"
{data_extra}
[data.flow]
file = "{tmp}/{flow}"
units = "lattice"
train_snapshots = 24
test_snapshots = 10
sensor_seed = 2
[model]
name = "shallow_decoder"
widths = [8, 6]
[train]
epochs = 40
batch_size = 24
optimizer = "adam"
lr = 0.01
weight_decay = 1e-4
threads = 1
{extra}
[reconstruct]
sensor_counts = [3, 5]
pod_plus_ridge = 1e-6
{recon_extra}
""")
    return path


one = job("one")
r = run([curvlab, "run", one])
check(r.returncode == 0, "reconstruct on 1 rank runs\n" + r.stdout + r.stderr)
two = job("two")
r2 = run([mpirun, *flags, "-np", "2", curvlab, "run", two])
check(r2.returncode == 0, "reconstruct on 2 ranks runs\n" + r2.stdout + r2.stderr)
print(r.stdout)
# Ranks: with SGD (Adam turns rounding noise in near-zero gradients into full lr-sized steps, so its
# runs drift apart at float precision; its update itself is tested against torch.optim).
sgd = ['--set', 'train.optimizer="sgd"', '--set', 'train.momentum=0.9', '--set', 'reconstruct.methods=["decoder"]']
r = run([curvlab, "run", job("sgd1"), *sgd])
check(r.returncode == 0, "SGD decoders on 1 rank\n" + r.stdout + r.stderr)
r = run([mpirun, *flags, "-np", "2", curvlab, "run", job("sgd2"), *sgd])
check(r.returncode == 0, "SGD decoders on 2 ranks\n" + r.stdout + r.stderr)


def results(name):
    out = {}
    with h5py.File(os.path.join(tmp, name, "reconstruct.h5"), "r") as f:
        for s in (3, 5):
            g = f[f"sensors_{s}"]
            out[s] = {"pixels": g["pixels"][()], "x": g["x"][()], "y": g["y"][()]}
            for m in ("decoder", "pod", "pod_plus"):
                out[s][m] = {k: g[m][k][()] for k in ("test_error", "train_error", "test_error_with_mean",
                                                       "test_errors")}
        out["mean"] = f["mean"][()].reshape(-1)
    return out


def decoder_errors(name):
    with h5py.File(os.path.join(tmp, name, "reconstruct.h5"), "r") as f:
        return {s: f[f"sensors_{s}/decoder/test_error"][()] for s in (3, 5)}


e1, e2 = decoder_errors("sgd1"), decoder_errors("sgd2")
for s in (3, 5):
    check(abs(e1[s] - e2[s]) <= 1e-5 * abs(e1[s]), f"{s} sensors: SGD decoder 1 rank {e1[s]:.8f} = 2 ranks {e2[s]:.8f}")
a, b = results("one"), results("two")
for s in (3, 5):
    check(np.array_equal(a[s]["pixels"], b[s]["pixels"]), f"{s} sensors: the same pixels on 1 and 2 ranks")
    check(bool(np.all(a[s]["x"] > CX)), f"{s} sensors: all downstream of the cylinder")
    check(bool(np.all(mask.reshape(-1)[a[s]["pixels"]] == 0)), f"{s} sensors: none in the solid")
    d1, d2 = a[s]["decoder"]["test_error"], b[s]["decoder"]["test_error"]
    check(abs(d1 - d2) <= 1e-2 * abs(d1), f"{s} sensors: Adam decoder 1 rank {d1:.6f} ~ 2 ranks {d2:.6f} (1%)")
    for m in ("pod", "pod_plus"):
        check(abs(a[s][m]["test_error"] - b[s][m]["test_error"]) < 1e-12, f"{s} sensors: {m} the same on 2 ranks")

# POD and POD-plus by NumPy from the recorded pixels.
mean32 = a["mean"].astype(np.float32)
check(np.allclose(mean32, field[:24].astype(np.float64).mean(0), atol=1e-6), "the recorded mean is the training mean")
# The deviations as the job forms them (float32 field minus the float32 mean), then float64 algebra.
xtr = (field[:24] - mean32).astype(np.float64)
xte = (field[24:34] - mean32).astype(np.float64)
u = np.linalg.svd(xtr.T, full_matrices=False)[0]
for s in (3, 5):
    pix = a[s]["pixels"]
    uk = u[:, :s]
    pred = (uk @ np.linalg.pinv(uk[pix]) @ xte[:, pix].T).T
    err = np.linalg.norm(pred - xte) / np.linalg.norm(xte)
    got = a[s]["pod"]["test_error"]
    check(abs(err - got) < 1e-6 * err, f"{s} sensors: POD test error {got:.10f} = NumPy {err:.10f}")
    per = np.linalg.norm(pred - xte, axis=1) / np.linalg.norm(xte, axis=1)
    check(np.allclose(per, a[s]["pod"]["test_errors"], rtol=1e-6), f"{s} sensors: POD per-snapshot errors")
    coef = uk.T @ xtr.T
    rtr = xtr[:, pix].T
    gram = rtr @ rtr.T
    lam = 1e-6 * np.trace(gram) / s
    bmap = coef @ rtr.T @ np.linalg.inv(gram + lam * np.eye(s))
    pred = (uk @ bmap @ xte[:, pix].T).T
    err = np.linalg.norm(pred - xte) / np.linalg.norm(xte)
    got = a[s]["pod_plus"]["test_error"]
    check(abs(err - got) < 1e-6 * err, f"{s} sensors: POD-plus test error {got:.10f} = NumPy {err:.10f}")
    # The decoder against its PyTorch twin loaded from the sub-run's newest checkpoint.
    ckdir = os.path.join(tmp, "one", f"sensors_{s}", "checkpoints")
    ckpt = os.path.join(ckdir, sorted(os.listdir(ckdir))[-1])
    model = curvlab_checkpoint.load_model(ckpt)
    with torch.no_grad():
        out = model(torch.from_numpy(xte[:, pix].astype(np.float32)).reshape(10, 1, 1, s)).double().numpy()
    err = np.linalg.norm(out - xte) / np.linalg.norm(xte)
    got = a[s]["decoder"]["test_error"]
    check(abs(err - got) <= 1e-5 * err, f"{s} sensors: decoder test error {got:.8f} = PyTorch twin {err:.8f}")

with open(os.path.join(tmp, "one", "reconstruct_summary.csv")) as f:
    rows = list(csv.DictReader(f))
check(len(rows) == 6 and {r["method"] for r in rows} == {"decoder", "pod", "pod_plus"}, "summary CSV: 2 x 3 rows")
with open(os.path.join(tmp, "one", "reconstruct_errors.csv")) as f:
    check(len(list(csv.DictReader(f))) == 60, "errors CSV: 2 x 3 x 10 rows")
if shutil.which("gnuplot"):
    for p in ("fields_sensors_3.png", "fields_sensors_5.png", "error_vs_sensors.png", "error_over_time.png"):
        check(os.path.getsize(os.path.join(tmp, "one", "plots", p)) > 0, "plot " + p)

# --resume of the finished job: nothing is trained again and the results agree.
r = run([curvlab, "run", one, "--resume"])
check(r.returncode == 0 and "training the shallow decoder" in r.stderr, "--resume runs\n" + r.stdout + r.stderr)
c = results("one")
check(c[3]["decoder"]["test_error"] == a[3]["decoder"]["test_error"], "--resume: the same decoder error")

# Preemption: SIGUSR1 while the second decoder trains -> exit 75, status "stopped: ...", a checkpoint;
# --resume ends with the same errors as an uninterrupted run (bitwise: resume restores every state).
pre = ["--set", "train.epochs=600", "--set", "train.checkpoint_every_steps=50"]
r = run([curvlab, "run", job("ref"), *pre])
check(r.returncode == 0, "uninterrupted reference run\n" + r.stderr)
env = dict(os.environ, OMP_NUM_THREADS="1")
p = subprocess.Popen([curvlab, "run", job("pre"), *pre], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                     env=env)
ckdir = os.path.join(tmp, "pre", "sensors_5", "checkpoints")
deadline = time.time() + 120
while time.time() < deadline and not (os.path.isdir(ckdir) and os.listdir(ckdir)) and p.poll() is None:
    time.sleep(0.05)
p.send_signal(signal.SIGUSR1)
out, err = p.communicate(timeout=120)
with open(os.path.join(tmp, "pre", "status")) as f:
    status = f.read()
check(p.returncode == 75 and status.startswith("stopped: SIGUSR1"), f"SIGUSR1: exit {p.returncode}, status {status!r}")
r = run([curvlab, "run", job("pre"), *pre, "--resume"])
check(r.returncode == 0, "--resume after the stop\n" + r.stderr)
e_ref, e_pre = decoder_errors("ref"), decoder_errors("pre")
check(e_ref == e_pre, f"stopped + resumed = uninterrupted: {e_pre} vs {e_ref}")

# Bad input: exit status, message, nothing written.
cases = [
    ("missing", dict(flow="nothere.h5"), 2, "does not exist"),
    ("cut", dict(flow="cut.h5"), 2, "is truncated or not an HDF5 file"),
    ("nofield", dict(flow="nofield.h5"), 2, "has no 'vorticity'"),
    ("notflow", dict(data_extra='normalize = true', recon_extra=""), None, None),
    ("toomany", dict(recon_extra="plot_sensors = 3\n", extra=""), None, None),
]
for name, kw, code, needle in cases[:3]:
    r = run([curvlab, "run", job(name, **kw)])
    check(r.returncode == code and needle in r.stderr, f"bad input {name}: exit {r.returncode}, message\n" + r.stderr)
    check(not os.path.exists(os.path.join(tmp, name)), f"bad input {name}: nothing written")
path = job("notflow")
with open(path) as f:
    text = f.read().replace('dataset = "flow"', 'dataset = "synthetic"')
with open(path, "w") as f:
    f.write(text)
r = run([curvlab, "run", path])
check(r.returncode == 2 and 'set dataset = "flow"' in r.stderr, "dataset not flow: exit 2\n" + r.stderr)
path = job("toomany")
with open(path) as f:
    text = f.read().replace("sensor_counts = [3, 5]", "sensor_counts = [3, 20]").replace(
        "train_snapshots = 24", "train_snapshots = 24\nplacement = \"wall\"")
with open(path, "w") as f:
    f.write(text)
r = run([curvlab, "run", path])
check(r.returncode == 2 and "20 sensors asked for, but placement \"wall\" has only" in r.stderr,
      "20 wall sensors: exit 2\n" + r.stderr)
check(not os.path.exists(os.path.join(tmp, "toomany")), "20 wall sensors: nothing written")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
shutil.rmtree(tmp)
print("all checks passed")
