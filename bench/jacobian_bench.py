#!/usr/bin/python3
"""Jacobian assembly of one residual unit: curvlab's compressed assembly (bench_jacobian, what the
jacobian job uses) against torch.autograd.functional.jacobian(..., vectorize=True) in PyTorch-Python
on the same weights (the twin loaded from the checkpoint), the same unit inputs (written by
bench_jacobian) and threads, alternating over repeats. Each repeat checks image 0's Jacobians
against each other (max |difference|). Prints every measurement, the medians and the ratio
PyTorch / curvlab (> 1: curvlab faster), and bench_jacobian's Lanczos-vs-dense line.

  /usr/bin/python3 bench/jacobian_bench.py --bench build/bench/bench_jacobian --checkpoint runs/narrow_resnet
      [--unit layer1.0] [--images 4] [--threads 1] [--repeats 5] [--peer scripts/python]
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", required=True, help="build/bench/bench_jacobian")
    ap.add_argument("--checkpoint", required=True, help="a ResNet checkpoint file or train run directory")
    ap.add_argument("--unit", default="layer1.0")
    ap.add_argument("--images", type=int, default=4)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--peer", default=os.path.join(os.path.dirname(__file__), "..", "scripts", "python"),
                    help="the folder of curvlab_checkpoint.py (the PyTorch twins)")
    args = ap.parse_args()
    sys.path.insert(0, args.peer)
    import curvlab_checkpoint  # noqa: E402

    ckpt = args.checkpoint
    if os.path.isdir(ckpt):
        ckpt = sorted(glob.glob(os.path.join(ckpt, "checkpoints", "ckpt_*.h5")))[-1]
    torch.set_num_threads(args.threads)
    net = curvlab_checkpoint.load_model(ckpt)
    for p in net.parameters():
        p.requires_grad_(False)  # as curvlab: input Jacobians only
    stage, block = args.unit.replace("layer", "").split(".")
    unit = getattr(net, "layer" + stage)[int(block)]
    tmp = tempfile.mkdtemp(prefix="curvlab_jacobian_bench_")
    dump = os.path.join(tmp, "dump.h5")
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    mine, theirs, diffs = [], [], []
    line = ""
    for rep in range(args.repeats):
        r = subprocess.run([args.bench, ckpt, args.unit, str(args.images), str(args.threads), "1", dump],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0:
            sys.exit("bench_jacobian failed:\n" + r.stdout + r.stderr)
        line = r.stdout
        with h5py.File(dump, "r") as h:
            mine.append(float(h["seconds_compressed_per_image"][()]))
            inputs = torch.from_numpy(h["inputs"][()])
            jac0 = torch.from_numpy(h["jacobian0"][()])
        t = 0.0
        for i in range(args.images):
            xi = inputs[i]
            t0 = time.perf_counter()
            jac = torch.autograd.functional.jacobian(lambda v: unit(v.unsqueeze(0))[0], xi, vectorize=True)
            t += time.perf_counter() - t0
            if i == 0:
                diffs.append((jac.reshape(jac0.shape).double() - jac0).abs().max().item())
        theirs.append(t / args.images)
        print(f"repeat {rep}: curvlab {mine[-1]:.4f} s/image, torch vectorize {theirs[-1]:.4f} s/image, "
              f"max |J difference| {diffs[-1]:.2e}")
    a, b = statistics.median(mine), statistics.median(theirs)
    print(line.strip())
    print(f"median: curvlab {a:.4f} s/image, torch.autograd.functional.jacobian(vectorize=True) {b:.4f} s/image: "
          f"{b / a:.2f}x ({args.unit}, {args.images} images, {args.threads} thread(s), {args.repeats} repeats); "
          f"largest |J difference| {max(diffs):.2e}")


if __name__ == "__main__":
    main()
