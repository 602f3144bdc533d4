#!/usr/bin/python3
"""Preemption without Slurm: SIGUSR1 (or SIGTERM) sent to a running `curvlab run` stops it at a step
boundary with a checkpoint and exit status 75 ("stopped, resumable"); `curvlab run --auto-resume`
then finishes it, and the final model and optimizer state equal an uninterrupted run's bitwise.

Usage: signal_resume_test.py CURVLAB local          one process, SIGUSR1 to it
       signal_resume_test.py CURVLAB mpi MPIRUN [FLAGS...]   2 ranks; SIGUSR1 to rank 1 only, so the
                                                    ranks must agree (allreduce) to stop together
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_runs  # noqa: E402

EXIT_STOPPED = 75
JOB = """
[job]
name = "sig"
output_dir = "{out}"
seed = 5
[data]
dataset = "synthetic"
synthetic_train = 6000
synthetic_test = 200
synthetic_shape = [1, 8, 8]
synthetic_classes = 4
[model]
name = "mlp"
widths = [64, 32]
[train]
epochs = 1
batch_size = 16
lr = 0.05
momentum = 0.9
checkpoint_every_steps = 100000
eval_every_steps = 200
log_every_seconds = 1000
threads = 1
[train.lr_schedule]
kind = "cosine"
"""
PLANNED_STEPS = 375  # 6000 / 16


def last_step(run_dir):
    try:
        with open(os.path.join(run_dir, "metrics_steps.csv")) as f:
            rows = [l for l in f.read().splitlines()[1:] if l]
        return int(float(rows[-1].split(",")[0])) if rows else 0
    except (FileNotFoundError, ValueError, IndexError):
        return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


def rank_pids(mpirun_pid):
    """The rank processes under mpirun, ordered by their OMPI_COMM_WORLD_RANK."""
    found = {}
    for pid in children(mpirun_pid):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
            found[int(env[b"OMPI_COMM_WORLD_RANK"])] = pid
        except (FileNotFoundError, KeyError, ProcessLookupError):
            pass
    return [found[r] for r in sorted(found)]


def main():
    curvlab, mode = sys.argv[1], sys.argv[2]
    launcher = []
    if mode == "mpi":
        launcher = [sys.argv[3], *sys.argv[4:], "-np", "2"]
    tmp = tempfile.mkdtemp(prefix="curvlab_signal_")
    env = dict(os.environ, OMP_NUM_THREADS="1")

    def job(name):
        out = os.path.join(tmp, name)
        path = os.path.join(tmp, name + ".toml")
        with open(path, "w") as f:
            f.write(JOB.format(out=out))
        return path, out

    full_job, full_out = job("full")
    r = subprocess.run(launcher + [curvlab, "run", full_job, "--quiet"], env=env, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, f"uninterrupted run failed ({r.returncode}):\n{r.stderr}"

    part_job, part_out = job("interrupted")
    p = subprocess.Popen(launcher + [curvlab, "run", part_job, "--quiet"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while last_step(part_out) < 20 and p.poll() is None and time.time() < deadline:
        time.sleep(0.002)
    assert p.poll() is None, f"the run ended before it could be signalled:\n{p.communicate()[1]}"
    if mode == "mpi":
        ranks = rank_pids(p.pid)
        assert len(ranks) == 2, f"expected 2 rank processes under mpirun, found {ranks}"
        os.kill(ranks[1], signal.SIGUSR1)  # only rank 1: the ranks must agree to stop together
        target = f"rank 1 (pid {ranks[1]})"
    else:
        os.kill(p.pid, signal.SIGUSR1)
        target = f"pid {p.pid}"
    _, err = p.communicate(timeout=120)
    stopped_at = last_step(part_out)
    print(f"sent SIGUSR1 to {target}; exit status {p.returncode}; stopped at step {stopped_at} of {PLANNED_STEPS}")
    assert p.returncode == EXIT_STOPPED, f"expected exit status {EXIT_STOPPED}, got {p.returncode}:\n{err}"
    assert 20 <= stopped_at < PLANNED_STEPS, f"stopped at step {stopped_at}"
    with open(os.path.join(part_out, "status")) as f:
        status = f.read()
    assert status.startswith("stopped: "), status
    assert f"at step {stopped_at}" in status, status
    if mode == "local":
        assert "SIGUSR1" in status, status

    r = subprocess.run(launcher + [curvlab, "run", part_job, "--auto-resume", "--quiet"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"resumed run failed ({r.returncode}):\n{r.stderr}"
    with open(os.path.join(part_out, "status")) as f:
        assert f.read().startswith("done"), "status is not done after the resumed run"
    diffs = compare_runs.differences(full_out, part_out)
    assert not diffs, "stopped + resumed differs from uninterrupted:\n" + "\n".join(diffs)
    print(f"{mode}: stopped at step {stopped_at}, resumed, final state bitwise equal to the uninterrupted run")

    # --auto-resume on a directory with no run starts it (what a first Slurm start does).
    fresh_job, fresh_out = job("fresh")
    r = subprocess.run(launcher + [curvlab, "run", fresh_job, "--auto-resume", "--quiet"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"--auto-resume without a run failed ({r.returncode}):\n{r.stderr}"
    diffs = compare_runs.differences(full_out, fresh_out)
    assert not diffs, "--auto-resume from nothing differs from a plain run:\n" + "\n".join(diffs)
    subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
