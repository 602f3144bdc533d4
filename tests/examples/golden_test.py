#!/usr/bin/python3
# Golden test (long: five runs, the recording and the comparison in one script): shortened train, K-FAC, hessian, sweep and 2-rank examples must reproduce recorded HDF5 numbers bit for bit.
"""Runs shortened versions of the shipped examples and compares every dataset of every HDF5 file
they write (results.h5, checkpoints/ckpt_*.h5, hessian.h5, each sweep run's files) with recorded
values: the same files, the same dataset paths, and for each dataset the same dtype, shape and
sha256 of its raw bytes. It guards refactors that must not change a single number.

Bitwise equality is only expected on the CPU the values were recorded on (model name and flags of
/proc/cpuinfo: oneDNN and OpenBLAS pick their kernels by CPU, so sums are rounded in another order
on another CPU). So there is one recording per CPU, golden/<cpu>.json next to this script, each
taken from a build of the same source: the test compares bitwise with the recording of this CPU.
On a CPU without a recording it compares with the recording of the most similar CPU (most flags
in common), and only approximately, and says so: float datasets by their sum and sum of |x| within
a relative tolerance of RTOL_OTHER_CPU, rounding-level values (Lanczos residuals, standard errors)
by size within a factor FACTOR_OTHER_CPU, eigenvector bases (not determined by their matrix up to
rounding: signs, and rotations within near-equal eigenvalues) by dtype and shape only; integers,
strings, shapes and the sets of files and datasets must still match exactly.

Usage:
  golden_test.py --curvlab PATH/TO/curvlab --source-dir REPO [--record] [--golden DIR_OR_FILE]
                 [--keep DIR] [--mpirun PATH]

  --record   run the examples and write this CPU's recording (golden/<cpu>.json; with --golden FILE,
             that file) instead of comparing; recordings of other CPUs are kept
  --golden   the folder of recordings (default: golden/ next to this script), or one recording
  --keep     copy the run directories to DIR before the temp dir is removed (for debugging)
  --mpirun   the mpirun of the 2-rank run (default: mpirun on PATH)

Exit status: 0 all equal, 1 any difference or a failed run, 2 bad usage.
"""
import argparse
import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_GOLDEN = os.path.join(HERE, 'golden')
FORMAT = 'curvlab-golden-1'
# On a CPU without a recording: the relative tolerance of float sums (sum and sum|x|, relative to
# sum|x|). Measured 2026-12-03 against the AMD EPYC recording (6a93d771) on two other CPUs, over the
# float datasets that are neither eigenvector bases nor in LOOSE below: an Intel Xeon (AVX-512, AMX):
# 99% within 8.4e-6, largest 3.0e-3 (momentum buffers of the 2-rank K-FAC run after 30 steps, where
# float32 rounding differences have grown through 5 eigendecompositions); an AMD EPYC with other
# flags (ecfefe0f: no AVX-512): largest 2.25e-2 (the SGD momentum of conv1.bias after 24
# steps: a signed sum with cancellation). 5e-2 leaves about 2x room above the largest. A change of
# numerics smaller than that is caught only on a recorded CPU (CI's CPUs are recorded).
RTOL_OTHER_CPU = 5e-2
# Datasets that are rounding-level or cancellation-dominated by nature, compared on another CPU
# by the size of sum|x| within a factor FACTOR_OTHER_CPU: Lanczos residual norms (of an unconverged
# Ritz pair they depend on how orthogonality was lost; measured up to 1.39x between the CPUs above)
# and standard errors of means that are differences of near-equal numbers (the density's first
# moment is the mean eigenvalue, ~1e-3 against eigenvalues near 100; its SE over 3 SLQ runs moved
# 1.17x). Bitwise on the recording CPU like everything else.
LOOSE = [
    (r'(^|/)residuals$', 'Lanczos residual norms (rounding-level where converged)'),
    (r'_se$', 'standard errors (spreads of near-equal values)'),
]
LOOSE_RE = [re.compile(p) for p, _ in LOOSE]
FACTOR_OTHER_CPU = 2.0
MPIRUN_FLAGS = ['--allow-run-as-root', '--oversubscribe', '--bind-to', 'none', '--mca', 'btl', 'self,vader']
# Placeholder for the temp dir in commands and in string datasets that hold paths.
TMP = '$TMP'

