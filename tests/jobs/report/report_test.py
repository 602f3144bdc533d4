#!/usr/bin/python3
"""End-to-end test of `curvlab report`: a fixture sweep written here (known curves) gives the
expected steps-to-target table, summary and plots (PNG signature, SVG parses as XML); a real short
training run (synthetic data, mlp) gets its curves; bad input exits with status 2 and a message.

Usage: report_test.py PATH/TO/curvlab
The expected numbers are computed here from the fixture's design, independently of the C++ code.
"""
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

TRAIN_SIZE = 12800.0
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FAILURES = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        FAILURES.append(what)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# Steps to test_accuracy >= 0.8 of each (optimizer, batch, lr): the best lr per batch is the one
# with fewer steps. sgd scales perfectly to 512 and then stalls; lamb-like "kfac" follows
# S = 50 (1 + 1024 / B) exactly.
DESIGN = {
    ("sgd", 128): {"0.05": 1600, "0.1": 1200},
    ("sgd", 256): {"0.05": 800, "0.1": 900},
    ("sgd", 512): {"0.05": 400, "0.1": None},   # lr 0.1 never reaches at 512
    ("sgd", 1024): {"0.05": 400, "0.1": None},
    ("kfac", 128): {"0.05": 450, "0.1": 500},
    ("kfac", 256): {"0.05": 250, "0.1": 300},
    ("kfac", 512): {"0.05": 150, "0.1": 160},
    ("kfac", 1024): {"0.05": 100, "0.1": 130},
}
SEEDS = [1, 2]


def fixture(root, with_target_in_jobs=False):
    rows = ["id\trun_dir\tjob_file\ttrain.optimizer\ttrain.batch_size\ttrain.lr\tjob.seed"]
    for (opt, batch), lrs in DESIGN.items():
        for lr, t in lrs.items():
            for seed in SEEDS:
                rid = "%s%d_%s_%d" % (opt, batch, lr.replace(".", ""), seed)
                rows.append("%s\truns/%s\tjobs/%s.toml\t\"%s\"\t%d\t%s\t%d" % (rid, rid, rid, opt, batch, lr, seed))
                target = ""
                if with_target_in_jobs:
                    target = "target_metric = \"test_accuracy\"\ntarget_value = 0.8\n"
                write(os.path.join(root, "jobs", rid + ".toml"),
                      "[job]\nname = \"fx-%s\"\noutput_dir = \"%s\"\nseed = %d\n[data]\ndataset = \"synthetic\"\n"
                      "[model]\nname = \"mlp\"\n[train]\nsteps = 2000\nbatch_size = %d\noptimizer = \"%s\"\nlr = %s\n%s"
                      % (rid, os.path.join(root, "runs", rid), seed, batch, opt, lr, target))
                # seed 1 reaches 10 steps early, seed 2 10 steps late (evaluations every 10 steps): the median is t.
                reach = None if t is None else (t - 10 if seed == 1 else t + 10)
                last = 2000 if reach is None else reach + 100
                evals = ["step,epoch,train_loss,test_loss,test_accuracy,wall_time"]
                steps = ["step,epoch,loss,accuracy,lr,batch_size,samples_per_s,wall_time,grad_sq_norm,trace_sigma,"
                         "noise_scale"]
                for s in range(10, last + 1, 10):
                    acc = 0.85 if reach is not None and s >= reach else 0.5 + 0.29 * s / last
                    evals.append("%d,%r,0.5,0.6,%r,%r" % (s, s * batch / TRAIN_SIZE, acc, s * 0.001 * batch))
                    noise = 4 * batch if s > last / 2 else 1e9
                    steps.append("%d,%r,0.5,0.8,%s,%d,100,1,1,1,%r" % (s, s * batch / TRAIN_SIZE, lr, batch, noise))
                write(os.path.join(root, "runs", rid, "status"), "done\n")
                write(os.path.join(root, "runs", rid, "metrics_evals.csv"), "\n".join(evals) + "\n")
                write(os.path.join(root, "runs", rid, "metrics_steps.csv"), "\n".join(steps) + "\n")
    write(os.path.join(root, "sweep.tsv"), "\n".join(rows) + "\n")


