#!/usr/bin/env bash
# R-CNN's feature pass at two batch sizes (bench/Repro.Bench.ConvBatch), under glibc's default heap and under
# Repro's heap policy (src/Repro.Experiments/Engine/HeapPolicy.cs), one thread, in the same run. Prints each
# run and, on its last lines, the ratios default/policy of the milliseconds per crop at the large batch.
# Settings (environment): SMALL (16), LARGE (128), CROP (64), REPEATS (3), CONFIGURATION (Release).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
dll="$root/bench/Repro.Bench.ConvBatch/bin/$CONFIGURATION/net10.0/Repro.Bench.ConvBatch.dll"
[ -f "$dll" ] || { echo "error: $dll is missing; run 'make bench' (it builds first)" >&2; exit 2; }
SMALL="${SMALL:-16}" LARGE="${LARGE:-128}"
value() { sed -n "s/^$1=//p" <<<"$2" | tail -n 1; }
unset OMP_NUM_THREADS MKL_NUM_THREADS
echo "R-CNN feature pass: backbone on ${CROP:-64}x${CROP:-64} crops, batches of $SMALL and $LARGE, one thread"
default=$(REPRO_HEAP_POLICY=default dotnet "$dll" "$SMALL" "$LARGE" "${CROP:-64}" "${REPEATS:-3}" 2>/dev/null)
echo "glibc default heap:"; grep '^batch_\|^heap' <<<"$default" | sed 's/^/  /'
policy=$(dotnet "$dll" "$SMALL" "$LARGE" "${CROP:-64}" "${REPEATS:-3}" 2>/dev/null)
echo "Repro heap policy:"; grep '^batch_\|^heap' <<<"$policy" | sed 's/^/  /'
for kind in forward train; do
  awk -v k="$kind" -v d="$(value "${kind}_ms_per_crop_$LARGE" "$default")" -v p="$(value "${kind}_ms_per_crop_$LARGE" "$policy")" \
    'BEGIN { printf "ratio default/policy, %s ms per crop at batch '"$LARGE"' = %.2f\n", k, d / p }'
done
