#!/usr/bin/env bash
# GPU validation of wengert-cupy in one run (at most 9 minutes: the step limits add up to
# 540 s; about 5 expected), on the lent GPU machine.
#
# Prepared on the CPU machine by packages/cupy/gpu/build_wheels.sh (wheels in .whl/), run
# from the repository root:
#
#     bash packages/cupy/gpu/run_gpu_checks.sh          # logs and JSON under $OUT
#
# Steps (each with its own time limit; a failing step does not stop the others):
#   1. install the carried wheels into /tmp/site (no index, no deps, no compile)
#   2. environment: nvidia-smi, versions, `wengert plugins`
#   3. the GPU test suite (packages/cupy/tests, GPU tests included)
#   4. the conformance suite on the cupy backend: `wengert check --backend cupy`
#   5. benchmarks/gpu.py --gpu (GPU side; CPU side from benchmarks/gpu_cpu_baseline.json)
# Every step's output goes to $OUT/<step>.log; $OUT/summary.txt has the exit codes.
set -u
cd "$(dirname "$0")/../../.."
OUT=${OUT:-$PWD/gpu-out}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
SITE=${WENGERT_SITE:-/tmp/site}
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"

step() {  # step NAME SECONDS COMMAND...
    local name=$1 limit=$2
    shift 2
    local start=$SECONDS
    echo "=== $name (limit ${limit}s)" | tee -a "$SUMMARY"
    timeout --kill-after=10 "$limit" "$@" > "$OUT/$name.log" 2>&1
    local rc=$?
    echo "    exit $rc after $((SECONDS - start))s" | tee -a "$SUMMARY"
    tail -n "${TAIL:-25}" "$OUT/$name.log"
    return 0
}

# 1. wheels -> /tmp/site
if ! ls .whl/*.whl > /dev/null 2>&1; then
    echo "no wheels in .whl/: run packages/cupy/gpu/build_wheels.sh here and carry .whl" \
        | tee -a "$SUMMARY"
    exit 2
fi
step install 45 "$PY" -m pip install -q --no-index --no-deps --no-compile --target "$SITE" \
    .whl/*.whl
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg
export CUPY_CACHE_DIR=${CUPY_CACHE_DIR:-/tmp/cupy-kernel-cache}

# 2. environment
step environment 45 bash -c "nvidia-smi; $PY -VV; $PY -c '
import importlib.metadata as m
for d in (\"numpy\", \"scipy\", \"cupy-cuda13x\", \"cupy-cuda12x\", \"cuda-pathfinder\",
          \"autograd\", \"pluggy\", \"pytest\", \"wengert\", \"wengert-cupy\", \"wengert-linalg\",
          \"wengert-ode\", \"wengert-quantum\", \"wengert-tensornet\", \"numba\"):
    try: print(d, m.version(d))
    except m.PackageNotFoundError: print(d, \"-\")
import wengert_cupy; print(\"probe:\", wengert_cupy.available())
'; $PY -m wengert plugins"

# 3. the test suite (CPU machinery tests and GPU tests), skips and xfails with reasons
TAIL=40 step pytest 170 "$PY" -m pytest -q -rsx -p no:cacheprovider \
    --junitxml="$OUT/pytest.xml" packages/cupy/tests

# 4. conformance on the cupy backend (every primitive with a cupy implementation)
TAIL=40 step check 80 "$PY" -m wengert check --backend cupy -v

# 5. the benchmark, GPU side
TAIL=30 step benchmark 200 "$PY" benchmarks/gpu.py --gpu --budget-s 150 \
    --out "$OUT/gpu_benchmark.json"

echo
cat "$SUMMARY"
