#!/usr/bin/python3
"""Open a curvlab checkpoint in PyTorch: the model rebuilt as its torch.nn twin
(scripts/python/curvlab_models.py) with the checkpoint's parameters and buffers loaded.

As a module (put scripts/python on sys.path):
    import curvlab_checkpoint as cc
    model = cc.load_model("runs/default/checkpoints/ckpt_00000938.h5")   # eval mode
    job = cc.read_job(path)          # the job file embedded in the checkpoint, as a dict
    state = cc.load_state(path)      # {state_dict key: tensor}

Command line:
    curvlab_checkpoint.py CKPT                       prints the model spec, step and tensor count
    curvlab_checkpoint.py CKPT --check-logits FILE [--tol 1e-5]
        FILE is an HDF5 file with datasets `inputs` [B, C, H, W] and `logits` [B, classes]
        (e.g. written by curvlab's own forward pass); runs the twin in eval mode on `inputs`,
        prints the largest absolute difference to `logits`, exits 1 when it exceeds --tol.
Exit status 2 on bad input (missing file, not a curvlab checkpoint).
"""
import argparse
import os
import sys

import h5py
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import curvlab_models  # noqa: E402


class CheckpointError(Exception):
    """A file that is not a readable curvlab checkpoint."""


def _attr(f, name):
    value = f.attrs.get(name)
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _open(path):
    if not os.path.isfile(path):
        raise CheckpointError(f'{path}: no such file; pass a file from <output_dir>/checkpoints/')
    try:
        return h5py.File(path, 'r')
    except OSError as e:
        raise CheckpointError(f'{path}: not an HDF5 file ({e})') from e


def load_state(path):
    """/model/<state_dict key> -> {key: tensor} with the dtypes the model had."""
    state = {}
    with _open(path) as f:
        if 'model' not in f:
            raise CheckpointError(f'{path}: has no /model group; is it a curvlab checkpoint (kind=checkpoint)?')
        for key, ds in f['model'].items():
            value = torch.from_numpy(np.asarray(ds[()]))
            dtype = ds.attrs.get('torch_dtype')
            if dtype is not None:
                value = value.to(getattr(torch, dtype.decode() if isinstance(dtype, bytes) else dtype))
            state[key] = value
    return state


def model_spec(path):
    """The checkpoint's model as NAME:C:H:W:CLASSES[:WIDTHS:ACTIVATION] (root attribute model_spec)."""
    with _open(path) as f:
        spec = _attr(f, 'model_spec')
    if spec is None:
        raise CheckpointError(f'{path}: has no model_spec attribute (written by curvlab >= 0.1.0 trainers); '
                              'build the twin yourself with curvlab_models.build(...)')
    return spec


def read_job(path):
    """The job file embedded in the checkpoint (attribute job_text), parsed as TOML."""
    import tomllib
    with _open(path) as f:
        text = _attr(f, 'job_text') or ''
    return tomllib.loads(text)


def load_model(path, eval_mode=True):
    """The torch.nn twin of the checkpoint's model with its state loaded (strict names)."""
    model = curvlab_models.build_from_spec(model_spec(path))
    model.load_state_dict(load_state(path), strict=True)
    if eval_mode:
        model.eval()
    return model


def check_logits(ckpt, file, tol):
    model = load_model(ckpt)
    with h5py.File(file, 'r') as f:
        inputs = torch.from_numpy(np.asarray(f['inputs'][()]))
        expected = torch.from_numpy(np.asarray(f['logits'][()]))
    with torch.no_grad():
        logits = model(inputs)
    diff = (logits - expected).abs().max().item()
    print(f'{model_spec(ckpt)}: {tuple(inputs.shape)} -> {tuple(logits.shape)}, max |torch - curvlab| = {diff:.3e} '
          f'(tol {tol:g})')
    return 0 if diff <= tol else 1


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('checkpoint')
    p.add_argument('--check-logits', metavar='FILE')
    p.add_argument('--tol', type=float, default=1e-5)
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    try:
        if a.check_logits:
            return check_logits(a.checkpoint, a.check_logits, a.tol)
        state = load_state(a.checkpoint)
        with _open(a.checkpoint) as f:
            step = _attr(f, 'step')
        print(f'{a.checkpoint}: model {model_spec(a.checkpoint)}, step {step}, {len(state)} tensors')
        return 0
    except CheckpointError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