# Datasets that are timings by nature; their values change from run to run, so only their path,
# dtype and shape are compared. Matched against the dataset path inside the file (no leading /).
# Everything else these files hold (found by listing every dataset of every file the runs
# write; `created` and the checksums are root attributes, which are not compared) is deterministic.
EXCLUDED = [
    # per-step throughput and elapsed seconds: columns of the step/eval metric tables, in every
    # checkpoint and results.h5 (engine/metrics.cpp; the other columns are compared)
    (r'^metrics/step/samples_per_s$', 'samples per second of each step (clock)'),
    (r'^metrics/step/wall_time$', 'seconds since the start of training at each step (clock)'),
    (r'^metrics/eval/wall_time$', 'seconds since the start of training at each evaluation (clock)'),
    # checkpoints: seconds of training so far (continued after resume)
    (r'^trainer/wall_time$', 'seconds of training so far (clock)'),
    # results.h5: run time, and the time at which the target was met (sweep runs with a target)
    (r'^summary/wall_time$', 'seconds of the run (clock)'),
    (r'^summary/target_wall_time$', 'seconds until the target was met (clock)'),
    # hessian.h5: time spent in each estimator (algorithms/hessian/analysis.cpp)
    (r'^trace/seconds$', 'seconds of the Hutchinson trace (clock)'),
    (r'^eigen/seconds$', 'seconds of the eigenvalue computation (clock)'),
    (r'^density/seconds$', 'seconds of the SLQ density (clock)'),
]
EXCLUDED_RE = [re.compile(p) for p, _ in EXCLUDED]

# Datasets that later versions added on purpose, after the golden values were recorded: they must
# be there now (every checkpoint holds them) and are listed, not compared. Everything else must
# match the recording.
ADDED = [
    # issue 12: the loader saves its own state (epoch, position, and the training-set size that a
    # resume checks); before, the trainer wrote trainer/epoch and trainer/position by hand.
    (r'^trainer/size$', 'the loader\'s training-set size, checked on resume (issue 12)'),
]
ADDED_RE = [re.compile(p) for p, _ in ADDED]

# Datasets whose values changed on purpose after the recording: listed, not compared (their dtype
# and shape still must match).
CHANGED = [
    # issue 13: a standard error from fewer than two values is NaN, not 0: the first entry (after one
    # probe) of the running SE; every later entry is unchanged.
    (r'^trace/running_se$', 'the SE after one probe is NaN, was 0 (issue 13)'),
]

# Datasets that a CPU other than the recording one may legitimately change beyond rounding: the
# eigenvectors of a symmetric matrix are fixed only up to the sign of each, and up to a rotation
# within a group of (near-)equal eigenvalues, which is where LAPACK kernels that round differently
# part ways (the K-FAC factors of a small batch have many eigenvalues at the damping floor). On
# another CPU they are compared by dtype and shape only; the matrices they decompose (kfac A, G),
# their eigenvalues (da, dg, eigen/values) and everything computed with them (the parameters after
# the preconditioned steps) are compared within the tolerance. On the recording CPU they are
# compared bitwise like every other dataset.
UNDETERMINED = [
    (r'^kfac/layers/[^/]+/block\d+/q[ag]$', 'eigenvectors of a K-FAC factor (sign, rotation within equal eigenvalues)'),
    (r'^eigen/vectors$', 'Hessian eigenvectors from Lanczos (sign, rotation within near-equal eigenvalues)'),
]
UNDETERMINED_RE = [re.compile(p) for p, _ in UNDETERMINED]


def excluded(path):
    return any(r.search(path) for r in EXCLUDED_RE)


# ---------------------------------------------------------------------------------------------
# The runs. Each is (name, example, [--set key=value ...], ranks). Paths use TMP for the temp dir.
# The examples' own settings are kept (model, optimizer, schedules, K-FAC method, damping
# milestones, HAWQ, the sweep grid); only lengths and sizes are cut so that everything runs in
# about a minute on 2 cores, with one intra-op thread per rank for reproducible numbers.
COMMON = ['train.threads=1']

