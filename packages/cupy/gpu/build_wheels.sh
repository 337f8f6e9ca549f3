#!/usr/bin/env bash
# Build, on the CPU machine, everything the lent GPU machine lacks, into .whl/ at the
# repository root (git-ignored; pass it to the device run with carry: [".whl"]).
#
# The GPU machine has Python with numpy, scipy, CuPy (CUDA 13), PyTorch, JAX and pluggy,
# and no network: it gets our packages as wheels, plus autograd, tqdm and pytest (pure
# Python wheels, valid for any CPython 3).
set -euo pipefail
cd "$(dirname "$0")/../../.."
PY=${PYTHON:-python3}
rm -rf .whl && mkdir .whl
packages=()
for p in packages/core packages/linalg packages/ode packages/quantum packages/tensornet \
         packages/dft packages/cupy; do
    [ -f "$p/pyproject.toml" ] && packages+=("$p")
done
# hatchling is installed here; --no-build-isolation keeps this offline-friendly
"$PY" -m pip wheel -q --no-deps --no-build-isolation -w .whl "${packages[@]}"
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --platform manylinux_2_28_x86_64 -d .whl \
    "autograd==1.9.1" "tqdm>=4.60" "pytest>=8" "iniconfig" "pygments" "packaging"
ls -la .whl
du -sh .whl
