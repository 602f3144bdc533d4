#!/usr/bin/python3
"""K-FAC factors and one K-FAC step under N-process data parallelism: gpauloski/kfac-pytorch (the
peer, under torch.distributed DDP with gloo processes) next to curvlab (mpirun), same model, same
initial weights, same global batch. Backs the "kfac-pytorch under DDP" section of docs/kfac.md.

  bench/kfac_ddp_factors.py PEER [--curvlab build/curvlab] [--nprocs 2] [--batch 64] [--widths 16]
                                 [--work DIR] [--keep]

PEER is a checkout of github.com/gpauloski/kfac-pytorch (its kfac/ package is imported from there;
nothing of it is copied). Data: the first --batch Fashion-MNIST training images
(/usr/share/datasets/fashion-mnist), normalised as curvlab does; the global batch is that whole
subset, so every process of both programs sees the same samples at step 0 (rank r of N gets B/N
of them). Model: curvlab's mlp (widths --widths) and its torch.nn twin
(scripts/python/curvlab_models.py), initial weights taken from a curvlab checkpoint.

What it prints:
  1. factor ratios (factor_decay -> 0, so each factor is that step's batch factor):
     kfac-pytorch N processes / 1 process and curvlab N ranks / 1 rank, per layer, for A and G
     (least-squares scalar r with F_N ~ r F_1, and the residual max|F_N - r F_1| / max|F_N|);
     and kfac-pytorch 1 process against curvlab 1 rank (the single-process conventions agree).
  2. one K-FAC + SGD step (weight change w1 - w0 of every parameter) for each kfac-pytorch setting in
     CASES, run with N processes, against curvlab on N ranks with the settings unchanged ('same')
     and converted as docs/kfac.md says: 'A' (damping / N^2, kl_clip / N^2, lr kept; exact while
     kfac-pytorch's KL clip is active, nu < 1), 'B' (also lr / N^2 and weight_decay * N^2; exact
     in both regimes when every parameter is K-FAC-preconditioned). 'clipped' has nu < 1,
     'unclipped' nu = 1; 'decay0.95' shows the identity start of the running factors (not scaled,
     so step 0 is not converted); 'inverse' the inverse method (no exact conversion).
Correctness checks (exit 1 when one fails): the step-0 loss of the torch twin equals curvlab's
(same data, same weights); kfac-pytorch 1 process equals curvlab 1 rank (factors, and every case's
step with unchanged settings; the inverse case within 10 x --tol, as kfac-pytorch inverts in
float32, kfac/layers/inverse.py:202); curvlab's factors do not depend on the rank count; conversions A
(clipped) and B (clipped, unclipped) give kfac-pytorch's N-process step within --tol.
Takes about 30 s on an idle 2-core machine (45 s with --nprocs 4), 3 minutes under load: 12 curvlab
runs and 2 spawns, mostly process start-up. kfac-pytorch is driven through its public API, plus
two private attributes read for the report: the layers (_layers) and the KL-clip scale
(_compute_grad_scale, wrapped to record nu).
"""
import argparse
import csv
import glob
import gzip
import importlib.metadata
import os
import shutil
import socket
import subprocess
import sys
import tempfile

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')  # before torch: eigh with many BLAS threads on busy cores is 100x slower
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'scripts', 'python'))
import curvlab_models  # noqa: E402

DATA_ROOT = '/usr/share/datasets/fashion-mnist'
MPIRUN = ['mpirun', '--oversubscribe', '--allow-run-as-root', '--bind-to', 'none', '--mca', 'btl', 'self,vader']
TINY_DECAY = 1e-12   # kfac-pytorch needs factor_decay in (0, 1]; curvlab takes 0
TINY_LR = 1e-30      # a curvlab run that keeps the initial weights (lr must be > 0)
FACTORS = dict(method='eigen', damping=1e-3, kl_clip=1e-3, lr=TINY_LR, momentum=0.0, wd=0.0, decay=0.0)

# The one-step cases, each a kfac-pytorch setting run with N processes. kl_clip = 1e9 keeps
# nu = 1 (kfac-pytorch needs kl_clip > 0). factor_decay -> 0 except in 'decay0.95'.
CASES = {
    'clipped': dict(method='eigen', damping=1e-3, kl_clip=1e-3, lr=0.1, momentum=0.9, wd=1e-4, decay=0.0),
    'unclipped': dict(method='eigen', damping=1e-3, kl_clip=1e9, lr=0.1, momentum=0.9, wd=1e-4, decay=0.0),
    'decay0.95': dict(method='eigen', damping=1e-3, kl_clip=1e-3, lr=0.1, momentum=0.9, wd=1e-4, decay=0.95),
    'inverse': dict(method='inverse', damping=1e-3, kl_clip=1e-3, lr=0.1, momentum=0.9, wd=1e-4, decay=0.0),
}


