#!/usr/bin/python3
"""End-to-end test of `curvlab run SWEEP.toml` (docs/sweeps.md): a 3-run sweep is killed in the middle
of its second run, run again, and must end with the same results per run id as an uninterrupted sweep
(newest checkpoint bitwise, every evaluation row but its wall time); a second rerun runs nothing.
Also: `curvlab validate` prints the expansion, a bad sweep value exits 2 and writes nothing, --force is
refused, a changed base file gives new ids and a note about the old run directories, and diverging
runs (NaN loss) are recorded as diverged while the sweep goes on (no MPI_Abort under 2 ranks).

Usage: sweep_runner_test.py CURVLAB local            one process, SIGKILL in the middle of run 2
       sweep_runner_test.py CURVLAB mpi MPIRUN FLAGS  2 ranks (mpirun -np 2), SIGTERM to both ranks in run 2
"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "cluster"))
import compare_runs  # noqa: E402

SWEEP = """
[job]
name = "sw"
output_dir = "{out}"
seed = 3
[data]
dataset = "synthetic"
synthetic_train = 2000
synthetic_test = 200
synthetic_shape = [1, 16, 16]
synthetic_classes = 4
[model]
name = "mlp"
widths = [1024, 1024]
[train]
batch_size = 32
lr = 0.05
momentum = {momentum}
eval_every_steps = 25
checkpoint_every_steps = 20
log_every_seconds = 1000
threads = 1
[sweep]
budget_steps = 100
budget_scaling = "linear"
budget_reference_batch = 32
target_metric = "test_accuracy"
target_value = 0.3
[sweep.grid]
"train.lr" = [0.02, 0.05]
"train.batch_size" = [32, 64]
"""


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def last_step(run_dir):
    try:
        rows = [l for l in read(os.path.join(run_dir, "metrics_steps.csv")).splitlines()[1:] if l]
        return int(float(rows[-1].split(",")[0])) if rows else 0
    except (FileNotFoundError, ValueError, IndexError):
        return 0


def table(sweep_dir):
    with open(os.path.join(sweep_dir, "sweep.tsv")) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def evals(run_dir):
    with open(os.path.join(run_dir, "metrics_evals.csv")) as f:
        return [{k: v for k, v in row.items() if k != "wall_time"} for row in csv.DictReader(f)]


def run(cmd, env, timeout=300):
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def rank_pids(mpirun_pid):
    def children(pid):
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                return [int(p) for p in f.read().split()]
        except FileNotFoundError:
            return []
    out, pending = [], children(mpirun_pid)
    while pending:
        pid = pending.pop()
        try:
            if "curvlab" in read(f"/proc/{pid}/cmdline"):
                out.append(pid)
        except FileNotFoundError:
            pass
        pending.extend(children(pid))
    return out


def main():
    curvlab, mode = os.path.abspath(sys.argv[1]), sys.argv[2]
    launcher = (sys.argv[3:] + ["-np", "2"]) if mode == "mpi" else []
    tmp = tempfile.mkdtemp(prefix=f"curvlab_sweep_{mode}_")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    t0 = time.time()

    def sweep_file(name, momentum=0.9):
        path = os.path.join(tmp, name + ".toml")
        write(path, SWEEP.format(out=os.path.join(tmp, name), momentum=momentum))
        return path, os.path.join(tmp, name)

    # validate: the expansion, nothing written.
    full_file, full_dir = sweep_file("full")
    r = run([curvlab, "validate", full_file], env)
    assert r.returncode == 0, r.stderr
    assert "a sweep of 4 run(s)" in r.stdout, r.stdout
    assert "100" in r.stdout and "50" in r.stdout, f"linear budget: 100 steps at batch 32, 50 at 64:\n{r.stdout}"
    assert not os.path.exists(full_dir), "validate wrote the sweep directory"

    # A value its key rejects: exit 2, the message names the sweep key and the value, nothing written.
    bad_file = os.path.join(tmp, "bad.toml")
    write(bad_file, read(full_file).replace('"train.lr" = [0.02, 0.05]', '"train.lr" = [0.02, -1]')
          .replace(full_dir, os.path.join(tmp, "bad")))
    r = run([curvlab, "run", bad_file], env)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "train.lr = -1" in r.stderr and "train.lr must be > 0" in r.stderr and "bad.toml:" in r.stderr, r.stderr
    assert not os.path.exists(os.path.join(tmp, "bad")), "a bad sweep wrote its directory"

    # The uninterrupted sweep.
    r = run(launcher + [curvlab, "run", full_file, "--quiet"], env)
    assert r.returncode == 0, f"uninterrupted sweep failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    rows = table(full_dir)
    assert len(rows) == 4 and all(read(os.path.join(full_dir, row["run_dir"], "status")).startswith("done")
                                  for row in rows), r.stdout
    log(f"uninterrupted sweep: {len(rows)} runs done ({time.time() - t0:.1f} s)")

    # The interrupted sweep: same settings, another directory -> the same ids.
    part_file, part_dir = sweep_file("part")
    p = subprocess.Popen(launcher + [curvlab, "run", part_file, "--quiet"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not os.path.exists(os.path.join(part_dir, "sweep.tsv")) and time.time() < deadline and p.poll() is None:
        time.sleep(0.002)
    rows = table(part_dir)
    assert [row["id"] for row in rows] == [row["id"] for row in table(full_dir)], "ids depend on the directory"
    second = os.path.join(part_dir, rows[1]["run_dir"])
    # The first checkpoint of run 2 (step 20 of 100): kill the sweep in the middle of that run.
    while not os.path.exists(os.path.join(second, "checkpoints", "ckpt_00000020.h5")) and p.poll() is None \
            and time.time() < deadline:
        time.sleep(0.002)
    assert p.poll() is None, f"the sweep ended before it could be killed:\n{p.communicate()[1]}"
    if mode == "mpi":
        # SIGTERM to every rank, as `kill -TERM` of the job's process group or a scheduler does (mpirun
        # forwards a SIGTERM sent to itself only after a delay that depends on the machine's load).
        ranks = rank_pids(p.pid)
        assert len(ranks) == 2, f"expected 2 rank processes under mpirun, found {ranks}"
        for pid in ranks:
            os.kill(pid, signal.SIGTERM)
        what = "SIGTERM to both ranks"
    else:
        os.kill(p.pid, signal.SIGKILL)
        ranks, what = [], "SIGKILL"
    _, err = p.communicate(timeout=120)
    killed_at = last_step(second)
    log(f"{what} in run 2 ({rows[1]['id']}) at step {killed_at}; exit status {p.returncode}")
    if os.environ.get("SWEEP_TEST_DEBUG"):
        print(err)
    assert p.returncode != 0, err
    for pid in ranks:  # no rank outlives mpirun
        deadline = time.time() + 30
        while os.path.exists(f"/proc/{pid}") and time.time() < deadline:
            time.sleep(0.05)
    assert not read(os.path.join(second, "status")).startswith("done")
    assert not os.path.exists(os.path.join(part_dir, rows[2]["run_dir"], "status")), "run 3 started"
    if what == "SIGKILL":  # its status file still says running: the heartbeat tells it is dead
        r = run([curvlab, "status", part_dir, "--no-slurm"], env)
        assert f"{rows[1]['id']}: run the sweep again to resume it" in r.stdout, r.stdout
        assert "1 interrupted;" in r.stdout and "is gone" in r.stdout, r.stdout
        log("status after SIGKILL: run 2 interrupted, with how to resume it")
    first_results = os.path.join(part_dir, rows[0]["run_dir"], "results.h5")
    first_mtime = os.stat(first_results).st_mtime_ns

    r = run(launcher + [curvlab, "run", part_file, "--quiet"], env)
    assert r.returncode == 0, f"rerun failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    assert "(1 done, 0 diverged, 3 to run)" in r.stderr, r.stderr
    assert os.stat(first_results).st_mtime_ns == first_mtime, "the finished run 1 was run again"
    assert "4 run(s): 4 done;" in r.stdout, r.stdout

    for row in rows:
        a, b = os.path.join(full_dir, row["run_dir"]), os.path.join(part_dir, row["run_dir"])
        diffs = compare_runs.differences(a, b)
        assert not diffs, f"run {row['id']} differs from the uninterrupted sweep's:\n" + "\n".join(diffs)
        assert evals(a) == evals(b), f"run {row['id']}: metrics_evals.csv differs"
        assert len(evals(a)) >= 2
    log("interrupted + rerun sweep equals the uninterrupted one, run by run (bitwise checkpoints, evals)")

    r = run(launcher + [curvlab, "run", part_file, "--quiet"], env)
    assert r.returncode == 0 and "(4 done, 0 diverged, 0 to run)" in r.stderr, r.stderr

    r = run([curvlab, "status", part_dir, "--no-slurm"], env)
    assert r.returncode == 0 and "4 run(s): 4 done;" in r.stdout and "train.batch_size" in r.stdout, r.stdout
    for row in rows:
        assert row["id"] in r.stdout
    r = run([curvlab, "run", part_file, "--force"], env)
    assert r.returncode == 2 and "--force does not apply to a sweep" in r.stderr, r.stderr

    # A changed base setting: new ids; the old run directories are reported, not reused or deleted.
    write(part_file, SWEEP.format(out=part_dir, momentum=0.8))
    r = run([curvlab, "validate", part_file], env)
    new_ids = {row_id for row_id in (line.split()[0] for line in r.stdout.splitlines()[2:]) if row_id}
    assert not new_ids & {row["id"] for row in rows}, r.stdout
    if mode == "local":
        r = run([curvlab, "run", part_file, "--quiet"], env)
        assert r.returncode == 0, r.stderr
        assert r.stderr.count("matches no run of this sweep") == 4, r.stderr
        assert len(os.listdir(os.path.join(part_dir, "runs"))) == 8

    # A diverging run is an outcome, not an error: recorded, the sweep goes on (under 2 ranks too,
    # without MPI_Abort), and a rerun skips it unless --retry-failed.
    div_file, div_dir = sweep_file("div")
    write(div_file, read(div_file).replace('"train.lr" = [0.02, 0.05]', '"train.lr" = [1e6, 0.05]')
          .replace("budget_steps = 100", "budget_steps = 10").replace("[1024, 1024]", "[32]"))
    r = run(launcher + [curvlab, "run", div_file, "--quiet"], env)
    assert r.returncode == 0, f"a diverged run stopped the sweep ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    states = {row["train.lr"]: read(os.path.join(div_dir, row["run_dir"], "status")) for row in table(div_dir)}
    assert all(v.startswith("failed: diverged: training loss became") for k, v in states.items() if k == "1000000.0"), states
    assert all(v.startswith("done") for k, v in states.items() if k == "0.05"), states
    assert "4 run(s): 2 diverged; 2 done;" in r.stdout, r.stdout
    r = run(launcher + [curvlab, "run", div_file, "--quiet"], env)
    assert r.returncode == 0 and "(2 done, 2 diverged, 0 to run)" in r.stderr, r.stderr
    r = run(launcher + [curvlab, "run", div_file, "--quiet", "--retry-failed"], env)
    assert r.returncode == 0 and r.stderr.count("diverged (recorded; the sweep goes on)") == 2, r.stderr

    log(f"{mode}: passed in {time.time() - t0:.1f} s")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
