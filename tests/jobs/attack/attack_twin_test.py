#!/usr/bin/python3
"""TR and DeepFool against their PyTorch twins (scripts/python/curvlab_attacks.py): train a small
MLP and a ConvNet on synthetic data with the CLI, attack 48 images with the attack job (L2 and Linf,
easiest and hardest targets for TR), run the twins on the same weights (curvlab_checkpoint), the same
pixel images (saved by the job) and the same batches of 16, and compare per image: the target and the
iteration count exactly, ||delta||_2 and ||delta||_inf within 1e-5 relative (float32 kernels of the
same LibTorch called in the same order).

usage: attack_twin_test.py CURVLAB SCRIPTS_PYTHON_DIR
"""
import glob
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import torch

curvlab, pydir = sys.argv[1], sys.argv[2]
sys.path.insert(0, pydir)
import curvlab_attacks as ca  # noqa: E402
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


tmp = tempfile.mkdtemp(prefix="curvlab_attack_twin_")
for model in ("mlp", "convnet"):
    widths = 'widths = [32, 16]\n' if model == "mlp" else ""
    train = os.path.join(tmp, model + ".toml")
    with open(train, "w") as f:
        f.write(f"""[job]
name = "{model}"
output_dir = "{tmp}/{model}"
seed = 7
[data]
dataset = "synthetic"
synthetic_train = 512
synthetic_test = 64
synthetic_shape = [1, 8, 8]
synthetic_classes = 5
[model]
name = "{model}"
{widths}[train]
epochs = 3
batch_size = 32
lr = 0.05
threads = 1
""")
    r = run([curvlab, "run", train])
    check(r.returncode == 0, f"{model}: train job runs\n" + r.stdout + r.stderr)
    for target in ("easiest", "hardest"):
        job = os.path.join(tmp, f"{model}_{target}.toml")
        out = f"{tmp}/{model}_{target}"
        with open(job, "w") as f:
            f.write(f"""[job]
name = "attack"
kind = "attack"
output_dir = "{out}"
[train]
threads = 1
[attack]
checkpoint = "{tmp}/{model}"
samples = 48
batch_size = 16
methods = ["deepfool", "tr"]
norm = ["l2", "linf"]
top_c = 4
target = "{target}"
save_examples = 48
plots = false
""")
        r = run([curvlab, "run", job])
        check(r.returncode == 0, f"{model}/{target}: attack job runs\n" + r.stdout + r.stderr)
        if r.returncode != 0:
            continue
        ckpt = sorted(glob.glob(f"{tmp}/{model}/checkpoints/ckpt_*.h5"))[-1]
        net = ca.PixelNet(curvlab_checkpoint.load_model(ckpt), [], [])
        with h5py.File(f"{out}/attack.h5", "r") as h:
            mean = h["info/mean"][()] if "info/mean" in h else []
            stdev = h["info/stdev"][()] if "info/stdev" in h else []
            net = ca.PixelNet(curvlab_checkpoint.load_model(ckpt), list(mean), list(stdev))
            box = (float(h["info/box_lo"][()]), float(h["info/box_hi"][()]))
            for method in ("deepfool", "tr"):
                if method == "deepfool" and target == "hardest":
                    continue  # DeepFool has no target choice
                for norm in ("l2", "linf"):
                    g = h[f"runs/{method}_{norm}"]
                    x = torch.from_numpy(g["examples/clean"][()])
                    y = torch.from_numpy(g["images/label"][()])
                    targets, iters, l2, linf = [], [], [], []
                    for lo in range(0, 48, 16):
                        xb, yb = x[lo:lo + 16], y[lo:lo + 16]
                        if method == "tr":
                            adv, _, it, tg = ca.trust_region(net, xb, yb, norm, box, top_c=4,
                                                             hardest=target == "hardest")
                        else:
                            adv, _, it, tg = ca.deepfool(net, xb, yb, norm, box, top_c=4)
                        d = (adv - xb).to(torch.float64)
                        targets.append(tg), iters.append(it)
                        l2.append(ca.image_norm(d, "l2")), linf.append(ca.image_norm(d, "linf"))
                    targets, iters = torch.cat(targets).numpy(), torch.cat(iters).numpy()
                    l2, linf = torch.cat(l2).numpy(), torch.cat(linf).numpy()
                    name = f"{model}/{target}/{method}_{norm}"
                    fooled = int(g["images/success"][()].sum())
                    check(fooled > 10, f"{name}: {fooled} of 48 images fooled")
                    same_t = np.array_equal(targets, g["images/target"][()])
                    same_i = np.array_equal(iters, g["images/iterations"][()])
                    check(same_t, f"{name}: targets per image equal")
                    check(same_i, f"{name}: iterations per image equal (twin {iters.sum()}, curvlab "
                          f"{g['images/iterations'][()].sum()})")
                    for key, mine in (("l2", l2), ("linf", linf)):
                        theirs = g[f"images/{key}"][()]
                        rel = np.abs(mine - theirs).max() / max(np.abs(theirs).max(), 1e-30)
                        check(rel <= 1e-5, f"{name}: ||delta||_{key[1:]} per image within 1e-5 (max rel diff {rel:.2e})")

print(f"{'FAILED' if failures else 'passed'}: {len(failures)} failure(s)")
sys.exit(1 if failures else 0)
