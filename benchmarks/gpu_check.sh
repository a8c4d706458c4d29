#!/usr/bin/env bash
# GPU checks of the scoring engine: the CuPy tests and the GPU benchmark, in
# under 5 minutes on one GPU. Run from the repository root, on a machine with
# CuPy and a CUDA device:
#
#     bash benchmarks/gpu_check.sh [OUT_DIR]
#
# skhnm is used from the checkout (PYTHONPATH). Where nothing can be fetched,
# put wheels of the missing pure-Python packages (imbalanced-learn, and
# scikit-learn if the machine's is older than 1.6) in .whl/ first; they are
# installed into /tmp/site.
set -uo pipefail
out=${1:-${OUT:-.}}
mkdir -p "$out" || exit
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
if [ -d .whl ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
    export PYTHONPATH=/tmp/site:$PYTHONPATH
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
python3 -c "import cupy, sklearn, numpy; print('cupy', cupy.__version__, 'sklearn', sklearn.__version__, 'numpy', numpy.__version__)" | tee -a "$out/gpu.txt"
# The benchmark runs even when a test fails; the script's status is the
# tests' (or the benchmark's, if they passed).
timeout 150 python3 -m pytest tests/test_gpu.py -m gpu -o addopts="" -p no:cacheprovider -q -rs 2>&1 | tee "$out/gpu_tests.txt"
status=$?
timeout 120 python3 benchmarks/bench_gpu.py --json "$out/gpu_bench.json" 2>&1 | tee "$out/gpu_bench.txt"
bench=$?
exit $(( status ? status : bench ))