TRAIN_SETS = [
    # ConvNet + SGD/momentum + cosine with warmup on 1024 Fashion-MNIST samples: 16 steps per
    # epoch, 24 steps = 1.5 epochs (an epoch boundary and a reshuffle), 3 evaluations and 3 kept
    # checkpoints (steps 8, 16, 24).
    'data.train_subset=1024', 'data.test_subset=256',
    'train.batch_size=64', 'train.steps=24',
    'train.eval_every_steps=8', 'train.checkpoint_every_steps=8', 'train.keep_last=3',
]
KFAC_SETS = [
    # ConvNet + K-FAC (eigen) on 1024 samples at batch 128: 8 steps per epoch, 30 steps = 3.75
    # epochs, so the damping milestone at epoch 3 is passed; factors every 2 steps (15 updates),
    # eigendecompositions every 6 (5 updates); checkpoints at steps 10, 20, 30. fc1 is left to
    # the plain gradient: its A factor is 3137 x 3137 and one eigendecomposition of it takes
    # about 8 s on one core (40 s of a 45 s run); conv1, conv2 and fc2 keep both layer kinds
    # preconditioned, with factors of 10..289 rows.
    'data.train_subset=1024', 'data.test_subset=256',
    'train.batch_size=128', 'train.steps=30',
    'kfac.skip_layers=["fc1"]', 'kfac.factor_update_freq=2', 'kfac.inv_update_freq=6',
    'train.eval_every_steps=10', 'train.checkpoint_every_steps=10', 'train.keep_last=3',
]
HESSIAN_SETS = [
    # The newest checkpoint of the train run (step 24). Its [data] section is restated here (the
    # job text stored in the checkpoint is the example file, without the --set overrides), so
    # that normalisation statistics and the HAWQ test split are those of the shortened run.
    f'hessian.checkpoint={TMP}/train',
    'data.dataset=fashion-mnist', 'data.train_subset=1024', 'data.test_subset=256',
    # 48 samples in 3 chunks; everything the example computes (trace, top-3 eigenvalues whole
    # and per layer, SLQ density, HAWQ-V2 with its evaluations on the 256 test samples), with
    # fewer probes and Lanczos steps; no plots.
    'hessian.samples=48', 'hessian.batch_size=16',
    'hessian.trace_min_samples=4', 'hessian.trace_max_samples=8',
    'hessian.eigen_max_iter=10',
    'hessian.slq_runs=2', 'hessian.slq_steps=10', 'hessian.density_points=100',
    'quant.eval_points=1',
    'hessian.plots=false',
]
SWEEP_SETS = [
    # All 24 runs of the grid (sgd/kfac x batch 128/512/2048 x 2 lr x 2 seeds) on 2048 synthetic
    # samples, 8 steps at batch 128 (linear budget: 2 at 512, 1 at 2048), an evaluation every 4
    # steps, checkpoints every 4 steps.
    'sweep.budget_steps=8', 'data.synthetic_train=2048', 'data.synthetic_test=256',
    'train.eval_every_steps=4', 'train.checkpoint_every_steps=4',
]

RUNS = [
    ('train', 'default.toml', TRAIN_SETS, 1),
    ('kfac', 'kfac_fashion_mnist.toml', KFAC_SETS, 1),
    ('hessian', 'hessian.toml', HESSIAN_SETS, 1),
    ('sweep', 'sweep_small.toml', SWEEP_SETS, 1),
    # The shortened K-FAC job on 2 ranks (each computes half of every batch; factor allreduce,
    # decompositions spread over the ranks and broadcast).
    ('kfac_np2', 'kfac_fashion_mnist.toml', KFAC_SETS, 2),
]


def run_command(curvlab, mpirun, source_dir, tmp, name, example, sets, ranks):
    """The command line of one run, with TMP for the temp dir (returned both ways)."""
    args = ['run', os.path.join('$SOURCE', 'examples', example)]
    for s in sets + COMMON + [f'job.output_dir={TMP}/{name}']:
        args += ['--set', s]
    launcher = []
    if ranks > 1:
        launcher = ['mpirun'] + MPIRUN_FLAGS + ['-x', 'OMP_NUM_THREADS', '-np', str(ranks)]
    template = launcher + ['curvlab'] + args
    real = [a.replace('$SOURCE', source_dir).replace(TMP, tmp) for a in template]
    real[len(launcher)] = curvlab
    if launcher:
        real[0] = mpirun
    return template, real