def expected_rows():
    out = {}
    for opt in ("sgd", "kfac"):
        best = {}
        for batch in (128, 256, 512, 1024):
            lrs = {lr: t for lr, t in DESIGN[(opt, batch)].items() if t is not None}
            lr = min(lrs, key=lambda k: lrs[k])
            best[batch] = (lr, lrs[lr], len(lrs) / 2.0)
        anchor = best[128][1]
        for batch, (lr, t, frac) in best.items():
            out[(opt, batch)] = {"best_setting": "train.lr=" + lr, "steps": t, "epochs": t * batch / TRAIN_SIZE,
                                 "wall_time": t * 0.001 * batch, "perfect_scaling_steps": anchor * 128.0 / batch,
                                 "speedup": anchor / t, "reached_fraction": frac, "noise_scale": 4.0 * batch}
    return out


def lstsq_bcrit(points):
    n = len(points)
    xs = [1.0 / b for b, _ in points]
    ys = [s for _, s in points]
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    return slope / (my - slope * mx)


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def check_plot_files(out, names):
    for name in names:
        png = os.path.join(out, name + ".png")
        svg = os.path.join(out, name + ".svg")
        ok_png = os.path.isfile(png) and open(png, "rb").read(8) == PNG_SIGNATURE and os.path.getsize(png) > 1000
        check(ok_png, "%s is a PNG" % png)
        try:
            root = ET.parse(svg).getroot()
            ok_svg = root.tag.endswith("svg")
        except (OSError, ET.ParseError):
            ok_svg = False
        check(ok_svg, "%s is SVG XML" % svg)


def sweep_cases(curvlab, tmp):
    sweep = os.path.join(tmp, "sweep")
    fixture(sweep)
    r = run([curvlab, "report", sweep, "--target", "test_accuracy=0.8"])
    check(r.returncode == 0, "report on the fixture sweep exits 0 (stderr: %s)" % r.stderr.strip()[-300:])
    out = os.path.join(sweep, "report")
    check("steps_to_target" in r.stdout and out in r.stdout, "stdout names the report and prints the table")
    with open(os.path.join(out, "steps_to_target.csv"), encoding="utf-8") as f:
        rows = {(row["optimizer"], int(row["batch_size"])): row for row in csv.DictReader(f)}
    expected = expected_rows()
    check(set(rows) == set(expected), "steps_to_target.csv has one row per optimizer and batch size")
    for key, exp in expected.items():
        row = rows.get(key, {})
        for col, value in exp.items():
            got = row.get(col)
            if isinstance(value, str):
                good = got == value
            else:
                good = got is not None and abs(float(got) - value) <= 1e-5 * max(1.0, abs(value))
            check(good, "%s %d %s = %s (expected %s)" % (key[0], key[1], col, got, value))
    with open(os.path.join(out, "summary.md"), encoding="utf-8") as f:
        summary = f.read()
    kfac_bcrit = lstsq_bcrit([(b, expected[("kfac", b)]["steps"]) for b in (128, 256, 512, 1024)])
    check(abs(kfac_bcrit - 1024) < 1e-6, "independent fit of the kfac design gives B_crit 1024 (%r)" % kfac_bcrit)
    check("| kfac | 128 | 450 | 1024 | 1024 (largest swept: may be larger) | 50 | 1024 | 1 | 1536 |" in summary,
          "summary.md: kfac anchor 128, critical batch 1024 (100 <= 2 x 56.25), S_min 50, B_crit 1024, R^2 1, "
          "noise scale 1536 (median of 512, 1024, 2048, 4096)")
    sgd_bcrit = lstsq_bcrit([(b, expected[("sgd", b)]["steps"]) for b in (128, 256, 512, 1024)])
    check(("| %.6g |" % sgd_bcrit) in summary, "summary.md: sgd B_crit %.6g" % sgd_bcrit)
    check_plot_files(out, ["steps_to_target", "epochs_to_target", "sensitivity", "target_curves_sgd",
                           "target_curves_kfac"])
    check(os.path.isfile(os.path.join(out, "sweep_plots.gp")), "sweep_plots.gp kept for restyling")

    # --out, and gnuplot missing: tables still written, a warning.
    other = os.path.join(tmp, "other_out")
    env = dict(os.environ, PATH="/nonexistent")
    r = run([os.path.abspath(curvlab), "report", sweep, "--target", "test_accuracy=0.8", "--out", other], env=env)
    check(r.returncode == 0, "without gnuplot: exit 0")
    check("gnuplot is not installed" in r.stderr, "without gnuplot: a warning says so")
    check(os.path.isfile(os.path.join(other, "steps_to_target.csv")) and
          not os.path.exists(os.path.join(other, "steps_to_target.png")), "without gnuplot: tables, no PNG")

    # The target from the job files (train.target_metric / target_value), no --target.
    sweep2 = os.path.join(tmp, "sweep_with_target")
    fixture(sweep2, with_target_in_jobs=True)
    r = run([curvlab, "report", sweep2])
    check(r.returncode == 0, "report with the target in the job files exits 0 (stderr: %s)" % r.stderr.strip()[-300:])
    with open(os.path.join(sweep2, "report", "steps_to_target.csv"), encoding="utf-8") as f:
        rows2 = {(row["optimizer"], int(row["batch_size"])): row for row in csv.DictReader(f)}
    check(all(float(rows2[k]["steps"]) == v["steps"] for k, v in expected.items()),
          "target from the job files: the same steps to target")

    # Bad input: no target, bad target, neither run nor sweep, missing directory.
    cases = [
        ([sweep], "no target is known"),
        ([sweep, "--target", "accuracy=0.9"], "unknown metric 'accuracy'"),
        ([sweep, "--target", "test_loss"], "has no '='"),
        ([tmp], "neither a sweep directory"),
        ([os.path.join(tmp, "absent")], "absent"),
    ]
    for args, text in cases:
        r = run([curvlab, "report"] + args)
        check(r.returncode == 2 and text in r.stderr, "report %s: exit 2 and '%s' (got %d: %s)"
              % (" ".join(args[1:]) or os.path.basename(args[0]), text, r.returncode, r.stderr.strip()[-200:]))
    return sweep


