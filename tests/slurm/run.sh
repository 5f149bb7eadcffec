#!/usr/bin/env bash
# repro run --launcher slurm against a real Slurm: a one-node cluster on this machine (Debian 12's slurm-wlm and
# munge), started from a generated slurm.conf in a temporary folder and stopped again at the end.
#
#   1. a smoke sweep (random-labels, 7 runs) with --wait: every run's results, the report, repro status;
#   2. a second sweep (baseline, 3 runs): one task cancelled with scancel mid-run fails that run only; the same
#      command again submits that run alone, completes it and leaves the other two as they were;
#   3. two submissions of one sweep (repro's and a copy of its batch script): every run is trained once;
#   4. the errors that stop a submission before anything is submitted: an unknown partition, no sbatch on the
#      PATH, a results folder under /tmp once the cluster has a node that is not this machine.
#
# Run as root from the repository after `make build`: it installs slurm-wlm and munge when missing and starts
# munged, slurmctld and slurmd as root, on their own socket and ports, so that a Slurm or munge the machine already
# runs is left alone. Takes about three minutes on two cores.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
repro="$root/repro"
dll="$root/src/Repro.Runner/bin/${CONFIGURATION:-Release}/net10.0/repro.dll"
start=$SECONDS
failures=0

log() { printf '[%s +%3ds] %s\n' "$(date +%H:%M:%S)" $((SECONDS - start)) "$*"; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...: runs the command, records a failure when it fails
  local what="$1"; shift
  if "$@"; then log "ok: $what"; else fail "$what"; fi
}

if [ "$(id -u)" != 0 ]; then
  echo "tests/slurm/run.sh: run it as root (it installs packages and starts Slurm's daemons as root)" >&2
  exit 2
fi
if [ ! -f "$dll" ]; then
  echo "tests/slurm/run.sh: repro is not built; run 'make build' first" >&2
  exit 2
fi

