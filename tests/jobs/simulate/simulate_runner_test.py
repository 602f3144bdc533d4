#!/usr/bin/python3
"""The simulate job kind end to end (jobs/simulate/simulate_runner.cpp) on a small grid: flow.h5 read
back with h5py (shapes, dtypes, the cylinder mask, the window's lattice indices, snapshot and lift
steps, parameters as params/* and root attributes, vorticity equal to the central differences of
the stored velocity), summary.csv and the status file; `validate` lists the variants and writes
nothing; a sweep of 2 x 2 variants under mpirun -np 2 writes one sub-folder per variant, each
equal to the same variant run alone (the ranks share nothing but the summary).

Usage: simulate_runner_test.py PATH/TO/curvlab MPIRUN [MPIRUN_FLAGS...]
"""
import csv
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SMALL = ["--set", "simulate.nx=120", "--set", "simulate.ny=40", "--set", "simulate.diameter=8",
         "--set", "simulate.warmup_steps=200", "--set", "simulate.snapshots=5", "--set", "simulate.snapshot_every=10",
         "--set", "simulate.plots=false", "--quiet"]
JOB = '[job]\nname = "wake"\nkind = "simulate"\noutput_dir = "out"\n[simulate]\nre = 100\n'


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print(p.stdout, p.stderr)
        raise SystemExit(f"FAILED: {' '.join(cmd)} exited {p.returncode}")
    return p


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        raise SystemExit(1)


def main():
    curvlab, mpirun, flags = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as tmp:
        with open(f"{tmp}/job.toml", "w") as f:
            f.write(JOB)
        p = run([curvlab, "validate", "job.toml", *SMALL[:-1]], tmp)
        check("re100_s1: 120 x 40 cells, D 8 at (32, 20)" in p.stdout, "validate lists the variant: " + p.stdout.strip())
        check(not os.path.exists(f"{tmp}/out"), "validate writes nothing")

        run([curvlab, "run", "job.toml", *SMALL], tmp)
        with h5py.File(f"{tmp}/out/flow.h5", "r") as f:
            v, ux, uy, mask = f["vorticity"][()], f["ux"][()], f["uy"][()], f["mask"][()]
            x, y, step = f["x"][()], f["y"][()], f["step"][()]
            check(v.shape == (5, 40, 84) and v.dtype == np.float32 and ux.shape == v.shape and uy.dtype == np.float32,
                  f"snapshots float32 [T, H, W] = {v.shape} (window x 32..116, whole height)")
            check(mask.dtype == np.uint8 and mask.shape == (40, 84), "mask uint8 [H, W]")
            check(list(x) == list(range(32, 116)) and list(y) == list(range(40)) and x.dtype == np.int64,
                  "x, y: lattice indices of the window")
            yy, xx = np.meshgrid(y, x, indexing="ij")
            circle = ((xx - 32.0) ** 2 + (yy - 20.0) ** 2 <= 16.0).astype(np.uint8)
            check(np.array_equal(mask, circle), f"mask = the cylinder's cells ({int(mask.sum())} in the window)")
            check(list(step) == [200, 210, 220, 230, 240], f"snapshot steps {list(step)}")
            check(list(f["lift_step"][()]) == list(range(200, 241)) and f["lift"].dtype == np.float64
                  and f["drag"].shape == (41,), "lift and drag every step from the end of warmup")
            params = {k: float(f["params"][k][()]) for k in f["params"]}
            for k in ["re", "tau", "u", "diameter", "center_x", "center_y", "nx", "ny", "warmup_steps",
                      "snapshot_every", "snapshots", "strouhal", "mlups"]:
                check(k in params, f"params/{k} = {params.get(k)}")
            check(abs(params["tau"] - (3 * 0.1 * 8 / 100 + 0.5)) < 1e-12 and params["mlups"] > 0, "tau and MLUPS")
            check(f.attrs["units"] == "lattice" and f.attrs["walls"] == "free_slip" and float(f.attrs["tau"]) == params["tau"],
                  "root attributes: units, walls, parameters")
            # Vorticity: d(uy)/dx - d(ux)/dy by central differences (float32 storage), 0 in the solid.
            inner = (slice(None), slice(1, -1), slice(1, -1))
            ref = ((uy[:, 1:-1, 2:].astype(float) - uy[:, 1:-1, :-2]) / 2
                   - (ux[:, 2:, 1:-1].astype(float) - ux[:, :-2, 1:-1]) / 2)
            fluid = mask[1:-1, 1:-1] == 0
            err = np.abs(v[inner] - ref)[:, fluid].max()
            check(err < 1e-6, f"vorticity = central differences of ux, uy (max diff {err:.1e})")
            check(np.all(v[:, mask == 1] == 0) and np.all(ux[:, mask == 1] == 0), "zero in the solid")
            check(np.isfinite(v).all() and np.abs(ux).max() < 0.3, "finite, |u| < 0.3")
        rows = list(csv.DictReader(open(f"{tmp}/out/summary.csv")))
        check(len(rows) == 1 and rows[0]["variant"] == "re100_s1", "summary.csv: one row")
        check(open(f"{tmp}/out/status").read().strip() == "done", "status done")

        # A 2 x 2 sweep on 2 ranks: one folder per variant, each the same as the variant run alone.
        sweep = ["--set", "simulate.sweep.re=[80, 100]", "--set", "simulate.sweep.scale=[1, 1.5]"]
        run([mpirun, *flags, "-np", "2", curvlab, "run", "job.toml", *SMALL, *sweep, "--set", "job.output_dir=sweep"], tmp)
        rows = list(csv.DictReader(open(f"{tmp}/sweep/summary.csv")))
        check([r["variant"] for r in rows] == ["re80_s1", "re80_s1p5", "re100_s1", "re100_s1p5"],
              "summary.csv: the 4 variants in order")
        check([int(float(r["nx"])) for r in rows] == [120, 180, 120, 180], "scale 1.5 -> nx 180")
        for r in rows:
            check(os.path.exists(f"{tmp}/sweep/{r['variant']}/flow.h5"), f"{r['variant']}/flow.h5")
        with h5py.File(f"{tmp}/sweep/re80_s1p5/flow.h5", "r") as f:
            check(f["vorticity"].shape == (5, 60, 128) and list(f["step"][()]) == [300, 315, 330, 345, 360],
                  "the scaled variant: window and steps x 1.5")
        run([curvlab, "run", "job.toml", *SMALL, "--set", "simulate.re=100", "--set", "job.output_dir=alone"], tmp)
        with h5py.File(f"{tmp}/alone/flow.h5", "r") as a, h5py.File(f"{tmp}/sweep/re100_s1/flow.h5", "r") as b:
            same = all(np.array_equal(a[k][()], b[k][()]) for k in ["vorticity", "ux", "uy", "lift"])
            check(same, "sweep variant re100_s1 (rank 0 of 2, 1 thread) = the same job alone (bitwise)")
    print("simulate runner: all passed")


if __name__ == "__main__":
    main()
