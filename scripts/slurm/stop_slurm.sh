#!/usr/bin/env bash
# Stops the test cluster that scripts/slurm/start_slurm.sh DIR started: cancels its jobs, then
# sends SIGTERM (SIGKILL after 10 s) to exactly the slurmd, slurmctld and munged whose PIDs it
# recorded, after checking each PID still runs that program. Usage: stop_slurm.sh DIR
set -uo pipefail
DIR=${1:?usage: stop_slurm.sh DIR}
[ -d "$DIR" ] || exit 0
DIR=$(cd "$DIR" && pwd)
export SLURM_CONF="$DIR/etc/slurm.conf"

if [ -f "$SLURM_CONF" ] && [ -f "$DIR/slurmctld.pid" ]; then
  # Stopping slurmd does not end running jobs: cancel them first and give them a moment.
  ids=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
  if [ -n "${ids// /}" ]; then
    scancel $ids 2>/dev/null || true
    for _ in $(seq 1 50); do
      [ -z "$(squeue -h -t running,completing -o %A 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
fi

stop_pid() {  # stop_pid PIDFILE PROGRAM
  local file=$1 prog=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 0
  [ "$(cat "/proc/$pid/comm")" = "$prog" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do
    [ -d "/proc/$pid" ] || return 0
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_pid "$DIR/slurmd.pid" slurmd
stop_pid "$DIR/slurmctld.pid" slurmctld
stop_pid "$DIR/munge/munged.pid" munged
exit 0
