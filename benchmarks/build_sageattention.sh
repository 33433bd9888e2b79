#!/usr/bin/env bash
# Build SageAttention 2 (INT8 QK, FP8 PV attention; Apache-2.0) from source into a wheel, on the GPU machine,
# for Hopper only (sm_90a), so that `fast` can take `attention="sage"`. PyPI has only the Triton 1.0.6 build,
# measured no faster than SDPA (benchmarks/RESULTS.md). Nothing can be fetched on the device: bring the source
# (the `fetch` tool's github:thu-ml/SageAttention, commit d1a57a5 was used: setup.py, pyproject.toml, MANIFEST.in,
# LICENSE, README.md, sageattention/ and csrc/, 0.6 MB) and carry it. Only the two extensions Hopper's path
# uses are compiled (_qattn_sm90 and _fused; the sm80 and sm89 kernels, imported only if present, are skipped),
# so the build fits one device call.
# Usage: bash benchmarks/build_sageattention.sh SOURCE_DIR [WHEEL_DIR]   (WHEEL_DIR: $OUT, else .)
set -euo pipefail
source_dir=$(realpath "${1:?usage: build_sageattention.sh SOURCE_DIR [WHEEL_DIR]}")
wheel_dir=$(realpath "${2:-${OUT:-.}}")
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}
export MAX_JOBS=${MAX_JOBS:-$(nproc)} EXT_PARALLEL=${EXT_PARALLEL:-4} NVCC_APPEND_FLAGS=${NVCC_APPEND_FLAGS:-}
build=$(mktemp -d)
cp -r "$source_dir"/. "$build"
cd "$build"
sed -i 's/^setup($/ext_modules = [e for e in ext_modules if e.name in ("sageattention._qattn_sm90", "sageattention._fused")]\n&/' setup.py
grep -q '^ext_modules = \[e for e' setup.py  # the filter must land, or the build runs past the call
time python3 -m pip wheel --no-build-isolation --no-deps --no-index -w "$wheel_dir" . 2>&1 | tail -20
ls -l "$wheel_dir"/sageattention-*.whl
