#!/usr/bin/env bash
# Measure mmcosa on a CUDA machine, in one go (docs/en/performance.md):
#   1. the benchmark at batch 2, fp32 (the CPU table's setting, with a
#      torch.profiler diff MTL vs MTL-COSA);
#   2. the benchmark with bf16 AMP and channels-last at batch 32
#      (throughput, achieved TFLOP/s against the card's dense peak, the
#      data pipeline and the dataloader workers the throughput needs);
#   3. a short real training of MTL-COSA r101 at 256x256 on the phantom
#      (tools/train.py --amp, 100 iterations, validation at the end);
#   4. bash tools/dist_train.sh CONFIG 1 (nccl), 40 iterations.
# Every step is bounded by `timeout`; a failed step is reported and the
# next one runs. About 5 minutes on an H200.
set -uo pipefail

usage() {
    cat << 'EOF'
Usage: bash tools/gpu_check.sh [--check] [-h|--help]

Runs the GPU measurements of docs/en/performance.md on this machine's
first visible CUDA device (choose it with CUDA_VISIBLE_DEVICES) and
writes everything to $OUT: gpu_check.log (all output), summary.md (the
tables), bench_cuda_b2.{json,txt}, bench_cuda_amp_b32.{json,txt},
train_r101.log, dist_train.log, nvidia_smi.txt.

  --check     check the prerequisites only, run nothing
  -h, --help  this text

Environment (all optional):
  OUT               results folder (default: ./gpu_check_out)
  WORK              scratch folder for work dirs (default: a new temp dir)
  PEAK_TFLOPS       the card's dense bf16 peak, TFLOP/s
  PEAK_TFLOPS_TF32  the card's dense TF32 peak, TFLOP/s
                    (known without them: H200, H100 SXM/PCIe, A100, L40S)
  STEP_TIMEOUT      seconds allowed for each step (default: 900)
  PORT              port of the distributed step (default: a free one)

Prerequisites: Python with the packages of requirements/pinned.txt and a
CUDA build of PyTorch that sees a GPU. Install them with
  python -m pip install -r requirements/pinned.txt -e .
EOF
}

CHECK_ONLY=0
for arg in "$@"; do
    case "$arg" in
        -h | --help) usage; exit 0 ;;
        --check) CHECK_ONLY=1 ;;
        *) echo "error: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
    esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO" || exit 2
fail() { echo "error: $*" >&2; exit 2; }

# ---- prerequisites ----------------------------------------------------
# tools/dist_train.sh calls `python`; a machine with only `python3` gets a
# shim.
if ! command -v python > /dev/null 2>&1; then
    command -v python3 > /dev/null 2>&1 \
        || fail 'neither python nor python3 is on PATH.'
    SHIM=$(mktemp -d "${TMPDIR:-/tmp}/mmcosa_python.XXXXXX") \
        && ln -s "$(command -v python3)" "$SHIM/python" \
        || fail 'cannot create a python shim in the temp folder.'
    export PATH="$SHIM:$PATH"
fi
command -v timeout > /dev/null 2>&1 \
    || fail 'the `timeout` command (GNU coreutils) is missing.'
export PYTHONPATH="$REPO${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1

python - << 'EOF' || exit 2
import importlib, sys
missing = []
for name in ('torch', 'mmengine', 'mmcv', 'mmseg', 'mmpretrain'):
    try:
        importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - report every failure
        missing.append(f'{name} ({type(exc).__name__}: {exc})')
if missing:
    sys.exit('error: cannot import ' + '; '.join(missing) + '. Install '
             'the tested stack: python -m pip install -r '
             'requirements/pinned.txt -e .')
try:
    import mmcosa  # noqa: F401
except Exception as exc:  # noqa: BLE001
    sys.exit(f'error: import mmcosa failed: {type(exc).__name__}: {exc}')
EOF

GPU=$(python - << 'EOF'
import sys
import torch
if torch.version.cuda is None:
    sys.exit(f'error: torch {torch.__version__} is not a CUDA build; '
             'install a CUDA build of PyTorch (see pytorch.org).')
if not torch.cuda.is_available():
    sys.exit(f'error: torch {torch.__version__} (CUDA {torch.version.cuda})'
             ' sees no GPU: check the driver (nvidia-smi) and '
             'CUDA_VISIBLE_DEVICES.')
print(torch.cuda.get_device_name(0))
EOF
) || exit 2