def single_run_case(curvlab, tmp):
    run_dir = os.path.join(tmp, "one_run")
    job = os.path.join(tmp, "one_run.toml")
    write(job, "[job]\nname = \"report-run\"\noutput_dir = \"%s\"\nseed = 3\n"
               "[data]\ndataset = \"synthetic\"\nsynthetic_train = 1536\nsynthetic_test = 256\n"
               "[model]\nname = \"mlp\"\nwidths = [32]\n"
               "[train]\nsteps = 36\nbatch_size = 64\nlr = 0.05\neval_every_steps = 12\ncheckpoint_every_steps = 36\n"
               "noise_scale = true\ntarget_metric = \"test_loss\"\ntarget_value = 100.0\n"
               % run_dir)
    r = run([curvlab, "run", job, "--quiet"], env=dict(os.environ, OMP_NUM_THREADS="1"))
    check(r.returncode == 0, "a short training run for the single-run report (stderr: %s)" % r.stderr.strip()[-300:])
    r = run([curvlab, "report", run_dir])
    check(r.returncode == 0, "report on one run exits 0 (stderr: %s)" % r.stderr.strip()[-300:])
    out = os.path.join(run_dir, "report")
    with open(os.path.join(out, "summary.md"), encoding="utf-8") as f:
        summary = f.read()
    check("status: done" in summary and "best test accuracy" in summary, "run summary.md: status and best accuracy")
    check("target test_loss <= 100: reached at step 12" in summary, "run summary.md: target reached at the first eval")
    check_plot_files(out, ["loss", "accuracy", "lr", "batch_size", "noise_scale"])
    check("B_simple (median over the second half): nan" not in summary, "run summary.md: a finite noise scale")
    r = run([curvlab, "report", run_dir, "--target", "test_accuracy=1.01", "--out", os.path.join(tmp, "o2")])
    with open(os.path.join(tmp, "o2", "summary.md"), encoding="utf-8") as f:
        check("target test_accuracy >= 1.01: not reached" in f.read(), "run summary.md: --target overrides the job's")
    check(os.path.isfile(os.path.join(out, "run_plots.gp")), "run_plots.gp kept for restyling")


