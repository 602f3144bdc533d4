#!/usr/bin/python3
"""Lattice-Boltzmann throughput: curvlab's fused C++ D2Q9 step (bench_lbm, what the simulate job
runs) on 1 and 2 threads against the NumPy twin of the same scheme (bench/lbm_numpy.py) on the same
grid, alternating over repeats; medians and ratios (> 1: curvlab faster). First a correctness
check: both run the same steps from the same start and their velocity fields are compared (max
|difference|), and 1 and 2 threads must agree bitwise. Then the bandwidth bound: the STREAM triad
on arrays the size of the lattice's working set and on 256 MB arrays (DRAM), set against the bytes
a lattice update moves (144 B: 9 doubles in, 9 out).

  /usr/bin/python3 bench/lbm_bench.py --bench build/bench/bench_lbm [--nx 400 --ny 100 --diameter 20]
      [--re 100] [--steps 2000] [--numpy-steps 200] [--repeats 5]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return out


def mlups(text):
    return float(re.search(r"([0-9.]+) MLUPS", text).group(1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench", required=True, help="build/bench/bench_lbm")
    ap.add_argument("--nx", type=int, default=400)
    ap.add_argument("--ny", type=int, default=100)
    ap.add_argument("--diameter", type=float, default=20)
    ap.add_argument("--re", type=float, default=100)
    ap.add_argument("--steps", type=int, default=2000, help="timed steps of the C++ solver")
    ap.add_argument("--numpy-steps", type=int, default=200, help="timed steps of the NumPy twin")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    grid = [str(a.nx), str(a.ny), f"{a.diameter:g}", f"{a.re:g}"]
    numpy_twin = [sys.executable, os.path.join(HERE, "lbm_numpy.py")]

    # Correctness: the same 200 steps in C++ (1 and 2 threads) and NumPy.
    with tempfile.TemporaryDirectory() as tmp:
        fields = {}
        for name, cmd in [("c1", [a.bench, *grid, "200", "1", f"{tmp}/c1.bin"]),
                          ("c2", [a.bench, *grid, "200", "2", f"{tmp}/c2.bin"]),
                          ("np", [*numpy_twin, *grid, "200", "--dump", f"{tmp}/np.bin"])]:
            run(cmd)
            fields[name] = np.fromfile(f"{tmp}/{name}.bin", dtype=np.float64)
    diff = float(np.abs(fields["c1"] - fields["np"]).max())
    threads_equal = bool(np.array_equal(fields["c1"], fields["c2"]))
    print(f"check after 200 steps: max |u_curvlab - u_numpy| = {diff:.2e}; 1 vs 2 threads bitwise equal: "
          f"{threads_equal}")
    if diff > 1e-10 or not threads_equal:
        print("FAILED: the solvers disagree")
        return 1

    runs = {"curvlab 1 thread": [], "curvlab 2 threads": [], "numpy": []}
    for r in range(a.repeats):  # alternating, so drift in the machine's load hits all three alike
        for name, cmd in [("curvlab 1 thread", [a.bench, *grid, str(a.steps), "1"]),
                          ("curvlab 2 threads", [a.bench, *grid, str(a.steps), "2"]),
                          ("numpy", [*numpy_twin, *grid, str(a.numpy_steps)])]:
            v = mlups(run(cmd))
            runs[name].append(v)
            print(f"repeat {r + 1}: {name:18s} {v:8.2f} MLUPS")
    med = {k: statistics.median(v) for k, v in runs.items()}

    triad = {}
    cells_mb = a.nx * a.ny * 9 * 8 / 1e6  # one population buffer
    for mb in (cells_mb, 256.0):
        for threads in (1, 2):
            out = run([a.bench, "16", "16", "4", "10", "1", str(threads), "--triad", f"{mb:g}"])
            triad[(mb, threads)] = float(re.search(r"([0-9.]+) GB/s", out).group(1))

    print(f"\n{a.nx} x {a.ny} cells, D {a.diameter:g}, Re {a.re:g}; medians of {a.repeats}:")
    print(f"{'solver':20s} {'MLUPS':>8s} {'x numpy':>8s} {'GB/s moved':>11s} {'triad (L)':>10s} "
          f"{'triad (DRAM)':>13s}")
    for name, threads in [("curvlab 1 thread", 1), ("curvlab 2 threads", 2), ("numpy", 1)]:
        gbs = med[name] * 144e-3
        print(f"{name:20s} {med[name]:8.2f} {med[name] / med['numpy']:8.1f} {gbs:11.2f} "
              f"{triad[(cells_mb, threads)]:10.2f} {triad[(256.0, threads)]:13.2f}")
    print(f"(GB/s moved = MLUPS x 144 B; triad (L) on {cells_mb:.2f} MB arrays ~ the lattice's working set, "
          f"triad (DRAM) on 256 MB arrays)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