# ---------------------------------------------------------------------------------------------
# Reading HDF5 files.

def summarize(ds, tmp):
    """One dataset -> {dtype, shape, sha256[, sum, abs_sum, nan, inf][, value]}."""
    out = {'shape': list(ds.shape)}
    if h5py.check_string_dtype(ds.dtype) is not None:
        v = ds[()]
        if isinstance(v, np.ndarray):
            raw = b'\0'.join(x if isinstance(x, bytes) else str(x).encode() for x in v.ravel())
        else:
            raw = v if isinstance(v, bytes) else str(v).encode()
        # Paths of the temp dir (hessian's info/checkpoint) are compared as TMP/...
        raw = raw.replace(tmp.encode(), TMP.encode())
        out['dtype'] = 'string'
        out['sha256'] = hashlib.sha256(raw).hexdigest()
        if len(raw) <= 200:
            out['value'] = raw.decode('utf-8', 'replace')
        return out
    a = np.asarray(ds[()])
    out['dtype'] = str(a.dtype)
    a = np.ascontiguousarray(a)
    if a.dtype.byteorder == '>':
        a = a.astype(a.dtype.newbyteorder('<'))
    out['sha256'] = hashlib.sha256(a.tobytes()).hexdigest()
    if a.dtype.kind in 'biuf':
        x = a.astype(np.float64).ravel()
        finite = np.isfinite(x)
        out['sum'] = float(x[finite].sum())
        out['abs_sum'] = float(np.abs(x[finite]).sum())
        out['nan'] = int(np.isnan(x).sum())
        out['inf'] = int(np.isinf(x).sum())
    return out


def read_h5(path, tmp):
    datasets = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            d = summarize(obj, tmp)
            if excluded(name):
                d = {'dtype': d['dtype'], 'shape': d['shape'], 'excluded': True}
            datasets[name] = d

    with h5py.File(path, 'r') as f:
        f.visititems(visit)
    return datasets


def collect(tmp):
    """Every *.h5 file under tmp (relative path -> datasets)."""
    files = {}
    for root, dirs, names in os.walk(tmp):
        dirs.sort()
        for n in sorted(names):
            if n.endswith('.h5'):
                p = os.path.join(root, n)
                files[os.path.relpath(p, tmp)] = read_h5(p, tmp)
    return files


# ---------------------------------------------------------------------------------------------
# Where the values come from.

def cpu_info():
    model, flags = '', ''
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                k, _, v = line.partition(':')
                k = k.strip()
                if k == 'model name' and not model:
                    model = v.strip()
                elif k == 'flags' and not flags:
                    flags = ' '.join(sorted(v.split()))
    except OSError:
        pass
    return {'model_name': model, 'flags': flags}


def binary_commit(curvlab):
    """The git commit of the source the binary was built from, via CMakeCache.txt next to it."""
    cache = os.path.join(os.path.dirname(os.path.abspath(curvlab)), 'CMakeCache.txt')
    src = None
    try:
        with open(cache) as f:
            for line in f:
                if line.startswith('CMAKE_HOME_DIRECTORY:') or line.startswith('curvlab_SOURCE_DIR:'):
                    src = line.split('=', 1)[1].strip()
                    break
    except OSError:
        return None
    if not src:
        return None
    try:
        head = subprocess.run(['git', '-C', src, 'rev-parse', 'HEAD'], capture_output=True, text=True, timeout=20)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(['git', '-C', src, 'status', '--porcelain', '--untracked-files=no'],
                               capture_output=True, text=True, timeout=20)
        return {'source_dir': src, 'commit': head.stdout.strip(),
                'dirty': bool(dirty.stdout.strip()) if dirty.returncode == 0 else None}
    except (OSError, subprocess.SubprocessError):
        return None


def curvlab_version(curvlab):
    try:
        r = subprocess.run([curvlab, '--version'], capture_output=True, text=True, timeout=30)
        return r.stdout.strip() or r.stderr.strip()
    except (OSError, subprocess.SubprocessError):
        return None


