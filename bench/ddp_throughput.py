#!/usr/bin/python3
"""Data-parallel training throughput with 2 ranks: curvlab (mpirun, MPI backend) against PyTorch
DistributedDataParallel with the gloo backend (Debian python3-torch, same libtorch), then weak
scaling 1 -> 2 ranks and the alpha-beta projection to 8..1024 GPUs (bench/scaling_model.py).

Same model, GLOBAL batch, threads per rank (1: the machine has 2 cores) and data (Fashion-MNIST,
normalised); measured side by side, alternating, `--repeats` times; medians reported.
  curvlab   mpirun -np 2 curvlab run (steps timed from results.h5 /metrics/step/wall_time)
  ddp-dl    DDP + DataLoader(DistributedSampler), the idiomatic script
  ddp-index DDP + one in-memory tensor sliced per rank with index_select (curvlab's loader)

  /usr/bin/python3 bench/ddp_throughput.py --curvlab build/curvlab [--model convnet]
      [--batch 128] [--steps 100] [--warmup 10] [--repeats 3]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'scripts', 'python'))
import curvlab_models  # noqa: E402
import scaling_model  # noqa: E402
import train_throughput  # noqa: E402


def ddp_worker(rank, world, a, use_dataloader, port, result):
    torch.set_num_threads(1)
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank, world_size=world)
    x, y = train_throughput.load_fashion_mnist()
    torch.manual_seed(1)
    model = torch.nn.parallel.DistributedDataParallel(curvlab_models.build(a.model, tuple(x.shape[1:]), 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    local = a.batch // world
    if use_dataloader:
        ds = torch.utils.data.TensorDataset(x, y)
        sampler = torch.utils.data.distributed.DistributedSampler(ds, num_replicas=world, rank=rank, seed=1)
        batches = iter(torch.utils.data.DataLoader(ds, batch_size=local, sampler=sampler, drop_last=True))
    else:
        g = torch.Generator().manual_seed(1)
        perm = torch.randperm(x.shape[0], generator=g)

        def gen():
            for s in range(0, x.shape[0] - a.batch + 1, a.batch):
                idx = perm[s + rank * local:s + (rank + 1) * local]
                yield x.index_select(0, idx), y.index_select(0, idx)
        batches = gen()
    t0 = None
    for step in range(a.steps):
        if step == a.warmup:
            dist.barrier()
            t0 = time.perf_counter()
        xb, yb = next(batches)
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()
    dist.barrier()
    if rank == 0:
        result.put(a.batch * (a.steps - a.warmup) / (time.perf_counter() - t0))
    dist.destroy_process_group()


def run_ddp(a, use_dataloader, port):
    ctx = mp.get_context('spawn')
    q = ctx.Queue()
    procs = [ctx.Process(target=ddp_worker, args=(r, 2, a, use_dataloader, port, q)) for r in range(2)]
    for p in procs:
        p.start()
    value = q.get()
    for p in procs:
        p.join()
    return value


def main():
    p = argparse.ArgumentParser(description='curvlab vs PyTorch DDP (gloo), 2 ranks')
    p.add_argument('--curvlab', required=True)
    p.add_argument('--model', default='convnet')
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--steps', type=int, default=100)
    p.add_argument('--warmup', type=int, default=10)
    p.add_argument('--repeats', type=int, default=3)
    a = p.parse_args()
    a.threads = 1
    print(f'# model {a.model}, global batch {a.batch}, 2 ranks x 1 thread, {a.steps} steps ({a.warmup} untimed), '
          f'torch {torch.__version__}')
    res = {'curvlab': [], 'ddp-dl': [], 'ddp-index': [], 'curvlab-1rank-half-batch': []}
    port = 29500 + os.getpid() % 1000
    for r in range(a.repeats):
        a.ranks = 2
        res['curvlab'].append(train_throughput.run_curvlab(a))
        res['ddp-dl'].append(run_ddp(a, True, port + 2 * r))
        res['ddp-index'].append(run_ddp(a, False, port + 2 * r + 1))
        # Weak scaling: 1 rank with the per-rank batch of the 2-rank run.
        a.ranks, full = 1, a.batch
        a.batch = full // 2
        res['curvlab-1rank-half-batch'].append(train_throughput.run_curvlab(a))
        a.batch = full
        print(f'repeat {r}: ' + '  '.join(f'{k} {v[-1]:8.1f}' for k, v in res.items()), flush=True)
    med = {k: statistics.median(v) for k, v in res.items()}
    print('median samples/s: ' + '  '.join(f'{k} {v:.1f}' for k, v in med.items()))
    print(f'ratio curvlab / ddp-dl    = {med["curvlab"] / med["ddp-dl"]:.3f}')
    print(f'ratio curvlab / ddp-index = {med["curvlab"] / med["ddp-index"]:.3f}')
    eff = med['curvlab'] / (2 * med['curvlab-1rank-half-batch'])
    print(f'weak scaling 1 -> 2 ranks (per-rank batch {a.batch // 2}): efficiency {eff:.3f}')

    # Alpha-beta projection from the measured compute time per step (1 rank, per-rank batch).
    compute_s = (a.batch // 2) / med['curvlab-1rank-half-batch']
    model = curvlab_models.build(a.model, (1, 28, 28), 10)
    nbytes = 4 * sum(t.numel() for t in model.parameters())
    print()
    scaling_model.print_projection(compute_s, nbytes)


if __name__ == '__main__':
    main()
