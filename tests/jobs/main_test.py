#!/usr/bin/python3
"""The curvlab binary's main (jobs/main.cpp) driven from outside. Bad input: every case must exit
with status 2, print "error: <message>" holding the expected text on stderr, and leave the disk
untouched (no output directory created; an existing run directory byte-for-byte as it was).
Dispatch: `validate` of a good file prints its one-line summary and writes nothing; `status` and
`report` of a directory without a run exit 2 naming it; `inspect` of a file that is not HDF5 exits
with the I/O error status 4 and the error's location; an unknown subcommand is a usage error (2).

Usage: main_test.py PATH/TO/curvlab [CASES_DIR]

Each case is a job file in CASES_DIR (default: cases/ beside this script) whose leading comment
lines say what to do and expect:
  # command: run | validate        (default: run)
  # args: --force --set k=v        (extra arguments after the job file, split like a shell)
  # existing-run: yes              (create the output directory first, holding a fake run)
  # expect: TEXT                   (stderr must contain TEXT; repeatable)
In the file, @OUT@ becomes the output directory and @EMPTY@ an empty directory, both in a fresh
temporary directory that is also the working directory; the job file is passed as "job.toml".
Prints one line per case and a summary "N passed, M failed"; exits 1 when any case fails.
"""
import os
import shlex
import subprocess
import sys
import tempfile

TIMEOUT_S = 120


def read_case(path):
    meta = {"command": "run", "args": [], "existing-run": False, "expect": []}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for line in text.splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(":")
        key, value = key.strip(), value.strip()
        if key == "command":
            meta["command"] = value
        elif key == "args":
            meta["args"] = shlex.split(value)
        elif key == "existing-run":
            meta["existing-run"] = value == "yes"
        elif key == "expect":
            meta["expect"].append(value)
    return text, meta


def make_fake_run(out_dir):
    """A previous run as `curvlab run` leaves it: the job file, checkpoints, metrics."""
    os.makedirs(os.path.join(out_dir, "checkpoints"))
    files = {
        "job.toml": "# the job of a previous run\n[job]\noutput_dir = \"%s\"\n" % out_dir,
        "metrics.csv": "step,loss\n1,2.30\n2,2.10\n",
        os.path.join("checkpoints", "ckpt_00000002.h5"): "\x89HDF\r\n\x1a\nnot really hdf5",
    }
    for rel, content in files.items():
        with open(os.path.join(out_dir, rel), "w", encoding="utf-8") as f:
            f.write(content)


