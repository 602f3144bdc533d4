#!/usr/bin/python3
"""The jacobian job end to end: train a narrow resnet20 (widths 4/8/16) on synthetic 8x8 images with
the CLI, analyse 9 test images (batches of 2) with every map, Lanczos and dense singular values, two
skip and two branch scalings and all four perturbation directions, on 1 rank and under mpirun with
3 ranks, and check:
- every record is bitwise the same on 3 ranks (times excepted);
- against PyTorch on the same weights (the twin of scripts/python/curvlab_models.py loaded from the
  checkpoint): each unit's singular values at alpha = beta = 1 from
  torch.autograd.functional.jacobian + torch.linalg.svdvals (within 1e-6 of the largest: the same
  float32 kernels, SVDs in float64; measured 2.5e-8); the stage layer2's too; the growth of the
  FGSM perturbation at every position (1e-5 relative; measured 1.8e-6);
- Lanczos top values against the dense ones (1e-4 of the largest), the bottom ones within their
  residual bounds of a dense value (ReLU units have large null spaces: repeated zeros);
- the CSV files and plots;
- bad input exits 2 with a message and writes nothing: a map the model does not have, a checkpoint
  of a model without residual units, dense = "always" above dense_max_dim, an empty alphas list.

usage: jacobian_runner_test.py CURVLAB SCRIPTS_PYTHON_DIR MPIRUN [MPIRUN FLAGS...]
"""
import glob
import os
import subprocess
import sys
import tempfile

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


tmp = tempfile.mkdtemp(prefix="curvlab_jacobian_")


def train(name, model):
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(f"""[job]
name = "{name}"
output_dir = "{tmp}/{name}"
seed = 3
[data]
dataset = "synthetic"
synthetic_train = 256
synthetic_test = 32
synthetic_shape = [1, 8, 8]
synthetic_classes = 3
[model]
{model}
[train]
epochs = 2
batch_size = 32
lr = 0.05
threads = 1
""")
    r = run([curvlab, "run", path])
    check(r.returncode == 0, f"train job {name} runs\n" + r.stdout + r.stderr)


train("resnet", 'name = "resnet20"\nwidths = [4, 8, 16]')
train("mlp", 'name = "mlp"\nwidths = [16]')


def jacobian_job(name, extra="", checkpoint=None, jacobian_extra=""):
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(f"""[job]
name = "{name}"
kind = "jacobian"
output_dir = "{tmp}/{name}"
seed = 5
[train]
threads = 1
[jacobian]
checkpoint = "{checkpoint or tmp + '/resnet'}"
samples = 9
batch_size = 2
maps = ["units", "stages", "features"]
top_k = 3
bottom_k = 3
lanczos_tol = 1e-7
alphas = [1, 0.5]
betas = [1, 0]
{jacobian_extra}
[jacobian.perturbation]
sizes = [0.1, 1.0]
directions = ["random", "fgsm", "deepfool", "tr"]
projection_k = 2
[jacobian.tr]
max_iter = 50
{extra}""")
    return path


r1 = run([curvlab, "run", jacobian_job("one")])
check(r1.returncode == 0, "jacobian job, 1 rank\n" + r1.stdout + r1.stderr)
check("Jacobians of 9 test images" in r1.stdout, "table on stdout\n" + r1.stdout)
r3 = run([mpirun] + flags + ["-np", "3", curvlab, "run", jacobian_job("three")])
check(r3.returncode == 0, "jacobian job, 3 ranks\n" + r3.stdout + r3.stderr)


def datasets(h):
    out = {}
    h.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


