#!/usr/bin/python3
"""A straightforward PyTorch K-FAC (eigen method, gpauloski/kfac-pytorch conventions), the
baseline of bench_kfac's step time: same model (the PyTorch twin of curvlab's model,
scripts/python/curvlab_models.py), batch, random data and threads, on Debian's python3-torch
(the same libtorch 1.13 as curvlab).

  kfac_torch.py [model] [batch] [steps] [threads] [repeats=3]

Prints one line per configuration (SGD; K-FAC at (1, 1) and (10, 100)): ms/step and the ratio to
SGD. Correctness while timing: at the first K-FAC step the preconditioned gradient of the last
layer is checked against the dense solve (G kron A + damping I)^-1 vec(grad) (printed max
relative difference; exit 1 above 1e-4), and every loss must be finite.
"""
import math
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'python'))
import curvlab_models  # noqa: E402


try:  # Debian's libblas.so.3 is OpenBLAS (pthreads): the symbols curvlab's kfac_math.cpp uses
    import ctypes
    _BLAS = ctypes.CDLL('libblas.so.3')
    _BLAS.openblas_get_num_threads()
except (OSError, AttributeError):
    _BLAS = None


def eigh(f):
    """torch.linalg.eigh with curvlab's policy (kfac_math.cpp): one OpenBLAS thread during the
    decomposition, and float32 above 2048 rows in float64 (float32 ssyevd's workspace query
    overflows float precision near n = 2900 and fails)."""
    saved = _BLAS.openblas_get_num_threads() if _BLAS else 1
    if _BLAS:
        _BLAS.openblas_set_num_threads(1)
    try:
        if f.dtype == torch.float32 and f.shape[0] > 2048:
            d, q = torch.linalg.eigh(f.double())
            return d.float(), q.float()
        return torch.linalg.eigh(f)
    finally:
        if _BLAS:
            _BLAS.openblas_set_num_threads(saved)


class KFAC:
    """K-FAC for nn.Linear / nn.Conv2d (no dilation/groups: the twins' layers have none)."""

    def __init__(self, model, lr, damping=1e-3, factor_decay=0.95, kl_clip=1e-3, factor_freq=1, inv_freq=1):
        self.lr, self.damping, self.decay, self.kl_clip = lr, damping, factor_decay, kl_clip
        self.factor_freq, self.inv_freq = factor_freq, inv_freq
        self.layers = [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]
        self.state = {m: {} for m in self.layers}
        self.steps = 0
        for m in self.layers:
            m.register_forward_pre_hook(self._save_input)
            m.register_full_backward_hook(self._save_grad)

    def _capturing(self):
        return self.steps % self.factor_freq == 0

    def _save_input(self, module, inputs):
        if torch.is_grad_enabled() and self._capturing():
            self.state[module]['a'] = inputs[0].detach()

    def _save_grad(self, module, grad_input, grad_output):
        if self._capturing():
            self.state[module]['g'] = grad_output[0].detach()

    @staticmethod
    def _factors(m, a, g):
        if isinstance(m, nn.Conv2d):
            a = F.unfold(a, m.kernel_size, dilation=m.dilation, padding=m.padding, stride=m.stride)
            spatial = g.shape[2] * g.shape[3]
            a = a.transpose(1, 2).reshape(-1, a.shape[1])
            g = g.permute(0, 2, 3, 1).reshape(-1, g.shape[1]) / spatial
        else:
            spatial = 1
        if m.bias is not None:
            a = torch.cat([a, a.new_ones(a.shape[0], 1)], 1)
        a = a / spatial
        return a.t() @ (a / a.shape[0]), g.t() @ (g / g.shape[0])

    @staticmethod
    def _grad(m):
        grad = m.weight.grad.reshape(m.weight.shape[0], -1)
        if m.bias is not None:
            grad = torch.cat([grad, m.bias.grad.unsqueeze(1)], 1)
        return grad

    def step(self, check=False):
        update_inv = self.steps % self.inv_freq == 0
        vg_sum, results = 0.0, []
        for m in self.layers:
            s = self.state[m]
            if self._capturing():
                A, G = self._factors(m, s.pop('a'), s.pop('g'))
                for key, new in (('A', A), ('G', G)):
                    if key not in s:
                        s[key] = torch.eye(new.shape[0])
                    s[key].mul_(self.decay).add_(new, alpha=1 - self.decay)
            if update_inv:
                s['da'], s['qa'] = eigh(s['A'])
                s['dg'], s['qg'] = eigh(s['G'])
                s['da'].clamp_(min=0)
                s['dg'].clamp_(min=0)
            grad = self._grad(m)
            v = s['qg'].t() @ grad @ s['qa']
            v = v / (torch.outer(s['dg'], s['da']) + self.damping)
            p = s['qg'] @ v @ s['qa'].t()
            vg_sum += float((p * grad * self.lr ** 2).sum())
            results.append((m, p, grad))
        nu = min(1.0, math.sqrt(self.kl_clip / abs(vg_sum))) if vg_sum != 0 else 1.0
        worst = 0.0
        if check:  # dense check of the last (smallest) layer, before the clip
            m, p, grad = results[-1]
            s = self.state[m]
            dense = torch.kron(s['G'].double(), s['A'].double()) + self.damping * torch.eye(grad.numel()).double()
            want = torch.linalg.solve(dense, grad.double().reshape(-1, 1)).reshape(grad.shape)
            worst = float((p.double() - want).abs().max() / want.abs().max())
        for m, p, _ in results:
            p = p * nu
            if m.bias is not None:
                m.weight.grad.copy_(p[:, :-1].reshape(m.weight.shape))
                m.bias.grad.copy_(p[:, -1])
            else:
                m.weight.grad.copy_(p.reshape(m.weight.shape))
        self.steps += 1
        return worst