# Dense peaks from the vendor's data sheets (TFLOP/s, without sparsity):
# bf16 for the AMP run, TF32 for the fp32 run (cuDNN runs fp32
# convolutions as TF32 by default).
case "$GPU" in
    *H200 | *H200\ SXM* | *H100*HBM3 | *H100*SXM*) PEAKS='989 494' ;;
    *H100*PCIe*) PEAKS='756 378' ;;
    *A100*) PEAKS='312 156' ;;
    *L40S*) PEAKS='362 183' ;;
    *) PEAKS='' ;;
esac
if [[ -z "${PEAK_TFLOPS:-}" || -z "${PEAK_TFLOPS_TF32:-}" ]] \
    && [[ -z "$PEAKS" ]]; then
    fail "unknown peak throughput for '$GPU': set PEAK_TFLOPS (dense bf16)" \
        "and PEAK_TFLOPS_TF32 (dense TF32), in TFLOP/s, from its data sheet."
fi
read -r KNOWN_BF16 KNOWN_TF32 <<< "$PEAKS"
PEAK_TFLOPS=${PEAK_TFLOPS:-$KNOWN_BF16}
PEAK_TFLOPS_TF32=${PEAK_TFLOPS_TF32:-$KNOWN_TF32}

BENCH=tools/analysis_tools/benchmark.py
[[ -f "$BENCH" ]] || BENCH=tools/benchmark.py
[[ -f "$BENCH" ]] || fail 'the benchmark script is missing from tools/.'

echo "GPU: $GPU (dense peaks: bf16 $PEAK_TFLOPS, TF32 $PEAK_TFLOPS_TF32 TFLOP/s)"
if [[ $CHECK_ONLY == 1 ]]; then
    echo 'prerequisites: ok'
    exit 0
fi

# ---- measurements -----------------------------------------------------
OUT=${OUT:-$REPO/gpu_check_out}
mkdir -p "$OUT" || fail "cannot create OUT=$OUT"
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/mmcosa_gpu_check.XXXXXX")}
mkdir -p "$WORK" || fail "cannot create WORK=$WORK"
OUT=$(cd "$OUT" && pwd)
LOG="$OUT/gpu_check.log"
exec > >(tee -a "$LOG") 2>&1
STEP_TIMEOUT=${STEP_TIMEOUT:-900}
CORES=$(nproc 2> /dev/null || echo 4)
THREADS=$((CORES < 8 ? CORES : 8))
WORKERS=$((CORES / 2 < 4 ? (CORES / 2 > 0 ? CORES / 2 : 1) : 4))
START=$SECONDS
step() { echo; echo "=== [$((SECONDS - START)) s] $*"; }
status() { echo "exit status $1"; [[ $1 == 0 ]] || FAILED+=("$2"); }
FAILED=()

step 'environment'
if command -v nvidia-smi > /dev/null 2>&1; then
    nvidia-smi > "$OUT/nvidia_smi.txt" 2>&1
    head -n 15 "$OUT/nvidia_smi.txt"
else
    echo 'nvidia-smi not found (not needed; recorded for reference only)'
fi
python -c 'import torch, mmcosa; print("torch", torch.__version__,
"cuda", torch.version.cuda, torch.cuda.get_device_name(0))'
echo "results: $OUT, work dirs: $WORK, $CORES CPU cores"

step 'benchmark, CUDA fp32, batch 2 (the CPU setting), with profile'
timeout "$STEP_TIMEOUT" python "$BENCH" --device cuda --batch-size 2 \
    --repeats 10 --warmup 3 --threads "$THREADS" --data-images 0 --profile \
    --peak-tflops "$PEAK_TFLOPS_TF32" --out "$OUT/bench_cuda_b2.json" \
    | tee "$OUT/bench_cuda_b2.txt"
status "${PIPESTATUS[0]}" 'benchmark fp32 batch 2'

step 'benchmark, CUDA AMP bf16 + channels-last, batch 32, data pipeline'
timeout "$STEP_TIMEOUT" python "$BENCH" --device cuda --amp \
    --channels-last --batch-size 32 --repeats 10 --warmup 3 \
    --threads "$THREADS" --data-images 40 --data-passes 2 \
    --peak-tflops "$PEAK_TFLOPS" --out "$OUT/bench_cuda_amp_b32.json" \
    | tee "$OUT/bench_cuda_amp_b32.txt"