def kl_clip(c):
    """curvlab's kl_clip for settings c: kfac-pytorch's 'no clip' (kl_clip > 1e6) is 0 (off) in curvlab."""
    return 0.0 if c['kl_clip'] > 1e6 else c['kl_clip']


def conversion(kp, n, which):
    """curvlab settings for kfac-pytorch's settings kp under n processes (docs/kfac.md).
    'same': unchanged; 'A' (lr kept): damping / n^2, kl_clip / n^2; 'B' (full): also lr / n^2 and
    weight_decay * n^2."""
    c = dict(kp)
    if which in ('A', 'B'):
        c['damping'] = kp['damping'] / n**2
    if which != 'same':
        c['kl_clip'] = kp['kl_clip'] / n**2
    if which == 'B':
        c['lr'], c['wd'] = kp['lr'] / n**2, kp['wd'] * n**2
    return c


# (case, curvlab conversion, checked against kfac-pytorch N processes?)
VARIANTS = [('clipped', 'same', False), ('clipped', 'A', True), ('clipped', 'B', True),
            ('unclipped', 'same', False), ('unclipped', 'A', False), ('unclipped', 'B', True),
            ('decay0.95', 'same', False), ('decay0.95', 'A', False),
            ('inverse', 'same', False), ('inverse', 'A', False)]


# ---------------------------------------------------------------------------------------------
# data: the first B Fashion-MNIST training images, as curvlab's loader makes them

