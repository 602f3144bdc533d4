#!/usr/bin/python3
"""Training throughput (samples/s) of curvlab against PyTorch scripts on the same libtorch.

Side by side in one run, alternating (curvlab, peers, curvlab, peers, ...), same model, batch
size, thread count, optimizer and data (Fashion-MNIST, normalised per channel):
  curvlab      `curvlab run` on a generated job; steps timed from results.h5 /metrics/step/wall_time
  torch-dl     the idiomatic PyTorch script: DataLoader(TensorDataset, shuffle=True) + SGD
  torch-index  a hand-tuned PyTorch script: one in-memory tensor, index_select per batch (what
               curvlab's loader does), no DataLoader
Throughput = batch * (steps - warmup) / time of those steps (the first `warmup` steps excluded).
Prints one line per measurement, then the median of each and the ratios.

  /usr/bin/python3 bench/train_throughput.py --curvlab build/curvlab [--model convnet]
      [--batch 128] [--steps 150] [--warmup 10] [--threads 2] [--repeats 3] [--ranks 1]
With --ranks 2 curvlab runs under mpirun and the peer is PyTorch DDP (gloo), see
bench/ddp_throughput.py.
"""
import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'scripts', 'python'))
import curvlab_models  # noqa: E402

DATA = '/usr/share/datasets/fashion-mnist'


def read_idx(path):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist():
    """Training split as float32 [N, 1, 28, 28] normalised per channel, and int64 labels."""
    x = torch.from_numpy(read_idx(os.path.join(DATA, 'train-images-idx3-ubyte.gz')).astype(np.float32) / 255.0)
    y = torch.from_numpy(read_idx(os.path.join(DATA, 'train-labels-idx1-ubyte.gz')).astype(np.int64))
    x = x.unsqueeze(1)
    mean, std = x.mean().item(), x.std().item()
    return (x - mean) / std, y


def job_text(out, a):
    return f'''[job]
name = "bench"
output_dir = "{out}"
seed = 1
[data]
dataset = "fashion-mnist"
[model]
name = "{a.model}"
[train]
steps = {a.steps}
batch_size = {a.batch}
lr = 0.01
momentum = 0.9
weight_decay = 5e-4
threads = {a.threads}
eval_every_steps = {a.steps}
checkpoint_every_steps = {a.steps}
keep_last = 1
log_every_seconds = 1000
[comm]
backend = "{'local' if a.ranks == 1 else 'mpi'}"
'''


def run_curvlab(a):
    with tempfile.TemporaryDirectory(prefix='curvlab_bench_') as tmp:
        job = os.path.join(tmp, 'job.toml')
        out = os.path.join(tmp, 'run')
        with open(job, 'w') as f:
            f.write(job_text(out, a))
        cmd = [a.curvlab, 'run', job, '--quiet']
        if a.ranks > 1:
            cmd = ['mpirun', '--oversubscribe', '--allow-run-as-root', '--bind-to', 'none', '-np', str(a.ranks)] + cmd
        env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        with h5py.File(os.path.join(out, 'results.h5'), 'r') as f:
            wall = np.asarray(f['metrics/step/wall_time'][()])
    return a.batch * (a.steps - a.warmup) / (wall[a.steps - 1] - wall[a.warmup - 1])


def train_torch(a, x, y, use_dataloader):
    torch.manual_seed(1)
    model = curvlab_models.build(a.model, tuple(x.shape[1:]), 10)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    if use_dataloader:
        ds = torch.utils.data.TensorDataset(x, y)
        batches = iter(torch.utils.data.DataLoader(ds, batch_size=a.batch, shuffle=True, drop_last=True))
    else:
        perm = torch.randperm(x.shape[0])

        def gen():
            for s in range(0, x.shape[0] - a.batch + 1, a.batch):
                idx = perm[s:s + a.batch]
                yield x.index_select(0, idx), y.index_select(0, idx)
        batches = gen()
    t_start = None
    for step in range(a.steps):
        if step == a.warmup:
            t_start = time.perf_counter()
        xb, yb = next(batches)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()  # curvlab reads the loss every step as well
    return a.batch * (a.steps - a.warmup) / (time.perf_counter() - t_start)


def main():
    p = argparse.ArgumentParser(description='curvlab vs PyTorch training throughput')
    p.add_argument('--curvlab', required=True)
    p.add_argument('--model', default='convnet')
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--steps', type=int, default=150)
    p.add_argument('--warmup', type=int, default=10)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--ranks', type=int, default=1)
    a = p.parse_args()
    if a.steps * a.batch > 60000 or a.warmup < 1 or a.warmup >= a.steps:
        p.error('need 1 <= warmup < steps and steps * batch <= 60000 (one epoch)')
    torch.set_num_threads(a.threads)
    x, y = load_fashion_mnist()
    print(f'# model {a.model}, batch {a.batch}, {a.steps} steps ({a.warmup} untimed), {a.threads} threads, '
          f'torch {torch.__version__}')
    results = {'curvlab': [], 'torch-dl': [], 'torch-index': []}
    for r in range(a.repeats):
        results['curvlab'].append(run_curvlab(a))
        results['torch-dl'].append(train_torch(a, x, y, True))
        results['torch-index'].append(train_torch(a, x, y, False))
        print(f'repeat {r}: ' + '  '.join(f'{k} {v[-1]:8.1f}' for k, v in results.items()), flush=True)
    med = {k: statistics.median(v) for k, v in results.items()}
    print('median samples/s: ' + '  '.join(f'{k} {v:.1f}' for k, v in med.items()))
    print(f'ratio curvlab / torch-dl    = {med["curvlab"] / med["torch-dl"]:.3f}')
    print(f'ratio curvlab / torch-index = {med["curvlab"] / med["torch-index"]:.3f}')


if __name__ == '__main__':
    main()