# ---------------------------------------------------------------------------------------------
# Comparison.

def rel(a, b, scale):
    if a == b:
        return 0.0
    return abs(a - b) / scale if scale > 0 else float('inf')


def compare_dataset(path, g, c, bitwise):
    """None when equal, else a text saying how they differ."""
    if g.get('dtype') != c.get('dtype') or g.get('shape') != c.get('shape'):
        return f'dtype/shape {g.get("dtype")}{g.get("shape")} recorded, {c.get("dtype")}{c.get("shape")} now'
    if not bitwise and any(r.search(path) for r in UNDETERMINED_RE):
        return None
    if g.get('excluded') or c.get('excluded'):
        if g.get('excluded') != c.get('excluded'):
            return 'excluded in one of recorded/now (exclusion list changed: re-record)'
        return None
    if g['sha256'] == c['sha256']:
        return None
    if 'sum' not in g:  # strings
        return (f'bytes differ (recorded {g.get("value", g["sha256"][:16])!r}, '
                f'now {c.get("value", c["sha256"][:16])!r})')
    ds = abs(g['sum'] - c['sum'])
    da = abs(g['abs_sum'] - c['abs_sum'])
    scale = max(g['abs_sum'], c['abs_sum'])
    text = (f'bytes differ: sum {g["sum"]!r} -> {c["sum"]!r} (|diff| {ds:.3g}, rel {rel(g["sum"], c["sum"], scale):.3g}), '
            f'sum|x| {g["abs_sum"]!r} -> {c["abs_sum"]!r} (|diff| {da:.3g}, rel {rel(g["abs_sum"], c["abs_sum"], scale):.3g})')
    if g['nan'] != c['nan'] or g['inf'] != c['inf']:
        return text + f', nan/inf counts {g["nan"]}/{g["inf"]} -> {c["nan"]}/{c["inf"]}'
    if bitwise or c['dtype'][0] not in 'f':  # integers and bools must match exactly anywhere
        return text
    if any(r.search(path) for r in LOOSE_RE):  # another CPU, rounding-level values: their size
        lo, hi = sorted((g['abs_sum'], c['abs_sum']))
        if hi <= FACTOR_OTHER_CPU * lo:
            return None
        return text + f' (sum|x| beyond a factor {FACTOR_OTHER_CPU})'
    # Another CPU: float summaries within the tolerance (the sum relative to sum|x|, which bounds it).
    if rel(g['sum'], c['sum'], scale) <= RTOL_OTHER_CPU and rel(g['abs_sum'], c['abs_sum'], scale) <= RTOL_OTHER_CPU:
        return None
    return text + f' (beyond rtol {RTOL_OTHER_CPU})'


def compare(golden, now, bitwise):
    problems = []
    gf, cf = golden['files'], now
    for f in sorted(set(gf) - set(cf)):
        problems.append(f'{f}: file missing now (recorded with {len(gf[f])} datasets)')
    for f in sorted(set(cf) - set(gf)):
        problems.append(f'{f}: new file, not in the golden values')
    datasets = 0
    # A recording made after a CHANGED entry was added has the new values: compare them.
    absorbed = set(golden.get('absorbed', []))
    changed_re = [re.compile(p) for p, _ in CHANGED if p not in absorbed]
    for f in sorted(set(gf) & set(cf)):
        g, c = gf[f], cf[f]
        for p in sorted(set(g) - set(c)):
            problems.append(f'{f}:/{p}: dataset missing now')
        for p in sorted(set(c) - set(g)):
            if not any(r.search(p) for r in ADDED_RE):
                problems.append(f'{f}:/{p}: new dataset, not in the golden values')
        for p in sorted(set(g) & set(c)):
            if any(r.search(p) for r in changed_re) and g[p].get('shape') == c[p].get('shape'):
                datasets += 1
                continue
            d = compare_dataset(p, g[p], c[p], bitwise)
            if d:
                problems.append(f'{f}:/{p}: {d}')
            else:
                datasets += 1
    return problems, datasets


# ---------------------------------------------------------------------------------------------

