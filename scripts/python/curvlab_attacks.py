#!/usr/bin/python3
"""PyTorch-Python twins of curvlab's attacks (algorithms/attack/): DeepFool, the first-order
trust-region attack (TR) and Carlini-Wagner L2, written op for op like the C++ so that, on the same
weights and images, they give the same targets, iteration counts and perturbations. Used by
tests/jobs/attack/attack_twin_test.py (agreement per image) and bench/attack_speed.py (the
PyTorch-Python peer of the speed comparison).

Models take pixel-unit images: PixelNet puts the data set's normalisation in front, as
engine/models/pixel_net.cpp does. norm is 'l2' or 'linf'; box is (lo, hi).
"""
import math

import torch
import torch.nn as nn


class PixelNet(nn.Module):
    """forward(x) = inner((x - mean) / stdev) per channel (float32 sub then div, as the loader)."""

    def __init__(self, inner, mean, stdev):
        super().__init__()
        self.inner = inner
        self.mean = None if len(mean) == 0 else torch.tensor([float(m) for m in mean], dtype=torch.float32)
        self.stdev = None if len(stdev) == 0 else torch.tensor(
            [float(1.0 if s < 1e-12 else s) for s in stdev], dtype=torch.float32)

    def forward(self, x):
        if self.mean is None:
            return self.inner(x)
        c = self.mean.numel()
        return self.inner((x - self.mean.view(1, c, 1, 1)) / self.stdev.view(1, c, 1, 1))


def image_norm(x, norm):
    f = x.flatten(1)
    return f.norm(2, dim=1) if norm == 'l2' else f.abs().amax(1)


def dual_norm(g, norm):
    f = g.flatten(1)
    return f.norm(2, dim=1) if norm == 'l2' else f.abs().sum(1)


def per_image(s, x):
    return s.reshape([x.size(0)] + [1] * (x.dim() - 1))


def unit_step(g, norm):
    if norm == 'linf':
        return g.sign()
    n = g.flatten(1).norm(2, dim=1)
    return g / per_image(torch.where(n > 0, n, torch.ones_like(n)), g)


def logits(model, x):
    with torch.no_grad():
        return model(x)


def choose_targets(model, x, top_c, norm, hardest=False):
    """Among the top-c classes, the one whose linearised boundary is nearest (or farthest)."""
    xr = x.detach().requires_grad_(True)
    z = model(xr)
    c = min(top_c, z.size(1))
    order = z.detach().sort(1, descending=True)[1][:, :c]
    z_cls = z.gather(1, order[:, 0:1]).squeeze(1)
    g_cls = torch.autograd.grad(z_cls.sum(), xr, retain_graph=True)[0]
    best = torch.full((x.size(0),), -math.inf if hardest else math.inf, dtype=torch.float64)
    target = order[:, 1].clone()
    for i in range(1, c):
        z_i = z.gather(1, order[:, i:i + 1]).squeeze(1)
        g_i = torch.autograd.grad(z_i.sum(), xr, retain_graph=i + 1 < c)[0]
        d = dual_norm(g_i - g_cls, norm).to(torch.float64)
        dist = ((z_cls - z_i).detach().to(torch.float64) / d.clamp_min(1e-30)).clamp_min(0)
        better = dist > best if hardest else dist < best
        best = torch.where(better, dist, best)
        target = torch.where(better, order[:, i], target)
    return target