def real_sweep_case(curvlab, tmp):
    """A sweep directory laid out by hand around real short runs (`curvlab run` on each resolved job
    file): the report's steps to target must equal each run's first evaluation meeting the target,
    found here in metrics_evals.csv, and the trainer's own summary/target_step in results.h5."""
    import h5py
    root = os.path.join(tmp, "real_sweep")
    rows = ["id\trun_dir\tjob_file\ttrain.optimizer\ttrain.batch_size\ttrain.lr"]
    ids = []
    for opt in ("sgd", "kfac"):
        for batch in (32, 64):
            for lr in ("0.05", "0.1"):
                rid = "%s_%d_%s" % (opt, batch, lr.replace(".", ""))
                ids.append((rid, opt, batch, lr))
                rows.append("%s\truns/%s\tjobs/%s.toml\t\"%s\"\t%d\t%s" % (rid, rid, rid, opt, batch, lr))
                job = os.path.join(root, "jobs", rid + ".toml")
                write(job, "[job]\nname = \"real-%s\"\noutput_dir = \"%s\"\nseed = 5\n"
                           "[data]\ndataset = \"synthetic\"\nsynthetic_train = 1024\nsynthetic_test = 256\n"
                           "[model]\nname = \"mlp\"\nwidths = [32]\n"
                           "[train]\nsteps = 40\nbatch_size = %d\noptimizer = \"%s\"\nlr = %s\neval_every_steps = 4\n"
                           "checkpoint_every_steps = 40\ntarget_metric = \"test_accuracy\"\ntarget_value = 0.6\n"
                           % (rid, os.path.join(root, "runs", rid), batch, opt, lr))
                r = run([curvlab, "run", job, "--quiet"], env=dict(os.environ, OMP_NUM_THREADS="1"))
                check(r.returncode == 0, "real run %s (stderr: %s)" % (rid, r.stderr.strip()[-200:]))
    write(os.path.join(root, "sweep.tsv"), "\n".join(rows) + "\n")
    r = run([curvlab, "report", root])
    check(r.returncode == 0, "report on the real sweep exits 0 (stderr: %s)" % r.stderr.strip()[-300:])
    with open(os.path.join(root, "report", "runs.csv"), encoding="utf-8") as f:
        got = {row["id"]: row for row in csv.DictReader(f)}
    best = {}
    for rid, opt, batch, lr in ids:
        with open(os.path.join(root, "runs", rid, "metrics_evals.csv"), encoding="utf-8") as f:
            first = next((float(e["step"]) for e in csv.DictReader(f) if float(e["test_accuracy"]) >= 0.6), float("inf"))
        with h5py.File(os.path.join(root, "runs", rid, "results.h5"), "r") as h5:
            reached = int(h5["summary/target_reached"][()])
            h5_step = float(h5["summary/target_step"][()]) if reached else float("inf")
        steps = float(got[rid]["steps"])
        check(steps == first == h5_step, "real run %s: steps to target %s = metrics_evals %s = results.h5 %s"
              % (rid, steps, first, h5_step))
        key = (opt, batch)
        if first < best.get(key, (float("inf"),))[0]:
            best[key] = (first, lr)
    with open(os.path.join(root, "report", "steps_to_target.csv"), encoding="utf-8") as f:
        table = {(row["optimizer"], int(row["batch_size"])): row for row in csv.DictReader(f)}
    for key, (steps, lr) in best.items():
        row = table[key]
        check(float(row["steps"]) == steps, "real sweep %s %d: best steps %s (expected %s)" % (key[0], key[1], row["steps"], steps))
    check_plot_files(os.path.join(root, "report"), ["steps_to_target", "sensitivity"])


def main():
    curvlab = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="curvlab_report_cli_")
    try:
        sweep_cases(curvlab, tmp)
        single_run_case(curvlab, tmp)
        real_sweep_case(curvlab, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d failed" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
