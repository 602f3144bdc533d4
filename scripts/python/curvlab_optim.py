#!/usr/bin/python3
"""Reference trajectories of torch.optim.Adam / torch.optim.AdamW for tests/algorithms/optim/adam_test.cpp.

Usage: curvlab_optim.py DIR KIND AMSGRAD BETA1 BETA2 EPS STEPS LRS WDS SHAPES
  KIND     adam | adamw            AMSGRAD 0 | 1
  LRS, WDS comma-separated lr and weight decay of each step (set in param_groups before the step)
  SHAPES   comma-separated shapes of the parameters, dims joined by 'x' ("3x4,3"; "-" = scalar)
Reads DIR/init_<i>.bin (the parameters) and DIR/grad_<step>_<i>.bin (a missing file = no gradient
that step: the parameter is skipped, as in training), all raw float64; writes DIR/out_<step>_<i>.bin,
the parameters after each step. torch.optim's defaults otherwise (foreach, maximize off).
"""
import os
import sys

import numpy as np
import torch


def load(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype=np.float64).reshape(shape).copy())


def main(argv):
    folder, kind, amsgrad, beta1, beta2, eps, steps, lrs, wds, shapes = argv
    steps = int(steps)
    lrs = [float(v) for v in lrs.split(',')]
    wds = [float(v) for v in wds.split(',')]
    shapes = [[] if s == '-' else [int(d) for d in s.split('x')] for s in shapes.split(',')]
    params = [load(os.path.join(folder, f'init_{i}.bin'), s).requires_grad_() for i, s in enumerate(shapes)]
    cls = {'adam': torch.optim.Adam, 'adamw': torch.optim.AdamW}[kind]
    opt = cls(params, lr=lrs[0], betas=(float(beta1), float(beta2)), eps=float(eps), weight_decay=wds[0],
              amsgrad=amsgrad == '1')
    for step in range(steps):
        opt.param_groups[0]['lr'] = lrs[step]
        opt.param_groups[0]['weight_decay'] = wds[step]
        for i, (p, s) in enumerate(zip(params, shapes)):
            path = os.path.join(folder, f'grad_{step}_{i}.bin')
            p.grad = load(path, s) if os.path.exists(path) else None
        opt.step()
        for i, p in enumerate(params):
            p.detach().numpy().astype(np.float64).tofile(os.path.join(folder, f'out_{step}_{i}.bin'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
