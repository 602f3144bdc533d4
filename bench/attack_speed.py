#!/usr/bin/python3
"""Attack speed: curvlab's TR and CW (the attack job kind) against the same attacks written in
PyTorch-Python (scripts/python/curvlab_attacks.py) on the same weights, images, batches and
threads, alternating in one session. Images per second = images / attack time (curvlab: the sum of
per-batch attack times recorded in attack.h5, model and data loading excluded; Python: the same
batches timed around the attack calls). Prints each measurement, the medians, the ratios
curvlab / Python per method, and TR's time per image against CW's.

  /usr/bin/python3 bench/attack_speed.py --curvlab build/curvlab --checkpoint runs/default
      [--samples 200] [--batch 100] [--threads 1] [--repeats 3] [--cw-iter 100] [--norm l2]
      [--peer scripts/python] [--peer-frozen]

The Python peer runs as its attacks are written (and as the papers' code does): the model's
parameters keep requires_grad, so CW's loss.backward() also computes weight gradients. With
--peer-frozen it sets requires_grad_(False) on them first, as curvlab's attacks do.
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import torch


def attack_job(out, args):
    return f'''[job]
name = "attack_bench"
kind = "attack"
output_dir = "{out}"
[train]
threads = {args.threads}
[attack]
checkpoint = "{args.checkpoint}"
samples = {args.samples}
batch_size = {args.batch}
methods = ["tr", "cw"]
norm = "{args.norm}"
save_examples = {args.samples}
plots = false
[attack.cw]
binary_steps = {args.cw_steps}
max_iter = {args.cw_iter}
'''


def run_curvlab(args, tmp, k):
    out = os.path.join(tmp, f'curvlab_{k}')
    with open(out + '.toml', 'w') as f:
        f.write(attack_job(out, args))
    subprocess.run([args.curvlab, 'run', out + '.toml', '--quiet', '--force'], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, OMP_NUM_THREADS=str(args.threads)))
    with h5py.File(os.path.join(out, 'attack.h5'), 'r') as f:
        rate = {m: args.samples / float(f[f'runs/{m}_{args.norm}/images/seconds'][()].sum()) for m in ('tr', 'cw')}
        data = (torch.from_numpy(f[f'runs/tr_{args.norm}/examples/clean'][()]),
                torch.from_numpy(f[f'runs/tr_{args.norm}/images/label'][()]),
                list(f['info/mean'][()]) if 'info/mean' in f else [],
                list(f['info/stdev'][()]) if 'info/stdev' in f else [],
                (float(f['info/box_lo'][()]), float(f['info/box_hi'][()])))
    return rate, data


def run_python(args, ca, net, data):
    x, y, _, _, box = data
    rate = {}
    for method in ('tr', 'cw'):
        seconds = 0.0
        for lo in range(0, args.samples, args.batch):
            xb, yb = x[lo:lo + args.batch], y[lo:lo + args.batch]
            t0 = time.perf_counter()
            if method == 'tr':
                ca.trust_region(net, xb, yb, args.norm, box)
            else:
                ca.carlini_wagner_l2(net, xb, yb, box, binary_steps=args.cw_steps, max_iter=args.cw_iter)
            seconds += time.perf_counter() - t0
        rate[method] = args.samples / seconds
    return rate


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--curvlab', required=True)
    p.add_argument('--checkpoint', required=True, help='a train run directory or checkpoint file')
    p.add_argument('--peer', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts', 'python'))
    p.add_argument('--samples', type=int, default=200)
    p.add_argument('--batch', type=int, default=100)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--cw-iter', type=int, default=100)
    p.add_argument('--cw-steps', type=int, default=9)
    p.add_argument('--norm', default='l2', choices=['l2'])
    p.add_argument('--peer-frozen', action='store_true', help="the peer's model parameters without requires_grad")
    args = p.parse_args()
    sys.path.insert(0, args.peer)
    import curvlab_attacks as ca
    import curvlab_checkpoint
    torch.set_num_threads(args.threads)
    ckpt = args.checkpoint
    if os.path.isdir(ckpt):
        found = sorted(glob.glob(os.path.join(ckpt, 'checkpoints', 'ckpt_*.h5')) + glob.glob(os.path.join(ckpt, 'ckpt_*.h5')))
        if not found:
            sys.exit(f'no checkpoint in {ckpt}')
        ckpt = found[-1]
    tmp = tempfile.mkdtemp(prefix='curvlab_attack_bench_')
    rates = {('curvlab', m): [] for m in ('tr', 'cw')}
    rates.update({('python', m): [] for m in ('tr', 'cw')})
    net = None
    for k in range(args.repeats):
        c, data = run_curvlab(args, tmp, k)
        if net is None:
            net = ca.PixelNet(curvlab_checkpoint.load_model(ckpt), data[2], data[3])
            net.eval()
            if args.peer_frozen:
                for q in net.parameters():
                    q.requires_grad_(False)
        py = run_python(args, ca, net, data)
        for m in ('tr', 'cw'):
            rates[('curvlab', m)].append(c[m])
            rates[('python', m)].append(py[m])
        print(f'repeat {k}: curvlab tr {c["tr"]:.1f} cw {c["cw"]:.2f} img/s; python tr {py["tr"]:.1f} cw {py["cw"]:.2f} img/s',
              flush=True)
    med = {key: statistics.median(v) for key, v in rates.items()}
    print(f'\n{args.samples} images, batch {args.batch}, {args.threads} thread(s), {args.repeats} repeats, '
          f'cw {args.cw_steps} x {args.cw_iter} steps, norm {args.norm}, peer parameters '
          f'{"frozen" if args.peer_frozen else "requiring grad"}; medians:')
    for m in ('tr', 'cw'):
        print(f'  {m}: curvlab {med[("curvlab", m)]:.2f} img/s, python {med[("python", m)]:.2f} img/s, '
              f'ratio {med[("curvlab", m)] / med[("python", m)]:.2f}x')
    print(f'  TR time per image / CW time per image (curvlab): {med[("curvlab", "cw")] / med[("curvlab", "tr")]:.4f}')


if __name__ == '__main__':
    main()
