# Shared by bench/run.sh and bench/blas-threads.sh (sourced): the Repro.Bench settings, the checks that the
# benchmark binary and the data are there, and the helpers that read and summarise its key=value output.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUNDS="${ROUNDS:-3}"
THREADS="${THREADS:-2}"
STEPS="${STEPS:-0}"
WARMUP="${WARMUP:-5}"
SEED="${SEED:-1}"
DATA="${DATA:-/usr/share/datasets/fashion-mnist}"
CONFIGURATION="${CONFIGURATION:-Release}"
DOTNET="${DOTNET:-dotnet}"

bench_dll="$root/bench/Repro.Bench/bin/$CONFIGURATION/net10.0/Repro.Bench.dll"
[ -f "$bench_dll" ] || { echo "error: $bench_dll is missing; run 'make bench' (it builds first)" >&2; exit 2; }
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz; do
  [ -f "$DATA/$f" ] || { echo "error: $DATA/$f is missing; install dataset-fashion-mnist or set DATA" >&2; exit 2; }
done

flags=(--data "$DATA" --threads "$THREADS" --steps "$STEPS" --warmup "$WARMUP" --seed "$SEED")
# No process may pick up a thread count from the environment: each sets it explicitly.
unset OMP_NUM_THREADS MKL_NUM_THREADS

value() { sed -n "s/^$1=//p" <<<"$2" | tail -n 1; }

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else printf "%.3f\n", (v[NR/2]+v[NR/2+1])/2}'; }
