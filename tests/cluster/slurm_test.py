#!/usr/bin/python3
"""curvlab on a real single-node Slurm (scripts/slurm/start_slurm.sh starts it on loopback in a
temporary directory; stop_slurm.sh stops exactly the daemons it started). Exits 77 (ctest SKIP)
with the reason when Slurm cannot be started here.

Usage: slurm_test.py CURVLAB REPO_ROOT MODE PORT [MPIRUN FLAGS...]
  MODE array:   a 3-run sweep submitted as one job array (`curvlab submit sweep.toml`): all three
                finish with results; `curvlab status` says done; resubmitting skips them.
  MODE mpi:     a 2-rank job (srun --mpi=pmix inside the batch script) equals the same job run
                directly with mpirun -np 2, bitwise.
  MODE requeue: a 2-rank job (mpirun inside the batch script) gets the warning signal
                (scancel --signal=USR1 --batch); it checkpoints, requeues itself, resumes, and ends
                bitwise equal to an uninterrupted run.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_runs  # noqa: E402

SKIP = 77
TERMINAL = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
            "PREEMPTED"}

JOB = """
[job]
name = "{name}"
output_dir = "{out}"
seed = {seed}
[data]
dataset = "synthetic"
synthetic_train = {train}
synthetic_test = 200
synthetic_shape = [1, 8, 8]
synthetic_classes = 4
[model]
name = "mlp"
widths = {widths}
[train]
epochs = {epochs}
batch_size = {batch}
lr = {lr}
momentum = 0.9
checkpoint_every_steps = 100000
log_every_seconds = 1000
threads = 1
[cluster]
tasks_per_node = {ranks}
time = "00:10:00"
signal_seconds = 60
launcher = "{launcher}"
mpirun_args = ["--bind-to", "none", "--mca", "btl", "self,vader"]
setup = ["export OMP_NUM_THREADS=1", "export OMPI_ALLOW_RUN_AS_ROOT=1", "export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"]
"""


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def sh(cmd, env, timeout=120, check=True):
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} -> {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def write_job(tmp, name, **kw):
    values = dict(name=name, out=os.path.join(tmp, "runs", name), seed=1, train=1600, epochs=1, lr=0.05, ranks=1,
                  launcher="srun", widths="[64, 32]", batch=16)
    values.update(kw)
    path = os.path.join(tmp, name + ".toml")
    with open(path, "w") as f:
        f.write(JOB.format(**values))
    return path, values["out"]


def job_states(job_id, env):
    """{'123' or '123_4': state} for every (array) job under job_id."""
    r = sh(["squeue", "-h", "-r", "-t", "all", "-j", job_id, "-O", "JobArrayID:40,State:30"], env, check=False)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out[parts[0]] = parts[1]
    return out


def wait_done(job_id, env, count, timeout, slurm_dir):
    deadline = time.time() + timeout
    states = {}
    while time.time() < deadline:
        states = job_states(job_id, env)
        if len(states) >= count and all(s in TERMINAL for s in states.values()):
            return states
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} not finished within {timeout} s: {states}\n" + slurm_logs(slurm_dir))


def slurm_logs(slurm_dir):
    text = ""
    for name in ("slurmctld.log", "slurmd.log"):
        path = os.path.join(slurm_dir, "log", name)
        if os.path.exists(path):
            with open(path) as f:
                text += f"--- {name} (tail)\n" + "".join(f.readlines()[-25:])
    return text


def read(path):
    with open(path) as f:
        return f.read()


def run_logs(run_dir):
    return "".join(f"--- {n}\n{read(os.path.join(run_dir, n))}" for n in sorted(os.listdir(run_dir))
                   if n.startswith("slurm-") and n.endswith(".out"))


def submit(curvlab, args, env, cwd):
    r = subprocess.run([curvlab, "submit", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"curvlab submit failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    m = re.search(r"submitted Slurm job (\d+)", r.stdout)
    assert m, f"no job id in: {r.stdout}"
    return m.group(1)


def test_array(curvlab, tmp, env, slurm_dir, mpirun):
    # A 3-run sweep (docs/sweeps.md): `curvlab submit sweep.toml` is one job array, one task per run.
    path, sweep_dir = write_job(tmp, "sweep", epochs=1)
    with open(path, "a") as f:
        f.write('[sweep]\ntarget_metric = "test_accuracy"\ntarget_value = 0.3\n'
                '[sweep.grid]\n"train.lr" = [0.02, 0.04, 0.06]\n')
    job_id = submit(curvlab, [path, "--throttle", "3"], env, tmp)
    log(f"submitted the sweep as array job {job_id}")
    with open(os.path.join(sweep_dir, "sweep.tsv")) as f:
        rows = [line.split("\t") for line in f.read().splitlines()[1:]]
    assert len(rows) == 3, rows
    assert os.path.exists(os.path.join(sweep_dir, "slurm", "array.sbatch"))
    states = wait_done(job_id, env, 3, 150, slurm_dir)
    log(f"array finished: {states}")
    for i, row in enumerate(rows):
        out = os.path.join(sweep_dir, row[1])
        assert states.get(f"{job_id}_{i}") == "COMPLETED", f"task {i}: {states}\n{run_logs(out)}"
        assert read(os.path.join(out, "status")).startswith("done"), run_logs(out)
        assert os.path.getsize(os.path.join(out, "results.h5")) > 0
        assert os.path.getsize(os.path.join(out, "metrics_evals.csv")) > 0
        assert read(os.path.join(out, "slurm_job_id")).strip() == f"{job_id}_{i}"
        assert f"lr = {row[3]}" in read(os.path.join(out, "job.toml"))
    r = sh([curvlab, "status", sweep_dir], env)
    print(r.stdout)
    assert "3 run(s): 3 done;" in r.stdout and all(row[0] in r.stdout for row in rows), r.stdout
    r = sh([curvlab, "submit", path], env, check=False)
    assert r.returncode == 0 and "nothing to submit" in r.stdout and r.stdout.count("skipped") == 3, r.stdout


def test_mpi(curvlab, tmp, env, slurm_dir, mpirun):
    job, out = write_job(tmp, "mpi", ranks=2, launcher="srun", seed=7)
    job_id = submit(curvlab, [job], env, tmp)
    log(f"submitted 2-rank srun job {job_id}")
    states = wait_done(job_id, env, 1, 150, slurm_dir)
    assert states.get(job_id) == "COMPLETED", f"{states}\n{run_logs(out)}\n{slurm_logs(slurm_dir)}"
    assert read(os.path.join(out, "status")).startswith("done")
    logtext = run_logs(out)
    assert "on 2 rank(s)" in logtext, logtext
    direct = os.path.join(tmp, "runs", "mpi_direct")
    sh([*mpirun, "-np", "2", curvlab, "run", job, "--output", direct, "--quiet"], env, timeout=300)
    diffs = compare_runs.differences(out, direct)
    assert not diffs, "Slurm run differs from the direct mpirun run:\n" + "\n".join(diffs)
    log("2-rank Slurm job bitwise equal to the direct mpirun run")


def test_requeue(curvlab, tmp, env, slurm_dir, mpirun):
    # Long enough (a few seconds) that the signal arrives mid-run.
    job, out = write_job(tmp, "pre", ranks=2, launcher="mpirun", seed=9, train=8192, epochs=16, widths="[512, 512]",
                         batch=256)
    planned = 16 * 8192 // 256
    job_id = submit(curvlab, [job], env, tmp)
    log(f"submitted 2-rank mpirun job {job_id} ({planned} steps)")
    steps_csv = os.path.join(out, "metrics_steps.csv")
    deadline = time.time() + 120
    step = 0
    while time.time() < deadline:
        try:
            rows = [l for l in read(steps_csv).splitlines()[1:] if l]
            step = int(float(rows[-1].split(",")[0])) if rows else 0
        except (FileNotFoundError, ValueError):
            step = 0
        if step >= 5:
            break
        time.sleep(0.01)
    assert 5 <= step < planned, f"job did not reach step 5 while running (step {step})\n{run_logs(out)}"
    sh(["scancel", "--signal=USR1", "--batch", job_id], env)
    log(f"sent USR1 to the batch script at step {step}")
    # The job checkpoints, rank 0 writes status "requeued: ..." and runs scontrol requeue; Slurm holds
    # the requeued job until its old credential expires (cred_expire=5 in the test cluster).
    deadline = time.time() + 120
    seen_requeued = False
    status = ""
    while time.time() < deadline:
        status = read(os.path.join(out, "status")) if os.path.exists(os.path.join(out, "status")) else ""
        if status.startswith("requeued") and not seen_requeued:
            seen_requeued = True
            log(f"status: {status.strip()}")
        if job_states(job_id, env).get(job_id, "") in TERMINAL:
            break
        time.sleep(0.2)
    states = wait_done(job_id, env, 1, 150, slurm_dir)
    logtext = run_logs(out)
    assert states.get(job_id) == "COMPLETED", f"{states}\n{logtext}"
    assert seen_requeued, f"the status file never said requeued (last '{status}')\n{logtext}"
    assert read(os.path.join(out, "status")).startswith("done"), logtext
    show = sh(["scontrol", "-o", "show", "job", job_id], env).stdout
    assert re.search(r"Restarts=1\b", show), show
    assert "requeued: it resumes from this checkpoint" in logtext, logtext
    assert "resumed from" in logtext or "(restart 1)" in logtext, logtext
    direct = os.path.join(tmp, "runs", "pre_direct")
    sh([*mpirun, "-np", "2", curvlab, "run", job, "--output", direct, "--quiet"], env, timeout=300)
    diffs = compare_runs.differences(out, direct)
    assert not diffs, "requeued run differs from the uninterrupted run:\n" + "\n".join(diffs)
    log("requeued + resumed run bitwise equal to the uninterrupted run")


def main():
    curvlab, repo, mode, port = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    mpirun = sys.argv[5:] or ["mpirun", "--oversubscribe", "--allow-run-as-root"]
    tests = {"array": test_array, "mpi": test_mpi, "requeue": test_requeue}
    tmp = tempfile.mkdtemp(prefix=f"curvlab_slurm_{mode}_")
    os.chmod(tmp, 0o755)
    slurm_dir = os.path.join(tmp, "slurm")
    start = subprocess.run(["bash", os.path.join(repo, "scripts/slurm/start_slurm.sh"), slurm_dir, port],
                           capture_output=True, text=True, timeout=300)
    if start.returncode == SKIP:
        print(start.stderr.strip() or "SKIP: Slurm cannot be started here")
        shutil.rmtree(tmp, ignore_errors=True)
        sys.exit(SKIP)
    assert start.returncode == 0, f"start_slurm.sh failed ({start.returncode}):\n{start.stderr}"
    env = dict(os.environ, SLURM_CONF=os.path.join(slurm_dir, "etc", "slurm.conf"), OMP_NUM_THREADS="1")
    t0 = time.time()
    ok = False
    try:
        tests[mode](curvlab, tmp, env, slurm_dir, mpirun)
        ok = True
    finally:
        subprocess.run(["bash", os.path.join(repo, "scripts/slurm/stop_slurm.sh"), slurm_dir], timeout=120)
        log(f"{mode}: {'passed' if ok else 'FAILED'} in {time.time() - t0:.1f} s (Slurm stopped)")
        if ok and not os.environ.get("CURVLAB_KEEP_TEST_FILES"):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"files kept in {tmp}")


if __name__ == "__main__":
    main()