def snapshot(root):
    """Every directory and file under root (relative path -> None for a directory, bytes for a
    file), plus the modification times, so a rewrite with the same bytes is noticed too."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            state[os.path.relpath(p, root)] = ("dir", os.stat(p).st_mtime_ns)
        for name in filenames:
            p = os.path.join(dirpath, name)
            with open(p, "rb") as f:
                state[os.path.relpath(p, root)] = ("file", f.read(), os.stat(p).st_mtime_ns)
    return state


def describe_diff(before, after):
    lines = []
    for k in sorted(set(before) | set(after)):
        if k not in before:
            lines.append("created " + k)
        elif k not in after:
            lines.append("removed " + k)
        elif before[k] != after[k]:
            lines.append("changed " + k)
    return "; ".join(lines)


def run_case(binary, case_path, env):
    text, meta = read_case(case_path)
    problems = []
    with tempfile.TemporaryDirectory(prefix="curvlab_cli_") as tmp:
        out_dir = os.path.join(tmp, "out")
        empty_dir = os.path.join(tmp, "empty")
        os.makedirs(empty_dir)
        job_text = text.replace("@OUT@", out_dir).replace("@EMPTY@", empty_dir)
        with open(os.path.join(tmp, "job.toml"), "w", encoding="utf-8") as f:
            f.write(job_text)
        if meta["existing-run"]:
            make_fake_run(out_dir)
        before = snapshot(tmp)
        cmd = [binary, meta["command"], "job.toml"] + meta["args"]
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return ["timed out after %d s: %s" % (TIMEOUT_S, " ".join(cmd))]
        after = snapshot(tmp)
        if proc.returncode != 2:
            problems.append("exit status %d, expected 2" % proc.returncode)
        if "error: " not in proc.stderr:
            problems.append("stderr has no 'error: ' line")
        for want in meta["expect"]:
            want = want.replace("@OUT@", out_dir).replace("@EMPTY@", empty_dir)
            if want not in proc.stderr:
                problems.append("stderr lacks: " + want)
        if not meta["expect"]:
            problems.append("case has no '# expect:' line")
        if before != after:
            problems.append("the disk changed: " + describe_diff(before, after))
        if problems:
            problems.append("command: " + " ".join(shlex.quote(c) for c in cmd))
            problems.append("stderr: " + proc.stderr.strip().replace("\n", "\n        "))
    return problems


def run_missing_job_file(binary, env):
    """`curvlab validate` of a file that does not exist is bad input too."""
    with tempfile.TemporaryDirectory(prefix="curvlab_cli_") as tmp:
        proc = subprocess.run([binary, "validate", "no_such_job.toml"], cwd=tmp, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=TIMEOUT_S)
        problems = []
        if proc.returncode != 2:
            problems.append("exit status %d, expected 2" % proc.returncode)
        if "no_such_job.toml" not in proc.stderr:
            problems.append("stderr does not name the file: " + proc.stderr.strip())
        if os.listdir(tmp):
            problems.append("created " + ", ".join(os.listdir(tmp)))
        return problems


def run_dispatch(binary, env):
    """What main() does with each subcommand beyond parsing: the summary line, exit statuses."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="curvlab_cli_") as tmp:
        out = os.path.join(tmp, "out")
        with open(os.path.join(tmp, "job.toml"), "w", encoding="utf-8") as f:
            f.write('[job]\nname = "ok"\noutput_dir = "%s"\n[data]\ndataset = "synthetic"\n'
                    'synthetic_train = 64\nsynthetic_test = 16\n[model]\nname = "mlp"\n[train]\nbatch_size = 16\n' % out)

        def run(args):
            return subprocess.run([binary] + args, cwd=tmp, env=env, stdin=subprocess.DEVNULL,
                                  capture_output=True, text=True, timeout=TIMEOUT_S)

        p = run(["validate", "job.toml"])
        want = ("job.toml: ok (kind train, dataset synthetic: 64 train / 16 test samples, model mlp, "
                "optimizer sgd, output %s)\n" % out)
        if p.returncode != 0 or p.stdout != want:
            problems.append("validate: exit %d, stdout %r, expected %r (stderr %s)" % (p.returncode, p.stdout, want, p.stderr))
        if os.path.exists(out):
            problems.append("validate created the output directory")
        # A job on a checkpoint names the checkpoint, not its own (unused) model defaults.
        with open(os.path.join(tmp, "attack.toml"), "w", encoding="utf-8") as f:
            f.write('[job]\nname = "a"\nkind = "attack"\noutput_dir = "%s"\n[attack]\ncheckpoint = "runs/x"\n'
                    'methods = ["tr"]\n' % out)
        p = run(["validate", "attack.toml"])
        want = "attack.toml: ok (kind attack on checkpoint runs/x: model and data set from its job, output %s)\n" % out
        if p.returncode != 0 or p.stdout != want:
            problems.append("validate attack: exit %d, stdout %r, expected %r (stderr %s)" % (
                p.returncode, p.stdout, want, p.stderr))
        os.makedirs(os.path.join(tmp, "empty"))
        p = run(["status", "empty", "--no-slurm"])
        if p.returncode != 2 or "empty holds no curvlab run" not in p.stderr:
            problems.append("status of an empty directory: exit %d, stderr %s" % (p.returncode, p.stderr.strip()))
        p = run(["report", "empty"])
        if p.returncode != 2 or "error: " not in p.stderr:
            problems.append("report of an empty directory: exit %d, stderr %s" % (p.returncode, p.stderr.strip()))
        p = run(["inspect", "job.toml"])
        if p.returncode != 4 or "error: " not in p.stderr or "  (at " not in p.stderr:
            problems.append("inspect of a text file: exit %d, expected 4 with the location (stderr %s)" % (
                p.returncode, p.stderr.strip()))
        p = run(["train", "job.toml"])
        if p.returncode != 2:
            problems.append("unknown subcommand: exit %d, expected 2" % p.returncode)
        p = run(["--version"])
        if p.returncode != 0 or not p.stdout.startswith("curvlab "):
            problems.append("--version: exit %d, stdout %r" % (p.returncode, p.stdout))
    return problems


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    cases_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "cases")
    cases = sorted(os.path.join(cases_dir, f) for f in os.listdir(cases_dir) if f.endswith(".toml"))
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("FAIL: the curvlab binary is missing: %s (build the 'curvlab' target first)" % binary)
        print("0 passed, %d failed" % (len(cases) + 1))
        return 1
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
                "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"})
    passed = failed = 0
    checks = [(os.path.basename(c), lambda c=c: run_case(binary, c, env)) for c in cases]
    checks.append(("missing_job_file", lambda: run_missing_job_file(binary, env)))
    checks.append(("dispatch", lambda: run_dispatch(binary, env)))
    for name, check in checks:
        problems = check()
        if problems:
            failed += 1
            print("FAIL %s\n    %s" % (name, "\n    ".join(problems)))
        else:
            passed += 1
            print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and passed >= 25 else 1


if __name__ == "__main__":
    sys.exit(main())