def dump_golden(out):
    """JSON with one line per dataset, so that a re-recording diffs line by line."""
    head = {k: v for k, v in out.items() if k != 'files'}
    text = json.dumps(head, indent=1, sort_keys=True)[:-2] + ',\n "files": {\n'
    files = []
    for f in sorted(out['files']):
        rows = [f'   {json.dumps(p)}: {json.dumps(d, sort_keys=True)}' for p, d in sorted(out['files'][f].items())]
        files.append(f'  {json.dumps(f)}: {{\n' + ',\n'.join(rows) + '\n  }')
    return text + ',\n'.join(files) + '\n }\n}\n'


def run_all(curvlab, mpirun, source_dir, tmp):
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1')
    commands = {}
    for name, example, sets, ranks in RUNS:
        template, real = run_command(curvlab, mpirun, source_dir, tmp, name, example, sets, ranks)
        commands[name] = ' '.join(template)
        t0 = time.time()
        r = subprocess.run(real, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp)
        print(f'  {name}: exit {r.returncode} in {time.time() - t0:.1f} s', flush=True)
        if r.returncode != 0:
            print(r.stdout[-4000:])
            print(f'FAIL: {" ".join(real)} exited {r.returncode}')
            return None
    return commands


def cpu_slug(cpu):
    """The file name of a CPU's recording: its model name, and a hash of its flags."""
    model = re.sub(r'[^a-z0-9]+', '-', cpu.get('model_name', '').lower()).strip('-') or 'unknown-cpu'
    return f'{model}-{hashlib.sha256(cpu.get("flags", "").encode()).hexdigest()[:8]}.json'


def load_recordings(golden):
    """(path, recording) of every recording in the folder `golden` (or the one file `golden`)."""
    paths = [golden] if os.path.isfile(golden) else sorted(
        os.path.join(golden, n) for n in (os.listdir(golden) if os.path.isdir(golden) else []) if n.endswith('.json'))
    out = []
    for path in paths:
        try:
            with open(path) as f:
                rec = json.load(f)
        except (OSError, ValueError) as e:
            raise SystemExit(f'error: cannot read the golden values {path}: {e}; fix or re-record it (--record)')
        if not isinstance(rec, dict) or rec.get('format') != FORMAT:
            raise SystemExit(f'error: {path} has format {rec.get("format") if isinstance(rec, dict) else None!r}, '
                             f'expected {FORMAT!r}; re-record it (--record)')
        out.append((path, rec))
    return out