status "${PIPESTATUS[0]}" 'benchmark AMP batch 32'

# The phantom demo config turned into the paper's network: ResNet-101 at
# 256x256, batch 12, AMP, from scratch (nothing is downloaded).
R101=(
    model.backbone.depth=101
    'model.decode_head.in_channels=[64,256,512,1024,2048]'
    model.cls_neck.in_channels=2048 model.cls_head.in_channels=2048
    'model.data_preprocessor.size=(256,256)'
    'train_dataloader.dataset.img_size=(256,256)'
    'val_dataloader.dataset.img_size=(256,256)'
    'test_dataloader.dataset.img_size=(256,256)'
    train_dataloader.batch_size=12 "train_dataloader.num_workers=$WORKERS"
    train_dataloader.persistent_workers=True
    train_dataloader.dataset.num_samples=240
    val_dataloader.dataset.num_samples=240
    test_dataloader.dataset.num_samples=240
)
step 'short training: MTL-COSA r101 256x256 on the phantom, GPU, AMP'
timeout "$STEP_TIMEOUT" python tools/train.py \
    configs/mtl_cosa_r18_phantom.py --amp --work-dir "$WORK/train_r101" \
    --cfg-options "${R101[@]}" train_cfg.max_iters=100 \
    train_cfg.val_interval=100 default_hooks.checkpoint.interval=100 \
    default_hooks.logger.interval=10
status $? 'short training'
TRAIN_LOG=$(ls -t "$WORK"/train_r101/*/*.log 2> /dev/null | head -n 1)
[[ -n "$TRAIN_LOG" ]] && cp "$TRAIN_LOG" "$OUT/train_r101.log"

step 'dist_train.sh CONFIG 1 (nccl)'
PORT=${PORT:-$(python -c 'import socket; s = socket.socket();
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
PORT=$PORT timeout "$STEP_TIMEOUT" bash tools/dist_train.sh \
    configs/mtl_cosa_r18_phantom.py 1 --work-dir "$WORK/dist" \
    --cfg-options train_cfg.max_iters=40 train_cfg.val_interval=40 \
    default_hooks.checkpoint.interval=40 default_hooks.logger.interval=10
status $? 'dist_train.sh'
DIST_LOG=$(ls -t "$WORK"/dist/*/*.log 2> /dev/null | head -n 1)
if [[ -n "$DIST_LOG" ]]; then
    cp "$DIST_LOG" "$OUT/dist_train.log"
    grep -m 3 -i -E 'backend|nccl|world_size|launcher' "$DIST_LOG"
fi

step 'summary'
python - "$OUT" "$GPU" << 'EOF'
import json, os, sys
out, gpu = sys.argv[1], sys.argv[2]
try:
    from tools.analysis_tools.benchmark_lib import format_report
except ImportError:
    format_report = None
parts = [f'# gpu_check on {gpu}', '']
for name in ('bench_cuda_b2', 'bench_cuda_amp_b32'):
    path = os.path.join(out, name + '.json')
    if not os.path.exists(path):
        parts += [f'## {name}', '', 'no result: see gpu_check.log', '']
    elif format_report is None:
        parts += [f'## {name}', '', f'see {name}.txt', '']
    else:
        with open(path) as f:
            parts += [f'## {name}', '', format_report(json.load(f)), '']
for name in ('train_r101.log', 'dist_train.log'):
    path = os.path.join(out, name)
    if os.path.exists(path):
        lines = [l for l in open(path) if 'Iter(' in l or 'mIoU' in l
                 or 'DSC' in l or 'ACC' in l]
        parts += [f'## {name} (last lines)', '', '```', *[
            l.rstrip() for l in lines[-4:]], '```', '']
with open(os.path.join(out, 'summary.md'), 'w') as f:
    f.write('\n'.join(parts))
print('\n'.join(parts))
EOF
if (( ${#FAILED[@]} )); then
    step "done with failures: ${FAILED[*]} (see $LOG)"
    exit 1
fi
step "done in $((SECONDS - START)) s; results in $OUT"
