#!/usr/bin/python3
"""PyTorch-Python reference for bench_hessian: a PyHessian-style Hutchinson trace and power
iteration on the same checkpoint weights, the same samples (read from bench_hessian's DUMP) and the
same probe vectors (curvlab's named seeds, reimplemented below, into torch's CPU generator), on
the same libtorch (Debian python3-torch 1.13). Prints both estimates, their agreement and the time
ratio. PyHessian's method: gradsH = grad(loss, params, create_graph=True) once, then each product
Hv = grad(gradsH, params, grad_outputs=v, retain_graph=True).

usage: hessian_reference.py DUMP.h5 [threads] [--against TRACE_S POWER_S LABEL]...

Each --against compares the Python times with another curvlab run of the same work (e.g. 2 ranks
on the same cores) instead of the times in DUMP (the 1-rank run that wrote it).
"""
import os
import sys
import time
import tomllib

import h5py
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "python"))
import curvlab_models  # noqa: E402

M = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)


def hash_name(s):
    h = 0xCBF29CE484222325
    for c in s.encode():
        h = ((h ^ c) * 0x100000001B3) & M
    return h


def derive_seed(seed, purpose, index=0):  # base/seeding.h
    return splitmix64((splitmix64(seed ^ hash_name(purpose)) + index) & M) >> 1


def rademacher(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, (n,), generator=g, dtype=torch.float64) * 2 - 1


def gaussian(n, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, generator=g, dtype=torch.float64)


def main():
    args = sys.argv[1:]
    against = []
    while "--against" in args:
        i = args.index("--against")
        against.append((float(args[i + 1]), float(args[i + 2]), args[i + 3]))
        del args[i:i + 4]
    dump = h5py.File(args[0], "r")
    threads = int(args[1]) if len(args) > 1 else int(dump["threads"][()])
    torch.set_num_threads(threads)
    try:  # curvlab's policy (base/blas_threads.h): one OpenBLAS thread, torch's own threads
        import ctypes
        ctypes.CDLL("libblas.so.3").openblas_set_num_threads(1)
    except (OSError, AttributeError):
        pass
    ckpt_path = dump["checkpoint"][()]
    ckpt_path = ckpt_path.decode() if isinstance(ckpt_path, bytes) else str(ckpt_path)
    ckpt = h5py.File(ckpt_path, "r")
    job = tomllib.loads(ckpt.attrs["job_text"] if isinstance(ckpt.attrs["job_text"], str)
                        else ckpt.attrs["job_text"].decode())
    m = job.get("model", {})
    inputs = torch.from_numpy(dump["inputs"][()])
    targets = torch.from_numpy(dump["targets"][()])
    model = curvlab_models.build(m.get("name", "convnet"), tuple(inputs.shape[1:]), int(dump["num_classes"][()]),
                                 m.get("widths", [256, 128]), m.get("activation", "relu"))
    state = {k: torch.from_numpy(v[()]) if v.shape != () else torch.tensor(v[()])
             for k, v in _walk(ckpt["model"])}
    model.load_state_dict(state)
    model.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    n = sum(p.numel() for p in params)

    def flat_to_list(v):
        out, off = [], 0
        for p in params:
            out.append(v[off:off + p.numel()].view_as(p).to(p.dtype))
            off += p.numel()
        return out

    t0 = time.perf_counter()
    loss = F.cross_entropy(model(inputs), targets)
    grads = torch.autograd.grad(loss, params, create_graph=True)

    def hvp(v):
        hv = torch.autograd.grad(grads, params, grad_outputs=flat_to_list(v), retain_graph=True)
        return torch.cat([h.reshape(-1) for h in hv]).to(torch.float64)

    probes = len(dump["per_probe"][()])
    per_probe = []
    for i in range(probes):
        z = rademacher(n, derive_seed(0, "hutchinson", i))
        per_probe.append(float(torch.dot(z, hvp(z))))
    t_trace = time.perf_counter() - t0
    t0 = time.perf_counter()
    iters = int(dump["power_iters"][()])
    v = gaussian(n, derive_seed(0, "power_iteration", 0))
    v = v / v.norm()
    lam = 0.0
    for _ in range(iters):
        hv = hvp(v)
        lam = float(torch.dot(v, hv))
        v = hv / hv.norm()
    t_power = time.perf_counter() - t0
    trace = sum(per_probe) / probes
    ref_probe = dump["per_probe"][()]
    diff = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(per_probe, ref_probe))
    c_lam = float(dump["top_eigenvalue"][()])
    print(f"python reference ({threads} thread(s)): {probes} probes, {iters} power iterations, {n} parameters")
    print(f"  trace:          python {trace:.6g}  curvlab {float(dump['trace'][()]):.6g}  "
          f"max per-probe rel diff {diff:.1e} ({'ok' if diff < 1e-3 else 'WRONG'})")
    print(f"  top eigenvalue: python {lam:.6g}  curvlab {c_lam:.6g}  rel diff "
          f"{abs(lam - c_lam) / max(1e-12, abs(c_lam)):.1e}")
    if not against:
        against = [(float(dump["time_trace"][()]), float(dump["time_power"][()]),
                    f"curvlab 1 rank x {int(dump['threads'][()])} thread(s)")]
    for c_trace, c_power, label in against:
        print(f"  vs {label}:")
        print(f"    time trace:   python {t_trace:.3f} s (incl. building the gradient graph)  curvlab {c_trace:.3f} s  "
              f"speedup {t_trace / c_trace:.2f}x")
        print(f"    time power:   python {t_power:.3f} s  curvlab {c_power:.3f} s  speedup {t_power / c_power:.2f}x")
        print(f"    time total:   python {t_trace + t_power:.3f} s  curvlab {c_trace + c_power:.3f} s  "
              f"speedup {(t_trace + t_power) / (c_trace + c_power):.2f}x")
    return 0 if diff < 1e-3 else 1


def _walk(group, prefix=""):
    for k, v in group.items():
        if isinstance(v, h5py.Group):
            yield from _walk(v, prefix + k + ".")
        else:
            yield prefix + k, v


if __name__ == "__main__":
    sys.exit(main())
