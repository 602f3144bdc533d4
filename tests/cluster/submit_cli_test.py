#!/usr/bin/python3
"""`curvlab submit` and `curvlab status` without a Slurm: --dry-run writes the script where the docs
say and prints it, command-line flags override [cluster], job arrays skip finished runs, and bad
input exits with status 2 and a message that says what to do.

Usage: submit_cli_test.py PATH/TO/curvlab
"""
import os
import subprocess
import sys
import tempfile

JOB = """[job]
name = "{name}"
output_dir = "runs/{name}"
[data]
dataset = "synthetic"
[model]
name = "mlp"
[cluster]
nodes = 2
tasks_per_node = 4
time = "02:00:00"
partition = "cpu"
"""
FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)


def run(curvlab, args, cwd, env=None):
    return subprocess.run([curvlab, *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env=env or dict(os.environ))


def main():
    curvlab = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="curvlab_submit_cli_")
    for name in ("a", "b", "c"):
        with open(os.path.join(tmp, name + ".toml"), "w") as f:
            f.write(JOB.format(name=name))

    r = run(curvlab, ["submit", "a.toml", "--dry-run", "--nodes", "1", "--time", "00:30:00", "--set", "train.lr=0.05"], tmp)
    script = os.path.join(tmp, "runs", "a", "submit.sbatch")
    check(r.returncode == 0, f"dry run exits 0 ({r.returncode}: {r.stderr.strip()})")
    check(os.path.exists(script), "dry run writes runs/a/submit.sbatch")
    check(os.path.exists(script) and open(script).read() == r.stdout, "dry run prints the script it wrote")
    check("#SBATCH --nodes=1\n" in r.stdout, "--nodes overrides [cluster] nodes = 2")
    check("#SBATCH --ntasks-per-node=4\n" in r.stdout, "[cluster] tasks_per_node kept")
    check("#SBATCH --time=00:30:00\n" in r.stdout and "#SBATCH --partition=cpu\n" in r.stdout, "--time, partition")
    check("--set train.lr=0.05" in r.stdout and "--set cluster.nodes=1" in r.stdout,
          "overrides are passed on to curvlab run")
    check(f"{curvlab} run" in r.stdout or os.path.realpath(curvlab) + " run" in r.stdout,
          "the script runs this curvlab binary")
    check(not os.path.exists(os.path.join(tmp, "runs", "a", "slurm_job_id")), "dry run records no job id")
    check(subprocess.run(["bash", "-n", script]).returncode == 0, "the script is valid bash")

    # A job array over three files; b is already done and must be skipped.
    os.makedirs(os.path.join(tmp, "runs", "b"))
    with open(os.path.join(tmp, "runs", "b", "status"), "w") as f:
        f.write("done\n")
    r = run(curvlab, ["submit", "a.toml", "b.toml", "c.toml", "--array-dir", "sweep", "--throttle", "2", "--dry-run"], tmp)
    check(r.returncode == 0, f"array dry run exits 0 ({r.stderr.strip()})")
    check("#SBATCH --array=0-1%2\n" in r.stdout, "two tasks (b skipped), throttle 2")
    check(f"skipped {tmp}/runs/b: already done" in r.stdout or "skipped" in r.stderr + r.stdout, "b reported skipped")
    tsv = open(os.path.join(tmp, "sweep", "runs.tsv")).read() if os.path.exists(os.path.join(tmp, "sweep", "runs.tsv")) else ""
    check(f"0\t{tmp}/runs/a\t{tmp}/a.toml" in tsv and f"-\t{tmp}/runs/b" in tsv and f"1\t{tmp}/runs/c" in tsv,
          "runs.tsv maps tasks to runs")
    check(os.path.exists(os.path.join(tmp, "sweep", "array.sbatch")), "array script in --array-dir")

    r = run(curvlab, ["status", "sweep", "--no-slurm"], tmp)
    check(r.returncode == 0 and "3 run(s):" in r.stdout and " done " in r.stdout, f"status of the array:\n{r.stdout}")

    # Bad input: exit status 2 and a helpful message, nothing submitted.
    bad = [
        (["submit", "a.toml", "--time", "soon", "--dry-run"], "Slurm time limit"),
        (["submit", "a.toml", "--nodes", "0", "--dry-run"], "--nodes"),
        (["submit", "a.toml", "--launcher", "ssh", "--dry-run"], "cluster.launcher must be one of"),
        (["submit", "a.toml", "b.toml", "--dry-run"], "--array-dir"),
        (["submit", "a.toml", "--resume"], "--resume"),
        (["submit", "missing.toml"], "missing.toml"),
        (["status", "nowhere"], "nowhere"),
        (["status", "."], "holds no curvlab run"),
    ]
    for args, text in bad:
        r = run(curvlab, args, tmp)
        check(r.returncode == 2 and text in r.stderr, f"{' '.join(args)} -> exit 2 mentioning '{text}' "
                                                      f"(got {r.returncode}: {r.stderr.strip()[:200]})")
    # No sbatch on PATH: a clear error, exit 2.
    env = dict(os.environ, PATH="/nonexistent")
    r = run(curvlab, ["submit", "c.toml"], tmp, env)
    check(r.returncode == 2 and "sbatch not found" in r.stderr and "--dry-run" in r.stderr,
          f"no sbatch -> exit 2 with a hint ({r.returncode}: {r.stderr.strip()})")

    subprocess.run(["rm", "-rf", tmp])
    print(f"{len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