if r1.returncode == 0 and r3.returncode == 0:
    with h5py.File(f"{tmp}/one/jacobian.h5", "r") as a, h5py.File(f"{tmp}/three/jacobian.h5", "r") as b:
        da, db = datasets(a), datasets(b)
        scalings = sorted(a["scalings"].keys())
        check(scalings == ["alpha0.5_beta0", "alpha0.5_beta1", "alpha1_beta0", "alpha1_beta1"],
              f"four scalings: {scalings}")
        maps = sorted(a["scalings/alpha1_beta1/maps"].keys())
        check(len(maps) == 13, f"9 units + 3 stages + features: {len(maps)}")
        skip = ("seconds_lanczos", "seconds_dense", "world_size")
        numeric = [k for k in da if not k.endswith(skip) and getattr(da[k], "dtype", None) is not None
                   and da[k].dtype.kind in "fiub"]
        differ = [k for k in numeric if k not in db or not np.array_equal(da[k], db[k], equal_nan=da[k].dtype.kind == "f")]
        check(not differ and set(da) == set(db), "1 rank == 3 ranks bitwise " + " ".join(differ[:5]))
        check(int(b["info/world_size"][()]) == 3, "world size recorded")

        # The twin on the same weights.
        ckpt = sorted(glob.glob(f"{tmp}/resnet/checkpoints/ckpt_*.h5"))[-1]
        net = curvlab_checkpoint.load_model(ckpt)
        mean = a["info/mean"][()] if "info/mean" in a else None
        stdev = a["info/stdev"][()] if "info/stdev" in a else None
        label = torch.from_numpy(a["images/label"][()])
        check(mean is not None, "the synthetic data's normalisation recorded")
        shape = (1, -1, 1, 1)
        mean_t = torch.tensor(mean, dtype=torch.float32).view(shape)
        stdev_t = torch.tensor(stdev, dtype=torch.float32).view(shape)

        def stem(v):  # pixels -> unit 0's input (the data set's normalisation first)
            v = (v - mean_t) / stdev_t
            return net.act(net.bn1(net.conv1(v)))
        units = [u for layer in (net.layer1, net.layer2, net.layer3) for u in layer]
        names = [f"layer{s + 1}.{i}" for s in range(3) for i in range(3)]
        g = "scalings/alpha1_beta1/maps/"
        worst = 0.0
        worst_lanczos = 0.0
        # The twin's own trajectory from the pixel images the job analysed.
        x = torch.from_numpy(a["images/pixels"][()]) if "images/pixels" in a else None
        check(x is not None and x.shape[0] == 9, "pixel images saved in jacobian.h5 (images/pixels)")
        if x is not None:
            with torch.no_grad():
                h = stem(x)
            inputs = []
            for u in units:
                inputs.append(h)
                with torch.no_grad():
                    h = u(h)
            for k, (u, name) in enumerate(zip(units, names)):
                dense = a[g + name + "/dense/singular_values"][()]
                for i in range(9):
                    jac = torch.autograd.functional.jacobian(lambda v: u(v.unsqueeze(0))[0], inputs[k][i],
                                                             vectorize=True)
                    jac = jac.reshape(u(inputs[k][i:i + 1])[0].numel(), -1).double()
                    sv = torch.linalg.svdvals(jac).numpy()
                    err = np.abs(sv - dense[i]).max() / sv.max()
                    worst = max(worst, err)
                top = a[g + name + "/lanczos/top"][()]
                scale = dense.max(axis=1, keepdims=True)
                worst_lanczos = max(worst_lanczos, (np.abs(top - dense[:, :3]) / scale).max())
                # Bottom values: a Ritz value theta = sigma^2 with residual r lies within r of an eigenvalue
                # of the Gram matrix (dense^2); with repeated values (dead ReLUs: a large null space)
                # Lanczos need not find every copy, so that bound is what holds.
                bottom = a[g + name + "/lanczos/bottom"][()] ** 2
                res = a[g + name + "/lanczos/bottom_residual"][()]
                for i in range(9):
                    gap = np.abs(bottom[i][:, None] - dense[i][None, :] ** 2).min(axis=1)
                    bound_ok = np.all(gap <= res[i] + 1e-6 * scale[i] ** 2)
                    if not bound_ok:
                        worst_lanczos = max(worst_lanczos, 1.0)
            check(worst <= 1e-6, f"unit singular values = PyTorch svdvals of autograd Jacobians (max rel {worst:.2e})")
            check(worst_lanczos <= 1e-4, f"Lanczos top = dense (max rel {worst_lanczos:.2e}), bottom within residual bounds")
            # Stage layer2 (units 3-5) as a whole.
            stage = torch.nn.Sequential(*units[3:6])
            dense = a[g + "layer2/dense/singular_values"][()]
            err = 0.0
            for i in range(3):
                jac = torch.autograd.functional.jacobian(lambda v: stage(v.unsqueeze(0))[0], inputs[3][i],
                                                         vectorize=True)
                sv = torch.linalg.svdvals(jac.reshape(-1, inputs[3][i].numel()).double()).numpy()
                err = max(err, np.abs(sv - dense[i]).max() / sv.max())
            check(err <= 1e-6, f"stage layer2 singular values = PyTorch (max rel {err:.2e})")
            # FGSM growth per position at both sizes, on the images whose direction is valid.
            xg = x.clone().requires_grad_(True)
            loss = torch.nn.functional.cross_entropy(net((xg - mean_t) / stdev_t), label, reduction="sum")
            grad, = torch.autograd.grad(loss, xg)
            u_dir = grad / grad.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
            valid = a["scalings/alpha1_beta1/perturbation/fgsm/valid"][()].astype(bool)
            growth = a["scalings/alpha1_beta1/perturbation/fgsm/growth"][()]
            err = 0.0
            for s, size in enumerate((0.1, 1.0)):
                d = size * u_dir
                with torch.no_grad():
                    hc = stem(x)
                    hp = stem(x + d)
                    mine = [((hp - hc).flatten(1).norm(dim=1) / size).numpy()]
                    for u in units:
                        hc, hp = u(hc), u(hp)
                        mine.append(((hp - hc).flatten(1).norm(dim=1) / size).numpy())
                mine = np.stack(mine, 1)
                err = max(err, (np.abs(mine - growth[:, s]) / np.abs(mine).clip(1e-12))[valid].max())
            check(valid.sum() > 0, f"{valid.sum()} of 9 images have an FGSM direction")
            check(err <= 1e-5, f"FGSM growth per position = PyTorch (max rel {err:.2e})")
        # The limits: alpha = 1, beta = 0 gives singular values in {0, 1}.
        lim = a["scalings/alpha1_beta0/maps/layer1.1/dense/singular_values"][()]
        check(np.all((np.abs(lim - 1) < 1e-6) | (np.abs(lim) < 1e-6)), "alpha 1, beta 0: singular values 0 or 1")
        tr = a["scalings/alpha1_beta1/perturbation/tr/flipped"][()]
        check(tr[:, 1].sum() >= tr[:, 0].sum(), "tr direction flips at least as often at the larger size")
    lines = open(f"{tmp}/one/jacobian_summary.csv").read().strip().splitlines()
    check(len(lines) == 1 + 4 * 13 and lines[0].startswith("alpha,beta,map,kind,in_dim,out_dim,images"),
          f"jacobian_summary.csv: 52 rows ({len(lines) - 1})")
    lines = open(f"{tmp}/one/perturbation_summary.csv").read().strip().splitlines()
    check(len(lines) == 1 + 4 * 4 * 2 * 10, f"perturbation_summary.csv: 320 rows ({len(lines) - 1})")
    if subprocess.run(["which", "gnuplot"], capture_output=True).returncode == 0:
        plots = os.path.join(tmp, "one", "plots")
        check(os.path.exists(os.path.join(plots, "singular_values_per_unit.png")), "singular value plot")
        check(os.path.exists(os.path.join(plots, "growth_alpha1_beta1.png")), "growth plot")

# Bad input: exit 2, a message naming the problem, no output directory.
for name, kwargs, message in (
        ("bad_map", {"jacobian_extra": ""}, None),
        ("mlp_jacobian", {"checkpoint": tmp + "/mlp"}, "has no residual units"),
        ("too_big", {"jacobian_extra": 'dense = "always"\ndense_max_dim = 100'}, "dense_max_dim (100)"),
        ("no_alphas", {}, "jacobian.alphas must list at least one")):
    job = jacobian_job(name, **kwargs)
    text = open(job).read()
    if name == "bad_map":
        text = text.replace('maps = ["units", "stages", "features"]', 'maps = ["layer2.9"]')
        message = 'no map "layer2.9"'
    if name == "no_alphas":
        text = text.replace("alphas = [1, 0.5]", "alphas = []")
    open(job, "w").write(text)
    r = run([curvlab, "run", job])
    check(r.returncode == 2, f"{name}: exit 2 (got {r.returncode})\n" + r.stderr)
    check(message in r.stderr, f"{name}: message '{message}'\n" + r.stderr)
    check(not os.path.exists(f"{tmp}/{name}"), f"{name}: nothing written")

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