# --- Slurm and munge from Debian, without letting the packages start their own services ----------------------
missing=$(for p in slurm-wlm munge; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"; done)
if [ -n "$missing" ]; then
  log "installing: $(echo $missing)"
  policy=/usr/sbin/policy-rc.d
  placed_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && placed_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt_log=$(mktemp)
  installed=1
  apt-get update -qq > "$apt_log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >> "$apt_log" 2>&1 || installed=0
  if [ "$placed_policy" = 1 ]; then rm -f "$policy"; fi
  if [ "$installed" = 0 ]; then cat "$apt_log" >&2; rm -f "$apt_log"; echo "tests/slurm/run.sh: could not install $(echo $missing)" >&2; exit 1; fi
  rm -f "$apt_log"
  log "installed: $(dpkg-query -W -f='${Package} ${Version}  ' slurm-wlm munge)"
fi

# --- a one-node cluster in a temporary folder ------------------------------------------------------------------
work=$(mktemp -d /tmp/repro-slurm.XXXXXX)
chmod 755 "$work"   # munged wants every folder above its socket searchable by all
mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/bin"
export SLURM_CONF="$work/slurm.conf"
node=$(hostname -s)
port=${SLURM_TEST_PORT:-16817}

stop_cluster() {
  # Jobs first (their slurmstepd outlives slurmd), then the daemons, each by its pid file.
  if [ -f "$work/slurmctld.pid" ]; then
    squeue --noheader --format=%A 2>/dev/null | sort -u | xargs -r scancel 2>/dev/null || true
    for _ in $(seq 20); do [ -z "$(squeue --noheader 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge/munged.pid"; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

finish() {
  code=$?
  stop_cluster
  if [ "$code" = 0 ] && [ "$failures" = 0 ]; then
    rm -rf "$work"
  else
    echo "--- slurmctld.log (last lines) ---"; tail -n 15 "$work/slurmctld.log" 2>/dev/null || true
    echo "--- slurmd.log (last lines) ---"; tail -n 15 "$work/slurmd.log" 2>/dev/null || true
    echo "kept for a look: $work"
  fi
  log "daemons stopped; $(pgrep -f "$work" | wc -l) processes left from $work"
}
trap finish EXIT

write_conf() { # write_conf [EXTRA NODE LINES]
  cat > "$SLURM_CONF" <<EOF
ClusterName=repro-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
KillWait=5
$(slurmd -C | head -n 1 | sed "s/^NodeName=[^ ]*/NodeName=$node/") NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
${1:-}
EOF
}

wait_idle() {
  for _ in $(seq 60); do
    sinfo --noheader --nodes="$node" --format=%T 2>/dev/null | grep -q '^idle' && return 0
    sleep 0.5
  done
  return 1
}

dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"
write_conf
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$node"
wait_idle || { log "the node did not come up"; exit 1; }
log "cluster up: $(sinfo --noheader --format='%P %D node(s) %c CPUs %m MB %T' | tr -s ' ')"

# Results in the temporary folder: the cluster is this machine alone, so every folder of it is shared.
run_ok() { # run_ok RUN_DIR: summary.csv says ok and no claim is left behind
  grep -q '^[0-9a-f]\{12\},ok,' "$1/summary.csv" 2>/dev/null && ! ls "$1"/claim.* >/dev/null 2>&1
}
all_runs_ok() { # all_runs_ok RESULTS EXPERIMENT COUNT
  local ids; ids=$(tail -n +2 "$1/$2/report/runs.csv")
  [ "$(echo "$ids" | wc -l)" = "$3" ] || return 1
  for id in $ids; do run_ok "$1/$2/$id" || return 1; done
}
job_of() { sed -n 's/.*submitted job \([0-9][0-9]*\).*/\1/p' | head -n 1; }
task_active() { squeue --noheader --array --jobs="$1" --format=%T 2>/dev/null | grep -qE 'PENDING|RUNNING|COMPLETING|CONFIGURING'; }

# --- 1. a smoke sweep with --wait -------------------------------------------------------------------------------
r1="$work/results-1"
log "1. random-labels smoke sweep, --wait"
set +e
"$repro" run configs/random-labels.yaml --profile smoke --launcher slurm --partition debug --cpus-per-run 1 \
  --mem 1G --time 10 --results "$r1" --wait > "$work/sweep-1.log" 2>&1
code=$?
set -e
grep -v NNPACK "$work/sweep-1.log"
check "sweep 1 exits 0" [ "$code" = 0 ]
check "sweep 1 was one job array of 7 tasks" grep -q 'submitted job [0-9]*: 7 runs as array tasks 0-6 (partition debug, 1 CPU, 1G, time 10 each)' "$work/sweep-1.log"
check "every run of sweep 1 has an ok summary, metrics and provenance" all_runs_ok "$r1" random-labels 7
check "every run's provenance names the one thread it was given" \
  bash -c "grep -l '\"threads\": 1,' $r1/random-labels/*/provenance.json | wc -l | grep -qx 7"
check "the report was built" test -s "$r1/random-labels/report/report.md"
check "the report has its figures" bash -c "ls $r1/random-labels/report/*.png >/dev/null"
"$repro" status "$r1" > "$work/status-1.log"
cat "$work/status-1.log"
check "repro status: 7 finished" grep -q '^7 runs: 7 finished, 0 running, 0 pending, 0 failed$' "$work/status-1.log"
"$repro" run configs/random-labels.yaml --profile smoke --launcher slurm --results "$r1" > "$work/sweep-1b.log" 2>&1
check "submitting sweep 1 again submits nothing" grep -q '7 runs: 0 submitted, 7 already done, 0 in flight in other jobs' "$work/sweep-1b.log"

# --- 2. a task cancelled mid-run, then the same command again -------------------------------------------------
r2="$work/results-2"
sweep2=(run configs/baseline.yaml --profile smoke --set 'sweep.seed=[0, 1, 2]' --set options.train.epochs=4
        --launcher slurm --cpus-per-run 1 --results "$r2")
log "2. baseline smoke sweep of 3 runs (4 epochs), without --wait"
"$repro" "${sweep2[@]}" > "$work/sweep-2.log" 2>&1
cat "$work/sweep-2.log"
job=$(job_of < "$work/sweep-2.log")
victim=$(sed -n '3p' "$r2/.slurm/$job.tasks.csv" | cut -d, -f3)   # array task 1
for _ in $(seq 120); do
  # Mid-run: the task holds the claim and has written its provenance.
  ls "$r2/baseline/$victim"/claim.* >/dev/null 2>&1 && [ -f "$r2/baseline/$victim/provenance.json" ] && break
  sleep 0.5
done
sleep 2
check "task ${job}_1 is training run $victim when it is cancelled" bash -c "ls $r2/baseline/$victim/claim.* >/dev/null 2>&1"
log "scancel ${job}_1"
scancel "${job}_1"
for _ in $(seq 60); do task_active "${job}_1" || break; sleep 0.5; done
for _ in $(seq 240); do task_active "$job" || break; sleep 0.5; done
"$repro" status "$r2" > "$work/status-2.log"
cat "$work/status-2.log"
check "repro status: the cancelled task's run failed, the two others finished" \
  grep -q '^3 runs: 2 finished, 0 running, 0 pending, 1 failed$' "$work/status-2.log"
check "repro status names the cancellation" grep -q "$victim  failed    job ${job}_1 .*ended CANCELLED" "$work/status-2.log"
check "the cancelled run left no summary and a stale claim" \
  bash -c "[ ! -e $r2/baseline/$victim/summary.csv ] && ls $r2/baseline/$victim/claim.* >/dev/null"
kept=$(tail -n +2 "$r2/baseline/report/runs.csv" | grep -v "$victim")
before=$(for id in $kept; do sha256sum "$r2/baseline/$id/summary.csv" "$r2/baseline/$id/provenance.json"; done)
log "the same command again, with --wait"
set +e
"$repro" "${sweep2[@]}" --wait > "$work/sweep-2b.log" 2>&1
code=$?
set -e
grep -v NNPACK "$work/sweep-2b.log"
check "the rerun exits 0" [ "$code" = 0 ]
check "the rerun submits the cancelled run alone" grep -q '3 runs: 1 submitted, 2 already done, 0 in flight in other jobs' "$work/sweep-2b.log"
job2=$(job_of < "$work/sweep-2b.log")
check "the rerun's only task is the cancelled run" bash -c "tail -n +2 $r2/.slurm/$job2.tasks.csv | cut -d, -f3 | grep -qx $victim"
check "the rerun took over the stale claim" grep -q "claimed by job ${job2}_0" "$r2/.slurm/logs/${job2}_0.out"
check "all three runs are ok now" all_runs_ok "$r2" baseline 3
after=$(for id in $kept; do sha256sum "$r2/baseline/$id/summary.csv" "$r2/baseline/$id/provenance.json"; done)
check "the two runs that finished were kept as they were" [ "$before" = "$after" ]
check "the report was built" test -s "$r2/baseline/report/report.md"

# --- 3. two submissions of one sweep train each run once -----------------------------------------------------
r3="$work/results-3"
sweep3=(run configs/baseline.yaml --profile smoke --set 'sweep.seed=[10, 11, 12]' --launcher slurm --cpus-per-run 1 --results "$r3")
log "3. one sweep submitted twice: by repro, and its batch script again with sbatch"
"$repro" "${sweep3[@]}" > "$work/sweep-3.log" 2>&1
job=$(job_of < "$work/sweep-3.log")
copy=$(sbatch --parsable "$r3/.slurm/$job.sbatch")
log "job $job by repro, job $copy from a copy of its script"
set +e
"$repro" "${sweep3[@]}" --wait > "$work/sweep-3b.log" 2>&1
code=$?
set -e
grep -v NNPACK "$work/sweep-3b.log"
for _ in $(seq 120); do task_active "$copy" || break; sleep 0.5; done
check "a third submission finds every run in flight and waits for them" \
  bash -c "[ $code = 0 ] && grep -q '3 runs: 0 submitted, 0 already done, 3 in flight in other jobs' $work/sweep-3b.log"
check "all three runs are ok" all_runs_ok "$r3" baseline 3
for id in $(tail -n +2 "$r3/baseline/report/runs.csv"); do
  trained=$(cat "$r3/.slurm/logs/${job}"_*.out "$r3/.slurm/logs/${copy}"_*.out | grep -c "baseline $id claimed by" || true)
  left=$(cat "$r3/.slurm/logs/${job}"_*.out "$r3/.slurm/logs/${copy}"_*.out | grep -cE "baseline $id (is being trained by|already done)" || true)
  check "run $id trained once, left alone once (trained $trained, left alone $left)" test "$trained,$left" = "1,1"
done

# --- 4. errors before anything is submitted --------------------------------------------------------------------
log "4. errors: one line, exit 2, nothing submitted"
queued_before=$(ls "$work"/results-*/.slurm/*.sbatch | wc -l)
expect_error() { # expect_error DESCRIPTION EXPECTED_LINE_PATTERN COMMAND...
  local what="$1" pattern="$2"; shift 2
  set +e
  "$@" > "$work/error.out" 2> "$work/error.err"
  local code=$?
  set -e
  log "  $(cat "$work/error.err")"
  if [ "$code" = 2 ] && [ "$(wc -l < "$work/error.err")" = 1 ] && grep -qE "$pattern" "$work/error.err"; then
    log "ok: $what: exit 2, one line"
  else
    fail "$what (exit $code)"
  fi
}
expect_error "unknown partition" "^--partition gpu: no such partition on this cluster \(did you mean 'debug'\?\)|^--partition gpu: no such partition on this cluster \(partitions: debug\)$" \
  "$repro" run configs/baseline.yaml --profile smoke --launcher slurm --partition gpu --results "$work/results-4"
ln -s "$(readlink -f "$(command -v dotnet)")" "$work/bin/dotnet"
expect_error "no sbatch on the PATH" "^--launcher slurm: 'sbatch' is not on the PATH" \
  env PATH="$work/bin" "$work/bin/dotnet" "$dll" run configs/baseline.yaml --profile smoke --launcher slurm --results "$work/results-4"
# A second node that is not this machine (it never comes up): now /tmp is this machine's alone.
stop_cluster
munged --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" --pid-file="$work/munge/munged.pid" \
  --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"
write_conf "NodeName=elsewhere NodeAddr=127.0.0.2 CPUs=1 State=DOWN
PartitionName=remote Nodes=elsewhere State=UP"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N "$node"
wait_idle || { log "the node did not come up again"; exit 1; }
expect_error "results folder under /tmp with a node that is not this machine" \
  "^--launcher slurm: the results folder $work/results-4 is under /tmp, which each of the cluster's 2 nodes has its own of" \
  "$repro" run configs/baseline.yaml --profile smoke --launcher slurm --results "$work/results-4"
check "nothing was submitted by the failing commands" \
  bash -c "[ ! -e $work/results-4 ] && [ \$(ls $work/results-*/.slurm/*.sbatch | wc -l) = $queued_before ]"

log "$( [ "$failures" = 0 ] && echo "all checks passed" || echo "$failures checks FAILED") in $((SECONDS - start)) s"
[ "$failures" = 0 ]