def trust_region(model, x, y, norm, box, max_iter=2000, top_c=9, hardest=False, overshoot=1.02, radius=1e-3,
                 radius_min=0.0, radius_max=0.0, grow=1.2, rho_grow=0.9, rho_shrink=0.5, margin=1e-4):
    """The first-order TR attack. Returns (adversarial, success, iterations, target)."""
    r_min = radius_min if radius_min > 0 else (5e-4 if norm == 'l2' else 1e-4)
    r_max = radius_max if radius_max > 0 else (5e-2 if norm == 'l2' else 1e-2)
    b = x.size(0)
    adv = x.detach().clone()
    iterations = torch.zeros(b, dtype=torch.int64)
    active = logits(model, x).argmax(1).eq(y)
    target = choose_targets(model, x, top_c, norm, hardest)
    rad = torch.full((b,), min(max(radius, r_min), r_max), dtype=torch.float64)
    for _ in range(max_iter):
        if not bool(active.any()):
            break
        idx = active.nonzero().squeeze(1)
        xa, ya, ta = adv.index_select(0, idx), y.index_select(0, idx), target.index_select(0, idx)
        xr = xa.detach().requires_grad_(True)
        z = model(xr)
        obj = z.gather(1, ta.view(-1, 1)).squeeze(1) - z.gather(1, ya.view(-1, 1)).squeeze(1)
        g = torch.autograd.grad(obj.sum(), xr)[0].detach()
        blocked = (g.gt(0) & xa.ge(box[1])) | (g.lt(0) & xa.le(box[0]))
        g = g.masked_fill(blocked, 0)
        z = z.detach()
        gap = (z.gather(1, ya.view(-1, 1)) - z.gather(1, ta.view(-1, 1))).squeeze(1).to(torch.float64)
        ra = rad.index_select(0, idx)
        u = unit_step(g, norm)
        a_raw = dual_norm(g, norm).to(torch.float64)
        movable = a_raw.gt(0)
        a = a_raw.clamp_min(1e-30)
        dist = gap.clamp_min(0) / a
        s = (torch.minimum(dist, ra) + margin) * overshoot
        stepped = (xa + per_image(s.to(x.dtype), xa) * u).clamp(box[0], box[1])
        d = stepped - xa
        predicted = (g * d).flatten(1).sum(1).to(torch.float64)
        z_new = logits(model, stepped)
        gap_new = (z_new.gather(1, ya.view(-1, 1)) - z_new.gather(1, ta.view(-1, 1))).squeeze(1).to(torch.float64)
        rho = (gap - gap_new) / predicted.clamp_min(1e-30)
        r_next = torch.where(rho > rho_grow, ra * grow, torch.where(rho < rho_shrink, ra / grow, ra))
        rad.index_copy_(0, idx, r_next.clamp(r_min, r_max))
        adv.index_copy_(0, idx, stepped)
        iterations.index_add_(0, idx, torch.ones(idx.size(0), dtype=torch.int64))
        active.index_copy_(0, idx, z_new.argmax(1).eq(ya) & movable)
    return adv, logits(model, adv).argmax(1).ne(y), iterations, target


def deepfool(model, x, y, norm, box, max_iter=50, overshoot=0.02, top_c=9):
    """DeepFool over the top-c classes. Returns (adversarial, success, iterations, target)."""
    b = x.size(0)
    z0 = logits(model, x)
    c = min(top_c, z0.size(1))
    classes = z0.sort(1, descending=True)[1][:, :c]
    adv = x.detach().clone()
    r_total = torch.zeros_like(x)
    iterations = torch.zeros(b, dtype=torch.int64)
    target = torch.full((b,), -1, dtype=torch.int64)
    active = z0.argmax(1).eq(y)
    for _ in range(max_iter):
        if not bool(active.any()):
            break
        idx = active.nonzero().squeeze(1)
        xa = adv.index_select(0, idx).detach().requires_grad_(True)
        cls = classes.index_select(0, idx)
        z = model(xa)
        z_k = z.gather(1, cls[:, 0:1]).squeeze(1)
        g_k = torch.autograd.grad(z_k.sum(), xa, retain_graph=True)[0]
        n = idx.size(0)
        best = torch.full((n,), math.inf, dtype=torch.float64)
        best_f = torch.zeros(n, dtype=torch.float64)
        best_w = torch.zeros_like(g_k)
        best_class = cls[:, 1].clone()
        for i in range(1, c):
            z_i = z.gather(1, cls[:, i:i + 1]).squeeze(1)
            g_i = torch.autograd.grad(z_i.sum(), xa, retain_graph=i + 1 < c)[0]
            w = g_i - g_k
            f = (z_i - z_k).detach().abs().to(torch.float64)
            dist = f / dual_norm(w, norm).to(torch.float64).clamp_min(1e-30)
            better = dist < best
            best = torch.where(better, dist, best)
            best_f = torch.where(better, f, best_f)
            best_w = torch.where(per_image(better, w), w, best_w)
            best_class = torch.where(better, cls[:, i], best_class)
        dn_raw = dual_norm(best_w, norm).to(torch.float64)
        movable = dn_raw > 0
        dn = dn_raw.clamp_min(1e-30)
        xi = x.index_select(0, idx)
        if norm == 'l2':
            r = per_image(((best_f + 1e-4) / (dn * dn)).to(x.dtype), xi) * best_w
        else:
            r = per_image(((best_f + 1e-4) / dn).to(x.dtype), xi) * best_w.sign()
        r = torch.where(per_image(movable, r), r, torch.zeros_like(r))
        r_new = r_total.index_select(0, idx) + r
        r_total.index_copy_(0, idx, r_new)
        stepped = (xi + (1 + overshoot) * r_new).clamp(box[0], box[1])
        adv.index_copy_(0, idx, stepped)
        iterations.index_add_(0, idx, torch.ones(n, dtype=torch.int64))
        target.index_copy_(0, idx, best_class)
        active.index_copy_(0, idx, logits(model, stepped).argmax(1).eq(y.index_select(0, idx)).logical_and(movable))
    return adv, logits(model, adv).argmax(1).ne(y), iterations, target


