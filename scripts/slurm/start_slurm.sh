#!/usr/bin/env bash
# Starts a private single-node Slurm (munged + slurmctld + slurmd) on loopback for the tests, with
# every file under DIR; stop it with scripts/slurm/stop_slurm.sh DIR (it kills only the PIDs started
# here). Usage: start_slurm.sh DIR [CTLD_PORT]  (slurmd uses CTLD_PORT+1; default 16817).
# Installs slurmctld slurmd slurm-client munge libpmix-dev with apt-get when they are missing and
# this runs as root; otherwise exits 77 (the tests' SKIP status) saying what is missing.
# Afterwards: `source DIR/env.sh` sets SLURM_CONF for sbatch/squeue/scontrol.
set -euo pipefail

DIR=${1:?usage: start_slurm.sh DIR [CTLD_PORT]}
PORT=${2:-${CURVLAB_SLURM_PORT:-16817}}
SKIP=77

skip() { echo "SKIP: cannot start a local Slurm: $*" >&2; exit $SKIP; }

have_all() {
  local c
  for c in slurmctld slurmd sbatch munged; do command -v "$c" >/dev/null || return 1; done
  # srun --mpi=pmix loads the unversioned libpmix.so, which only libpmix-dev ships.
  compgen -G "/usr/lib/*/libpmix.so" >/dev/null || compgen -G "/usr/lib/libpmix.so" >/dev/null
}

if ! have_all; then
  if [ "$(id -u)" -ne 0 ]; then
    skip "slurmctld/slurmd/sbatch/munged are not installed and this is not root; install them with
  sudo apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge libpmix-dev"
  fi
  command -v apt-get >/dev/null || skip "Slurm is not installed and there is no apt-get"
  echo "start_slurm: installing slurmctld slurmd slurm-client munge libpmix-dev (apt-get)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    slurmctld slurmd slurm-client munge libpmix-dev >"${TMPDIR:-/tmp}/curvlab-slurm-apt.log" 2>&1 ||
    skip "apt-get install failed (see ${TMPDIR:-/tmp}/curvlab-slurm-apt.log; offline? run apt-get update)"
  have_all || skip "Slurm is still missing after apt-get install"
fi
[ "$(id -u)" -eq 0 ] || skip "the test cluster runs its daemons as root (SlurmUser=root); run the tests as root"
for p in "$PORT" $((PORT + 1)); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then skip "port $p is in use (set CURVLAB_SLURM_PORT)"; fi
done

# munged rejects a socket directory that is not world-executable (mode 0755 here).
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
chmod 0755 "$DIR"
mkdir -p "$DIR/munge" "$DIR/etc" "$DIR/log" "$DIR/state" "$DIR/spool"
chmod 0755 "$DIR/munge"
dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$DIR/munge/munge.key"
munged --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
  --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" \
  --seed-file="$DIR/munge/munged.seed" || skip "munged did not start (see $DIR/munge/munged.log)"

cat >"$DIR/etc/slurm.conf" <<CONF
# Written by scripts/slurm/start_slurm.sh: a one-node test cluster on loopback.
ClusterName=curvlabci
SlurmctldHost=localhost
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket,cred_expire=5
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0,sched_interval=1,bf_interval=1
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/log/jobcomp.txt
MinJobAge=86400
ReturnToService=2
MpiDefault=pmix
SlurmdParameters=config_overrides
KillWait=30
NodeName=localhost NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$DIR/etc/slurm.conf"
echo "export SLURM_CONF=$SLURM_CONF" >"$DIR/env.sh"

slurmctld -f "$SLURM_CONF" || skip "slurmctld did not start (see $DIR/log/slurmctld.log)"
slurmd -f "$SLURM_CONF" -N localhost || skip "slurmd did not start (see $DIR/log/slurmd.log)"
for _ in $(seq 1 100); do
  state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
  if [ "$state" = "idle" ]; then
    echo "start_slurm: node idle; SLURM_CONF=$SLURM_CONF (slurmctld $(cat "$DIR/slurmctld.pid"), slurmd $(cat "$DIR/slurmd.pid"))" >&2
    exit 0
  fi
  sleep 0.2
done
echo "start_slurm: the node did not become idle within 20 s (state '$state'); see $DIR/log" >&2
bash "$(dirname "$0")/stop_slurm.sh" "$DIR" || true
exit $SKIP
