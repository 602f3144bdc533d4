#!/usr/bin/python3
"""The shipped cylinder-wake example (examples/cylinder_wake.toml, docs/flow.md) at smoke size: its
settings are the ones docs/flow.md reports; shrunk to a 200 x 50 grid with D = 10 (same blockage,
same Re and U), 6000 warmup steps and 151 snapshots every 20 steps, it runs, sheds (Strouhal number
in 0.16-0.22 from the lift) and writes the 151 snapshots.

Usage: cylinder_wake_test.py PATH/TO/curvlab EXAMPLES_DIR
"""
import os
import subprocess
import sys
import tempfile

import h5py



def main():
    curvlab, examples = sys.argv[1], sys.argv[2]
    job = os.path.join(examples, "cylinder_wake.toml")
    text = open(job).read()
    for line in ["nx = 400", "ny = 100", "diameter = 20", "re = 100", "warmup_steps = 20000", "snapshots = 151",
                 "snapshot_every = 33"]:
        assert f"\n{line}\n" in text, f"the example's settings changed ({line}); update docs/flow.md"
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([curvlab, "run", job, "--quiet", "--set", f"job.output_dir={tmp}/wake",
                            "--set", "simulate.nx=200", "--set", "simulate.ny=50", "--set", "simulate.diameter=10",
                            "--set", "simulate.warmup_steps=6000", "--set", "simulate.snapshot_every=20",
                            "--set", "simulate.plots=false"], capture_output=True, text=True, timeout=600)
        print(p.stdout, p.stderr)
        assert p.returncode == 0, f"exit {p.returncode}"
        with h5py.File(f"{tmp}/wake/flow.h5", "r") as f:
            st = float(f["params/strouhal"][()])
            shape = f["vorticity"].shape
            print(f"smoke: vorticity {shape}, St {st:.4f}, {float(f['params/mlups'][()]):.1f} MLUPS")
            assert shape == (151, 50, 156), shape
            assert 0.16 <= st <= 0.22, f"St {st}"
    print("cylinder_wake example: ok")


if __name__ == "__main__":
    main()