def read_idx(path, count):
    with gzip.open(path, 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    item = int(np.prod(dims[1:])) if ndim > 1 else 1
    start = 4 + 4 * ndim
    return np.frombuffer(raw[start:start + count * item], dtype=np.uint8).reshape([count] + dims[1:])


def load_batch(b):
    """[b, 1, 28, 28] float32 inputs and [b] labels: byte / 255 in float32, then (x - mean) / std with
    the population statistics of these b images accumulated in double (docs/data.md)."""
    x = read_idx(os.path.join(DATA_ROOT, 'train-images-idx3-ubyte.gz'), b).astype(np.float32) / np.float32(255)
    labels = read_idx(os.path.join(DATA_ROOT, 'train-labels-idx1-ubyte.gz'), b).astype(np.int64)
    mean, std = x.astype(np.float64).mean(), x.astype(np.float64).std()
    x = (x - np.float32(mean)) / np.float32(std)
    return torch.from_numpy(x).reshape(b, 1, 28, 28), torch.from_numpy(labels)


# ---------------------------------------------------------------------------------------------
# curvlab runs

def job_text(out, args, c):
    widths = ', '.join(str(w) for w in args.widths)
    return f'''[job]
name = "kfac-ddp"
output_dir = "{out}"
seed = 5
[data]
dataset = "fashion-mnist"
train_subset = {args.batch}
test_subset = 16
[model]
name = "mlp"
widths = [{widths}]
[train]
steps = 1
batch_size = {args.batch}
lr = {c['lr']!r}
momentum = {c['momentum']!r}
weight_decay = {c['wd']!r}
optimizer = "kfac"
checkpoint_every_steps = 1
eval_every_steps = 1000
log_every_seconds = 1000
threads = 1
[kfac]
method = "{c['method']}"
damping = {c['damping']!r}
kl_clip = {kl_clip(c)!r}
factor_decay = {c['decay']!r}
factor_dtype = "float64"
inv_dtype = "float64"
'''


def run_curvlab(args, name, ranks, c):
    """One curvlab step with settings c on `ranks` ranks: {'model': weights after it, 'factors': its
    K-FAC factors, 'loss': the step-0 loss}."""
    out = os.path.join(args.work, 'curvlab_' + name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(args.work, exist_ok=True)
    path = out + '.toml'
    with open(path, 'w') as f:
        f.write(job_text(out, args, c))
    cmd = ([] if ranks == 1 else MPIRUN + ['-np', str(ranks)]) + [args.curvlab, 'run', path]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        sys.exit(f'error: {" ".join(cmd)} failed ({proc.returncode}):\n{proc.stdout}')
    ckpts = sorted(glob.glob(os.path.join(out, 'checkpoints', 'ckpt_*.h5')))
    with h5py.File(ckpts[-1], 'r') as f:
        model = {k: torch.from_numpy(np.asarray(v[()])) for k, v in f['model'].items()}
        factors = {}
        for layer in f['kfac/layers']:
            for key in ('A', 'G'):
                factors[(layer, key)] = torch.from_numpy(np.asarray(f[f'kfac/layers/{layer}/block0/{key}'][()]))
    with open(os.path.join(out, 'metrics_steps.csv')) as f:
        loss = float(next(csv.DictReader(f))['loss'])
    return {'model': model, 'factors': factors, 'loss': loss}


# ---------------------------------------------------------------------------------------------
# kfac-pytorch runs: one process per rank, gloo, DDP

def import_peer(peer):
    sys.path.insert(0, os.path.abspath(peer))
    version = importlib.metadata.version
    importlib.metadata.version = lambda n: '0+peer' if n == 'kfac-pytorch' else version(n)  # not installed
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        from kfac.preconditioner import KFACPreconditioner
    return KFACPreconditioner


def peer_worker(rank, world, port, peer, spec, w0, x, y, runs, out):
    """One step of kfac-pytorch + torch.optim.SGD (under DDP when world > 1) for each (name, settings)
    of runs, on this rank's B/N samples; rank 0 saves {name: {'model', 'factors', 'nu', 'loss'}}."""
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    os.environ['MASTER_PORT'] = str(port)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    torch.set_num_threads(1)
    import logging
    logging.disable(logging.WARNING)
    KFACPreconditioner = import_peer(peer)
    n = x.shape[0] // world
    xs, ys = x[rank * n:(rank + 1) * n], y[rank * n:(rank + 1) * n]
    results = {}
    for name, c in runs:
        model = curvlab_models.build_from_spec(spec)
        model.load_state_dict(w0)
        model.train()
        net = torch.nn.parallel.DistributedDataParallel(model) if world > 1 else model
        decay = c['decay'] or TINY_DECAY
        pre = KFACPreconditioner(net, damping=c['damping'], kl_clip=c['kl_clip'], lr=c['lr'], factor_decay=decay,
                                 compute_method=c['method'], factor_dtype=torch.float64, inv_dtype=torch.float64)
        scales = []  # the KL-clip scale nu (kfac-pytorch computes it inside step())
        grad_scale = pre._compute_grad_scale
        pre._compute_grad_scale = lambda: scales.append(grad_scale()) or scales[-1]
        opt = torch.optim.SGD(model.parameters(), lr=c['lr'], momentum=c['momentum'], weight_decay=c['wd'])
        loss = F.cross_entropy(net(xs), ys)   # the mean over this rank's samples, as under DDP
        loss.backward()                       # DDP averages the gradients over the ranks
        pre.step()
        opt.step()
        factors = {}
        for layer_name, layer in pre._layers.values():
            layer_name = layer_name.removeprefix('module.')
            eye = torch.eye(layer.a_factor.shape[0], dtype=torch.float64)
            factors[(layer_name, 'A')] = (layer.a_factor - decay * eye) / (1 - decay)   # the batch factor
            eye = torch.eye(layer.g_factor.shape[0], dtype=torch.float64)
            factors[(layer_name, 'G')] = (layer.g_factor - decay * eye) / (1 - decay)
        results[name] = {'model': {k: v.detach().clone() for k, v in model.state_dict().items()},
                         'factors': factors, 'nu': scales[0], 'loss': loss.item()}
    if rank == 0:
        torch.save(results, out)
    dist.destroy_process_group()


def run_peer(args, world, spec, w0, x, y, runs):
    out = os.path.join(args.work, f'peer_np{world}.pt')
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    mp.spawn(peer_worker, args=(world, port, args.peer, spec, w0, x, y, runs, out), nprocs=world, join=True)
    return torch.load(out)


# ---------------------------------------------------------------------------------------------
# comparisons

def ratio(fn, f1):
    fn, f1 = fn.double(), f1.double()
    r = float((fn * f1).sum() / (f1 * f1).sum())
    return r, float((fn - r * f1).abs().max() / fn.abs().max())


def step_diff(run, ref, w0):
    """max |dw_run - dw_ref| / max |dw_ref| over all parameters (dw = w - w0; run, ref: weights)."""
    num = max(float((run[k].double() - ref[k].double()).abs().max()) for k in w0)
    den = max(float((ref[k].double() - w0[k].double()).abs().max()) for k in w0)
    return num / den


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('peer', help='a checkout of gpauloski/kfac-pytorch (the directory holding kfac/)')
    p.add_argument('--curvlab', default='build/curvlab', help='the curvlab executable')
    p.add_argument('--nprocs', type=int, default=2, help='processes / ranks N (default 2)')
    p.add_argument('--batch', type=int, default=64, help='global batch B, a multiple of N (default 64)')
    p.add_argument('--widths', type=int, nargs='*', default=[16], help='mlp hidden widths (default 16)')
    p.add_argument('--tol', type=float, default=1e-4, help='relative tolerance of the checks (default 1e-4)')
    p.add_argument('--work', default=None, help='scratch directory (default: a new temporary one)')
    p.add_argument('--keep', action='store_true', help='keep the scratch directory')
    args = p.parse_args()
    if not os.path.isfile(os.path.join(args.peer, 'kfac', 'preconditioner.py')):
        sys.exit(f'error: {args.peer} has no kfac/preconditioner.py; pass a kfac-pytorch checkout')
    if not os.access(args.curvlab, os.X_OK):
        sys.exit(f'error: {args.curvlab} is not an executable; build it (cmake --build build --target curvlab)')
    n = args.nprocs
    if n < 2 or args.batch % n:
        sys.exit('error: --nprocs must be >= 2 and divide --batch')
    args.work = args.work or tempfile.mkdtemp(prefix='kfac_ddp_')
    torch.set_num_threads(1)
    failures = []

    def check(ok, what):
        if not ok:
            failures.append(what)
        return 'ok' if ok else 'FAIL'

    # curvlab: factors at 1 and N ranks (lr tiny keeps the initial weights w0 in the checkpoint)
    c1 = run_curvlab(args, 'factors_np1', 1, FACTORS)
    cn = run_curvlab(args, f'factors_np{n}', n, FACTORS)
    w0 = c1['model']
    spec = f'mlp:1:28:28:10:{"x".join(str(w) for w in args.widths) or "-"}:relu'
    x, y = load_batch(args.batch)
    runs = [('factors', FACTORS)] + list(CASES.items())
    k1 = run_peer(args, 1, spec, w0, x, y, runs)
    kn = run_peer(args, n, spec, w0, x, y, runs)

    print(f'kfac-pytorch: {os.path.abspath(args.peer)}; curvlab: {args.curvlab}; model {spec}, '
          f'global batch {args.batch}, N = {n} processes / ranks; factors and decompositions float64')
    d = abs(k1['factors']['loss'] - c1['loss']) / abs(c1['loss'])
    print(f'step-0 loss: torch twin {k1["factors"]["loss"]:.6f}, curvlab {c1["loss"]:.6f}, '
          f'relative difference {d:.1e} [{check(d < args.tol, "step-0 loss")}]')

    print('\n1. factor ratios F_N / F_1, factor_decay -> 0 (r: least-squares scalar, res: max|F_N - r F_1| / max|F_N|)')
    print(f'{"layer":8} {"factor":6} {"kfac-pytorch N/1":>22} {"curvlab N/1":>22} {"kfac-pytorch 1 vs curvlab 1":>28}')
    for key in sorted(c1['factors']):
        rk, resk = ratio(kn['factors']['factors'][key], k1['factors']['factors'][key])
        rc, resc = ratio(cn['factors'][key], c1['factors'][key])
        f1k, f1c = k1['factors']['factors'][key], c1['factors'][key]
        d1 = float((f1k - f1c).abs().max() / f1c.abs().max())
        print(f'{key[0]:8} {key[1]:6} {rk:12.6f} res {resk:6.1e} {rc:12.6f} res {resc:6.1e} '
              f'{d1:20.1e} [{check(d1 < args.tol and abs(rc - 1) < args.tol, f"factor {key}")}]')

    print('\n2. one step, weight change dw = w1 - w0: max|dw - dw_ref| / max|dw_ref|; curvlab on N ranks')
    print('   conversions (docs/kfac.md): A = damping / N^2, kl_clip / N^2; B = A and lr / N^2, weight_decay * N^2')
    for name, kp in CASES.items():
        print(f'{name}: kfac-pytorch {kp["method"]}, damping {kp["damping"]:g}, kl_clip {kp["kl_clip"]:g}, '
              f'lr {kp["lr"]:g}, momentum {kp["momentum"]:g}, weight_decay {kp["wd"]:g}, factor_decay '
              f'{kp["decay"] or TINY_DECAY:g}; KL-clip scale nu: 1 process {k1[name]["nu"]:.4g}, '
              f'N processes {kn[name]["nu"]:.4g}')
        for case, which, checked in VARIANTS:
            if case != name:
                continue
            c = conversion(kp, n, which)
            run = run_curvlab(args, f'{name}_{which}', n, c)
            label = (f'curvlab {which:4} (damping {c["damping"]:g}, kl_clip {kl_clip(c) or "off"}, lr {c["lr"]:g}, '
                     f'weight_decay {c["wd"]:g})')
            if which == 'same':
                carry = step_diff(run['model'], k1[name]['model'], w0)
                tol = args.tol * (10 if kp['method'] == 'inverse' else 1)  # kfac-pytorch inverts in float32
                print(f'  {label:76} vs kfac-pytorch 1 process: {carry:9.2e} '
                      f'[{check(carry < tol, name + " at 1 process")}]')
            d = step_diff(run['model'], kn[name]['model'], w0)
            mark = f' [{check(d < args.tol, f"{name} conversion {which}")}]' if checked else ''
            print(f'  {label:76} vs kfac-pytorch N processes: {d:9.2e}{mark}')

    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)
    else:
        print(f'\nscratch kept in {args.work}')
    if failures:
        print('FAILED: ' + ', '.join(failures))
        return 1
    print('all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
