#!/usr/bin/python3
"""The shipped flow-reconstruction example (examples/flow_reconstruction.toml after
examples/cylinder_wake.toml, docs/flow.md) at smoke size: the wake on a 200 x 50 grid (as
cylinder_wake_test.py), then the reconstruction with the example's settings but 3 and 5 sensors and
60 epochs (the lr steps every 20): it runs, records every count and method, its POD errors are
finite and the decoder's test error is below 1 (it learned something), the plots exist.

Usage: flow_reconstruction_test.py PATH/TO/curvlab EXAMPLES_DIR
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile

import h5py


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    print(p.stdout, p.stderr)
    assert p.returncode == 0, f"exit {p.returncode}: {' '.join(cmd)}"
    return p


def main():
    curvlab, examples = sys.argv[1], sys.argv[2]
    job = os.path.join(examples, "flow_reconstruction.toml")
    text = open(job).read()
    for line in ["epochs = 4000", "batch_size = 100", 'optimizer = "adam"', "lr = 0.01", "weight_decay = 1e-4",
                 "step_every = 100", "gamma = 0.9", "weight_decay_gamma = 0.8", "sensor_counts = [3, 5, 10, 20]"]:
        assert f"\n{line}\n" in text, f"the example's settings changed ({line}); update docs/flow.md"
    with tempfile.TemporaryDirectory() as tmp:
        run([curvlab, "run", os.path.join(examples, "cylinder_wake.toml"), "--quiet",
             "--set", f"job.output_dir={tmp}/wake", "--set", "simulate.nx=200", "--set", "simulate.ny=50",
             "--set", "simulate.diameter=10", "--set", "simulate.warmup_steps=6000",
             "--set", "simulate.snapshot_every=20", "--set", "simulate.plots=false"])
        run([curvlab, "run", job, "--quiet", "--set", f"job.output_dir={tmp}/recon",
             "--set", f"data.flow.file={tmp}/wake/flow.h5", "--set", "train.epochs=60",
             "--set", "train.eval_every_epochs=20", "--set", "train.checkpoint_every_steps=0",
             "--set", "train.lr_schedule.step_every=20", "--set", "reconstruct.sensor_counts=[3, 5]"])
        with open(f"{tmp}/recon/reconstruct_summary.csv") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 6, rows
        for r in rows:
            assert float(r["test_error"]) == float(r["test_error"]), r  # not NaN
        dec = [float(r["test_error"]) for r in rows if r["method"] == "decoder"]
        assert max(dec) < 1.0, f"decoder test errors {dec}"
        with h5py.File(f"{tmp}/recon/reconstruct.h5", "r") as f:
            assert f["sensors_5/pixels"].shape == (5,)
            assert f["plot_truth"].shape == (50, 156), f["plot_truth"].shape
        if shutil.which("gnuplot"):
            assert os.path.getsize(f"{tmp}/recon/plots/fields_sensors_5.png") > 0
        print("flow_reconstruction example: ok", {r["sensors"] + " " + r["method"]: r["test_error"] for r in rows})


if __name__ == "__main__":
    main()
