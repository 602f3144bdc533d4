#!/usr/bin/python3
"""A failing rank takes the whole mpirun job down within 10 s, and the output names it.

Runs comm_failure_helper (tests/comm/mpi/mpi_communicator_failure_helper.cpp) under mpirun with
3 ranks; the last rank (2) fails in the given mode (throw | uncaught | kill) while the others wait
in an allreduce.
usage: mpi_communicator_test.py MODE MPIRUN HELPER [MPIRUN FLAGS...]
"""
import subprocess
import sys
import time

LIMIT_S = 10.0


def main():
    mode, mpirun, helper, flags = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    cmd = [mpirun, *flags, "-np", "3", helper, mode]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
    except subprocess.TimeoutExpired as e:
        print(e.output or "")
        print(f"FAIL: mpirun did not end within 60 s after rank 2 failed ({mode}): the job hangs")
        return 1
    elapsed = time.monotonic() - start
    out = proc.stdout
    print(out)
    print(f"mode={mode} exit={proc.returncode} elapsed={elapsed:.2f}s")
    ok = True
    if proc.returncode == 0:
        print("FAIL: mpirun exited 0 although a rank failed")
        ok = False
    if elapsed > LIMIT_S:
        print(f"FAIL: took {elapsed:.1f} s to end the job (limit {LIMIT_S} s)")
        ok = False
    if "rank 2" not in out:
        print("FAIL: the output does not name the failed rank ('rank 2')")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
