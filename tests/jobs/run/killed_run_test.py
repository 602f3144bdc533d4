"""A run whose rank is killed with SIGKILL under mpirun (as the OOM killer or a lost node would) is
shown by `curvlab status` as interrupted, not running forever, with how to resume it; `--resume`
then finishes it. The duplicate-warning rule is checked on the way: a truncated newest checkpoint
is reported once (rank 0), not once per rank.

Usage: killed_run_test.py CURVLAB MPIRUN [MPIRUN_FLAGS...]
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

curvlab, mpirun, flags = sys.argv[1], sys.argv[2], sys.argv[3:]
tmp = tempfile.mkdtemp(prefix="curvlab_killed_")
out = os.path.join(tmp, "run")
job = os.path.join(tmp, "job.toml")
with open(job, "w") as f:
    f.write(f'''[job]
name = "killed"
output_dir = "{out}"
seed = 3
[data]
dataset = "synthetic"
synthetic_train = 512
synthetic_test = 64
synthetic_shape = [1, 8, 8]
synthetic_classes = 4
[model]
name = "mlp"
widths = [64]
[train]
steps = 4000
batch_size = 16
lr = 0.05
checkpoint_every_steps = 20
keep_last = 3
threads = 1
log_every_seconds = 1000
''')


def fail(message):
    print("FAIL:", message)
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1)


def status():
    r = subprocess.run([curvlab, "status", out, "--no-slurm"], capture_output=True, text=True)
    return r.stdout + r.stderr


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


env = dict(os.environ, OMP_NUM_THREADS="1")
p = subprocess.Popen([mpirun] + flags + ["-np", "2", curvlab, "run", job, "--quiet"], env=env,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
deadline = time.time() + 120
ckpts = os.path.join(out, "checkpoints")
while time.time() < deadline and p.poll() is None:
    if os.path.isdir(ckpts) and len([c for c in os.listdir(ckpts) if c.endswith(".h5")]) >= 2:
        break
    time.sleep(0.1)
if p.poll() is not None:
    fail("the run ended before it could be killed:\n" + p.communicate()[1])
live = status()
if "running" not in live or "is alive" not in live:
    fail("a live run is not shown as running and alive:\n" + live)

ranks = [c for c in children(p.pid) if "curvlab" in open(f"/proc/{c}/cmdline").read()]
if len(ranks) != 2:
    fail(f"expected 2 curvlab ranks under mpirun, found {ranks}")
os.kill(ranks[-1], signal.SIGKILL)  # one rank only; mpirun ends the others
p.communicate(timeout=120)
for pid in ranks:
    end = time.time() + 30
    while os.path.exists(f"/proc/{pid}") and time.time() < end:
        time.sleep(0.05)
if open(os.path.join(out, "status")).read().strip() != "running":
    fail("the killed run's status file should still say running (nobody could update it)")
dead = status()
if "interrupted" not in dead or "is gone" not in dead or "--resume" not in dead:
    fail("a killed run is not shown as interrupted with how to resume:\n" + dead)
print("status after SIGKILL of rank 1:\n" + dead)

# Truncate the newest checkpoint: the resume uses the next older one and says so once.
newest = sorted(c for c in os.listdir(ckpts) if c.endswith(".h5"))[-1]
path = os.path.join(ckpts, newest)
with open(path, "r+b") as f:
    f.truncate(os.path.getsize(path) // 3)
r = subprocess.run([mpirun] + flags + ["-np", "2", curvlab, "run", job, "--resume", "--quiet",
                    "--set", "train.steps=120", "--set", f"job.output_dir={out}"],
                   env=env, capture_output=True, text=True)
if r.returncode != 0:
    fail(f"--resume failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
skips = r.stderr.count("skipping checkpoint")
if skips != 1:
    fail(f"the skipped checkpoint was reported {skips} times (once, by rank 0, expected):\n{r.stderr}")
changed = [line for line in r.stderr.splitlines() if line.startswith("  ")]
if "differs from the job" not in r.stderr or changed != ["  train.steps: 4000 -> 120"]:
    fail("the resume should name exactly the one changed setting (not output_dir):\n" + r.stderr)
done = status()
if "done" not in done or "interrupted" in done:
    fail("after --resume the run should be done:\n" + done)
print("resumed to done; one skip warning; the one changed setting named")
shutil.rmtree(tmp, ignore_errors=True)