def time_config(name, batch, steps, freqs):
    torch.manual_seed(0)
    shape = [3, 32, 32] if name.startswith('resnet') else [1, 28, 28]
    model = curvlab_models.build(name, shape, 10)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    kfac = KFAC(model, 0.01, factor_freq=freqs[0], inv_freq=freqs[1]) if freqs else None
    torch.manual_seed(1)
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    ok, worst = True, 0.0
    for s in range(steps + 3):
        if s == 3:
            start = time.perf_counter()
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if kfac:
            w = kfac.step(check=(s == 0))
            worst = max(worst, w)
        ok = ok and math.isfinite(loss.item())
        opt.step()
    return 1e3 * (time.perf_counter() - start) / steps, ok and worst < 1e-4, worst


def main():
    name = sys.argv[1] if len(sys.argv) > 1 else 'convnet'
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    repeats = max(1, int(sys.argv[5])) if len(sys.argv) > 5 else 3
    torch.set_num_threads(threads)
    if _BLAS:  # curvlab's policy (base/blas_threads.h): one OpenBLAS thread, torch's own threads
        _BLAS.openblas_set_num_threads(1)
    print(f'# kfac_torch.py: model {name}, batch {batch}, {steps} timed steps, {threads} threads, '
          f'median of {repeats} alternating repeats, torch {torch.__version__}')
    print(f'{"optim":8s} {"(f, inv)":10s} {"ms/step":>12s} {"vs SGD":>10s} {"ok":>8s}')
    # As bench_kfac: the configurations alternate over the repeats; (1, 1), where every step costs
    # the same, runs a tenth of the steps (at least 5).
    configs = (None, (1, 1), (10, 100))
    times = {c: [] for c in configs}
    oks = {c: True for c in configs}
    worsts = {c: 0.0 for c in configs}
    for _ in range(repeats):
        for c in configs:
            n = max(5, steps // 10) if c and c[0] == 1 else steps
            t, ok, worst = time_config(name, batch, n, c)
            times[c].append(t)
            oks[c] = oks[c] and ok
            worsts[c] = max(worsts[c], worst)
    sgd = statistics.median(times[None])
    print(f'{"sgd":8s} {"-":10s} {sgd:12.2f} {1.0:10.2f} {"yes" if oks[None] else "NO":>8s}')
    rc = 0 if oks[None] else 1
    for c in configs[1:]:
        t = statistics.median(times[c])
        print(f'{"kfac":8s} {str(c):10s} {t:12.2f} {t / sgd:10.2f} {"yes" if oks[c] else "NO":>8s}'
              f'   (dense check of the last layer: max rel diff {worsts[c]:.2e})')
        rc |= 0 if oks[c] else 1
    print('# per repeat, ms/step (sgd, (1, 1), (10, 100)): ' +
          ' '.join(f'[{a:.2f} {b:.2f} {c:.2f}]' for a, b, c in zip(*(times[c] for c in configs))))
    return rc


if __name__ == '__main__':
    sys.exit(main())