def pick_recording(recordings, cpu):
    """(path, recording, bitwise): this CPU's recording, else the one with the most flags in common."""
    for path, rec in recordings:
        if rec['recorded'].get('cpu', {}) == cpu:
            return path, rec, True
    here = set(cpu['flags'].split())

    def common(item):
        theirs = set(item[1]['recorded'].get('cpu', {}).get('flags', '').split())
        return len(here & theirs) / max(1, len(here | theirs))

    path, rec = max(recordings, key=common)
    return path, rec, False


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--curvlab', required=True)
    ap.add_argument('--source-dir', required=True, help='the repository whose examples/ are run')
    ap.add_argument('--record', action='store_true')
    ap.add_argument('--golden', default=DEFAULT_GOLDEN, help='folder of recordings, or one recording')
    ap.add_argument('--keep', help='copy the run directories here before cleaning up')
    ap.add_argument('--mpirun', default=shutil.which('mpirun') or 'mpirun')
    a = ap.parse_args()
    curvlab = os.path.abspath(a.curvlab)
    source_dir = os.path.abspath(a.source_dir)
    if not os.access(curvlab, os.X_OK):
        print(f'error: {curvlab} is not an executable', file=sys.stderr)
        return 2
    cpu = cpu_info()
    golden, golden_path, bitwise = None, None, False
    if not a.record:
        try:
            recordings = load_recordings(a.golden)
        except SystemExit as e:
            print(e, file=sys.stderr)
            return 2
        if not recordings:
            print(f'error: no golden values in {a.golden}; record them with --record', file=sys.stderr)
            return 2
        golden_path, golden, bitwise = pick_recording(recordings, cpu)

    t0 = time.time()
    tmp = tempfile.mkdtemp(prefix='curvlab_golden_')
    try:
        print(f'golden: running {len(RUNS)} shortened examples with {curvlab} (examples from {source_dir})', flush=True)
        commands = run_all(curvlab, a.mpirun, source_dir, tmp)
        if commands is None:
            return 1
        files = collect(tmp)
        if a.keep:
            shutil.copytree(tmp, a.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    n_datasets = sum(len(d) for d in files.values())
    n_excluded = sum(1 for d in files.values() for v in d.values() if v.get('excluded'))

    if a.record:
        out = {
            'about': 'Golden values of tests/examples/golden_test.py (recorded with --record on the CPU below): every '
                     'dataset of every HDF5 file of the shortened example runs.',
            'format': FORMAT,
            'recorded': {
                'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
                'cpu': cpu,
                'curvlab': curvlab,
                'curvlab_version': curvlab_version(curvlab),
                'curvlab_build': binary_commit(curvlab),
                'seconds': round(time.time() - t0, 1),
            },
            'excluded': [{'pattern': p, 'why': w} for p, w in EXCLUDED],
            # CHANGED entries this recording already has the new values of (compared, not skipped)
            'absorbed': [p for p, _ in CHANGED],
            'commands': commands,
            'files': files,
        }
        target = a.golden if a.golden.endswith('.json') else os.path.join(a.golden, cpu_slug(cpu))
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        with open(target, 'w') as f:
            f.write(dump_golden(out))
        print(f'golden: recorded {len(files)} files, {n_datasets} datasets ({n_excluded} timing datasets '
              f'compared by path/dtype/shape only) in {time.time() - t0:.1f} s -> {target}')
        return 0

    problems = []
    if golden.get('commands') != commands:
        for k in sorted(set(golden.get('commands', {})) | set(commands)):
            if golden.get('commands', {}).get(k) != commands.get(k):
                problems.append(f'run {k}: command differs from the recorded one '
                                f'(recorded: {golden.get("commands", {}).get(k)}; now: {commands.get(k)}); re-record')
    if [e['pattern'] for e in golden.get('excluded', [])] != [p for p, _ in EXCLUDED]:
        problems.append('the exclusion list differs from the recorded one; re-record')
    rec_cpu = golden['recorded'].get('cpu', {})
    print(f'golden: comparing with {os.path.relpath(golden_path, HERE)} (recorded {golden["recorded"].get("date")} '
          f'from {(golden["recorded"].get("curvlab_build") or {}).get("commit", "?")[:10]})')
    if not bitwise:
        why = []
        if rec_cpu.get('model_name') != cpu['model_name']:
            why.append(f'model {rec_cpu.get("model_name")!r} recorded, {cpu["model_name"]!r} here')
        if rec_cpu.get('flags') != cpu['flags']:
            a_, b_ = set(rec_cpu.get('flags', '').split()), set(cpu['flags'].split())
            why.append(f'CPU flags differ (only recorded: {" ".join(sorted(a_ - b_)) or "-"}; '
                       f'only here: {" ".join(sorted(b_ - a_)) or "-"})')
        print('golden: NOTE: NOT A BITWISE CHECK: no recording of this CPU (' + '; '.join(why) +
              f'), so float datasets are compared by sum and sum|x| within rtol {RTOL_OTHER_CPU}, Lanczos residuals '
              f'and standard errors by sum|x| within a factor {FACTOR_OTHER_CPU}, eigenvector bases '
              'by dtype and shape only; integers, strings, shapes and the sets of files and datasets must still '
              f'match exactly. For a bitwise check here, record this CPU: {os.path.basename(__file__)} --record '
              '(from a build of a commit whose numbers are known good).')
    p2, same = compare(golden, files, bitwise)
    problems += p2
    secs = time.time() - t0
    if problems:
        for p in problems:
            print(f'DIFF {p}')
        print(f'golden: FAIL: {len(problems)} difference(s); {same} of {n_datasets} datasets in {len(files)} files '
              f'{"identical" if bitwise else "within tolerance"} ({secs:.1f} s)')
        return 1
    print(f'golden: {len(files)} files, {same} datasets '
          + ('identical (bitwise; ' if bitwise else f'within rtol {RTOL_OTHER_CPU} (NOT bitwise, other CPU; ')
          + f'{n_excluded} of them timings compared by path/dtype/shape only) in {secs:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
