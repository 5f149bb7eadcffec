#!/usr/bin/env bash
# What OpenBLAS's own thread pool costs beside libtorch's threads: the engine benchmark's Repro side
# (bench/Repro.Bench, one epoch of Fashion-MNIST with the reference CNN) run alternately with one BLAS thread
# (what a Repro run sets) and with OpenBLAS's default of one per core, ROUNDS times each. Prints every run, the
# medians, and on its last line the ratio of the medians (below 1: one BLAS thread is faster). Both settings
# must end on the same loss: a product's result does not depend on the BLAS thread count.
# Builds nothing: run `make bench` (or make build) first. Settings (environment): ROUNDS (3), THREADS (2),
# STEPS (0 = the whole epoch after the warm-up), WARMUP (5), SEED (1), DATA, CONFIGURATION (Release).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
pool="$(nproc)"

one_ms=() pool_ms=() losses=()
echo "BLAS threads benchmark: Fashion-MNIST train epoch, reference CNN, $THREADS libtorch threads, 1 vs $pool BLAS threads, $ROUNDS rounds"
for round in $(seq 1 "$ROUNDS"); do
  for blas in 1 "$pool"; do
    out=$(OPENBLAS_NUM_THREADS="$blas" "$DOTNET" "$bench_dll" "${flags[@]}") || { echo "$out"; echo "error: Repro.Bench failed" >&2; exit 1; }
    ms=$(value ms_per_step "$out")
    if [ "$blas" = 1 ]; then one_ms+=("$ms"); else pool_ms+=("$ms"); fi
    losses+=("$(value final_loss "$out")")
    printf 'round %d blas_threads=%s: %8s ms/step  cpu %8s ms/step  final_loss=%s\n' \
      "$round" "$(value blas_threads "$out")" "$ms" "$(value cpu_ms_per_step "$out")" "$(value final_loss "$out")"
  done
done
[ "$(printf '%s\n' "${losses[@]}" | sort -u | wc -l)" = 1 ] || { echo "error: the final losses differ between BLAS thread counts" >&2; exit 1; }
one=$(echo "${one_ms[*]}" | median)
many=$(echo "${pool_ms[*]}" | median)
echo "1 BLAS thread median: $one ms/step"
echo "$pool BLAS threads median: $many ms/step"
awk -v a="$one" -v b="$many" 'BEGIN {printf "ratio one/pool = %.2f\n", a / b}'
