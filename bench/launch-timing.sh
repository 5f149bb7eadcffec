#!/usr/bin/env bash
# Detection's test CPU seconds per image (what its speed claims rest on) measured two ways in the same run: the
# smoke sweep as --jobs 2 child processes, and in one process after the baseline's two-thread training (as
# `repro run configs/*.yaml --jobs 1` would run it). Prints both per method and the ratio shared/children; a
# ratio near 1 means the measurement does not depend on how the run was launched.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
./repro run configs/detection.yaml --profile smoke --results "$tmp/children" --jobs 2 >/dev/null 2>&1
./repro run configs/baseline.yaml configs/detection.yaml --profile smoke --results "$tmp/shared" --jobs 1 >/dev/null 2>&1
cpu() { python3 - "$1" <<'PY'
import csv, glob, sys
for f in sorted(glob.glob(sys.argv[1] + "/detection/*/summary.csv")):
    r = next(csv.DictReader(open(f)))
    print(r["param.options.method"], r["test_cpu_seconds_per_image"])
PY
}
join <(cpu "$tmp/children" | sort) <(cpu "$tmp/shared" | sort) | \
  awk '{ printf "%-12s children %.4f  shared %.4f CPU s/image  ratio shared/children = %.2f\n", $1, $2, $3, $3 / $2 }'