def carlini_wagner_l2(model, x, y, box, binary_steps=9, max_iter=1000, lr=0.01, initial_const=1e-3,
                      confidence=0.0, abort_early=True):
    """Untargeted CW L2 (tanh variables, Adam, binary search on c). Returns (adversarial, success, iterations)."""
    b = x.size(0)
    adv = x.detach().clone()
    iterations = torch.zeros(b, dtype=torch.int64)
    z0 = logits(model, x)
    correct = z0.argmax(1).eq(y)
    idx = correct.nonzero().squeeze(1)
    n = idx.size(0)
    if n > 0:
        xa, ya = x.index_select(0, idx).detach(), y.index_select(0, idx)
        lo, span = box[0], box[1] - box[0]
        w0 = torch.atanh(((xa - lo) / span * 2 - 1).clamp(-1 + 1e-6, 1 - 1e-6))
        label_mask = torch.nn.functional.one_hot(ya, z0.size(1)).to(torch.bool)
        c = torch.full((n,), initial_const, dtype=torch.float64)
        c_lo = torch.zeros(n, dtype=torch.float64)
        c_hi = torch.full((n,), 1e10, dtype=torch.float64)
        best_l2 = torch.full((n,), math.inf, dtype=torch.float64)
        best = xa.clone()
        steps_taken = torch.zeros(n, dtype=torch.int64)
        check_every = max(1, max_iter // 10)
        for _ in range(binary_steps):
            w = w0.clone().requires_grad_(True)
            adam = torch.optim.Adam([w], lr=lr)
            found = torch.zeros(n, dtype=torch.bool)
            cf = c.to(xa.dtype)
            previous = math.inf
            taken = 0
            for it in range(max_iter):
                adam.zero_grad()
                xadv = lo + span * (torch.tanh(w) + 1) / 2
                z = model(xadv)
                real = z.masked_select(label_mask)
                other = z.masked_fill(label_mask, -1e30).max(1)[0]
                f = (real - other + confidence).clamp_min(0)
                l2sq = (xadv - xa).flatten(1).pow(2).sum(1)
                loss = (l2sq + cf * f).sum()
                loss.backward()
                adam.step()
                taken += 1
                with torch.no_grad():
                    fooled = (real + confidence).lt(other)
                    found = found.logical_or(fooled)
                    d = l2sq.detach().sqrt().to(torch.float64)
                    better = fooled.logical_and(d < best_l2)
                    best_l2 = torch.where(better, d, best_l2)
                    best = torch.where(per_image(better, best), xadv.detach(), best)
                if abort_early and (it + 1) % check_every == 0:
                    now = loss.item()
                    if now > previous * 0.9999:
                        break
                    previous = now
            steps_taken += taken
            c_hi = torch.where(found, torch.minimum(c_hi, c), c_hi)
            c_lo = torch.where(found, c_lo, torch.maximum(c_lo, c))
            c = torch.where(c_hi < 1e9, (c_lo + c_hi) / 2, c * 10)
        adv.index_copy_(0, idx, best)
        iterations.index_copy_(0, idx, steps_taken)
    return adv, logits(model, adv).argmax(1).ne(y), iterations
