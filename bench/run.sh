#!/usr/bin/env bash
# The engine benchmark: one epoch of Fashion-MNIST with the reference CNN, in Repro (bench/Repro.Bench)
# and in PyTorch (bench/pytorch_bench.py), run alternately ROUNDS times each; prints every run, the
# median ms per step of each, and on its last line the ratio of the medians.
# Builds nothing: `make bench` builds first. Settings (environment): ROUNDS (3), THREADS (2),
# STEPS (0 = the whole epoch after the warm-up), WARMUP (5), SEED (1), BLAS_THREADS (1: the PyTorch side's OpenBLAS
# pool beside libtorch's threads; Repro's libtorch runs MKL on its own OpenMP threads), DATA, CONFIGURATION (Release),
# PYTHON (the interpreter that has Debian's python3-torch; /usr/bin/python3), PYTORCH_HEAP (set to
# "retain" to run PyTorch under the same glibc heap settings Repro's native library applies to itself,
# through GLIBC_TUNABLES: the like-for-like comparison of everything but the heap policy).
set -euo pipefail

PYTHON="${PYTHON:-/usr/bin/python3}"
PYTORCH_HEAP="${PYTORCH_HEAP:-default}"
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
"$PYTHON" -c "import torch" 2>/dev/null || { echo "error: $PYTHON cannot import torch; install python3-torch" >&2; exit 2; }

# Debian's PyTorch calls OpenBLAS from inside libtorch's parallel regions; its own pool of one spinning thread per
# core on top of that oversubscribes the cores. (Repro's libtorch bundles MKL, which follows set_num_threads.)
export OPENBLAS_NUM_THREADS="${BLAS_THREADS:-1}"

pytorch_env=()
if [ "$PYTORCH_HEAP" = retain ]; then
  # The settings of Repro's heap policy (src/Repro.Experiments/Engine/HeapPolicy.cs; a huge trim threshold: none).
  pytorch_env=(GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.mmap_max=0:glibc.malloc.arena_max=1:glibc.malloc.trim_threshold=18446744073709551615)
fi

repro_ms=() pytorch_ms=()
echo "engine benchmark: Fashion-MNIST train epoch, reference CNN, batch 128, SGD lr 0.05, $THREADS threads, $ROUNDS rounds"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); BLAS threads: $OPENBLAS_NUM_THREADS; pytorch heap: $PYTORCH_HEAP"
for round in $(seq 1 "$ROUNDS"); do
  out=$("$DOTNET" "$bench_dll" "${flags[@]}") || { echo "$out"; echo "error: Repro.Bench failed (round $round)" >&2; exit 1; }
  repro_ms+=("$(value ms_per_step "$out")")
  printf 'round %d repro:   %8s ms/step  cpu %8s ms/step  faults/step %7s  threads=%s steps=%s final_loss=%s peak_rss_mb=%s heap=%s live_tensors=%s->%s\n' \
    "$round" "$(value ms_per_step "$out")" "$(value cpu_ms_per_step "$out")" "$(value page_faults_per_step "$out")" \
    "$(value threads "$out")" "$(value steps "$out")" "$(value final_loss "$out")" "$(value peak_rss_mb "$out")" \
    "$(value heap_policy "$out")" "$(value live_tensors_before "$out")" "$(value live_tensors_after "$out")"

  out=$(env "${pytorch_env[@]}" "$PYTHON" "$root/bench/pytorch_bench.py" "${flags[@]}") || { echo "$out"; echo "error: pytorch_bench.py failed (round $round)" >&2; exit 1; }
  pytorch_ms+=("$(value ms_per_step "$out")")
  printf 'round %d pytorch: %8s ms/step  cpu %8s ms/step  faults/step %7s  threads=%s steps=%s final_loss=%s peak_rss_mb=%s heap=%s\n' \
    "$round" "$(value ms_per_step "$out")" "$(value cpu_ms_per_step "$out")" "$(value page_faults_per_step "$out")" \
    "$(value threads "$out")" "$(value steps "$out")" "$(value final_loss "$out")" "$(value peak_rss_mb "$out")" "$PYTORCH_HEAP"
done

repro_median=$(echo "${repro_ms[*]}" | median)
pytorch_median=$(echo "${pytorch_ms[*]}" | median)
echo "repro   median: $repro_median ms/step"
echo "pytorch median: $pytorch_median ms/step"
awk -v r="$repro_median" -v p="$pytorch_median" 'BEGIN {printf "ratio repro/pytorch = %.2f\n", r / p}'
