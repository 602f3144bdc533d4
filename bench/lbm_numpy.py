#!/usr/bin/python3
"""The NumPy twin of curvlab's D2Q9 solver (algorithms/flow/lbm_d2q9.cpp), the same scheme on the
same grid: BGK, pull streaming by np.roll with the boundary cells patched by precomputed gathers
(free-slip top and bottom, halfway bounce-back on the cylinder, zero-gradient outlet), Zou-He
velocity inlet relaxed to equilibrium, the same start (uniform U plus the transverse bump).
Used by bench/lbm_bench.py as the baseline and as the correctness check (fields agree to ~1e-12).

  /usr/bin/python3 bench/lbm_numpy.py NX NY DIAMETER RE STEPS [--dump FILE]
"""
import argparse
import sys
import time

import numpy as np

CX = np.array([0, 1, 0, -1, 0, 1, -1, -1, 1])
CY = np.array([0, 0, 1, 0, -1, 1, 1, -1, -1])
W = np.array([4 / 9] + [1 / 9] * 4 + [1 / 36] * 4)
OPP = [0, 3, 4, 1, 2, 7, 8, 5, 6]
MIRROR_Y = [0, 1, 4, 3, 2, 8, 7, 6, 5]


def equilibrium(rho, ux, uy):
    """feq [9, ...] for fields of any shape."""
    usq = 1.5 * (ux * ux + uy * uy)
    cu = 3.0 * (CX[:, None, None] * ux + CY[:, None, None] * uy) if ux.ndim == 2 else \
        3.0 * (CX[:, None] * ux + CY[:, None] * uy)
    w = W[:, None, None] if ux.ndim == 2 else W[:, None]
    return w * rho * (1.0 + cu + 0.5 * cu * cu - usq)


class Lbm:
    def __init__(self, nx, ny, diameter, re, u=0.1, perturbation=0.05):
        self.nx, self.ny, self.u = nx, ny, u
        self.tau = 3 * u * diameter / re + 0.5
        self.omega = 1.0 / self.tau
        cx, cy = 4 * diameter, 0.5 * ny
        y, x = np.mgrid[0:ny, 0:nx].astype(float)
        self.solid = (x - cx) ** 2 + (y - cy) ** 2 <= (0.5 * diameter) ** 2
        ux = np.where(self.solid, 0.0, u)
        d = max(diameter, 1.0)
        uy = np.where(self.solid, 0.0,
                      perturbation * u * np.exp(-((x - (cx + diameter)) ** 2 + (y - cy) ** 2) / (d * d)))
        self.f = equilibrium(np.ones((ny, nx)), ux, uy)
        self.rest = W.copy()
        self._patches()

    def _pull(self, q, x, y):
        """(q', y', x') of the population streaming into (x, y), as in LbmD2Q9::pull; None: inlet unknown."""
        nx, ny = self.nx, self.ny
        sx, sy, qs = x - CX[q], y - CY[q], q
        if sy < 0 or sy >= ny:  # free slip: the mirrored population of the same row
            qs, sy = MIRROR_Y[q], y
        if sx < 0:
            return None
        if sx >= nx:
            sx = nx - 1  # zero gradient
        if self.solid[sy, sx]:
            return OPP[q], y, x  # halfway bounce-back
        return qs, sy, sx

    def _patches(self):
        """Per direction: the cells whose pull differs from a periodic roll, and their sources."""
        nx, ny = self.nx, self.ny
        near = self.solid.copy()
        for q in range(1, 9):
            near |= np.roll(self.solid, (CY[q], CX[q]), axis=(0, 1))
        near[:, 0] = near[:, -1] = near[0, :] = near[-1, :] = True
        cells = [(y, x) for y, x in zip(*np.nonzero(near)) if not self.solid[y, x]]
        self.patch = []
        for q in range(9):
            dst, src = [], []
            for y, x in cells:
                s = self._pull(q, x, y)
                if s is None:
                    continue
                dst.append(y * nx + x)
                src.append((s[0] * ny + s[1]) * nx + s[2])
            self.patch.append((np.array(dst, dtype=np.int64), np.array(src, dtype=np.int64)))

    def step(self):
        f, nx, ny = self.f, self.nx, self.ny
        flat = f.reshape(-1)
        g = np.empty_like(f)
        for q in range(9):
            g[q] = np.roll(f[q], (CY[q], CX[q]), axis=(0, 1))
            dst, src = self.patch[q]
            g[q].reshape(-1)[dst] = flat[src]
        # Zou-He velocity inlet at x = 0: u = (U, 0), unknowns 1, 5, 8.
        c = g[:, :, 0]
        rho = (c[0] + c[2] + c[4] + 2.0 * (c[3] + c[6] + c[7])) / (1.0 - self.u)
        c[1] = c[3] + 2.0 / 3.0 * rho * self.u
        c[5] = c[7] - 0.5 * (c[2] - c[4]) + rho * self.u / 6.0
        c[8] = c[6] + 0.5 * (c[2] - c[4]) + rho * self.u / 6.0
        # BGK (the inlet column with omega = 1).
        rho = g.sum(axis=0)
        ux = (g[1] - g[3] + g[5] - g[6] - g[7] + g[8]) / rho
        uy = (g[2] - g[4] + g[5] + g[6] - g[7] - g[8]) / rho
        feq = equilibrium(rho, ux, uy)
        g -= self.omega * (g - feq)
        g[:, :, 0] = feq[:, :, 0]
        g[:, self.solid] = self.rest[:, None]
        self.f = g

    def velocity(self):
        f = self.f
        rho = f.sum(axis=0)
        ux = (f[1] - f[3] + f[5] - f[6] - f[7] + f[8]) / rho
        uy = (f[2] - f[4] + f[5] + f[6] - f[7] - f[8]) / rho
        ux[self.solid] = 0.0
        uy[self.solid] = 0.0
        return ux, uy


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("nx", type=int)
    ap.add_argument("ny", type=int)
    ap.add_argument("diameter", type=float)
    ap.add_argument("re", type=float)
    ap.add_argument("steps", type=int)
    ap.add_argument("--dump", help="write ux then uy (raw float64, [ny][nx]) after the steps")
    a = ap.parse_args()
    lbm = Lbm(a.nx, a.ny, a.diameter, a.re)
    t0 = time.perf_counter()
    for _ in range(a.steps):
        lbm.step()
    s = time.perf_counter() - t0
    mlups = a.nx * a.ny * a.steps / s / 1e6
    print(f"lbm_numpy: {a.nx} x {a.ny}, D {a.diameter:g}, Re {a.re:g}, tau {lbm.tau:.4f}, {a.steps} steps: "
          f"{s:.3f} s, {mlups:.2f} MLUPS")
    if a.dump:
        ux, uy = lbm.velocity()
        with open(a.dump, "wb") as out:
            out.write(np.ascontiguousarray(ux).tobytes())
            out.write(np.ascontiguousarray(uy).tobytes())
    return 0 if np.isfinite(lbm.f).all() else 3


if __name__ == "__main__":
    sys.exit(main())
